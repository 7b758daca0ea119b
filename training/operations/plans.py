"""Training plans and assignments to an audience (cohort, team, skill, individuals)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from scheduler.errors import NotFound, ValidationError
from scheduler.models import Agent, AgentSkill, Queue, Team
from training.models import Assignment, Audience, Course, PlanItem, TrainingPlan
from training.operations.notify import notify


@dataclass(frozen=True)
class AudienceSpec:
    """Who is assigned.  ``cohort``: agents hired between ``hired_from`` and
    ``hired_to`` (a new-hire class); ``team``: ``team_id``; ``skill``: everyone with the
    queue ``queue_id``; ``individual``: ``agent_ids``."""

    kind: str
    team_id: int | None = None
    queue_id: int | None = None
    hired_from: date | None = None
    hired_to: date | None = None
    agent_ids: tuple[int, ...] = field(default_factory=tuple)


def resolve_audience(session: Session, spec: AudienceSpec) -> tuple[list[Agent], str]:
    """Active agents in the audience and a label saying how they were chosen."""
    q = sa.select(Agent).where(Agent.active).order_by(Agent.id)
    if spec.kind == Audience.TEAM:
        team = session.get(Team, spec.team_id) if spec.team_id else None
        if team is None:
            raise ValidationError("choose a team", field="team")
        return list(session.scalars(q.where(Agent.team_id == team.id))), f"team:{team.name}"
    if spec.kind == Audience.SKILL:
        queue = session.get(Queue, spec.queue_id) if spec.queue_id else None
        if queue is None:
            raise ValidationError("choose a skill", field="queue")
        sub = sa.select(AgentSkill.agent_id).where(AgentSkill.queue_id == queue.id)
        return list(session.scalars(q.where(Agent.id.in_(sub)))), f"skill:{queue.code}"
    if spec.kind == Audience.COHORT:
        if spec.hired_from is None or spec.hired_to is None or spec.hired_to < spec.hired_from:
            raise ValidationError("give the cohort's first and last hire dates", field="hired_from")
        agents = list(session.scalars(q.where(Agent.hire_date >= spec.hired_from, Agent.hire_date <= spec.hired_to)))
        return agents, f"cohort:{spec.hired_from.isoformat()}..{spec.hired_to.isoformat()}"
    if spec.kind == Audience.INDIVIDUAL:
        if not spec.agent_ids:
            raise ValidationError("choose at least one agent", field="agents")
        agents = list(session.scalars(q.where(Agent.id.in_(spec.agent_ids))))
        if len(agents) != len(set(spec.agent_ids)):
            raise ValidationError("unknown or inactive agent", field="agents")
        return agents, "individual"
    raise ValidationError("unknown audience", field="audience")


def create_plan(session: Session, name: str, description: str, audience: str, user_id: int | None) -> TrainingPlan:
    if not name.strip() or len(name) > 200:
        raise ValidationError("a name of 1 to 200 characters is required", field="name")
    if audience not in set(Audience):
        raise ValidationError("unknown audience", field="audience")
    plan = TrainingPlan(name=name.strip(), description=description.strip(), audience=audience, created_by_id=user_id)
    session.add(plan)
    session.flush()
    return plan


def add_plan_item(session: Session, plan_id: int, course_id: int, offset_days: int, target_date: date | None = None) -> PlanItem:
    plan = session.get(TrainingPlan, plan_id)
    if plan is None:
        raise NotFound("plan not found", field="plan")
    if session.get(Course, course_id) is None:
        raise ValidationError("choose a course", field="course")
    if not 0 <= offset_days <= 730:
        raise ValidationError("offset must be 0 to 730 days", field="offset_days")
    if any(i.course_id == course_id for i in plan.items):
        raise ValidationError("the course is already in the plan", field="course")
    item = PlanItem(plan_id=plan.id, course_id=course_id, offset_days=offset_days, target_date=target_date,
                    position=max((i.position for i in plan.items), default=-1) + 1)
    session.add(item)
    session.flush()
    session.refresh(plan)
    return item


def remove_plan_item(session: Session, item_id: int) -> None:
    item = session.get(PlanItem, item_id)
    if item is None:
        raise NotFound("plan item not found", field="item")
    session.delete(item)
    session.flush()


@dataclass(frozen=True)
class AssignOutcome:
    created: int
    skipped: int
    agents: int


def _open_assignments(session: Session, agent_ids: list[int], course_ids: list[int]) -> set[tuple[int, int]]:
    rows = session.execute(
        sa.select(Assignment.agent_id, Assignment.course_id).where(
            Assignment.agent_id.in_(agent_ids), Assignment.course_id.in_(course_ids), Assignment.completed_at.is_(None))
    ).all()
    return {(a, c) for a, c in rows}


def _assign(session: Session, agents: list[Agent], label: str, items: list[tuple[Course, date, int]],
            plan_id: int | None, user_id: int | None) -> AssignOutcome:
    """One assignment per agent and course, unless an open one exists already (the agent
    is not asked twice to do the same thing; the earlier due date stands)."""
    if not agents:
        raise ValidationError("the audience has no active agents", field="audience")
    existing = _open_assignments(session, [a.id for a in agents], [c.id for c, _, _ in items])
    created = skipped = 0
    for agent in agents:
        new_dues = []
        for course, due, position in items:
            if (agent.id, course.id) in existing:
                skipped += 1
                continue
            session.add(Assignment(agent_id=agent.id, course_id=course.id, plan_id=plan_id, position=position,
                                   audience_label=label[:120], due_date=due, assigned_by_id=user_id))
            new_dues.append(due)
        created += len(new_dues)
        if new_dues:
            notify(session, [agent.user_id], "training_assigned",
                   {"count": len(new_dues), "due": min(new_dues).isoformat()}, "/me/training")
    session.flush()
    return AssignOutcome(created, skipped, len(agents))


def assign_plan(session: Session, plan_id: int, audience: AudienceSpec, start: date, user_id: int | None) -> AssignOutcome:
    plan = session.get(TrainingPlan, plan_id)
    if plan is None:
        raise NotFound("plan not found", field="plan")
    if not plan.items:
        raise ValidationError("the plan has no courses yet", field="plan")
    agents, label = resolve_audience(session, audience)
    items = [(i.course, i.target_date or start + timedelta(days=i.offset_days), i.position) for i in plan.items]
    return _assign(session, agents, label, items, plan.id, user_id)


def assign_course(session: Session, course_id: int, audience: AudienceSpec, due: date, user_id: int | None,
                  today: date | None = None) -> AssignOutcome:
    course = session.get(Course, course_id)
    if course is None:
        raise NotFound("course not found", field="course")
    if today is not None and due < today:
        raise ValidationError("the due date is in the past", field="due_date")
    agents, label = resolve_audience(session, audience)
    return _assign(session, agents, label, [(course, due, 0)], None, user_id)


def complete_assignments(session: Session, agent_id: int, course_id: int, when: datetime) -> int:
    """Mark the agent's open assignments of the course as done (on passing)."""
    rows = session.scalars(sa.select(Assignment).where(
        Assignment.agent_id == agent_id, Assignment.course_id == course_id, Assignment.completed_at.is_(None))).all()
    for a in rows:
        a.completed_at = when
    return len(rows)
