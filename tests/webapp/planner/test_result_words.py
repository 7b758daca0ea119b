"""The roster pages say the engine's results in the reader's language: the solver status
as a label (never the raw OPTIMAL / FEASIBLE / UNKNOWN code), job states, skill-gap
notes and the repair's own line as sentences with agents by name."""

from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa

from optimizer.progress import NEVER_CANCELLED, no_progress
from scheduler.db import db
from scheduler.models import Agent, Job, Queue, Roster, RosterVersion, User
from scheduler.planning import rosters
from tests.scheduler.planning.factories import START, add_requirements, tiny_center

ZH_TW = {"Accept-Language": "zh-TW"}
REPAIR_LINE = "Within the time limit, no placement of the breaks was found that keeps a supervisor on duty."


def _roster_with_draft(site, summary: dict) -> RosterVersion:
    roster = Roster(site_id=site.id, name="2026 week", start_date=START, days=7)
    db.session.add(roster)
    db.session.flush()
    version = RosterVersion(roster_id=roster.id, status="draft", summary=summary)
    db.session.add(version)
    db.session.commit()
    return version


def test_solver_status_is_a_label_in_the_readers_language(app, client, login_as) -> None:
    site = tiny_center(db.session, with_requirements=False)
    version = _roster_with_draft(site, {"status": "FEASIBLE"})
    login_as("planner")
    url = f"/planner/rosters/{version.roster_id}?version={version.id}"
    assert "Feasible (not proven best)" in client.get(url).get_data(as_text=True)
    zh = client.get(url, headers=ZH_TW).get_data(as_text=True)
    assert "求解器：可行解（未證明最佳）" in zh, zh
    assert "FEASIBLE" not in zh


def test_job_page_says_status_and_the_repairs_line(app, client, login_as) -> None:
    """A repair that found no break placement wrote no draft: the job page gives the
    status and the engine's reason, both in the reader's language."""
    tiny_center(db.session, with_requirements=False)
    now = datetime.now(timezone.utc)
    job = Job(kind="roster_repair", status="done", params={}, created_at=now, finished_at=now, result={
        "status": "UNKNOWN", "version_id": None,
        "explanation": ["no break placement keeps a supervisor on duty within the time limit"],
        "explanation_sentences": [{"text": REPAIR_LINE, "params": {}, "parts": []}]})
    db.session.add(job)
    db.session.commit()
    login_as("planner")
    en = client.get(f"/planner/jobs/{job.id}").get_data(as_text=True)
    assert "Solver status: No roster found within the time limit." in en and REPAIR_LINE in en
    zh = client.get(f"/planner/jobs/{job.id}", headers=ZH_TW).get_data(as_text=True)
    assert "在時間限制內找不到班表" in zh and "在時間限制內，找不到能保持主管值班的休息時間安排。" in zh, zh
    assert "UNKNOWN" not in zh and "no break placement" not in zh and REPAIR_LINE not in zh
    # the recent solves list says the job's state too
    listing = client.get("/planner/rosters", headers=ZH_TW).get_data(as_text=True)
    assert ">完成</span>" in listing and ">done</span>" not in listing


def test_skill_gaps_on_the_draft_page_are_sentences(app, client, login_as) -> None:
    """Sales needs four agents on the phone and only three are skilled for it: the draft's
    page says why those intervals stay under-covered, naming the agents, in Chinese."""
    site = tiny_center(db.session, with_requirements=False)
    support, sales = (db.session.scalar(sa.select(Queue).where(Queue.code == c)) for c in ("SUPPORT", "SALES"))
    add_requirements(db.session, site, [support], START, 7)
    add_requirements(db.session, site, [sales], START, 7, per_queue=4)
    db.session.commit()
    out = rosters.solve_and_store(db.session, rosters.SolveRequest(site.id, START, 7, (), 5.0), created_by_id=None,
                                  progress=no_progress, cancel=NEVER_CANCELLED)
    db.session.commit()
    assert out["version_id"] and out["explanation"], out
    # the engine gave the notes as the CLI's lines; the draft keeps them as sentences too
    assert out["explanation_sentences"][0]["text"].startswith("Skill gap in "), out["explanation_sentences"]
    login_as("planner")
    version = db.session.get(RosterVersion, out["version_id"])
    url = f"/planner/rosters/{version.roster_id}?version={version.id}"
    skilled = db.session.scalars(sa.select(User.display_name).join(Agent, Agent.user_id == User.id)
                                 .where(Agent.skills.any(queue_id=sales.id)).order_by(User.display_name)).all()
    en = client.get(url).get_data(as_text=True)
    assert "Why some intervals stay under-covered" in en and "Skill gap in SALES" in en, en
    zh = client.get(url, headers=ZH_TW).get_data(as_text=True)
    block = zh[zh.index('<details id="explanation">'):]
    block = block[:block.index("</details>")]
    assert "部分時段人力不足的原因" in block and "SALES 技能人力不足" in block, block
    assert all(name in block for name in skilled), (skilled, block)  # agents by name, not id
    assert "[skills]" not in block and "Skill gap" not in block
