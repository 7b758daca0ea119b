"""An agent's own training: assignments (by plan) with progress, sessions, attempts,
certifications."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from training.models import (
    Assignment, Attempt, AttemptStatus, Certification, Enrolment, SessionStatus, SurveyResponse, TrainingSession,
)
from training.operations.assessments import attempts_used


@dataclass
class AssignmentView:
    assignment: Assignment
    #: ``done``, ``overdue``, ``due`` (open, in time)
    status: str
    attempts_used: int
    attempts_left: int
    open_attempt: Attempt | None
    best_score: float | None
    waiting_for_grading: bool


@dataclass
class PlanGroup:
    name: str
    items: list[AssignmentView] = field(default_factory=list)

    @property
    def done(self) -> int:
        return sum(1 for i in self.items if i.status == "done")

    @property
    def share_done(self) -> float:
        return self.done / len(self.items) if self.items else 0.0


@dataclass
class MyTraining:
    groups: list[PlanGroup]
    sessions: list[TrainingSession]
    surveyable: set[int]
    certifications: list[Certification]
    attempts: list[Attempt]


def my_training(session: Session, agent_id: int, today: date, now: datetime) -> MyTraining:
    assignments = list(session.scalars(
        sa.select(Assignment).where(Assignment.agent_id == agent_id)
        .options(joinedload(Assignment.course), joinedload(Assignment.plan))
        .order_by(Assignment.plan_id.is_(None), Assignment.plan_id, Assignment.position, Assignment.due_date)).unique())
    attempts = list(session.scalars(sa.select(Attempt).where(Attempt.agent_id == agent_id)
                                    .options(joinedload(Attempt.course)).order_by(Attempt.started_at.desc())).unique())
    by_course: dict[int, list[Attempt]] = {}
    for a in attempts:
        by_course.setdefault(a.course_id, []).append(a)
    groups: dict[object, PlanGroup] = {}
    for asg in assignments:
        key = asg.plan_id or 0
        if key not in groups:
            groups[key] = PlanGroup(asg.plan.name if asg.plan else "")
        atts = by_course.get(asg.course_id, [])
        used = attempts_used(session, agent_id, asg.course_id)
        status = "done" if asg.completed_at else ("overdue" if asg.due_date < today else "due")
        scores = [a.score for a in atts if a.score is not None]
        groups[key].items.append(AssignmentView(
            asg, status, used, max(0, asg.course.max_attempts - used),
            next((a for a in atts if a.status == AttemptStatus.IN_PROGRESS), None),
            max(scores) if scores else None, any(a.status == AttemptStatus.SUBMITTED for a in atts)))
    sessions = list(session.scalars(
        sa.select(TrainingSession).join(Enrolment).where(Enrolment.agent_id == agent_id,
                                                         TrainingSession.status == SessionStatus.PLANNED)
        .order_by(TrainingSession.start_at)).unique())
    answered = set(session.scalars(sa.select(SurveyResponse.session_id).where(SurveyResponse.agent_id == agent_id)))
    surveyable = {s.id for s in sessions if s.start_at <= now and s.id not in answered}
    certs = list(session.scalars(sa.select(Certification).where(Certification.agent_id == agent_id)
                                 .options(joinedload(Certification.course)).order_by(Certification.granted_at.desc())).unique())
    return MyTraining(list(groups.values()), sessions, surveyable, certs, attempts)
