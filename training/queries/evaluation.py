"""Evaluation reads: reaction surveys per course (level 1) and before/after quality
figures per course (levels 3-4)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from statistics import mean

import sqlalchemy as sa
from sqlalchemy.orm import Session

from scheduler.models import Agent
from training.models import Attempt, QualityFigure, SurveyResponse, TrainingSession
from training.pure.evaluation import BeforeAfter, before_after
from training.queries.scope import Scope


@dataclass
class SurveySummary:
    responses: int
    satisfaction: float | None
    relevance: float | None
    trainer_rating: float | None
    comments: list[str]


def survey_summary(session: Session, scope: Scope, course_id: int) -> SurveySummary:
    q = (sa.select(SurveyResponse).join(TrainingSession, TrainingSession.id == SurveyResponse.session_id)
         .join(Agent, Agent.id == SurveyResponse.agent_id).where(TrainingSession.course_id == course_id))
    rows = list(session.scalars(scope.filter_agents(q)))
    if not rows:
        return SurveySummary(0, None, None, None, [])
    return SurveySummary(len(rows), mean(r.satisfaction for r in rows), mean(r.relevance for r in rows),
                         mean(r.trainer_rating for r in rows), [r.comment for r in rows if r.comment][:20])


def course_before_after(session: Session, scope: Scope, course_id: int, weeks: int = 8) -> list[BeforeAfter]:
    """Completion day = the day of the agent's first passed attempt in the course."""
    q = (sa.select(Attempt.agent_id, sa.func.min(Attempt.submitted_at)).join(Agent, Agent.id == Attempt.agent_id)
         .where(Attempt.course_id == course_id, Attempt.passed.is_(True)).group_by(Attempt.agent_id))
    completions: dict[int, date] = {a: t.date() for a, t in session.execute(scope.filter_agents(q)).all() if t}
    weekly: dict[int, dict[date, dict[str, float | None]]] = defaultdict(dict)
    if completions:
        for f in session.scalars(sa.select(QualityFigure).where(QualityFigure.agent_id.in_(list(completions)))):
            weekly[f.agent_id][f.week_start] = {"qa_score": f.qa_score, "csat": f.csat, "fcr": f.fcr}
    return before_after(completions, weekly, weeks)
