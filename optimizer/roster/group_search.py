"""Queue groups re-rostered side by side: each group's coverage search, then price and
dive where the LP says the group cannot be fully covered, one process per core.

Why: queue groups (``large.queue_groups``) share no queue, and under the supervisor
rule every supervisor is in one group, so a group's coverage depends on its own agents
only and its search and its column generation need nothing from the others.  Both are
single-threaded (``patterns.AgentPricer`` prices on one CP-SAT worker, the master is one
CLP), so one after another they leave a core idle, and price and dive did not fit in a
300 s solve: on 500 agents it needs ~120 s after the Q3/Q4 group's search, and that time
starved the other group's search (Q1/Q2/Q5 5-14k under-covered agent-minutes where it
otherwise ends near 0).  Side by side, each group has the whole window on its own core.

Where the LP (``large.coverage_bound``'s ``short``) leaves a group short, no search can
cover it, and the search's last steps buy little: the group gets ``SEARCH_FIRST`` of its
time for the search, then ``column_bound.roster_from_columns`` starts its master from
the searched roster and every schedule the search's pricings offered.  A group the LP
covers only searches.

Processes are spawned (not forked: OR-Tools keeps threads), get plain data in and give
plain data back; their progress lines come back through a queue.  With one worker, one
group or where a process cannot start (a daemonic job worker), the groups run here, one
after another, their time split by size.
"""

from __future__ import annotations

import multiprocessing
import queue as queue_module
import time
from dataclasses import dataclass, field, replace
from typing import Any

from optimizer.progress import NEVER_CANCELLED, Cancellable, Progress, ProgressCallback, no_progress
from optimizer.roster.problem import Assignment, Problem

#: share of a short group's time its search gets before price and dive (measured at 500
#: agents from a 300 s roster: 6 rounds of column generation, 82 s, and a 36 s dive took
#: Q3/Q4 from 138,855 to 132,825 under-covered agent-minutes)
SEARCH_FIRST = 0.45
#: a group is short when the LP leaves this share of its need uncovered
SHORT_SHARE = 0.005


@dataclass(frozen=True)
class Job:
    """One queue group's work: its sub-problem, its agents' shifts, its seconds, and
    whether price and dive follows the search."""

    label: str
    problem: Problem
    roster: list[Assignment]
    seconds: float
    dive: bool


@dataclass
class Done:
    """What a group's work made: the group's new shifts (None: unchanged) and figures."""

    label: str
    roster: list[Assignment] | None
    stats: dict[str, float] = field(default_factory=dict)
    error: str = ""


def _groups(problem: Problem, short: dict[str, float]) -> list[tuple[list[str], list[str], bool]]:
    """The queue groups with something to cover: agent ids, queues, and whether the LP
    leaves the group short (``short``: under-covered agent-minutes per queue, over
    ``SHORT_SHARE`` of the group's need).  No sub-problem is built here: ``short_groups``
    only needs the flags."""
    from optimizer.roster.large import queue_groups

    groups = []
    for ids in queue_groups(problem):
        keep = set(ids)
        queues = sorted({q for a in problem.agents if a.id in keep for q in a.skills})
        rows = [r for r in problem.requirements if r.queue in queues]
        if not rows:
            continue
        need = sum(r.agents for r in rows) * problem.interval_minutes
        groups.append((ids, queues, sum(short.get(q, 0.0) for q in queues) > SHORT_SHARE * need))
    return groups


def short_groups(problem: Problem, short: dict[str, float]) -> list[str]:
    """The queue groups (their queues, joined by "/") that the LP leaves short."""
    return ["/".join(queues) for _, queues, dive in _groups(problem, short) if dive]


def jobs_for(problem: Problem, roster: list[Assignment], short: dict[str, float], seconds: float,
             workers: int) -> list[list[Job]]:
    """The queue groups with something to cover, as lanes (one per process, at most
    ``workers``), largest group first on the least loaded lane; a lane's groups split
    ``seconds`` by their agents."""
    from optimizer.roster.large import sub_problem

    by_agent: dict[str, list[Assignment]] = {}
    for x in roster:
        by_agent.setdefault(x.agent_id, []).append(x)
    groups = _groups(problem, short)
    lanes: list[list[tuple]] = [[] for _ in range(max(1, min(workers, len(groups))))]
    for group in groups:  # largest first (queue_groups' order), onto the lightest lane
        min(lanes, key=lambda lane: sum(len(g[0]) for g in lane)).append(group)
    out = []
    for lane in lanes:
        size = sum(len(g[0]) for g in lane)
        out.append([Job("/".join(queues),
                        sub_problem(problem, ids, problem.requirements,
                                    any(problem.agent(a).supervisor for a in ids)),
                        [x for a in ids for x in by_agent.get(a, [])], seconds * len(ids) / size, dive)
                    for ids, queues, dive in lane])
    return out


def run_group(job: Job, *, seed: int, progress: ProgressCallback = no_progress,
              cancel: Cancellable = NEVER_CANCELLED) -> Done:
    """One group's search, then (``job.dive``) price and dive from the searched roster."""
    from optimizer.roster.column_bound import roster_from_columns
    from optimizer.roster.coverage_search import improve_coverage, shortfall

    t0 = time.monotonic()
    tick = lambda p: progress(replace(p, message=f"{job.label}: {p.message}"))  # noqa: E731
    found = improve_coverage(job.problem, job.roster, time_limit=(SEARCH_FIRST if job.dive else 1.0) * job.seconds,
                             seed=seed, cancel=cancel, progress=tick)
    roster = found.roster if found.cost_after < found.cost_before else job.roster
    changed = roster is not job.roster
    stats = {"coverage_search_steps": float(found.steps), "coverage_search_improving": float(found.accepted)}
    progress(Progress(stage="coverage-search", message=f"{job.label}: coverage search, {found.steps} steps, "
                      f"{found.accepted} improving", elapsed=time.monotonic() - t0, time_limit=job.seconds))
    left = job.seconds - (time.monotonic() - t0)
    short = {q: v for q, v in shortfall(job.problem, roster).items() if v > 0.5}
    if job.dive and short and not cancel.is_cancelled():
        agents = job.problem.agents
        made = roster_from_columns(job.problem, roster, queues=short, time_limit=left, seed=seed, progress=tick,
                                   cancel=cancel, extra={agents[a].id: s for a, s in found.seen.items()})
        stats["columns_bound"] = made.bound
        stats["columns_kept"] = float(made.roster is not None)
        if made.roster is not None:
            roster, changed = made.roster, True
    return Done(job.label, roster if changed else None, stats)


def run_lanes(lanes: list[list[Job]], *, seed: int, progress: ProgressCallback | None = None,
              cancel: Cancellable | None = None) -> list[Done]:
    """Every lane's jobs, lanes side by side in spawned processes (here, when one lane or
    no process can start); a lane that fails leaves its groups unchanged (``Done.error``)."""
    progress = progress or no_progress
    cancel = cancel or NEVER_CANCELLED
    if len(lanes) > 1 and not multiprocessing.current_process().daemon:
        try:
            return _side_by_side(lanes, seed=seed, progress=progress, cancel=cancel)
        except (OSError, AssertionError):  # no process could start (AssertionError: a daemon's child)
            pass
    t0 = time.monotonic()
    total = sum(job.seconds for lane in lanes for job in lane) or 1.0
    budget = max(sum(job.seconds for job in lane) for lane in lanes)
    done = []
    for lane in lanes:
        for job in lane:
            # one after another: each its share of the time the lanes had side by side
            seconds = max(0.0, budget - (time.monotonic() - t0)) * job.seconds / total
            total -= job.seconds
            done.append(run_group(replace(job, seconds=seconds), seed=seed, progress=progress, cancel=cancel))
    return done


def _side_by_side(lanes: list[list[Job]], *, seed: int, progress: ProgressCallback,
                  cancel: Cancellable) -> list[Done]:
    ctx = multiprocessing.get_context("spawn")
    channel: Any = ctx.Queue()
    procs = [ctx.Process(target=_lane, args=(lane, seed, channel), daemon=True) for lane in lanes]
    try:
        for p in procs:
            p.start()
    except BaseException:  # the lanes then run here: none may run twice
        for p in procs:
            if p.pid is not None:
                p.terminate()
                p.join(timeout=5)
        raise
    expected = sum(len(lane) for lane in lanes)
    done: list[Done] = []
    try:
        while len(done) < expected:
            if cancel.is_cancelled():
                break
            try:
                kind, payload = channel.get(timeout=0.5)
            except queue_module.Empty:
                if not any(p.is_alive() for p in procs):  # a lane died without a word
                    break
                continue
            if kind == "progress":
                progress(payload)
            else:
                done.append(payload)
    finally:
        for p in procs:
            if p.is_alive() and (cancel.is_cancelled() or len(done) < expected):
                p.terminate()
            p.join(timeout=5)
    labels = {d.label for d in done}
    done += [Done(job.label, None, error="its process ended without a result")
             for lane in lanes for job in lane if job.label not in labels]
    return done


def _lane(lane: list[Job], seed: int, channel: Any) -> None:
    """A spawned process: the lane's jobs in turn, progress and results sent back."""
    for job in lane:
        try:
            done = run_group(job, seed=seed, progress=lambda p: channel.put(("progress", p)))
        except Exception as exc:  # noqa: BLE001 - reported to the parent, which keeps the group's roster
            done = Done(job.label, None, error=f"{type(exc).__name__}: {exc}")
        channel.put(("done", done))
