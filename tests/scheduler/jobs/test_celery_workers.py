"""Real Celery workers on the real Redis (and RabbitMQ) and PostgreSQL: two ``wfm worker`` processes, six
solve jobs, one worker SIGKILLed mid-solve.

Documented outcome: the killed attempt is detected by its stale heartbeat, recorded in
``Job.error`` and re-queued (``WFM_JOB_MAX_ATTEMPTS`` = 2), so every job ends DONE; each
roster is written with its job's DONE status in one transaction, so none is half-written.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from scheduler.db import db
from scheduler.jobs import submit_job
from scheduler.models import Job, JobStatus, Roster, RosterVersion, Shift
from tests.scheduler.jobs.factories import site_with_agents
from tests.scheduler.jobs.helpers import wait_for

pytestmark = pytest.mark.services

REDIS_URL = os.environ.get("WFM_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
AMQP_URL = os.environ.get("WFM_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")
WFM = str(Path(sys.executable).with_name("wfm"))
PARAMS = {"agents": 8, "queues": 1, "days": 7, "interval_minutes": 60, "time_limit": 5, "num_workers": 1}


def _redis_up() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError as err:  # an environment problem, reported loudly
        raise RuntimeError(f"Redis is required at {REDIS_URL} (start it: .ci/run does): {err}") from err


def _rabbitmq_up() -> None:
    import kombu

    try:
        with kombu.Connection(AMQP_URL, connect_timeout=3) as conn:
            conn.connect()
    except OSError as err:  # an environment problem, reported loudly
        raise RuntimeError(f"RabbitMQ is required at {AMQP_URL} (start it: .ci/run does): {err}") from err


@contextmanager
def _worker_processes(app, broker_url: str, count: int, monkeypatch, tmp_path):
    """``count`` real ``wfm worker`` processes on a private queue of ``broker_url``."""
    queue = f"wfm-test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "WFM_BROKER_URL": broker_url,
           "WFM_CELERY_QUEUE": queue, "WFM_JOB_HEARTBEAT_TIMEOUT": "4", "WFM_ENV": "testing",
           "PYTHONUNBUFFERED": "1"}
    for key in ("WFM_BROKER_URL", "WFM_CELERY_QUEUE", "WFM_JOB_HEARTBEAT_TIMEOUT"):
        monkeypatch.setenv(key, env[key])
    procs, logs = [], []
    try:
        for i in range(count):
            log = open(tmp_path / f"worker{i}.log", "w")
            logs.append(log)
            procs.append(subprocess.Popen([WFM, "worker", "--concurrency", "1", "-n", f"w{i}@%h"], env=env,
                                          stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
        yield procs
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait(5)
        for log in logs:
            log.close()


@pytest.fixture
def workers(app, backend, monkeypatch, tmp_path):
    if backend != "postgresql":
        pytest.skip("several worker processes need a server database; this test runs on the postgresql backend")
    _redis_up()
    with _worker_processes(app, REDIS_URL, 2, monkeypatch, tmp_path) as procs:
        yield procs


@pytest.fixture
def rabbitmq_worker(app, backend, monkeypatch, tmp_path):
    if backend != "postgresql":
        pytest.skip("a worker process needs a server database; this test runs on the postgresql backend")
    _rabbitmq_up()
    with _worker_processes(app, AMQP_URL, 1, monkeypatch, tmp_path) as procs:
        yield procs


def _jobs(ids):
    db.session.rollback()
    return {j.id: j for j in db.session.scalars(sa.select(Job).where(Job.id.in_(ids))).all()}


def test_two_workers_six_jobs_one_killed(app, workers, make_user):
    planner = make_user("planner")
    site = site_with_agents(PARAMS["agents"])
    ids = []
    for seed in range(6):
        ids.append(submit_job(db.session, "scenario_solve", {**PARAMS, "seed": seed, "site_id": site.id,
                                                              "publish": True}, planner.id).id)
    db.session.commit()

    # Wait until both workers are solving, with stored progress, then kill one of them.
    def two_running():
        running = [j for j in _jobs(ids).values() if j.status == JobStatus.RUNNING and j.worker]
        return running if len({j.worker.split(":")[1] for j in running}) == 2 else None

    running = wait_for(two_running, timeout=60, interval=0.2, what="both workers to run a job")
    victim_proc = workers[0]
    victim = next(j for j in running if j.worker.split(":")[1] == str(victim_proc.pid))
    time.sleep(1.0)  # mid-solve
    assert _jobs([victim.id])[victim.id].status == JobStatus.RUNNING
    os.killpg(victim_proc.pid, signal.SIGKILL)
    victim_proc.wait(10)

    # Every job ends; the surviving worker's reaper re-queues the lost one.
    done = wait_for(lambda: (js := _jobs(ids)) and all(j.finished for j in js.values()) and js,
                    timeout=90, interval=0.3, what="all six jobs to finish")
    assert {j.status for j in done.values()} == {JobStatus.DONE}, {j.id: (j.status, j.error) for j in done.values()}
    lost = done[victim.id]
    assert lost.attempts == 2 and "Attempt 1 lost" in lost.error
    assert lost.worker.split(":")[1] == str(workers[1].pid)
    assert all(j.attempts == 1 for j in done.values() if j.id != victim.id)

    for job in done.values():
        # The progress the page shows is the worker's final snapshot of the solve.
        p, r = job.progress, job.result
        assert p["fraction"] == 1.0 and p["solutions"] == r["solutions"]
        assert p["objective"] == r["objective"] and p["bound"] == r["best_bound"]
        rosters = db.session.scalars(sa.select(Roster).where(Roster.name.like(f"%(job {job.id})"))).all()
        if r["shifts"] == 0:  # no solution within the time limit on a busy machine: nothing written
            assert r["status"] not in ("OPTIMAL", "FEASIBLE") and rosters == []
            continue
        # Exactly one roster per job, complete and published (one transaction with DONE).
        assert len(rosters) == 1
        assert rosters[0].id == r["roster_id"]
        version = db.session.get(RosterVersion, r["version_id"])
        assert version.status == "published" and version.number == 1
        count = db.session.scalar(sa.select(sa.func.count()).select_from(Shift).where(Shift.version_id == version.id))
        assert count == r["shifts"]
    written = sum(1 for j in done.values() if j.result["shifts"])
    assert written >= 1, "at least one solve should find a roster in its time limit"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Roster)) == written


def test_rabbitmq_broker_runs_solves_to_published_rosters(app, rabbitmq_worker, make_user):
    """The other documented broker: the same worker code on RabbitMQ (AMQP) takes two
    solve jobs from the queue and writes each roster with its DONE status."""
    planner = make_user("planner")
    site = site_with_agents(PARAMS["agents"])
    ids = [submit_job(db.session, "scenario_solve", {**PARAMS, "seed": seed, "site_id": site.id, "publish": True},
                      planner.id).id for seed in range(2)]
    db.session.commit()
    done = wait_for(lambda: (js := _jobs(ids)) and all(j.finished for j in js.values()) and js,
                    timeout=90, interval=0.3, what="both jobs to finish on RabbitMQ")
    assert {j.status for j in done.values()} == {JobStatus.DONE}, {j.id: (j.status, j.error) for j in done.values()}
    assert {j.worker.split(":")[1] for j in done.values()} == {str(rabbitmq_worker[0].pid)}
    for job in done.values():
        assert job.attempts == 1 and job.progress["fraction"] == 1.0
        if job.result["shifts"]:
            version = db.session.get(RosterVersion, job.result["version_id"])
            assert version.status == "published"
            count = db.session.scalar(sa.select(sa.func.count()).select_from(Shift)
                                      .where(Shift.version_id == version.id))
            assert count == job.result["shifts"]
    assert any(j.result["shifts"] for j in done.values()), "a 5 s solve of 8 agents should find a roster"
