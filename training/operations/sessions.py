"""Scheduling sessions, enrolling agents, and writing the session into their shifts."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from scheduler import audit
from scheduler.errors import Conflict, NotFound, ValidationError
from scheduler.models import ActivityKind, Agent, Roster, RosterVersion, Shift, ShiftActivity, VersionStatus
from scheduler.overview import latest_published_version_ids
from training.models import Course, Delivery, Enrolment, SessionStatus, TrainingSession
from training.operations.notify import notify


@dataclass(frozen=True)
class SessionData:
    course_id: int
    start_at: datetime
    end_at: datetime
    capacity: int = 12
    delivery: str = Delivery.CLASSROOM
    location: str = ""
    trainer_id: int | None = None


def create_session(session: Session, data: SessionData, placement: dict | None = None) -> TrainingSession:
    course = session.get(Course, data.course_id)
    if course is None:
        raise NotFound("course not found", field="course")
    if data.end_at <= data.start_at:
        raise ValidationError("the session must end after it starts", field="end")
    if not 1 <= data.capacity <= 200:
        raise ValidationError("capacity must be between 1 and 200", field="capacity")
    if data.delivery not in (Delivery.CLASSROOM, Delivery.VIRTUAL):
        raise ValidationError("sessions are classroom or virtual", field="delivery")
    ts = TrainingSession(course_id=course.id, start_at=data.start_at, end_at=data.end_at, capacity=data.capacity,
                         delivery=data.delivery, location=data.location.strip()[:120], trainer_id=data.trainer_id,
                         placement=placement)
    session.add(ts)
    session.flush()
    return ts


def _shifts_covering(session: Session, agent_id: int, start: datetime, end: datetime) -> list[Shift]:
    """The agent's shifts holding the session: in the latest published version (what the
    agent sees) and in the roster's open draft, so a later publication keeps the block."""
    published = latest_published_version_ids(session)
    drafts = session.scalars(sa.select(RosterVersion.id).join(Roster).where(
        RosterVersion.status == VersionStatus.DRAFT)).all()
    ids = list(published) + list(drafts)
    if not ids:
        return []
    return list(session.scalars(sa.select(Shift).where(
        Shift.agent_id == agent_id, Shift.version_id.in_(ids), Shift.start_at <= start, Shift.end_at >= end)))


@dataclass(frozen=True)
class EnrolOutcome:
    enrolled: list[int]
    without_shift: list[int]


def enrol(session: Session, session_id: int, agent_ids: list[int]) -> EnrolOutcome:
    """Enrol agents (capacity checked) and place a ``training`` activity in their shifts.

    An agent with no shift holding the whole session is still enrolled (training on a
    day off is a contract question, not a software one) and reported back, so the
    trainer can talk to the planner."""
    ts = session.get(TrainingSession, session_id)
    if ts is None:
        raise NotFound("session not found", field="session")
    if ts.status != SessionStatus.PLANNED:
        raise Conflict("the session is cancelled", field="session")
    already = {e.agent_id for e in ts.enrolments}
    new_ids = [i for i in dict.fromkeys(agent_ids) if i not in already]
    if len(already) + len(new_ids) > ts.capacity:
        raise ValidationError(_l("the session has room for %(n)s more", n=ts.capacity - len(already)), field="agents")
    agents = list(session.scalars(sa.select(Agent).where(Agent.id.in_(new_ids), Agent.active)))
    if len(agents) != len(new_ids):
        raise ValidationError("unknown or inactive agent", field="agents")
    without: list[int] = []
    for agent in agents:
        session.add(Enrolment(session_id=ts.id, agent_id=agent.id))
        shifts = _shifts_covering(session, agent.id, ts.start_at, ts.end_at)
        if not shifts:
            without.append(agent.id)
        for sh in shifts:
            clash = [a for a in sh.activities if a.start_at < ts.end_at and a.end_at > ts.start_at]
            if clash:
                raise Conflict(_l("%(name)s already has an activity at that time", name=agent.user.display_name), field="agents")
            sh.activities.append(ShiftActivity(kind=ActivityKind.TRAINING, start_at=ts.start_at, end_at=ts.end_at,
                                               label=ts.course.title[:120], ref_id=ts.id))
        notify(session, [agent.user_id], "session_enrolled",
               {"course": ts.course.title, "start": ts.start_at.isoformat()}, "/me/training")
    session.flush()
    return EnrolOutcome([a.id for a in agents], without)


def _remove_activities(session: Session, session_id: int, agent_id: int | None = None) -> int:
    q = sa.select(ShiftActivity).where(ShiftActivity.kind == ActivityKind.TRAINING, ShiftActivity.ref_id == session_id)
    if agent_id is not None:
        q = q.join(Shift).where(Shift.agent_id == agent_id)
    acts = session.scalars(q).all()
    for a in acts:
        session.delete(a)
    return len(acts)


def unenrol(session: Session, session_id: int, agent_id: int) -> None:
    e = session.scalar(sa.select(Enrolment).where(Enrolment.session_id == session_id, Enrolment.agent_id == agent_id))
    if e is None:
        raise NotFound("enrolment not found", field="agent")
    _remove_activities(session, session_id, agent_id)
    session.delete(e)
    session.flush()


def cancel_session(session: Session, session_id: int, reason: str) -> TrainingSession:
    ts = session.get(TrainingSession, session_id)
    if ts is None:
        raise NotFound("session not found", field="session")
    if ts.status == SessionStatus.CANCELLED:
        raise Conflict("the session is already cancelled", field="session")
    ts.status = SessionStatus.CANCELLED
    _remove_activities(session, ts.id)
    notify(session, [e.agent.user_id for e in ts.enrolments], "session_cancelled",
           {"course": ts.course.title, "start": ts.start_at.isoformat()}, "/me/training")
    audit.record(session, "session_cancel", "training_sessions", ts.id, reason=reason or None)
    session.flush()
    return ts


def record_attendance(session: Session, session_id: int, attended: dict[int, bool]) -> None:
    ts = session.get(TrainingSession, session_id)
    if ts is None:
        raise NotFound("session not found", field="session")
    for e in ts.enrolments:
        if e.agent_id in attended:
            e.attended = attended[e.agent_id]
    session.flush()
