"""Shared helpers for the job tests."""

from __future__ import annotations

import time

from scheduler.db import db
from scheduler.models import Job


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.05, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def fresh_job(job_id: int) -> Job:
    db.session.rollback()  # a new transaction: see what other threads and processes committed
    return db.session.get(Job, job_id)


def wait_finished(job_id: int, timeout: float = 30.0) -> Job:
    return wait_for(lambda: (j := fresh_job(job_id)).finished and j, timeout, what=f"job {job_id} to finish")
