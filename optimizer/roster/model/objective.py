"""Soft rules: preferences, fairness within teams, stability against the previous roster.

Each helper creates named penalty variables through ``RosterVars.add_soft`` (the
OR-Tools shift_scheduling_sat pattern: penalty vars plus weights), so the summary can
list every violated soft rule and what it cost.  Coverage penalties live next to the
coverage constraints in ``coverage.py``.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from optimizer.roster.model.variables import RosterVars


def add_preferences(rv: RosterVars) -> None:
    """Wanted/avoided shifts and days off, each priced by its own weight."""
    p, m = rv.problem, rv.model
    ids = {a.id: i for i, a in enumerate(p.agents)}
    days = {day: d for d, day in enumerate(rv.timeline.dates)}
    scale = p.weights.preference
    for k, pref in enumerate(p.preferences):
        d = days.get(pref.date)
        if d is None or not pref.weight:
            continue
        a = ids[pref.agent_id]
        given = rv.work[a, d] if pref.shift_code is None else rv.x[a, d, pref.shift_code]
        if pref.shift_code is None:
            given_off = m.new_bool_var(f"off[{pref.agent_id},{d}]")
            m.add(given_off + rv.work[a, d] == 1)
            given = given_off
        pen = m.new_bool_var(f"pref[{k}]")
        if pref.kind == "want":
            m.add(pen + given == 1)
        else:
            m.add(pen == given)
        what = pref.shift_code or "OFF"
        rv.add_soft("preference", scale * pref.weight, pen, agent=pref.agent_id, day=d, detail=f"{pref.kind} {what}")


def _spread(rv: RosterVars, rule: str, weight: int, team: str, counts: list) -> None:
    if weight <= 0 or len(counts) < 2:
        return
    m = rv.model
    hi_bound = rv.problem.days
    mx = m.new_int_var(0, hi_bound, f"{rule}_max[{team}]")
    mn = m.new_int_var(0, hi_bound, f"{rule}_min[{team}]")
    for c in counts:
        m.add(mx >= c)
        m.add(mn <= c)
    spread = m.new_int_var(0, hi_bound, f"{rule}[{team}]")
    m.add(spread >= mx - mn)
    rv.add_soft(rule, weight, spread, detail=f"team {team}")


def add_fairness(rv: RosterVars) -> None:
    """Nights, weekends and unpopular shifts spread evenly within each team (the spread
    max - min is priced); preference satisfaction shared fairly (the worst-served agent's
    violated preference weight is priced)."""
    p, w = rv.problem, rv.problem.weights
    teams: dict[str, list[int]] = defaultdict(list)
    for a, agent in enumerate(p.agents):
        teams[agent.team].append(a)
    saturdays = [d for d, day in enumerate(rv.timeline.dates) if day.weekday() == 5]
    if rv.timeline.dates[0].weekday() == 6:
        saturdays = [-1] + saturdays
    for team, members in teams.items():
        if any(t.is_night for t in p.templates):
            night_ok = [a for a in members if p.agents[a].night_ok]
            _spread(rv, "fairness_nights", w.fairness_nights, team,
                    [sum(rv.night[a, d] for d in range(p.days)) for a in night_ok])
        if w.fairness_weekends and saturdays and len(members) > 1:
            counts = []
            for a in members:
                ws = []
                for s in saturdays:
                    lits = [rv.work[a, d] for d in (s, s + 1) if 0 <= d < p.days]
                    v = rv.model.new_bool_var(f"wkd[{p.agents[a].id},{s}]")
                    rv.model.add_max_equality(v, lits)
                    ws.append(v)
                counts.append(sum(ws))
            _spread(rv, "fairness_weekends", w.fairness_weekends, team, counts)
        unpopular = [t.code for t in p.templates if t.unpopular]
        if unpopular:
            _spread(rv, "fairness_unpopular", w.fairness_unpopular, team,
                    [sum(rv.x[a, d, c] for d in range(p.days) for c in unpopular) for a in members])
    if w.fairness_preferences and p.preferences:
        by_agent: dict[str, list] = defaultdict(list)
        for term in rv.soft:
            if term.rule == "preference" and term.agent is not None:
                by_agent[term.agent].append(term.weight * term.var)
        ids = {a.id: i for i, a in enumerate(p.agents)}
        for team, members in teams.items():
            loads = [sum(by_agent[p.agents[a].id]) for a in members if by_agent.get(p.agents[a].id)]
            if len(loads) < 2:
                continue
            top = sum(t.weight for t in rv.soft if t.rule == "preference")
            worst = rv.model.new_int_var(0, top, f"fairness_preferences[{team}]")
            for load in loads:
                rv.model.add(worst >= load)
            rv.add_soft("fairness_preferences", w.fairness_preferences, worst, detail=f"team {team}")
        del ids


def add_stability(rv: RosterVars) -> None:
    """Each day that differs from the reference (previously published) roster costs
    ``change``: a repair or re-plan should move as few shifts as it can."""
    p, m = rv.problem, rv.model
    ref = [s for s in p.previous if p.start_date <= s.date < p.end_date]
    if not ref or not p.weights.change:
        return
    first, last = min(s.date for s in ref), max(s.date for s in ref)
    days = {day: d for d, day in enumerate(rv.timeline.dates)}
    planned = {(s.agent_id, s.date): s.shift_code for s in ref}
    day = first
    while day <= last:
        d = days[day]
        for a, agent in enumerate(p.agents):
            code = planned.get((agent.id, day))
            pen = m.new_bool_var(f"change[{agent.id},{d}]")
            if code is None:
                m.add(pen == rv.work[a, d])
            else:
                m.add(pen + rv.x[a, d, code] == 1)
            rv.add_soft("change", p.weights.change, pen, agent=agent.id, day=d, detail=code or "OFF")
        day += timedelta(days=1)
