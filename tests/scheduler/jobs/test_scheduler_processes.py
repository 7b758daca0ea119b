"""Two real ``wfm scheduler`` processes on one job store run each periodic run once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from scheduler.db import db
from scheduler.jobs import periodic
from scheduler.models import Notification, PeriodicJob, PeriodicRun
from tests.scheduler.jobs.helpers import wait_for

pytestmark = pytest.mark.services

WFM = str(Path(sys.executable).with_name("wfm"))


def test_two_schedulers_run_each_fire_time_once(app, make_user, tmp_path):
    make_user("planner", username="mgr1")
    make_user("supervisor", username="mgr2")
    make_user("agent", username="not-a-manager")
    periodic.sync_definitions(db.session)
    for row in db.session.scalars(sa.select(PeriodicJob)).all():
        row.enabled = row.id == "weekly_summary"
        row.cron = "* * * * *"
    db.session.commit()
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "WFM_ENV": "testing",
           "WFM_SCHEDULER_SECONDS": "*/2", "PYTHONUNBUFFERED": "1"}
    env.pop("WFM_BROKER_URL", None)
    logs = [open(tmp_path / f"scheduler{i}.log", "w") for i in range(2)]
    procs = [subprocess.Popen([WFM, "scheduler", "--sync-seconds", "2"], env=env, stdout=log,
                              stderr=subprocess.STDOUT, start_new_session=True) for log in logs]
    try:
        # Start-up (imports, app, store) takes seconds on a busy machine; then let both fire a while.
        wait_for(lambda: all("Scheduler started" in (tmp_path / f"scheduler{i}.log").read_text() for i in range(2)),
                 timeout=90, interval=0.2, what="both schedulers to start")
        wait_for(lambda: db.session.rollback() or db.session.scalar(sa.select(sa.func.count()).select_from(
            PeriodicRun)) >= 4, timeout=60, interval=0.5, what="four runs")
    finally:
        for p in procs:
            os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait(5)
        for log in logs:
            log.close()
    output = [(tmp_path / f"scheduler{i}.log").read_text() for i in range(2)]
    db.session.rollback()
    runs = db.session.scalars(sa.select(PeriodicRun).where(PeriodicRun.job_id == "weekly_summary")).all()
    assert len(runs) >= 3, output
    assert all(r.status == "done" for r in runs), [(r.status, r.error) for r in runs]
    assert len({r.scheduled_for for r in runs}) == len(runs)
    assert all(r.scheduled_for.second % 2 == 0 and r.scheduled_for.microsecond == 0 for r in runs)
    # The job's effect happened once per run: two managers notified per run, not four.
    notes = db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.kind == "weekly_summary"))
    assert notes == 2 * len(runs)
    # Both processes fired; the database guard turned the loser of each race away.
    assert sum(o.count("already claimed by another process") for o in output) >= 1, output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PeriodicRun).where(
        PeriodicRun.job_id != "weekly_summary")) == 0
