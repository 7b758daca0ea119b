"""``scenario_solve``: solve a generated contact-center scenario as a background job.

Used by the job tests, ``bench/parallel_solves.py`` and anyone who wants to see the job
machinery work without a real site: the problem comes from
``optimizer.roster.generate.contact_center`` (deterministic for a seed) and is solved by
the roster engine's façade.  With ``site_id`` the roster is written to that site's agents
as a draft (published when ``publish``) together with the job's DONE status in ONE
transaction.  ``team`` solves one team's share of the demand; ``submit_scenario_split``
runs every team in parallel and ``scenario_combine`` joins them and checks coverage on the
combined roster.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
import dataclasses
from collections import defaultdict
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from optimizer.roster.generate import contact_center
from optimizer.roster.problem import Problem, Requirement
from optimizer.roster.result import RosterResult
from optimizer.roster.scenario import roster_rows, summary_dict
from optimizer.roster.solve import solve
from optimizer.roster.validator import RosterRow, validate
from optimizer import timeutil
from scheduler.db import utcnow
from scheduler.errors import ValidationError
from scheduler.jobs.registry import JobContext, job_handler
from scheduler.models import ActivityKind, Agent, Job, Roster, RosterVersion, Shift, ShiftActivity, Team

LIMITS = {"agents": (2, 500), "queues": (1, 5), "days": (1, 28), "seed": (0, 10**9), "num_workers": (1, 16),
          "supervisors": (0, 500)}


def _int(params: dict, name: str, default: int) -> int:
    value = params.get(name, default)
    lo, hi = LIMITS[name]
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ValidationError(_l("must be a whole number from %(lo)s to %(hi)s, got %(value)s", lo=lo, hi=hi, value=repr(value)), field=name)
    return value


def check_params(params: dict) -> dict:
    """Normalised parameters; a ValidationError names the bad field."""
    out = {name: _int(params, name, default) for name, default in
           (("agents", 20), ("queues", 2), ("days", 7), ("seed", 0), ("num_workers", 1))}
    out["supervisors"] = _int(params, "supervisors", 0) if params.get("supervisors") is not None else None
    interval = params.get("interval_minutes", 60)
    if interval not in (15, 30, 60):
        raise ValidationError(_l("must be 15, 30 or 60, got %(value)s", value=repr(interval)), field="interval_minutes")
    out["interval_minutes"] = interval
    limit = params.get("time_limit", 5)
    if isinstance(limit, bool) or not isinstance(limit, (int, float)) or not 0.5 <= limit <= 3600:
        raise ValidationError(_l("must be 0.5 to 3600 seconds, got %(value)s", value=repr(limit)), field="time_limit")
    out["time_limit"] = float(limit)
    out["relaxed"] = bool(params.get("relaxed", True))
    out["team"] = params.get("team")
    out["site_id"] = params.get("site_id")
    out["publish"] = bool(params.get("publish", False))
    return out


def build_problem(p: dict) -> Problem:
    """The whole center.  ``relaxed`` drops the supervisor-on-duty rule, which a team-by-team
    split cannot satisfy (a team has one or two supervisors)."""
    problem = contact_center(n_agents=p["agents"], n_queues=p["queues"], days=p["days"],
                             interval_minutes=p["interval_minutes"], seed=p["seed"], extras=False,
                             supervisors=p["supervisors"])
    if p["relaxed"]:
        problem = dataclasses.replace(problem, rules=dataclasses.replace(problem.rules, supervisor_always_on_duty=False))
    return problem


def teams_of(problem: Problem) -> list[str]:
    return sorted({a.team for a in problem.agents}, key=lambda t: (len(t), t))


def team_problem(problem: Problem, team: str) -> Problem:
    """One team's agents and its share of every interval's requirement.  Shares follow the
    team's skilled hours per queue; largest remainders keep the teams' shares summing to
    the center's requirement, so the combined roster is judged against the real demand."""
    teams = teams_of(problem)
    if team not in teams:
        raise ValidationError(_l("unknown team %(team)s; teams are %(teams)s", team=repr(team), teams=", ".join(teams)), field="team")
    weight: dict[tuple[str, str], float] = defaultdict(float)
    for a in problem.agents:
        for q in a.skills:
            weight[a.team, q] += a.max_hours_week / len(a.skills)
    reqs = []
    for r in problem.requirements:
        total = sum(weight[t, r.queue] for t in teams)
        exact = {t: r.agents * weight[t, r.queue] / total if total else 0.0 for t in teams}
        floor = {t: int(v) for t, v in exact.items()}
        left = r.agents - sum(floor.values())
        for t in sorted(teams, key=lambda t: (-(exact[t] - floor[t]), teams.index(t)))[:left]:
            floor[t] += 1
        if floor[team]:
            reqs.append(Requirement(r.start, r.queue, floor[team]))
    agents = tuple(a for a in problem.agents if a.team == team)
    return dataclasses.replace(problem, agents=agents, requirements=tuple(reqs), name=f"{problem.name}-{team}")


def _assignments_json(result: RosterResult) -> list[list[Any]]:
    return [[s.agent_id, s.date.isoformat(), s.shift_code, s.start.isoformat(), s.end.isoformat(),
             [[a.isoformat(), b.isoformat()] for a, b in s.breaks]] for s in result.assignments]


def _coverage_json(result: RosterResult) -> list[list[Any]]:
    return [[c.start.isoformat(), c.queue, c.scheduled] for c in result.coverage]


def _write_roster(session: Session, *, site_id: int, problem: Problem, assignments: list[list[Any]],
                  summary: dict, publish: bool, created_by_id: int | None, name: str) -> dict:
    """Shifts for the site's first agents (scenario agent i -> i-th active agent)."""
    db_agents = session.scalars(sa.select(Agent.id).join(Team, Agent.team_id == Team.id).where(
        Team.site_id == site_id, Agent.active.is_(True)).order_by(Agent.id)).all()
    if len(db_agents) < len(problem.agents):
        raise ValidationError(_l("site %(site)s has %(have)s active agents; the scenario needs %(need)s",
                                 site=site_id, have=len(db_agents), need=len(problem.agents)), field="site_id")
    mapping = {a.id: db_agents[i] for i, a in enumerate(problem.agents)}
    roster = Roster(site_id=site_id, name=name[:120], start_date=problem.start_date, days=problem.days,
                    created_by_id=created_by_id)
    version = RosterVersion(status="draft", summary=summary)
    roster.versions.append(version)
    session.add(roster)
    for agent_id, day, code, start, end, breaks in assignments:
        shift = Shift(agent_id=mapping[agent_id], day=date.fromisoformat(day), template_code=code,
                      start_at=datetime.fromisoformat(start), end_at=datetime.fromisoformat(end))
        for bs, be in breaks:
            s, e = datetime.fromisoformat(bs), datetime.fromisoformat(be)
            kind = ActivityKind.LUNCH if (e - s).total_seconds() >= 1800 else ActivityKind.BREAK
            shift.activities.append(ShiftActivity(kind=kind, start_at=s, end_at=e))
        version.shifts.append(shift)
        session.flush()  # rows go out as we go: only the transaction keeps them from being half a roster
    if publish:
        version.publish(1, created_by_id, utcnow())
    session.flush()
    return {"roster_id": roster.id, "version_id": version.id, "shifts": len(assignments)}


@job_handler("scenario_solve")
def scenario_solve(ctx: JobContext) -> dict:
    p = check_params(ctx.params)
    problem = build_problem(p)
    if p["team"]:
        problem = team_problem(problem, p["team"])
    result = solve(problem, time_limit=p["time_limit"], num_workers=p["num_workers"], seed=p["seed"],
                   progress=ctx.progress, cancel=ctx.cancel)
    summary = summary_dict(problem, result)
    out: dict[str, Any] = {**summary, "team": p["team"], "agents": len(problem.agents)}
    if ctx.params.get("parent_id"):
        out["_assignments"] = _assignments_json(result)
        out["_coverage"] = _coverage_json(result)
    with ctx.session() as session:
        if p["site_id"] and result.assignments:
            out.update(_write_roster(session, site_id=int(p["site_id"]), problem=problem,
                                     assignments=_assignments_json(result), summary=summary, publish=p["publish"],
                                     created_by_id=ctx.created_by_id, name=f"Scenario {problem.name} (job {ctx.job_id})"))
        ctx.finish_in(session, out)
        session.commit()
    return out


def submit_scenario_split(session: Session, params: dict, created_by_id: int | None) -> Job:
    """One child job per team, solved in parallel, joined by ``scenario_combine``."""
    from scheduler.jobs.split import submit_split

    p = check_params(params)
    teams = teams_of(build_problem(p))
    child = {k: v for k, v in params.items() if k not in ("site_id", "publish")}
    return submit_split(session, parent_kind="scenario_combine", parent_params=dict(params),
                        child_kind="scenario_solve", child_params=[{**child, "team": t} for t in teams],
                        created_by_id=created_by_id)


@job_handler("scenario_combine")
def scenario_combine(ctx: JobContext) -> dict:
    from optimizer.progress import Progress
    from scheduler.jobs.split import children_of

    p = check_params(ctx.params)
    problem = build_problem(p)
    with ctx.session() as session:
        parent = session.get(Job, ctx.job_id)
        children = children_of(session, parent)
        bad = [c for c in children if c.status != "done"]
        if bad:
            raise RuntimeError("part(s) " + ", ".join(f"{c.id} ({c.status})" for c in bad) + " did not finish; "
                               "retry them, then retry this job")
        assignments = [row for c in children for row in (c.result or {}).get("_assignments", [])]
        scheduled: dict[tuple[str, str], int] = defaultdict(int)
        for c in children:
            for start, queue, n in (c.result or {}).get("_coverage", []):
                scheduled[start, queue] += n
        parts = [{k: v for k, v in (c.result or {}).items() if not k.startswith("_")} for c in children]
    ctx.progress(Progress(stage="combine", message="checking the combined roster", fraction=0.9))
    under: dict[str, int] = defaultdict(int)
    for r in problem.requirements:
        got = scheduled.get((r.start.isoformat(), r.queue), 0)
        under[r.queue] += max(0, r.agents - got) * problem.interval_minutes
    rows = [RosterRow(a, date.fromisoformat(d), code,
                      timeutil.to_local(datetime.fromisoformat(s), problem.timezone),
                      timeutil.to_local(datetime.fromisoformat(e), problem.timezone),
                      tuple((timeutil.to_local(datetime.fromisoformat(x), problem.timezone),
                             timeutil.to_local(datetime.fromisoformat(y), problem.timezone)) for x, y in br))
            for a, d, code, s, e, br in assignments]
    violations = validate(problem, rows)
    part_under = sum(sum((pt.get("under_covered_agent_minutes") or {}).values()) for pt in parts)
    out: dict[str, Any] = {
        "parts": len(children), "shifts": len(assignments),
        "parts_solved": sum(1 for pt in parts if pt.get("status") in ("OPTIMAL", "FEASIBLE")), "agents": len(problem.agents),
        "status": "FEASIBLE" if all(pt.get("status") in ("OPTIMAL", "FEASIBLE") for pt in parts) else "INCOMPLETE",
        "objective": sum(pt.get("objective") or 0 for pt in parts),
        "under_covered_agent_minutes": dict(under),
        "parts_under_covered_agent_minutes": part_under,
        "hard_violations": len(violations),
        "violations_sample": [str(v) for v in violations[:10]],
        "solve_seconds_max": max((pt.get("solve_seconds") or 0 for pt in parts), default=0),
        "solve_seconds_sum": sum(pt.get("solve_seconds") or 0 for pt in parts),
    }
    with ctx.session() as session:
        if p["site_id"] and assignments:
            out.update(_write_roster(session, site_id=int(p["site_id"]), problem=problem, assignments=assignments,
                                     summary={k: v for k, v in out.items() if k != "violations_sample"},
                                     publish=p["publish"], created_by_id=ctx.created_by_id,
                                     name=f"Scenario {problem.name} split (job {ctx.job_id})"))
        ctx.finish_in(session, out)
        session.commit()
    return out
