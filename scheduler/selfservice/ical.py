"""The private iCalendar feed of an agent's published shifts (RFC 5545, ``icalendar``).

Events are written in UTC, which every calendar client converts to its own zone, so no
VTIMEZONE needs to be right for the feed to be right.  Each shift keeps the same UID
across roster versions (agent + local day), so when a new version moves a shift the
subscribed calendar updates the event instead of showing both; ``SEQUENCE`` is the
roster version number.  Training sessions and meetings inside a shift are separate
events (people plan around them); breaks are listed in the shift's description.

The texts are passed in already translated (``FeedText``): the feed is fetched by a
calendar server with no session, in the agent's saved language.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from icalendar import Calendar, Event

from optimizer import timeutil
from scheduler.selfservice.queries import ShiftView


@dataclass(frozen=True)
class FeedText:
    """%-format strings: ``shift`` gets code and name; ``break_line`` kind, start, end;
    ``session`` kind and label; ``kinds`` maps activity kinds to display names."""

    calendar_name: str = "My shifts"
    shift: str = "Shift %(code)s (%(name)s)"
    break_line: str = "%(kind)s %(start)s-%(end)s"
    session: str = "%(label)s"
    kinds: tuple[tuple[str, str], ...] = ()

    def kind(self, kind: str) -> str:
        return dict(self.kinds).get(kind, kind)


def build_feed(shifts: Iterable[ShiftView], *, agent_id: int, tz: str, now: datetime, text: FeedText = FeedText(),
               domain: str = "wfm.local") -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//Contact Center WFM//My shifts//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", text.calendar_name)
    cal.add("x-wr-timezone", tz)
    # refresh hint for clients that honour it (Outlook, Apple): hourly
    cal.add("x-published-ttl", "PT1H")
    for s in shifts:
        ev = Event()
        ev.add("uid", f"shift-{agent_id}-{s.day.isoformat()}@{domain}")
        ev.add("dtstamp", now)
        ev.add("dtstart", s.start_at)
        ev.add("dtend", s.end_at)
        ev.add("sequence", s.version_number)
        ev.add("summary", text.shift % {"code": s.code, "name": s.name})
        ev.add("transp", "OPAQUE")
        lines = [
            text.break_line % {"kind": text.kind(a.kind), "start": _hhmm(a.start_at, tz), "end": _hhmm(a.end_at, tz)}
            for a in s.activities
        ]
        if lines:
            ev.add("description", "\n".join(lines))
        ev.add("categories", [s.kind])
        cal.add_component(ev)
        for i, a in enumerate(s.sessions):
            sub = Event()
            sub.add("uid", f"activity-{agent_id}-{s.day.isoformat()}-{a.start_at:%H%M}-{i}@{domain}")
            sub.add("dtstamp", now)
            sub.add("dtstart", a.start_at)
            sub.add("dtend", a.end_at)
            sub.add("sequence", s.version_number)
            sub.add("summary", text.session % {"kind": text.kind(a.kind), "label": a.label or text.kind(a.kind)})
            sub.add("categories", [a.kind])
            cal.add_component(sub)
    return cal.to_ical()


def _hhmm(instant: datetime, tz: str) -> str:
    return timeutil.to_local(instant, tz).strftime("%H:%M")
