"""Center-wide coverage search: agents re-rostered a few at a time against what all the
others cover, each agent's schedule the exact optimum of its own model.

Why: the large-center pipeline (``optimizer.roster.large``) builds blocks toward the LP
plan's head counts, and the plan cannot see per-agent rules (rest after a late shift,
runs of days, days off), nor that every agent must work its contract's minimum hours.
Blocks then miss targets in systematic ways (a 69-agent block of the 500-agent scenario
missed 65 of its 06:00 targets), and the shifts agents must work anyway land where the
plan did not ask for them (the supervisors: 443 target shifts, 731 worked).  This search prices what matters directly: for an agent taken out of the
roster, each (day, template) is worth the under-coverage it would remove minus the
over-coverage it would add, on the agent's queues, given everyone else's shifts.  The
agent's own model (``patterns.AgentPricer``: every per-agent rule, its own soft terms)
picks its best schedule at those prices.  Ruin and recreate over a few related agents
at a time, kept when the center's coverage cost does not grow, moves shifts across
profiles and blocks, which the block-by-block passes cannot.

Coverage is counted as ``_Coverage`` says (breaks spread over their options; two-skilled
agents fill the larger shortfall of their queues first); the final break placement and
skill split, one model for the center, can only do better.  Rules that couple agents
are left alone: with the supervisor-on-duty rule on, supervisors keep their shifts.
Measured at 500 agents, 300 s (``bench/scale_500.py``): 193,140-204,585 under-covered
agent-minutes without the search, 137,190-137,460 with it.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

import numpy as np

from optimizer.progress import NEVER_CANCELLED, Cancellable, Progress, ProgressCallback, no_progress
from optimizer.roster.patterns import SCALE, AgentPricer
from optimizer.roster.problem import Assignment, Problem

Schedule = frozenset[tuple[int, str]]  #: (day index, template code) worked


class _Coverage:
    """On-phone supply per skill group and interval, and its coverage cost.

    Breaks count as the LP counts them: spread evenly over their options (the final
    break placement decides).  Skills: single-skilled supply goes to its queue, then each
    two-skilled group's supply fills the larger shortfall of its two queues first and
    splits what is left; groups of three or more skills count 1/k on each queue.  Why
    not 1/k for pairs too: it halves what a two-skilled agent is worth where only one of
    its queues is short, and steers the search away from them (from the same roster,
    60 s: 148,665 under-covered agent-minutes with 1/k, 137,415 with this fill)."""

    def __init__(self, problem: Problem) -> None:
        from optimizer.roster.model.timeline import Timeline

        tl = Timeline(problem)
        self.queues = list(problem.queues)
        qi = {q: k for k, q in enumerate(self.queues)}
        n = len(tl.grid)
        self.need = np.zeros((len(self.queues), n))
        for (q, i), v in tl.required().items():
            if q in qi:
                self.need[qi[q], i] = v
        w = problem.weights
        self.w_under = np.array([w.under_coverage * w.queue_weight(q) for q in self.queues], dtype=float)[:, None]
        self.w_over = float(w.over_coverage)
        #: per (day, code): grid indices and on-phone share of each
        self.shape: dict[tuple[int, str], tuple[np.ndarray, np.ndarray]] = {}
        for key, slot in tl.slots.items():
            idx = np.array(slot.intervals, dtype=int)
            on = np.ones(len(idx))
            pos = {i: k for k, i in enumerate(slot.intervals)}
            for options in slot.break_options:
                for _, cover in options:
                    for i in cover:
                        if i in pos:
                            on[pos[i]] -= 1.0 / len(options)
            self.shape[key] = (idx, np.clip(on, 0.0, 1.0))
        groups: dict[tuple[int, ...], int] = {}
        self.group: list[int | None] = []
        for a in problem.agents:
            qs = tuple(sorted(qi[q] for q in a.skills if q in qi))
            self.group.append(groups.setdefault(qs, len(groups)) if qs else None)
        self.skills = [qs for qs, _ in sorted(groups.items(), key=lambda kv: kv[1])]
        # singles first, then pairs, then the rest: the order the shortfall is filled
        self.order = sorted(range(len(self.skills)), key=lambda g: (len(self.skills[g]), self.skills[g]))
        self.supply = np.zeros((len(self.skills), n))

    def add(self, a: int, schedule: Schedule, sign: float) -> None:
        g = self.group[a]
        if g is None:
            return
        for key in schedule:
            idx, on = self.shape[key]
            self.supply[g, idx] += sign * on

    def per_interval(self, supply: np.ndarray) -> np.ndarray:
        """Coverage cost of each interval for ``supply`` (groups x intervals)."""
        short, over = self.fill(supply)
        return (self.w_under * short).sum(axis=0) + self.w_over * over

    def fill(self, supply: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Shortfall per (queue, interval) and surplus per interval once ``supply`` is
        allocated to the queues."""
        short = self.need.copy()
        over = np.zeros(short.shape[1])
        for g in self.order:
            qs, s = self.skills[g], supply[g]
            if len(qs) == 1:
                take = np.minimum(short[qs[0]], s)
                short[qs[0]] -= take
                over += s - take
            elif len(qs) == 2:
                a, b = qs
                big = short[a] >= short[b]
                hi, lo = np.maximum(short[a], short[b]), np.minimum(short[a], short[b])
                first = np.minimum(s, hi - lo)
                each = np.minimum((s - first) / 2, lo)
                to_a = np.where(big, first + each, each)
                to_b = np.where(big, each, first + each)
                short[a] -= to_a
                short[b] -= to_b
                over += s - to_a - to_b
            else:
                for q in qs:
                    take = np.minimum(short[q], s / len(qs))
                    short[q] -= take
                    over += s / len(qs) - take
        return np.clip(short, 0, None), over

    def cost(self) -> float:
        return float(self.per_interval(self.supply).sum())

    def prices(self, a: int) -> dict[tuple[int, str], int]:
        """What each (day, template) would save agent ``a``'s queues (agent taken out):
        the cost each interval sheds when the agent's group gains one agent there,
        times the share of the interval the agent is on the phone."""
        g = self.group[a]
        if g is None:
            return {}
        more = self.supply.copy()
        more[g] += 1.0
        gain = self.per_interval(self.supply) - self.per_interval(more)
        return {key: round(SCALE * float(on @ gain[idx])) for key, (idx, on) in self.shape.items() if len(idx)}


def coverage_cost(problem: Problem, roster: list[Assignment]) -> float:
    """``roster``'s coverage cost as the search counts it (``_Coverage``): a like-for-like
    comparison of two rosters before their breaks are placed."""
    return _counted(problem, roster).cost()


def shortfall(problem: Problem, roster: list[Assignment]) -> dict[str, float]:
    """Under-covered agent-intervals per queue as the search counts them (breaks spread
    over their options, so a roster whose breaks are not yet staggered is not blamed)."""
    cov = _counted(problem, roster)
    short = cov.fill(cov.supply)[0].sum(axis=1)
    return {q: float(v) for q, v in zip(cov.queues, short)}


def _counted(problem: Problem, roster: list[Assignment]) -> _Coverage:
    cov = _Coverage(problem)
    days = {day: d for d, day in enumerate(problem.dates)}
    ids = {a.id: i for i, a in enumerate(problem.agents)}
    work: dict[int, set[tuple[int, str]]] = {}
    for x in roster:
        work.setdefault(ids[x.agent_id], set()).add((days[x.date], x.shift_code))
    for a, schedule in work.items():
        cov.add(a, frozenset(schedule), +1)
    return cov


@dataclass
class SearchResult:
    """The roster after the search, the coverage cost (as counted here) before and after,
    how many moves it tried and how many lowered the cost, and every schedule the agents'
    own models offered on the way (agent index -> schedules): each keeps its agent's
    rules, so price and dive starts its master with them (``column_bound._Master``)."""

    roster: list[Assignment]
    cost_before: float
    cost_after: float
    steps: int
    accepted: int
    seen: dict[int, set[Schedule]]


#: seconds between progress reports of the search
REPORT_EVERY = 5.0


def improve_coverage(problem: Problem, roster: list[Assignment], *, time_limit: float, seed: int = 0,
                     pricing_limit: float = 0.3, cancel: Cancellable | None = None,
                     progress: ProgressCallback | None = None) -> SearchResult:
    """``roster`` (every agent's shifts, a valid roster) with some agents re-rostered for
    coverage: ruin and recreate, a move kept when it is no worse.  Agents whose own rules
    admit no schedule in the pricing time keep theirs.  ``progress`` hears every
    ``REPORT_EVERY`` seconds (elapsed from the search's start, the cost so far).

    Measured at 500 agents from the guided pass's roster (60 s of search, breaks then
    placed the same way): 137,415 under-covered agent-minutes.  Variants that did not
    do better: late acceptance over 200 steps (137,655 at 90 s), ruining 1-6 agents
    (138,000), breaks placed per shift where they cost least instead of spread over their
    options (138,795); 150 s instead of 60 s changed the figure by under 1 %."""
    cancel = cancel or NEVER_CANCELLED
    t0 = time.monotonic()
    deadline = t0 + time_limit
    rng = random.Random(seed)
    cov = _Coverage(problem)
    days = {day: d for d, day in enumerate(problem.dates)}
    ids = {a.id: i for i, a in enumerate(problem.agents)}
    n = len(problem.agents)
    work: list[set[tuple[int, str]]] = [set() for _ in range(n)]
    for x in roster:
        work[ids[x.agent_id]].add((days[x.date], x.shift_code))
    schedule = [frozenset(s) for s in work]
    for a in range(n):
        cov.add(a, schedule[a], +1)
    start_cost = cov.cost()
    coupled = problem.rules.supervisor_always_on_duty
    free = [a for a in range(n) if not (coupled and problem.agents[a].supervisor) and cov.group[a] is not None]
    by_queue: dict[int, list[int]] = {}
    for a in free:
        for q in cov.skills[cov.group[a]]:  # type: ignore[index]
            by_queue.setdefault(q, []).append(a)
    pricers: dict[int, AgentPricer] = {}
    #: each re-rostered agent's own soft cost (an agent not yet re-rostered counts as
    #: costing what its first new schedule costs: the roster's own costs are not known here)
    own: dict[int, int] = {}
    seen: dict[int, set[Schedule]] = {}

    def best(a: int) -> tuple[Schedule, int] | None:
        if a not in pricers:
            pricers[a] = AgentPricer(problem, a, seed)
        found, _ = pricers[a].price(cov.prices(a), max(0.05, min(pricing_limit, deadline - time.monotonic())))
        seen.setdefault(a, set()).update(schedule for schedule, _ in found)
        return found[-1] if found else None

    own_sum = 0.0  # the own-cost changes made so far
    total = start_cost  # coverage cost plus ``own_sum``
    steps = accepted = 0
    progress = progress or no_progress
    report = t0 + REPORT_EVERY
    while free and time.monotonic() < deadline - 0.1 and not cancel.is_cancelled():
        if time.monotonic() >= report:
            report += REPORT_EVERY
            progress(Progress(stage="coverage-search", message=f"coverage search: {steps} steps, {accepted} improving",
                              elapsed=time.monotonic() - t0, time_limit=time_limit, objective=total))
        size = rng.randint(1, 3)
        gap = cov.fill(cov.supply)[0]
        if gap.sum() > 0 and rng.random() < 0.7:
            # related agents: skilled for a queue drawn by its shortfall
            flat = np.cumsum(gap.ravel() / gap.sum())
            q, _ = divmod(min(len(flat) - 1, int(np.searchsorted(flat, rng.random()))), gap.shape[1])
            pool = by_queue.get(q) or free
        else:
            pool = free
        ruin = rng.sample(pool, min(len(pool), size))
        saved = [(a, schedule[a], own.get(a)) for a in ruin]
        for a in ruin:
            cov.add(a, schedule[a], -1)
        for a in ruin:
            got = best(a)
            if got is not None:
                schedule[a], own[a] = got
            cov.add(a, schedule[a], +1)
        own_delta = sum(own.get(a, 0) - (c if c is not None else own.get(a, 0)) for a, _, c in saved)
        new_cov = cov.cost()
        candidate = new_cov + own_sum + own_delta
        steps += 1
        if candidate <= total + 1e-6:
            accepted += candidate < total - 1e-6
            total, own_sum = candidate, own_sum + own_delta
        else:
            for a, sched, c in saved:
                cov.add(a, schedule[a], -1)
                schedule[a] = sched
                if c is None:
                    own.pop(a, None)
                else:
                    own[a] = c
                cov.add(a, sched, +1)
    dates = problem.dates
    out = [Assignment(problem.agents[a].id, dates[d], c) for a in range(n) for d, c in sorted(schedule[a])]
    return SearchResult(out, start_cost, cov.cost(), steps, accepted, seen)
