"""Read-only figures for the home pages."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from scheduler.models import Agent, Queue, Roster, RosterVersion, Shift, Team, User, VersionStatus


def counts(session: Session) -> dict[str, int]:
    return {
        "agents": session.scalar(sa.select(sa.func.count()).select_from(Agent).where(Agent.active)) or 0,
        "teams": session.scalar(sa.select(sa.func.count()).select_from(Team)) or 0,
        "queues": session.scalar(sa.select(sa.func.count()).select_from(Queue)) or 0,
        "rosters": session.scalar(sa.select(sa.func.count()).select_from(Roster)) or 0,
        "users": session.scalar(sa.select(sa.func.count()).select_from(User)) or 0,
    }


def latest_published_version_ids(session: Session) -> list[int]:
    """The newest published version of every roster: what agents have been told."""
    sub = (
        sa.select(RosterVersion.roster_id, sa.func.max(RosterVersion.number).label("n"))
        .where(RosterVersion.status == VersionStatus.PUBLISHED)
        .group_by(RosterVersion.roster_id)
        .subquery()
    )
    rows = session.execute(
        sa.select(RosterVersion.id).join(
            sub, sa.and_(RosterVersion.roster_id == sub.c.roster_id, RosterVersion.number == sub.c.n)
        )
    ).all()
    return [r[0] for r in rows]


def published_shifts_for_user(session: Session, user_id: int, start: datetime, end: datetime) -> list[Shift]:
    version_ids = latest_published_version_ids(session)
    if not version_ids:
        return []
    return list(
        session.scalars(
            sa.select(Shift)
            .join(Agent, Shift.agent_id == Agent.id)
            .where(Agent.user_id == user_id, Shift.version_id.in_(version_ids),
                   Shift.end_at > start, Shift.start_at < end)
            .options(selectinload(Shift.activities))
            .order_by(Shift.start_at)
        ).all()
    )
