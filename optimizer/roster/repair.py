"""Minimal-change repair of a published roster after sick calls or late leave.

A published roster has been sent to the agents; when some of them drop out, the planner
must refill the gaps with as few changed shifts as possible, because every change is a
phone call and a disrupted private life.  The repair:

- adds the absences as time off: the absent agents' shifts go, the day counts toward
  their weekly minimum as the contract's average daily hours, and it is not a planned
  rest block for the minimum-run rules (``Rules.time_off_is_rest``), so a sick day
  between two working days forces nothing by itself;
- names what the absences break by themselves (``forced``): the published roster minus
  the absent shifts is checked by the independent validator (a part-timer whose sick day
  leaves the week below the contract minimum), and those agents are freed over that week;
- keeps every other published shift unless changing it pays: each changed agent-day
  (a shift removed, added, or moved to another template) costs ``change_weight`` in one
  objective with coverage.  Default 4 x ``weights.under_coverage`` = the price of one
  agent missing for one hour on a 15-minute grid: a change must win back more than an
  agent-hour of lost coverage, so under-coverage costs more than any change that
  refills more than an hour;
- prefers agents below their contract hours that week: a shift added on a day off costs
  from half the change price (no hours yet) to the full price (at the contract), so the
  agent furthest below the contract is called in first;
- restores, does not re-plan (``restore_only``): requirements are capped at what the
  published roster covered, so changes only pay where the absences left a gap;
- is solved in neighbourhoods (``NEIGHBOURHOODS``), everything outside fixed to the
  published roster.  The model holds only the *candidates* (the absent agents, those a
  forced rule names, the agents sharing a queue with an absent agent, and every
  supervisor when supervision is at stake), with every hard rule of the engine over the
  whole horizon; the other agents' unchanged shifts enter as covered demand.
  ``near`` frees the candidates on the absence days and the day either side (and the
  absent / forced agents over their weeks); ``weeks`` frees the candidates over the weeks
  holding an absence (a day either side); ``center`` frees every agent over those weeks;
  ``horizon`` (a re-plan) only runs when no neighbourhood had a repair.  A wider one is
  tried, warm-started from the best repair so far, only while more than a change's worth
  of lost coverage is left and the previous widening helped;
- prunes: when the search stops before proving a repair optimal, its changed agent-days
  alone are re-solved (each keeps its change or returns to the published shift), which
  drops changes that pay nothing (a shift swapped away and back);
- prices coverage per queue and interval in that model (``_cell_cover``: each shift counts
  its on-phone share), then places the breaks of the whole repaired roster exactly with
  the engine's coverage families and the supervisor rule (``large.place_breaks``);
- if the rules cannot all hold (the only free supervisor is the sick one), returns the
  explanation and a relaxed roster, like ``solve``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Iterable

from ortools.sat.python import cp_model

from optimizer import timeutil
from optimizer.progress import NEVER_CANCELLED, Cancellable, Progress, ProgressCallback, no_progress
from optimizer.roster.model import RosterVars, build_model
from optimizer.roster.model.timeline import Timeline
from optimizer.roster.model.sequences import week_blocks
from optimizer.roster.problem import Assignment, Problem, ProblemError, TimeOff
from optimizer.roster.result import CoverageRow, RosterResult, ShiftAssignment
from optimizer.roster.validator import RosterRow, Violation, validate

#: neighbourhoods in the order they are tried (see the module docstring)
NEIGHBOURHOODS = ("near", "weeks", "center", "horizon")
#: share of the time left that a neighbourhood gets when a wider one may follow
_SHARE = {"near": 0.3, "weeks": 0.4, "center": 0.6, "horizon": 1.0}
#: coverage cell of the repair model, minutes (see ``_cell_cover``); hours (60) were
#: tried first: an absent shift's loss hid in hours over-covered on average (0 changes
#: for 945 lost agent-minutes on one bench case)
COVER_MINUTES = 15
#: share of the time limit kept for placing the breaks of the whole repaired roster
_RESERVE = 0.3
#: rules whose violation in the published roster minus the absences is not an agent's
_NOT_AGENT_RULES = {"supervisor_on_duty"}


@dataclass(frozen=True)
class Change:
    """One agent-day whose shift differs from the published roster ('' = day off)."""

    agent_id: str
    date: date
    old_shift: str
    new_shift: str


@dataclass(frozen=True)
class RepairResult:
    result: RosterResult
    #: agent-days changed beyond the absent agents' own removed shifts (the messages)
    changes: tuple[Change, ...]
    #: the problem as repaired (absences added as time off): validate against this one
    problem: Problem
    #: published shifts removed because their agent is absent
    removed: tuple[Change, ...]
    #: days the repair was allowed to change
    window: tuple[date, date]
    #: hard-rule violations of the published roster minus the absent shifts: what the
    #: absences force beyond refilling coverage (empty when only coverage is lost)
    forced: tuple[Violation, ...] = ()
    #: the neighbourhood the kept repair was found in
    neighbourhood: str = ""

    @property
    def changed_agents(self) -> tuple[str, ...]:
        return tuple(sorted({c.agent_id for c in self.changes}))


def _window(problem: Problem, dates: Iterable[date], margin: int = 1) -> set[int]:
    """Day indexes of the weeks holding ``dates``, plus ``margin`` days each side."""
    days = {day: d for d, day in enumerate(problem.dates)}
    touched = {days[x] for x in dates if x in days}
    out: set[int] = set()
    for block in week_blocks(problem.days):
        if touched & set(block):
            out |= set(range(max(0, block.start - margin), min(problem.days, block.stop + margin)))
    return out


def repair(
    problem: Problem,
    published: Iterable[Assignment],
    absences: Iterable[TimeOff | tuple[str, date]],
    *,
    time_limit: float = 60.0,
    num_workers: int = 2,
    seed: int = 0,
    progress: ProgressCallback | None = None,
    cancel: Cancellable | None = None,
    change_weight: int | None = None,
    whole_horizon: bool = False,
    restore_only: bool = True,
    neighbourhoods: tuple[str, ...] = NEIGHBOURHOODS,
) -> RepairResult:
    """Refill the gaps left by ``absences`` in ``published`` with the fewest changes.

    ``published`` may carry each shift's breaks (``Assignment.breaks``, UTC): shifts the
    repair keeps then keep them.  ``neighbourhoods`` lists the neighbourhoods to try;
    ``()`` changes nothing (the published roster minus the absent shifts: an
    "unrepaired" baseline); ``whole_horizon`` means ``("horizon",)``."""
    from optimizer.roster.explain import _note, explained
    from optimizer.roster.large import place_breaks
    from optimizer.roster.solve import apply_hint, extract, run_cp_sat

    t0 = time.monotonic()
    progress = progress or no_progress
    cancel = cancel or NEVER_CANCELLED
    ids = {a.id for a in problem.agents}
    absent = [a if isinstance(a, TimeOff) else TimeOff(a[0], a[1]) for a in absences]
    for a in absent:
        if a.agent_id not in ids:
            raise ProblemError("absent", f"unknown agent {a.agent_id}")
        if not problem.start_date <= a.date < problem.end_date:
            raise ProblemError("absent", f"{a.agent_id}:{a.date} is outside the roster horizon")
    published = [p for p in published if problem.start_date <= p.date < problem.end_date]
    off = {(a.agent_id, a.date) for a in absent}
    removed = tuple(Change(p.agent_id, p.date, p.shift_code, "") for p in published if (p.agent_id, p.date) in off)
    kept = [p for p in published if (p.agent_id, p.date) not in off]
    known_off = {(o.agent_id, o.date) for o in problem.time_off}
    repaired = replace(problem, time_off=problem.time_off + tuple(a for a in absent if (a.agent_id, a.date) not in known_off),
                       pinned=tuple(p for p in problem.pinned if (p.agent_id, p.date) not in off))
    weight = change_weight if change_weight is not None else 4 * problem.weights.under_coverage
    forced = _forced(problem, repaired, published, kept)
    for v in forced:
        progress(Progress(stage="repair", message=f"the absences break {v}"))
    levels = ("horizon",) if whole_horizon else tuple(neighbourhoods)
    weight_under = max(1, problem.weights.under_coverage)

    # best: (lost coverage + change cost, roster, the neighbourhood's result, level, free cells)
    best: tuple[float, list[Assignment], RosterResult, str, set[tuple[str, int]]] | None = None
    last: RosterResult | None = None
    if not levels:
        best = (0.0, kept, RosterResult("FEASIBLE" if not forced else "INFEASIBLE", None, None, 0.0,
                                        problem.interval_minutes), "none", set())
    for i, level in enumerate(levels):
        left = time_limit - (time.monotonic() - t0)
        if best is not None and (left < _RESERVE * time_limit + 2.0 or level == "horizon"):
            break  # a re-plan of the whole horizon only when no neighbourhood had a repair
        candidates = _candidates(level, repaired, absent, forced)
        free = _free_cells(level, repaired, absent, forced, candidates)
        sub = _sub(repaired, candidates)
        need = _cell_need(repaired, published, candidates, restore_only)
        # keep a share of the time for the final break placement of the whole center
        budget = max(0.5, (left - _RESERVE * time_limit) * (1.0 if i == len(levels) - 1 else _SHARE[level]))
        progress(Progress(stage="repair", message=f"neighbourhood {level}: {len(candidates)} agents, "
                          f"{len(free)} agent-days free", elapsed=time.monotonic() - t0, time_limit=time_limit))
        t1 = time.monotonic()
        rv = _model(sub, [k for k in kept if k.agent_id in candidates], free, off, weight, need)
        base = best[1] if best is not None else kept
        apply_hint(rv, [h for h in base if h.agent_id in candidates], max(0.2, min(5.0, 0.2 * budget)))
        solver, code, reporter, cancelled = run_cp_sat(
            rv, time_limit=max(0.5, budget - (time.monotonic() - t1)), num_workers=num_workers, seed=seed,
            progress=progress, cancel=cancel, stage="repair")
        last = extract(rv, solver, code, reporter.solutions, cancelled, time.monotonic() - t0)
        if last.feasible:
            roster = [k for k in kept if k.agent_id not in candidates] + [
                Assignment(s.agent_id, s.date, s.shift_code) for s in last.assignments]
            lost = sum(int(solver.value(t.var)) for t in rv.soft if t.rule == "coarse_under") // 10
            cost = sum(solver.value(t.var) * t.weight for t in rv.soft if t.rule in ("coarse_under", "change"))
            if last.status != "OPTIMAL" and not cancelled:
                roster, cost = _prune(sub, kept, roster, cost, off, weight, need, candidates,
                                      time_limit=min(5.0, max(1.0, 0.1 * time_limit)), num_workers=num_workers,
                                      seed=seed, cancel=cancel)
            progress(Progress(stage="repair", message=f"neighbourhood {level}: {len(_diff(kept, roster))} changes, "
                              f"{lost * problem.interval_minutes} agent-minutes of lost coverage left",
                              elapsed=time.monotonic() - t0, time_limit=time_limit))
            improved = best is None or cost < best[0]
            if improved:
                best = (cost, roster, last, level, free)
            # widen only while it can pay: a change must win back one change price of
            # coverage, and a wider neighbourhood that found nothing better ends the search
            if lost * weight_under < weight or (i >= 1 and not improved):
                break
        if cancelled:
            break
    if best is None:
        assert last is not None
        result = last
        if result.status == "INFEASIBLE" and not result.cancelled:
            result = explained(repaired, result, time_limit=max(5.0, time_limit - (time.monotonic() - t0)),
                               num_workers=num_workers, seed=seed, progress=progress, cancel=cancel)
        return RepairResult(result, diff(kept, result.relaxed if result.relaxed is not None else result), repaired,
                            removed, (problem.start_date, problem.start_date), forced, levels[-1])
    _, roster, found, level, free = best
    # unchanged shifts keep their published breaks (a moved break is a message too); when
    # the published breaks are unknown, or keeping them breaks a rule, the breaks of the
    # whole center are placed once more with every shift fixed (the engine's coverage
    # families, supervisor rule included).  Coverage is against the real requirements.
    left = time_limit - (time.monotonic() - t0)
    placed = _keep_breaks(repaired, roster, published)
    for attempt in range(0 if placed is not None else 2):  # a loaded machine may need a second go (over the time limit)
        placed = place_breaks(repaired, roster, time_limit=max(10.0, left if attempt == 0 else _RESERVE * time_limit),
                              num_workers=num_workers, seed=seed + attempt, cancel=cancel)
        if placed is not None or cancel.is_cancelled():
            break
        progress(Progress(stage="repair", message="no break placement yet: trying once more",
                          elapsed=time.monotonic() - t0, time_limit=time_limit))
    if placed is None:
        # said to people too: the web page shows it in its reader's language
        said = _note("no break placement keeps a supervisor on duty within the time limit",
                     "Within the time limit, no placement of the breaks was found that keeps a supervisor on duty.")
        result = RosterResult("UNKNOWN", None, None, time.monotonic() - t0, problem.interval_minutes,
                              explanation=(said.message,), explanation_sentences=(said,))
    else:
        shifts, coverage = placed
        result = replace(found, assignments=shifts, coverage=coverage, runtime=time.monotonic() - t0,
                         stats={**found.stats, "neighbourhood_agents": len({a for a, _ in free}),
                                "neighbourhood_agent_days": len(free)})
        if not levels and forced:
            result = replace(result, assignments=())
    days = sorted({d for _, d in free})
    window = (repaired.dates[days[0]], repaired.dates[days[-1]]) if days else (problem.start_date, problem.start_date)
    return RepairResult(result, _diff(kept, roster), repaired, removed, window, forced, level)


def _prune(sub: Problem, kept: list[Assignment], roster: list[Assignment], cost: float, off: set[tuple[str, date]],
           weight: int, need: dict[tuple[str, int], int], candidates: set[str], *, time_limit: float,
           num_workers: int, seed: int, cancel: Cancellable) -> tuple[list[Assignment], float]:
    """A repair the search stopped on before proving it optimal may carry changes that
    pay nothing (a shift swapped to another day and back elsewhere): re-solve with only
    its changed agent-days free (each may keep its change or go back to the published
    shift), which CP-SAT closes in a moment.  Returns the better of the two."""
    from optimizer.roster.solve import apply_hint, run_cp_sat

    index = {day: d for d, day in enumerate(sub.dates)}
    changed = {(c.agent_id, index[c.date]) for c in _diff(kept, roster) if (c.agent_id, c.date) not in off}
    if not changed:
        return roster, cost
    mine = [k for k in kept if k.agent_id in candidates]
    rv = _model(sub, mine, changed, off, weight, need)
    apply_hint(rv, [r for r in roster if r.agent_id in candidates], max(0.2, min(2.0, time_limit)))
    solver, code, _, _ = run_cp_sat(rv, time_limit=time_limit, num_workers=num_workers, seed=seed,
                                    progress=no_progress, cancel=cancel, stage="repair")
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return roster, cost
    better = sum(solver.value(t.var) * t.weight for t in rv.soft if t.rule in ("coarse_under", "change"))
    if better >= cost:
        return roster, cost
    dates = rv.timeline.dates
    pruned = [k for k in kept if k.agent_id not in candidates] + [
        Assignment(sub.agents[a].id, dates[d], code_) for (a, d, code_), var in rv.x.items() if solver.value(var)]
    return pruned, better


def _candidates(level: str, problem: Problem, absent: list[TimeOff], forced: tuple[Violation, ...]) -> set[str]:
    """Agents the repair may touch: the absent ones, those a forced rule names, and those
    sharing a queue with an absent agent (only they can refill its queues); every
    supervisor when supervision is at stake; everyone over the whole horizon."""
    if level in ("center", "horizon"):
        return {a.id for a in problem.agents}
    out = {x.agent_id for x in absent} | {v.agent_id for v in forced if v.agent_id}
    queues = {q for a in problem.agents if a.id in {x.agent_id for x in absent} for q in a.skills}
    out |= {a.id for a in problem.agents if queues & set(a.skills) and not a.supervisor}
    if any(problem.agent(i).supervisor for i in out) or any(v.rule in _NOT_AGENT_RULES for v in forced):
        out |= {a.id for a in problem.agents if a.supervisor}
    return out


def _free_cells(level: str, problem: Problem, absent: list[TimeOff], forced: tuple[Violation, ...],
                candidates: set[str]) -> set[tuple[str, int]]:
    """(agent id, day index) pairs the solver may change in neighbourhood ``level``."""
    agents = [a for a in problem.agents if a.id in candidates]
    if level == "horizon":
        return {(a.id, d) for a in agents for d in range(problem.days)}
    index = {day: d for d, day in enumerate(problem.dates)}
    dates = [x.date for x in absent] + [v.date for v in forced if v.date is not None]
    window = _window(problem, dates)
    if level in ("weeks", "center"):
        return {(a.id, d) for a in agents for d in window}
    if level != "near":
        raise ValueError(f"unknown neighbourhood {level!r}")
    near = {index[x.date] + k for x in absent for k in (-1, 0, 1)} & set(range(problem.days))
    free = {(a.id, d) for a in agents for d in near}
    for agent in agents:
        own = [x.date for x in absent if x.agent_id == agent.id]
        own += [v.date or problem.start_date for v in forced if v.agent_id == agent.id]
        if agent.supervisor:
            own += [v.date for v in forced if v.rule in _NOT_AGENT_RULES and v.date is not None]
        free |= {(agent.id, d) for d in _window(problem, own)}
    return free


def _sub(repaired: Problem, candidates: set[str]) -> Problem:
    """The candidates' own problem (their time off, history, activities, preferences),
    without requirements: their coverage is ``_cell_cover``'s.  The supervisor rule is
    kept when the supervisors are candidates (all of them are, then); otherwise their
    shifts do not change and the final break placement enforces it."""
    from optimizer.roster.large import sub_problem

    supervisors = any(a.supervisor for a in repaired.agents if a.id in candidates)
    order = [a.id for a in repaired.agents if a.id in candidates]
    return sub_problem(repaired, order, (), supervisor_rule=supervisors)


def _model(modelled: Problem, kept: list[Assignment], free: set[tuple[str, int]],
           off: set[tuple[str, date]], weight: int, need: dict[tuple[str, int], int]) -> RosterVars:
    """The roster model of ``modelled`` with every cell outside ``free`` fixed to the
    published shift (by its variables' domains, so presolve drops them) and a priced
    change indicator per free cell."""
    rv = build_model(modelled)
    _cell_cover(rv, need)
    m, proto = rv.model, rv.model.proto
    plan = {(p.agent_id, p.date): p.shift_code for p in kept}
    weeks = week_blocks(modelled.days)
    week_of = {d: w for w, block in enumerate(weeks) for d in block}
    paid_week: dict[tuple[str, int], int] = {}
    for p in kept:
        key = (p.agent_id, week_of[(p.date - modelled.start_date).days])
        paid_week[key] = paid_week.get(key, 0) + modelled.template(p.shift_code).paid_minutes
    for a, agent in enumerate(modelled.agents):
        for d, day in enumerate(rv.timeline.dates):
            code = plan.get((agent.id, day))
            if (agent.id, d) not in free:
                for t in modelled.templates:
                    v = int(t.code == code)
                    dom = proto.variables[rv.x[a, d, t.code].index].domain
                    if list(dom) != [v, v]:
                        if v not in range(dom[0], dom[-1] + 1):
                            m.add(rv.x[a, d, t.code] == v)  # the model forbids it: report infeasible
                        else:
                            dom.clear()
                            dom.extend([v, v])
                continue
            if (agent.id, day) in off:
                continue  # the absence already forces the change; it is not priced
            changed = m.new_bool_var(f"changed[{agent.id},{d}]")
            if code is None:
                m.add(changed == rv.work[a, d])
                # calling in costs less the further the agent is below its contract
                # hours that week: half price at zero hours, full price at the contract
                contract = max(1.0, agent.max_hours_week * 60 * len(weeks[week_of[d]]) / 7)
                fill = min(1.0, paid_week.get((agent.id, week_of[d]), 0) / contract)
                w = int(weight * (0.5 + 0.5 * fill))
            else:
                m.add(changed + rv.x[a, d, code] == 1)
                w = weight
            rv.add_soft("change", w, changed, agent=agent.id, day=d, detail=code or "OFF")
    if rv.soft:
        m.minimize(sum(t.weight * t.var for t in rv.soft))
    return rv


def _cell_cover(rv: RosterVars, need: dict[tuple[str, int], int]) -> None:
    """Coverage per queue and cell (``COVER_MINUTES``) against ``need`` (tenths of an agent-interval, see
    ``_cell_need``), each shift counting its on-phone share, multi-skilled agents split
    among their queues by flow variables.

    Why not the exact interval model: with break counts per unit and on-phone counts per
    interval, presolve alone takes longer than a repair should (7 s for 38 agents over
    two weeks on a loaded machine), and which shifts change is decided by cells of
    cover, not by where a break falls.  The breaks of the repaired roster are placed
    afterwards, exactly, for the whole center (``large.place_breaks``).
    ``coarse_under`` costs the under-coverage weight per agent-interval (times the
    queue weight)."""
    p, m, tl = rv.problem, rv.model, rv.timeline
    per_cell = _per_cell(p)
    need = {k: n for k, n in need.items() if n > 0}
    if not need:
        return
    queues = {q for q, _ in need}
    profiles: dict[tuple[str, ...], list[int]] = {}
    for a, agent in enumerate(p.agents):
        skills = tuple(sorted(set(agent.skills) & queues))
        if skills:
            profiles.setdefault(skills, []).append(a)
    supply: dict[tuple[tuple[str, ...], int], list[tuple[int, cp_model.LinearExprT]]] = {}
    for (d, code), slot in tl.slots.items():
        t = slot.template
        share = max(0.0, 1.0 - sum(b.length_minutes for b in t.breaks) / t.length_minutes)
        per: dict[int, int] = {}
        for i in slot.intervals:
            per[i // per_cell] = per.get(i // per_cell, 0) + 1
        for skills, members in profiles.items():
            head = sum(rv.x[a, d, code] for a in members)
            for h, k in per.items():
                supply.setdefault((skills, h), []).append((round(10 * k * share), head))
    del per_cell
    inflow: dict[tuple[str, int], list[cp_model.IntVar]] = {}
    for (skills, h), terms in supply.items():
        total = sum(c * v for c, v in terms)
        cap = sum(c for c, _ in terms) * len(profiles[skills])
        wanted = [q for q in skills if (q, h) in need]
        if not wanted:
            continue
        if len(wanted) == 1:
            flow = m.new_int_var(0, cap, f"flow[{skills},{h}]")
            m.add(flow <= total)
            inflow.setdefault((wanted[0], h), []).append(flow)
            continue
        flows = [m.new_int_var(0, cap, f"flow[{skills},{q},{h}]") for q in wanted]
        m.add(sum(flows) <= total)
        for q, f in zip(wanted, flows):
            inflow.setdefault((q, h), []).append(f)
    for (q, h), n in sorted(need.items()):
        under = m.new_int_var(0, n, f"coarse_under[{q},{h}]")
        m.add(under + sum(inflow.get((q, h), [])) >= n)
        weight = max(1, round(p.weights.under_coverage * p.weights.queue_weight(q) / 10))
        rv.add_soft("coarse_under", weight, under, queue=q, detail=str(h))


def _per_cell(problem: Problem) -> int:
    """Grid intervals per coverage cell of the repair model (``COVER_MINUTES``)."""
    return max(1, COVER_MINUTES // problem.interval_minutes)


def _shift_cells(tl: Timeline, d: int, code: str) -> dict[int, int]:
    """Cell index -> on-phone tenths of agent-intervals of template ``code`` on day ``d``
    (intervals covered times the shift's on-phone share, as ``_cell_cover`` counts)."""
    slot = tl.slots[d, code]
    t = slot.template
    share = max(0.0, 1.0 - sum(b.length_minutes for b in t.breaks) / t.length_minutes)
    per_cell = _per_cell(tl.problem)
    per: dict[int, int] = {}
    for i in slot.intervals:
        per[i // per_cell] = per.get(i // per_cell, 0) + 1
    return {h: round(10 * k * share) for h, k in per.items()}


def _cell_supply(problem: Problem, tl: Timeline, roster: Iterable[Assignment],
                   need: dict[tuple[str, int], int]) -> dict[tuple[str, int], int]:
    """What ``roster`` covers per (queue, cell) in ``_cell_cover``'s units; a
    multi-skilled agent's cell goes to its queue with the most need left (greedy)."""
    index = {day: d for d, day in enumerate(tl.dates)}
    out: dict[tuple[str, int], int] = {}
    for s in sorted(roster, key=lambda s: (s.date, s.agent_id)):
        skills = problem.agent(s.agent_id).skills
        for h, units in _shift_cells(tl, index[s.date], s.shift_code).items():
            q = max(skills, key=lambda q: need.get((q, h), 0) - out.get((q, h), 0))
            out[q, h] = out.get((q, h), 0) + units
    return out


def _cell_need(problem: Problem, published: list[Assignment], candidates: set[str],
                 restore_only: bool) -> dict[tuple[str, int], int]:
    """Per (queue, cell), the cover the candidates must give, in ``_cell_cover``'s
    units: the requirement minus what the other agents' (unchanged) shifts cover, and,
    when ``restore_only``, at most what the candidates' own published shifts covered.
    So the published roster meets the need exactly, and what a repair leaves unmet is
    the coverage the absences took and the repair did not win back; covering more than
    the published roster did earns nothing (a repair restores, it does not re-plan)."""
    tl = Timeline(problem)
    per_cell = _per_cell(problem)
    real: dict[tuple[str, int], int] = {}
    for r in problem.requirements:
        i = tl.index.get(r.start)
        if i is not None:
            real[r.queue, i // per_cell] = real.get((r.queue, i // per_cell), 0) + 10 * r.agents
    covered = _cell_supply(problem, tl, [p for p in published if p.agent_id not in candidates], real)
    need = {k: max(0, n - covered.get(k, 0)) for k, n in real.items()}
    if restore_only:
        level = _cell_supply(problem, tl, [p for p in published if p.agent_id in candidates], need)
        need = {k: min(n, level.get(k, 0)) for k, n in need.items()}
    return need


def _keep_breaks(repaired: Problem, roster: list[Assignment], published: list[Assignment],
                 ) -> tuple[tuple[ShiftAssignment, ...], tuple[CoverageRow, ...]] | None:
    """The repaired roster with each unchanged shift's published breaks and each changed
    shift's breaks placed greedily (each break where the agent's queues can best spare
    the agent, given everything placed so far; never during an activity), with its
    estimated coverage; None when published breaks are missing or the validator rejects
    the result (the caller then places every break exactly)."""
    from optimizer.roster.large import estimate_coverage

    known = {(p.agent_id, p.date, p.shift_code): p.breaks for p in published}
    template = {t.code: t for t in repaired.templates}
    if not roster or any(not known.get((a.agent_id, a.date, a.shift_code), ()) and template[a.shift_code].breaks
                         for a in roster if (a.agent_id, a.date, a.shift_code) in known):
        return None
    acts: dict[str, list[tuple[datetime, datetime]]] = {}
    for act in repaired.activities:
        acts.setdefault(act.agent_id, []).append((act.start, act.end))
    step = timedelta(minutes=repaired.interval_minutes)
    shifts = []
    for a in roster:
        if (a.agent_id, a.date, a.shift_code) in known:
            t = template[a.shift_code]
            start = repaired.shift_start(a.date, t)
            shifts.append(ShiftAssignment(a.agent_id, a.date, a.shift_code, start,
                                          start + timedelta(minutes=t.length_minutes), known[a.agent_id, a.date, a.shift_code]))
    for a in sorted((a for a in roster if (a.agent_id, a.date, a.shift_code) not in known),
                    key=lambda a: (a.date, a.agent_id)):
        t = template[a.shift_code]
        start = repaired.shift_start(a.date, t)
        short = {(row.start, row.queue): row.required - row.scheduled
                 for row in estimate_coverage(repaired, tuple(shifts)) if row.required > row.scheduled}
        skills = repaired.agent(a.agent_id).skills
        breaks: list[tuple[datetime, datetime]] = []
        free_from = start
        for rule_ in t.breaks:
            options = []
            for off in range(rule_.earliest, rule_.latest + 1, repaired.interval_minutes):
                bs = start + timedelta(minutes=off)
                be = bs + timedelta(minutes=rule_.length_minutes)
                if bs < free_from or any(x0 < be and bs < x1 for x0, x1 in acts.get(a.agent_id, [])):
                    continue
                cost, k = 0, bs
                while k < be:
                    cost += sum(short.get((k, q), 0) for q in skills)
                    k += step
                options.append((cost, abs(2 * off - rule_.earliest - rule_.latest), bs, be))
            if not options:
                return None
            _, _, bs, be = min(options)
            breaks.append((bs, be))
            free_from = be
        shifts.append(ShiftAssignment(a.agent_id, a.date, a.shift_code, start,
                                      start + timedelta(minutes=t.length_minutes), tuple(breaks)))
    shifts.sort(key=lambda x: (x.agent_id, x.date))
    tz = repaired.timezone
    rows = [RosterRow(x.agent_id, x.date, x.shift_code, timeutil.to_local(x.start, tz), timeutil.to_local(x.end, tz),
                      tuple((timeutil.to_local(b0, tz), timeutil.to_local(b1, tz)) for b0, b1 in x.breaks))
            for x in shifts]
    if validate(repaired, rows):
        return None
    return tuple(shifts), estimate_coverage(repaired, tuple(shifts))


def _forced(problem: Problem, repaired: Problem, published: list[Assignment],
            kept: list[Assignment]) -> tuple[Violation, ...]:
    """What the absences break by themselves: the validator's violations of the
    published roster minus the absent shifts (against the repaired problem) that the
    published roster did not have (against the original one).  Both are judged with
    breaks at the middle of their windows (published break times are not an input), so
    the difference is what removing the absent shifts changed."""
    before = set(validate(problem, _rows(problem, published)))
    return tuple(v for v in validate(repaired, _rows(repaired, kept)) if v.rule != "breaks" and v not in before)


def mid_break_shifts(problem: Problem, assignments: Iterable[Assignment]) -> tuple[ShiftAssignment, ...]:
    """Assignments as timed shifts, each break at the middle of its window (a fixed,
    deterministic placement: for judging rules and comparing rosters by their shifts)."""
    out = []
    for a in assignments:
        t = problem.template(a.shift_code)
        start = problem.shift_start(a.date, t)
        breaks = []
        for b in t.breaks:
            at = (b.earliest + b.latest) // 2 // problem.interval_minutes * problem.interval_minutes
            bs = start + timedelta(minutes=at)
            breaks.append((bs, bs + timedelta(minutes=b.length_minutes)))
        out.append(ShiftAssignment(a.agent_id, a.date, a.shift_code, start,
                                   start + timedelta(minutes=t.length_minutes), tuple(breaks)))
    return tuple(out)


def _rows(problem: Problem, assignments: Iterable[Assignment]) -> list[RosterRow]:
    """Assignments as published rows (local times), for the validator's account of what
    the absences break (break positions are not judged there)."""
    tz = problem.timezone

    def local(x: datetime) -> datetime:
        return timeutil.to_local(x, tz)
    return [RosterRow(s.agent_id, s.date, s.shift_code, local(s.start), local(s.end),
                      tuple((local(a), local(b)) for a, b in s.breaks)) for s in mid_break_shifts(problem, assignments)]


def diff(before: Iterable[Assignment], after: RosterResult) -> tuple[Change, ...]:
    """Agent-days whose shift differs between ``before`` and the result's roster."""
    return _diff(before, after.assignments)


def _diff(before: Iterable[Assignment], after: Iterable[Assignment | ShiftAssignment]) -> tuple[Change, ...]:
    old = {(p.agent_id, p.date): p.shift_code for p in before}
    new = {(s.agent_id, s.date): s.shift_code for s in after}
    keys = sorted(set(old) | set(new))
    return tuple(Change(a, d, old.get((a, d), ""), new.get((a, d), "")) for a, d in keys
                 if old.get((a, d), "") != new.get((a, d), ""))


def parse_absences(text: str) -> list[TimeOff]:
    """``AGENT:DATE[,AGENT:DATE...]`` (DATE as YYYY-MM-DD, or YYYY-MM-DD..YYYY-MM-DD)."""
    out = []
    for item in filter(None, (s.strip() for s in text.split(","))):
        agent, sep, when = item.rpartition(":")
        if not sep or not agent:
            raise ProblemError("absent", f"{item!r} is not AGENT:DATE")
        try:
            first, _, last = when.partition("..")
            d0 = date.fromisoformat(first)
            d1 = date.fromisoformat(last) if last else d0
        except ValueError:
            raise ProblemError("absent", f"{item!r}: date must be YYYY-MM-DD") from None
        while d0 <= d1:
            out.append(TimeOff(agent, d0))
            d0 += timedelta(days=1)
    if not out:
        raise ProblemError("absent", "no absence given")
    return out
