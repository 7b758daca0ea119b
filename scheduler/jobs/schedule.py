"""The APScheduler side: a scheduler whose job store is the application database.

``wfm scheduler`` runs ``build_scheduler(blocking=True)``; the embedded one-machine mode
(``make run``) starts a background one from the web process on its first request, only
when ``WFM_SCHEDULER_IN_PROCESS=1`` (never from ``create_app``, which every gunicorn worker
and the reloader's watcher process also call).  Several schedulers on one store may all
fire a job: ``periodic.run_periodic``'s unique run row lets exactly one of them run it.

Every scheduler re-reads the admins' settings (``periodic_jobs``) every ``sync_seconds``
and updates the shared store, so a cron edited in the app takes effect within that time.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.orm import Session

from scheduler.db import utcnow
from scheduler.jobs import periodic

log = logging.getLogger(__name__)

_runtime: dict[str, Any] = {}


def _trigger(cron: str, timezone: str) -> CronTrigger:
    """The admin's cron; ``WFM_SCHEDULER_SECONDS`` (default ``0``) is the seconds field, which
    tests and demos set to ``*/2`` to see minutes' work in seconds."""
    return periodic.parse_cron(cron, timezone, second=os.environ.get("WFM_SCHEDULER_SECONDS", "0"))


def fire(job_id: str) -> None:
    """What the job store holds for each periodic job (a stable import path)."""
    engine = _runtime["engine"]
    with Session(bind=engine) as session:
        row = session.get(periodic.PeriodicJob, job_id)
        cron = row.cron if row else periodic.DEFINITIONS[job_id].default_cron
        tz = periodic.site_timezone(session)
    scheduled = periodic.latest_fire_time(_trigger(cron, tz), utcnow())
    periodic.run_periodic(engine, job_id, settings=_runtime.get("settings"), scheduled_for=scheduled)


def sync(scheduler: BaseScheduler, engine: sa.Engine) -> None:
    with Session(bind=engine) as session:
        rows = periodic.sync_definitions(session)
        tz = periodic.site_timezone(session)
        session.commit()
        wanted = {r.id: (r.cron, r.enabled) for r in rows}
    for job_id, (cron, enabled) in wanted.items():
        existing = scheduler.get_job(job_id, jobstore="default")
        if not enabled:
            if existing is not None:
                scheduler.remove_job(job_id, jobstore="default")
            continue
        trigger = _trigger(cron, tz)
        if existing is None or str(existing.trigger) != str(trigger):
            scheduler.add_job(fire, trigger, args=[job_id], id=job_id, name=job_id, jobstore="default",
                              replace_existing=True)


def build_scheduler(engine: sa.Engine, settings: Mapping[str, Any], *, blocking: bool,
                    sync_seconds: int = 30) -> BaseScheduler:
    _runtime.update(engine=engine, settings=dict(settings))
    cls = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = cls(
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename="apscheduler_jobs"),
                   "local": MemoryJobStore()},
        executors={"default": ThreadPoolExecutor(4)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        timezone="UTC",
    )
    scheduler.add_job(sync, "interval", seconds=sync_seconds, args=[scheduler, engine], id="wfm-sync",
                      jobstore="local", next_run_time=utcnow())
    return scheduler


_embedded: BackgroundScheduler | None = None
_embedded_lock = threading.Lock()


def start_embedded(app: Any) -> BaseScheduler | None:
    """Start the in-process scheduler once per process (``WFM_SCHEDULER_IN_PROCESS=1``)."""
    global _embedded
    from scheduler.db import db

    with _embedded_lock:
        if _embedded is not None:
            return _embedded
        with app.app_context():
            scheduler = build_scheduler(db.engine, app.config, blocking=False)
        scheduler.start()
        _embedded = scheduler
        log.info("embedded scheduler started in process %s", os.getpid())
        return scheduler
