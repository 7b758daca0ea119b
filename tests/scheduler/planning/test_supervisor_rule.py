"""The planner keeps "a supervisor on duty 24/7" on for a site's first roster.

The engine exempts only what a first roster cannot staff (the first day's hours that only
the night before could cover); the next roster gets the published night, with its
breaks, as history, and the rule then holds from the first interval on.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from optimizer import timeutil
from optimizer.progress import NEVER_CANCELLED, no_progress
from optimizer.roster.model import build_model
from optimizer.roster.model.coverage import unknown_first_night
from optimizer.roster.solve import solve
from optimizer.roster.validator import validate
from scheduler.db import db
from scheduler.models import Agent, Queue, Roster, RosterVersion, Shift, ShiftActivity, ShiftTemplate
from scheduler.planning import rosters
from scheduler.planning.roster_problem import build_problem, version_rows
from tests.scheduler.planning.factories import START, TZ, tiny_center

NOW = datetime(2026, 12, 1, 9, tzinfo=timezone.utc)


def around_the_clock(session, supervisors: int = 5):  # noqa: ANN001, ANN201
    """The tiny centre with a 24/7 queue, five night-cleared supervisors and three
    8-hour shifts that tile the day (22:00-06:00 the night)."""
    site = tiny_center(session, agents=8)
    session.scalar(sa.select(Queue).where(Queue.site_id == site.id, Queue.code == "SUPPORT")).open_24_7 = True
    for i, a in enumerate(session.scalars(sa.select(Agent).order_by(Agent.id))):
        a.is_supervisor = a.night_ok = i < supervisors
    for code, start, kind in (("E", "06:00", "early"), ("L", "14:00", "late"), ("N", "22:00", "night")):
        session.add(ShiftTemplate(site_id=site.id, code=code, name=code, start=start, length_minutes=480,
                                  unpaid_break_minutes=0, kind=kind, color="#4e79a7"))
    session.flush()
    return site


def test_first_roster_keeps_the_rule_and_exempts_only_the_first_night(app) -> None:
    site = around_the_clock(db.session)
    p = build_problem(db.session, site, START, 7).problem
    assert p.rules.supervisor_always_on_duty and not p.previous
    rv = build_model(p)
    exempt = [timeutil.to_local(rv.timeline.grid[i], TZ) for i in sorted(unknown_first_night(rv))]
    assert exempt[0] == datetime.combine(START, datetime.min.time())
    assert exempt[-1] == datetime.combine(START, datetime.min.time()) + timedelta(hours=5, minutes=45)
    assert len(exempt) == 24  # 00:00-06:00 in quarter-hours, nothing else


def test_first_and_next_roster_are_solved_and_valid_with_the_rule_on(app) -> None:
    site = around_the_clock(db.session)
    out = rosters.solve_and_store(db.session, rosters.SolveRequest(site.id, START, 7, (), 20.0),
                                  created_by_id=None, progress=no_progress, cancel=NEVER_CANCELLED)
    assert out["version_id"], out
    first = db.session.get(RosterVersion, out["version_id"])
    p1 = build_problem(db.session, site, START, 7).problem
    assert validate(p1, version_rows(db.session, first, TZ)) == []
    rosters.publish(db.session, first, user_id=None, now=NOW)
    db.session.commit()

    # the following week: the published last night is history and counts
    nxt = START + timedelta(days=7)
    p2 = build_problem(db.session, site, nxt, 7).problem
    eve = nxt - timedelta(days=1)
    sup_ids = {a.id for a in p2.agents if a.supervisor}
    assert any(a.date == eve and a.shift_code == "N" and a.agent_id in sup_ids for a in p2.previous)
    assert unknown_first_night(build_model(p2)) == set()
    res = solve(p2, time_limit=20, num_workers=2)
    assert res.feasible, res.status
    from optimizer.roster.scenario import roster_rows

    assert validate(p2, roster_rows(res, TZ)) == []


def test_history_carries_its_breaks(app) -> None:
    site = tiny_center(db.session)
    sup = db.session.scalar(sa.select(Agent).where(Agent.is_supervisor.is_(True)))
    eve = START - timedelta(days=1)
    roster = Roster(site_id=site.id, name="last week", start_date=eve - timedelta(days=6), days=7)
    db.session.add(roster)
    db.session.flush()
    version = RosterVersion(roster_id=roster.id, status="published", number=1, published_at=NOW)
    db.session.add(version)
    db.session.flush()
    start = timeutil.to_utc(datetime.combine(eve, datetime.min.time()) + timedelta(hours=9), TZ)
    shift = Shift(version_id=version.id, agent_id=sup.id, day=eve, template_code="D", start_at=start,
                  end_at=start + timedelta(minutes=540))
    db.session.add(shift)
    db.session.flush()
    lunch = (start + timedelta(hours=4), start + timedelta(hours=5))
    db.session.add(ShiftActivity(shift_id=shift.id, kind="lunch", start_at=lunch[0], end_at=lunch[1]))
    db.session.commit()
    p = build_problem(db.session, site, START, 7).problem
    (prev,) = [a for a in p.previous if a.date == eve]
    assert prev.agent_id == str(sup.id) and prev.shift_code == "D" and prev.breaks == (lunch,)


def test_rule_is_posted_when_the_problem_holds_every_supervisor(app) -> None:
    site = around_the_clock(db.session, supervisors=2)
    sups = list(db.session.scalars(sa.select(Agent.id).where(Agent.is_supervisor.is_(True)).order_by(Agent.id)))
    others = list(db.session.scalars(sa.select(Agent.id).where(Agent.is_supervisor.is_(False)).order_by(Agent.id)))
    on = build_problem(db.session, site, START, 7, agent_ids=sups + others[:1]).problem
    assert on.rules.supervisor_always_on_duty
    # a part of the site without one of its supervisors cannot supervise the site alone
    part = build_problem(db.session, site, START, 7, agent_ids=sups[:1] + others).problem
    assert not part.rules.supervisor_always_on_duty
