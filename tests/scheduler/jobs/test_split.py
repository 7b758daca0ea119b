"""A large scenario split by team: parallel child jobs, joined, coverage checked on the
combined roster (in-process pool; the same code path runs on Celery as a group)."""

from __future__ import annotations

import sqlalchemy as sa

from scheduler.db import db
from scheduler.jobs.scenario import submit_scenario_split
from scheduler.models import Job, JobStatus
from tests.scheduler.jobs.helpers import wait_finished


def test_split_solve_runs_parts_and_combines(app):
    params = {"agents": 30, "queues": 1, "days": 7, "interval_minutes": 60, "time_limit": 2, "seed": 1}
    parent = submit_scenario_split(db.session, params, None)
    db.session.commit()
    assert parent.status == JobStatus.QUEUED and len(parent.params["children"]) == 2
    job = wait_finished(parent.id, timeout=60)
    assert job.status == JobStatus.DONE, job.error
    children = db.session.scalars(sa.select(Job).where(Job.id.in_(job.params["children"]))).all()
    assert all(c.status == JobStatus.DONE for c in children)
    assert sorted(c.params["team"] for c in children) == ["T1", "T2"]
    r = job.result
    assert r["parts"] == 2 and r["shifts"] == sum(c.result["shifts"] for c in children)
    assert r["parts_solved"] == sum(c.result["status"] in ("OPTIMAL", "FEASIBLE") for c in children)
    assert "Q1" in r["under_covered_agent_minutes"] and isinstance(r["hard_violations"], int)
    if r["parts_solved"] == 2:  # each team's roster is valid, so the combined one is too
        assert r["hard_violations"] == 0
        # team shares of the demand add up to the center's, so the center is short at most
        # what the parts are short of their shares (less where one team's extra agents
        # cover another team's gap), and never short where no part is
        combined = sum(r["under_covered_agent_minutes"].values())
        assert combined <= r["parts_under_covered_agent_minutes"]
        assert (combined == 0) or r["parts_under_covered_agent_minutes"] > 0
