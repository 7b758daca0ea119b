"""Hard rules about single days and single shifts."""

from __future__ import annotations

from optimizer.roster.model.variables import RosterVars


def _day_index(rv: RosterVars) -> dict:
    return {day: d for d, day in enumerate(rv.timeline.dates)}


def add_time_off(rv: RosterVars) -> None:
    """No shift on a day of approved time off (leave is a promise to the agent)."""
    ids = {a.id: i for i, a in enumerate(rv.problem.agents)}
    days = _day_index(rv)
    for off in rv.problem.time_off:
        d = days.get(off.date)
        if d is not None:
            rv.model.add(rv.work[ids[off.agent_id], d] == 0)


def add_night_eligibility(rv: RosterVars) -> None:
    """Agents not cleared for nights (health, contract) never get a night shift."""
    for a, agent in enumerate(rv.problem.agents):
        if not agent.night_ok:
            for d in range(rv.problem.days):
                for t in rv.problem.templates:
                    if t.is_night:
                        rv.model.add(rv.x[a, d, t.code] == 0)


def add_max_shifts_per_template(rv: RosterVars) -> None:
    """Per-agent caps on how often a template is worked over the horizon (e.g. a
    contract that allows at most N late shifts; 0 = the agent never works it)."""
    for a, agent in enumerate(rv.problem.agents):
        for code, cap in agent.max_shifts:
            rv.model.add(sum(rv.x[a, d, code] for d in range(rv.problem.days)) <= cap)


def add_pinned(rv: RosterVars) -> None:
    """Pinned assignments (published shifts a repair must keep) are fixed."""
    ids = {a.id: i for i, a in enumerate(rv.problem.agents)}
    days = _day_index(rv)
    for p in rv.problem.pinned:
        d = days.get(p.date)
        if d is not None:
            rv.model.add(rv.x[ids[p.agent_id], d, p.shift_code] == 1)


def add_fixed_activities(rv: RosterVars) -> None:
    """A training session or meeting is paid work off the phone: the agent must be on a
    shift that contains the whole block (the coverage family takes it off the phone)."""
    ids = {a.id: i for i, a in enumerate(rv.problem.agents)}
    grid = rv.timeline.grid
    horizon = (grid[0], grid[-1] + rv.timeline.step)
    for act in rv.problem.activities:
        if act.end <= horizon[0] or act.start >= horizon[1]:
            continue
        a = ids[act.agent_id]
        hosts = [rv.x[a, s.d, code] for (d, code), s in rv.timeline.slots.items()
                 if s.start <= act.start and act.end <= s.end]
        if hosts:
            rv.model.add(sum(hosts) == 1)
        else:
            rv.model.add_bool_or([])  # no shift can host it: the problem is infeasible
