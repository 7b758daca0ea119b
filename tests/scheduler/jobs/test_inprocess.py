"""The in-process pool: submit, progress, cancel, failure, stale heartbeat, broker down."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from optimizer.progress import Progress
from scheduler.db import db, utcnow
from scheduler.errors import Conflict, ValidationError
from scheduler.jobs import JobCancelled, JobContext, job_handler, job_snapshot, request_cancel, retry_job, submit_job
from scheduler.jobs.dispatch import BrokerUnavailable, in_process_pool
from scheduler.jobs.service import fail_stale_jobs
from scheduler.models import Job, JobStatus, Site
from tests.scheduler.jobs.helpers import fresh_job, wait_finished, wait_for


@job_handler("test_steps")
def _steps(ctx: JobContext) -> dict:
    """Reports ``steps`` snapshots; stops when cancelled."""
    steps = int(ctx.params.get("steps", 5))
    for i in range(steps):
        if ctx.cancel.is_cancelled():
            raise JobCancelled()
        ctx.progress(Progress(stage="test", fraction=(i + 1) / steps, solutions=i + 1, objective=100.0 - i,
                              bound=50.0, elapsed=0.01 * i, time_limit=10.0))
        time.sleep(float(ctx.params.get("sleep", 0.0)))
    return {"steps": steps}


@job_handler("test_boom")
def _boom(ctx: JobContext) -> dict:
    with ctx.session() as session:
        session.add(Site(code="HALF", name="written before the crash", timezone="UTC"))
        session.flush()
        raise RuntimeError("solver exploded on purpose")


def _submit(kind: str, params: dict | None = None, user_id: int | None = None) -> int:
    job = submit_job(db.session, kind, params or {}, user_id)
    db.session.commit()
    return job.id


def test_submit_runs_and_stores_progress_and_result(app):
    job_id = _submit("test_steps", {"steps": 4})
    job = wait_finished(job_id)
    assert job.status == JobStatus.DONE
    assert job.result == {"steps": 4}
    assert job.progress["solutions"] == 4 and job.progress["fraction"] == 1.0
    assert job.attempts == 1 and job.worker and job.started_at and job.finished_at
    snap = job_snapshot(job)
    assert snap["finished"] and snap["progress"]["objective"] == 97.0 and snap["progress"]["bound"] == 50.0
    assert snap["progress"]["gap"] == pytest.approx(47 / 97)


def test_job_is_dispatched_only_after_commit(app):
    job = submit_job(db.session, "test_steps", {"steps": 1}, None)
    job_id = job.id
    db.session.rollback()  # the surrounding transaction failed: no row, nothing runs
    in_process_pool().wait(10)
    assert db.session.get(Job, job_id) is None


def test_progress_is_visible_while_running_and_cancel_stops_it(app):
    job_id = _submit("test_steps", {"steps": 400, "sleep": 0.05})
    running = wait_for(lambda: (j := fresh_job(job_id)).progress and j.progress["solutions"] >= 2 and j,
                       what="progress to be stored")
    assert running.status == JobStatus.RUNNING and running.heartbeat_at is not None
    request_cancel(db.session, job_id, None)
    db.session.commit()
    job = wait_finished(job_id)
    assert job.status == JobStatus.CANCELLED
    assert 2 <= job.progress["solutions"] < 400
    with pytest.raises(Conflict):
        request_cancel(db.session, job_id, None)


def test_cancel_before_start_never_runs(app):
    job = submit_job(db.session, "test_steps", {"steps": 1}, None)
    request_cancel(db.session, job.id, None)  # same transaction: cancelled before dispatch
    db.session.commit()
    job = wait_finished(job.id)
    assert job.status == JobStatus.CANCELLED and job.started_at is None and job.attempts == 0


def test_failure_is_recorded_and_rolls_back_the_handlers_writes(app):
    job_id = _submit("test_boom")
    job = wait_finished(job_id)
    assert job.status == JobStatus.FAILED
    assert "solver exploded on purpose" in job.error
    assert job_snapshot(job)["error"].startswith("RuntimeError: solver exploded on purpose")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Site).where(Site.code == "HALF")) == 0
    # retry queues it again with the same parameters
    retry_job(db.session, job_id)
    db.session.commit()
    assert wait_finished(job_id).status == JobStatus.FAILED


def test_unknown_kind_and_bad_params_are_refused(app):
    with pytest.raises(ValidationError) as err:
        submit_job(db.session, "no_such_kind", {}, None)
    assert err.value.field == "kind"
    with pytest.raises(ValidationError) as err:
        submit_job(db.session, "test_steps", {"when": object()}, None)
    assert err.value.field == "params"


def _stale_running_job(attempts: int) -> int:
    old = utcnow() - timedelta(minutes=10)
    job = Job(kind="test_steps", params={"steps": 2}, status=JobStatus.RUNNING, attempts=attempts,
              started_at=old, heartbeat_at=old, worker="dead-host:1:main", cancel_requested=False)
    db.session.add(job)
    db.session.commit()
    return job.id


def test_stale_heartbeat_is_requeued_then_runs(app):
    job_id = _stale_running_job(attempts=1)
    outcome = fail_stale_jobs(db.session, utcnow(), timeout=60)
    db.session.commit()
    assert outcome == {"requeued": [job_id], "failed": []}
    job = wait_finished(job_id)
    assert job.status == JobStatus.DONE and job.attempts == 2
    assert "Attempt 1 lost" in job.error and "dead-host" in job.error


def test_stale_heartbeat_out_of_attempts_fails(app, monkeypatch):
    monkeypatch.setenv("WFM_JOB_MAX_ATTEMPTS", "2")
    job_id = _stale_running_job(attempts=2)
    fresh = _stale_running_job(attempts=1)
    db.session.execute(sa.update(Job).where(Job.id == fresh).values(heartbeat_at=utcnow()))
    db.session.commit()
    outcome = fail_stale_jobs(db.session, utcnow(), timeout=60)
    db.session.commit()
    assert outcome == {"requeued": [], "failed": [job_id]}
    job = fresh_job(job_id)
    assert job.status == JobStatus.FAILED and "Gave up after 2 attempt(s)" in job.error
    assert fresh_job(fresh).status == JobStatus.RUNNING  # a live heartbeat is left alone


def test_broker_down_gives_a_clear_error_and_writes_nothing(app, monkeypatch):
    monkeypatch.setenv("WFM_BROKER_URL", "redis://127.0.0.1:1/0")
    with pytest.raises(BrokerUnavailable) as err:
        submit_job(db.session, "test_steps", {}, None)
    assert "cannot be reached" in err.value.message and err.value.status_code == 503
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 0
