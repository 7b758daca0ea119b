"""The supervisors' duty board and handover log.

The board answers, from the published roster: who is on shift now and in the next hours
for each queue (an agent counts for every queue they are skilled for), who is on a break
or in training right now, and which supervisor is on duty.  The handover log carries what
the outgoing shift knows to the incoming one; the incoming supervisor acknowledges it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from scheduler.errors import Conflict, PermissionDenied, ValidationError
from scheduler.models import Agent, AgentSkill, HandoverNote, Queue, Team, User
from scheduler.selfservice.queries import ShiftView, shifts_in_window

#: How far ahead the board looks.
LOOKAHEAD_HOURS = 8


@dataclass(frozen=True)
class BoardEntry:
    agent_id: int
    name: str
    team: str
    code: str
    start_at: datetime
    end_at: datetime
    is_supervisor: bool
    #: on_phone / break / activity (training, meeting) / upcoming
    status: str
    #: When the current break or activity ends (None otherwise).
    until: datetime | None = None
    activity: str | None = None


@dataclass
class QueueBoard:
    code: str
    name: str
    color: str
    on_phone: list[BoardEntry] = field(default_factory=list)
    away: list[BoardEntry] = field(default_factory=list)
    upcoming: list[BoardEntry] = field(default_factory=list)
    #: Agents on shift (any status) at the start of each of the next hours.
    hourly: list[int] = field(default_factory=list)


@dataclass
class DutyBoard:
    now: datetime
    until: datetime
    hours: list[datetime]
    queues: list[QueueBoard]
    supervisors_on_duty: list[BoardEntry]
    next_supervisor: BoardEntry | None
    on_break: list[BoardEntry]


def _status(s: ShiftView, now: datetime) -> tuple[str, datetime | None, str | None]:
    if s.start_at > now:
        return "upcoming", None, None
    for a in s.activities:
        if a.start_at <= now < a.end_at:
            return ("break" if a.kind in ("break", "lunch") else "activity"), a.end_at, a.label or a.kind
    return "on_phone", None, None


def duty_board(session: Session, now: datetime, hours: int = LOOKAHEAD_HOURS) -> DutyBoard:
    until = now + timedelta(hours=hours)
    shifts = shifts_in_window(session, now, until)
    ids = {s.agent_id for s in shifts}
    people: dict[int, tuple[str, str, bool]] = {}
    skills: dict[int, list[int]] = {}
    if ids:
        for aid, name, team, sup in session.execute(
            sa.select(Agent.id, User.display_name, Team.name, Agent.is_supervisor)
            .join(User, Agent.user_id == User.id).join(Team, Agent.team_id == Team.id).where(Agent.id.in_(ids))
        ):
            people[aid] = (name, team, sup)
        for aid, qid in session.execute(sa.select(AgentSkill.agent_id, AgentSkill.queue_id)
                                        .where(AgentSkill.agent_id.in_(ids))):
            skills.setdefault(aid, []).append(qid)
    queues = list(session.scalars(sa.select(Queue).order_by(Queue.code)))
    boards = {q.id: QueueBoard(q.code, q.name, q.color) for q in queues}
    hour_marks = [now + timedelta(hours=h) for h in range(hours)]
    for b in boards.values():
        b.hourly = [0] * hours
    entries: list[BoardEntry] = []
    for s in shifts:
        name, team, sup = people.get(s.agent_id, ("?", "?", False))
        status, until_, activity = _status(s, now)
        e = BoardEntry(s.agent_id, name, team, s.code, s.start_at, s.end_at, sup, status, until_, activity)
        entries.append(e)
        for qid in skills.get(s.agent_id, []):
            b = boards[qid]
            {"on_phone": b.on_phone, "upcoming": b.upcoming}.get(status, b.away).append(e)
            for i, t in enumerate(hour_marks):
                if s.start_at <= t < s.end_at:
                    b.hourly[i] += 1
    for b in boards.values():
        b.on_phone.sort(key=lambda e: (e.end_at, e.name))
        b.away.sort(key=lambda e: (e.until or e.end_at, e.name))
        b.upcoming.sort(key=lambda e: (e.start_at, e.name))
    sups = [e for e in entries if e.is_supervisor]
    on_duty = sorted((e for e in sups if e.status == "on_phone"), key=lambda e: e.end_at)
    upcoming = sorted((e for e in sups if e.status == "upcoming"), key=lambda e: e.start_at)
    on_break = sorted((e for e in entries if e.status == "break"), key=lambda e: (e.until or e.end_at, e.name))
    return DutyBoard(now, until, hour_marks, [boards[q.id] for q in queues], on_duty,
                     upcoming[0] if upcoming else None, on_break)


# -- handover log ----------------------------------------------------------------------

@dataclass(frozen=True)
class HandoverInput:
    what_happened: str
    open_issues: str = ""
    escalations: str = ""


MAX_TEXT = 5000


def write_handover(session: Session, site_id: int, author: User, note: HandoverInput) -> HandoverNote:
    if not note.what_happened.strip():
        raise ValidationError("say what happened during the shift", field="what_happened")
    for name in ("what_happened", "open_issues", "escalations"):
        if len(getattr(note, name)) > MAX_TEXT:
            raise ValidationError("this text is limited to 5000 characters", field=name)
    item = HandoverNote(site_id=site_id, author_id=author.id, what_happened=note.what_happened.strip(),
                        open_issues=note.open_issues.strip(), escalations=note.escalations.strip())
    session.add(item)
    session.flush()
    return item


def acknowledge_handover(session: Session, item: HandoverNote, user: User, now: datetime) -> None:
    """The incoming supervisor confirms they read it; the author cannot acknowledge their own."""
    if item.author_id == user.id:
        raise PermissionDenied("the next shift acknowledges a handover, not its author", field="id")
    if item.acknowledged_at is not None:
        raise Conflict("this handover is already acknowledged", field="id")
    item.acknowledged_by_id = user.id
    item.acknowledged_at = now
    session.flush()


def handover_log(session: Session, site_id: int, limit: int = 20) -> list[HandoverNote]:
    """Unacknowledged handovers first (oldest first: read them in order), then the latest."""
    open_items = list(session.scalars(
        sa.select(HandoverNote).where(HandoverNote.site_id == site_id, HandoverNote.acknowledged_at.is_(None))
        .order_by(HandoverNote.created_at)
    ))
    done = list(session.scalars(
        sa.select(HandoverNote).where(HandoverNote.site_id == site_id, HandoverNote.acknowledged_at.is_not(None))
        .order_by(HandoverNote.created_at.desc()).limit(limit)
    ))
    return open_items + done
