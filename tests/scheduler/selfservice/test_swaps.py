"""Shift swaps: rule check before offering, colleague answer, supervisor decision,
publication as a new roster version."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from scheduler.db import db, utcnow
from scheduler.errors import Conflict, PermissionDenied, ValidationError
from scheduler.models import Notification, RosterVersion, Shift, SwapStatus, VersionStatus
from scheduler.selfservice import swaps
from scheduler.selfservice.swaps import SwapProposal, SwapRefused
from tests.selfservice_center import build_center


def _weekday(start: date, weekday: int) -> date:
    return start + timedelta(days=(weekday - start.weekday()) % 7)


def _code(agent_id: int, day: date, version_id: int) -> str | None:
    return db.session.scalar(sa.select(Shift.template_code).where(Shift.version_id == version_id,
                                                                  Shift.agent_id == agent_id, Shift.day == day))


def test_valid_same_day_swap_is_offered_accepted_approved_and_published(app) -> None:
    c = build_center()
    me, mate, boss = c.agent("agent"), c.agent("agent004"), c.agent("supervisor")
    monday = _weekday(c.start, 0)
    assert (_code(me.id, monday, c.version.id), _code(mate.id, monday, c.version.id)) == ("M", "L")
    swap = swaps.offer_swap(db.session, me, SwapProposal(colleague_id=mate.id, requester_day=monday), today=date.today())
    assert swap.status == SwapStatus.OFFERED and (swap.requester_code, swap.colleague_code) == ("M", "L")
    swaps.answer_swap(db.session, swap, mate, accept=True, now=utcnow())
    version = swaps.decide_swap(db.session, swap, boss.user, approve=True, now=utcnow())
    db.session.commit()
    assert swap.status == SwapStatus.APPROVED and version is not None
    assert version.status == VersionStatus.PUBLISHED and version.number == 2
    assert (_code(me.id, monday, version.id), _code(mate.id, monday, version.id)) == ("L", "M")
    # the old version is untouched and every other shift is copied
    assert _code(me.id, monday, c.version.id) == "M"
    count = lambda v: db.session.scalar(sa.select(sa.func.count()).select_from(Shift).where(Shift.version_id == v))
    assert count(version.id) == count(c.version.id)
    # both agents hear about the result
    kinds = {(n.user_id, n.kind) for n in db.session.scalars(sa.select(Notification))}
    assert (me.user_id, "swap_approved") in kinds and (mate.user_id, "swap_approved") in kinds


def test_swap_that_breaks_rest_is_refused_before_it_is_offered(app) -> None:
    c = build_center()
    early, late = c.agent("agent005"), c.agent("agent004")  # E 07:00 and L 14:00-23:00
    monday = _weekday(c.start, 0)
    assert (_code(early.id, monday, c.version.id), _code(late.id, monday, c.version.id)) == ("E", "L")
    with pytest.raises(SwapRefused) as err:
        swaps.offer_swap(db.session, early, SwapProposal(colleague_id=late.id, requester_day=monday), today=date.today())
    rules = {v.rule for v in err.value.violations}
    assert "rest" in rules  # L until 23:00, then E at 07:00 the next day
    assert all(v.agent_id in (str(early.id), str(late.id)) for v in err.value.violations)


def test_give_away_that_exceeds_weekly_hours_is_refused(app) -> None:
    c = build_center()
    me, mate = c.agent("agent"), c.agent("agent004")
    friday = _weekday(c.start, 4)  # agent004 is off on Thursdays and Fridays
    assert _code(mate.id, friday, c.version.id) is None
    check = swaps.check_swap(db.session, me, mate, friday, friday)
    assert not check.ok and {v.rule for v in check.violations} >= {"weekly_hours"}


def test_days_exchange_on_different_days_is_valid(app) -> None:
    c = build_center()
    me, mate = c.agent("agent"), c.agent("agent004")
    wednesday, friday = _weekday(c.start, 2), _weekday(c.start, 4)
    # I give my Friday, take their Wednesday: both keep five days and two days off in a row
    check = swaps.check_swap(db.session, me, mate, friday, wednesday)
    assert check.ok, check.violations
    assert (check.requester_code, check.colleague_code) == ("M", "L")


def test_cross_team_and_self_swaps_are_refused(app) -> None:
    c = build_center()
    me = c.agent("agent")
    monday = _weekday(c.start, 0)
    with pytest.raises(ValidationError):
        swaps.offer_swap(db.session, me, SwapProposal(colleague_id=c.agent("agent013").id, requester_day=monday), today=date.today())
    with pytest.raises(ValidationError):
        swaps.offer_swap(db.session, me, SwapProposal(colleague_id=me.id, requester_day=monday), today=date.today())
    with pytest.raises(ValidationError):  # the past
        swaps.offer_swap(db.session, me, SwapProposal(colleague_id=c.agent("agent004").id, requester_day=monday),
                         today=monday)


def test_only_the_colleague_answers_and_only_own_team_supervisor_decides(app) -> None:
    c = build_center()
    me, mate = c.agent("agent"), c.agent("agent004")
    monday = _weekday(c.start, 0)
    swap = swaps.offer_swap(db.session, me, SwapProposal(colleague_id=mate.id, requester_day=monday), today=date.today())
    with pytest.raises(PermissionDenied):
        swaps.answer_swap(db.session, swap, me, accept=True, now=utcnow())
    with pytest.raises(Conflict):  # not accepted yet
        swaps.decide_swap(db.session, swap, c.agent("supervisor").user, approve=True, now=utcnow())
    swaps.answer_swap(db.session, swap, mate, accept=True, now=utcnow())
    with pytest.raises(PermissionDenied):  # supervisor of another team
        swaps.decide_swap(db.session, swap, c.agent("supervisor31").user, approve=True, now=utcnow())
    swaps.decide_swap(db.session, swap, c.agent("supervisor12").user, approve=False, now=utcnow())
    assert swap.status == SwapStatus.REJECTED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RosterVersion)) == 1


def test_approval_refused_when_roster_changed_since_offer(app) -> None:
    c = build_center()
    me, mate = c.agent("agent"), c.agent("agent004")
    monday = _weekday(c.start, 0)
    swap = swaps.offer_swap(db.session, me, SwapProposal(colleague_id=mate.id, requester_day=monday), today=date.today())
    swaps.answer_swap(db.session, swap, mate, accept=True, now=utcnow())
    swap.colleague_code = "D"  # what the colleague agreed to is no longer what the roster says
    with pytest.raises(Conflict):
        swaps.decide_swap(db.session, swap, c.agent("supervisor").user, approve=True, now=utcnow())
    assert swap.status == SwapStatus.ACCEPTED


def test_open_draft_receives_the_swap(app) -> None:
    c = build_center()
    me, mate = c.agent("agent"), c.agent("agent004")
    monday = _weekday(c.start, 0)
    draft = RosterVersion(roster_id=c.version.roster_id, status=VersionStatus.DRAFT)
    db.session.add(draft)
    db.session.flush()
    for s in db.session.scalars(sa.select(Shift).where(Shift.version_id == c.version.id, Shift.day == monday,
                                                        Shift.agent_id.in_([me.id, mate.id]))):
        db.session.add(Shift(version_id=draft.id, agent_id=s.agent_id, day=s.day, template_code=s.template_code,
                             start_at=s.start_at, end_at=s.end_at))
    db.session.flush()
    swap = swaps.offer_swap(db.session, me, SwapProposal(colleague_id=mate.id, requester_day=monday), today=date.today())
    swaps.answer_swap(db.session, swap, mate, accept=True, now=utcnow())
    swaps.decide_swap(db.session, swap, c.agent("supervisor").user, approve=True, now=utcnow())
    db.session.commit()
    assert (_code(me.id, monday, draft.id), _code(mate.id, monday, draft.id)) == ("L", "M")
    assert draft.status == VersionStatus.DRAFT


def test_every_notification_kind_sent_has_a_text() -> None:
    from scheduler.selfservice.notify import KINDS
    from webapp.i18n import NOTIFICATION_TEXTS

    assert [k for k in KINDS if k not in NOTIFICATION_TEXTS] == []
