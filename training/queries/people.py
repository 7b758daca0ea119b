"""Looking agents up the way trainers name them: employee numbers and teams."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
import re

import sqlalchemy as sa
from sqlalchemy.orm import Session

from scheduler.errors import ValidationError
from scheduler.models import Agent, Queue, Team


def agent_ids_from_employee_numbers(session: Session, text: str, field: str = "employees") -> list[int]:
    numbers = [n for n in re.split(r"[\s,;]+", text or "") if n][:500]
    if not numbers:
        return []
    found = dict(session.execute(sa.select(Agent.employee_no, Agent.id).where(Agent.employee_no.in_(numbers), Agent.active)).all())
    unknown = [n for n in numbers if n not in found]
    if unknown:
        raise ValidationError(_l("unknown employee number(s): %(numbers)s", numbers=", ".join(u[:20] for u in unknown[:5])), field=field)
    return [found[n] for n in dict.fromkeys(numbers)]


def team_agent_ids(session: Session, team_id: int) -> list[int]:
    return list(session.scalars(sa.select(Agent.id).where(Agent.team_id == team_id, Agent.active).order_by(Agent.id)))


def team_choices(session: Session) -> list[tuple[int, str]]:
    return [(t.id, t.name) for t in session.scalars(sa.select(Team).order_by(Team.name))]


def queue_choices(session: Session) -> list[tuple[int, str]]:
    return [(q.id, f"{q.code} · {q.name}") for q in session.scalars(sa.select(Queue).order_by(Queue.code))]
