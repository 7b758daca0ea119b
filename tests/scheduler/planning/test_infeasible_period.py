"""A period whose hard rules cannot all hold: the planner gets the engine's explanation and
its best relaxed roster as a draft, each broken rule listed (the independent validator's
report), instead of "no roster found"."""

from __future__ import annotations

import sqlalchemy as sa

from optimizer.progress import NEVER_CANCELLED, no_progress
from scheduler.db import db
from scheduler.models import Agent, RosterVersion, Shift
from scheduler.planning import rosters
from tests.conftest import login
from tests.scheduler.planning.factories import START, tiny_center


def _overbooked_center():
    """Agent T001 must work 45 h a week, but shifts pay at most 8 h and the rules keep two
    days off a week: 5 x 8 = 40 h, so the weekly minimum cannot hold."""
    site = tiny_center(db.session)
    agent = db.session.scalar(sa.select(Agent).where(Agent.employee_no == "T001"))
    agent.min_hours_week, agent.max_hours_week = 45, 48
    db.session.commit()
    return site, agent


def test_infeasible_period_gives_an_explained_relaxed_draft(app) -> None:
    site, agent = _overbooked_center()
    req = rosters.SolveRequest(site.id, START, 7, (), 30.0)
    out = rosters.solve_and_store(db.session, req, created_by_id=None, progress=no_progress, cancel=NEVER_CANCELLED)
    db.session.commit()

    assert out["kind"] == "relaxed" and out["version_id"] and out["status"] == "INFEASIBLE", out
    assert out["conflicting_rules"], out
    assert any("weekly" in r or "days_off" in r for r in out["conflicting_rules"])
    # Every relaxation names the overbooked agent: nobody else's rules were bent.
    assert out["relaxations"] and {r["agent_id"] for r in out["relaxations"]} == {str(agent.id)}
    assert {r["rule"] for r in out["relaxations"]} <= {"weekly_hours", "min_days_off_per_week"}
    # ... and bent as little as possible: five 8-hour days (2,400 paid minutes) are all the
    # other rules allow, so the relaxed minimum is missed by 5 h, not more.
    hours = [r for r in out["relaxations"] if r["rule"] == "weekly_hours"]
    assert len(hours) == 1 and hours[0]["message"].startswith("2400 paid"), hours
    version = db.session.get(RosterVersion, out["version_id"])
    assert version.status == "draft" and version.summary["kind"] == "relaxed"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Shift).where(Shift.version_id == version.id)) > 0


def test_roster_page_lists_the_relaxations(app, client, make_user) -> None:
    site, agent = _overbooked_center()
    out = rosters.solve_and_store(db.session, rosters.SolveRequest(site.id, START, 7, (), 30.0), created_by_id=None,
                                  progress=no_progress, cancel=NEVER_CANCELLED)
    db.session.commit()
    planner = make_user("planner")
    login(client, planner.username)
    version = db.session.get(RosterVersion, out["version_id"])
    html = client.get(f"/planner/rosters/{version.roster_id}?version={version.id}").get_data(as_text=True)
    assert 'id="relaxed-warning"' in html and 'id="relaxations"' in html
    assert agent.user.display_name in html  # the agent is named, not numbered
    # the relaxation's detail is a sentence in the reader's language
    assert "40 h paid and 0 h of leave in the week; the contract asks at least 45 h." in html, html
    zh = client.get(f"/planner/rosters/{version.roster_id}?version={version.id}",
                    headers={"Accept-Language": "zh-TW"}).get_data(as_text=True)
    assert "本週支薪 40 小時、休假 0 小時；合約至少 45 小時。" in zh
    # the engine's explanation too: in the reader's language, rule families by their labels,
    # the agent by name (the engine knows only database ids)
    name = agent.user.display_name
    said = _explanation(html)
    assert "The hard rules cannot all hold together; these rules conflict:" in said, said
    assert f"If only “Contract hours per week (minimum)” gave way, it would break for {name}" in said, said
    assert "[weekly_hours_min]" not in said and f"for {agent.id} " not in said
    said = _explanation(zh)
    assert "硬性規則無法同時滿足；互相衝突的規則：" in said and "每週合約工時（下限）" in said, said
    assert f"若只放寬「每週合約工時（下限）」，{name}" in said, said
    # the validator's own words, nested, with the least miss the other rules allow
    assert "本週支薪 40 小時、休假 0 小時；合約至少 45 小時。" in said, said
    assert "每週至少休息 2 天" in said  # the capacity note listed under it
    assert "If only" not in said and "weekly_hours" not in said
    # a draft stored before the sentences existed shows the engine's English lines
    version.summary = {k: v for k, v in version.summary.items() if k != "explanation_sentences"}
    db.session.commit()
    old = client.get(f"/planner/rosters/{version.roster_id}?version={version.id}",
                     headers={"Accept-Language": "zh-TW"}).get_data(as_text=True)
    assert "[weekly_hours_min] weekly contract hours (minimum), if it alone gave way" in _explanation(old)


def _explanation(html: str) -> str:
    """The page's "engine's explanation" block."""
    start = html.index('<details id="explanation">')
    return html[start:html.index("</details>", start)]
