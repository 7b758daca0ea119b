"""Rostering team by team: each team's solve keeps the other teams' shifts of the period
and covers only what they leave of the requirement."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from optimizer.progress import NEVER_CANCELLED, no_progress
from scheduler.db import db
from scheduler.models import Agent, AgentSkill, Queue, RosterVersion, Shift, ShiftActivity, Team, User, UserRole
from scheduler.planning import rosters
from scheduler.planning.roster_problem import build_problem
from tests.scheduler.planning.factories import START, add_requirements, tiny_center


def _second_team(site, supervisor: bool = False) -> Team:
    team = Team(site_id=site.id, name="Team B")
    db.session.add(team)
    db.session.flush()
    queues = list(db.session.scalars(sa.select(Queue).where(Queue.site_id == site.id)))
    pw = generate_password_hash("x", method="pbkdf2:sha256:1000")
    for i in range(4):
        u = User(username=f"bagent{i}", display_name=f"B agent {i}", password_hash=pw)
        u.roles = [UserRole(role="agent")]
        a = Agent(user=u, employee_no=f"B{i:03d}", team_id=team.id, min_hours_week=0, max_hours_week=40,
                  night_ok=False, is_supervisor=supervisor and i == 0, hire_date=date(2020, 1, 1))
        a.skills = [AgentSkill(queue_id=q.id, proficiency=3) for q in queues]
        db.session.add(a)
    db.session.commit()
    return team


def _solve(site, team_ids) -> dict:
    out = rosters.solve_and_store(db.session, rosters.SolveRequest(site.id, START, 7, tuple(team_ids), 10.0),
                                  created_by_id=None, progress=no_progress, cancel=NEVER_CANCELLED)
    db.session.commit()
    assert out["version_id"], out
    return out


def _agents_with_shifts(version_id: int) -> set[int]:
    return set(db.session.scalars(sa.select(Shift.agent_id).where(Shift.version_id == version_id)))


def test_team_by_team_builds_one_roster_and_covers_only_the_rest(app) -> None:
    site = tiny_center(db.session, with_requirements=False)
    # three per queue: more than team A's six agents can answer alone
    add_requirements(db.session, site, list(db.session.scalars(sa.select(Queue).where(Queue.site_id == site.id))),
                     START, 7, per_queue=3)
    team_a = db.session.scalar(sa.select(Team).where(Team.name == "Team A"))
    team_b = _second_team(site)
    a_ids = set(db.session.scalars(sa.select(Agent.id).where(Agent.team_id == team_a.id)))
    b_ids = set(db.session.scalars(sa.select(Agent.id).where(Agent.team_id == team_b.id)))

    first = _solve(site, [team_a.id])
    a_shifts = {(s.agent_id, s.day, s.template_code) for s in db.session.scalars(
        sa.select(Shift).where(Shift.version_id == first["version_id"]))}
    assert {a for a, _d, _c in a_shifts} <= a_ids and a_shifts

    # Team B's problem sees only what team A's draft leaves of the requirement.
    whole = build_problem(db.session, site, START, 7, team_ids=[team_b.id]).problem
    rest = build_problem(db.session, site, START, 7, team_ids=[team_b.id],
                         others_version_id=first["version_id"]).problem
    assert sum(r.agents for r in rest.requirements) < sum(r.agents for r in whole.requirements)

    second = _solve(site, [team_b.id])
    version = db.session.get(RosterVersion, second["version_id"])
    assert version.status == "draft" and version.roster_id == first["roster_id"]
    kept = {(s.agent_id, s.day, s.template_code) for s in db.session.scalars(
        sa.select(Shift).where(Shift.version_id == version.id, Shift.agent_id.in_(a_ids)))}
    assert kept == a_shifts  # team A's shifts are carried over unchanged
    assert _agents_with_shifts(version.id) & b_ids  # and team B is rostered next to them


def test_a_team_roster_counts_the_other_teams_supervisors(app) -> None:
    """A 24/7 site's supervisor rule in a roster of some teams: the other teams'
    supervisors attend their shifts minus their breaks, this roster's supervisors the rest."""
    site = tiny_center(db.session)
    db.session.scalar(sa.select(Queue).where(Queue.site_id == site.id, Queue.code == "SUPPORT")).open_24_7 = True
    team_a = db.session.scalar(sa.select(Team).where(Team.name == "Team A"))
    team_b = _second_team(site, supervisor=True)
    boss_a = db.session.scalar(sa.select(Agent.id).where(Agent.team_id == team_a.id, Agent.is_supervisor.is_(True)))
    # team A alone, before team B has shifts: it cannot tell when B's supervisor works
    assert not build_problem(db.session, site, START, 7, team_ids=[team_a.id]).problem.rules.supervisor_always_on_duty
    first = _solve(site, [team_a.id])

    built = build_problem(db.session, site, START, 7, team_ids=[team_b.id], others_version_id=first["version_id"])
    assert built.problem.rules.supervisor_always_on_duty
    expected = []
    for shift in db.session.scalars(sa.select(Shift).where(Shift.version_id == first["version_id"],
                                                           Shift.agent_id == boss_a)):
        t = shift.start_at
        for act in sorted(db.session.scalars(sa.select(ShiftActivity).where(
                ShiftActivity.shift_id == shift.id, ShiftActivity.kind.in_(("break", "lunch")))),
                key=lambda x: x.start_at):
            expected.append((t, act.start_at))
            t = act.end_at
        expected.append((t, shift.end_at))
    assert expected and sorted(_aware(s) for s in built.problem.supervised) == sorted(_aware(s) for s in expected)
    # a team without a supervisor cannot change who supervises: no rule for it
    team_c = Team(site_id=site.id, name="Team C")
    db.session.add(team_c)
    db.session.flush()
    assert not build_problem(db.session, site, START, 7, team_ids=[team_c.id],
                             others_version_id=first["version_id"]).problem.rules.supervisor_always_on_duty


def _aware(span):
    """Timestamps as UTC-aware (SQLite hands them back naive)."""
    from datetime import timezone
    return tuple(t if t.tzinfo else t.replace(tzinfo=timezone.utc) for t in span)
