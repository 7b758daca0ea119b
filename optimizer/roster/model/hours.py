"""Paid hours within the contract."""

from __future__ import annotations

import math

from optimizer.roster.model.sequences import week_blocks
from optimizer.roster.model.variables import RosterVars
from optimizer.roster.problem import Agent


def max_week_minutes(agent: Agent, days: int) -> int:
    """Paid minutes ``agent`` may work in a week of ``days`` days: the contract maximum,
    prorated in a short week and rounded up (the bound in ``large`` uses the same figure,
    so that it stays implied by this rule)."""
    return math.ceil(agent.max_hours_week * 60 * days / 7)


def _paid(rv: RosterVars, a: int, days: range | list[int]) -> object:
    return sum(t.paid_minutes * rv.x[a, d, t.code] for d in days for t in rv.problem.templates)


def add_weekly_hours(rv: RosterVars) -> None:
    """Weekly paid minutes between the contract's minimum and maximum (prorated in a
    short last week: minimum rounded down, maximum up).  Each day of time off counts
    toward the minimum as the contract's average daily hours, so leave never forces
    extra shifts in the rest of the week."""
    p = rv.problem
    if not p.rules.weekly_hours:
        return
    off_days = {(o.agent_id, o.date) for o in p.time_off}
    for a, agent in enumerate(p.agents):
        for block in week_blocks(p.days):
            share = len(block) / 7
            lo = math.floor(agent.min_hours_week * 60 * share)
            hi = max_week_minutes(agent, len(block))
            credit = sum(round(agent.contract_daily_hours * 60) for d in block if (agent.id, rv.timeline.dates[d]) in off_days)
            paid = _paid(rv, a, block)
            if lo - credit > 0:
                rv.model.add(paid >= lo - credit)
            if hi < 7 * 24 * 60 * share:
                rv.model.add(paid <= hi)


def add_total_minutes(rv: RosterVars) -> None:
    """Paid minutes over the whole horizon within the agent's limits (annualised-hours
    style contracts; the benchmark's MinTotalMinutes/MaxTotalMinutes)."""
    for a, agent in enumerate(rv.problem.agents):
        if agent.min_total_minutes is None and agent.max_total_minutes is None:
            continue
        paid = _paid(rv, a, range(rv.problem.days))
        if agent.min_total_minutes is not None:
            rv.model.add(paid >= agent.min_total_minutes)
        if agent.max_total_minutes is not None:
            rv.model.add(paid <= agent.max_total_minutes)
