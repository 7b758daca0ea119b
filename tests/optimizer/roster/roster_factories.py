"""Small roster problems and hand-written roster rows for the roster tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

from optimizer import timeutil
from optimizer.roster.problem import Agent, BreakRule, Problem, Requirement, Rules, ShiftTemplate
from optimizer.roster.validator import RosterRow

START = date(2026, 3, 2)  # a Monday

LUNCH = (BreakRule(60, 180, 300),)
TEMPLATES = (
    ShiftTemplate("E", 6 * 60, 540, LUNCH),
    ShiftTemplate("L", 14 * 60, 540, LUNCH),
    ShiftTemplate("N", 22 * 60, 540, LUNCH),
)


def small_problem(n_agents: int = 4, days: int = 7, supervisors: int = 0, reqs: bool = True,
                  rules: Rules | None = None, tz: str = "UTC", start: date = START, **kw) -> Problem:
    agents = tuple(
        Agent(f"A{i}", team="T", skills=("Q1",) if i % 2 else ("Q1", "Q2"), min_hours_week=0,
              max_hours_week=40, supervisor=i < supervisors)
        for i in range(n_agents)
    )
    grid = timeutil.interval_grid(start, days, 60, tz)
    requirements = tuple(
        Requirement(t, q, 1) for t in grid for q in ("Q1", "Q2") if 7 <= timeutil.to_local(t, tz).hour < 21
    ) if reqs else ()
    base = Problem(start, days, agents, TEMPLATES, interval_minutes=60, timezone=tz, requirements=requirements,
                   rules=rules or Rules(supervisor_always_on_duty=False))
    return replace(base, **kw) if kw else base


def row(problem: Problem, agent: str, day: date, code: str, break_offset: int | None = None) -> RosterRow:
    """A roster row as the template says, lunch at ``break_offset`` (default: earliest)."""
    t = problem.template(code)
    start = datetime.combine(day, datetime.min.time()) + timedelta(minutes=t.start_minute)
    s_utc = timeutil.to_utc(start, problem.timezone)
    end = timeutil.to_local(s_utc + timedelta(minutes=t.length_minutes), problem.timezone)
    breaks = []
    for b in t.breaks:
        off = b.earliest if break_offset is None else break_offset
        bs = s_utc + timedelta(minutes=off)
        be = bs + timedelta(minutes=b.length_minutes)
        breaks.append((timeutil.to_local(bs, problem.timezone), timeutil.to_local(be, problem.timezone)))
    return RosterRow(agent, day, code, timeutil.to_local(s_utc, problem.timezone), end, tuple(breaks))


def day(i: int) -> date:
    return START + timedelta(days=i)
