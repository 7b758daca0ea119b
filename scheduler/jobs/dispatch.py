"""Where queued jobs go: the in-process thread pool (default) or Celery (``WFM_BROKER_URL``).

Both run the same ``runner.run_job``; the database holds state and progress, so the page
cannot tell them apart.  Jobs are handed over only after the transaction that created
them has committed (``service`` hooks ``after_commit``), so a worker never looks for a
row it cannot see yet.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Protocol

import sqlalchemy as sa

from scheduler.errors import DomainError
from scheduler.jobs import settings as job_settings

log = logging.getLogger(__name__)


class BrokerUnavailable(DomainError):
    status_code = 503


def _safe_url(url: str) -> str:
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - amqp:// URLs are not SQLAlchemy URLs; hide everything after '@'
        return url.split("@")[-1]


class Dispatcher(Protocol):
    def check(self) -> None: ...

    def send(self, job_ids: Sequence[int], engine: sa.Engine, settings: Mapping[str, Any], app: Any = None) -> None: ...


class InProcessPool:
    """A thread pool in this process.  CP-SAT releases the GIL, so threads solve in parallel."""

    def __init__(self, threads: int) -> None:
        self.threads = threads
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="wfm-job")
        self.futures: list[Future] = []
        self._lock = threading.Lock()

    def check(self) -> None:
        return None

    def send(self, job_ids: Sequence[int], engine: sa.Engine, settings: Mapping[str, Any], app: Any = None) -> None:
        for job_id in job_ids:
            fut = self._executor.submit(_run_in_app, app, engine, job_id, dict(settings))
            with self._lock:
                self.futures = [f for f in self.futures if not f.done()] + [fut]

    def wait(self, timeout: float | None = None) -> None:
        """Tests and the CLI: wait until every job sent so far has finished."""
        from concurrent.futures import wait

        while True:
            with self._lock:
                pending = [f for f in self.futures if not f.done()]
            if not pending:
                return
            done, not_done = wait(pending, timeout=timeout)
            if not_done:
                raise TimeoutError(f"{len(not_done)} job(s) still running")

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=False)


def _run_in_app(app: Any, engine: sa.Engine, job_id: int, settings: dict) -> str | None:
    from scheduler.jobs.runner import run_job

    try:
        if app is not None:
            with app.app_context():
                return run_job(engine, job_id, settings=settings)
        return run_job(engine, job_id, settings=settings)
    except Exception:  # run_job records handler errors; this is the database being gone
        log.exception("job %s could not run", job_id)
        raise


class CeleryDispatcher:
    """Sends ``wfm.run_job`` tasks; several jobs at once go out as one Celery group."""

    def __init__(self, url: str) -> None:
        self.url = url

    def check(self) -> None:
        from scheduler.jobs.celery_app import get_celery

        app = get_celery()
        try:
            with app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0.2, timeout=3)
        except Exception as err:  # noqa: BLE001 - kombu raises many transport-specific errors
            raise BrokerUnavailable(
                f"The job queue (broker {_safe_url(self.url)}) cannot be reached, so the job was not started: "
                f"{err.__class__.__name__}. Please try again in a moment or ask an administrator to check the broker.",
                field="broker") from err

    def send(self, job_ids: Sequence[int], engine: sa.Engine, settings: Mapping[str, Any], app: Any = None) -> None:
        from celery import group

        from scheduler.jobs.celery_app import run_job_task

        if len(job_ids) == 1:
            run_job_task.apply_async(args=[job_ids[0]], retry=False)
        elif job_ids:
            group(run_job_task.si(j) for j in job_ids).apply_async(retry=False)


_pool: InProcessPool | None = None
_pool_lock = threading.Lock()


def in_process_pool() -> InProcessPool:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = InProcessPool(job_settings.pool_threads())
        return _pool


def current_dispatcher() -> Dispatcher:
    url = job_settings.broker_url()
    if url:
        return CeleryDispatcher(url)
    return in_process_pool()
