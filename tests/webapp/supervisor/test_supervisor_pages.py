"""Supervisor pages: duty board, handover log, team view and approvals for the own team only."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from optimizer import timeutil
from scheduler import dutyboard
from scheduler.db import db, local_today, utcnow
from scheduler.models import HandoverNote, RosterVersion, SwapStatus, TimeOff
from scheduler.selfservice import swaps
from scheduler.selfservice.sample import publish_sample_roster
from scheduler.selfservice.swaps import SwapProposal
from tests.conftest import csrf_token, login
from tests.selfservice_center import build_center

DEMO = "demo-pass-2026"


def test_duty_board_lists_on_shift_break_and_supervisor(app) -> None:
    c = build_center()
    today = local_today(c.site.timezone)
    publish_sample_roster(db.session, c.site, today - timedelta(days=1), 3, name="current")
    db.session.commit()
    # 12:00 local today: E (07:00), D (09:00), M (11:00) are on; L (14:00) comes later
    noon = timeutil.to_utc(datetime.combine(today, time(12, 0)), c.site.timezone)
    board = dutyboard.duty_board(db.session, noon)
    retail = next(q for q in board.queues if q.code == "RETAIL")
    on = {e.code for e in retail.on_phone + retail.away}
    assert on and on <= {"E", "D", "M", "P1"}
    assert {e.code for e in retail.upcoming} <= {"L"}
    assert sum(retail.hourly) > 0
    assert all(e.is_supervisor for e in board.supervisors_on_duty)
    # 09:00 + 120 min = 11:00 break of the D shift
    eleven = timeutil.to_utc(datetime.combine(today, time(11, 5)), c.site.timezone)
    assert any(e.code == "D" for e in dutyboard.duty_board(db.session, eleven).on_break)


def test_board_page_and_handover_acknowledged_by_the_next_shift(app, client) -> None:
    build_center()
    login(client, "supervisor", DEMO)
    assert client.get("/supervisor/board").status_code == 200
    token = csrf_token(client, "/supervisor/board")
    client.post("/supervisor/handover", data={"csrf_token": token, "what_happened": "Card outage 14:00-14:40",
                                              "open_issues": "Callbacks for 12 customers", "escalations": ""})
    note = db.session.scalar(sa.select(HandoverNote))
    assert note.what_happened.startswith("Card outage")
    # the author cannot acknowledge their own handover
    client.post(f"/supervisor/handover/{note.id}/acknowledge", data={"csrf_token": token})
    db.session.refresh(note)
    assert note.acknowledged_at is None
    other = app.test_client()
    login(other, "supervisor12", DEMO)
    other.post(f"/supervisor/handover/{note.id}/acknowledge", data={"csrf_token": csrf_token(other, "/supervisor/board")})
    db.session.refresh(note)
    assert note.acknowledged_at is not None
    html = client.get("/supervisor/board").get_data(as_text=True)
    assert "Card outage" in html and "Acknowledged by" in html


def test_team_view_shows_only_the_own_team(app, client) -> None:
    c = build_center()
    login(client, "supervisor", DEMO)
    other_team = c.agent("supervisor31").team_id
    html = client.get(f"/supervisor/team?day={c.start.isoformat()}&team={other_team}").get_data(as_text=True)
    names = {a.user.display_name for a in c.members("supervisor")}
    cards = {a.user.display_name for a in c.members("supervisor31")}
    assert all(n in html for n in names) and not any(n in html for n in cards)


def _accepted_swap(c):
    me, mate = c.agent("agent"), c.agent("agent004")
    swap = swaps.offer_swap(db.session, me, SwapProposal(colleague_id=mate.id, requester_day=c.start), today=date.today())
    swaps.answer_swap(db.session, swap, mate, accept=True, now=utcnow())
    db.session.commit()
    return swap


def test_approval_by_own_team_supervisor_publishes(app, client) -> None:
    c = build_center()
    swap = _accepted_swap(c)
    login(client, "supervisor", DEMO)
    html = client.get("/supervisor/approvals").get_data(as_text=True)
    assert c.agent("agent").user.display_name in html
    resp = client.post(f"/supervisor/swaps/{swap.id}/decide",
                       data={"csrf_token": csrf_token(client, "/supervisor/approvals"), "decision": "approve"},
                       follow_redirects=True)
    assert "version 2 is published" in resp.get_data(as_text=True)
    db.session.refresh(swap)
    assert swap.status == SwapStatus.APPROVED
    assert db.session.scalar(sa.select(sa.func.max(RosterVersion.number))) == 2


def test_cross_team_supervisor_cannot_decide(app, client) -> None:
    c = build_center()
    swap = _accepted_swap(c)
    day = c.start + timedelta(days=20)
    leave = TimeOff(agent_id=c.agent("agent").id, start_date=day, end_date=day)
    db.session.add(leave)
    db.session.commit()
    login(client, "supervisor31", DEMO)  # leads Cards, not Retail A
    html = client.get("/supervisor/approvals").get_data(as_text=True)
    assert c.agent("agent").user.display_name not in html
    token = csrf_token(client, "/supervisor/approvals")
    client.post(f"/supervisor/swaps/{swap.id}/decide", data={"csrf_token": token, "decision": "approve"})
    client.post(f"/supervisor/timeoff/{leave.id}/decide", data={"csrf_token": token, "decision": "approve"})
    db.session.refresh(swap)
    db.session.refresh(leave)
    assert swap.status == SwapStatus.ACCEPTED and leave.status == "requested"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RosterVersion)) == 1
