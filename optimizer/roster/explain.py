"""Why a roster problem is infeasible, in words, and the best roster that relaxes it.

A planner who gets "INFEASIBLE" cannot act on it.  This module answers three questions:

1. *Which rules conflict?*  The model is built once more with every hard-rule family's
   constraints made relaxable: each constraint gets an enforcement literal, one literal per
   (family, agent, first day) group.  Every family also gets an assumption literal that
   forces its groups on; CP-SAT's ``sufficient_assumptions_for_infeasibility`` gives a core
   of families, shrunk to a minimal one by deletion (an IIS over rule families).
2. *Where?*  For each family of the core, a focused solve relaxes only that family (plus,
   at a high price, families outside the core) and minimises its broken groups; the
   independent validator then names the agents, dates and intervals.  Counting diagnostics
   turn those into sentences: for a supervisor gap, every supervisor is listed with the
   reason it cannot take the hours (on leave, not cleared for nights, or the rule the
   validator says a covering shift would break).  Each line is a ``Sentence``: the terse
   English ``message`` the CLI prints, and a sentence for people whose values (agent ids,
   rule families, ISO dates) a page shows in its reader's language, with names.
3. *What roster then?*  Lexicographically: first the fewest, least important relaxations
   (``RELAX_COST`` per broken group, cheapest first), then the normal objective (coverage,
   fairness...) with that relaxation cost capped.  Every relaxation is listed from the
   validator's report of the returned roster, so the list is checked, not claimed.

Priority order (cheapest to relax first), with why: contract minimum hours (the agent is
paid anyway, money not health) < weekends < consecutive days off < days off per week and
movable training < per-template caps < nights in a row, consecutive days < contract
maximum hours < a supervisor on duty (bank policy, priced per interval) < minimum rest
(working-time law) < night eligibility (health) < pinned published shifts < approved
time off (a promise).  Skills and one-shift-per-day are structural in the model (never
relaxed): a skill gap shows up as under-coverage and is reported by ``coverage_sentences``.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from ortools.sat.python import cp_model

from optimizer import timeutil
from optimizer.progress import NEVER_CANCELLED, Cancellable, Progress, ProgressCallback, no_progress
from optimizer.roster.model import Family, RosterVars, build_model
from optimizer.roster.problem import Problem
from optimizer.roster.result import Param, Relaxation, RosterResult, Sentence
from optimizer.roster.validator import RosterRow, Violation, validate

#: cost of one relaxed group (one agent and day, or one interval for the supervisor rule)
RELAX_COST: dict[str, int] = {
    "weekly_hours_min": 1,
    "total_minutes_min": 1,
    "weekends": 2,
    "consecutive_days_off": 3,
    "days_off_per_week": 4,
    "fixed_activities": 4,
    "max_shifts_per_template": 5,
    "nights_in_row": 6,
    "consecutive_days": 6,
    "weekly_hours_max": 8,
    "total_minutes_max": 8,
    "supervisor_on_duty": 5,
    "rest_and_rotation": 200,
    "night_eligibility": 300,
    "pinned": 400,
    "time_off": 500,
}

WORDS: dict[str, str] = {
    "time_off": "approved time off",
    "night_eligibility": "night eligibility",
    "max_shifts_per_template": "maximum shifts of a template",
    "pinned": "pinned (published) shifts",
    "fixed_activities": "fixed activities (training, meetings)",
    "rest_and_rotation": "minimum rest between shifts",
    "consecutive_days": "consecutive working days",
    "consecutive_days_off": "minimum consecutive days off",
    "nights_in_row": "maximum nights in a row",
    "days_off_per_week": "minimum days off per week",
    "weekends": "maximum weekends worked",
    "weekly_hours_min": "weekly contract hours (minimum)",
    "weekly_hours_max": "weekly contract hours (maximum)",
    "total_minutes_min": "total contract minutes (minimum)",
    "total_minutes_max": "total contract minutes (maximum)",
    "supervisor_on_duty": "a supervisor on duty 24/7",
    "one_shift_per_day": "one shift per agent per day",
    "skills": "skills (agents cover only their queues)",
}

#: validator rule -> relaxable family (weekly hours and total minutes split by direction)
VALIDATOR_FAMILY: dict[str, str] = {
    "time_off": "time_off", "night_eligibility": "night_eligibility",
    "max_shifts_per_template": "max_shifts_per_template", "pinned": "pinned",
    "fixed_activities": "fixed_activities", "rest": "rest_and_rotation", "rotation": "rest_and_rotation",
    "max_consecutive_days": "consecutive_days", "min_consecutive_days": "consecutive_days",
    "min_consecutive_days_off": "consecutive_days_off", "max_nights_in_row": "nights_in_row",
    "min_days_off_per_week": "days_off_per_week", "max_weekends": "weekends",
    "supervisor_on_duty": "supervisor_on_duty",
}

_ENFORCEABLE = ("linear", "bool_or", "bool_and")
_BIG = 1 << 60


def family_of(v: Violation) -> str:
    """The relaxable family a validator violation belongs to ('' if structural)."""
    if v.rule in ("weekly_hours", "total_minutes"):
        return f"{v.rule}_{'min' if '<' in v.message else 'max'}"
    return VALIDATOR_FAMILY.get(v.rule, "")


@dataclass
class _Recorder:
    """``around`` hook for ``build_model``: remembers each family's constraint range."""

    ranges: dict[str, tuple[int, int]]

    def __call__(self, name: str, family: Family, rv: RosterVars) -> None:
        c0 = len(rv.model.proto.constraints)
        family(rv)
        self.ranges[name] = (c0, len(rv.model.proto.constraints))


_KINDS = ("linear", "bool_or", "bool_and", "lin_max", "at_most_one", "exactly_one")


def _kind(ct: object) -> str:
    return next((k for k in _KINDS if getattr(ct, f"has_{k}")()), "other")


def _ct_vars(ct: object) -> list[int]:
    kind = _kind(ct)
    if kind == "linear":
        return list(ct.linear.vars)  # type: ignore[attr-defined]
    if kind in ("bool_or", "bool_and", "at_most_one", "exactly_one"):
        return [v if v >= 0 else -v - 1 for v in getattr(ct, kind).literals]
    if kind == "lin_max":
        out = list(ct.lin_max.target.vars)  # type: ignore[attr-defined]
        for e in ct.lin_max.exprs:  # type: ignore[attr-defined]
            out += list(e.vars)
        return out
    return []


@dataclass
class Relaxable:
    """The roster model with every hard family relaxable, and its bookkeeping."""

    rv: RosterVars
    #: group literal (1 = the group's constraints hold) -> (family, agent index, day)
    groups: dict[int, tuple[str, int | None, int | None]]
    group_vars: dict[int, cp_model.IntVar]
    #: family -> assumption literal forcing all its groups on
    family_lits: dict[str, cp_model.IntVar]
    objective: object  # the original objective proto (copy), or None
    #: how far each relaxed hours/minutes bound is missed (minutes), minimised after the count
    shortfalls: list[cp_model.IntVar] = field(default_factory=list)


def build_relaxable(problem: Problem) -> Relaxable:
    rec = _Recorder({})
    rv = build_model(problem, around=rec)
    m = rv.model
    proto = m.proto
    owner: dict[int, tuple[int, int]] = {}
    for (a, d, _), var in rv.x.items():
        owner[var.index] = (a, d)
    for (a, d), var in rv.work.items():
        owner[var.index] = (a, d)
    objective = None
    if proto.has_objective():
        objective = type(proto.objective)()
        objective.copy_from(proto.objective)
        proto.clear_objective()
    keyed: dict[tuple[str, int | None, int | None], list[int]] = defaultdict(list)
    singles = 0
    for name, (c0, c1) in rec.ranges.items():
        # two passes: auxiliary variables (weekend, night literals) inherit their agent
        for _ in range(2):
            for k in range(c0, c1):
                vs = _ct_vars(proto.constraints[k])
                known = {owner[v] for v in vs if v in owner}
                agents = {a for a, _ in known}
                if len(agents) == 1:
                    day = min(d for _, d in known)
                    for v in vs:
                        owner.setdefault(v, (next(iter(agents)), day))
        for k in range(c0, c1):
            ct = proto.constraints[k]
            if _kind(ct) not in _ENFORCEABLE:
                continue
            fam = name
            if name in ("weekly_hours", "total_minutes"):
                fam = f"{name}_{'min' if list(ct.linear.domain)[-1] >= _BIG else 'max'}"
            known = {owner[v] for v in _ct_vars(ct) if v in owner}
            agents = {a for a, _ in known}
            if len(agents) == 1:
                key = (fam, next(iter(agents)), min(d for _, d in known))
            else:
                singles += 1
                key = (fam, None, -singles)
            keyed[key].append(k)
    groups, group_vars, family_lits = {}, {}, {}
    for (fam, a, d), cts in keyed.items():
        g = m.new_bool_var(f"enforce[{fam},{a},{d}]")
        for k in cts:
            proto.constraints[k].enforcement_literal.append(g.index)
        groups[g.index] = (fam, a, d if d is not None and d >= 0 else None)
        group_vars[g.index] = g
        if fam not in family_lits:
            family_lits[fam] = m.new_bool_var(f"assume[{fam}]")
        m.add_implication(family_lits[fam], g)
    return Relaxable(rv, groups, group_vars, family_lits, objective, _shortfalls(m, keyed))


def _shortfalls(m: cp_model.CpModel, keyed: dict) -> list[cp_model.IntVar]:
    """A slack per relaxable hours or minutes bound: a relaxed contract should miss its bound
    by as little as possible (40 h for a 45 h minimum when 40 h is all the rules allow, not
    32 h), so the amount is minimised right after the number of relaxations."""
    proto = m.proto
    out = []
    for (fam, _a, _d), cts in keyed.items():
        if not fam.startswith(("weekly_hours", "total_minutes")):
            continue
        for k in cts:
            lin = proto.constraints[k].linear
            dom = list(lin.domain)
            if len(dom) != 2:
                continue
            expr = sum(c * m.get_int_var_from_proto_index(v) for v, c in zip(lin.vars, lin.coeffs))
            lo, hi = dom
            if fam.endswith("_min") and 0 < lo < _BIG:
                short = m.new_int_var(0, lo, f"short[{k}]")
                m.add(expr + short >= lo)
            elif fam.endswith("_max") and -_BIG < hi < _BIG:
                short = m.new_int_var(0, 7 * 24 * 60 * 8, f"over[{k}]")
                m.add(expr - short <= hi)
            else:
                continue
            out.append(short)
    return out


def _solver(time_limit: float, num_workers: int, seed: int) -> cp_model.CpSolver:
    s = cp_model.CpSolver()
    s.parameters.max_time_in_seconds = max(0.1, time_limit)
    s.parameters.num_workers = num_workers
    s.parameters.random_seed = seed
    return s


def _infeasible_with(rx: Relaxable, families: list[str], time_limit: float, seed: int) -> tuple[bool | None, list[str]]:
    """Solve with ``families`` forced on; (infeasible?, core) - None when unknown."""
    m = rx.rv.model
    m.clear_assumptions()
    m.add_assumptions([rx.family_lits[f] for f in families])
    s = _solver(time_limit, 1, seed)  # the core is reported by the sequential search
    code = s.solve(m)
    m.clear_assumptions()
    if code == cp_model.INFEASIBLE:
        by_index = {lit.index: f for f, lit in rx.family_lits.items()}
        core = [by_index[i] for i in s.sufficient_assumptions_for_infeasibility() if i in by_index]
        return True, core or list(families)
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return False, []
    return None, []


def minimal_core(rx: Relaxable, time_limit: float, seed: int = 0) -> list[str]:
    """A minimal set of rule families that cannot hold together (deletion filter)."""
    t0 = time.monotonic()
    fams = sorted(rx.family_lits, key=lambda f: -RELAX_COST.get(f, 1))
    infeasible, core = _infeasible_with(rx, fams, time_limit / 2, seed)
    if not infeasible:
        return []
    core = sorted(core, key=lambda f: RELAX_COST.get(f, 1))
    for f in list(core):
        if f not in core:
            continue
        left = time_limit - (time.monotonic() - t0)
        if left <= 0.2 or len(core) == 1:
            break
        trial = [c for c in core if c != f]
        still, sub = _infeasible_with(rx, trial, left / max(1, len(core)), seed)
        if still:
            core = [c for c in core if c in sub] if sub else trial
    return core


def _penalty(rx: Relaxable, cost: dict[str, int]) -> cp_model.LinearExprT:
    return sum(cost.get(fam, 1) * (1 - rx.group_vars[g]) for g, (fam, _, _) in rx.groups.items())


def _solve_relaxed(rx: Relaxable, cost: dict[str, int], time_limit: float, num_workers: int, seed: int,
                   keep_objective: bool) -> tuple[cp_model.CpSolver, int]:
    """Minimise the relaxation cost; then, if ``keep_objective``, the normal objective
    with the relaxation cost capped at its optimum (lexicographic)."""
    m = rx.rv.model
    t0 = time.monotonic()
    pen = _penalty(rx, cost)
    short = sum(rx.shortfalls) if rx.shortfalls else 0
    # Lexicographic in one objective: the number (and importance) of relaxations first,
    # then by how much the relaxed hours bounds are missed (also in the focused solves:
    # "if it alone gave way" quotes their figures, which must be the least miss possible).
    scale = (1 + sum(int(list(m.proto.variables[v.index].domain)[-1]) for v in rx.shortfalls)
             if rx.shortfalls else 1)
    m.minimize(pen * scale + short)
    first = _solver(time_limit * (0.5 if keep_objective else 1.0), num_workers, seed)
    code = first.solve(m)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE) or not keep_objective or rx.objective is None:
        return first, code
    best = int(round(first.objective_value))
    m.add(pen <= best // scale)
    if rx.shortfalls:
        m.add(short <= best % scale)
    m.proto.objective.copy_from(rx.objective)
    m.clear_hints()
    sol = first.response_proto.solution
    m.proto.solution_hint.vars.extend(range(len(sol)))
    m.proto.solution_hint.values.extend(sol)
    second = _solver(time_limit - (time.monotonic() - t0), num_workers, seed)
    code2 = second.solve(m)
    if code2 in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return second, code2
    return first, code


# -- words ---------------------------------------------------------------------------
def _note(message: str, text: str, *parts: Sentence, **params: Param) -> Sentence:
    """A line of the explanation: ``message`` for the CLI, ``text`` with ``params`` for
    people (``text`` is marked for translation: the web app's catalogues extract this
    second argument, so it is always a literal), ``parts`` listed under it."""
    return Sentence(message, text, tuple(sorted(params.items())), parts)


def _said(v: Violation) -> Sentence:
    """A validator violation as a sentence (its own words, extracted from the validator)."""
    return Sentence(v.message, v.text or v.message, v.params)


def _hhmm(t: datetime) -> str:
    return t.strftime("%H:%M")


def _rows(result: RosterResult, tz: str) -> list[RosterRow]:
    from optimizer.roster.scenario import roster_rows

    return roster_rows(result, tz)


def _agent_problem(problem: Problem, agent_id: str) -> Problem:
    """``problem`` restricted to one agent (for "what would this shift break?" probes)."""
    mine = lambda items: tuple(i for i in items if i.agent_id == agent_id)  # noqa: E731
    return replace(problem, agents=(problem.agent(agent_id),), requirements=(), shift_demands=(),
                   time_off=mine(problem.time_off), preferences=(), activities=mine(problem.activities),
                   previous=mine(problem.previous), pinned=mine(problem.pinned),
                   rules=replace(problem.rules, supervisor_always_on_duty=False))


def _candidate_row(problem: Problem, agent_id: str, day: date, code: str) -> RosterRow:
    t = problem.template(code)
    s = problem.shift_start(day, t)
    tz = problem.timezone
    breaks = tuple((timeutil.to_local(s + timedelta(minutes=b.earliest), tz),
                    timeutil.to_local(s + timedelta(minutes=b.earliest + b.length_minutes), tz)) for b in t.breaks)
    return RosterRow(agent_id, day, code, timeutil.to_local(s, tz),
                     timeutil.to_local(s + timedelta(minutes=t.length_minutes), tz), breaks)


def blockers(problem: Problem, rows: list[RosterRow], agent_id: str, day: date, code: str) -> list[Violation]:
    """Hard rules (per the validator) that agent ``agent_id`` would break if given shift
    ``code`` on ``day`` on top of ``rows`` (replacing that day's shift)."""
    sub = _agent_problem(problem, agent_id)
    mine = [r for r in rows if r.agent_id == agent_id]
    before = {(v.rule, v.date, v.message) for v in validate(sub, mine)}
    trial = [r for r in mine if r.date != day] + [_candidate_row(problem, agent_id, day, code)]
    return [v for v in validate(sub, trial) if (v.rule, v.date, v.message) not in before]


def _supervisor_sentences(problem: Problem, rows: list[RosterRow], gaps: list[Violation]) -> list[Sentence]:
    """"no supervisor can cover 02:00-06:00 on 2026-03-14: 3 supervisors: ..." per gap,
    with each supervisor's reason as a part."""
    tz = problem.timezone
    step = timedelta(minutes=problem.interval_minutes)
    by_day: dict[date, list[datetime]] = defaultdict(list)
    for v in gaps:
        hhmm = v.message.rsplit(" ", 1)[-1]
        h, mi = map(int, hhmm.split(":"))
        by_day[v.date].append(datetime.combine(v.date, datetime.min.time()) + timedelta(hours=h, minutes=mi))
    sups = [a for a in problem.agents if a.supervisor]
    off = {(o.agent_id, o.date) for o in problem.time_off}
    out = []
    for day, starts in sorted(by_day.items()):
        starts.sort()
        blocks: list[list[datetime]] = []
        for s in starts:
            if blocks and s - blocks[-1][1] <= timedelta(0):
                blocks[-1][1] = s + step
            else:
                blocks.append([s, s + step])
        for b0, b1 in blocks:
            reasons = [_supervisor_reason(problem, rows, sup.id, day, b0, off) for sup in sups]
            start, end = _hhmm(b0), (_hhmm(b1) if b1.date() == day else "24:00")
            message = (f"[supervisor_on_duty] no supervisor can cover {start}-{end} on {day}: {len(sups)} supervisors: "
                       + "; ".join(r.message for r in reasons))
            out.append(_note(message, "No supervisor can cover %(start)s-%(end)s on %(day)s. Supervisors (%(count)s):",
                             *reasons, start=start, end=end, day=day.isoformat(), count=len(sups)))
    return out


def _supervisor_reason(problem: Problem, rows: list[RosterRow], sup_id: str, day: date, b0: datetime,
                       off: set[tuple[str, date]]) -> Sentence:
    """Why supervisor ``sup_id`` does not cover the gap starting at local ``b0``."""
    if (sup_id, day) in off:
        return _note(f"{sup_id} on leave", "%(agent)s is on leave.", agent=sup_id)
    utc0 = timeutil.to_utc(b0, problem.timezone)
    covering = [(d, t) for d in (day - timedelta(days=1), day) for t in problem.templates
                if problem.shift_start(d, t) <= utc0 < problem.shift_end(d, t)
                and problem.start_date <= d < problem.end_date]
    if not covering:
        return (_before_horizon(problem, sup_id, day, utc0)
                or _note(f"{sup_id}: no shift template covers {_hhmm(b0)}", "%(agent)s: no shift covers %(time)s.",
                         agent=sup_id, time=_hhmm(b0)))
    sup = problem.agent(sup_id)
    if not sup.night_ok and all(t.is_night for _, t in covering):
        return _note(f"{sup_id} not cleared for nights", "%(agent)s is not cleared for nights.", agent=sup_id)
    first: Violation | None = None
    for d, t in covering:
        found = blockers(problem, rows, sup_id, d, t.code)
        if not found:
            first = None
            break
        first = first or found[0]
    if first is not None:
        message = f"{sup_id} would break {first.rule.replace('_', ' ')} ({first.message})"
        return _note(message, "%(agent)s cannot take these hours without breaking “%(family)s”: %(detail)s",
                     agent=sup_id, family=family_of(first) or first.rule, detail=_said(first))
    works = [r for r in rows if r.agent_id == sup_id and r.date == day]
    if works:
        w = works[0]
        return _note(f"{sup_id} works {w.shift_code} {_hhmm(w.start)}-{_hhmm(w.end)}",
                     "%(agent)s works %(shift)s %(start)s-%(end)s.", agent=sup_id, shift=w.shift_code,
                     start=_hhmm(w.start), end=_hhmm(w.end))
    return _note(f"{sup_id} on a break or in an activity", "%(agent)s is on a break or in an activity then.",
                 agent=sup_id)


def _before_horizon(problem: Problem, agent_id: str, day: date, utc0: datetime) -> Sentence | None:
    """Why ``agent_id`` does not cover ``utc0`` when only a shift of the day before the
    horizon could (the previous roster fixed that night), or None."""
    eve = day - timedelta(days=1)
    if eve >= problem.start_date or not any(problem.shift_start(eve, t) <= utc0 < problem.shift_end(eve, t)
                                            for t in problem.templates):
        return None
    hhmm = _hhmm(timeutil.to_local(utc0, problem.timezone))
    worked = [a.shift_code for a in problem.previous if a.agent_id == agent_id and a.date == eve]
    had = f"has {worked[0]} then, which leaves {hhmm} uncovered" if worked else "has the day off"
    message = (f"{agent_id}: only a shift starting on {eve} (before the horizon) covers {hhmm}, "
               f"and the previous roster {had}")
    if worked:
        return _note(message, "%(agent)s: only a shift starting on %(day)s, before this period, covers %(time)s, "
                     "and the previous roster gives %(agent)s the %(shift)s shift that day, which leaves %(time)s "
                     "uncovered.", agent=agent_id, day=eve.isoformat(), time=hhmm, shift=worked[0])
    return _note(message, "%(agent)s: only a shift starting on %(day)s, before this period, covers %(time)s, "
                 "and the previous roster gives %(agent)s that day off.", agent=agent_id, day=eve.isoformat(), time=hhmm)


def _agent_context(problem: Problem, agent_id: str, day: date | None) -> tuple[str, list[Sentence]]:
    """Facts that pin an agent down near ``day``: leave, pinned shifts, activities; as the
    CLI's parenthesis and as sentences (one per pinned shift and activity)."""
    facts: list[str] = []
    said: list[Sentence] = []
    near = (lambda d: day is None or abs((d - day).days) <= 7)
    leave = sorted(o.date for o in problem.time_off if o.agent_id == agent_id and near(o.date))
    if leave:
        facts.append("on leave " + ", ".join(str(d) for d in leave))
        said.append(_note(facts[-1], "On leave on %(days)s.", days=tuple(d.isoformat() for d in leave)))
    pins = sorted((p.date, p.shift_code) for p in problem.pinned if p.agent_id == agent_id and near(p.date))
    if pins:
        facts.append("pinned " + ", ".join(f"{c} on {d}" for d, c in pins))
        said += [_note(f"pinned {c} on {d}", "Pinned to the %(shift)s shift on %(day)s.", shift=c, day=d.isoformat())
                 for d, c in pins]
    tz = problem.timezone
    acts = [a for a in problem.activities if a.agent_id == agent_id]
    for a in acts:
        s = timeutil.to_local(a.start, tz)
        if near(s.date()):
            end = _hhmm(timeutil.to_local(a.end, tz))
            facts.append(f"{a.kind} {s:%Y-%m-%d %H:%M}-{end}")
            said.append(_note(facts[-1], "%(activity)s on %(day)s, %(start)s-%(end)s.", activity=a.kind,
                              day=s.date().isoformat(), start=_hhmm(s), end=end))
    agent = problem.agent(agent_id)
    if not agent.night_ok:
        facts.append("not cleared for nights")
        said.append(_note(facts[-1], "Not cleared for nights."))
    return (f" ({'; '.join(facts)})" if facts else ""), said


def _family_sentences(problem: Problem, fam: str, rows: list[RosterRow], found: list[Violation]) -> list[Sentence]:
    if fam == "supervisor_on_duty":
        return _supervisor_sentences(problem, rows, found)
    out = []
    for v in found:
        where = f"{v.agent_id} on {v.date}" if v.agent_id else f"on {v.date}"
        ctx, facts = _agent_context(problem, v.agent_id, v.date) if v.agent_id else ("", [])
        extra = ""
        if fam == "weekly_hours_min" and v.agent_id and v.date:
            capacity = _capacity_note(problem, v.agent_id, v.date)
            extra = "; " + capacity.message
            facts.append(capacity)
        message = f"[{fam}] {WORDS.get(fam, fam)}, if it alone gave way: {where}: {v.message}{ctx}{extra}"
        if v.agent_id and v.date:
            out.append(_note(message, "If only “%(family)s” gave way, it would break for %(agent)s on %(day)s: "
                             "%(detail)s", *facts, family=fam, agent=v.agent_id, day=v.date.isoformat(),
                             detail=_said(v)))
        elif v.agent_id:
            out.append(_note(message, "If only “%(family)s” gave way, it would break for %(agent)s: %(detail)s",
                             *facts, family=fam, agent=v.agent_id, detail=_said(v)))
        else:
            out.append(_note(message, "If only “%(family)s” gave way, it would break on %(day)s: %(detail)s",
                             *facts, family=fam, day=v.date.isoformat() if v.date else "", detail=_said(v)))
    return out


def _part_of_conflict(fam: str) -> Sentence:
    """A family of the conflict whose focused solve named nothing more precise."""
    return _note(f"[{fam}] {WORDS.get(fam, fam)} is part of the conflict", "“%(family)s” is part of the conflict.",
                 family=fam)


def _capacity_note(problem: Problem, agent_id: str, week_start: date) -> Sentence:
    week = [week_start + timedelta(days=i) for i in range(7) if week_start + timedelta(days=i) < problem.end_date]
    off = sum(1 for d in week if any(o.agent_id == agent_id and o.date == d for o in problem.time_off))
    rest_days = problem.rules.min_days_off_per_week or 0
    can = max(0, min(len(week) - off, len(week) - rest_days))
    longest = max(t.paid_minutes for t in problem.templates) / 60
    agent = problem.agent(agent_id)
    message = (f"at most {can} working days ({off} on leave, min {rest_days} days off per week) x {longest:g} h "
               f"= {can * longest:g} h against a {agent.min_hours_week:g} h minimum")
    return _note(message, "Working days: at most %(days)s (days on leave: %(leave)s; days off a week: at least "
                 "%(rest)s) × %(hours)s h = %(total)s h, against a minimum of %(min)s h.", days=can, leave=off,
                 rest=rest_days, hours=f"{longest:g}", total=f"{can * longest:g}", min=f"{agent.min_hours_week:g}")


def structural_notes(problem: Problem) -> list[Sentence]:
    """Direct counting checks for what the model treats as structural."""
    out = []
    seen: dict[tuple[str, date], list[str]] = defaultdict(list)
    for p in problem.pinned:
        seen[p.agent_id, p.date].append(p.shift_code)
    for (a, d), codes in sorted(seen.items()):
        if len(set(codes)) > 1:
            out.append(_note(f"[one_shift_per_day] {a} has {len(codes)} pinned shifts on {d}: {', '.join(codes)}",
                             "%(agent)s has %(count)s pinned shifts on %(day)s (%(shifts)s) but works one shift a day.",
                             agent=a, count=len(codes), day=d.isoformat(), shifts=tuple(codes)))
    tz = problem.timezone
    acts: dict[tuple[str, date], list] = defaultdict(list)
    for act in problem.activities:
        acts[act.agent_id, timeutil.to_local(act.start, tz).date()].append(act)
    for (a, d), items in sorted(acts.items()):
        if len(items) < 2:
            continue
        lo, hi = min(x.start for x in items), max(x.end for x in items)
        fits = any(problem.shift_start(day, t) <= lo and hi <= problem.shift_end(day, t)
                   for day in (d - timedelta(days=1), d) for t in problem.templates)
        if not fits:
            spans = [_note(f"{x.kind} {start}-{end}", "%(activity)s, %(start)s-%(end)s.", activity=x.kind,
                           start=start, end=end)
                     for x in items
                     for start, end in [(_hhmm(timeutil.to_local(x.start, tz)), _hhmm(timeutil.to_local(x.end, tz)))]]
            message = (f"[one_shift_per_day] {a} on {d} would need two shifts: "
                       f"{', '.join(x.message for x in spans)} fit in no single shift")
            out.append(_note(message, "%(agent)s would need two shifts on %(day)s: these activities fit in no "
                             "single shift:", *spans, agent=a, day=d.isoformat()))
    return out


def coverage_sentences(problem: Problem, limit: int = 5) -> list[Sentence]:
    """Skill gaps: intervals where a queue needs more agents than are skilled for it
    (and not on leave), so under-coverage there is unavoidable.  Each gap is a
    ``Sentence`` like the other lines of the explanation (``message`` for the CLI, the
    sentence for people a page says in its reader's language, agents by name)."""
    tz = problem.timezone
    skilled: dict[str, list[str]] = defaultdict(list)
    for a in problem.agents:
        for q in a.skills:
            skilled[q].append(a.id)
    off = {(o.agent_id, o.date) for o in problem.time_off}
    gaps: dict[tuple[str, date], list[tuple[datetime, int, int]]] = defaultdict(list)
    for r in problem.requirements:
        local = timeutil.to_local(r.start, tz)
        avail = [a for a in skilled.get(r.queue, []) if (a, local.date()) not in off]
        if r.agents > len(avail):
            gaps[r.queue, local.date()].append((local, r.agents, len(avail)))
    out = []
    for (q, d), items in sorted(gaps.items())[:limit]:
        need = max(n for _, n, _ in items)
        have = min(h for _, _, h in items)
        some = tuple(skilled.get(q, [])[:5])
        message = (f"[skills] queue {q} on {d}: {len(items)} intervals from {_hhmm(items[0][0])} need up to {need} "
                   f"agents but only {have} skilled agents are available "
                   f"(skilled for {q}: {', '.join(some) or 'none'})")
        common: dict[str, Param] = dict(queue=q, day=d.isoformat(), time=_hhmm(items[0][0]), need=need, have=have,
                                        count=len(items))
        if some:
            out.append(_note(message, "Skill gap in %(queue)s on %(day)s from %(time)s. Agents needed: up to %(need)s; "
                             "skilled and available: %(have)s; intervals affected: %(count)s. Skilled for %(queue)s: "
                             "%(agents)s.", agents=some, **common))
        else:
            out.append(_note(message, "Skill gap in %(queue)s on %(day)s from %(time)s. Agents needed: up to %(need)s; "
                             "skilled and available: %(have)s; intervals affected: %(count)s. Nobody is skilled for "
                             "%(queue)s.", **common))
    if len(gaps) > limit:
        out.append(_note(f"[skills] ... and {len(gaps) - limit} more queue-days with a skill gap",
                         "Skill gaps not listed here (one skill on one day each): %(count)s.", count=len(gaps) - limit))
    return out


# -- the façade ----------------------------------------------------------------------
@dataclass(frozen=True)
class Explanation:
    conflicting_rules: tuple[str, ...]
    #: each line for the CLI (``message``) and for people (``text``, ``params``, ``parts``)
    sentences: tuple[Sentence, ...]
    relaxations: tuple[Relaxation, ...]
    roster: RosterResult | None

    @property
    def messages(self) -> tuple[str, ...]:
        return tuple(s.message for s in self.sentences)


def explain(problem: Problem, *, time_limit: float = 30.0, num_workers: int = 2, seed: int = 0,
            progress: ProgressCallback | None = None, cancel: Cancellable | None = None) -> Explanation:
    """Diagnose an infeasible ``problem``: minimal conflicting rule families, sentences
    naming agents/dates/intervals, and the best relaxed roster with its relaxations."""
    from optimizer.roster.solve import extract

    progress = progress or no_progress
    cancel = cancel or NEVER_CANCELLED
    t0 = time.monotonic()
    left = lambda: max(0.2, time_limit - (time.monotonic() - t0))  # noqa: E731
    progress(Progress(stage="explain", message="finding the conflicting rules", time_limit=time_limit))
    sentences = structural_notes(problem)
    rx = build_relaxable(problem)
    core = minimal_core(rx, left() * 0.3, seed)
    if core:
        message = ("the hard rules cannot all hold; these rule families conflict: "
                   + ", ".join(f"{f} ({WORDS.get(f, f)})" for f in core))
        sentences.insert(0, _note(message, "The hard rules cannot all hold together; these rules conflict: "
                                  "%(families)s.", families=tuple(core)))
    # Where: one focused solve per family of the core.
    for fam in core:
        if cancel.is_cancelled():
            break
        frx = build_relaxable(problem)
        cost = {f: (1 if f == fam else 1000) for f in frx.family_lits}
        for f in core:
            if f != fam:
                frx.rv.model.add_assumptions([frx.family_lits[f]])
        share = left() * 0.4 / max(1, len(core))
        solver, code = _solve_relaxed(frx, cost, share, num_workers, seed, keep_objective=False)
        frx.rv.model.clear_assumptions()
        if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            sentences.append(_part_of_conflict(fam))
            continue
        res = extract(frx.rv, solver, code, 1, False, 0.0)
        rows = _rows(res, problem.timezone)
        found = [v for v in validate(problem, rows) if family_of(v) == fam]
        sentences += _family_sentences(problem, fam, rows, found) or [_part_of_conflict(fam)]
    # What roster then: fewest, least important relaxations, then the usual objective.
    progress(Progress(stage="explain", message="best relaxed roster", elapsed=time.monotonic() - t0,
                      time_limit=time_limit))
    solver, code = _solve_relaxed(rx, RELAX_COST, left(), num_workers, seed, keep_objective=True)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        if not core:
            message = ("no roster exists even with every relaxable rule relaxed: check the structural "
                       "notes (one shift per day, activities outside every shift template)")
            sentences.append(_note(message, "No roster exists even with every rule that may give way relaxed: see "
                                   "the notes on one shift a day and on activities outside every shift."))
        return Explanation(tuple(core), tuple(sentences), (), None)
    roster = extract(rx.rv, solver, code, 1, False, time.monotonic() - t0)
    rows = _rows(roster, problem.timezone)
    relaxations = tuple(Relaxation(family_of(v) or v.rule, v.agent_id, v.date, f"{WORDS.get(family_of(v), v.rule)}: {v.message}")
                        for v in validate(problem, rows))
    if relaxations:
        fams = sorted({r.rule for r in relaxations})
        message = f"best roster relaxes {len(relaxations)} rule instance(s) of: {', '.join(fams)}"
        sentences.append(_note(message, "Exceptions in the best roster: %(count)s, to these rules: %(families)s.",
                               count=len(relaxations), families=tuple(fams)))
    return Explanation(tuple(core), tuple(sentences), relaxations, roster)


def explained(problem: Problem, result: RosterResult, *, time_limit: float, num_workers: int = 2,
              seed: int = 0, progress: ProgressCallback | None = None,
              cancel: Cancellable | None = None) -> RosterResult:
    """``result`` (INFEASIBLE) completed with the explanation and, in ``relaxed``, the
    best relaxed roster (``write_outputs`` writes it as roster.csv)."""
    ex = explain(problem, time_limit=time_limit, num_workers=num_workers, seed=seed, progress=progress, cancel=cancel)
    return replace(result, explanation=ex.messages, explanation_sentences=ex.sentences,
                   conflicting_rules=ex.conflicting_rules,
                   relaxations=ex.relaxations, relaxed=ex.roster,
                   runtime=result.runtime + (ex.roster.runtime if ex.roster is not None else 0.0))
