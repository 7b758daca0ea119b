"""The solve façade: ``solve(problem, *, time_limit, ...) -> RosterResult``.

Builds the model, runs CP-SAT under a time limit with progress and cancellation, then
hands the break counts out to the agents (phase two, exact: see ``assign_breaks``) and
reads coverage and soft-rule violations back.  Never raises for an infeasible problem.
"""

from __future__ import annotations

import threading
from dataclasses import replace
import time
from datetime import datetime, timedelta
from typing import Iterable

from ortools.sat.python import cp_model

from optimizer.progress import NEVER_CANCELLED, Cancellable, Progress, ProgressCallback, no_progress
from optimizer.roster.model import RosterVars, build_model
from optimizer.roster.problem import Assignment, Problem
from optimizer.roster.result import CoverageRow, RosterResult, ShiftAssignment, SoftViolation

STATUS = {
    cp_model.OPTIMAL: "OPTIMAL",
    cp_model.FEASIBLE: "FEASIBLE",
    cp_model.INFEASIBLE: "INFEASIBLE",
    cp_model.MODEL_INVALID: "MODEL_INVALID",
    cp_model.UNKNOWN: "UNKNOWN",
}


class _Reporter(cp_model.CpSolverSolutionCallback):
    """Forwards each incumbent to the shared progress callback; stops on cancel."""

    def __init__(self, progress: ProgressCallback, cancel: Cancellable, time_limit: float, stage: str) -> None:
        super().__init__()
        self.progress, self.cancel, self.time_limit, self.stage = progress, cancel, time_limit, stage
        self.solutions = 0
        self.last_objective: float | None = None
        self.last_bound: float | None = None
        self.t0 = time.monotonic()

    def on_solution_callback(self) -> None:
        self.solutions += 1
        self.last_objective, self.last_bound = self.objective_value, self.best_objective_bound
        self.progress(Progress(
            stage=self.stage, message="new solution", elapsed=time.monotonic() - self.t0,
            time_limit=self.time_limit, solutions=self.solutions,
            objective=self.objective_value, bound=self.best_objective_bound,
        ))

    def tick(self) -> None:
        """Report the clock while no new solution comes: a progress bar must move (and show
        the time left) during a long search for the first roster, not sit at 0 %."""
        self.progress(Progress(
            stage=self.stage, message="searching" if self.solutions else "searching for a first roster",
            elapsed=time.monotonic() - self.t0, time_limit=self.time_limit, solutions=self.solutions,
            objective=self.last_objective, bound=self.last_bound,
        ))
        if self.cancel.is_cancelled():
            self.stop_search()


def hinted_keys(rv: RosterVars, hint: Iterable[Assignment]) -> set[tuple[int, int, str]]:
    """The model's ``x`` keys (agent, day, template) of a roster; shifts of agents or
    days outside the model are left out."""
    ids = {a.id: i for i, a in enumerate(rv.problem.agents)}
    days = {day: d for d, day in enumerate(rv.timeline.dates)}
    return {(ids[h.agent_id], days[h.date], h.shift_code) for h in hint if h.agent_id in ids and h.date in days}


def apply_hint(rv: RosterVars, hint: Iterable[Assignment], time_limit: float = 5.0) -> None:
    """Warm start: hint every ``x`` (1 on the hinted shifts, 0 elsewhere), completed to
    a full assignment of every variable when the hinted roster is feasible (a partial
    hint of ``x`` alone is often lost by CP-SAT's presolve)."""
    on = hinted_keys(rv, hint)
    values = {var.index: (1 if key in on else 0) for key, var in rv.x.items()}
    probe = rv.model.clone()
    for idx, v in values.items():
        dom = probe.proto.variables[idx].domain
        dom.clear()
        dom.extend([v, v])
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = 2
    if solver.solve(probe) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        full = list(solver.response_proto.solution)
        rv.model.proto.solution_hint.vars.extend(range(len(full)))
        rv.model.proto.solution_hint.values.extend(full)
    else:
        for key, var in rv.x.items():
            rv.model.add_hint(var, values[var.index])


def run_cp_sat(
    rv: RosterVars, *, time_limit: float, num_workers: int, seed: int,
    progress: ProgressCallback, cancel: Cancellable, stage: str = "roster",
    params: dict | None = None,
) -> tuple[cp_model.CpSolver, int, _Reporter, bool]:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(time_limit)
    solver.parameters.num_workers = num_workers
    solver.parameters.random_seed = seed
    for k, v in (params or {}).items():
        setattr(solver.parameters, k, v)
    reporter = _Reporter(progress, cancel, time_limit, stage)
    done = threading.Event()
    stopped = {"cancel": False}

    def watch() -> None:
        last_tick = time.monotonic()
        while not done.wait(0.1):
            if cancel.is_cancelled():
                stopped["cancel"] = True
                solver.stop_search()
                return
            if time.monotonic() - last_tick >= 1.0:
                last_tick = time.monotonic()
                reporter.tick()

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        code = solver.solve(rv.model, reporter)
    finally:
        done.set()
        watcher.join()
    return solver, code, reporter, stopped["cancel"] or cancel.is_cancelled()


def solve(
    problem: Problem,
    *,
    time_limit: float = 60.0,
    num_workers: int = 2,
    seed: int = 0,
    progress: ProgressCallback | None = None,
    cancel: Cancellable | None = None,
    hint: Iterable[Assignment] | None = None,
    params: dict | None = None,
    strategy: str = "auto",
    first_phase_share: float = 0.35,
    explain: bool = True,
) -> RosterResult:
    """Solve ``problem`` within ``time_limit`` seconds; return the best roster found.

    ``strategy``: ``"cp-sat"`` runs one CP-SAT search; ``"lns"`` runs CP-SAT for
    ``first_phase_share`` of the time (first roster and the lower bound), then
    large-neighbourhood search on the same model (``optimizer.roster.lns``); ``"patterns"``
    adds a column-generation lower bound and a master IP roster as a warm start when agents
    meet only in shift demands (``optimizer.roster.patterns``; else ``"cp-sat"``); ``"decompose"``
    solves team blocks and improves them block by block (``optimizer.roster.large``);
    ``"auto"`` decomposes from ``LARGE_AGENTS`` agents (or ``phased.DECOMPOSE_FROM`` with
    interval demand), runs ``"phased"`` (a first roster on aggregated cover, then the exact
    model from it: ``optimizer.roster.phased``) from ``phased.PHASED_DECISIONS`` decisions,
    else picks LNS for budgets of 20 s or more.
    """
    t0 = time.monotonic()
    progress = progress or no_progress
    cancel = cancel or NEVER_CANCELLED
    from optimizer.roster.large import LARGE_AGENTS, solve_large

    from optimizer.roster.phased import DECOMPOSE_FROM, solve_phased, wants_phases

    if strategy == "patterns" and hint is None:
        # agents coupled by shift demands alone: pattern bound + master IP + engine search
        from optimizer.roster.patterns import solve_with_patterns

        found = solve_with_patterns(problem, time_limit=time_limit, num_workers=num_workers, seed=seed,
                                    progress=progress, cancel=cancel)
        if found is not None:
            progress(Progress(stage="roster", message=f"done: {found.status}", fraction=1.0,
                              elapsed=found.runtime, time_limit=time_limit, solutions=found.solutions,
                              objective=found.objective, bound=found.bound))
            return found
        strategy = "cp-sat"  # the relaxation does not apply (patterns.not_decomposable)
    big = len(problem.agents) >= LARGE_AGENTS or (len(problem.agents) >= DECOMPOSE_FROM and bool(problem.requirements))
    if strategy == "decompose" or (strategy == "auto" and big and hint is None):
        # hundreds of agents: team decomposition + warm-started block descent
        return solve_large(problem, time_limit=time_limit, num_workers=num_workers, seed=seed,
                           progress=progress, cancel=cancel)
    if hint is None and (strategy == "phased" or (strategy == "auto" and wants_phases(problem))):
        # a team over weeks: shifts on aggregated cover first, then the exact model
        # from that roster (optimizer.roster.phased); None = phase one found nothing
        phased = solve_phased(problem, time_limit=time_limit, num_workers=num_workers, seed=seed,
                              progress=progress, cancel=cancel)
        if phased is not None:
            if explain:
                phased = _with_skill_gaps(problem, phased)
            progress(Progress(stage="roster", message=f"done: {phased.status}", fraction=1.0,
                              elapsed=phased.runtime, time_limit=time_limit, solutions=phased.solutions,
                              objective=phased.objective, bound=phased.bound))
            return phased
        strategy = "cp-sat"
    progress(Progress(stage="roster", message="building model", time_limit=time_limit))
    rv = build_model(problem)
    if hint is not None:
        apply_hint(rv, hint, time_limit=max(0.5, 0.1 * time_limit))
    if strategy == "auto":
        strategy = "lns" if time_limit >= 20 and rv.soft else "cp-sat"
    left = max(0.1, time_limit - (time.monotonic() - t0))
    common = dict(num_workers=num_workers, seed=seed, progress=progress, cancel=cancel, params=params)
    if strategy != "lns":
        solver, code, reporter, cancelled = run_cp_sat(rv, time_limit=left, **common)
        result = extract(rv, solver, code, reporter.solutions, cancelled, time.monotonic() - t0)
    else:
        result = _solve_lns(rv, t0, time_limit, first_phase_share, common)
    if explain and result.status == "INFEASIBLE" and not result.cancelled:
        # Never "INFEASIBLE" alone: say which rules conflict and return the best
        # roster relaxing the fewest, least important rules (optimizer.roster.explain).
        from optimizer.roster.explain import explained

        budget = max(min(10.0, time_limit), time_limit - (time.monotonic() - t0))
        result = explained(problem, result, time_limit=budget, num_workers=num_workers, seed=seed,
                           progress=progress, cancel=cancel)
    elif explain:
        result = _with_skill_gaps(problem, result)
    progress(Progress(stage="roster", message=f"done: {result.status}", fraction=1.0,
                      elapsed=result.runtime, time_limit=time_limit, solutions=result.solutions,
                      objective=result.objective, bound=result.bound))
    return result


def _with_skill_gaps(problem: Problem, result: RosterResult) -> RosterResult:
    """A feasible roster that leaves intervals short says where too few skilled agents
    exist (``coverage_sentences``), for the CLI and, as sentences, for people."""
    if not (result.feasible and any(result.under_minutes().values())):
        return result
    from optimizer.roster.explain import coverage_sentences

    said = tuple(coverage_sentences(problem))
    return replace(result, explanation=tuple(x.message for x in said), explanation_sentences=said)


def _solve_lns(rv: RosterVars, t0: float, time_limit: float, share: float, common: dict) -> RosterResult:
    from optimizer.roster.lns import Incumbent, improve

    first = max(0.1, time_limit * share - (time.monotonic() - t0))
    solver, code, reporter, cancelled = run_cp_sat(rv, time_limit=first, **common)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE) and code != cp_model.INFEASIBLE and not cancelled:
        # no roster yet: keep searching with the whole remaining budget
        left = max(0.1, time_limit - (time.monotonic() - t0))
        solver, code, reporter, cancelled = run_cp_sat(rv, time_limit=left, **common)
    if code != cp_model.FEASIBLE or cancelled:
        return extract(rv, solver, code, reporter.solutions, cancelled, time.monotonic() - t0)
    bound = solver.best_objective_bound
    start = Incumbent(list(solver.response_proto.solution), solver.objective_value)
    left = time_limit - (time.monotonic() - t0) - 1.0
    best, steps = improve(rv, start, time_limit=max(0.0, left), seed=common["seed"],
                          num_workers=common["num_workers"], progress=common["progress"],
                          cancel=common["cancel"], bound=bound, solutions=reporter.solutions)
    # Read the best roster back through the full model (x fixed), so extraction and
    # reporting are the same code for every strategy.
    for var in rv.x.values():
        rv.model.add(var == best.values[var.index])
    rv.model.clear_hints()
    for i, v in enumerate(best.values):
        rv.model.proto.solution_hint.vars.append(i)
        rv.model.proto.solution_hint.values.append(v)
    final, fcode, _, _ = run_cp_sat(rv, time_limit=30.0, num_workers=common["num_workers"], seed=0,
                                   progress=no_progress, cancel=NEVER_CANCELLED)
    result = extract(rv, final, fcode, reporter.solutions + steps, common["cancel"].is_cancelled(),
                     time.monotonic() - t0)
    status = "OPTIMAL" if result.objective is not None and result.objective <= bound else "FEASIBLE"
    return replace(result, status=status if result.feasible else result.status, bound=bound)


def extract(rv: RosterVars, solver: cp_model.CpSolver, code: int, solutions: int,
            cancelled: bool, runtime: float) -> RosterResult:
    status = STATUS.get(code, "UNKNOWN")
    p = rv.problem
    stats = {"build_and_solve_seconds": runtime, "solver_wall_time": solver.wall_time,
             "variables": len(rv.model.proto.variables), "constraints": len(rv.model.proto.constraints)}
    if status not in ("OPTIMAL", "FEASIBLE"):
        bound = solver.best_objective_bound if status != "INFEASIBLE" and rv.soft else None
        return RosterResult(status, None, bound, runtime, p.interval_minutes, cancelled=cancelled, stats=stats)
    objective = solver.objective_value if rv.soft else 0.0
    bound = solver.best_objective_bound if rv.soft else 0.0
    breaks = assign_breaks(rv, solver)
    assignments = []
    for (a, d, code_), var in rv.x.items():
        if solver.value(var):
            slot = rv.timeline.slots[d, code_]
            assignments.append(ShiftAssignment(p.agents[a].id, rv.timeline.dates[d], code_, slot.start, slot.end,
                                               breaks.get((a, d), ())))
    assignments.sort(key=lambda s: (s.agent_id, s.date))
    coverage = []
    req = {}
    for r in p.requirements:
        i = rv.timeline.index.get(r.start)
        if i is not None:
            req[r.queue, i] = max(req.get((r.queue, i), 0), r.agents)
    for (q, i), expr in sorted(rv.coverage.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        coverage.append(CoverageRow(rv.timeline.grid[i], q, req.get((q, i), 0), int(solver.value(expr))))
    violations = []
    for term in rv.soft:
        amount = int(solver.value(term.var))
        if amount:
            day = rv.timeline.dates[term.day] if term.day is not None else None
            violations.append(SoftViolation(term.rule, amount, amount * term.weight, term.agent, day,
                                            term.queue, term.detail))
    return RosterResult(status, objective, bound, runtime, p.interval_minutes, tuple(assignments),
                        tuple(coverage), tuple(violations), solutions, cancelled, stats)


def assign_breaks(rv: RosterVars, solver: cp_model.CpSolver) -> dict[tuple[int, int], tuple[tuple[datetime, datetime], ...]]:
    """Phase two: hand each unit's break counts to its working agents.  Exact, because
    agents of a unit are interchangeable for coverage and break windows of one shift are
    disjoint (any combination is valid)."""
    out: dict[tuple[int, int], list[tuple[datetime, datetime]]] = {}
    tl = rv.timeline
    done = set()
    for u in rv.units:
        working = [a for a in u.agents if solver.value(rv.x[a, u.d, u.code])]
        if not working:
            continue
        slot = tl.slots[u.d, u.code]
        for r, counts in enumerate(u.b):
            offsets: list[int] = []
            for (off, _), c in zip(slot.break_options[r], counts):
                if c is not None:
                    offsets += [off] * int(solver.value(c))
            length = slot.template.breaks[r].length_minutes
            for a, off in zip(working, offsets):
                s = slot.start + timedelta(minutes=off)
                out.setdefault((a, u.d), []).append((s, s + timedelta(minutes=length)))
        done.update((a, u.d) for a in working)
    # Without coverage in the model, breaks go to the middle of their windows.
    for (a, d, code), var in rv.x.items():
        if (a, d) in done or not solver.value(var):
            continue
        slot = tl.slots[d, code]
        for r, options in enumerate(slot.break_options):
            off = options[len(options) // 2][0]
            s = slot.start + timedelta(minutes=off)
            out.setdefault((a, d), []).append((s, s + timedelta(minutes=slot.template.breaks[r].length_minutes)))
    return {k: tuple(v) for k, v in out.items()}
