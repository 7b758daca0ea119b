"""Results per course, team and agent; score distribution; item analysis."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from statistics import mean, median

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, lazyload, selectinload

from scheduler.models import Agent, Team
from training.models import Assignment, Attempt, AttemptStatus, Course
from training.pure.item_analysis import ItemStats, item_statistics, score_histogram
from training.queries.scope import Scope


@dataclass
class ResultRow:
    """Aggregates of graded attempts for one course, team or agent."""

    key: str
    label: str
    agents: int = 0
    attempts: int = 0
    passed_agents: int = 0
    mean_score: float | None = None
    pass_rate: float | None = None
    #: Median minutes from start to submission of an attempt.
    median_minutes: float | None = None
    #: Mean days from assignment to completion.
    mean_days_to_complete: float | None = None
    course_id: int | None = None
    team_id: int | None = None
    agent_id: int | None = None


def graded_attempts(session: Session, scope: Scope, course_id: int | None = None, *, with_answers: bool = False) -> list[Attempt]:
    """Graded attempts in scope; answers only when asked (item analysis), since loading
    them for every attempt of a year multiplies the rows read."""
    q = (sa.select(Attempt).join(Agent, Agent.id == Attempt.agent_id)
         .where(Attempt.status == AttemptStatus.GRADED)
         .options(joinedload(Attempt.agent).joinedload(Agent.user), joinedload(Attempt.agent).joinedload(Agent.team),
                  joinedload(Attempt.course),
                  selectinload(Attempt.answers).lazyload("*") if with_answers else lazyload(Attempt.answers))
         .order_by(Attempt.submitted_at))
    if course_id is not None:
        q = q.where(Attempt.course_id == course_id)
    return list(session.scalars(scope.filter_agents(q)).unique())


def _aggregate(key: str, label: str, attempts: list[Attempt], days: list[float]) -> ResultRow:
    row = ResultRow(key, label)
    row.attempts = len(attempts)
    agents = {a.agent_id for a in attempts}
    row.agents = len(agents)
    row.passed_agents = len({a.agent_id for a in attempts if a.passed})
    scores = [a.score for a in attempts if a.score is not None]
    row.mean_score = mean(scores) if scores else None
    row.pass_rate = row.passed_agents / row.agents if row.agents else None
    minutes = [(a.submitted_at - a.started_at).total_seconds() / 60 for a in attempts if a.submitted_at]
    row.median_minutes = median(minutes) if minutes else None
    row.mean_days_to_complete = mean(days) if days else None
    return row


def _completion_days(session: Session, scope: Scope) -> dict[tuple[int, int], float]:
    q = (sa.select(Assignment.agent_id, Assignment.course_id, Assignment.assigned_at, Assignment.completed_at)
         .join(Agent, Agent.id == Assignment.agent_id).where(Assignment.completed_at.is_not(None)))
    out: dict[tuple[int, int], float] = {}
    for agent_id, course_id, a, c in session.execute(scope.filter_agents(q)).all():
        out[(agent_id, course_id)] = max(0.0, (c - a).total_seconds() / 86400)
    return out


def results_by(session: Session, scope: Scope, by: str, course_id: int | None = None) -> list[ResultRow]:
    """``by``: ``course``, ``team`` or ``agent``."""
    attempts = graded_attempts(session, scope, course_id)
    days = _completion_days(session, scope)
    groups: dict[object, list[Attempt]] = defaultdict(list)
    labels: dict[object, str] = {}
    for a in attempts:
        if by == "course":
            k, lab = a.course_id, f"{a.course.code} · {a.course.title}"
        elif by == "team":
            k, lab = a.agent.team_id, a.agent.team.name
        else:
            k, lab = a.agent_id, f"{a.agent.user.display_name} ({a.agent.employee_no})"
        groups[k].append(a)
        labels[k] = lab
    rows = []
    for k, atts in groups.items():
        pairs = {(a.agent_id, a.course_id) for a in atts}
        row = _aggregate(str(k), labels[k], atts, [days[p] for p in pairs if p in days])
        if by == "course":
            row.course_id = int(k)  # type: ignore[arg-type]
        elif by == "team":
            row.team_id = int(k)  # type: ignore[arg-type]
        else:
            row.agent_id = int(k)  # type: ignore[arg-type]
        rows.append(row)
    return sorted(rows, key=lambda r: r.label)


def score_distribution(session: Session, scope: Scope, course_id: int, bins: int = 10) -> list[int]:
    """Histogram of each agent's best score in the course."""
    best: dict[int, float] = {}
    for a in graded_attempts(session, scope, course_id):
        if a.score is not None:
            best[a.agent_id] = max(best.get(a.agent_id, 0.0), a.score)
    return score_histogram(list(best.values()), bins)


@dataclass
class ItemRow:
    stats: ItemStats
    text: str
    kind: str


def item_analysis(session: Session, scope: Scope, course: Course) -> list[ItemRow]:
    per_attempt = []
    for a in graded_attempts(session, scope, course.id, with_answers=True):
        per_attempt.append({ans.question_id: (ans.points_awarded or 0.0) / ans.max_points if ans.max_points else 0.0
                            for ans in a.answers})
    max_points = {q.id: q.points for q in course.questions}
    texts = {q.id: q for q in course.questions}
    return [ItemRow(s, texts[s.question_id].text, texts[s.question_id].kind)
            for s in item_statistics(per_attempt, max_points)]


def attempt_rows(session: Session, scope: Scope, course_id: int | None = None) -> list[Attempt]:
    """Every submitted attempt in scope (for exports and the agent table)."""
    q = (sa.select(Attempt).join(Agent, Agent.id == Attempt.agent_id)
         .where(Attempt.status != AttemptStatus.IN_PROGRESS)
         .options(joinedload(Attempt.agent).joinedload(Agent.user), joinedload(Attempt.agent).joinedload(Agent.team),
                  joinedload(Attempt.course), lazyload(Attempt.answers))
         .order_by(Attempt.submitted_at.desc()))
    if course_id is not None:
        q = q.where(Attempt.course_id == course_id)
    return list(session.scalars(scope.filter_agents(q)).unique())


def grading_queue(session: Session) -> list[Attempt]:
    return list(session.scalars(
        sa.select(Attempt).where(Attempt.status == AttemptStatus.SUBMITTED)
        .options(joinedload(Attempt.agent).joinedload(Agent.user), joinedload(Attempt.course))
        .order_by(Attempt.submitted_at)).unique())


def teams(session: Session) -> list[Team]:
    return list(session.scalars(sa.select(Team).order_by(Team.name)))
