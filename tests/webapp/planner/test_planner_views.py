"""Planner pages: they render real charts, show row errors before saving, run jobs and
refuse edits that break hard rules."""

from __future__ import annotations

import io
import json
import re
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from scheduler.db import db
from scheduler.models import ContactHistory, Job, Queue, Roster, RosterVersion, Shift, TimeOff
from scheduler.planning import forecasting
from tests.conftest import csrf_token
from tests.scheduler.planning.factories import START, add_history, agent_ids, tiny_center


def _wait_jobs() -> None:
    from scheduler.jobs.dispatch import in_process_pool

    in_process_pool().wait(timeout=180)
    db.session.expire_all()


def test_staffing_page_has_one_chart_and_heatmap(app, client, login_as) -> None:
    site = tiny_center(db.session, with_requirements=False)
    add_history(db.session, site, weeks=3)
    forecasting.run_forecast(db.session, site, horizon_days=7)
    db.session.commit()
    login_as("planner")
    html = client.get(f"/planner/staffing?day={START.isoformat()}").get_data(as_text=True)
    assert 'id="staffing-chart"' in html and "chart.umd.min.js" in html
    data = json.loads(re.search(r'<script type="application/json" id="staffing-data">(.*?)</script>', html, re.S).group(1))
    assert len(data["labels"]) == len(data["required"]) == len(data["scheduled"]) == len(data["service_level"]) == 7 * 96
    assert max(data["required"]) >= 1 and max(data["volume"]) > 0
    assert "hm-under3" in html  # nothing rostered yet: the week is under-staffed
    assert client.get("/planner/staffing?day=garbage&queue=abc&span=zzz").status_code == 200


def test_parameter_form_validates_and_recomputes(app, client, login_as) -> None:
    site = tiny_center(db.session, with_requirements=False)
    add_history(db.session, site, weeks=3)
    forecasting.run_forecast(db.session, site, horizon_days=7)
    db.session.commit()
    login_as("planner")
    queue = db.session.scalar(sa.select(Queue).where(Queue.code == "SUPPORT"))
    token = csrf_token(client, "/planner/staffing")
    form = {"csrf_token": token, "sl_target": "150", "sl_seconds": "20", "max_occupancy": "85", "shrinkage": "30",
            "staffing_model": "erlang-c", "aht_seconds": "300"}
    resp = client.post(f"/planner/queues/{queue.id}/parameters", data=form, follow_redirects=True)
    assert "between 1 and 99.9 %" in resp.get_data(as_text=True)
    form.update(sl_target="90", staffing_model="erlang-a", patience_seconds="")
    assert "mean patience" in client.post(f"/planner/queues/{queue.id}/parameters", data=form,
                                          follow_redirects=True).get_data(as_text=True)
    form.update(patience_seconds="60")
    resp = client.post(f"/planner/queues/{queue.id}/parameters", data=form, follow_redirects=True)
    assert "requirement intervals recomputed" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Queue, queue.id).sl_target == 0.9


def test_history_upload_preview_then_confirm(app, client, login_as) -> None:
    tiny_center(db.session, with_requirements=False)
    db.session.commit()
    login_as("planner")
    token = csrf_token(client, "/planner/forecast")
    bad = b"timestamp,queue,offered\n2026-11-02T09:00,SUPPORT,1\n2026-11-02T09:15,SUPPORT,x\n"
    html = client.post("/planner/history/upload", data={"csrf_token": token, "file": (io.BytesIO(bad), "h.csv")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert 'id="problems"' in html and "<td class=\"num\">3</td>" in html and "offered" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ContactHistory)) == 0
    good = b"timestamp,queue,offered\n2026-11-02T09:00,SUPPORT,1\n2026-11-02T09:15,SUPPORT,2\n"
    html = client.post("/planner/history/upload", data={"csrf_token": token, "file": (io.BytesIO(good), "h.csv")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "Save history" in html
    staged = re.search(r'name="token" type="hidden" value="([0-9a-f]+)"', html).group(1)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ContactHistory)) == 0
    resp = client.post("/planner/history/confirm", data={"csrf_token": token, "token": staged}, follow_redirects=True)
    assert "2 history intervals saved" in resp.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ContactHistory)) == 2
    # the staged file is gone: confirming twice saves nothing more
    resp = client.post("/planner/history/confirm", data={"csrf_token": token, "token": staged}, follow_redirects=True)
    assert "no longer available" in resp.get_data(as_text=True)


def test_generate_review_edit_publish_diff(app, client, login_as) -> None:
    tiny_center(db.session)
    db.session.commit()
    login_as("planner")
    token = csrf_token(client, "/planner/rosters")
    resp = client.post("/planner/rosters/generate", data={"csrf_token": token, "start": START.isoformat(), "days": "7",
                                                          "time_limit": "5"})
    assert resp.status_code == 303 and "/planner/jobs/" in resp.headers["Location"]
    _wait_jobs()
    job = db.session.scalar(sa.select(Job).order_by(Job.id.desc()))
    assert job.status == "done", job.error
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "data-job-progress" in page and "Review the draft" in page
    roster = db.session.scalar(sa.select(Roster))
    grid = client.get(f"/planner/rosters/{roster.id}").get_data(as_text=True)
    assert 'id="roster-grid"' in grid and grid.count("<tr data-agent=") == 6
    # the legend and each worked cell say what a code means in clock time
    assert "D <small>09:00\u201318:00</small>" in grid and 'title="D 09:00\u201318:00">D</td>' in grid
    assert "#roster-grid td.t-D{background:#59a14f;color:#1b1f24}" in grid  # text ink chosen for contrast
    assert client.get(f"/planner/rosters/{roster.id}/gantt?day={START.isoformat()}").status_code == 200

    # an edit breaking a hard rule is refused with the rule and the agent named
    agent = agent_ids(db.session)[2]
    draft = roster.draft
    worked = {s.day for s in draft.shifts if s.agent_id == agent}
    free = next(START + timedelta(days=k) for k in range(7) if START + timedelta(days=k) not in worked)
    db.session.add(TimeOff(agent_id=agent, start_date=free, end_date=free, status="approved"))
    db.session.commit()
    resp = client.post(f"/planner/rosters/{roster.id}/edit", data={
        "csrf_token": token, "action": "add", "agent_id": agent, "day": free.isoformat(), "code": "D"})
    assert resp.status_code == 409
    body = resp.get_data(as_text=True)
    assert "Approved time off" in body and "Agent 2" in body
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Shift).where(
        Shift.version_id == draft.id, Shift.agent_id == agent, Shift.day == free)) == 0

    resp = client.post(f"/planner/rosters/{roster.id}/publish", data={"csrf_token": token}, follow_redirects=True)
    assert "Version 1 published" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(sa.select(RosterVersion.number)) == 1
    assert client.get(f"/planner/rosters/{roster.id}/diff").status_code == 200


def test_agent_cannot_reach_planner_pages(app, client, login_as) -> None:
    tiny_center(db.session)
    db.session.commit()
    login_as("agent")
    assert client.get("/planner/staffing").status_code == 403
    assert client.get("/planner/rosters").status_code == 403


def test_sudden_absence_gives_a_minimal_change_proposal(app, client, login_as) -> None:
    """Planner reports a sick day on a published roster: a repair job writes a proposal
    draft that differs from the published version in a few agent-days only."""
    from optimizer.progress import NEVER_CANCELLED, no_progress
    from scheduler.planning import rosters

    site = tiny_center(db.session)
    db.session.commit()
    out = rosters.solve_and_store(db.session, rosters.SolveRequest(site.id, START, 7, (), 5.0), created_by_id=None,
                                  progress=no_progress, cancel=NEVER_CANCELLED)
    version = db.session.get(RosterVersion, out["version_id"])
    rosters.publish(db.session, version, user_id=None, now=datetime.now(timezone.utc))
    db.session.commit()
    sick = db.session.scalar(sa.select(Shift).where(Shift.version_id == version.id).order_by(Shift.day, Shift.agent_id))
    login_as("planner")
    token = csrf_token(client, f"/planner/rosters/{version.roster_id}")
    resp = client.post(f"/planner/rosters/{version.roster_id}/absence", data={
        "csrf_token": token, "agent_id": sick.agent_id, "start": sick.day.isoformat(), "end": sick.day.isoformat()})
    assert resp.status_code == 303, resp.get_data(as_text=True)[:300]
    _wait_jobs()
    db.session.expire_all()
    job = db.session.scalar(sa.select(Job).where(Job.kind == "roster_repair"))
    assert job.status == "done", job.error
    proposal = db.session.get(RosterVersion, job.result["version_id"])
    assert proposal.status == "draft" and proposal.summary["kind"] == "repair"
    assert 1 <= proposal.summary["changes"] <= 4
    assert not db.session.scalar(sa.select(Shift).where(Shift.version_id == proposal.id, Shift.agent_id == sick.agent_id,
                                                        Shift.day == sick.day))
    page = client.get(f"/planner/rosters/{version.roster_id}?version={proposal.id}").get_data(as_text=True)
    assert "Repair proposal" in page
