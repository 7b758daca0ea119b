"""A tiny contact center for planning tests: one site, two queues open 09:00-18:00,
six agents (one supervisor), two shift templates, and requirements for one week.
Small enough that the roster engine solves it in a second or two."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from optimizer import timeutil
from scheduler.models import Agent, AgentSkill, ContactHistory, Queue, ShiftTemplate, Site, Team, User, UserRole
from scheduler.planning.models import StaffingRequirement

TZ = "Asia/Taipei"
START = date(2026, 12, 7)  # a Monday


def tiny_center(session: Session, *, agents: int = 6, with_requirements: bool = True) -> Site:
    site = Site(code="TST", name="Test centre", timezone=TZ, country="TW")
    session.add(site)
    session.flush()
    q1 = Queue(site_id=site.id, code="SUPPORT", name="Support", opens_at="09:00", closes_at="18:00",
               sl_target=0.8, sl_seconds=20, shrinkage=0.3, aht_seconds=300)
    q2 = Queue(site_id=site.id, code="SALES", name="Sales", opens_at="09:00", closes_at="18:00",
               sl_target=0.8, sl_seconds=30, shrinkage=0.25, aht_seconds=240)
    session.add_all([q1, q2])
    session.add_all([
        ShiftTemplate(site_id=site.id, code="D", name="Day", start="09:00", length_minutes=540, unpaid_break_minutes=60,
                      kind="day", color="#59a14f"),
        ShiftTemplate(site_id=site.id, code="P", name="Part", start="09:00", length_minutes=300, unpaid_break_minutes=0,
                      kind="part", color="#bab0ac"),
    ])
    team = Team(site_id=site.id, name="Team A")
    session.add(team)
    session.flush()
    pw = generate_password_hash("x", method="pbkdf2:sha256:1000")
    planner = User(username="tplanner", display_name="Planner P", password_hash=pw)
    planner.roles = [UserRole(role="planner")]
    session.add(planner)
    for i in range(agents):
        u = User(username=f"tagent{i}", display_name=f"Agent {i}", password_hash=pw)
        u.roles = [UserRole(role="agent")]
        a = Agent(user=u, employee_no=f"T{i:03d}", team_id=team.id, min_hours_week=0, max_hours_week=40,
                  night_ok=False, is_supervisor=i == 0, hire_date=date(2020, 1, 1))
        a.skills = [AgentSkill(queue_id=q1.id, proficiency=3)] + ([AgentSkill(queue_id=q2.id, proficiency=3)] if i % 2 else [])
        session.add(a)
    session.flush()
    if with_requirements:
        add_requirements(session, site, [q1, q2], START, 7)
    return site


def add_requirements(session: Session, site: Site, queues: list[Queue], start: date, days: int,
                     per_queue: int = 1) -> None:
    rows = []
    for t in timeutil.interval_grid(start, days, 15, site.timezone):
        local = timeutil.to_local(t, site.timezone)
        if local.weekday() < 5 and 9 <= local.hour < 18:
            for q in queues:
                rows.append(dict(queue_id=q.id, interval_start=t, volume=2.0, aht_seconds=300.0,
                                 agents_on_phone=per_queue, agents_required=per_queue + 1, service_level=0.85))
    session.execute(sa.insert(StaffingRequirement), rows)
    session.flush()


def add_history(session: Session, site: Site, weeks: int = 3, end: date = START - timedelta(days=1)) -> int:
    """Weekday 09:00-18:00 history with a daily shape; closed at night and weekends."""
    queues = list(session.scalars(sa.select(Queue).where(Queue.site_id == site.id)))
    first = end - timedelta(days=7 * weeks - 1)
    rows = []
    for t in timeutil.interval_grid(first, 7 * weeks, 15, site.timezone):
        local = timeutil.to_local(t, site.timezone)
        if local.weekday() >= 5 or not 9 <= local.hour < 18:
            continue
        for k, q in enumerate(queues):
            base = 12 + 6 * (local.hour in (10, 11, 14)) - 3 * (local.weekday() == 4) + k * 2
            rows.append(dict(queue_id=q.id, interval_start=t, interval_minutes=15, offered=base + (local.minute // 15),
                             answered=base, abandoned=0, aht_seconds=280.0 + 10 * k))
    session.execute(sa.insert(ContactHistory), rows)
    session.flush()
    return len(rows)


def user_id(session: Session, username: str) -> int:
    return session.scalar(sa.select(User.id).where(User.username == username))


def agent_ids(session: Session) -> list[int]:
    return list(session.scalars(sa.select(Agent.id).order_by(Agent.id)))
