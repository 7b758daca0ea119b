"""Background jobs: solves and other long work, in an in-process pool or on Celery workers,
plus the periodic jobs run by APScheduler (``scheduler.jobs.periodic``).

Public interface::

    from scheduler.jobs import JobContext, job_handler, submit_job, request_cancel, retry_job, job_snapshot
"""

from scheduler.jobs.registry import JobCancelled, JobContext, job_handler
from scheduler.jobs.service import (
    fail_stale_jobs, get_job, job_snapshot, request_cancel, retry_job, submit_job,
)

__all__ = [
    "JobCancelled", "JobContext", "fail_stale_jobs", "get_job", "job_handler", "job_snapshot",
    "request_cancel", "retry_job", "submit_job",
]
