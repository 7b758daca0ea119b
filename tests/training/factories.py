"""Test data for the training tests: a site, a team of agents, courses with questions,
a published roster."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from scheduler.db import db
from scheduler.models import (
    Agent, AgentSkill, Queue, Roster, RosterVersion, Shift, Site, Team, User, UserRole, VersionStatus,
)
from training.operations.courses import CourseData, QuestionData, add_question, create_course

UTC = timezone.utc


def site_with_team(n_agents: int = 4, *, supervisor: bool = True, tz: str = "UTC", queues: tuple[str, ...] = ("RETAIL",)):
    site = Site(code="TST", name="Test site", timezone=tz)
    db.session.add(site)
    db.session.flush()
    qs = []
    for code in queues:
        q = Queue(site_id=site.id, code=code, name=code, open_24_7=True)
        db.session.add(q)
        qs.append(q)
    team = Team(site_id=site.id, name="Team A")
    db.session.add(team)
    db.session.flush()
    agents = []
    for i in range(n_agents + (1 if supervisor else 0)):
        is_sup = supervisor and i == 0
        u = User(username=f"sup{i}" if is_sup else f"ag{i}", display_name=f"Person {i}", password_hash="x",
                 email=f"p{i}@bank.example")
        u.roles = [UserRole(role="supervisor" if is_sup else "agent")]
        a = Agent(user=u, employee_no=f"E{i:04d}", team_id=team.id, hire_date=date(2026, 1, 1) + timedelta(days=i),
                  is_supervisor=is_sup)
        a.skills = [AgentSkill(queue_id=qs[0].id)]
        db.session.add(a)
        agents.append(a)
    db.session.flush()
    sup = agents[0] if supervisor else None
    return site, team, qs, sup, [a for a in agents if not a.is_supervisor]


def course_with_questions(code: str = "AML", *, n_single: int = 4, n_short: int = 0, validity: int | None = 12,
                          per_attempt: int = 4, pass_mark: float = 0.75, max_attempts: int = 2, time_limit: int = 20,
                          mandatory: bool = True):
    course = create_course(db.session, CourseData(
        code=code, title=f"{code} course", category="compliance", mandatory=mandatory, validity_months=validity,
        questions_per_attempt=per_attempt, pass_mark=pass_mark, max_attempts=max_attempts,
        time_limit_minutes=time_limit, duration_minutes=60), owner_id=None)
    for i in range(n_single):
        add_question(db.session, course.id, QuestionData(kind="single", text=f"Q{i}?",
                                                         choices=(("right", True), ("wrong", False), ("also wrong", False))))
    for i in range(n_short):
        add_question(db.session, course.id, QuestionData(kind="short_text", text=f"Explain {i}", points=2))
    db.session.flush()
    return course


def correct_answers(course, attempt) -> dict:
    from training.operations.assessments import AnswerInput

    out = {}
    for q in course.questions:
        if q.id in attempt.question_ids:
            if q.kind == "short_text":
                out[q.id] = AnswerInput(text="Because the customer must be identified.")
            else:
                out[q.id] = AnswerInput(choice_ids=tuple(sorted(q.correct_choice_ids)))
    return out


def wrong_answers(course, attempt) -> dict:
    from training.operations.assessments import AnswerInput

    out = {}
    for q in course.questions:
        if q.id in attempt.question_ids and q.kind != "short_text":
            wrong = [c.id for c in q.choices if not c.correct]
            out[q.id] = AnswerInput(choice_ids=(wrong[0],))
    return out


def published_roster(site, agents, day: date, start_hour: int = 8, hours: int = 9, days: int = 1) -> RosterVersion:
    roster = Roster(site_id=site.id, name="Test roster", start_date=day, days=days)
    version = RosterVersion(roster=roster, status=VersionStatus.PUBLISHED, number=1,
                            published_at=datetime(2026, 1, 1, tzinfo=UTC))
    db.session.add_all([roster, version])
    db.session.flush()
    for k in range(days):
        d = day + timedelta(days=k)
        for a in agents:
            start = datetime(d.year, d.month, d.day, start_hour, tzinfo=UTC)
            db.session.add(Shift(version_id=version.id, agent_id=a.id, day=d, template_code="D",
                                 start_at=start, end_at=start + timedelta(hours=hours)))
    db.session.flush()
    return version
