"""Runs one job, wherever it runs: claim it, beat, call its handler, record the outcome.

The claim is one atomic ``UPDATE ... WHERE status = 'queued'``: a message delivered twice
(Celery's acks_late redelivers a task whose worker died; the reaper re-queues a stale job)
runs the handler at most once per attempt.  A heartbeat thread touches
``Job.heartbeat_at`` every few seconds even when the solver finds nothing new, so a stale
heartbeat means a dead worker, never a slow solve (``service.fail_stale_jobs``).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import traceback
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from scheduler.db import utcnow
from scheduler.jobs import settings as job_settings
from scheduler.jobs.registry import (
    DbCancelToken, JobCancelled, JobContext, ProgressWriter, UnknownJobKind, get_handler, jobs_t,
)
from scheduler.models.jobs import JobStatus

log = logging.getLogger(__name__)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.current_thread().name}"[:120]


def claim(engine: sa.Engine, job_id: int, worker: str) -> bool:
    now = utcnow()
    with engine.begin() as conn:
        res = conn.execute(sa.update(jobs_t).where(jobs_t.c.id == job_id, jobs_t.c.status == JobStatus.QUEUED).values(
            status=JobStatus.RUNNING, started_at=now, heartbeat_at=now, worker=worker,
            attempts=jobs_t.c.attempts + 1, finished_at=None))
        return res.rowcount == 1


def _finish(engine: sa.Engine, job_id: int, status: str, *, result: dict | None = None, error: str | None = None,
            progress: dict | None = None) -> None:
    now = utcnow()
    values: dict[str, Any] = {"status": status, "finished_at": now, "heartbeat_at": now}
    if result is not None:
        values["result"] = result
    if error is not None:
        values["error"] = error
    if progress is not None:
        values["progress"] = progress
    with engine.begin() as conn:
        # Only the attempt that still owns the job may finish it (not one the reaper gave up on).
        conn.execute(sa.update(jobs_t).where(jobs_t.c.id == job_id, jobs_t.c.status == JobStatus.RUNNING).values(**values))


class _Heartbeat(threading.Thread):
    def __init__(self, writer: ProgressWriter, interval: float) -> None:
        super().__init__(daemon=True, name="job-heartbeat")
        self.writer, self.interval = writer, interval
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(self.interval):
            self.writer.flush(heartbeat_only=True)


def run_job(engine: sa.Engine, job_id: int, *, settings: Mapping[str, Any] | None = None,
            worker: str | None = None) -> str | None:
    """Run job ``job_id`` if it is still queued; return its final status (None when another
    worker had it or it was cancelled before it started).  Never raises for a failing
    handler: the error text goes to ``Job.error``."""
    worker = worker or worker_name()
    if not claim(engine, job_id, worker):
        log.info("job %s not queued any more; skipped", job_id)
        return None
    with engine.connect() as conn:
        row = conn.execute(sa.select(jobs_t.c.kind, jobs_t.c.params, jobs_t.c.created_by_id, jobs_t.c.attempts)
                           .where(jobs_t.c.id == job_id)).one()
    writer = ProgressWriter(engine, job_id)
    cancel = DbCancelToken(engine, job_id)
    ctx = JobContext(job_id=job_id, kind=row.kind, params=dict(row.params or {}), engine=engine, cancel=cancel,
                     created_by_id=row.created_by_id, settings=dict(settings or {}), attempt=row.attempts,
                     _writer=writer)
    beat = _Heartbeat(writer, job_settings.heartbeat_interval())
    beat.start()
    status: str
    try:
        handler = get_handler(row.kind)
        result = handler(ctx)
        if result is not None and not isinstance(result, dict):
            raise TypeError(f"handler of {row.kind!r} returned {type(result).__name__}, not a dict")
        writer.flush()
        status = JobStatus.CANCELLED if cancel.is_cancelled() else JobStatus.DONE
        _finish(engine, job_id, status, result=result or {})
    except JobCancelled:
        writer.flush()
        status = JobStatus.CANCELLED
        _finish(engine, job_id, status)
    except UnknownJobKind as err:
        status = JobStatus.FAILED
        _finish(engine, job_id, status, error=str(err))
    except Exception as err:  # noqa: BLE001 - any handler failure is recorded, never lost
        log.exception("job %s (%s) failed", job_id, row.kind)
        writer.flush()
        status = JobStatus.FAILED
        text = f"{type(err).__name__}: {err}\n\n{traceback.format_exc(limit=8)}"
        _finish(engine, job_id, status, error=text[:20000])
    finally:
        beat.stop.set()
    from scheduler.jobs import split  # late: split imports the service

    split.on_child_finished(engine, job_id, settings=settings)
    return status
