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

#: use phase one from this many (agent, day, template) decisions with interval demand
PHASED_DECISIONS = 2000


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
    rv = coarse_model(problem)
    left = max(0.5, time_limit - (time.monotonic() - t0))
    solver, code, _, _ = run_cp_sat(rv, time_limit=left, num_workers=num_workers, seed=seed,
                                    progress=progress or no_progress, cancel=cancel or NEVER_CANCELLED,
                                    stage="roster: first roster on aggregated cover")
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return STATUS.get(code, "UNKNOWN"), []
    dates = rv.timeline.dates
    out = [Assignment(problem.agents[a].id, dates[d], code_) for (a, d, code_), var in rv.x.items()
           if solver.value(var)]
    return STATUS[code], out
