"""Periodic jobs, declared as data, and the guarded call that runs one.

Each job has a stable id, the import path of its function, a default cron expression and
a description; administrators change the cron and switch jobs on and off (stored in
``periodic_jobs``).  Job functions take ``(session, *, now, ...)``, flush their writes and
return a JSON-able summary; ``run_periodic`` commits once at the end, so a failed run
leaves nothing half-done, and records the run in ``periodic_runs``.

Exactly once: a run first inserts its (job id, scheduled fire time) row, which a unique
constraint makes succeed in one process only; every other scheduler process that fired
the same job at the same time gets an integrity error and skips.  Functions should still
be idempotent (a manual run and a scheduled one may meet).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
import importlib
import logging
import os
import re
import socket
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.orm import Session

from scheduler.db import utcnow
from scheduler.errors import NotFound, ValidationError
from scheduler.models import Notification, PeriodicJob, PeriodicRun, User, UserRole

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicDefinition:
    id: str
    #: ``package.module:function``
    function: str
    default_cron: str
    description: str
    #: Extra keyword arguments the function takes, filled in by ``_kwargs``.
    needs: tuple[str, ...] = ()


DEFINITIONS: dict[str, PeriodicDefinition] = {d.id: d for d in (
    PeriodicDefinition("forecast_refresh", "scheduler.planning.forecasting:refresh_forecasts", "0 2 * * *",
                       _l("Nightly re-forecast of every queue and refresh of the staffing requirements.")),
    PeriodicDefinition("draft_roster", "scheduler.planning.rosters:create_draft_for_next_period", "0 3 * * 1",
                       _l("Weekly draft roster for the next period.")),
    PeriodicDefinition("staffing_risk", "scheduler.planning.risk:staffing_risk_check", "30 6 * * *",
                       _l("Daily early warning: alert when a future interval's projected service level falls "
                          "below the threshold."), needs=("threshold",)),
    PeriodicDefinition("training_reminders", "training.reminders:send_due_reminders", "0 7 * * *",
                       _l("Training due and certification expiry reminders."), needs=("settings",)),
    PeriodicDefinition("weekly_summary", "scheduler.jobs.periodic:weekly_summary", "0 8 * * 1",
                       _l("Weekly summary report for managers (notification and e-mail)."), needs=("settings",)),
    PeriodicDefinition("reap_stale_jobs", "scheduler.jobs.periodic:reap_stale_jobs", "* * * * *",
                       _l("Re-queue or fail background jobs whose worker stopped sending heartbeats.")),
)}


_DOW_NAMES = {0: "sun", 1: "mon", 2: "tue", 3: "wed", 4: "thu", 5: "fri", 6: "sat", 7: "sun"}


def crontab_fields(expr: str, field: str = "cron") -> list[str]:
    """The five fields, with day-of-week numbers as crontab means them (0 or 7 = Sunday)
    turned into names: APScheduler 3 numbers weekdays from Monday = 0, so ``1`` would
    otherwise silently mean Tuesday."""
    fields = " ".join((expr or "").split()).split(" ")
    if len(fields) != 5 or not all(fields):
        raise ValidationError("a cron expression has five fields: minute hour day-of-month month day-of-week "
                              "(for example '0 2 * * *')", field=field)

    def name(match: re.Match) -> str:
        n = int(match.group(0))
        if n not in _DOW_NAMES:
            raise ValidationError(_l("day-of-week %(n)s is out of range (0-7, 0 and 7 = Sunday)", n=n), field=field)
        return _DOW_NAMES[n]

    dow, step = (fields[4].split("/", 1) + [""])[:2]
    fields[4] = re.sub(r"\d+", name, dow) + (f"/{step}" if step else "")
    return fields


def parse_cron(expr: str, timezone: str = "UTC", field: str = "cron", second: str = "0") -> CronTrigger:
    """A five-field crontab (minute hour day month weekday) as a trigger; a clear error
    naming ``field`` otherwise."""
    minute, hour, day, month, dow = crontab_fields(expr, field)
    try:
        return CronTrigger(second=second, minute=minute, hour=hour, day=day, month=month, day_of_week=dow,
                           timezone=timezone)
    except ValueError as err:
        raise ValidationError(_l("invalid cron expression %(expr)s: %(error)s", expr=repr(" ".join(expr.split())), error=str(err)), field=field) from None


def site_timezone(session: Session) -> str:
    from scheduler.models import Site

    return os.environ.get("WFM_SCHEDULER_TIMEZONE") or session.scalar(
        sa.select(Site.timezone).order_by(Site.id).limit(1)) or "UTC"


def sync_definitions(session: Session) -> list[PeriodicJob]:
    """Idempotent: one settings row per declared job (default cron, enabled); existing rows
    keep the administrator's choices."""
    rows = {r.id: r for r in session.scalars(sa.select(PeriodicJob)).all()}
    for d in DEFINITIONS.values():
        if d.id not in rows:
            rows[d.id] = PeriodicJob(id=d.id, cron=d.default_cron, enabled=True, updated_at=utcnow())
            session.add(rows[d.id])
    session.flush()
    return [rows[i] for i in DEFINITIONS]


def update_job(session: Session, job_id: str, *, cron: str, enabled: bool, user_id: int | None) -> PeriodicJob:
    if job_id not in DEFINITIONS:
        raise NotFound(_l("no periodic job %(id)s", id=repr(job_id)), field="job_id")
    parse_cron(cron, site_timezone(session))
    sync_definitions(session)
    row = session.get(PeriodicJob, job_id)
    row.cron = " ".join(cron.split())
    row.enabled = bool(enabled)
    row.updated_at = utcnow()
    row.updated_by_id = user_id
    session.flush()
    return row


def next_fire_time(cron: str, timezone: str, now: datetime) -> datetime | None:
    return parse_cron(cron, timezone).get_next_fire_time(None, now)


def latest_fire_time(trigger: CronTrigger, now: datetime) -> datetime:
    """The last fire time at or before ``now``: the scheduled time every scheduler process
    computes identically for the run it is about to start (the guard's key).  Windows grow
    tenfold, so only the few fire times of the first window that holds one are walked."""
    for seconds in (1, 10, 60, 600, 3600, 6 * 3600, 86400, 8 * 86400, 32 * 86400, 366 * 86400):
        t = trigger.get_next_fire_time(None, now - timedelta(seconds=seconds))
        if t is not None and t <= now:
            while True:
                nxt = trigger.get_next_fire_time(t, t + timedelta(microseconds=1))
                if nxt is None or nxt > now:
                    return t
                t = nxt
    return now.replace(microsecond=0)


def _import(path: str) -> Any:
    module, _, name = path.partition(":")
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as err:
        raise LookupError(f"job function {path} is not available: {err}") from None


def _kwargs(d: PeriodicDefinition, settings: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for need in d.needs:
        if need == "settings":
            out["settings"] = settings
        elif need == "threshold":
            out["threshold"] = float(settings.get("STAFFING_RISK_THRESHOLD")
                                     or os.environ.get("WFM_STAFFING_RISK_THRESHOLD", "0.8"))
    return out


def _host() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def run_periodic(engine: sa.Engine, job_id: str, *, settings: Mapping[str, Any] | None = None,
                 scheduled_for: datetime | None = None, trigger: str = "schedule",
                 now: datetime | None = None) -> PeriodicRun | None:
    """Run periodic job ``job_id`` once for ``scheduled_for`` (default: its latest fire time);
    None when another process already claimed that fire time."""
    from scheduler.audit import acting_as

    d = DEFINITIONS[job_id]
    settings = settings or {}
    now = now or utcnow()
    with Session(bind=engine, expire_on_commit=False) as session:
        if scheduled_for is None:
            row = session.get(PeriodicJob, job_id)
            scheduled_for = latest_fire_time(parse_cron(row.cron if row else d.default_cron, site_timezone(session)), now)
        run = PeriodicRun(job_id=job_id, scheduled_for=scheduled_for, trigger=trigger, status="running",
                          started_at=utcnow(), host=_host())
        session.add(run)
        try:
            session.commit()
        except sa.exc.IntegrityError:
            session.rollback()
            log.info("periodic job %s for %s already claimed by another process", job_id, scheduled_for)
            return None
        try:
            fn = _import(d.function)
            with acting_as(None, f"periodic job {job_id}"):
                result = fn(session, now=now, **_kwargs(d, settings))
                session.flush()
            run.status, run.result = "done", _jsonable(result)
        except Exception as err:  # noqa: BLE001 - recorded on the run, shown to the admin
            session.rollback()
            log.exception("periodic job %s failed", job_id)
            run = session.get(PeriodicRun, run.id)
            run.status = "failed"
            run.error = (f"{type(err).__name__}: {err}\n\n{traceback.format_exc(limit=6)}")[:20000]
        run.finished_at = utcnow()
        session.commit()
        return run


def _jsonable(value: Any) -> Any:
    from scheduler.audit import _jsonable as to_json

    return to_json(value if isinstance(value, dict) else {"value": value})


# -- job functions owned by this package -------------------------------------------------

def reap_stale_jobs(session: Session, *, now: datetime) -> dict:
    from scheduler.jobs.service import fail_stale_jobs

    return fail_stale_jobs(session, now)


MANAGER_ROLES = ("planner", "supervisor", "admin")


def weekly_summary(session: Session, *, now: datetime, settings: Mapping[str, Any]) -> dict:
    """Last week's figures for managers: rosters published, time-off requests decided and
    still open, background jobs failed; an in-app notification each, and an e-mail to
    those with an address (when SMTP is configured)."""
    from scheduler.mail import send_mail
    from scheduler.models import Job, RosterVersion, TimeOff

    since = now - timedelta(days=7)
    published = session.scalar(sa.select(sa.func.count()).select_from(RosterVersion).where(
        RosterVersion.published_at >= since)) or 0
    open_requests = session.scalar(sa.select(sa.func.count()).select_from(TimeOff).where(
        TimeOff.status == "requested")) or 0
    failed_jobs = session.scalar(sa.select(sa.func.count()).select_from(Job).where(
        Job.status == "failed", Job.created_at >= since)) or 0
    failed_runs = session.scalar(sa.select(sa.func.count()).select_from(PeriodicRun).where(
        PeriodicRun.status == "failed", PeriodicRun.started_at >= since)) or 0
    params = {"week": since.date().isoformat(), "published": published, "open_requests": open_requests,
              "failed_jobs": failed_jobs + failed_runs}
    managers = session.scalars(sa.select(User).join(UserRole, UserRole.user_id == User.id).where(
        UserRole.role.in_(MANAGER_ROLES), User.active.is_(True)).distinct().order_by(User.id)).all()
    body = (f"Week from {params['week']}:\n- roster versions published: {published}\n"
            f"- time-off requests waiting for a decision: {open_requests}\n"
            f"- failed background jobs and periodic runs: {params['failed_jobs']}\n")
    mailed = 0
    for user in managers:
        session.add(Notification(user_id=user.id, kind="weekly_summary", params=params, created_at=now))
        try:
            subject, text = _summary_mail(user.locale, params, body)
            if send_mail(settings, [user.email or ""], subject, text):
                mailed += 1
        except OSError as err:  # the SMTP server is down: the in-app notification still goes out
            log.warning("weekly summary e-mail to %s failed: %s", user.username, err)
    session.flush()
    return {**params, "notified": len(managers), "mailed": mailed}


def _summary_mail(locale: str | None, params: dict, english_body: str) -> tuple[str, str]:
    """Subject and body in the manager's language when the job runs inside the app (it
    does: the job runner pushes an app context), else English."""
    try:
        from flask import has_app_context

        if has_app_context():
            from webapp.i18n import in_locale, render_notification

            with in_locale(locale):
                return str(_l("Weekly WFM summary")), render_notification("weekly_summary", params)
    except ImportError:  # pragma: no cover - scheduler used without the web app
        pass
    return "Weekly WFM summary", english_body


# -- "Run now" from the admin page: a background job that runs the periodic job ---------------

from scheduler.jobs.registry import JobContext, job_handler  # noqa: E402  (after the definitions it uses)


@job_handler("periodic_run")
def periodic_run(ctx: JobContext) -> dict:
    from optimizer.progress import Progress

    job_id = ctx.params.get("periodic_id")
    if job_id not in DEFINITIONS:
        raise ValidationError(_l("no periodic job %(id)s", id=repr(job_id)), field="periodic_id")
    ctx.progress(Progress(stage=job_id, message=str(DEFINITIONS[job_id].description)))
    run = run_periodic(ctx.engine, job_id, settings=ctx.settings, scheduled_for=utcnow(), trigger="manual")
    if run is None or run.status != "done":
        raise RuntimeError((run.error or "").split("\n\n")[0] if run is not None else "run not started")
    return {"run_id": run.id, **(run.result or {})}
