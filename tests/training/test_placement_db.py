"""Placement against the database: the planner's stored requirements drive the choice,
the accepted session lands in the shifts and leaves the coverage, cancelling frees it."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa

from scheduler.db import db
from scheduler.models import ShiftActivity
from scheduler.planning.models import StaffingRequirement
from training import placement
from training.operations import sessions as session_ops
from tests.training.factories import course_with_questions, published_roster, site_with_team

UTC = timezone.utc
DAY = date(2026, 12, 1)


def _requirements(queue, under_until_hour: int) -> None:
    t = datetime(2026, 12, 1, tzinfo=UTC)
    while t < datetime(2026, 12, 2, tzinfo=UTC):
        need = 8 if 8 <= t.hour < under_until_hour else (3 if 8 <= t.hour < 17 else 0)
        db.session.add(StaffingRequirement(queue_id=queue.id, interval_start=t, volume=need * 10.0, aht_seconds=300.0,
                                           agents_on_phone=need, agents_required=need))
        t += timedelta(minutes=15)
    db.session.flush()


def test_stored_requirements_steer_the_slot_and_accepting_takes_agents_off(app) -> None:
    site, team, queues, sup, agents = site_with_team(6)
    published_roster(site, agents + [sup], DAY, start_hour=8, hours=9)
    _requirements(queues[0], under_until_hour=12)  # 7 on duty: under-covered until noon
    course = course_with_questions(mandatory=False)
    request = placement.PlacementRequest(course_id=course.id, agent_ids=tuple(a.id for a in agents[:3]),
                                         start_day=DAY, days=1, capacity=12)
    out = placement.propose(db.session, request)
    assert out.source == "stored requirements" and out.rostered
    best = out.slots[0].proposal
    assert best.start >= datetime(2026, 12, 1, 12, tzinfo=UTC)
    assert not best.under_covered_before and best.stays_covered
    assert {a.id for a in out.slots[0].agents} == {a.id for a in agents[:3]}

    impact = placement.evaluate(db.session, course, best.start, tuple(a.id for a in agents[:3]), "UTC")
    ts = session_ops.create_session(db.session, session_ops.SessionData(
        course_id=course.id, start_at=best.start, end_at=best.end, capacity=12), placement.proposal_summary(impact))
    session_ops.enrol(db.session, ts.id, [a.id for a in agents[:3]])
    acts = db.session.scalars(sa.select(ShiftActivity).where(ShiftActivity.ref_id == ts.id)).all()
    assert len(acts) == 3 and all(a.kind == "training" and a.start_at == best.start for a in acts)

    # the same agents are no longer free then: a second proposal avoids the session
    again = placement.propose(db.session, request)
    for slot in again.slots:
        p = slot.proposal
        assert p.end <= best.start or p.start >= best.end
    # and the coverage lost them: the spare in the session window dropped by 3
    built_spare_before = out.spare
    idx = int((best.start - out.grid[0]) / timedelta(minutes=15))
    assert again.spare[idx] == built_spare_before[idx] - 3

    session_ops.cancel_session(db.session, ts.id, "room unavailable")
    assert db.session.scalars(sa.select(ShiftActivity).where(ShiftActivity.ref_id == ts.id)).all() == []


def test_history_is_used_when_no_requirements_are_stored(app) -> None:
    site, team, queues, sup, agents = site_with_team(2)
    published_roster(site, agents, DAY, start_hour=8, hours=9)
    course = course_with_questions(mandatory=False)
    out = placement.propose(db.session, placement.PlacementRequest(
        course_id=course.id, agent_ids=(agents[0].id,), start_day=DAY, days=1))
    assert out.source == "history" and out.slots


def test_accepting_a_slot_outside_the_shift_is_refused(app) -> None:
    import pytest

    from scheduler.errors import ValidationError

    site, team, queues, sup, agents = site_with_team(2)
    published_roster(site, agents, DAY, start_hour=8, hours=9)
    course = course_with_questions(mandatory=False)
    with pytest.raises(ValidationError):
        placement.evaluate(db.session, course, datetime(2026, 12, 1, 16, 30, tzinfo=UTC), (agents[0].id,), "UTC")
