"""Job kinds and the context a handler runs with.

A handler is a plain function registered under a stable kind::

    @job_handler("roster_solve")
    def solve_roster(ctx: JobContext) -> dict: ...

It receives a ``JobContext`` (its job id, params, a progress callback, a cancel token and
a way to open database sessions) and returns a JSON-able dict stored as ``Job.result``.
The same handler runs in the web process's thread pool or on a Celery worker on another
machine: it never touches Flask's request, only the context.

A handler that writes domain rows (a roster) should write them and finish its job in ONE
transaction, with ``ctx.finish_in(session, result)``, so that a worker killed half-way
leaves either nothing or everything (and a job re-run after a crash sees that it is
already done).
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from optimizer.progress import CancelToken, Progress
from scheduler.db import utcnow
from scheduler.models.jobs import Job, JobStatus

log = logging.getLogger(__name__)

Handler = Callable[["JobContext"], dict]

_HANDLERS: dict[str, Handler] = {}

#: Modules that register handlers; imported by every worker before it runs a job so that a
#: Celery worker knows the kinds the web app submits.  Missing modules are skipped (the
#: packages are built in parallel); a job of an unknown kind then fails with a clear error.
HANDLER_MODULES = (
    "scheduler.jobs.scenario",
    "scheduler.jobs.periodic",
    "scheduler.planning.jobs",
    "scheduler.planning.solve",
    "scheduler.planning.solve_jobs",
    "scheduler.planning.roster_jobs",
    "scheduler.planning.rosters",
    "scheduler.planning.forecasting",
    "training.jobs",
)


class JobCancelled(Exception):
    """Raised by a handler that stops because the user cancelled it (status CANCELLED)."""


class UnknownJobKind(LookupError):
    pass


def job_handler(kind: str) -> Callable[[Handler], Handler]:
    """Register ``fn`` as the handler of jobs of ``kind`` (stable id, max 30 characters)."""
    if not kind or len(kind) > 30:
        raise ValueError(f"job kind must be 1-30 characters: {kind!r}")

    def decorator(fn: Handler) -> Handler:
        existing = _HANDLERS.get(kind)
        if existing is not None and existing.__qualname__ != fn.__qualname__:
            raise ValueError(f"job kind {kind!r} is already registered by {existing.__module__}.{existing.__qualname__}")
        _HANDLERS[kind] = fn
        return fn

    return decorator


def load_handler_modules() -> None:
    for name in HANDLER_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as err:
            if err.name and name.startswith(err.name):
                continue  # the module itself is not there (yet)
            raise


def get_handler(kind: str) -> Handler:
    if kind not in _HANDLERS:
        load_handler_modules()
    try:
        return _HANDLERS[kind]
    except KeyError:
        raise UnknownJobKind(f"no handler registered for job kind {kind!r}") from None


def registered_kinds() -> list[str]:
    return sorted(_HANDLERS)


jobs_t = Job.__table__


class DbCancelToken(CancelToken):
    """A cancel token that also reads ``Job.cancel_requested``, at most once a second: the
    user's cancel click lands in the database, whichever machine runs the job."""

    def __init__(self, engine: sa.Engine, job_id: int, poll_seconds: float = 1.0) -> None:
        super().__init__()
        self._engine, self._job_id, self._poll = engine, job_id, poll_seconds
        self._last = 0.0
        self._lock = threading.Lock()

    def is_cancelled(self) -> bool:
        if super().is_cancelled():
            return True
        with self._lock:
            now = time.monotonic()
            if now - self._last < self._poll:
                return False
            self._last = now
            try:
                with self._engine.connect() as conn:
                    flag = conn.execute(sa.select(jobs_t.c.cancel_requested).where(jobs_t.c.id == self._job_id)).scalar()
            except sa.exc.SQLAlchemyError:  # a database hiccup must not kill the solve
                log.warning("job %s: could not read cancel flag", self._job_id, exc_info=True)
                return False
        if flag:
            self.cancel()
        return bool(flag)


class ProgressWriter:
    """Stores ``Progress`` snapshots in ``Job.progress``, at most one write per
    ``min_interval`` seconds (a solver reporting every millisecond must not hammer the
    database); the last snapshot is kept and written by ``flush`` (heartbeat, finish)."""

    def __init__(self, engine: sa.Engine, job_id: int, min_interval: float = 0.5) -> None:
        self._engine, self._job_id, self._min = engine, job_id, min_interval
        self._lock = threading.Lock()
        self._pending: dict | None = None
        self._last_write = 0.0
        self.last: dict | None = None

    def __call__(self, p: Progress) -> None:
        data = p.to_dict()
        with self._lock:
            self._pending = data
            self.last = data
            due = time.monotonic() - self._last_write >= self._min or p.fraction == 1.0
        if due:
            self.flush()

    def flush(self, heartbeat_only: bool = False) -> None:
        with self._lock:
            data, self._pending = self._pending, None
            self._last_write = time.monotonic()
        values: dict[str, Any] = {"heartbeat_at": utcnow()}
        if data is not None:
            values["progress"] = data
        elif not heartbeat_only:
            return
        try:
            with self._engine.begin() as conn:
                conn.execute(sa.update(jobs_t).where(jobs_t.c.id == self._job_id, jobs_t.c.status == JobStatus.RUNNING)
                             .values(**values))
        except sa.exc.SQLAlchemyError:
            log.warning("job %s: could not store progress", self._job_id, exc_info=True)
            with self._lock:
                if self._pending is None:
                    self._pending = data


@dataclass
class JobContext:
    """What a handler gets.  ``settings`` is the app configuration (SOLVE_TIME_LIMIT,
    SMTP_* ...) as a plain mapping; ``created_by_id`` is the user who submitted the job
    (writes in ``session()`` are audited as theirs)."""

    job_id: int
    kind: str
    params: dict
    engine: sa.Engine
    cancel: DbCancelToken
    created_by_id: int | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)
    attempt: int = 1
    _writer: ProgressWriter | None = None

    def progress(self, p: Progress) -> None:
        if self._writer is not None:
            self._writer(p)

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """A fresh session on the application database; the handler commits it.  Rolled
        back and closed on error."""
        from scheduler.audit import acting_as

        session = Session(bind=self.engine, expire_on_commit=False)
        try:
            with acting_as(self.created_by_id, f"job {self.job_id} ({self.kind})"):
                yield session
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def finish_in(self, session: Session, result: dict) -> None:
        """Mark the job finished inside the handler's own transaction, so that the domain
        rows and the job's DONE status commit together (or not at all).  The runner then
        leaves the job as it is."""
        status = JobStatus.CANCELLED if self.cancel.is_cancelled() else JobStatus.DONE
        now = utcnow()
        values: dict[str, Any] = {"status": status, "result": result, "finished_at": now, "heartbeat_at": now}
        if self._writer is not None and self._writer.last is not None:
            values["progress"] = self._writer.last
        session.execute(sa.update(jobs_t).where(jobs_t.c.id == self.job_id).values(**values))
