"""Rules over runs of days: consecutive working days, days off, nights, weekends.

Each agent's days form one sequence: the known days of the previous roster (constants)
followed by the horizon (variables).  Days before the known history and after the
horizon are unknown: they count as days off for "at most" rules, and a run touching
either end is exempt from "at least" rules (the convention of the Curtois & Qu
benchmark, which assumes any history).  A day of time off is a day off for "at most"
rules and, like an unknown day, exempts the runs it belongs to or bounds from "at least"
rules (``Rules.time_off_is_rest`` restores the benchmark's reading).  Runs are forbidden
as patterns, one clause per too-short run, as in OR-Tools' shift_scheduling_sat example:
the clauses propagate well and need no extra variables.
"""

from __future__ import annotations

import math
from datetime import timedelta

from ortools.sat.python import cp_model

from optimizer.roster.model.variables import RosterVars
from optimizer.roster.problem import Rules

Literal = cp_model.IntVar | bool


def _history(rv: RosterVars, a: int, night: bool = False) -> list[bool]:
    tl = rv.timeline
    agent = rv.problem.agents[a]
    worked = {}
    for s in tl.previous_by_agent().get(agent.id, []):
        worked[s.date] = rv.problem.template(s.shift_code).is_night if night else True
    return [worked.get(day, False) for day in tl.history_dates()]


def _sequence(rv: RosterVars, a: int) -> list[Literal]:
    return _history(rv, a) + [rv.work[a, d] for d in range(rv.problem.days)]


def _night_sequence(rv: RosterVars, a: int) -> list[Literal]:
    hist = _history(rv, a, night=True)
    seq: list[Literal] = list(hist)
    for d in range(rv.problem.days):
        lit = rv.model.new_bool_var(f"night[{rv.problem.agents[a].id},{d}]")
        rv.model.add(lit == rv.night[a, d])
        seq.append(lit)
    return seq


def _neg(lit: Literal) -> Literal:
    return (not lit) if isinstance(lit, bool) else lit.Not()


def add_max_run(m: cp_model.CpModel, seq: list[Literal], k: int) -> None:
    """No more than ``k`` consecutive true literals."""
    for i in range(len(seq) - k):
        window = seq[i : i + k + 1]
        if all(isinstance(v, bool) for v in window):
            continue
        const = sum(1 for v in window if v is True)
        m.add(sum(v for v in window if not isinstance(v, bool)) <= k - const)


def add_min_run(m: cp_model.CpModel, seq: list[Literal], k: int, exempt: frozenset[int] = frozenset()) -> None:
    """Every run of true literals bounded by false on both sides has length >= ``k``,
    except a run that contains or touches a position in ``exempt`` (time off)."""
    n = len(seq)
    for length in range(1, k):
        for i in range(1, n - length):
            if exempt and any(j in exempt for j in range(i - 1, i + length + 1)):
                continue
            # forbid: seq[i-1] false, seq[i..i+length-1] true, seq[i+length] false
            clause = [seq[i - 1]] + [_neg(v) for v in seq[i : i + length]] + [seq[i + length]]
            if any(v is True for v in clause):
                continue
            lits = [v for v in clause if not isinstance(v, bool)]
            if lits:  # a run wholly inside the history is not the roster's doing
                m.add_bool_or(lits)


def _time_off_positions(rv: RosterVars, a: int) -> frozenset[int]:
    """Positions in ``_sequence`` of the agent's days of time off: a leave or sick day is
    not a planned rest block, so it exempts the runs it belongs to or bounds from the
    minimum-run rules (unless the rules say time off is rest, as in the benchmark)."""
    p = rv.problem
    if p.rules.time_off_is_rest:
        return frozenset()
    agent = p.agents[a].id
    off = {o.date for o in p.time_off if o.agent_id == agent}
    days = rv.timeline.history_dates() + rv.timeline.dates
    return frozenset(i for i, day in enumerate(days) if day in off)


def add_consecutive_days(rv: RosterVars) -> None:
    """At most N working days in a row (fatigue), and working blocks of at least M days
    when a minimum is set (benchmark contracts)."""
    r = rv.problem.rules
    for a, agent in enumerate(rv.problem.agents):
        seq = _sequence(rv, a)
        k = agent.max_consecutive_days if agent.max_consecutive_days is not None else r.max_consecutive_days
        if k is not None:
            add_max_run(rv.model, seq, k)
        mn = agent.min_consecutive_days if agent.min_consecutive_days is not None else r.min_consecutive_days
        if mn and mn > 1:
            add_min_run(rv.model, seq, mn, _time_off_positions(rv, a))


def add_consecutive_days_off(rv: RosterVars) -> None:
    """Days off come in blocks of at least N days (a single day off between work days
    does not let an agent recover).  A block holding a day of time off is exempt: a sick
    day between two working days is not a planned rest block the rule could lengthen."""
    r = rv.problem.rules
    for a, agent in enumerate(rv.problem.agents):
        mn = agent.min_consecutive_days_off if agent.min_consecutive_days_off is not None else r.min_consecutive_days_off
        if mn and mn > 1:
            add_min_run(rv.model, [_neg(v) for v in _sequence(rv, a)], mn, _time_off_positions(rv, a))


def add_nights_in_row(rv: RosterVars) -> None:
    """At most N night shifts in a row (night work is the most tiring)."""
    k = rv.problem.rules.max_nights_in_row
    if k is None or not any(t.is_night for t in rv.problem.templates):
        return
    for a in range(len(rv.problem.agents)):
        add_max_run(rv.model, _night_sequence(rv, a), k)


def week_blocks(days: int) -> list[range]:
    """7-day blocks from the horizon's first day (the last may be shorter)."""
    return [range(s, min(s + 7, days)) for s in range(0, days, 7)]


def days_off_needed(rules: Rules, days: int) -> int:
    """Days off required in a week of ``days`` days (prorated, rounded down, in a short
    last week; 0 when the rule is off)."""
    return math.floor((rules.min_days_off_per_week or 0) * days / 7)


def add_days_off_per_week(rv: RosterVars) -> None:
    """At least N days off in each week (``days_off_needed``)."""
    if not rv.problem.rules.min_days_off_per_week:
        return
    for a in range(len(rv.problem.agents)):
        for block in week_blocks(rv.problem.days):
            need = days_off_needed(rv.problem.rules, len(block))
            if need:
                rv.model.add(sum(rv.work[a, d] for d in block) <= len(block) - need)


def add_weekends(rv: RosterVars) -> None:
    """At most N worked weekends (Saturday or Sunday worked) in any window of W
    consecutive weekends, or over the whole horizon when W is None."""
    p, r = rv.problem, rv.problem.rules
    tl = rv.timeline
    hist_dates = tl.history_dates()
    all_dates = hist_dates + tl.dates
    saturdays = sorted({day - timedelta(days=(day.weekday() - 5) % 7) for day in all_dates if day.weekday() >= 5})
    horizon = set(tl.dates)
    for a, agent in enumerate(p.agents):
        cap = agent.max_weekends if agent.max_weekends is not None else r.max_weekends_per_window
        if cap is None:
            continue
        seq = dict(zip(all_dates, _sequence(rv, a)))
        worked: list[tuple[bool, Literal]] = []  # (touches horizon, literal)
        for sat in saturdays:
            days = [sat, sat + timedelta(days=1)]
            lits = [seq[day] for day in days if day in seq]
            in_horizon = any(day in horizon for day in days)
            if r.weekend_window_weeks is None and not in_horizon:
                continue
            if any(v is True for v in lits):
                worked.append((in_horizon, True))
                continue
            vars_ = [v for v in lits if not isinstance(v, bool)]
            if not vars_:
                worked.append((in_horizon, False))
                continue
            w = rv.model.new_bool_var(f"weekend[{agent.id},{sat}]")
            rv.model.add_max_equality(w, vars_)
            worked.append((in_horizon, w))
        size = r.weekend_window_weeks or len(worked)
        windows = [worked[i : i + size] for i in range(max(1, len(worked) - size + 1))]
        for win in windows:
            if not any(h for h, _ in win):
                continue
            const = sum(1 for _, v in win if v is True)
            rv.model.add(sum(v for _, v in win if not isinstance(v, bool)) <= cap - const)
