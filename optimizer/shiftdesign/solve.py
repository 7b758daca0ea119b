"""The solve façade: ``solve(instance, *, time_limit, ...) -> DesignResult``.

The steps share one model (``model.build_model``) and one time budget:

1. **LP and diving.**  GLOP solves the LP relaxation (a lower bound); a few dives on the
   ``used`` variables (up to ``dive_share`` of the time) turn it into the first
   incumbents (``_lp_start``, ``relaxation``).  Without a cost per distinct shift (head
   counts for given shifts, ``headcount``) the LP optimum is integral and meets its own
   bound: the solve ends here, proved optimal (``_meets``).
2. **Improvement**, for ``improve_share`` of the time left, in turns: a slice of
   **local search** (``local.LocalSearch``: single-employee add/remove/transfer moves
   scored by prefix sums, whole-shift moves/merges/deletions scored exactly, random kicks)
   from the best schedule, then one group of the **search by template**
   (``_TemplateSearch``: CP-SAT re-chooses all the shifts of two templates among their
   candidates).  A dive typically lands one or two shifts away from the optimum, which the
   local search fixes; some schedules are a *set* of shifts away, which single moves
   cannot reach and the template search can.  Both stop at the LP bound.
3. **Pool search.**  CP-SAT on the model restricted to the LP support and its neighbours
   (start or length one slot away), hinted with the best schedule.
4. **Full search.**  CP-SAT on the full model, hinted with the best schedule so far, for
   the rest of the time; its bound is a bound for the whole problem.

CP-SAT runs with its presolve off: presolve rewrites the ``workers <= ub * used`` links
and the event cuts into enforced constraints that its LP relaxation then leaves out, and
the bound collapses to 0 (measured: bound 0 vs 450 on DataSet2/RandomExample11 after
10 s).  And with linearization level 2 (the LP everywhere), since the LP carries this
problem.  Each run is hinted with the best schedule in every variable
(``model.schedule_hint``): with presolve off CP-SAT completes a partial hint by search first,
which used to eat most of a template group's slice.

Every incumbent is re-scored by the independent scorer and the best by that score is
returned; the result never raises for a hard instance, it reports what it has.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from math import ceil

import numpy as np
from ortools.sat.python import cp_model

from optimizer.progress import NEVER_CANCELLED, Cancellable, Progress, ProgressCallback, no_progress
from optimizer.shiftdesign.flexible import MINUTES_PER_DAY, expand
from optimizer.shiftdesign.local import LocalSearch
from optimizer.shiftdesign.model import DesignVariables, build_model, schedule_hint
from optimizer.shiftdesign.problem import DesignedShift, DesignScore, ShiftDesignInstance
from optimizer.shiftdesign.relaxation import LinearRelaxation, Relaxation
from optimizer.shiftdesign.scoring import cap_violations, score

STAGE = "shift-design"
_SUPPORT_EPS = 1e-6
_MAX_DIVES = 8
#: Dives after the first fix this share of the fractional ``used`` per LP solve: under load an
#: exact dive costs 1-3 s of wall time, and cheaper dives mean more starts for the local search.
_DIVE_BATCH = 0.25
#: Seconds of local search per turn, and at most per template group (most groups are
#: proved optimal in well under a second; a large one must not take the whole budget).
_LOCAL_SLICE = 1.0
_TEMPLATE_SLICE = 1.0


@dataclass(frozen=True)
class DesignResult:
    """Outcome of a solve.  ``objective`` is the scorer's value of ``shifts``.

    ``bound`` is a lower bound on the model objective (equal to the README objective except
    for the duties-per-week estimate, see ``model._duties_penalty``); ``status`` is
    ``OPTIMAL`` when CP-SAT proved the full model optimal or the schedule meets the LP
    bound (duties weight 0), ``FEASIBLE`` otherwise.  There
    is always a schedule: the empty one (all shortage) is the incumbent before any search.
    """

    instance: str
    status: str
    shifts: tuple[DesignedShift, ...]
    score: DesignScore | None
    bound: float | None
    runtime: float
    solutions: int = 0
    cancelled: bool = False
    stats: dict[str, float] = field(default_factory=dict)

    @property
    def objective(self) -> int | float | None:
        return None if self.score is None else self.score.objective_value


@dataclass
class _Search:
    """Shared state of one solve: the model, the clock, the best schedule so far."""

    instance: ShiftDesignInstance
    model: cp_model.CpModel
    v: DesignVariables
    t0: float
    time_limit: float
    num_workers: int
    seed: int
    progress: ProgressCallback
    cancel: Cancellable
    best: dict[int, int] | None = None
    best_score: DesignScore | None = None
    solutions: int = 0
    cancelled: bool = False
    local: LocalSearch | None = None

    def left(self) -> float:
        return self.time_limit - (time.monotonic() - self.t0)

    def offer(self, values: dict[int, int], source: str) -> None:
        """Keep ``values`` if it keeps the head-count caps and the scorer says it beats the incumbent."""
        shifts = self.shifts(values)
        if cap_violations(self.instance, shifts):
            return
        result = score(self.instance, shifts)
        if self.best_score is None or result.objective < self.best_score.objective:
            self.best, self.best_score = values, result
            self.progress(Progress(
                stage=STAGE, message=f"incumbent from {source}", elapsed=time.monotonic() - self.t0,
                time_limit=self.time_limit, solutions=self.solutions, objective=float(result.objective),
            ))

    def shifts(self, values: dict[int, int]) -> tuple[DesignedShift, ...]:
        out = []
        for (start, length), row in zip(self.v.candidates, self.v.workers):
            counts = tuple(values.get(x.index, 0) for x in row)
            if any(counts):
                out.append(DesignedShift(start, length, counts))
        return tuple(out)


class _Reporter(cp_model.CpSolverSolutionCallback):
    """Forwards CP-SAT incumbents to the progress callback and stops on cancel."""

    def __init__(self, search: _Search, phase: str) -> None:
        super().__init__()
        self.search, self.phase = search, phase

    def on_solution_callback(self) -> None:
        s = self.search
        s.solutions += 1
        scale = s.v.objective_scale
        s.progress(Progress(
            stage=STAGE, message=f"{self.phase} search", elapsed=time.monotonic() - s.t0,
            time_limit=s.time_limit, solutions=s.solutions, objective=self.objective_value / scale,
            bound=self.best_objective_bound / scale,
        ))
        if s.cancel.is_cancelled():
            self.stop_search()


def _worker_indices(v: DesignVariables) -> list[int]:
    return [x.index for row in v.workers for x in row]


def _lp_start(
    search: _Search, dive_share: float, polish: Callable[[dict[int, int], float | None], None] | None = None
) -> tuple[float | None, set[int]]:
    """LP bound and LP support; offers the schedules found by LP diving as incumbents.

    Diving: solve the LP, fix to 1 the ``used`` variable with the largest fractional value,
    re-solve, until no ``used`` is fractional.  What is left is a min-cost flow with an
    integral LP optimum.  Because the LP (with the event cuts) is tight, a dive lands close
    to the optimum, often on it, in a fraction of a second.  LP values tie often (halves),
    and the tie-break changes where a dive lands, so several dives with different
    tie-breaks run while they fit in ``dive_share`` of the time limit.  ``polish(values,
    bound)`` runs after each dive (a short local search): different dives lead the local
    search into different valleys, which matters more than a longer search from one.
    """
    v = search.v
    relax = LinearRelaxation(search.model)
    root = relax.solve(max(0.1, search.left()))
    if not root.values:
        return None, set(range(len(v.candidates)))
    bound = root.objective / v.objective_scale if root.optimal else None
    support = {c for c, use in enumerate(v.used) if root.values[use.index] > _SUPPORT_EPS}
    rng = random.Random(search.seed)
    n = len(v.used)
    tie_breaks = [[-c for c in range(n)], list(range(n))]
    for number in range(_MAX_DIVES):
        if number and (time.monotonic() - search.t0 > dive_share * search.time_limit or search.cancel.is_cancelled()):
            break
        if number >= len(tie_breaks):
            tie_breaks.append(rng.sample(range(n), n))
        values = _dive(search, relax, root, tie_breaks[number], 0.0 if number == 0 else _DIVE_BATCH)
        if values is not None:
            search.offer(values, f"LP dive {number + 1}")
            if polish is not None:
                polish(values, bound)
        for use in v.used:
            relax.release(use.index)
        if bound is not None and search.best_score is not None and search.best_score.objective <= bound + 1e-9:
            break  # the dive met the LP bound: nothing left to find
    return bound, support


def _dive(
    search: _Search, relax: LinearRelaxation, lp: Relaxation, tie_break: list[int], batch: float = 0.0
) -> dict[int, int] | None:
    """One dive; each step fixes the largest fractional ``used`` (and, with ``batch``, that share
    of the fractional ones, largest first: fewer LP solves, a coarser and different dive)."""
    v = search.v
    for _ in range(len(v.used)):
        if search.left() <= 0.1 or search.cancel.is_cancelled():
            return None
        fractional = [
            (lp.values[use.index], tie_break[c], c) for c, use in enumerate(v.used)
            if _SUPPORT_EPS < lp.values[use.index] < 1 - _SUPPORT_EPS
        ]
        if not fractional:
            break
        fractional.sort(reverse=True)
        for _value, _tie, c in fractional[: max(1, ceil(batch * len(fractional)))]:
            relax.fix(v.used[c].index, 1.0)
        step = relax.solve(max(0.1, search.left()))
        if not step.values:
            return None
        lp = step
    return {i: max(0, round(lp.values[i])) for i in _worker_indices(v)}


def _local_search(
    search: _Search, seconds: float, bound: float | None, start: dict[int, int] | None = None, turn: int = 0
) -> dict[str, float]:
    """Polish ``start`` (default: the best schedule) with ``local.LocalSearch`` for up to ``seconds``.

    Offers each new best; stops early at the LP bound.  Returns its move counts for ``stats``.
    """
    v = search.v
    if search.local is None:  # built once per solve: its neighbour tables are the costly part
        search.local = LocalSearch(search.instance, v.candidates)
    ls = search.local
    moves, kicks = ls.stats.moves, ls.stats.kicks
    index = [x.index for row in v.workers for x in row]  # entry k = c * days + d, as in LocalSearch
    values = search.best if start is None else start
    deadline = time.monotonic() + seconds

    def improved(x: np.ndarray, _cost: float) -> None:
        search.offer({i: int(value) for i, value in zip(index, x) if value}, "local search")

    ls.run(
        np.array([values.get(i, 0) for i in index], dtype=np.int64), deadline, seed=search.seed + turn,
        on_improve=improved, target=bound, stop=search.cancel.is_cancelled,
    )
    return {"local_moves": ls.stats.moves - moves, "local_kicks": ls.stats.kicks - kicks}


class _TemplateSearch:
    """Large-neighbourhood search by template: re-choose the shifts of two templates (one, when
    there are only two) with CP-SAT among all their candidates and the other shifts in use.

    Shifts in use outside the group may be dropped, not moved.  Why: the local search moves
    one shift at a time, and the pool search's neighbours of a good schedule are a near-full
    model.  A schedule one shift above the optimum may need a different *set* of shifts in
    one or two families: on DataSet2/RandomExample15 17 shifts cover the demand exactly and
    16 can; of the 153 sub-problems "drop one or two of the 17 and re-choose", one improves,
    while re-choosing all the shifts of the right template (pair) does, and CP-SAT proves
    such a sub-problem optimal in 0.4-1.1 s.  ``step`` solves one group
    (``_template_groups``); after an improvement every group is due again; when none is
    left the schedule is a local optimum for these neighbourhoods.
    """

    def __init__(self, search: _Search) -> None:
        self.search = search
        inst, v = search.instance, search.v
        self.groups: list[tuple[int, ...]] = []
        self.families: list[set[int]] = []
        if len(inst.templates) >= 2 and inst.weights.per_shift:  # one template: the full search
            index = {cand: c for c, cand in enumerate(v.candidates)}
            templates = sorted(inst.templates, key=lambda t: t.earliest_start % MINUTES_PER_DAY)
            self.families = [{index[cand] for cand in expand(t) if cand in index} for t in templates]
            self.groups = _template_groups(len(self.families), random.Random(search.seed))
        self.queue = list(self.groups)
        self.tried = self.improved = 0

    def step(self, limit: float) -> None:
        """Re-choose the shifts of the next group, for at most ``limit`` seconds."""
        search, v = self.search, self.search.v
        if not self.queue or search.best is None:
            return
        group = self.queue.pop(0)
        free = set().union(*(self.families[i] for i in group))
        in_use = {c for c, row in enumerate(v.workers) if any(search.best.get(x.index, 0) for x in row)}
        # a model on these candidates only (the other shifts stay closed): far smaller than the
        # full model with most candidates fixed to 0, and its LP is what CP-SAT leans on
        sub, sub_v = build_model(search.instance, [v.candidates[c] for c in sorted(free | in_use)])
        before = search.best_score.objective
        _cp_sat(search, sub, limit, "template search", workers=1, v=sub_v)
        self.tried += 1
        if search.best_score.objective < before:
            self.improved += 1
            self.queue = [g for g in self.groups if g != group]


def _template_groups(n: int, rng: random.Random) -> list[tuple[int, ...]]:
    """Groups of template numbers (templates sorted by start) for ``_TemplateSearch``.

    Two templates: each alone (together they are the whole model).  More: pairs, those of
    templates next to each other in the day first (one family's shifts end where the next
    one's start, so a better set of shifts often changes both), in a seeded order.  A pair
    covers both its singles: on DataSet2/RandomExample15 singles first spent the time on
    four sub-problems that did not improve.
    """
    if n == 2:
        return [(0,), (1,)]
    pairs = list(itertools.combinations(range(n), 2))
    rng.shuffle(pairs)
    return sorted(pairs, key=lambda p: min(p[1] - p[0], n - (p[1] - p[0])))


def _neighbourhood(v: DesignVariables, support: set[int], slot: int, radius: int) -> set[int]:
    """Candidates whose start and length are each within ``radius`` slots of a support shift."""
    index = {cand: c for c, cand in enumerate(v.candidates)}
    pool = set(support)
    for c in support:
        start, length = v.candidates[c]
        for ds in range(-radius, radius + 1):
            for dl in range(-radius, radius + 1):
                other = index.get(((start + ds * slot) % 1440, length + dl * slot))
                if other is not None:
                    pool.add(other)
    return pool


def _cp_sat(
    search: _Search, model: cp_model.CpModel, limit: float, phase: str, workers: int | None = None,
    v: DesignVariables | None = None,
) -> tuple[int, cp_model.CpSolver]:
    """Run CP-SAT on ``model`` hinted with the best schedule; offer what it finds.

    ``model`` is the full model, a restricted clone of it, or (with its variables ``v``) a
    model built on a subset of the candidates: schedules pass between models by candidate.
    """
    v = v or search.v
    main = {cand: row for cand, row in zip(search.v.candidates, search.v.workers)}
    if search.best is not None:
        schedule_hint(model, search.instance, v, {
            cand: tuple(search.best.get(x.index, 0) for x in row) for cand, row in main.items()
        })
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, limit)
    solver.parameters.num_workers = workers or search.num_workers
    solver.parameters.random_seed = search.seed
    solver.parameters.cp_model_presolve = False  # see module docstring
    # LP at every node, with the full linearization: the bound and LP-guided heuristics carry
    # this problem (measured on the 9 instances then above reference: 3 more reached it)
    solver.parameters.linearization_level = 2
    reporter = _Reporter(search, phase)
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.1):
            if search.cancel.is_cancelled():
                search.cancelled = True
                solver.stop_search()
                return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        code = solver.solve(model, reporter)
    finally:
        done.set()
        watcher.join()
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        values = {
            x_main.index: int(solver.value(model.get_int_var_from_proto_index(x.index)))
            for cand, row in zip(v.candidates, v.workers) for x, x_main in zip(row, main[cand])
        }
        search.offer(values, phase)
    return code, solver


def solve(
    instance: ShiftDesignInstance,
    *,
    time_limit: float = 10.0,
    num_workers: int = 2,
    seed: int = 0,
    progress: ProgressCallback | None = None,
    cancel: Cancellable | None = None,
    dive_share: float = 0.1,
    pool_share: float = 0.5,
    pool_radius: int = 1,
    improve_share: float = 0.7,
    template_search: bool = True,
    local_burst: float = 0.0,
) -> DesignResult:
    """Design shifts for ``instance`` within ``time_limit`` seconds (wall clock, all steps).

    ``dive_share``: no new LP dive starts after this share of the time limit;
    ``pool_share``: share of the time left after diving given to the pool search;
    ``pool_radius``: neighbours (in slots of start and of length) added to the pool;
    ``local_burst``: share of the time limit given to a local search after each dive;
    ``improve_share``: share of the time left after diving given to local search and the
    search by template, in turns (``_TemplateSearch``; ``template_search=False``: local
    search alone).
    """
    t0 = time.monotonic()
    progress = progress or no_progress
    cancel = cancel or NEVER_CANCELLED
    progress(Progress(stage=STAGE, message=f"building model for {instance.name}", time_limit=time_limit))
    model, v = build_model(instance, instance.candidates())
    search = _Search(instance, model, v, t0, time_limit, num_workers, seed, progress, cancel)
    stats: dict[str, float] = {"candidates": len(v.candidates)}
    search.offer({}, "empty schedule")  # a valid (all-shortage) answer even if cancelled at once

    local_stats = {"local_moves": 0.0, "local_kicks": 0.0}

    def polish(values: dict[int, int], lp: float | None) -> None:
        if local_burst > 0 and search.left() > 0.2:
            for key, value in _local_search(search, min(local_burst * time_limit, search.left()), lp, values).items():
                local_stats[key] += value

    lp_bound, support = _lp_start(search, dive_share, polish)
    stats.update(lp_seconds=time.monotonic() - t0, lp_support=len(support))
    if lp_bound is not None:
        stats["lp_bound"] = lp_bound
    bound = lp_bound
    if _meets(search, lp_bound):
        return _result(search, "OPTIMAL", lp_bound, stats)

    # Improvement: a slice of local search and one group of the search by template take
    # turns, so that neither the instances needing many small moves nor those needing a new
    # set of shifts starve when the machine gives the solve little CPU.
    templates = _TemplateSearch(search) if template_search else None
    end = time.monotonic() + improve_share * search.left()
    turn = 0
    while search.best is not None and not cancel.is_cancelled():
        if lp_bound is not None and search.best_score.objective <= lp_bound + 1e-6:
            break  # at the LP bound (duties weight non-zero, else _meets ended the solve): on to the proof
        left = end - time.monotonic()
        if left <= 0.1:
            break
        for key, value in _local_search(search, min(_LOCAL_SLICE, left), lp_bound, turn=turn).items():
            local_stats[key] += value
        if _meets(search, lp_bound):
            break
        left = end - time.monotonic()
        if templates is not None and templates.queue and left > 0.1:
            templates.step(min(left, _TEMPLATE_SLICE))
        turn += 1
    stats.update(local_stats, improve_seconds=time.monotonic() - t0)
    if templates is not None:
        stats.update(template_groups=templates.tried, template_improvements=templates.improved)
    if _meets(search, lp_bound):
        return _result(search, "OPTIMAL", lp_bound, stats)

    status = "FEASIBLE" if search.best is not None else "NO_SOLUTION"
    in_use = {c for c, row in enumerate(v.workers) if search.best and any(search.best.get(x.index, 0) for x in row)}
    pool = _neighbourhood(v, support | in_use, instance.slot_minutes, pool_radius)
    stats["pool"] = len(pool)
    if (instance.weights.per_shift and len(pool) < len(v.candidates) and search.left() > 0.2
            and not cancel.is_cancelled()):
        restricted = model.clone()
        for c, use in enumerate(v.used):
            if c not in pool:
                restricted.add(restricted.get_bool_var_from_proto_index(use.index) == 0)
        _cp_sat(search, restricted, pool_share * search.left(), "pool")
        stats["pool_seconds"] = time.monotonic() - t0
    if search.left() > 0.05 and not cancel.is_cancelled():
        code, solver = _cp_sat(search, model, search.left(), "full")
        if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            full_bound = solver.best_objective_bound / v.objective_scale
            bound = full_bound if bound is None else max(bound, full_bound)
        if code == cp_model.OPTIMAL:
            status = "OPTIMAL"
    if search.best is not None and status == "NO_SOLUTION":
        status = "FEASIBLE"
    return _result(search, status, bound, stats)


def _meets(search: _Search, lp_bound: float | None) -> bool:
    """True when the incumbent is proved optimal by the LP bound alone.

    Only when the duties weight is 0: otherwise the model (hence its LP) estimates the
    duties term and its bound is not a bound on the scorer's objective.  Without a cost per
    shift the LP is a min-cost flow and its optimum is integral, so this is how such
    problems (head counts per shift and day, pyworkforce's problem) end, in one LP solve.
    """
    return (
        lp_bound is not None and search.best_score is not None
        and not search.instance.weights.duties_per_week
        and search.best_score.objective <= lp_bound + 1e-6
    )


def _result(search: _Search, status: str, bound: float | None, stats: dict[str, float]) -> DesignResult:
    runtime = time.monotonic() - search.t0
    best = search.best_score
    result = DesignResult(
        instance=search.instance.name,
        status=status,
        shifts=tuple(sorted(search.shifts(search.best or {}), key=lambda s: (s.start_minute, s.length_minutes))),
        score=best,
        bound=bound,
        runtime=runtime,
        solutions=search.solutions,
        cancelled=search.cancelled or search.cancel.is_cancelled(),
        stats=stats,
    )
    search.progress(Progress(
        stage=STAGE, message=f"done: {status}", fraction=1.0, elapsed=runtime, time_limit=search.time_limit,
        solutions=search.solutions, objective=None if best is None else float(best.objective), bound=bound,
    ))
    return result


def solution_document(result: DesignResult) -> dict:
    """The JSON document of the CLI and the bench: instance, objective, shifts."""
    return {
        "instance": result.instance,
        "objective": result.objective,
        "shifts": [
            {"start": s.start_hhmm, "length_minutes": s.length_minutes, "workers": list(s.workers)}
            for s in result.shifts
        ],
    }
