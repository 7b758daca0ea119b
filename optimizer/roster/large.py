"""Large centers (hundreds of agents): decomposition by team, warm-started block descent,
and a coverage lower bound.

Why: at 500 agents x 28 days x 10 templates the monolithic model has ~280k variables;
on two cores CP-SAT does not even find a first roster in minutes.  But agents interact
only through coverage and the supervisor rule, so the roster decomposes:

1. *Construction.*  Block 0 is every supervisor, solved with the supervisor-on-duty rule
   and the full requirements; then the other agents, a few whole teams per block (so
   team fairness stays inside one solve), each block against the *residual* requirements
   (requirement minus what the blocks before it cover).  Every block is the engine's own
   model (``solve``) with every rule on, so the union is valid: per-agent rules are
   per-agent, and the supervisor rule is met by block 0 alone.
2. *Improvement (block descent / LNS).*  Blocks are re-solved in turn against the
   residual of all the others, warm-started from their current roster (the hint is
   completed to a full feasible assignment, so a re-solve never gets worse).
3. *Lower bound.*  ``coverage_bound`` solves the LP relaxation of an aggregated model
   (head counts per skill profile, day and template; break placements; skill flows; the
   supervisor rule; daily, weekly and leave limits per profile) with GLOP: no roster can
   have less under-coverage, so the gap to it is a true optimality gap on coverage.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime

from optimizer.progress import NEVER_CANCELLED, Cancellable, Progress, ProgressCallback, no_progress
from optimizer.roster.problem import Assignment, Problem, Requirement
from optimizer.roster.result import CoverageRow, RosterResult, ShiftAssignment, SoftViolation

LARGE_AGENTS = 200  #: ``solve(strategy="auto")`` decomposes from this many agents


def blocks_by_team(problem: Problem, size: int = 100) -> list[list[str]]:
    """Supervisors first, then whole teams packed into blocks of about ``size`` agents."""
    sups = [a.id for a in problem.agents if a.supervisor]
    teams: dict[str, list[str]] = defaultdict(list)
    for a in problem.agents:
        if not a.supervisor:
            teams[a.team].append(a.id)
    out: list[list[str]] = [sups] if sups else []
    cur: list[str] = []
    for _, members in sorted(teams.items()):
        if cur and len(cur) + len(members) > size:
            out.append(cur)
            cur = []
        cur += members
    if cur:
        out.append(cur)
    return out


def sub_problem(problem: Problem, agent_ids: list[str], requirements: tuple[Requirement, ...],
                supervisor_rule: bool) -> Problem:
    keep = set(agent_ids)
    mine = lambda items: tuple(i for i in items if i.agent_id in keep)  # noqa: E731
    return replace(problem, agents=tuple(a for a in problem.agents if a.id in keep), requirements=requirements,
                   time_off=mine(problem.time_off), preferences=mine(problem.preferences),
                   activities=mine(problem.activities), previous=mine(problem.previous),
                   pinned=mine(problem.pinned),
                   rules=replace(problem.rules, supervisor_always_on_duty=supervisor_rule and problem.rules.supervisor_always_on_duty))


def _residual(problem: Problem, results: dict[int, RosterResult], skip: int) -> tuple[Requirement, ...]:
    covered: dict[tuple[datetime, str], int] = defaultdict(int)
    for k, res in results.items():
        if k != skip:
            for row in res.coverage:
                covered[row.start, row.queue] += row.scheduled
    return tuple(replace(r, agents=max(0, r.agents - covered[r.start, r.queue])) for r in problem.requirements)


@dataclass(frozen=True)
class LargeStats:
    blocks: int
    first_roster_seconds: float | None
    rounds: int
    bound_under_agent_minutes: float | None


def solve_large(
    problem: Problem, *, time_limit: float = 300.0, num_workers: int = 2, seed: int = 0,
    progress: ProgressCallback | None = None, cancel: Cancellable | None = None,
    block_size: int = 100, first_share: float = 0.1, bound: bool = True,
) -> RosterResult:
    """Decomposed solve (see the module docstring); returns one RosterResult."""
    from optimizer.roster.solve import solve

    t0 = time.monotonic()
    progress = progress or no_progress
    cancel = cancel or NEVER_CANCELLED
    blocks = blocks_by_team(problem, block_size)
    results: dict[int, RosterResult] = {}
    elapsed = lambda: time.monotonic() - t0  # noqa: E731
    # 1. construction: a quick first roster, block after block
    first_budget = max(len(blocks) * 2.0, time_limit * first_share)
    for k, ids in enumerate(blocks):
        sub = sub_problem(problem, ids, _residual(problem, results, -1), supervisor_rule=(k == 0))
        share = max(1.0, (first_budget - elapsed()) / (len(blocks) - k))
        res = solve(sub, time_limit=share, num_workers=num_workers, seed=seed, strategy="cp-sat", explain=False)
        if not res.feasible:
            # not found in the quick budget: give this block the time it needs
            res = solve(sub, time_limit=max(share, time_limit - elapsed()) / 2, num_workers=num_workers,
                        seed=seed, strategy="cp-sat", explain=True)
            if not res.feasible:
                return replace(res, runtime=elapsed(), stats={**res.stats, "failed_block": k})
        results[k] = res
        progress(Progress(stage="roster-large", message=f"block {k + 1}/{len(blocks)} ({len(ids)} agents) built",
                          elapsed=elapsed(), time_limit=time_limit, solutions=k + 1))
    first_seconds = elapsed()
    progress(Progress(stage="roster-large", message="first valid roster", elapsed=first_seconds,
                      time_limit=time_limit, objective=_merge(problem, blocks, results, 0).objective))
    lb = coverage_bound(problem) if bound else None
    # 2. improvement: block descent, warm-started
    rounds = 0
    bound_time = elapsed()
    while not cancel.is_cancelled():
        for k, ids in enumerate(blocks):
            left = time_limit - elapsed() - 2.0
            if left < 3.0 or cancel.is_cancelled():
                break
            sub = sub_problem(problem, ids, _residual(problem, results, k), supervisor_rule=(k == 0))
            hint = [Assignment(s.agent_id, s.date, s.shift_code) for s in results[k].assignments]
            per_block = min(left, max(10.0, (time_limit - bound_time) / (2 * len(blocks))))
            res = solve(sub, time_limit=per_block, num_workers=num_workers, seed=seed + rounds + 1,
                        strategy="cp-sat", hint=hint, explain=False)
            if res.feasible and res.objective is not None and (results[k].objective is None
                                                               or res.objective <= _rescore(problem, sub, results[k])):
                results[k] = res
            merged = _merge(problem, blocks, results, rounds)
            progress(Progress(stage="roster-large", message=f"round {rounds + 1} block {k + 1}",
                              elapsed=elapsed(), time_limit=time_limit, objective=merged.objective,
                              extra={"under_agent_minutes": sum(merged.under_minutes().values())}))
        else:
            rounds += 1
            continue
        break
    out = _merge(problem, blocks, results, rounds)
    stats = dict(out.stats)
    stats.update(blocks=len(blocks), first_roster_seconds=first_seconds, rounds=rounds)
    if lb is not None:
        stats["bound_under_agent_minutes"] = lb
    return replace(out, runtime=elapsed(), stats=stats)


def _rescore(problem: Problem, sub: Problem, old: RosterResult) -> float:
    """The old block roster's objective against the current residual: its own soft
    terms plus the coverage terms recomputed (so the comparison is like for like)."""
    base = sum(v.cost for v in old.violations if v.rule not in _COVERAGE_RULES)
    return base + _coverage_cost(sub, old.coverage)


_COVERAGE_RULES = ("under_coverage", "deep_shortfall", "over_coverage")


def _coverage_cost(problem: Problem, coverage: tuple[CoverageRow, ...]) -> float:
    w = problem.weights
    req = {(r.start, r.queue): r.agents for r in problem.requirements}
    cost = 0.0
    for row in coverage:
        need = req.get((row.start, row.queue), 0)
        under = max(0, need - row.scheduled)
        qw = w.queue_weight(row.queue)
        cost += w.under_coverage * qw * under
        cost += w.deep_shortfall * qw * max(0, under - int(need * w.deep_shortfall_share)) if w.deep_shortfall else 0
        cost += w.over_coverage * max(0, row.scheduled - need)
    return cost


def _merge(problem: Problem, blocks: list[list[str]], results: dict[int, RosterResult], rounds: int) -> RosterResult:
    """One RosterResult for the whole center: union of the blocks' shifts, coverage summed
    against the original requirements, soft violations of every block."""
    assignments: list[ShiftAssignment] = []
    violations: list[SoftViolation] = []
    scheduled: dict[tuple[datetime, str], int] = defaultdict(int)
    for res in results.values():
        assignments += res.assignments
        violations += [v for v in res.violations if v.rule not in _COVERAGE_RULES]
        for row in res.coverage:
            scheduled[row.start, row.queue] += row.scheduled
    req = {(r.start, r.queue): r.agents for r in problem.requirements}
    keys = sorted(set(scheduled) | set(req), key=lambda k: (k[0], k[1]))
    coverage = tuple(CoverageRow(t, q, req.get((t, q), 0), scheduled.get((t, q), 0)) for t, q in keys)
    objective = sum(v.cost for v in violations) + _coverage_cost(problem, coverage)
    for row in coverage:
        under = max(0, row.required - row.scheduled)
        if under:
            violations.append(SoftViolation("under_coverage", under, under * problem.weights.under_coverage
                                            * problem.weights.queue_weight(row.queue), queue=row.queue))
    assignments.sort(key=lambda s: (s.agent_id, s.date))
    done = len(results) == len(blocks)
    return RosterResult("FEASIBLE" if done else "UNKNOWN", objective, None, 0.0, problem.interval_minutes,
                        tuple(assignments) if done else (), coverage, tuple(violations),
                        solutions=len(results) + rounds, stats={"strategy": 1.0})


def coverage_bound(problem: Problem) -> float | None:
    """Lower bound on total under-covered agent-minutes (LP relaxation, see module doc)."""
    from ortools.linear_solver import pywraplp

    from optimizer.roster.model.sequences import week_blocks
    from optimizer.roster.model.timeline import Timeline

    if not problem.requirements:
        return 0.0
    tl = Timeline(problem)
    lp = pywraplp.Solver.CreateSolver("GLOP")
    if lp is None:
        return None
    inf = lp.infinity()
    profiles: dict[tuple[tuple[str, ...], bool], list] = defaultdict(list)
    for a in problem.agents:
        profiles[tuple(sorted(a.skills)), a.supervisor].append(a)
    leave = {(o.agent_id, o.date) for o in problem.time_off}
    queues = set(problem.queues)
    n_int = len(tl.grid)
    on_phone: dict[tuple[int, int], list] = defaultdict(list)
    sup_on: dict[int, list] = defaultdict(list)
    r = problem.rules
    for g, ((skills, is_sup), members) in enumerate(profiles.items()):
        night_ok = sum(1 for a in members if a.night_ok)
        max_minutes = sum(a.max_hours_week for a in members) * 60
        by_week: dict[int, list] = defaultdict(list)
        for d, day in enumerate(tl.dates):
            avail = sum(1 for a in members if (a.id, day) not in leave)
            day_vars = []
            for t in problem.templates:
                slot = tl.slots[d, t.code]
                n = lp.NumVar(0, night_ok if t.is_night else avail, f"n{g}_{d}_{t.code}")
                day_vars.append(n)
                by_week[d // 7].append((n, t.paid_minutes))
                for i in slot.intervals:
                    on_phone[g, i].append((1, n))
                for rr, options in enumerate(slot.break_options):
                    bs = [lp.NumVar(0, inf, "") for _ in options]
                    lp.Add(sum(bs) == n)
                    for (_, cover), b in zip(options, bs):
                        for i in cover:
                            on_phone[g, i].append((-1, b))
            lp.Add(sum(day_vars) <= avail)
        for w, block in enumerate(week_blocks(problem.days)):
            items = by_week[w]
            share = len(block) / 7
            lp.Add(sum(v * m for v, m in items) <= max_minutes * share)
            if r.min_days_off_per_week:
                lp.Add(sum(v for v, _ in items) <= len(members) * (len(block) - int(r.min_days_off_per_week * share)))
        qs = [q for q in skills if q in queues]
        for i in range(n_int):
            terms = on_phone.get((g, i))
            if not terms:
                continue
            expr = sum(c * v for c, v in terms)
            if is_sup:
                sup_on[i].append(expr)
            ys = [lp.NumVar(0, inf, "") for _ in qs]
            lp.Add(sum(ys) <= expr)
            for q, y in zip(qs, ys):
                on_phone.setdefault(("cov", q, i), []).append(y)  # type: ignore[arg-type]
    if r.supervisor_always_on_duty:
        for i in range(n_int):
            if not sup_on.get(i):
                return None  # the supervisor rule alone is infeasible
            lp.Add(sum(sup_on[i]) >= 1)
    req: dict[tuple[str, int], int] = defaultdict(int)
    for rq in problem.requirements:
        i = tl.index.get(rq.start)
        if i is not None:
            req[rq.queue, i] = max(req[rq.queue, i], rq.agents)
    unders = []
    for (q, i), need in req.items():
        if need <= 0:
            continue
        u = lp.NumVar(0, need, "")
        lp.Add(sum(on_phone.get(("cov", q, i), [])) + u >= need)  # type: ignore[arg-type]
        unders.append(u)
    lp.Minimize(sum(unders))
    if lp.Solve() not in (pywraplp.Solver.OPTIMAL,):
        return None
    return lp.Objective().Value() * problem.interval_minutes
