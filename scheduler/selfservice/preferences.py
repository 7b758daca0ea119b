"""Availability and shift preferences: wishes the next roster solve weighs against
coverage (``queries.preferences_for`` hands them to the planner's solve)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from scheduler.errors import PermissionDenied, ValidationError
from scheduler.models import OFF, Agent, PreferenceKind, ShiftPreference, ShiftTemplate

#: An agent keeps at most this many wishes, so preferences stay wishes, not a roster.
MAX_PER_AGENT = 60


@dataclass(frozen=True)
class PreferenceInput:
    shift_code: str
    kind: str
    weight: int = 5
    day: date | None = None
    weekday: int | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    note: str = ""


def add_preference(session: Session, agent: Agent, p: PreferenceInput, today: date) -> ShiftPreference:
    if p.kind not in tuple(PreferenceKind):
        raise ValidationError("kind must be want or avoid", field="kind")
    if not 1 <= p.weight <= 10:
        raise ValidationError("weight must be between 1 and 10", field="weight")
    codes = set(session.scalars(sa.select(ShiftTemplate.code).where(ShiftTemplate.active)))
    if p.shift_code != OFF and p.shift_code not in codes:
        raise ValidationError("unknown shift", field="shift_code")
    if (p.day is None) == (p.weekday is None):
        raise ValidationError("give either a date or a weekday", field="day")
    if p.day is not None and p.day < today:
        raise ValidationError("the date is in the past", field="day")
    if p.weekday is not None and not 0 <= p.weekday <= 6:
        raise ValidationError("weekday must be 0 (Monday) to 6 (Sunday)", field="weekday")
    if p.valid_from and p.valid_until and p.valid_until < p.valid_from:
        raise ValidationError("the end of validity is before its start", field="valid_until")
    if len(p.note) > 200:
        raise ValidationError("the note is limited to 200 characters", field="note")
    count = session.scalar(sa.select(sa.func.count()).select_from(ShiftPreference)
                           .where(ShiftPreference.agent_id == agent.id)) or 0
    if count >= MAX_PER_AGENT:
        raise ValidationError("at most 60 preferences; delete old ones first", field="day")
    pref = ShiftPreference(agent_id=agent.id, shift_code=p.shift_code, kind=p.kind, weight=p.weight, day=p.day,
                           weekday=p.weekday, valid_from=p.valid_from if p.weekday is not None else None,
                           valid_until=p.valid_until if p.weekday is not None else None, note=p.note.strip() or None)
    session.add(pref)
    session.flush()
    return pref


def delete_preference(session: Session, pref: ShiftPreference, agent: Agent) -> None:
    if pref.agent_id != agent.id:
        raise PermissionDenied("this is not your preference", field="id")
    session.delete(pref)
    session.flush()


def preferences_of(session: Session, agent_id: int) -> list[ShiftPreference]:
    return list(session.scalars(
        sa.select(ShiftPreference).where(ShiftPreference.agent_id == agent_id)
        .order_by(ShiftPreference.day.is_(None), ShiftPreference.day, ShiftPreference.weekday, ShiftPreference.id)
    ))
