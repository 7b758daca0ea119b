"""The Celery application for ``wfm worker`` (used only when ``WFM_BROKER_URL`` is set).

Delivery guarantees, and why:

- ``task_acks_late`` + ``task_reject_on_worker_lost``: a task is acknowledged when it ends,
  so a worker that dies mid-solve does not swallow the message; the broker redelivers it
  (Redis after ``visibility_timeout``, RabbitMQ when the connection drops).
- ``worker_prefetch_multiplier = 1``: a worker reserves one solve at a time, so a busy worker
  does not sit on jobs an idle machine could run.
- Redelivery alone is slow (Redis: the visibility timeout must exceed the longest solve), so
  the database decides: every worker runs the reaper (``service.fail_stale_jobs``) at start
  and every half heartbeat-timeout; a job whose worker stopped beating is re-queued or
  failed, and the runner's atomic claim makes a late redelivery a no-op.
- Results travel through the database (``Job.result``), not the Celery result backend.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from celery import Celery, signals

from scheduler.jobs import settings as job_settings

log = logging.getLogger(__name__)

_celery: Celery | None = None
_flask_app: Any = None
_lock = threading.Lock()


def _configure(app: Celery) -> None:
    app.conf.update(
        broker_url=job_settings.broker_url(),
        result_backend=job_settings.result_backend(),
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            "visibility_timeout": int(os.environ.get("WFM_CELERY_VISIBILITY_TIMEOUT", "7200")),
        },
        task_default_queue=job_settings.celery_queue(),
    )


def get_celery() -> Celery:
    """The process's Celery app, configured from the environment on first use (or again if
    the broker URL changed, as tests do)."""
    global _celery
    with _lock:
        if _celery is None:
            _celery = celery_app
        if (_celery.conf.broker_url, _celery.conf.task_default_queue) != (job_settings.broker_url(),
                                                                          job_settings.celery_queue()):
            _configure(_celery)
            _drop_connections(_celery)
        return _celery


def _drop_connections(app: Celery) -> None:
    """Forget the connection and producer pools, which Celery builds on first use from the
    broker URL of that moment: without this a changed ``WFM_BROKER_URL`` would keep
    publishing to the old broker."""
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None


celery_app = Celery("wfm")
_configure(celery_app)


def flask_app() -> Any:
    """The worker's Flask app (database engine, settings), created once per worker process."""
    global _flask_app
    with _lock:
        if _flask_app is None:
            from webapp import create_app

            _flask_app = create_app()
        return _flask_app


@celery_app.task(name="wfm.run_job", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def run_job_task(job_id: int) -> str | None:
    from scheduler.db import db
    from scheduler.jobs.runner import run_job

    app = flask_app()
    with app.app_context():
        return run_job(db.engine, int(job_id), settings=dict(app.config))


def reap_once() -> dict[str, list[int]]:
    from sqlalchemy.orm import Session

    from scheduler.db import db, utcnow
    from scheduler.jobs.service import fail_stale_jobs

    app = flask_app()
    with app.app_context():
        with Session(bind=db.engine) as session:
            outcome = fail_stale_jobs(session, utcnow())
            session.commit()
    return outcome


class _Reaper(threading.Thread):
    def __init__(self) -> None:
        super().__init__(daemon=True, name="wfm-reaper")
        self.stop = threading.Event()

    def run(self) -> None:
        interval = job_settings.heartbeat_timeout() / 2
        while True:
            try:
                reap_once()
            except Exception:  # noqa: BLE001 - a database hiccup: try again next round
                log.exception("stale-job reaper failed")
            if self.stop.wait(interval):
                return


_reaper: _Reaper | None = None


@signals.worker_ready.connect
def _start_reaper(**_: Any) -> None:
    global _reaper
    if _reaper is None:
        _reaper = _Reaper()
        _reaper.start()


@signals.worker_shutdown.connect
def _stop_reaper(**_: Any) -> None:
    if _reaper is not None:
        _reaper.stop.set()
