"""Agent pages: week and month calendars, the private calendar feed, requests by form."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa
from icalendar import Calendar

from scheduler.db import db
from scheduler.models import SwapRequest, SwapStatus, TimeOff, User
from tests.conftest import csrf_token, login
from tests.selfservice_center import build_center

DEMO = "demo-pass-2026"


def test_week_shows_published_shifts_with_breaks_and_training(app, client) -> None:
    c = build_center()
    login(client, "supervisor", DEMO)  # index 0: E shifts, training on Thursdays
    html = client.get(f"/me/?day={c.start.isoformat()}").get_data(as_text=True)
    assert html.count('class="ss-shift"') == 5  # five working days, two days off
    assert "Break" in html and "Lunch" in html and "Product update" in html
    assert "7:00" in html  # E starts at 07:00 local


def test_week_and_month_start_on_the_sites_first_weekday(app, client) -> None:
    c = build_center()
    login(client, "agent", DEMO)
    monday_first = client.get(f"/me/?day={c.start.isoformat()}").get_data(as_text=True)
    c.site.week_start = 6  # Sunday
    db.session.commit()
    sunday_first = client.get(f"/me/?day={c.start.isoformat()}").get_data(as_text=True)
    heads = lambda html: re.findall(r'<h2 class="ss-day-head">([^<]+)</h2>', html)  # noqa: E731
    assert heads(monday_first)[0].startswith("Mon") and heads(sunday_first)[0].startswith("Sun")
    month = client.get(f"/me/month?month={c.start.isoformat()[:7]}").get_data(as_text=True)
    assert re.findall(r'<th scope="col">([^<]+)</th>', month)[0].startswith("Sun")


def test_calendar_feed_is_private_regenerable_and_revocable(app, client) -> None:
    c = build_center()
    login(client, "agent", DEMO)
    token = csrf_token(client, "/me/calendar")
    client.post("/me/calendar/regenerate", data={"csrf_token": token})
    user = db.session.scalar(sa.select(User).where(User.username == "agent"))
    db.session.refresh(user)
    first = user.calendar_token
    anonymous = app.test_client()
    resp = anonymous.get(f"/me/calendar/{first}.ics")
    assert resp.status_code == 200 and resp.mimetype == "text/calendar"
    cal = Calendar.from_ical(resp.data)
    events = [e for e in cal.walk("VEVENT")]
    shifts = [e for e in events if str(e["uid"]).startswith("shift-")]
    assert len(shifts) >= 15  # about five a week over the published four weeks
    assert all(e.decoded("dtstart").utcoffset() == timedelta(0) for e in shifts)
    assert str(shifts[0].get("description")).count(":") == 6  # two breaks and lunch, local times
    assert anonymous.get("/me/calendar/not-a-token.ics").status_code == 404
    client.post("/me/calendar/regenerate", data={"csrf_token": token})
    assert anonymous.get(f"/me/calendar/{first}.ics").status_code == 404  # the old address stops working
    client.post("/me/calendar/revoke", data={"csrf_token": token})
    db.session.refresh(user)
    assert user.calendar_token is None


def test_time_off_and_swap_by_form_then_colleague_accepts(app, client) -> None:
    c = build_center()
    me, mate = c.agent("agent"), c.agent("agent004")
    login(client, "agent", DEMO)
    token = csrf_token(client, "/me/requests")
    day = c.start + timedelta(days=14)
    resp = client.post("/me/requests/timeoff", data={"csrf_token": token, "start_date": day.isoformat(),
                                                      "end_date": (day + timedelta(days=2)).isoformat(), "kind": "vacation"})
    assert resp.status_code == 303
    assert db.session.scalar(sa.select(TimeOff).where(TimeOff.agent_id == me.id)).status == "requested"
    bad = client.post("/me/requests/timeoff", data={"csrf_token": token, "start_date": day.isoformat(),
                                                     "end_date": (day - timedelta(days=3)).isoformat(), "kind": "vacation"},
                      follow_redirects=True)
    assert "before the first day" in bad.get_data(as_text=True)
    resp = client.post("/me/requests/swaps", data={"csrf_token": token, "colleague_id": mate.id,
                                                   "requester_day": c.start.isoformat()}, follow_redirects=True)
    assert "offered to your colleague" in resp.get_data(as_text=True)
    swap = db.session.scalar(sa.select(SwapRequest))
    other = app.test_client()
    login(other, "agent004", DEMO)
    other.post(f"/me/requests/swaps/{swap.id}/answer", data={"csrf_token": csrf_token(other, "/me/requests"),
                                                             "action": "accept"})
    db.session.refresh(swap)
    assert swap.status == SwapStatus.ACCEPTED


def test_rule_breaking_swap_is_explained_and_not_saved(app, client) -> None:
    c = build_center()
    login(client, "agent005", DEMO)
    token = csrf_token(client, "/me/requests")
    resp = client.post("/me/requests/swaps", data={"csrf_token": token, "colleague_id": c.agent("agent004").id,
                                                   "requester_day": c.start.isoformat()}, follow_redirects=True)
    assert "minimum rest between shifts" in resp.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SwapRequest)) == 0


def test_preferences_saved_and_given_to_the_roster(app, client) -> None:
    from scheduler.selfservice.queries import preferences_for

    c = build_center()
    me = c.agent("agent")
    login(client, "agent", DEMO)
    token = csrf_token(client, "/me/preferences")
    client.post("/me/preferences", data={"csrf_token": token, "kind": "want", "shift_code": "OFF",
                                         "day": c.start.isoformat(), "weekday": "-1", "weight": "7"})
    client.post("/me/preferences", data={"csrf_token": token, "kind": "avoid", "shift_code": "L",
                                         "weekday": "2", "weight": "4"})
    rows = preferences_for(db.session, [me.id], c.start, c.start + timedelta(days=13))
    assert (me.id, c.start, "OFF", "want", 7) in [(r.agent_id, r.date, r.shift_code, r.kind, r.weight) for r in rows]
    wednesdays = [r.date for r in rows if r.shift_code == "L"]
    assert len(wednesdays) == 2 and all(d.weekday() == 2 for d in wednesdays)


def test_user_without_agent_profile_sees_an_explanation(app, client, login_as) -> None:
    login_as("agent")
    resp = client.get("/me/")
    assert resp.status_code == 200 and "no agent profile" in resp.get_data(as_text=True)
