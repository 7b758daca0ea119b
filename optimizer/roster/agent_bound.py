"""A lower bound on under-coverage that sees every agent's own rules: Lagrangian
relaxation of the coverage rows at the aggregate LP's dual prices.

Why: the aggregate LP (``large.coverage_bound``) counts head counts per skill profile,
so per-agent rules (rest after a late shift, runs of days, days off, nights in a row,
weekends, leave) enter it only summed over a profile, and the bound is optimistic.
Relaxing the rows that couple agents (cover per queue and interval, supervisor on duty)
with prices ``pi`` (cover, in [0, 1]) and ``sigma`` (supervision, >= 0) leaves one
problem per agent: every roster's under-coverage, in agent-intervals, is at least

    sum pi[q, i] * need[q, i] + sum sigma[i] - sum over agents of V_a(pi, sigma)

where ``V_a`` is the most an agent's schedule can be worth at those prices (an interval
on the phone is worth the largest price of its queues, plus sigma for a supervisor).
``V_a`` is the agent's own model maximised exactly (``patterns.AgentPricer`` with no
soft terms; CP-SAT's proven bound is used, so a pricing stopped early still gives an
upper bound).  At the LP's own duals this bound is never below the LP's value (up to
the rounding of prices), since each agent's schedules are a subset of what the aggregate
rows allow; it is above it where per-agent rules bind on intervals the LP prices, i.e.
already short (where the LP covers everything its duals are 0, and so is this bound).
Measured at 500 agents (``cc500x5x28``): 126,713 against the LP's 126,226 (+0.4 %), in
2.6 s; a subgradient search from there (12 steps) found no better prices.

Also relaxed, which keeps it a bound: fixed activities (counted as phone time) and
breaks of different rules that could overlap (then only the costliest is subtracted).
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import replace

from optimizer.progress import NEVER_CANCELLED, Cancellable
from optimizer.roster.patterns import SCALE, AgentPricer
from optimizer.roster.problem import Problem


def agent_bound(problem: Problem, duals: dict[tuple[str, int], float], *, time_limit: float, seed: int = 0,
                pricing_limit: float = 1.0, cancel: Cancellable | None = None) -> float | None:
    """Under-covered agent-minutes no roster goes below (see the module doc); None when
    time or cancellation cut the pricing short (a partial sum bounds nothing)."""
    from optimizer.roster.large import own_items
    from optimizer.roster.model.timeline import Timeline

    cancel = cancel or NEVER_CANCELLED
    deadline = time.monotonic() + time_limit
    tl = Timeline(problem)
    need = tl.required()
    pi = {(q, i): min(1.0, max(0.0, v)) for (q, i), v in duals.items() if q}
    sigma = {i: max(0.0, v) for (q, i), v in duals.items() if not q} \
        if problem.rules.supervisor_always_on_duty else {}
    total = sum(v * need.get(key, 0) for key, v in pi.items()) + sum(sigma.values())
    queues = set(problem.queues)
    # agents alike for pricing share one: same queues, supervision, contract, and the same
    # leave, activities, pins and history (preferences do not enter: no soft terms here)
    items = own_items(problem)
    alike: dict[object, list[int]] = defaultdict(list)
    for a, agent in enumerate(problem.agents):
        alike[replace(agent, id="-", team=""), items[agent.id]].append(a)
    worth: dict[tuple[tuple[str, ...], bool], dict[tuple[int, str], int]] = {}
    for members in alike.values():
        if cancel.is_cancelled() or time.monotonic() > deadline:
            return None
        agent = problem.agents[members[0]]
        key = (tuple(sorted(q for q in agent.skills if q in queues)), agent.supervisor)
        if key not in worth:
            worth[key] = _shift_prices(tl, key[0], sigma if key[1] else {}, pi)
        prices = worth[key]
        if not any(prices.values()):
            continue
        ceiling = sum(max(0, max((v for (d2, _), v in prices.items() if d2 == d), default=0))
                      for d in range(problem.days))  # one shift a day at most
        pricer = AgentPricer(problem, members[0], seed)
        left = min(pricing_limit, deadline - time.monotonic())
        _, proven = pricer.price(prices, max(0.05, left), own_weight=0) if left > 0 else ([], None)
        best = ceiling if proven is None else min(ceiling, -proven)
        total -= len(members) * best / SCALE
    return max(0.0, total) * problem.interval_minutes


def _shift_prices(tl: object, skills: tuple[str, ...], sigma: dict[int, float],
                  pi: dict[tuple[str, int], float]) -> dict[tuple[int, str], int]:
    """Per (day, template): the most one such agent's shift is worth, its breaks where
    they cost least, rounded up to the pricing grid (so it never understates)."""
    out: dict[tuple[int, str], int] = {}
    for (d, code), slot in tl.slots.items():  # type: ignore[attr-defined]
        worth = {i: max((pi.get((q, i), 0.0) for q in skills), default=0.0) + sigma.get(i, 0.0)
                 for i in slot.intervals}
        lost = []
        windows = []
        for options in slot.break_options:
            costs = [sum(worth.get(i, 0.0) for i in cover) for _, cover in options]
            lost.append(min(costs) if costs else 0.0)
            windows.append({i for _, cover in options for i in cover})
        disjoint = all(not (windows[r] & windows[s]) for r in range(len(windows)) for s in range(r + 1, len(windows)))
        value = sum(worth.values()) - (sum(lost) if disjoint else max(lost, default=0.0))
        out[d, code] = math.ceil(SCALE * max(0.0, value) - 1e-9)
    return out
