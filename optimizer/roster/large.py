"""Large centers (hundreds of agents): decomposition by skill profile, an LP-guided
re-plan, warm-started block LNS, and a coverage lower bound.

Why: at 500 agents x 28 days x 10 templates the monolithic model has ~280k variables;
on two cores CP-SAT does not find a first roster in minutes.  But agents interact only
through coverage and the supervisor rule, so the roster decomposes:

1. *Blocks.*  Agents are grouped by skill profile (skills, supervisor), supervisors
   first; a large profile is cut into chunks of whole teams.
2. *First valid roster.*  Each block under the hard rules alone (first solution): cheap,
   because without coverage the agents hardly interact.  The supervisor block carries the
   supervisor-on-duty rule and is solved week by week with the previous weeks as history.
   Every block is the engine's own model with every rule on, so the union is valid.
3. *Lower bound and plan.*  ``coverage_bound`` solves, week by week, the LP relaxation of
   an aggregated model (head counts per profile, day and template; break placements;
   skill split; supervisor rule; leave, weekly and daily limits per profile) with GLOP.
   No roster has less under-coverage.  Its head counts are the *plan*.
4. *LP-guided re-plan.*  Each block is re-solved with per-shift targets taken from the
   plan (a shift-demand model: no interval coverage, so it solves in seconds).
5. *Block LNS.*  Blocks are re-solved in turn with the full model (coverage, breaks,
   fairness, preferences) against the *residual* requirements (what the other blocks
   leave uncovered), warm-started from their current roster and improved with
   ``optimizer.roster.lns``; a block's new roster is kept only if it is not worse.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import replace
from datetime import datetime, timedelta

from optimizer import timeutil
from optimizer.progress import NEVER_CANCELLED, Cancellable, Progress, ProgressCallback, no_progress
from optimizer.roster.problem import Assignment, Problem, Requirement, ShiftDemand
from optimizer.roster.result import CoverageRow, RosterResult, ShiftAssignment, SoftViolation

LARGE_AGENTS = 200  #: ``solve(strategy="auto")`` decomposes from this many agents


def blocks_by_profile(problem: Problem, size: int = 120) -> list[list[str]]:
    """Agents grouped by skill profile (skills, supervisor), supervisors first; a profile
    larger than ``size`` is cut into chunks of whole teams.

    Why profiles rather than teams: the model's coverage part is built per profile and
    interval, so a block holding one profile builds and solves several times faster than
    a block mixing every profile, and it only needs the requirements of its own queues."""
    groups: dict[tuple[bool, tuple[str, ...]], list] = defaultdict(list)
    for a in problem.agents:
        groups[not a.supervisor, tuple(sorted(a.skills))].append(a)
    out: list[list[str]] = []
    for _, members in sorted(groups.items()):
        members.sort(key=lambda a: (a.team, a.id))
        n_chunks = -(-len(members) // size)
        per = -(-len(members) // n_chunks)
        for k in range(0, len(members), per):
            out.append([a.id for a in members[k : k + per]])
    return out


def sub_problem(problem: Problem, agent_ids: list[str], requirements: tuple[Requirement, ...],
                supervisor_rule: bool) -> Problem:
    """The block's agents with their own time off, preferences, activities and history,
    and only the requirements of queues they are skilled for."""
    keep = set(agent_ids)
    skills = {q for a in problem.agents if a.id in keep for q in a.skills}
    requirements = tuple(r for r in requirements if r.queue in skills)
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


def solve_large(
    problem: Problem, *, time_limit: float = 300.0, num_workers: int = 2, seed: int = 0,
    progress: ProgressCallback | None = None, cancel: Cancellable | None = None,
    block_size: int = 120, bound: bool = True,
) -> RosterResult:
    """Decomposed solve (see the module docstring); returns one RosterResult."""
    from optimizer.roster.solve import solve

    t0 = time.monotonic()
    progress = progress or no_progress
    cancel = cancel or NEVER_CANCELLED
    blocks = blocks_by_profile(problem, block_size)
    results: dict[int, RosterResult] = {}
    elapsed = lambda: time.monotonic() - t0  # noqa: E731
    # 1. construction: a first valid roster under the hard rules alone, fast.  Without
    # coverage the blocks hardly interact; the supervisor block is solved week by week
    # (the history carries rest and sequence rules across weeks).
    for k, ids in enumerate(blocks):
        sub = sub_problem(problem, ids, (), supervisor_rule=(k == 0))
        res = _first_roster(sub, by_weeks=(k == 0 and sub.rules.supervisor_always_on_duty),
                            num_workers=num_workers, seed=seed, time_limit=max(10.0, time_limit / 4))
        if res is None:
            # the hard rules alone cannot hold (or not found): say why, on the block
            full = sub_problem(problem, ids, problem.requirements, supervisor_rule=(k == 0))
            res = solve(full, time_limit=max(10.0, time_limit - elapsed()), num_workers=num_workers,
                        seed=seed, strategy="cp-sat", explain=True)
            if not res.feasible:
                return replace(res, runtime=elapsed(), stats={**res.stats, "failed_block": k})
        results[k] = replace(res, coverage=estimate_coverage(sub_problem(problem, ids, problem.requirements, False),
                                                             res.assignments))
        progress(Progress(stage="roster-large", message=f"block {k + 1}/{len(blocks)} ({len(ids)} agents) built",
                          elapsed=elapsed(), time_limit=time_limit, solutions=k + 1))
    first_seconds = elapsed()
    progress(Progress(stage="roster-large", message="first valid roster", elapsed=first_seconds,
                      time_limit=time_limit, objective=_merge(problem, blocks, results, 0).objective))
    plan: Plan = {}
    lb = coverage_bound(problem, plan=plan, time_limit=max(10.0, time_limit / 3)) if bound else None
    if plan:
        _guided_pass(problem, blocks, results, plan, time_limit=time_limit, elapsed=elapsed, seed=seed,
                     num_workers=num_workers, progress=progress, cancel=cancel)
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
            res = _improve_block(sub, hint, time_limit=per_block, num_workers=num_workers, seed=seed + rounds + 1)
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


def _improve_block(sub: Problem, hint: list[Assignment], *, time_limit: float, num_workers: int,
                   seed: int) -> RosterResult:
    """Warm-started LNS on one block: the block's current roster is completed to a full
    solution of its model (break counts, skill split), then ``optimizer.roster.lns``
    improves it; falls back to a hinted CP-SAT search if the completion fails."""
    from optimizer.progress import no_progress
    from optimizer.roster.lns import Incumbent, improve
    from optimizer.roster.model import build_model
    from optimizer.roster.solve import apply_hint, extract, run_cp_sat, solve

    t0 = time.monotonic()
    rv = build_model(sub)
    probe = max(3.0, 0.3 * time_limit)
    apply_hint(rv, hint, time_limit=probe)
    values = list(rv.model.proto.solution_hint.values)
    if len(values) != len(rv.model.proto.variables) or not rv.soft:
        return solve(sub, time_limit=max(1.0, time_limit - (time.monotonic() - t0)), num_workers=num_workers,
                     seed=seed, strategy="cp-sat", hint=hint, explain=False)
    objective = sum(t.weight * values[t.var.index] for t in rv.soft)
    left = time_limit - (time.monotonic() - t0) - probe
    best, _ = improve(rv, Incumbent(values, objective), time_limit=max(0.5, left), seed=seed,
                      num_workers=num_workers, progress=no_progress, cancel=NEVER_CANCELLED)
    for var in rv.x.values():
        rv.model.add(var == best.values[var.index])
    rv.model.clear_hints()
    rv.model.proto.solution_hint.vars.extend(range(len(best.values)))
    rv.model.proto.solution_hint.values.extend(best.values)
    solver, code, rep, _ = run_cp_sat(rv, time_limit=max(probe, 5.0), num_workers=num_workers, seed=seed,
                                      progress=no_progress, cancel=NEVER_CANCELLED)
    return extract(rv, solver, code, rep.solutions, False, time.monotonic() - t0)


def _under(problem: Problem, blocks: list[list[str]], results: dict[int, RosterResult]) -> int:
    return sum(_merge(problem, blocks, results, 0).under_minutes().values())


def _guided_pass(problem: Problem, blocks: list[list[str]], results: dict[int, RosterResult], plan: Plan, *,
                 time_limit: float, elapsed: object, seed: int, num_workers: int, progress: ProgressCallback,
                 cancel: Cancellable) -> None:
    """Re-plan each block toward the LP's head counts per (day, template), as cheap
    per-shift targets (no interval model): the LP knows where coverage pays, and a
    shift-target model solves in seconds.  A block's new roster is kept if the center's
    under-coverage does not grow."""
    from optimizer.roster.solve import solve

    size: dict[tuple[tuple[str, ...], bool], int] = defaultdict(int)
    for a in problem.agents:
        size[tuple(sorted(a.skills)), a.supervisor] += 1
    dates = problem.dates
    for k, ids in enumerate(blocks):
        if cancel.is_cancelled() or time_limit * 0.6 - elapsed() < 3.0:  # type: ignore[operator]
            return
        agent = problem.agent(ids[0])
        key = (tuple(sorted(agent.skills)), agent.supervisor)
        share = len(ids) / size[key]
        demands = tuple(ShiftDemand(dates[d], code, int(round(v * share)), 200, 100)
                        for (g, d, code), v in plan.items() if g == key and round(v * share) > 0)
        sub = replace(sub_problem(problem, ids, (), supervisor_rule=(k == 0)), shift_demands=demands)
        hint = [Assignment(x.agent_id, x.date, x.shift_code) for x in results[k].assignments]
        per = max(4.0, (time_limit * 0.6 - elapsed()) / (len(blocks) - k))  # type: ignore[operator]
        res = solve(sub, time_limit=per, num_workers=num_workers, seed=seed, strategy="cp-sat", hint=hint,
                    explain=False)
        if not res.feasible:
            continue
        full = sub_problem(problem, ids, problem.requirements, False)
        cand = replace(res, coverage=estimate_coverage(full, res.assignments),
                       violations=tuple(v for v in res.violations if not v.rule.startswith("shift_cover")))
        before = _under(problem, blocks, results)
        old = results[k]
        results[k] = cand
        after = _under(problem, blocks, results)
        if after > before:
            results[k] = old
        progress(Progress(stage="roster-large", message=f"LP-guided block {k + 1}/{len(blocks)}",
                          elapsed=elapsed(), time_limit=time_limit,  # type: ignore[operator]
                          extra={"under_agent_minutes": min(before, after)}))


def _first_roster(sub: Problem, *, by_weeks: bool, num_workers: int, seed: int,
                  time_limit: float) -> RosterResult | None:
    """Any roster that keeps every hard rule (first solution, no objective to speak of)."""
    from optimizer.roster.solve import solve

    first = {"stop_after_first_solution": True}
    if not by_weeks:
        res = solve(sub, time_limit=time_limit, num_workers=num_workers, seed=seed, strategy="cp-sat",
                    params=first, explain=False)
        return res if res.feasible else None
    base = [a for a in sub.previous if a.date < sub.start_date]
    weeks: list[tuple[int, tuple[ShiftAssignment, ...]]] = []  # (first week, shifts)
    w = 0
    backtracked = False
    while w * 7 < sub.days:
        span = 2 if backtracked else 1  # a dead end: redo the previous week with this one
        start = w * 7
        history = base + [Assignment(x.agent_id, x.date, x.shift_code, x.breaks) for _, wk in weeks for x in wk]
        window = replace(sub, start_date=sub.start_date + timedelta(days=start),
                         days=min(7 * span, sub.days - start), previous=tuple(history))
        res = solve(window, time_limit=time_limit / 4, num_workers=num_workers, seed=seed, strategy="cp-sat",
                    params=first, explain=False)
        if res.feasible:
            weeks.append((w, res.assignments))
            w += span
            backtracked = False
        elif weeks and not backtracked:
            w = weeks.pop()[0]
            backtracked = True
        else:
            return None
    done = [x for _, wk in weeks for x in wk]
    return RosterResult("FEASIBLE", None, None, 0.0, sub.interval_minutes, tuple(done))


def estimate_coverage(problem: Problem, assignments: tuple[ShiftAssignment, ...]) -> tuple[CoverageRow, ...]:
    """Coverage of a roster without a model: on-phone agents per interval (shift minus
    breaks minus activities); a multi-skilled agent goes to its queue with the largest
    remaining need (greedy, so it never overstates coverage)."""
    grid = timeutil.interval_grid(problem.start_date, problem.days, problem.interval_minutes, problem.timezone)
    index = {t: i for i, t in enumerate(grid)}
    step = timedelta(minutes=problem.interval_minutes)
    agents = {a.id: a for a in problem.agents}
    acts: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
    for act in problem.activities:
        acts[act.agent_id].append((act.start, act.end))
    queues = set(problem.queues)
    phone: dict[tuple[tuple[str, ...], int], int] = defaultdict(int)
    for s in assignments:
        skills = tuple(q for q in agents[s.agent_id].skills if q in queues)
        t = s.start
        while t < s.end:
            if t in index and not any(bs <= t < be for bs, be in s.breaks) and not any(
                    a0 <= t < a1 for a0, a1 in acts[s.agent_id]):
                phone[skills, index[t]] += 1
            t += step
    need: dict[tuple[str, int], int] = defaultdict(int)
    for r in problem.requirements:
        if r.start in index:
            need[r.queue, index[r.start]] = max(need[r.queue, index[r.start]], r.agents)
    got: dict[tuple[str, int], int] = defaultdict(int)
    for (skills, i), n in sorted(phone.items(), key=lambda kv: len(kv[0][0])):
        if len(skills) == 1:
            got[skills[0], i] += n
            continue
        for _ in range(n if skills else 0):
            q = max(skills, key=lambda q: need.get((q, i), 0) - got[q, i])
            got[q, i] += 1
    keys = sorted(set(need) | set(got), key=lambda k: (k[1], k[0]))
    return tuple(CoverageRow(grid[i], q, need.get((q, i), 0), got.get((q, i), 0)) for q, i in keys)


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


def coverage_bound(problem: Problem, *, breaks: bool = True, time_limit: float = 120.0,
                   solver: str = "GLOP", plan: Plan | None = None) -> float | None:
    """Lower bound on total under-covered agent-minutes: the sum over weeks of an LP
    relaxation of each week (see the module doc).  Splitting by week keeps the bound
    valid: each week's LP keeps only constraints that the full problem implies for that
    week, and the day before the week is present with free shifts (a night shift
    running into the week may cover its first hours).  None if an LP fails.  ``plan``,
    when given, receives the LP's head counts per (profile, day, template): a good guide
    for building rosters (``solve_large`` turns it into per-shift targets)."""
    from optimizer.roster.model.sequences import week_blocks
    from optimizer.roster.model.timeline import Timeline

    if not problem.requirements:
        return 0.0
    tl = Timeline(problem)
    total = 0.0
    t0 = time.monotonic()
    weeks = week_blocks(problem.days)
    for k, block in enumerate(weeks):
        left = time_limit - (time.monotonic() - t0)
        part = _week_bound(problem, tl, block, breaks=breaks, solver=solver,
                           time_limit=max(1.0, left / (len(weeks) - k)), plan=plan)
        if part is None:
            return None
        total += part
    return total


Plan = dict[tuple[tuple[tuple[str, ...], bool], int, str], float]


def _week_bound(problem: Problem, tl: object, block: range, *, breaks: bool, solver: str,
                time_limit: float, plan: Plan | None = None) -> float | None:
    from ortools.linear_solver import pywraplp

    lp = pywraplp.Solver.CreateSolver(solver)
    if lp is None:
        return None
    inf = lp.infinity()
    profiles: dict[tuple[tuple[str, ...], bool], list] = defaultdict(list)
    for a in problem.agents:
        profiles[tuple(sorted(a.skills)), a.supervisor].append(a)
    leave = {(o.agent_id, o.date) for o in problem.time_off}
    queues = set(problem.queues)
    local_days = [timeutil.to_local(t, problem.timezone).date() for t in tl.grid]  # type: ignore[attr-defined]
    dates = tl.dates  # type: ignore[attr-defined]
    lo = next(i for i, day in enumerate(local_days) if day >= dates[block.start])
    hi = len(local_days) if block.stop >= problem.days else next(
        i for i, day in enumerate(local_days) if day >= dates[block.stop])
    own = range(lo, hi)
    r = problem.rules
    req: dict[tuple[str, int], int] = defaultdict(int)
    for rq in problem.requirements:
        i = tl.index.get(rq.start)  # type: ignore[attr-defined]
        if i is not None and lo <= i < hi:
            req[rq.queue, i] = max(req[rq.queue, i], rq.agents)
    cover_rows = {}
    unders = []
    for (q, i), need in req.items():
        if need > 0:
            row = lp.Constraint(need, inf)
            unders.append(lp.NumVar(0, need, ""))
            row.SetCoefficient(unders[-1], 1)
            cover_rows[q, i] = row
    sup_rows = {i: lp.Constraint(1, inf) for i in own} if r.supervisor_always_on_duty else {}
    days = ([block.start - 1] if block.start > 0 else []) + list(block)
    heads: dict = {}
    for (skills, is_sup), members in profiles.items():
        night_ok = sum(1 for a in members if a.night_ok)
        max_minutes = sum(a.max_hours_week for a in members) * 60
        phone = {i: lp.NumVar(0, inf, "") for i in own}
        phone_rows = {i: lp.Constraint(-inf, 0) for i in own}
        phone_total = lp.Constraint(-inf, 0)
        for i in own:
            phone_rows[i].SetCoefficient(phone[i], 1)
            phone_total.SetCoefficient(phone[i], 1)
        week_hours = lp.Constraint(-inf, max_minutes * len(block) / 7)
        week_days = lp.Constraint(-inf, len(members) * (len(block) - int((r.min_days_off_per_week or 0) * len(block) / 7)))
        for d in days:
            day = tl.dates[d]  # type: ignore[attr-defined]
            avail = sum(1 for a in members if (a.id, day) not in leave)
            day_row = lp.Constraint(-inf, avail)
            for t in problem.templates:
                slot = tl.slots[d, t.code]  # type: ignore[attr-defined]
                inside = [i for i in slot.intervals if lo <= i < hi]
                if not inside:
                    continue
                n = lp.NumVar(0, night_ok if t.is_night else avail, "")
                if d in block:
                    heads[(skills, is_sup), d, t.code] = n
                day_row.SetCoefficient(n, 1)
                if d in block:
                    week_hours.SetCoefficient(n, t.paid_minutes)
                    week_days.SetCoefficient(n, 1)
                for i in inside:
                    phone_rows[i].SetCoefficient(n, -1)
                # on-phone intervals of the shift: at most its length minus its breaks
                # (all that is kept of breaks when ``breaks`` is False)
                on_break = sum(len(options[0][1]) for options in slot.break_options if options)
                phone_total.SetCoefficient(n, -(len(slot.intervals) - on_break))
                if not breaks:
                    continue
                for options in slot.break_options:
                    total = lp.Constraint(0, 0)
                    total.SetCoefficient(n, -1)
                    for _, cover in options:
                        b = lp.NumVar(0, inf, "")
                        total.SetCoefficient(b, 1)
                        for i in cover:
                            if lo <= i < hi:
                                phone_rows[i].SetCoefficient(b, 1)
        qs = [q for q in skills if q in queues]
        for i in own:
            if is_sup and sup_rows:
                sup_rows[i].SetCoefficient(phone[i], 1)
            split = lp.Constraint(-inf, 0)
            split.SetCoefficient(phone[i], -1)
            for q in qs:
                y = lp.NumVar(0, inf, "")
                split.SetCoefficient(y, 1)
                if (q, i) in cover_rows:
                    cover_rows[q, i].SetCoefficient(y, 1)
    objective = lp.Objective()
    for u in unders:
        objective.SetCoefficient(u, 1)
    objective.SetMinimization()
    lp.SetTimeLimit(int(time_limit * 1000))
    if lp.Solve() != pywraplp.Solver.OPTIMAL:
        return None
    if plan is not None:
        plan.update({key: var.solution_value() for key, var in heads.items()})
    return objective.Value() * problem.interval_minutes
