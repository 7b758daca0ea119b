"""Who may act on whose requests: a supervisor decides for their own team only.

Checked here, in the domain, so that the pages and the API refuse the same things (the
permission decorator only says *whether* a role may approve, not *whose* requests).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from scheduler.errors import PermissionDenied
from scheduler.models import Agent, User


def supervised_team_id(session: Session, user: User) -> int | None:
    """The team a supervisor user leads (their own agent profile's team), else None."""
    row = session.execute(
        sa.select(Agent.team_id, Agent.is_supervisor).where(Agent.user_id == user.id)
    ).first()
    if row is None or not row.is_supervisor or not user.has_role("supervisor"):
        return None
    return row.team_id


def ensure_supervises(session: Session, user: User, agent: Agent) -> None:
    """Raise PermissionDenied unless ``user`` supervises ``agent``'s team (and is not ``agent``)."""
    team = supervised_team_id(session, user)
    if team is None or agent.team_id != team:
        raise PermissionDenied("you can only decide requests of your own team", field="team")
    if agent.user_id == user.id:
        raise PermissionDenied("you cannot decide your own request", field="agent")


def team_supervisor_user_ids(session: Session, team_id: int) -> list[int]:
    return list(session.scalars(
        sa.select(Agent.user_id).where(Agent.team_id == team_id, Agent.is_supervisor, Agent.active)
    ))
