"""The tightest lower bound on under-coverage the engine has: column generation over
each agent's whole schedule (Dantzig-Wolfe) on the aggregate LP, queue group by queue
group.

Why: ``large.coverage_bound`` relaxes per-agent rules to profile sums, and
``agent_bound`` adds them back only at the LP's own dual prices.  Here the aggregate
LP's head counts must be a convex combination of schedules that each agent's own model
admits (every per-agent rule: rest, runs of days, days off, nights in a row, weekends,
weekly hours, leave, pins, history); the master LP is solved, each agent priced at its
duals (``patterns.AgentPricer``, no soft terms), and the schedules that price out are
added, until none does.  At every round the Lagrangian bound

    master value + sum over agents of min(0, the agent's least reduced cost)

bounds every roster (CP-SAT's proven bound is used for each pricing, so a pricing cut
short still gives a bound); the master value is where it converges.  The best round's
Lagrangian bound is returned, so stopping early is safe.

Agents that share no queue (and are not both supervisors under the supervisor-on-duty
rule) do not interact, so each connected queue group gets its own, smaller master, and
the bounds add up.  The master needs a first feasible set of columns: a valid roster's
schedules (the supervisor rows admit nothing less).

Measured on the 500-agent scenario (``bench/scale_500.py --column-bound``): the Q3/Q4
group (184 agents, 65 pricing classes) converges in 19-20 rounds, 190-210 s: 127,393
under-covered agent-minutes against 126,226 from the LP and 126,713 from
``agent_bound``.  Started from the schedules a coverage search's pricings offered (the
*pool*: ``_Master.run`` adds those that price out before it prices with the agents'
models), it converges in 5-6 rounds, ~55 s, to 127,401.  ``wfm roster bound`` computes
it for a roster, and ``solve_large`` runs it as the first half of price and dive
(``roster_from_columns``: the master, dived to whole schedules, gave 132,390-133,095
where every search stopped at 136.8-137.0k).
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace

from optimizer.progress import NEVER_CANCELLED, Cancellable, Progress, ProgressCallback, no_progress
from optimizer.roster.patterns import SCALE, AgentPricer
from optimizer.roster.problem import Assignment, Problem


@dataclass(frozen=True)
class ColumnBound:
    """``bound``: under-covered agent-minutes no roster goes below.  ``master``: the
    master LP's last value (the bound converges to it; equal when ``converged``)."""

    bound: float
    master: float
    rounds: int
    columns: int
    converged: bool
    groups: int


def column_bound(problem: Problem, roster: Iterable[Assignment], *, time_limit: float = 300.0, seed: int = 0,
                 progress: ProgressCallback | None = None, cancel: Cancellable | None = None) -> ColumnBound | None:
    """The bound of the module doc for ``problem``, seeded with ``roster`` (a valid
    roster of it: its schedules make every master feasible); None if an LP fails.
    Queue groups are bounded in turn, the time split by their size; a group whose
    master covers everything stops at once (its bound is 0)."""
    from optimizer.roster.large import queue_groups, sub_problem
    from optimizer.roster.model.timeline import Timeline

    progress = progress or no_progress
    cancel = cancel or NEVER_CANCELLED
    t0 = time.monotonic()
    roster = list(roster)
    groups = queue_groups(problem)
    skilled = {q for a in problem.agents for q in a.skills}
    # need nobody can cover is under-covered in every roster
    total = master = sum(r.agents for r in problem.requirements if r.queue not in skilled) * problem.interval_minutes
    rounds = columns = 0
    converged = True
    left_agents = len(problem.agents)
    for ids in groups:
        keep = set(ids)
        queues = {q for a in problem.agents if a.id in keep for q in a.skills}
        sub = sub_problem(problem, ids, problem.requirements, any(a.supervisor for a in problem.agents if a.id in keep))
        if not sub.requirements:
            left_agents -= len(ids)
            continue
        share = (time_limit - (time.monotonic() - t0)) * len(ids) / max(1, left_agents)
        left_agents -= len(ids)
        cg = _Master(sub, Timeline(sub), [s for s in roster if s.agent_id in keep], seed=seed)
        res = cg.run(time_limit=share, cancel=cancel, progress=progress,
                     label=f"{'/'.join(sorted(queues))} ({len(ids)} agents)")
        if res is None:
            return None
        bound, value, n_rounds, done = res
        total += max(0.0, bound)
        master += value
        rounds += n_rounds
        columns += len(cg.columns)
        converged = converged and done
    return ColumnBound(max(0.0, total), master, rounds, columns, converged, len(groups))


@dataclass(frozen=True)
class Dive:
    """What ``roster_from_columns`` made: the new roster (None: nothing changed) and a
    lower bound on under-covered agent-minutes (the Lagrangian bounds of the groups it
    priced in full, 0 for every other group)."""

    roster: list[Assignment] | None
    bound: float


def roster_from_columns(problem: Problem, roster: Iterable[Assignment], *, queues: dict[str, float], time_limit: float,
                        seed: int = 0, max_rounds: int = 10**6, progress: ProgressCallback | None = None,
                        cancel: Cancellable | None = None,
                        extra: dict[str, Iterable[frozenset[tuple[int, str]]]] | None = None) -> Dive:
    """``roster`` with the agents of every queue group that serves one of ``queues`` (queue
    -> shortfall; groups get time in proportion to theirs) re-rostered by price and dive:
    column generation as for the bound (``DIVE_SHARE`` of each group's time left for the
    dive), then ``_Master.dive``.  A group's new schedules are kept only if the master
    counts less under-coverage for them than for its current ones; a group whose master
    covers everything is left alone.  Every schedule comes from the agent's own model,
    so every per-agent rule holds; supervisors keep their shifts (the rule that couples
    them is checked by the caller's read-back).  An agent whose schedule the dive chose
    again keeps it.  ``extra`` (agent id -> schedules of (day index, template code), each
    one its own model admits) seeds the masters with more columns than the roster's."""
    from optimizer.roster.large import _by_agent, queue_groups, sub_problem
    from optimizer.roster.model.timeline import Timeline

    progress = progress or no_progress
    cancel = cancel or NEVER_CANCELLED
    t0 = time.monotonic()
    roster = list(roster)
    weight = {}
    for ids in queue_groups(problem):
        keep = set(ids)
        served = {q for a in problem.agents if a.id in keep for q in a.skills}
        weight[tuple(ids)] = sum(v for q, v in queues.items() if q in served and v > 0)
    groups = sorted((ids for ids, w in weight.items() if w > 0), key=lambda ids: -weight[ids])
    # a group whose share is too short to dive would only get its master rounded (500
    # agents, 300 s: Q1/Q2/Q5 got 4 s, no dive round, and ended at 5,430 under-covered
    # agent-minutes, where its other runs end near 0)
    while groups and (time_limit * weight[groups[-1]] / sum(weight[ids] for ids in groups)
                      < MIN_SECONDS_PER_AGENT * len(groups[-1])):
        groups.pop()
    total = sum(weight[ids] for ids in groups)
    days = problem.dates
    day_index = {day: d for d, day in enumerate(days)}
    out = _by_agent(roster)
    changed = False
    bound = 0.0
    for ids in groups:
        keep = set(ids)
        share = (time_limit - (time.monotonic() - t0)) * weight[ids] / total
        total -= weight[ids]
        if cancel.is_cancelled():
            continue
        sub = sub_problem(problem, ids, problem.requirements,
                          any(a.supervisor for a in problem.agents if a.id in keep))
        started = time.monotonic()
        cg = _Master(sub, Timeline(sub), [x for a in ids for x in out[a]], seed=seed,
                     freeze_supervisors=True,
                     extra=[(a, schedule) for a, agent in enumerate(sub.agents)
                            for schedule in (extra or {}).get(agent.id, ())])
        label = "/".join(sorted({q for a in sub.agents for q in a.skills}))
        priced = cg.run(time_limit=(1 - DIVE_SHARE) * share, cancel=cancel, progress=progress, label=label,
                        max_rounds=max_rounds)
        if priced is None:
            progress(Progress(stage="column-bound", message=f"price and dive {label}: the master was not solved "
                              "in time, the group keeps its roster", elapsed=time.monotonic() - t0,
                              time_limit=time_limit))
            continue
        if not cg.frozen:  # a frozen class was not priced: its group's figure bounds nothing
            bound += max(0.0, priced[0])
        if priced[1] <= 1e-9:  # the master covers everything: nothing to dive for
            continue
        mine = {a: frozenset((day_index[x.date], x.shift_code) for x in out[agent.id])
                for a, agent in enumerate(sub.agents)}
        chosen = cg.dive(time_limit=share - (time.monotonic() - started), cancel=cancel)
        # like for like: both rosters' head counts in the same master (breaks and skill
        # split placed by the LP), since the dive's roster is built for placed breaks and
        # the search's count (breaks spread over their options) would favour the search's
        new_value = cg.value_of(chosen) if chosen else None
        old_value = cg.value_of({c: [mine[a] for a in members] for c, members in enumerate(cg.classes)}) \
            if new_value is not None else None
        better = new_value is not None and old_value is not None and new_value < old_value - 1e-6
        progress(Progress(stage="column-bound", message=f"price and dive {label}: " + (
            f"{new_value * sub.interval_minutes:,.0f} against {old_value * sub.interval_minutes:,.0f} "
            f"(the master's count; dive of {cg.dive_rounds} rounds"
            f"{', rounded at its time limit' if cg.dive_rounded else ''}), {'kept' if better else 'not kept'}"
            if new_value is not None and old_value is not None else "no integer roster in time"),
            elapsed=time.monotonic() - t0, time_limit=time_limit))
        if not better:
            continue
        for c, members in enumerate(cg.classes):
            left = list(chosen[c])  # type: ignore[index]
            moved = []
            for a in members:  # keep an agent's schedule if the dive chose it again
                if mine[a] in left:
                    left.remove(mine[a])
                else:
                    moved.append(a)
            for a, schedule in zip(moved, left):
                aid = sub.agents[a].id
                out[aid] = [Assignment(aid, days[d], code) for d, code in sorted(schedule)]
                changed = True
    return Dive([x for a in problem.agents for x in out[a.id]] if changed else None, bound)


#: share of a group's time that ``roster_from_columns`` keeps for the dive
DIVE_SHARE = 0.35
#: fewest seconds a group gets in ``roster_from_columns``, per agent (for 184 agents the
#: master's first solve alone takes ~20 s, a round ~10 s)
MIN_SECONDS_PER_AGENT = 0.15


#: most pool columns a round of ``_Master.run`` adds
POOL_PER_ROUND = 800


class _Master:
    """One queue group's master LP: the aggregate LP (``large.aggregate_lp``) whose head
    counts are tied to schedule columns, one convexity row per class of alike agents."""

    def __init__(self, problem: Problem, tl: object, roster: list[Assignment], *, seed: int,
                 freeze_supervisors: bool = False,
                 extra: Iterable[tuple[int, frozenset[tuple[int, str]]]] = ()) -> None:
        from optimizer.roster.large import aggregate_lp, own_items

        self.problem = problem
        self.model = aggregate_lp(problem, tl, profile_rules=False)
        items = own_items(problem)
        alike: dict[object, list[int]] = defaultdict(list)
        for a, agent in enumerate(problem.agents):
            # soft terms do not enter a bound, so preferences do not split a class
            alike[replace(agent, id="-", team=""), items[agent.id]].append(a)
        self.classes = list(alike.values())
        self.profile = [(tuple(sorted(problem.agents[c[0]].skills)), problem.agents[c[0]].supervisor)
                        for c in self.classes]
        self.pricers = [AgentPricer(problem, c[0], seed) for c in self.classes]
        self.columns: set[tuple[int, frozenset[tuple[int, str]]]] = set()
        #: per column, its class, schedule and LP variable (the order columns were added)
        self.lam: list[tuple[int, frozenset[tuple[int, str]], object]] = []
        #: how the last ``dive`` went: its LP re-solves, and whether time cut it short
        self.dive_rounds, self.dive_rounded = 0, False
        if self.model is None:
            return
        lp = self.model.lp
        self.link = {}
        for key, n in self.model.heads.items():
            row = lp.Constraint(0, 0)  # type: ignore[attr-defined]
            row.SetCoefficient(n, 1)
            self.link[key] = row
        self.conv = [lp.Constraint(len(c), len(c)) for c in self.classes]  # type: ignore[attr-defined]
        of_class = {a: k for k, c in enumerate(self.classes) for a in c}
        index = {a.id: k for k, a in enumerate(problem.agents)}
        days = {day: d for d, day in enumerate(problem.dates)}
        worked: dict[int, set[tuple[int, str]]] = defaultdict(set)
        for s in roster:
            worked[index[s.agent_id]].add((days[s.date], s.shift_code))
        for a in range(len(problem.agents)):
            self.add(of_class[a], frozenset(worked[a]))
        #: classes that keep their roster's schedules (not priced; ``run``'s bound then
        #: bounds nothing): supervisors under the supervisor-on-duty rule when a roster,
        #: not a bound, is wanted, since the aggregate rows see their breaks only on average
        self.frozen = {c for c, members in enumerate(self.classes)
                       if freeze_supervisors and problem.rules.supervisor_always_on_duty
                       and any(problem.agents[a].supervisor for a in members)}
        #: columns known to keep their agents' rules but not in the master yet (``extra``):
        #: ``run`` adds those that price out before it prices with the agents' models
        self.pool = {(of_class[a], schedule) for a, schedule in extra if of_class[a] not in self.frozen} \
            - self.columns
        for c, _, var in self.lam:
            if c in self.frozen:
                var.SetBounds(var.lb() + 1, var.lb() + 1)  # type: ignore[attr-defined]

    def add(self, c: int, schedule: frozenset[tuple[int, str]]) -> bool:
        if (c, schedule) in self.columns:
            return False
        self.columns.add((c, schedule))
        lp = self.model.lp  # type: ignore[union-attr]
        lam = lp.NumVar(0, lp.infinity(), "")  # type: ignore[attr-defined]
        self.conv[c].SetCoefficient(lam, 1)
        for d, code in schedule:
            row = self.link.get((self.profile[c], d, code))
            if row is not None:  # a shift outside the horizon covers nothing here
                row.SetCoefficient(lam, -1)
        self.lam.append((c, schedule, lam))
        return True

    def run(self, *, time_limit: float, cancel: Cancellable, progress: ProgressCallback,
            label: str, max_rounds: int = 10**6) -> tuple[float, float, int, bool] | None:
        """Rounds until no column prices out or time is up: (best Lagrangian bound,
        last master value, both in agent-minutes; rounds; converged).  The master is
        left solved (``dive`` starts from it)."""
        from ortools.linear_solver import pywraplp

        if self.model is None:
            return None
        t0 = time.monotonic()
        lp, minutes = self.model.lp, self.problem.interval_minutes
        best, value, rounds = -math.inf, math.inf, 0
        while True:
            lp.SetTimeLimit(int(max(1.0, time_limit - (time.monotonic() - t0)) * 1000))  # type: ignore[attr-defined]
            if lp.Solve() != pywraplp.Solver.OPTIMAL:  # type: ignore[attr-defined]
                # out of time mid-solve, or numerical trouble: keep the best bound so far
                return (best * minutes, value * minutes, rounds, False) if rounds else None
            rounds += 1
            value = self.model.objective.Value()  # type: ignore[attr-defined]
            if value <= 1e-9:  # the master covers everything: nothing to bound
                return 0.0, 0.0, rounds, True
            if rounds > max_rounds:
                return best * minutes, value * minutes, rounds - 1, False
            mu = {key: row.dual_value() for key, row in self.link.items()}
            nu = [row.dual_value() for row in self.conv]
            if self.pool and (cancel.is_cancelled() or time.monotonic() - t0 >= time_limit):
                return best * minutes, value * minutes, rounds, False  # solved: left so for ``dive``
            pooled = self._from_pool(mu, nu)
            if pooled:
                progress(Progress(stage="column-bound", message=f"column bound {label}: round {rounds}, "
                                  f"{pooled} columns from the pool, master {value * minutes:,.0f}",
                                  elapsed=time.monotonic() - t0, time_limit=time_limit, objective=value * minutes))
                continue
            lagrangian, cut = value, False  # cut: a class left unpriced for time
            columns: list[tuple[int, frozenset[tuple[int, str]]]] = []
            for c, pricer in enumerate(self.pricers):
                if c in self.frozen:
                    continue
                # a column is worth sum(mu * x) - nu; the pricer maximises sum(prices * x),
                # so prices are -mu, rounded up: its proven bound then understates the
                # least reduced cost, and the bound stays a bound
                prices = {(d, code): math.ceil(-SCALE * v - 1e-9)
                          for (prof, d, code), v in mu.items() if prof == self.profile[c]}
                left = time_limit - (time.monotonic() - t0)
                skipped = left <= 0 or cancel.is_cancelled()
                cut = cut or skipped
                found, proven = ([], None) if skipped else pricer.price(prices, max(0.05, min(2.0, left)), own_weight=0)
                if proven is None:  # nothing proven: each day its best shift, at most
                    proven = -sum(max(0, max((v for (d2, _), v in prices.items() if d2 == d), default=0))
                                  for d in range(self.problem.days))
                lagrangian += len(self.classes[c]) * min(0.0, proven / SCALE - nu[c])
                for schedule, _ in found:
                    if self._reduced_cost(c, schedule, mu, nu) < -1e-6:
                        columns.append((c, schedule))
            # out of time, the round's columns are left out, so that the master stays
            # solved for ``dive`` (they would only count once solved)
            over = cancel.is_cancelled() or time.monotonic() - t0 >= time_limit
            added = 0 if over else sum(self.add(c, schedule) for c, schedule in columns)
            best = max(best, lagrangian)
            done = not columns and not cut
            progress(Progress(stage="column-bound", message=f"column bound {label}: round {rounds}, "
                              f"bound {max(0.0, best) * minutes:,.0f}, master {value * minutes:,.0f}",
                              elapsed=time.monotonic() - t0, time_limit=time_limit,
                              objective=value * minutes, bound=max(0.0, best) * minutes))
            if added == 0:
                return best * minutes, value * minutes, rounds, done

    def _reduced_cost(self, c: int, schedule: frozenset[tuple[int, str]], mu: dict, nu: list[float]) -> float:
        """A column's reduced cost at the duals ``mu`` (link rows) and ``nu`` (convexity rows)."""
        return sum(mu.get((self.profile[c], d, code), 0.0) for d, code in schedule) - nu[c]

    def _from_pool(self, mu: dict, nu: list[float]) -> int:
        """The ``POOL_PER_ROUND`` pool columns of most negative reduced cost at the duals
        ``mu``, ``nu``, moved into the master; how many.

        Why: the coverage search's pricings offer thousands of schedules; all at once, the
        master's first solve did not end in 120 s (7,963 columns, Q3/Q4 at 500 agents),
        while 800 a round, cheapest first, took it from 131,706 to 127,438 under-covered
        agent-minutes in four re-solves, 27 s, where each round of pricing adds ~500
        columns in 15-25 s and ~16 rounds converge."""
        priced = []
        for c, schedule in self.pool:
            cost = self._reduced_cost(c, schedule, mu, nu)
            if cost < -1e-6:
                priced.append((cost, c, schedule))
        priced.sort(key=lambda p: p[0])
        for _, c, schedule in priced[:POOL_PER_ROUND]:
            self.pool.discard((c, schedule))
            self.add(c, schedule)
        return min(len(priced), POOL_PER_ROUND)

    def dive(self, *, time_limit: float, per_round: int = 20, cancel: Cancellable = NEVER_CANCELLED,
             ) -> dict[int, list[frozenset[tuple[int, str]]]] | None:
        """An integer choice of columns, by diving on the master: each round every
        column's whole part is fixed (its lower bound raised), then the ``per_round``
        largest fractional parts, one column a class, are rounded up, and the master is
        solved again, until no part is fractional.  Per class, one schedule per agent.
        Out of time, the last solution is rounded class by class (``_rounded``); so that
        it seldom is, more are rounded a round when the re-solves so far say the time
        left holds too few rounds.  ``dive_rounds`` and ``dive_rounded`` (cut short by
        time) tell how it went.

        Why a dive and not a MIP: SCIP did not finish the root LP of this master (7,587
        columns, 184 agents) in 150 s, while the dive takes ~20 LP re-solves warm from
        the master's basis.  Measured there: 133,095 under-covered agent-minutes after
        the final break placement, against 136,785-137,025 for every search tried from
        the same group (docs/roster-operations.md, "The column bound")."""
        from ortools.linear_solver import pywraplp

        if self.model is None:
            return None
        t0 = time.monotonic()
        lp = self.model.lp
        self.dive_rounds, self.dive_rounded = 0, False
        solve_time = 0.0  # the longest re-solve so far
        while True:
            values = [var.solution_value() for _, _, var in self.lam]  # type: ignore[attr-defined]
            if cancel.is_cancelled() or time.monotonic() - t0 > time_limit:
                self.dive_rounded = True
                return self._rounded(values)
            frac = []
            for (c, _, var), x in zip(self.lam, values):
                whole = math.floor(x + 1e-6)
                if whole > var.lb():  # type: ignore[attr-defined]
                    var.SetLb(whole)  # type: ignore[attr-defined]
                if x - whole > 1e-6:
                    frac.append((x - whole, c, var))
            if not frac:
                break
            rounded: set[int] = set()
            # rounds the time left holds, at the slowest re-solve so far; half of them
            # spent, since rounding up uncovers new fractional parts
            left = time_limit - (time.monotonic() - t0)
            affordable = left / solve_time if solve_time > 0 else math.inf
            many = max(per_round, math.ceil(2 * len({c for _, c, _ in frac}) / max(1.0, affordable)))
            for part, c, var in sorted(frac, key=lambda f: -f[0]):
                if c not in rounded:  # one a class: the fractional parts of a class sum to whole agents
                    rounded.add(c)
                    var.SetLb(var.lb() + 1)  # type: ignore[attr-defined]
                    if len(rounded) >= many:
                        break
            lp.SetTimeLimit(int(max(1.0, left) * 1000))  # type: ignore[attr-defined]
            started = time.monotonic()
            self.dive_rounds += 1
            if lp.Solve() != pywraplp.Solver.OPTIMAL:  # type: ignore[attr-defined]
                self.dive_rounded = True
                return self._rounded(values)  # out of time mid-solve: round the last solution
            solve_time = max(solve_time, time.monotonic() - started)
        chosen: dict[int, list[frozenset[tuple[int, str]]]] = defaultdict(list)
        for (c, schedule, var), x in zip(self.lam, values):
            chosen[c].extend([schedule] * round(x))
        if any(len(chosen[c]) != len(members) for c, members in enumerate(self.classes)):
            return None
        return chosen

    def _rounded(self, values: list[float]) -> dict[int, list[frozenset[tuple[int, str]]]]:
        """Per class, the whole parts of its columns, then its remaining agents on the
        columns with the largest fractional parts (largest remainder)."""
        chosen: dict[int, list[frozenset[tuple[int, str]]]] = defaultdict(list)
        parts: dict[int, list[tuple[float, frozenset[tuple[int, str]]]]] = defaultdict(list)
        for (c, schedule, _), x in zip(self.lam, values):
            whole = math.floor(x + 1e-6)
            chosen[c].extend([schedule] * whole)
            parts[c].append((x - whole, schedule))
        for c, members in enumerate(self.classes):
            ranked = [schedule for _, schedule in sorted(parts[c], key=lambda p: -p[0])]
            for k in range(max(0, len(members) - len(chosen[c]))):  # more agents than columns: again
                chosen[c].append(ranked[k % len(ranked)])
        return chosen

    def value_of(self, chosen: dict[int, list[frozenset[tuple[int, str]]]]) -> float | None:
        """The master's value (under-covered agent-intervals, breaks and skill split as
        the LP places them) with every class held to the schedules ``chosen``; None if
        the LP fails.  Every column's bounds are overwritten."""
        from collections import Counter

        from ortools.linear_solver import pywraplp

        if self.model is None:
            return None
        counts = {c: Counter(schedules) for c, schedules in chosen.items()}
        for c, schedule, var in self.lam:
            n = counts.get(c, Counter())[schedule]
            var.SetBounds(n, n)  # type: ignore[attr-defined]
        if any(sum(n for n in counts.get(c, Counter()).values()) != len(members)
               for c, members in enumerate(self.classes)):
            return None
        lp = self.model.lp
        lp.SetTimeLimit(60_000)  # type: ignore[attr-defined]
        if lp.Solve() != pywraplp.Solver.OPTIMAL:  # type: ignore[attr-defined]
            return None
        return self.model.objective.Value()  # type: ignore[attr-defined]
