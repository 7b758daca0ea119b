"""Large-neighbourhood search on the roster model (same model, same constraints).

Why: with two cores CP-SAT's portfolio has no room for its own LNS workers, and the
roster objective is a sum of many local terms, so re-optimising a few agents or a few
days at a time while the rest stays fixed improves an incumbent much faster than one
global search.  Each step copies the model, fixes every ``x`` outside the neighbourhood
to the incumbent, hints the full incumbent, and solves the small rest exactly (or up to
a short time limit).  Every step's roster satisfies every hard constraint, because the
sub-model is the full model with extra fixings.

Neighbourhoods: a few agents over the whole horizon; all agents over a window of days;
a team-sized set of agents over a longer window.  The size adapts: it grows after steps
solved to optimality and shrinks after steps that hit their time limit.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from ortools.sat.python import cp_model

from optimizer.progress import Cancellable, Progress, ProgressCallback
from optimizer.roster.model import RosterVars


@dataclass
class Incumbent:
    values: list[int]
    objective: float


def _free_keys(rv: RosterVars, rng: random.Random, size: float) -> set[tuple[int, int]]:
    """(agent, day) pairs left free; ``size`` in (0, 1] scales the neighbourhood."""
    n_agents, days = len(rv.problem.agents), rv.problem.days
    kind = rng.random()
    if kind < 0.4:
        k = max(2, round(size * n_agents * 0.25))
        agents = rng.sample(range(n_agents), min(n_agents, k))
        return {(a, d) for a in agents for d in range(days)}
    if kind < 0.7:
        w = max(2, round(size * days * 0.3))
        d0 = rng.randrange(max(1, days - w + 1))
        return {(a, d) for a in range(n_agents) for d in range(d0, min(days, d0 + w))}
    k = max(2, round(size * n_agents * 0.5))
    w = max(3, round(size * days * 0.6))
    d0 = rng.randrange(max(1, days - w + 1))
    agents = rng.sample(range(n_agents), min(n_agents, k))
    return {(a, d) for a in agents for d in range(d0, min(days, d0 + w))}


def improve(
    rv: RosterVars, start: Incumbent, *, time_limit: float, seed: int, num_workers: int,
    progress: ProgressCallback, cancel: Cancellable, step_limit: float = 3.0, stage: str = "roster-lns",
    bound: float | None = None, solutions: int = 0,
) -> tuple[Incumbent, int]:
    """Improve ``start`` for ``time_limit`` seconds; return the best incumbent and the
    number of improving steps."""
    rng = random.Random(seed)
    t0 = time.monotonic()
    best = start
    size = 0.3
    improved = 0
    stats: dict[str, int] = {}
    x_index = {key: var.index for key, var in rv.x.items()}
    while True:
        left = time_limit - (time.monotonic() - t0)
        if left < 0.2 or cancel.is_cancelled() or (bound is not None and best.objective <= bound):
            break
        free = _free_keys(rv, rng, size)
        sub = rv.model.clone()
        for (a, d, _), idx in x_index.items():
            if (a, d) not in free:
                v = best.values[idx]
                dom = sub.proto.variables[idx].domain
                dom.clear()
                dom.extend([v, v])
        sub.proto.solution_hint.vars.clear()
        sub.proto.solution_hint.values.clear()
        sub.proto.solution_hint.vars.extend(list(range(len(best.values))))
        sub.proto.solution_hint.values.extend(best.values)
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = min(step_limit, left)
        solver.parameters.num_workers = num_workers
        solver.parameters.random_seed = rng.randrange(1 << 30)
        code = solver.solve(sub)
        stats[solver.status_name(code)] = stats.get(solver.status_name(code), 0) + 1
        if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            obj = solver.objective_value
            if obj <= best.objective:
                if obj < best.objective:
                    improved += 1
                    progress(Progress(stage=stage, message="improved", elapsed=time.monotonic() - t0,
                                      time_limit=time_limit, solutions=solutions + improved, objective=obj, bound=bound))
                best = Incumbent(list(solver.response_proto.solution), obj)
            size = min(1.0, size * 1.15) if code == cp_model.OPTIMAL else max(0.05, size * 0.8)
        else:
            size = max(0.05, size * 0.7)
    progress(Progress(stage=stage, message=f"steps {stats} size {size:.2f}", elapsed=time.monotonic() - t0,
                      time_limit=time_limit, objective=best.objective, bound=bound))
    return best, improved
