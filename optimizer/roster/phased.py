"""A first roster fast: shifts against aggregated cover first, the exact model second.

Why: the exact model counts on-phone agents per queue and interval, with break counts
per (profile, day, template) unit.  At a 30-agent team over 14 days on a 15-minute grid
that is about 50k variables, and CP-SAT with the objective on often finds no roster at
all in 10 s (presolve and the LP eat the budget before the first solution).

Phase one (``coarse_model``) keeps every hard family of the engine unchanged, including
the supervisor-on-duty rule with the supervisors' breaks placed exactly (those units
stay), but prices coverage per hour on the total demand of all queues, counted from
shift head counts per (day, template), each shift counting only its on-phone share
(shift minus breaks).  Skills, queue split and the other agents' breaks are left out,
so the model is a fraction of the size and CP-SAT finds rosters in seconds.  Every roster
of phase one satisfies every hard rule, so it is a complete, feasible start for phase two:
``solve`` builds the exact model, fixes ``x`` to it to place breaks and count coverage
exactly (``apply_hint``), and improves from there.  Nothing of phase one is trusted
beyond being a hint: the exact model and the validator judge the final roster.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import replace

from ortools.sat.python import cp_model

from optimizer.progress import NEVER_CANCELLED, Cancellable, ProgressCallback, no_progress
from optimizer.roster.model import RosterVars, build_model
from optimizer.roster.problem import Assignment, Problem

#: ``solve(strategy="auto")`` decomposes (``optimizer.roster.large``) from this many agents
#: with interval demand: the exact model of 150 agents x 28 days finds no roster in 120 s
DECOMPOSE_FROM = 100
#: use phase one from this many (agent, day, template) decisions with interval demand
PHASED_DECISIONS = 2000

#: lighter presolve for phase one (probing and symmetry detection cost seconds, and a
#: first roster does not need them)
LIGHT = {"cp_model_probing_level": 0, "symmetry_level": 0}


def wants_phases(problem: Problem) -> bool:
    return bool(problem.requirements) and \
        len(problem.agents) * problem.days * len(problem.templates) >= PHASED_DECISIONS


def coarse_model(problem: Problem) -> RosterVars:
    """Every hard rule, soft rules except queue coverage, and hourly aggregated cover."""
    rv = build_model(replace(problem, requirements=()))
    m, tl, w = rv.model, rv.timeline, problem.weights
    per_hour = max(1, 60 // problem.interval_minutes)
    need: dict[int, int] = defaultdict(int)
    req: dict[tuple[str, int], int] = defaultdict(int)
    for r in problem.requirements:
        i = tl.index.get(r.start)
        if i is not None:
            req[r.queue, i] = max(req[r.queue, i], r.agents)
    for (_, i), n in req.items():
        need[i // per_hour] += n
    queues = set(problem.queues)
    covering = [a for a, agent in enumerate(problem.agents) if queues & set(agent.skills)]
    qweights = [w.queue_weight(q) for q in queues] or [1]
    weight_under = max(1, round(w.under_coverage * sum(qweights) / len(qweights)))
    terms: dict[int, list[tuple[int, cp_model.LinearExprT]]] = defaultdict(list)
    for (d, code), slot in tl.slots.items():
        t = slot.template
        share = max(0.0, 1.0 - sum(b.length_minutes for b in t.breaks) / t.length_minutes)
        head = m.new_int_var(0, len(covering), f"head[{d},{code}]")
        m.add(head == sum(rv.x[a, d, code] for a in covering))
        per: dict[int, int] = defaultdict(int)
        for i in slot.intervals:
            per[i // per_hour] += 1
        for h, k in per.items():
            terms[h].append((round(100 * k * share), head))
    for h, n in sorted(need.items()):
        lst = terms.get(h, [])
        cov = cp_model.LinearExpr.weighted_sum([v for _, v in lst], [c for c, _ in lst]) if lst else 0
        under = m.new_int_var(0, n, f"coarse_under[{h}]")
        m.add(100 * under + cov >= 100 * n)
        rv.add_soft("coarse_under", weight_under, under, detail=str(h))
        if w.over_coverage and lst:
            over = m.new_int_var(0, len(covering) * per_hour, f"coarse_over[{h}]")
            m.add(100 * over >= cov - 100 * n)
            rv.add_soft("coarse_over", w.over_coverage, over, detail=str(h))
    m.minimize(sum(t.weight * t.var for t in rv.soft))
    return rv


def first_roster(problem: Problem, *, time_limit: float, num_workers: int = 2, seed: int = 0,
                 progress: ProgressCallback | None = None, cancel: Cancellable | None = None,
                 ) -> tuple[str, list[Assignment]]:
    """Phase one: (CP-SAT status, the roster's shifts) within ``time_limit`` seconds;
    no shifts when it found none."""
    from optimizer.roster.solve import STATUS, run_cp_sat

    t0 = time.monotonic()
    progress = progress or no_progress
    cancel = cancel or NEVER_CANCELLED
    rv = coarse_model(problem)
    # Any roster first, without the objective (the objective's presolve and LP are what
    # delay the first solution), then the objective from that roster as a complete hint.
    feasible = rv.model.clone()
    feasible.clear_objective()
    solver, code, _, _ = run_cp_sat(replace(rv, model=feasible), time_limit=max(0.5, 0.5 * time_limit),
                                    num_workers=num_workers, seed=seed, progress=no_progress, cancel=cancel,
                                    params=LIGHT)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return STATUS.get(code, "UNKNOWN"), []
    values = list(solver.response_proto.solution)
    left = time_limit - (time.monotonic() - t0)
    if left > 1.0 and not cancel.is_cancelled():
        rv.model.proto.solution_hint.vars.extend(range(len(values)))
        rv.model.proto.solution_hint.values.extend(values)
        better, code2, _, _ = run_cp_sat(rv, time_limit=left, num_workers=num_workers, seed=seed,
                                         progress=progress, cancel=cancel, params=LIGHT,
                                         stage="roster: first roster on aggregated cover")
        if code2 in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            values = list(better.response_proto.solution)
    dates = rv.timeline.dates
    out = [Assignment(problem.agents[a].id, dates[d], code_) for (a, d, code_), var in rv.x.items()
           if values[var.index]]
    return "FEASIBLE", out


def solve_phased(problem: Problem, *, time_limit: float, num_workers: int, seed: int,
                 progress: ProgressCallback, cancel: Cancellable, share: float = 0.35):  # noqa: ANN201
    """Phase one, then the exact model: breaks and coverage placed exactly for phase
    one's shifts (``x`` fixed), then CP-SAT on the exact model from that roster.  Returns
    a ``RosterResult``, or None when phase one found no roster (the caller then runs the
    exact model alone with the time left)."""
    from optimizer.roster.solve import extract, run_cp_sat

    t0 = time.monotonic()
    left = lambda: time_limit - (time.monotonic() - t0)  # noqa: E731
    _, shifts = first_roster(problem, time_limit=share * time_limit, num_workers=num_workers, seed=seed,
                             progress=progress, cancel=cancel)
    if not shifts or cancel.is_cancelled():
        return None
    rv = build_model(problem)
    ids = {a.id: i for i, a in enumerate(problem.agents)}
    days = {day: d for d, day in enumerate(rv.timeline.dates)}
    on = {(ids[s.agent_id], days[s.date], s.shift_code) for s in shifts}
    fixed = rv.model.clone()
    for key, var in rv.x.items():
        dom = fixed.proto.variables[var.index].domain
        dom.clear()
        dom.extend([int(key in on)] * 2)
    probe_vars = replace(rv, model=fixed)
    t1 = time.monotonic()
    solver, code, rep, cancelled = run_cp_sat(probe_vars, time_limit=max(1.0, 0.7 * left()), num_workers=num_workers,
                                              seed=seed, progress=progress, cancel=cancel, params=LIGHT,
                                              stage="roster: breaks and coverage for the first roster")
    timing = {"phase_one_seconds": round(t1 - t0, 2), "breaks_probe_seconds": round(time.monotonic() - t1, 2)}
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    # the probe's bound holds only with x fixed: no global bound from it
    first = extract(rv, solver, cp_model.FEASIBLE, rep.solutions, cancelled, time.monotonic() - t0)
    first = replace(first, bound=None, stats={**first.stats, **timing})
    if cancelled or left() < 2.0:
        return first
    values = list(solver.response_proto.solution)
    rv.model.proto.solution_hint.vars.extend(range(len(values)))
    rv.model.proto.solution_hint.values.extend(values)
    solver2, code2, rep2, cancelled2 = run_cp_sat(rv, time_limit=max(0.5, left() - 0.5), num_workers=num_workers,
                                                  seed=seed, progress=progress, cancel=cancel)
    if code2 in (cp_model.OPTIMAL, cp_model.FEASIBLE) and solver2.objective_value <= (first.objective or 0):
        final = extract(rv, solver2, code2, rep.solutions + rep2.solutions, cancelled2, time.monotonic() - t0)
        return replace(final, stats={**final.stats, **timing})
    return replace(first, runtime=time.monotonic() - t0,
                   bound=solver2.best_objective_bound if code2 != cp_model.INFEASIBLE else first.bound)
