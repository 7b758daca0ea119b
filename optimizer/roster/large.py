"""Large centers (hundreds of agents): decomposition by skill profile, an LP-guided
re-plan, center-wide break placement, warm-started block LNS, and a coverage lower bound.

Why: at 500 agents x 28 days x 10 templates the monolithic model has ~280k variables;
on two cores CP-SAT does not find a first roster in minutes.  But agents interact only
through coverage and the supervisor rule, so the roster decomposes:

1. *Blocks.*  Agents are grouped by skill profile (skills, supervisor), supervisors
   first; a large profile is cut into chunks of whole teams.
2. *First valid roster.*  Under the hard rules alone agents without the supervisor rule
   do not interact, so one small model with one agent per signature (contract, leave,
   activities, pins, history) gives every non-supervisor block its roster
   (``_pooled_first``); the supervisor block carries the supervisor-on-duty rule and is
   solved week by week with the previous weeks as history.  Every model is the engine's
   own with every rule on, so the union is valid.
3. *Lower bound and plan.*  ``coverage_bound`` solves, for the whole horizon, the LP relaxation of
   an aggregated model (head counts per profile, day and template; break placements;
   skill split; supervisor rule; leave, night eligibility, weekly and daily limits per
   profile, the weekly shift limit summed agent by agent) with CLP.  No roster has less
   under-coverage.  Its head counts are the *plan*; at its dual prices,
   ``agent_bound.agent_bound`` bounds again with each agent's own rules, and the larger
   bound is reported.
4. *LP-guided re-plan* (short runs).  Each block is re-solved with per-shift targets
   taken from the plan (a shift-demand model: no interval coverage, so it solves in
   seconds).
5. *Coverage search* (``coverage_search``).  Agents are re-rostered a few at a time
   against what every other agent covers, each agent's schedule the exact optimum of
   its own model at prices that say what each shift would cover; changed blocks are
   read back through the engine's model with their shifts fixed.
5b. *Queue groups side by side* (from ``GROUPS_FROM`` seconds of window, ``_search_groups``
   and ``group_search``): instead of steps 4-5, each queue group (groups share no queue)
   is searched in its own process, and a group the LP leaves short then gets price and
   dive: column generation over each agent's own schedules, its master started from
   every schedule the search's pricings offered (``column_bound`` pool), and a dive on
   that master (``column_bound.roster_from_columns``).  Its bound is reported when
   larger.
6. *Breaks for the whole center.*  ``place_breaks`` fixes every shift and places every
   break with the engine's own coverage model (break counts per unit, skill split,
   supervisor rule), one model per queue group, so breaks are staggered across blocks,
   not per block.
7. *Block LNS* (when time is left).  Blocks are re-solved in turn with the full model
   (coverage, breaks, fairness, preferences) against the *residual* requirements (what
   the other blocks leave uncovered), warm-started from their current roster and
   improved with ``optimizer.roster.lns``; a block's new roster is kept only if it is
   not worse.  The final roster's breaks are placed once more for the whole center.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TypeVar

from optimizer import timeutil
from optimizer.progress import NEVER_CANCELLED, Cancellable, Progress, ProgressCallback, no_progress
from optimizer.roster.problem import Assignment, Problem, Requirement, ShiftDemand
from optimizer.roster.result import CoverageRow, RosterResult, ShiftAssignment, SoftViolation

LARGE_AGENTS = 200  #: ``solve(strategy="auto")`` decomposes from this many agents
_Shift = TypeVar("_Shift", Assignment, ShiftAssignment)


def blocks_by_profile(problem: Problem, size: int = 120) -> list[list[str]]:
    """Agents grouped by skill profile (skills, supervisor), supervisors first and all
    in one group whatever their skills (the supervisor rule, which only the first block
    carries, couples them); a group larger than ``size`` is cut into chunks of whole teams.

    Why profiles rather than teams: the model's coverage part is built per profile and
    interval, so a block holding one profile builds and solves several times faster than
    a block mixing every profile, and it only needs the requirements of its own queues."""
    groups: dict[tuple[bool, tuple[str, ...]], list] = defaultdict(list)
    for a in problem.agents:
        groups[not a.supervisor, () if a.supervisor else tuple(sorted(a.skills))].append(a)
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
    from optimizer.roster.group_search import short_groups
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
    pooled = _pooled_first(problem, blocks, num_workers=num_workers, seed=seed,
                           time_limit=max(10.0, time_limit / 4))
    for k, ids in enumerate(blocks):
        if k in pooled:
            full = sub_problem(problem, ids, problem.requirements, False)
            results[k] = replace(pooled[k], coverage=estimate_coverage(full, pooled[k].assignments))
            continue
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
    duals: Duals = {}
    short: dict[str, float] = {}
    lb = coverage_bound(problem, plan=plan, time_limit=max(10.0, time_limit / 3), duals=duals,
                        short=short) if bound else None
    lp_lb = lb
    if lb is not None and duals and not cancel.is_cancelled():
        # the LP's prices with each agent's own rules (``agent_bound``): never below the LP
        # but for the rounding of prices, so the larger is the bound
        from optimizer.roster.agent_bound import agent_bound

        per_agent = agent_bound(problem, duals, time_limit=min(30.0, 0.1 * time_limit), seed=seed, cancel=cancel)
        lb = max(lb, per_agent) if per_agent is not None else lb
    # the final center-wide break placement needs its time (model build included); it
    # moves a roster more than the guided pass's last seconds do (150 agents, 120 s,
    # load 3.4: 32,490 and 32,880 under-covered agent-minutes with 20 % of the budget,
    # 29,805 with 30 %, 24,150 with 40 %); a short budget needs its time for the blocks
    # (60 agents, 40 s: 118,380 with 40 % kept, against 40,380 with 20 %)
    reserve = min(BREAKS_RESERVE, max(8.0, 0.5 * time_limit - 15.0))
    window = max(0.0, time_limit - reserve - 2.0 - elapsed())
    searched: dict[str, float] = {}
    if bound and lb is not None and window >= (GROUPS_FROM if num_workers >= 2 else COLUMNS_FROM) \
            and short_groups(problem, short):
        # the queue groups side by side, each its search and, where the LP leaves it
        # short, price and dive (``_search_groups``); the guided pass would only seed
        # the search (137,190 under-covered agent-minutes at 500 agents without it).
        # Only where some group is short: that is what was measured (without price and
        # dive, 500 agents, seed 1: 20,220 side by side; docs/roster-operations.md)
        searched = _search_groups(problem, blocks, results, short=short, until=time_limit - reserve - 2.0,
                                  elapsed=elapsed, seed=seed, num_workers=num_workers, progress=progress,
                                  cancel=cancel, time_limit=time_limit)
        if searched.get("columns_bound", 0.0) > lb:
            lb = searched["columns_bound"]
    else:
        # the guided pass, then the center-wide coverage search (``_search_coverage``)
        # gets ``SEARCH_SHARE`` of what is left before the final break placement
        search = SEARCH_SHARE * window
        if plan:
            _guided_pass(problem, blocks, results, plan, time_limit=time_limit,
                         until=time_limit - reserve - 2.0 - search, elapsed=elapsed, seed=seed,
                         num_workers=num_workers, progress=progress, cancel=cancel)
        if search >= 5.0 and not cancel.is_cancelled():
            searched = _search_coverage(problem, blocks, results, until=time_limit - reserve - 2.0,
                                        elapsed=elapsed, seed=seed, num_workers=num_workers, progress=progress,
                                        cancel=cancel, time_limit=time_limit)
    # breaks of the blocks built apart (or against per-shift targets) are mid-window:
    # stagger them for the whole center before the block descent prices the residual
    if time_limit - elapsed() > 3 * reserve and not cancel.is_cancelled():
        _restagger(problem, blocks, results, time_limit=min(reserve, time_limit - elapsed() - reserve),
                   num_workers=num_workers, seed=seed, cancel=cancel)
        progress(Progress(stage="roster-large", message="breaks staggered for the center", elapsed=elapsed(),
                          time_limit=time_limit, extra={"under_agent_minutes": _under(problem, blocks, results)}))
    # 2. improvement: block descent, warm-started
    rounds = 0
    bound_time = elapsed()
    while not cancel.is_cancelled():
        for k, ids in enumerate(blocks):
            left = time_limit - elapsed() - reserve
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
    # the blocks' coverage rows split multi-skilled agents block by block: one split for
    # the whole center is never worse in practice; keep whichever prices lower
    center = _merge(problem, blocks, results, rounds, assignments=out.assignments,
                    coverage=estimate_coverage(problem, out.assignments))
    if center.objective is not None and out.objective is not None and center.objective < out.objective:
        out = center
    placed_from = elapsed()
    left = time_limit - placed_from - 2.0
    if left > 3.0 and not cancel.is_cancelled():
        # the blocks' breaks were placed each against the others' fixed coverage: one
        # placement for the whole center, kept if it covers better.  One model rather
        # than ``place_breaks_by_day`` now that it starts from (and falls back to) the
        # greedy placement: 500 agents, 300 s, load 3.3-3.7: 240,435 against 272,880
        placed = place_breaks(problem, out.assignments, time_limit=left - 1.0, num_workers=num_workers, seed=seed,
                              cancel=cancel)
        placed_ok = placed is not None
        if placed is not None:
            final = _merge(problem, blocks, results, rounds, assignments=placed[0], coverage=placed[1])
            placed_ok = final.objective is not None and out.objective is not None and final.objective <= out.objective
            if placed_ok:
                out = final
    else:
        placed_ok = False
    stats = dict(out.stats)
    stats["center_breaks_placed"] = float(placed_ok)
    stats["center_breaks_seconds"] = elapsed() - placed_from
    stats.update(blocks=len(blocks), first_roster_seconds=first_seconds, rounds=rounds, **searched)
    if lb is not None:
        stats["bound_under_agent_minutes"] = lb
        stats["lp_bound_under_agent_minutes"] = lp_lb  # type: ignore[assignment]
    return replace(out, runtime=elapsed(), stats=stats)


#: most seconds kept for the final center-wide break placement
BREAKS_RESERVE = 60.0
#: seconds between the LP and the final break placement from which the queue groups are
#: searched side by side, with price and dive where the LP leaves them short
#: (``_search_groups``), when there are two workers or more
GROUPS_FROM = 150.0
#: the same with one worker: the groups then run one after another, and price and dive
#: needs ~120 s for the 184 agents of Q3/Q4 at 500 agents after their search
COLUMNS_FROM = 450.0
#: share of the time between the LP and the final break placement that goes to the
#: center-wide coverage search (the guided pass gets the rest)
SEARCH_SHARE = 0.5


def _search_coverage(problem: Problem, blocks: list[list[str]], results: dict[int, RosterResult], *,
                     until: float, elapsed: object, seed: int, num_workers: int, progress: ProgressCallback,
                     cancel: Cancellable, time_limit: float) -> dict[str, float]:
    """Agents re-rostered for the center's coverage (``coverage_search.improve_coverage``),
    then each changed block read back through the engine's model with its agents' new
    schedules fixed (soft terms priced, every rule checked by the model); a block whose
    read-back fails keeps its roster.

    Why: the blocks are built toward the LP plan, which sees neither per-agent rules nor
    the hours every agent must work; this search prices coverage itself, across blocks
    (500 agents, 300 s: 193,140-204,585 under-covered agent-minutes without it,
    137,190-137,460 with it whatever the split of the time with the guided pass, which
    then adds nothing: 137,190 without it)."""
    from optimizer.roster.coverage_search import improve_coverage

    merged = _merge(problem, blocks, results, 0)
    roster = [Assignment(s.agent_id, s.date, s.shift_code) for s in merged.assignments]
    # the read-back needs its time: about a second per block (measured at 500 agents)
    started = elapsed()  # type: ignore[operator]
    budget = until - started - 1.5 * len(blocks)
    if budget < 3.0:
        return {}

    def tick(p: Progress) -> None:  # the search's clock, on the pipeline's
        progress(replace(p, stage="roster-large", elapsed=started + p.elapsed, time_limit=time_limit))

    found = improve_coverage(problem, roster, time_limit=budget, seed=seed, cancel=cancel, progress=tick)
    progress(Progress(stage="roster-large", message=f"coverage search: {found.steps} steps, "
                      f"{found.accepted} improving", elapsed=elapsed(),  # type: ignore[operator]
                      time_limit=time_limit, extra={"coverage_cost_before": found.cost_before,
                                                    "coverage_cost_after": found.cost_after}))
    if found.cost_after < found.cost_before:
        refused = _read_back(problem, blocks, results, roster, found.roster, num_workers=num_workers, seed=seed,
                             cancel=cancel)
        progress(Progress(stage="roster-large", message="coverage search read back" + _kept_note(refused),
                          elapsed=elapsed(), time_limit=time_limit,  # type: ignore[operator]
                          extra={"under_agent_minutes": _under(problem, blocks, results)}))
    return {"coverage_search_seconds": elapsed() - started,  # type: ignore[operator]
            "coverage_search_steps": float(found.steps), "coverage_search_improving": float(found.accepted)}


def _read_back(problem: Problem, blocks: list[list[str]], results: dict[int, RosterResult],
               before: list[Assignment], after: list[Assignment], *, num_workers: int, seed: int,
               cancel: Cancellable) -> list[int]:
    """Each block whose agents' shifts differ between ``before`` and ``after`` read back
    through the engine's model with its shifts fixed (``_fixed``): every rule checked,
    breaks and soft terms priced; a block the model rejects (or does not read in its
    time) keeps its roster.  Returns those blocks."""
    old, new = _by_agent(before), _by_agent(after)
    kept = []
    for k, ids in enumerate(blocks):
        if cancel.is_cancelled() or all(set(old[a]) == set(new[a]) for a in ids):
            continue
        sub = sub_problem(problem, ids, (), supervisor_rule=(k == 0))
        res = _fixed(sub, [x for a in ids for x in new[a]], num_workers=num_workers, seed=seed)
        if res is None:
            kept.append(k)
            continue
        full = sub_problem(problem, ids, problem.requirements, False)
        results[k] = replace(res, coverage=estimate_coverage(full, res.assignments))
    return kept


def _kept_note(refused: list[int]) -> str:
    """What a progress line adds for the blocks ``_read_back`` left on their roster."""
    return f" (blocks {', '.join(str(k + 1) for k in refused)} kept their roster)" if refused else ""


def _search_groups(problem: Problem, blocks: list[list[str]], results: dict[int, RosterResult], *,
                   short: dict[str, float], until: float, elapsed: object, seed: int, num_workers: int,
                   progress: ProgressCallback, cancel: Cancellable, time_limit: float) -> dict[str, float]:
    """Steps 5 and 5b side by side (``group_search``): each queue group's coverage search,
    then price and dive on the groups the LP leaves ``short``, one process per worker;
    the changed blocks read back as after the search.  Also returns the column
    generation's bound (``columns_bound``, the groups' Lagrangian bounds summed), which
    the caller reports when larger.

    Why: at 500 agents every search tried (the coverage search, CP-SAT LNS on the whole
    Q3/Q4 group, a rounded master) stops at 136.8-137.0k under-covered agent-minutes;
    the dive from the converged master reaches 133.1k (docs/roster-operations.md), and
    only side by side does it fit in 300 s next to the other group's search."""
    from optimizer.roster.group_search import jobs_for, run_lanes

    started = elapsed()  # type: ignore[operator]
    merged = _merge(problem, blocks, results, 0)
    roster = [Assignment(s.agent_id, s.date, s.shift_code) for s in merged.assignments]
    # the read-back needs its time: about a second per block (measured at 500 agents)
    budget = until - started - 1.5 * len(blocks)
    lanes = jobs_for(problem, roster, short, budget, num_workers)
    if budget < 5.0 or not any(lanes):
        return {}

    def tick(p: Progress) -> None:  # a group's line, on the pipeline's clock
        progress(replace(p, stage="roster-large", elapsed=elapsed(), time_limit=time_limit))  # type: ignore[operator]

    done = run_lanes(lanes, seed=seed, progress=tick, cancel=cancel)
    jobs = {job.label: job for lane in lanes for job in lane}
    changed = {a.id for d in done if d.roster is not None for a in jobs[d.label].problem.agents}
    after = [x for x in roster if x.agent_id not in changed] + [x for d in done if d.roster is not None
                                                               for x in d.roster]
    for d in done:
        if d.error:
            progress(Progress(stage="roster-large", message=f"{d.label} kept its roster: {d.error}",
                              elapsed=elapsed(), time_limit=time_limit))  # type: ignore[operator]
    stats = {"coverage_search_seconds": elapsed() - started,  # type: ignore[operator]
             "coverage_search_steps": sum(d.stats.get("coverage_search_steps", 0.0) for d in done),
             "coverage_search_improving": sum(d.stats.get("coverage_search_improving", 0.0) for d in done),
             "groups_side_by_side": float(len(lanes))}
    if any("columns_bound" in d.stats for d in done):
        stats["columns_bound"] = sum(d.stats.get("columns_bound", 0.0) for d in done)
        stats["columns_kept"] = sum(d.stats.get("columns_kept", 0.0) for d in done)
    if changed:
        refused = _read_back(problem, blocks, results, roster, after, num_workers=num_workers, seed=seed,
                             cancel=cancel)
        progress(Progress(stage="roster-large", message="queue groups read back" + _kept_note(refused),
                          elapsed=elapsed(), time_limit=time_limit,  # type: ignore[operator]
                          extra={"under_agent_minutes": _under(problem, blocks, results)}))
    return stats


def _by_agent(roster: Iterable[_Shift]) -> defaultdict[str, list[_Shift]]:
    """A roster's shifts per agent id (an agent without shifts: an empty list)."""
    out: defaultdict[str, list[_Shift]] = defaultdict(list)
    for x in roster:
        out[x.agent_id].append(x)
    return out


def _fixed(sub: Problem, roster: list[Assignment], *, num_workers: int, seed: int) -> RosterResult | None:
    """``roster`` read through the engine's model of ``sub`` with every shift decision
    fixed to it: the RosterResult (breaks, soft violations) or None if the model rejects it."""
    from optimizer.roster.model import build_model
    from optimizer.roster.solve import extract, hinted_keys, run_cp_sat

    t0 = time.monotonic()
    rv = build_model(sub)
    on = hinted_keys(rv, roster)
    for key, var in rv.x.items():
        rv.model.add(var == int(key in on))
    solver, code, rep, _ = run_cp_sat(rv, time_limit=10.0, num_workers=num_workers, seed=seed,
                                      progress=no_progress, cancel=NEVER_CANCELLED)
    res = extract(rv, solver, code, rep.solutions, False, time.monotonic() - t0)
    return res if res.feasible else None


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
    # the probe (x fixed) only has to complete the hint: every LNS step re-places the
    # breaks and the skill split anyway, so a short probe is enough
    probe = max(1.5, 0.15 * time_limit)
    apply_hint(rv, hint, time_limit=probe)
    values = list(rv.model.proto.solution_hint.values)
    if len(values) != len(rv.model.proto.variables) or not rv.soft:
        return solve(sub, time_limit=max(1.0, time_limit - (time.monotonic() - t0)), num_workers=num_workers,
                     seed=seed, strategy="cp-sat", hint=hint, explain=False)
    objective = sum(t.weight * values[t.var.index] for t in rv.soft)
    left = time_limit - (time.monotonic() - t0) - 1.0
    best, _ = improve(rv, Incumbent(values, objective), time_limit=max(0.5, left), seed=seed,
                      num_workers=num_workers, progress=no_progress, cancel=NEVER_CANCELLED)
    # read the incumbent back through the model with every variable fixed to it (a
    # complete solution of the same model: no search left, extraction is shared code)
    for idx, v in enumerate(best.values):
        dom = rv.model.proto.variables[idx].domain
        dom.clear()
        dom.extend([v, v])
    rv.model.clear_hints()
    solver, code, rep, _ = run_cp_sat(rv, time_limit=10.0, num_workers=num_workers, seed=seed,
                                      progress=no_progress, cancel=NEVER_CANCELLED)
    return extract(rv, solver, code, rep.solutions, False, time.monotonic() - t0)


def _restagger(problem: Problem, blocks: list[list[str]], results: dict[int, RosterResult], *, time_limit: float,
               num_workers: int, seed: int, cancel: Cancellable) -> None:
    """Replace every block's breaks by one center-wide placement (``place_breaks``) when
    it covers better; each block's coverage is then re-read from its own shifts."""
    merged = _merge(problem, blocks, results, 0)
    placed = place_breaks(problem, merged.assignments, time_limit=time_limit, num_workers=num_workers, seed=seed,
                          cancel=cancel)
    if placed is None:
        return
    candidate = _merge(problem, blocks, results, 0, assignments=placed[0], coverage=placed[1])
    if candidate.objective is None or merged.objective is None or candidate.objective > merged.objective:
        return
    by_agent = _by_agent(placed[0])
    for k, ids in enumerate(blocks):
        mine = tuple(s for a in ids for s in by_agent[a])
        full = sub_problem(problem, ids, problem.requirements, False)
        results[k] = replace(results[k], assignments=mine, coverage=estimate_coverage(full, mine))


def _under(problem: Problem, blocks: list[list[str]], results: dict[int, RosterResult]) -> int:
    return sum(_merge(problem, blocks, results, 0).under_minutes().values())


def _guided_pass(problem: Problem, blocks: list[list[str]], results: dict[int, RosterResult], plan: Plan, *,
                 time_limit: float, until: float, elapsed: object, seed: int, num_workers: int,
                 progress: ProgressCallback, cancel: Cancellable) -> None:
    """Re-plan each block toward the LP's head counts per (day, template), as cheap
    per-shift targets (no interval model): the LP knows where coverage pays, and a
    shift-target model needs no break or coverage variables.  The time up to ``until``
    is shared equally among the blocks (measured: a 28-agent block misses 24 % of its
    targets after 6 s, 8 % after 40 s, on the shared 2-core box).  A block's new roster
    is kept if the center's under-coverage does not grow.

    Sequential: after each block the LP is solved again for the blocks still to come,
    against what the blocks already re-planned leave uncovered (``_replan``).  Why: no
    block meets its targets exactly (per-agent rules the LP does not see; the supervisors,
    who also carry the on-duty rule, missed 53-69 of 232 at 150 agents), and a plan made
    once for all blocks leaves those misses uncovered; re-planned, the later blocks take
    them up (measured at 150 agents, 25 s per block: 18,915 under-covered agent-minutes
    against 24,645 with the one-shot plan, load 4-5)."""
    from optimizer.roster.solve import solve

    size: dict[tuple[tuple[str, ...], bool], int] = defaultdict(int)
    for a in problem.agents:
        size[tuple(sorted(a.skills)), a.supervisor] += 1
    dates = problem.dates
    done: list[ShiftAssignment] = []
    for k, ids in enumerate(blocks):
        if cancel.is_cancelled() or until - elapsed() < 3.0:  # type: ignore[operator]
            return
        share_left = (until - elapsed()) / (len(blocks) - k)  # type: ignore[operator]
        # the LP for the blocks still to come: at most half of their share of the time, and
        # only when that share is worth splitting (60 agents in 9 blocks, 40 s: re-planning
        # left time for 2 blocks, 118,380 under-covered agent-minutes against 40,380)
        if k and share_left >= REPLAN_SHARE:
            plan, size = _replan(problem, blocks[k:], done, plan, size, time_limit=min(15.0, 0.5 * share_left))
        agent = problem.agent(ids[0])
        key = (tuple(sorted(agent.skills)), agent.supervisor)
        share = len(ids) / size[key]
        demands = tuple(ShiftDemand(dates[d], code, int(round(v * share)), 200, 100)
                        for (g, d, code), v in plan.items() if g == key and round(v * share) > 0)
        sub = replace(sub_problem(problem, ids, (), supervisor_rule=(k == 0)), shift_demands=demands)
        hint = [Assignment(x.agent_id, x.date, x.shift_code) for x in results[k].assignments]
        # every block gets its turn (a block left out keeps its first, unguided roster)
        per = max(3.0, (until - elapsed()) / (len(blocks) - k))  # type: ignore[operator]
        res = solve(sub, time_limit=per, num_workers=num_workers, seed=seed, strategy="cp-sat", hint=hint,
                    explain=False, params={"cp_model_probing_level": 0, "symmetry_level": 0})
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
        done += results[k].assignments
        progress(Progress(stage="roster-large", message=f"LP-guided block {k + 1}/{len(blocks)}",
                          elapsed=elapsed(), time_limit=time_limit,  # type: ignore[operator]
                          extra={"under_agent_minutes": min(before, after)}))


#: seconds per remaining block below which the guided pass keeps its plan (``_replan``)
REPLAN_SHARE = 8.0


def _replan(problem: Problem, rest: list[list[str]], done: list[ShiftAssignment], plan: Plan,
            size: dict[tuple[tuple[str, ...], bool], int], *, time_limit: float,
            ) -> tuple[Plan, dict[tuple[tuple[str, ...], bool], int]]:
    """The LP plan (``coverage_bound``) for the agents of the blocks in ``rest`` alone,
    against the requirements minus what the shifts in ``done`` cover (breaks as they
    stand), and the profile sizes it was made for.  Not a bound on the whole problem
    (``done`` is fixed), only a plan; the old plan is kept when the LP fails."""
    ids = [a for block in rest for a in block]
    covered = {(row.start, row.queue): row.scheduled for row in estimate_coverage(problem, tuple(done))}
    residual = tuple(replace(r, agents=max(0, r.agents - covered.get((r.start, r.queue), 0)))
                     for r in problem.requirements)
    sup = any(problem.agent(a).supervisor for a in rest[0])
    sub = sub_problem(problem, ids, residual, supervisor_rule=sup)
    fresh: Plan = {}
    if coverage_bound(sub, plan=fresh, time_limit=max(2.0, time_limit)) is None or not fresh:
        return plan, size
    counts: dict[tuple[tuple[str, ...], bool], int] = defaultdict(int)
    for a in sub.agents:
        counts[tuple(sorted(a.skills)), a.supervisor] += 1
    return fresh, counts


def _pooled_first(problem: Problem, blocks: list[list[str]], *, num_workers: int, seed: int,
                  time_limit: float) -> dict[int, RosterResult]:
    """First rosters of every block without the supervisor rule, from one small model.

    Why: under the hard rules alone (no coverage, no supervisor rule) agents do not
    interact, and two agents with the same contract, eligibility, leave, activities,
    pins and history have the same feasible rosters.  So one model holding one agent
    per such signature is solved, and each agent gets its representative's shifts:
    valid by construction (and re-checked by the validator downstream), built in a
    fraction of the time of one model per block.  The guided pass and the block
    descent then diversify them.  Empty when the model finds nothing (the caller then
    solves block by block)."""
    keep = {k for k, ids in enumerate(blocks)
            if not (problem.rules.supervisor_always_on_duty and any(problem.agent(a).supervisor for a in ids))}
    if not keep:
        return {}
    items = own_items(problem)
    rep: dict[str, str] = {}
    seen: dict[object, str] = {}
    for k in sorted(keep):
        for a in blocks[k]:
            sig = (replace(problem.agent(a), id="-", team="", skills=()), items[a])
            rep[a] = seen.setdefault(sig, a)
    sub = sub_problem(problem, sorted(set(rep.values())), (), supervisor_rule=False)
    res = _first_roster(sub, by_weeks=False, num_workers=num_workers, seed=seed, time_limit=time_limit)
    if res is None:
        return {}
    pattern: dict[str, list[ShiftAssignment]] = defaultdict(list)
    for x in res.assignments:
        pattern[x.agent_id].append(x)
    return {k: RosterResult("FEASIBLE", None, None, 0.0, problem.interval_minutes,
                            tuple(replace(x, agent_id=a) for a in blocks[k] for x in pattern[rep[a]]))
            for k in keep}


def own_items(problem: Problem) -> defaultdict[str, tuple]:
    """Per agent id, its leave, activities, pins and history with the id blanked, in a
    fixed order: with the agent record, what sets one agent's feasible schedules apart
    from another's (agents alike in both can share one model or one pricing)."""
    per: dict[str, list] = defaultdict(list)
    for item in (*problem.time_off, *problem.activities, *problem.pinned, *problem.previous):
        per[item.agent_id].append(replace(item, agent_id=""))
    return defaultdict(tuple, {a: tuple(sorted(v, key=repr)) for a, v in per.items()})


def _first_roster(sub: Problem, *, by_weeks: bool, num_workers: int, seed: int,
                  time_limit: float) -> RosterResult | None:
    """Any roster that keeps every hard rule (first solution, no objective to speak of)."""
    from optimizer.roster.solve import solve

    first = {"stop_after_first_solution": True, "cp_model_probing_level": 0, "symmetry_level": 0}
    if not by_weeks:
        res = solve(sub, time_limit=time_limit, num_workers=num_workers, seed=seed, strategy="cp-sat",
                    params=first, explain=False)
        return res if res.feasible else None
    return _by_weeks(sub, params=first, time_limit=time_limit, num_workers=num_workers, seed=seed)


def _by_weeks(sub: Problem, *, params: dict, time_limit: float, num_workers: int,
              seed: int) -> RosterResult | None:
    """``sub`` solved week by week, the weeks before passed as history (rest, runs of
    days and weekend windows hold across weeks); on a dead end the previous week is
    re-solved together with the current one.  Used for the supervisor block, whose
    24/7 on-duty rule makes a first roster of the whole horizon slow to find."""
    from optimizer.roster.solve import solve

    base = [a for a in sub.previous if a.date < sub.start_date]
    weeks: list[tuple[int, RosterResult]] = []  # (first week, result)
    w = 0
    backtracked = False
    n_weeks = -(-sub.days // 7)
    t0 = time.monotonic()
    while w * 7 < sub.days:
        span = 2 if backtracked else 1  # a dead end: redo the previous week with this one
        start = w * 7
        history = base + [Assignment(x.agent_id, x.date, x.shift_code, x.breaks)
                          for _, wk in weeks for x in wk.assignments]
        window = replace(sub, start_date=sub.start_date + timedelta(days=start),
                         days=min(7 * span, sub.days - start), previous=tuple(history))
        left = time_limit - (time.monotonic() - t0)
        res = solve(window, time_limit=max(1.0, left * span / max(1, n_weeks - w)), num_workers=num_workers,
                    seed=seed, strategy="cp-sat", params=params, explain=False)
        if res.feasible:
            weeks.append((w, res))
            w += span
            backtracked = False
        elif weeks and not backtracked:
            w = weeks.pop()[0]
            backtracked = True
        else:
            return None
    done = tuple(x for _, wk in weeks for x in wk.assignments)
    violations = tuple(v for _, wk in weeks for v in wk.violations)
    objective = sum(wk.objective or 0 for _, wk in weeks)
    return RosterResult("FEASIBLE", objective, None, 0.0, sub.interval_minutes, done, (), violations)


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


def _merge(problem: Problem, blocks: list[list[str]], results: dict[int, RosterResult], rounds: int, *,
           assignments: tuple[ShiftAssignment, ...] | None = None,
           coverage: tuple[CoverageRow, ...] | None = None) -> RosterResult:
    """One RosterResult for the whole center: union of the blocks' shifts, coverage summed
    against the original requirements, soft violations of every block.  ``assignments``
    and ``coverage``, when given, replace the blocks' (the center-wide break placement:
    same shifts, so the blocks' other soft violations still hold)."""
    shifts: list[ShiftAssignment] = []
    violations: list[SoftViolation] = []
    scheduled: dict[tuple[datetime, str], int] = defaultdict(int)
    for res in results.values():
        shifts += res.assignments
        violations += [v for v in res.violations if v.rule not in _COVERAGE_RULES]
        if coverage is None:
            for row in res.coverage:
                scheduled[row.start, row.queue] += row.scheduled
    for row in coverage or ():
        scheduled[row.start, row.queue] += row.scheduled
    assignments = list(assignments) if assignments is not None else shifts
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
                   solver: str = "CLP", plan: Plan | None = None, integer: bool = False,
                   duals: Duals | None = None, short: dict[str, float] | None = None) -> float | None:
    """Lower bound on total under-covered agent-minutes: the LP relaxation of an
    aggregated model of the whole horizon (see the module doc), with the weekly rows
    week by week.  None if the LP fails.  ``plan``, when given, receives the LP's head
    counts per (profile, day, template): a good guide for building rosters
    (``solve_large`` turns it into per-shift targets); ``short``, its under-covered
    agent-minutes per queue (where no roster can do without any).

    One LP for the horizon rather than one per week: a week's LP alone must leave the
    day before it free (a night shift running into the week may cover its first hours),
    and it used those free Sunday nights to cover every Monday's small hours, which the
    previous week's plan never staffed.  Measured at 500 agents: the plan, met exactly,
    left 5-6k agent-minutes more under-covered on each seam Monday than the LPs said
    (17.5k in all), and the bound was 1-3 % lower; the one LP takes 4.7 s instead of 3.2 s."""
    from optimizer.roster.model.timeline import Timeline

    if not problem.requirements:
        return 0.0
    return _horizon_bound(problem, Timeline(problem), breaks=breaks, solver=solver, time_limit=time_limit,
                          plan=plan, integer=integer, duals=duals, short=short)


Plan = dict[tuple[tuple[tuple[str, ...], bool], int, str], float]
#: the LP's dual prices: per (queue, grid index) of each cover row, and per grid index
#: (queue "") of each supervisor-on-duty row
Duals = dict[tuple[str, int], float]


@dataclass
class AggregateLP:
    """The aggregated model of ``coverage_bound``, built and not yet solved: the solver,
    its head-count variables per (profile, day, template), its cover rows per (queue,
    grid index), its supervisor rows per grid index, its objective (under-covered
    intervals) and the under-coverage variables it sums, per (queue, grid index).
    ``column_bound`` ties its head counts to agents' schedules."""

    lp: object
    heads: dict[tuple[tuple[tuple[str, ...], bool], int, str], object]
    cover_rows: dict[tuple[str, int], object]
    sup_rows: dict[int, object]
    objective: object
    unders: dict[tuple[str, int], object]


def _horizon_bound(problem: Problem, tl: object, *, breaks: bool, solver: str, time_limit: float,
                   plan: Plan | None = None, integer: bool = False, duals: Duals | None = None,
                   short: dict[str, float] | None = None) -> float | None:
    """The LP (or, ``integer``, the MIP's proven bound) over the whole horizon."""
    from ortools.linear_solver import pywraplp

    model = aggregate_lp(problem, tl, breaks=breaks, solver=solver, integer=integer)
    if model is None:
        return None
    lp, heads, cover_rows, sup_rows, objective = (model.lp, model.heads, model.cover_rows, model.sup_rows,
                                                  model.objective)
    lp.SetTimeLimit(int(time_limit * 1000))  # type: ignore[attr-defined]
    code = lp.Solve()  # type: ignore[attr-defined]
    if integer:
        # a MIP stopped early: its proven bound, not its incumbent, bounds every roster
        bound = objective.Value() if code == pywraplp.Solver.OPTIMAL else objective.BestBound()  # type: ignore[attr-defined]
        if code not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE, pywraplp.Solver.NOT_SOLVED) \
                or not math.isfinite(bound):
            return None
        if plan is not None and code != pywraplp.Solver.NOT_SOLVED:
            plan.update({key: var.solution_value() for key, var in heads.items()})  # type: ignore[attr-defined]
        return max(0.0, bound) * problem.interval_minutes
    if code != pywraplp.Solver.OPTIMAL:
        return None
    if plan is not None:
        plan.update({key: var.solution_value() for key, var in heads.items()})  # type: ignore[attr-defined]
    if duals is not None:
        duals.update({key: row.dual_value() for key, row in cover_rows.items()})  # type: ignore[attr-defined]
        duals.update({("", i): row.dual_value() for i, row in sup_rows.items()})  # type: ignore[attr-defined]
    if short is not None:
        for (q, _), var in model.unders.items():
            short[q] = short.get(q, 0.0) + var.solution_value() * problem.interval_minutes  # type: ignore[attr-defined]
    # a simplex optimum up to its tolerance (CLP may return -1e-6 for 0)
    return max(0.0, objective.Value()) * problem.interval_minutes  # type: ignore[attr-defined]


def aggregate_lp(problem: Problem, tl: object, *, breaks: bool = True, solver: str = "CLP",
                 integer: bool = False, profile_rules: bool = True) -> AggregateLP | None:
    """Build the aggregated model (see ``coverage_bound``); None without an LP solver.
    ``profile_rules`` False leaves out the per-agent rules summed over a profile (days,
    nights, weekly hours and days, rest): ``column_bound`` ties the head counts to
    schedules that keep them agent by agent, and a smaller master re-solves faster."""
    from ortools.linear_solver import pywraplp

    from optimizer.roster.model.hours import max_week_minutes
    from optimizer.roster.model.sequences import week_blocks

    weeks = week_blocks(problem.days)
    week_of = {d: w for w, week in enumerate(weeks) for d in week}

    lp = pywraplp.Solver.CreateSolver(solver) or pywraplp.Solver.CreateSolver("GLOP")
    if lp is None:
        return None
    inf = lp.infinity()
    count = lp.IntVar if integer else lp.NumVar  # head, break and split counts
    profiles: dict[tuple[tuple[str, ...], bool], list] = defaultdict(list)
    for a in problem.agents:
        profiles[tuple(sorted(a.skills)), a.supervisor].append(a)
    leave = {(o.agent_id, o.date) for o in problem.time_off}
    queues = set(problem.queues)
    own = range(len(tl.grid))  # type: ignore[attr-defined]
    r = problem.rules
    req = tl.required()  # type: ignore[attr-defined]
    cover_rows = {}
    unders = {}
    for (q, i), need in req.items():
        if need > 0:
            row = lp.Constraint(need, inf)
            unders[q, i] = lp.NumVar(0, need, "")
            row.SetCoefficient(unders[q, i], 1)
            cover_rows[q, i] = row
    # No row where no shift of the horizon reaches (the night into the first day: the
    # previous roster's to cover, or exempt): dropping a row keeps the LP a relaxation.
    spanned = {i for slot in tl.slots.values() for i in slot.intervals}  # type: ignore[attr-defined]
    # nor where a supervisor outside the problem is on duty (``Problem.supervised``)
    step = timedelta(minutes=problem.interval_minutes)
    attended = {i for i in own if any(s <= tl.grid[i] and tl.grid[i] + step <= e  # type: ignore[attr-defined]
                                      for s, e in problem.supervised)}
    sup_rows = ({i: lp.Constraint(1, inf) for i in own if i in spanned and i not in attended}
                if r.supervisor_always_on_duty else {})
    days = list(range(problem.days))
    heads: dict = {}
    rule = lp.Constraint if profile_rules else _NoRow
    for (skills, is_sup), members in profiles.items():
        mine: dict[tuple[int, str], object] = {}
        night_ok = sum(1 for a in members if a.night_ok)
        #: the profile's on-phone head count per interval, as (variable, coefficient) terms
        on: dict[int, list[tuple[object, int]]] = defaultdict(list)
        overlap: set[int] = set()  # intervals where two break windows of one shift meet
        phone_total = None if breaks else lp.Constraint(-inf, 0)
        week_hours = [rule(-inf, sum(max_week_minutes(a, len(week)) for a in members)
                           if r.weekly_hours else inf) for week in weeks]
        week_days = [rule(-inf, _shift_days(problem, members, [tl.dates[d] for d in week], leave))  # type: ignore[attr-defined]
                     for week in weeks]
        for d in days:
            day = tl.dates[d]  # type: ignore[attr-defined]
            avail = sum(1 for a in members if (a.id, day) not in leave)
            day_row = rule(-inf, avail)
            # one shift a day: the night templates of a day share the night-eligible agents
            night_row = rule(-inf, sum(1 for a in members if a.night_ok and (a.id, day) not in leave))
            for t in problem.templates:
                slot = tl.slots[d, t.code]  # type: ignore[attr-defined]
                inside = slot.intervals  # grid indices (``Timeline.covered``): the horizon only
                if not inside:
                    continue
                n = count(0, night_ok if t.is_night else avail, "")
                mine[d, t.code] = heads[(skills, is_sup), d, t.code] = n
                day_row.SetCoefficient(n, 1)
                if t.is_night:
                    night_row.SetCoefficient(n, 1)
                week_hours[week_of[d]].SetCoefficient(n, t.paid_minutes)
                week_days[week_of[d]].SetCoefficient(n, 1)
                for i in inside:
                    on[i].append((n, 1))
                if phone_total is not None:
                    # without break variables, all that is kept of breaks: on-phone
                    # intervals of the shift at most its length minus its breaks
                    on_break = sum(len(options[0][1]) for options in slot.break_options if options)
                    phone_total.SetCoefficient(n, -(len(slot.intervals) - on_break))
                    continue
                windows: list[set[int]] = []
                for options in slot.break_options:
                    total = lp.Constraint(0, 0)
                    total.SetCoefficient(n, -1)
                    windows.append(set())
                    for _, cover in options:
                        b = count(0, inf, "")
                        total.SetCoefficient(b, 1)
                        for i in cover:
                            on[i].append((b, -1))
                        windows[-1].update(cover)
                for x in range(len(windows)):
                    for y in range(x + 1, len(windows)):
                        overlap |= windows[x] & windows[y]
        if profile_rules:
            _rest_rows(problem, tl, lp, mine, members, days, leave)
        if phone_total is not None:
            # the on-phone count in a variable per interval, so that their total is capped
            for i in own:
                phone = lp.NumVar(0, inf, "")
                row = lp.Constraint(-inf, 0)
                row.SetCoefficient(phone, 1)
                for v, c in on[i]:
                    row.SetCoefficient(v, -c)
                phone_total.SetCoefficient(phone, 1)
                on[i] = [(phone, 1)]
        qs = [q for q in skills if q in queues]
        for i in own:
            terms = on.get(i)
            if not terms:
                continue
            # Why terms, not an on-phone variable and row per interval: less than half
            # the rows (500 agents, Q3/Q4: 11,708 against 25,131), the same LP.  The
            # count cannot go below 0 unless two break windows of a shift overlap
            # (each break's options sum to the shift's heads); there a row keeps it up
            rows = [cover_rows[qs[0], i]] if len(qs) == 1 and (qs[0], i) in cover_rows else []
            if is_sup and i in sup_rows:
                rows.append(sup_rows[i])
            if i in overlap:
                rows.append(lp.Constraint(0, inf))
            if len(qs) > 1:
                split = lp.Constraint(-inf, 0)
                for q in qs:
                    y = count(0, inf, "")
                    split.SetCoefficient(y, 1)
                    if (q, i) in cover_rows:
                        cover_rows[q, i].SetCoefficient(y, 1)
                for v, c in terms:
                    split.SetCoefficient(v, -c)
            for row in rows:
                for v, c in terms:
                    row.SetCoefficient(v, c)
    objective = lp.Objective()
    for u in unders.values():
        objective.SetCoefficient(u, 1)
    objective.SetMinimization()
    return AggregateLP(lp, heads, cover_rows, sup_rows, objective, unders)


class _NoRow:
    """A row ``aggregate_lp`` leaves out: takes its coefficients and keeps none."""

    def __init__(self, *_: float) -> None:
        pass

    def SetCoefficient(self, *_: object) -> None:  # noqa: N802 (the solver's spelling)
        pass


def _shift_days(problem: Problem, members: list, dates: list, leave: set) -> int:
    """Most shifts the profile's agents can work on ``dates`` (one week or its tail),
    summed agent by agent: each works at most on the days it is not on leave, on at most
    the week's days less its minimum days off, and no more shifts than its weekly hours
    hold (the shortest paid shift).  Summing per agent rather than over the profile keeps
    an agent on leave from lending its unused days to the others."""
    from optimizer.roster.model.hours import max_week_minutes
    from optimizer.roster.model.sequences import days_off_needed

    r = problem.rules
    per_week = len(dates) - days_off_needed(r, len(dates))
    shortest = min((t.paid_minutes for t in problem.templates), default=0)
    total = 0
    for a in members:
        free = sum(1 for day in dates if (a.id, day) not in leave)
        by_hours = max_week_minutes(a, len(dates)) // shortest if r.weekly_hours and shortest > 0 else free
        total += min(free, per_week, by_hours)
    return total


def _rest_rows(problem: Problem, tl: object, lp: object, heads: dict[tuple[int, str], object], members: list,
               days: list[int], leave: set) -> None:
    """Rest between shifts, aggregated over a profile so that it stays implied by the
    agents' own rule.  For days d, d+1 and a template t*: every shift of day d ending no
    earlier than t* conflicts with every shift of day d+1 starting before t*'s end plus
    the minimum rest (both ends are instants, so the pairwise check of
    ``model/rest.py`` forbids each pair).  One agent works at most one shift a day, so
    it works at most one shift of that set over the two days; summed over the profile's
    agents not on leave on both days:

        sum(n[d, late]) + sum(n[d+1, early]) <= agents

    Why: the aggregate LP otherwise lets the same agents close on day d and open on day
    d+1 (a late evening followed by an early morning is the classic way a relaxation
    covers both peaks with one crew).  Shifts without a head-count variable (not reaching
    the week) are left out, which only drops terms from the left side."""
    hours = problem.rules.min_rest_hours or 0
    if not hours:
        return
    rest = timedelta(hours=hours)
    slots = tl.slots  # type: ignore[attr-defined]
    dates = tl.dates  # type: ignore[attr-defined]
    codes = [t.code for t in problem.templates]
    seen: set[tuple[frozenset, frozenset]] = set()
    for d in days:
        if d + 1 not in days:
            continue
        agents = sum(1 for a in members if (a.id, dates[d]) not in leave or (a.id, dates[d + 1]) not in leave)
        for star in codes:
            end = slots[d, star].end
            late = frozenset(c for c in codes if (d, c) in heads and slots[d, c].end >= end)
            early = frozenset(c for c in codes if (d + 1, c) in heads and slots[d + 1, c].start < end + rest)
            if not late or not early or (late, early) in seen:
                continue
            seen.add((late, early))
            row = lp.Constraint(-lp.infinity(), agents)  # type: ignore[attr-defined]
            for c in late:
                row.SetCoefficient(heads[d, c], 1)
            for c in early:
                row.SetCoefficient(heads[d + 1, c], 1)


def place_breaks(problem: Problem, shifts: list[Assignment] | tuple[ShiftAssignment, ...], *, time_limit: float = 20.0,
                 num_workers: int = 2, seed: int = 0, cancel: Cancellable | None = None,
                 ) -> tuple[tuple[ShiftAssignment, ...], tuple[CoverageRow, ...]] | None:
    """Breaks of a fixed roster placed for the whole center (``_place_group_breaks``),
    queue group by queue group (``queue_groups``), each with time half by its shifts and
    half by its shortfall; None if a group's placement keeps no supervisor rule.

    Why by group: groups share no cover row (and every supervisor is in one group under
    the supervisor rule), so placing them apart is as exact, and each model is small
    enough for the search to move.  500 agents, the roster of a 300 s solve: 148,005
    under-covered agent-minutes placed at once, in 30 s as in 60 s (the search never got
    past its greedy start), against 139,485 group by group in 40 s in all."""
    groups = queue_groups(problem)
    if len(groups) == 1:
        return _place_group_breaks(problem, shifts, time_limit=time_limit, num_workers=num_workers, seed=seed,
                                   cancel=cancel)
    t0 = time.monotonic()
    # groups with nothing to cover (no needed queue, no supervisor rule) go in one
    needed = {r.queue for r in problem.requirements}
    agent = {a.id: a for a in problem.agents}
    sup = problem.rules.supervisor_always_on_duty
    busy = [ids for ids in groups
            if any(needed & set(agent[a].skills) or (sup and agent[a].supervisor) for a in ids)]
    idle = [a for ids in groups if ids not in busy for a in ids]
    groups = busy + ([idle] if idle else [])
    by_agent = _by_agent(shifts)
    # time: half by shifts, half by shortfall (a covered group needs little; 184 agents
    # short by 139k agent-minutes need 15-20 s for a first solution)
    from optimizer.roster.coverage_search import shortfall

    short = shortfall(problem, [Assignment(s.agent_id, s.date, s.shift_code) for s in shifts])
    size = [sum(len(by_agent[a]) for a in ids) / max(1, len(shifts)) for ids in groups]
    lacking = [sum(v for q, v in short.items() if any(q in agent[a].skills for a in ids)) for ids in groups]
    weight = [w + (s / sum(lacking) if sum(lacking) > 0 else w) for w, s in zip(size, lacking)]
    left = sum(weight)
    out: list[ShiftAssignment] = []
    rows: list[CoverageRow] = []
    for ids, w in zip(groups, weight):
        mine = [s for a in ids for s in by_agent[a]]
        share = (time_limit - (time.monotonic() - t0)) * w / max(1e-9, left)
        left -= w
        sub = sub_problem(problem, ids, problem.requirements, any(agent[a].supervisor for a in ids))
        placed = _place_group_breaks(sub, mine, time_limit=max(1.0, share), num_workers=num_workers, seed=seed,
                                     cancel=cancel)
        if placed is None:
            return None
        out += placed[0]
        rows += placed[1]
    return tuple(out), tuple(rows)


def queue_groups(problem: Problem) -> list[list[str]]:
    """Agent ids in groups that share no queue with each other (connected through
    shared skills, and through the supervisor rule when it is on), largest first."""
    parent = {a.id: a.id for a in problem.agents}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    first: dict[str, str] = {}
    sup = problem.rules.supervisor_always_on_duty
    for a in problem.agents:
        for key in (*a.skills, *(["<supervisor>"] if sup and a.supervisor else [])):
            if key in first:
                parent[find(a.id)] = find(first[key])
            else:
                first[key] = a.id
    groups: dict[str, list[str]] = defaultdict(list)
    for a in problem.agents:
        groups[find(a.id)].append(a.id)
    return sorted(groups.values(), key=len, reverse=True)


def _place_group_breaks(problem: Problem, shifts: list[Assignment] | tuple[ShiftAssignment, ...], *,
                        time_limit: float, num_workers: int, seed: int, cancel: Cancellable | None,
                        ) -> tuple[tuple[ShiftAssignment, ...], tuple[CoverageRow, ...]] | None:
    """Breaks of a fixed roster placed for one model at once, staggered where
    coverage needs them: the engine's own coverage families (break counts per unit,
    activities, supervisor on duty, skill split, under/deep/over pricing) with every
    ``x`` a constant, then ``solve.assign_breaks`` hands the counts to the agents.

    Why: blocks solved apart place their breaks without seeing each other (a block
    built under the hard rules alone puts every break mid-window), so dozens of agents
    of one start time break together.  With the shifts fixed this model is small
    (no sequence or hours rules) and exact.  Returns (shifts with breaks, coverage):
    the search's placement or the greedy one it starts from (``_greedy_breaks``),
    whichever prices lower; None if neither keeps the supervisor rule."""
    from ortools.sat.python import cp_model

    from optimizer.roster.model import coverage as cov
    from optimizer.roster.model.timeline import Timeline
    from optimizer.roster.model.variables import RosterVars
    from optimizer.roster.solve import assign_breaks, run_cp_sat

    t0 = time.monotonic()  # ``time_limit`` includes the build
    tl = Timeline(problem)
    m = cp_model.CpModel()
    ids = {a.id: i for i, a in enumerate(problem.agents)}
    days = {day: d for d, day in enumerate(tl.dates)}
    on = {(ids[s.agent_id], days[s.date], s.shift_code) for s in shifts}
    one, zero = m.new_constant(1), m.new_constant(0)
    x = {(a, d, t.code): (one if (a, d, t.code) in on else zero)
         for a in range(len(problem.agents)) for d in range(problem.days) for t in problem.templates}
    rv = RosterVars(m, problem, tl, x, {}, {})  # type: ignore[arg-type]
    keys: dict[tuple[tuple[str, ...], bool], int] = {}
    for agent in problem.agents:
        key = (tuple(sorted(agent.skills)), agent.supervisor)
        keys.setdefault(key, len(keys))
        rv.profile_of.append(keys[key])
    rv.profiles = list(keys)
    cov.add_break_units(rv)
    cov.build_on_phone(rv)
    cov.add_supervisor_on_duty(rv)
    cov.add_queue_coverage(rv)
    # Spread: where coverage does not care (a queue over-staffed at lunch time), a duty
    # board with 15 of 26 agents at lunch together still reads as a gap; one point per
    # agent above an even share of the break options breaks ties toward staggering
    # (coverage prices 10+ per agent-interval, so it always wins).
    # Counted over every profile on the same shift: the board shows the shift, not the profile.
    per_option: dict[tuple[int, str, int, int], list] = defaultdict(list)
    heads: dict[tuple[int, str], int] = defaultdict(int)
    for u in rv.units:
        heads[u.d, u.code] += sum(1 for a in u.agents if (a, u.d, u.code) in on)
        for r, counts in enumerate(u.b):
            for k, c in enumerate(counts):
                if c is not None:
                    per_option[u.d, u.code, r, k].append(c)
    for (d, code, r, _), cs in per_option.items():
        n = heads[d, code]
        if n > 1:
            share = -(-n // len(tl.slots[d, code].break_options[r]))
            excess = m.new_int_var(0, n, "")
            m.add(excess >= sum(cs) - share)
            rv.add_soft("break_spread", 1, excess)
    if rv.soft:
        m.minimize(sum(t.weight * t.var for t in rv.soft))
    # hint: a greedy placement that sends each break where coverage can spare the agent
    # (``_greedy_breaks``); the shifts' own breaks, when built without coverage, all sit
    # mid-window, and a short search does not get far from its hint
    greedy = _greedy_breaks(problem, tl, rv, on)
    values: dict[int, int] = {one.Index(): 1, zero.Index(): 0}
    for (j, r), given in greedy.items():
        for c, v in zip(rv.units[j].b[r], given):
            if c is not None:
                m.add_hint(c, v)
                values[c.Index()] = v
    solver, code, _, _ = run_cp_sat(rv, time_limit=max(1.0, time_limit - (time.monotonic() - t0)),
                                    num_workers=num_workers, seed=seed, progress=no_progress,
                                    cancel=cancel or NEVER_CANCELLED,
                                    params={"cp_model_probing_level": 0, "symmetry_level": 0})

    def shifts_with(breaks: dict) -> tuple[ShiftAssignment, ...]:
        return tuple(ShiftAssignment(problem.agents[a].id, tl.dates[d], c, tl.slots[d, c].start, tl.slots[d, c].end,
                                     breaks.get((a, d), ()))
                     for (a, d, c) in sorted(on, key=lambda k: (problem.agents[k[0]].id, k[1])))

    found: list[tuple[tuple[ShiftAssignment, ...], tuple[CoverageRow, ...]]] = []
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        out = shifts_with(assign_breaks(rv, solver))
        req = tl.required()
        rows = tuple(CoverageRow(tl.grid[i], q, req.get((q, i), 0), int(solver.value(expr)))
                     for (q, i), expr in sorted(rv.coverage.items(), key=lambda kv: (kv[0][1], kv[0][0])))
        found.append((out, _better_split(problem, out, rows)))
    # The greedy placement itself is a candidate (the search, short of time on a large
    # center, can end worse than its hint or without a solution), if it keeps the
    # supervisor rule: its coverage is the greedy split's, which never overstates.
    mine = shifts_with(assign_breaks(rv, _Fixed(values)))  # type: ignore[arg-type]
    if _supervisors_on_duty(problem, mine):
        found.append((mine, estimate_coverage(problem, mine)))
    return min(found, key=lambda f: _coverage_cost(problem, f[1])) if found else None


class _Fixed:
    """Stands in for a CP-SAT solver in ``solve.assign_breaks``: the value of every
    variable (the shift constants and the break counts) is given."""

    def __init__(self, values: dict[int, int]) -> None:
        self.values = values

    def value(self, var: object) -> int:
        return self.values[var.Index()]  # type: ignore[attr-defined]


def _supervisors_on_duty(problem: Problem, shifts: tuple[ShiftAssignment, ...]) -> bool:
    """The validator's supervisor-on-duty check on the supervisors' shifts alone (the
    only hard rule a break placement can break besides windows and activities, which
    the break options already respect)."""
    from optimizer.roster.scenario import roster_rows
    from optimizer.roster.validator import validate

    if not problem.rules.supervisor_always_on_duty:
        return True
    ids = [a.id for a in problem.agents if a.supervisor]
    keep = set(ids)
    sub = sub_problem(problem, ids, (), supervisor_rule=True)
    mine = tuple(s for s in shifts if s.agent_id in keep)
    result = RosterResult("FEASIBLE", 0.0, None, 0.0, problem.interval_minutes, mine)
    return not any(v.rule == "supervisor_on_duty" for v in validate(sub, roster_rows(result, problem.timezone)))


def _greedy_breaks(problem: Problem, tl: object, rv: object, on: set[tuple[int, int, str]],
                   ) -> dict[tuple[int, int], list[int]]:
    """Break counts per (unit index, break rule) and option from a greedy placement: every
    break of every worked shift, in time order, takes the option whose intervals have
    the most agents to spare on the agent's queues (supervisors: never the last one on
    duty), then a second sweep moves each break to its best option given all the others.

    Why: the break model's search starts from its hint, and at center size (2,500 shifts
    at 150 agents, 8,000 at 500) a short search stays close to it; measured at 150 agents
    (load 4.5) a round-robin hint left 32,280 under-covered agent-minutes after 23 s of
    search where 90 s reached 18,915.  Coverage per queue is estimated by counting a
    multi-skilled agent as 1/k on each of its k queues (a heuristic, the model decides
    the split; counting it fully on each left 25,695 against 24,705 on the same shifts)."""
    units = rv.units  # type: ignore[attr-defined]
    profiles = rv.profiles  # type: ignore[attr-defined]
    queues = set(problem.queues)
    need: dict[tuple[str, int], int] = defaultdict(int, tl.required())  # type: ignore[attr-defined]
    supply: dict[tuple[str, int], float] = defaultdict(float)
    sup: dict[int, int] = defaultdict(int)
    tokens: list[tuple[object, int, tuple[str, ...], bool, list[int], int]] = []
    for j, u in enumerate(units):
        heads = sum(1 for a in u.agents if (a, u.d, u.code) in on)
        if not heads:
            continue
        skills, is_sup = profiles[u.profile]
        qs = tuple(q for q in skills if q in queues)
        slot = tl.slots[u.d, u.code]  # type: ignore[attr-defined]
        for i in slot.intervals:
            for q in qs:
                supply[q, i] += heads / len(qs)
            sup[i] += heads * is_sup
        for r, counts in enumerate(u.b):
            real = [k for k, c in enumerate(counts) if c is not None]
            if real:
                tokens += [(u, r, qs, is_sup, real, j)] * heads
    tokens.sort(key=lambda tok: (tok[0].d, tl.slots[tok[0].d, tok[0].code].start, tok[1]))  # type: ignore
    choice: list[int | None] = [None] * len(tokens)
    used: dict[tuple[int, str, int, int], int] = defaultdict(int)  # spread ties over the options

    def move(n: int, k: int, sign: int) -> None:
        u, r, qs, is_sup, _, _ = tokens[n]
        for i in tl.slots[u.d, u.code].break_options[r][k][1]:  # type: ignore[attr-defined]
            for q in qs:
                supply[q, i] += sign / len(qs)
            sup[i] += sign * is_sup
        used[u.d, u.code, r, k] -= sign

    def best(n: int) -> int:
        u, r, qs, is_sup, real, _ = tokens[n]
        options = tl.slots[u.d, u.code].break_options[r]  # type: ignore[attr-defined]

        def cost(k: int) -> tuple[float, int, float]:
            short = spare = 0.0
            for i in options[k][1]:
                left = min((supply[q, i] - need[q, i] for q in qs), default=0)
                short += max(0, 1 - left) + (1000 if is_sup and sup[i] <= 1 else 0)
                spare += left
            # shortage first, then the even spread the search's ``break_spread`` asks for
            # (a duty board reads 38 of 50 agents at lunch together as a gap), then slack
            return short, used[u.d, u.code, r, k], -spare
        return min(real, key=cost)

    for _ in range(2):  # measured: more sweeps change nothing (150 agents: 25,695 / 25,815 / 25,800)
        for n in range(len(tokens)):
            if choice[n] is not None:
                move(n, choice[n], +1)  # type: ignore[arg-type]
            choice[n] = best(n)
            move(n, choice[n], -1)  # type: ignore[arg-type]
    out: dict[tuple[int, int], list[int]] = {}
    for j, u in enumerate(units):
        for r, counts in enumerate(u.b):
            out[j, r] = [0] * len(counts)
    for (_, r, _, _, _, j), k in zip(tokens, choice):
        out[j, r][k] += 1  # type: ignore[index]
    return out


def _better_split(problem: Problem, shifts: tuple[ShiftAssignment, ...],
                  rows: tuple[CoverageRow, ...]) -> tuple[CoverageRow, ...]:
    """The solver's skill split or the greedy one (``estimate_coverage``), whichever
    prices lower: both are allocations of the same on-phone agents, and a search
    stopped by its time limit can leave a split the greedy one beats (measured at 500
    agents: 604k vs 542k under-covered agent-minutes for the same breaks)."""
    greedy = estimate_coverage(problem, shifts)
    return greedy if _coverage_cost(problem, greedy) < _coverage_cost(problem, rows) else rows


def place_breaks_by_day(problem: Problem, shifts: tuple[ShiftAssignment, ...] | list, *, time_limit: float = 30.0,
                        num_workers: int = 2, seed: int = 0, cancel: Cancellable | None = None,
                        ) -> tuple[tuple[ShiftAssignment, ...], tuple[CoverageRow, ...]] | None:
    """``place_breaks`` over a rolling two-day window: the breaks of the shifts starting
    on day d are placed with the next day's shifts in view (night shifts run into it) and
    the day before already placed (passed as history, breaks included); day d's breaks
    and the coverage of day d's intervals are then final.

    Why: one model for 28 days x 500 agents spends most of a short budget in build and
    presolve and can return a placement worse than its hint; 28 two-day models are
    each small enough to solve to (near) optimality, and a break only interacts with
    the intervals around its own shift."""
    cancel = cancel or NEVER_CANCELLED
    t0 = time.monotonic()
    base = [a for a in problem.previous if a.date < problem.start_date]
    placed: list[ShiftAssignment] = []
    rows: list[CoverageRow] = []
    dates = problem.dates
    for d, day in enumerate(dates):
        if cancel.is_cancelled():
            return None
        window = replace(problem, start_date=day, days=min(2, problem.days - d),
                         previous=tuple(base + [Assignment(s.agent_id, s.date, s.shift_code, s.breaks)
                                                for s in placed if s.date == day - timedelta(days=1)]))
        todo = [s for s in shifts if day <= s.date < window.end_date]
        left = time_limit - (time.monotonic() - t0)
        out = place_breaks(window, todo, time_limit=max(1.0, left / (problem.days - d)), num_workers=num_workers,
                           seed=seed, cancel=cancel)
        if out is None:
            return None
        placed += [s for s in out[0] if s.date == day]
        rows += [r for r in out[1] if timeutil.to_local(r.start, problem.timezone).date() == day]
    placed.sort(key=lambda s: (s.agent_id, s.date))
    return tuple(placed), _better_split(problem, tuple(placed), tuple(rows))
