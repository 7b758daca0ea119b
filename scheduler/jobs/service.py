"""Submitting, cancelling, retrying and reaping jobs (the operations others call).

Lost workers: a RUNNING job whose heartbeat is older than ``WFM_JOB_HEARTBEAT_TIMEOUT``
belongs to a dead worker (killed, machine lost).  ``fail_stale_jobs`` records the lost
attempt in ``Job.error`` and **re-queues** the job while it has attempts left
(``WFM_JOB_MAX_ATTEMPTS``, default 2), else marks it FAILED; a user may then press Retry.
Handlers write their domain rows and the job's DONE status in one transaction, so a
re-run never finds half a result.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
import json
import logging
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from scheduler.db import utcnow
from scheduler.errors import Conflict, NotFound, ValidationError
from scheduler.jobs import settings as job_settings
from scheduler.jobs.dispatch import current_dispatcher
from scheduler.jobs.registry import UnknownJobKind, get_handler, jobs_t
from scheduler.models.jobs import FINISHED, Job, JobStatus

log = logging.getLogger(__name__)

_PENDING_KEY = "wfm_jobs_to_dispatch"


def _queue_after_commit(session: Session, job_ids: list[int]) -> None:
    real = session() if callable(session) and not isinstance(session, Session) else session  # scoped_session
    real.info.setdefault(_PENDING_KEY, []).extend(job_ids)


@event.listens_for(Session, "after_commit")
def _dispatch_pending(session: Session) -> None:
    job_ids = session.info.pop(_PENDING_KEY, None)
    if not job_ids:
        return
    engine = session.get_bind()
    app = current_app._get_current_object() if has_app_context() else None  # type: ignore[attr-defined]
    settings = dict(app.config) if app is not None else {}
    try:
        current_dispatcher().send(job_ids, engine, settings, app)
    except Exception as err:  # noqa: BLE001 - the broker went away between check and send
        log.exception("could not dispatch jobs %s", job_ids)
        with engine.begin() as conn:
            conn.execute(sa.update(jobs_t).where(jobs_t.c.id.in_(job_ids), jobs_t.c.status == JobStatus.QUEUED).values(
                status=JobStatus.FAILED, finished_at=utcnow(),
                error=f"The job queue could not be reached ({type(err).__name__}: {err}); press Retry."))


@event.listens_for(Session, "after_rollback")
def _forget_pending(session: Session) -> None:
    session.info.pop(_PENDING_KEY, None)


def _check_params(params: dict) -> dict:
    if not isinstance(params, dict):
        raise ValidationError("job parameters must be a mapping", field="params")
    try:
        return json.loads(json.dumps(params))
    except (TypeError, ValueError) as err:
        raise ValidationError(_l("job parameters are not JSON: %(error)s", error=str(err)), field="params") from None


def new_job(session: Session, kind: str, params: dict, created_by_id: int | None) -> Job:
    """Add a QUEUED job row without dispatching it (``split`` queues children itself)."""
    try:
        get_handler(kind)
    except UnknownJobKind as err:
        raise ValidationError(str(err), field="kind") from None
    job = Job(kind=kind, params=_check_params(params), created_by_id=created_by_id, status=JobStatus.QUEUED,
              cancel_requested=False, attempts=0, created_at=utcnow())
    session.add(job)
    session.flush()
    return job


def submit_job(session: Session, kind: str, params: dict, created_by_id: int | None) -> Job:
    """Queue a job of ``kind``; it starts once the caller's transaction commits.  Raises
    ``BrokerUnavailable`` (a DomainError, HTTP 503) when Celery's broker is down, before
    anything is written."""
    dispatcher = current_dispatcher()
    dispatcher.check()
    job = new_job(session, kind, params, created_by_id)
    _queue_after_commit(session, [job.id])
    return job


def dispatch_after_commit(session: Session, job_ids: list[int]) -> None:
    current_dispatcher().check()
    _queue_after_commit(session, job_ids)


def get_job(session: Session, job_id: int) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(_l("no job %(id)s", id=job_id), field="job_id")
    return job


def request_cancel(session: Session, job_id: int, user_id: int | None) -> Job:
    """Cancel a queued job at once; ask a running one to stop (its worker polls the flag and
    keeps the best result so far)."""
    job = get_job(session, job_id)
    if job.status in FINISHED:
        raise Conflict("this job has already finished", field="status")
    now = utcnow()
    res = session.execute(sa.update(jobs_t).where(jobs_t.c.id == job_id, jobs_t.c.status == JobStatus.QUEUED).values(
        status=JobStatus.CANCELLED, cancel_requested=True, finished_at=now))
    if res.rowcount == 0:
        session.execute(sa.update(jobs_t).where(jobs_t.c.id == job_id).values(cancel_requested=True))
    session.expire(job)
    log.info("job %s: cancel requested by user %s", job_id, user_id)
    return job


def retry_job(session: Session, job_id: int) -> Job:
    """Queue a failed or cancelled job again, with the same parameters."""
    job = get_job(session, job_id)
    if job.status not in (JobStatus.FAILED, JobStatus.CANCELLED):
        raise Conflict("only a failed or cancelled job can be retried", field="status")
    current_dispatcher().check()
    job.status = JobStatus.QUEUED
    job.error = None
    job.result = None
    job.progress = None
    job.cancel_requested = False
    job.started_at = job.finished_at = job.heartbeat_at = None
    job.worker = None
    job.attempts = 0
    session.flush()
    _queue_after_commit(session, [job.id])
    return job


def fail_stale_jobs(session: Session, now: datetime, timeout: float | None = None) -> dict[str, list[int]]:
    """Re-queue (or fail, when out of attempts) RUNNING jobs whose worker stopped beating.
    Safe to run from several processes at once: each row changes state in one conditional
    UPDATE, and only the process whose UPDATE matched dispatches it."""
    timeout = job_settings.heartbeat_timeout() if timeout is None else timeout
    cutoff = now - timedelta(seconds=timeout)
    stale = session.execute(sa.select(jobs_t.c.id, jobs_t.c.attempts, jobs_t.c.worker, jobs_t.c.heartbeat_at).where(
        jobs_t.c.status == JobStatus.RUNNING,
        sa.or_(jobs_t.c.heartbeat_at < cutoff, sa.and_(jobs_t.c.heartbeat_at.is_(None), jobs_t.c.started_at < cutoff)),
    )).all()
    requeued: list[int] = []
    failed: list[int] = []
    max_attempts = job_settings.max_attempts()
    for row in stale:
        beat = row.heartbeat_at.isoformat(timespec="seconds") if row.heartbeat_at else "never"
        note = f"Attempt {row.attempts} lost: worker {row.worker or '?'} stopped sending heartbeats (last {beat})."
        guard = sa.and_(jobs_t.c.id == row.id, jobs_t.c.status == JobStatus.RUNNING, jobs_t.c.attempts == row.attempts)
        if row.attempts < max_attempts:
            res = session.execute(sa.update(jobs_t).where(guard).values(
                status=JobStatus.QUEUED, worker=None, error=note))
            if res.rowcount:
                requeued.append(row.id)
        else:
            res = session.execute(sa.update(jobs_t).where(guard).values(
                status=JobStatus.FAILED, finished_at=now,
                error=note + f" Gave up after {row.attempts} attempt(s); press Retry to run it again."))
            if res.rowcount:
                failed.append(row.id)
    if requeued:
        _queue_after_commit(session, requeued)
    if requeued or failed:
        log.warning("stale jobs: re-queued %s, failed %s", requeued, failed)
    return {"requeued": requeued, "failed": failed}


def public_result(result: dict | None) -> dict | None:
    """A result without its ``_``-prefixed keys (bulk data kept for a combine step)."""
    if result is None:
        return None
    return {k: v for k, v in result.items() if not str(k).startswith("_")}


def job_snapshot(job: Job) -> dict[str, Any]:
    """What the progress bar polls: status, the last progress figures, result or error."""
    p = dict(job.progress or {})
    progress = {k: p.get(k) for k in ("stage", "message", "fraction", "elapsed", "time_limit", "time_left",
                                       "solutions", "objective", "bound", "gap")}
    fraction = progress["fraction"]
    if fraction is None and progress.get("time_limit"):
        fraction = min(1.0, (progress.get("elapsed") or 0.0) / progress["time_limit"])
    if job.status == JobStatus.DONE:
        fraction = 1.0
    progress["bar"] = fraction
    error = job.error or None
    return {
        "id": job.id,
        "kind": job.kind,
        "status": job.status,
        "finished": job.status in FINISHED,
        "cancel_requested": bool(job.cancel_requested),
        "attempts": job.attempts,
        "progress": progress,
        "result": public_result(job.result) if job.status in FINISHED else None,
        "error": error.split("\n\n", 1)[0] if error else None,
        "created_at": job.created_at.isoformat() if job.created_at else None,
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }
