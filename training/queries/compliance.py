"""Compliance status: for each mandatory course, the share of active agents holding a
valid certification, and who is missing or about to expire."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from scheduler.models import Agent
from training.models import Certification, Course
from training.queries.scope import Scope

#: A certification expiring within this many days counts as "expiring".
EXPIRING_DAYS = 30


@dataclass
class AgentStatus:
    agent: Agent
    #: ``valid``, ``expiring``, ``expired`` or ``missing``.
    status: str
    expires_on: date | None = None


@dataclass
class CourseCompliance:
    course: Course
    agents: int
    valid: int
    expiring: int
    missing: int
    rows: list[AgentStatus] = field(default_factory=list)

    @property
    def share_valid(self) -> float | None:
        return self.valid / self.agents if self.agents else None

    @property
    def missing_rows(self) -> list[AgentStatus]:
        return [r for r in self.rows if r.status in ("missing", "expired")]

    @property
    def expiring_rows(self) -> list[AgentStatus]:
        return [r for r in self.rows if r.status == "expiring"]


def _status(cert: Certification | None, today: date) -> tuple[str, date | None]:
    if cert is None:
        return "missing", None
    if not cert.valid_on(today):
        return "expired", cert.expires_on
    if cert.expires_on is not None and cert.expires_on <= today + timedelta(days=EXPIRING_DAYS):
        return "expiring", cert.expires_on
    return "valid", cert.expires_on


def best_certifications(session: Session, agent_ids: list[int], course_ids: list[int]) -> dict[tuple[int, int], Certification]:
    """Per agent and course, the unrevoked certification lasting longest."""
    out: dict[tuple[int, int], Certification] = {}
    if not agent_ids or not course_ids:
        return out
    for c in session.scalars(sa.select(Certification).where(
            Certification.agent_id.in_(agent_ids), Certification.course_id.in_(course_ids),
            Certification.revoked_at.is_(None))):
        key = (c.agent_id, c.course_id)
        cur = out.get(key)
        if cur is None or (cur.expires_on is not None and (c.expires_on is None or c.expires_on > cur.expires_on)):
            out[key] = c
    return out


def compliance_status(session: Session, scope: Scope, today: date, course_id: int | None = None) -> list[CourseCompliance]:
    cq = sa.select(Course).where(Course.mandatory, Course.active).order_by(Course.code)
    if course_id is not None:
        cq = cq.where(Course.id == course_id)
    courses = list(session.scalars(cq))
    agents = list(session.scalars(scope.filter_agents(
        sa.select(Agent).where(Agent.active).options(joinedload(Agent.user), joinedload(Agent.team)).order_by(Agent.employee_no))).unique())
    certs = best_certifications(session, [a.id for a in agents], [c.id for c in courses])
    out = []
    for course in courses:
        rows = []
        for a in agents:
            status, exp = _status(certs.get((a.id, course.id)), today)
            rows.append(AgentStatus(a, status, exp))
        valid = sum(1 for r in rows if r.status in ("valid", "expiring"))
        out.append(CourseCompliance(course, len(rows), valid, sum(1 for r in rows if r.status == "expiring"),
                                    len(rows) - valid, rows))
    return out
