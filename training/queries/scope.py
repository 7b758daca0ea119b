"""Who may see whose training data: HR and trainers all, supervisors their team, agents
themselves.  Views build a Scope from the user; every query filters with it."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from scheduler.models import Agent, User


@dataclass(frozen=True)
class Scope:
    #: None = every team.
    team_id: int | None = None
    #: Set = only this agent.
    agent_id: int | None = None
    #: A supervisor without an agent record of their own sees nothing.
    nothing: bool = False

    def filter_agents(self, query: sa.Select) -> sa.Select:
        if self.nothing:
            return query.where(sa.false())
        if self.agent_id is not None:
            query = query.where(Agent.id == self.agent_id)
        if self.team_id is not None:
            query = query.where(Agent.team_id == self.team_id)
        return query


def scope_for(session: Session, user: User) -> Scope:
    if user.has_role("hr", "trainer", "admin"):
        return Scope()
    agent = session.scalar(sa.select(Agent).where(Agent.user_id == user.id))
    if user.has_role("supervisor"):
        return Scope(team_id=agent.team_id) if agent is not None else Scope(nothing=True)
    return Scope(agent_id=agent.id) if agent is not None else Scope(nothing=True)


def agent_of(session: Session, user_id: int) -> Agent | None:
    return session.scalar(sa.select(Agent).where(Agent.user_id == user_id))
