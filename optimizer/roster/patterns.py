"""Pattern (Dantzig-Wolfe) relaxation of a roster problem whose agents meet only in cover.

When every rule that links agents is the per-shift head-count cover (``shift_demands``),
the problem is: choose one feasible *pattern* (a whole-horizon schedule) per agent,
paying each pattern's own soft cost (preferences, stability) plus the cover deviations.
Its LP relaxation over patterns is much stronger than the compact model's (whose LP
spreads fractional shifts over every demand: CP-SAT's bound is 4 on Curtois Instance5,
whose optimum is 1141-1143), so it yields a useful lower bound and good columns.

* Master LP (GLOP): ``lambda`` per generated pattern, one convexity row per agent
  (``= 1``, dual ``mu_a``), one row per demand ``sum a*lambda + under - over = required``
  (dual ``pi_k``); cost = pattern cost + ``weight_under*under + weight_over*over``.
* Pricing uses the engine's own model: ``build_model`` on the problem restricted to one
  agent (no demands) gives that agent's hard rules and soft terms; the objective becomes
  ``soft - sum pi[d, s] * x[0, d, s]``, solved with CP-SAT (one worker per agent, two
  agents at a time on two threads).  Every improving solution CP-SAT finds with a
  negative reduced cost becomes a column, so one pricing round adds several per agent.
* Lower bound (Lagrangian): for any ``pi`` with ``-weight_over <= pi_k <= weight_under``
  the problem's optimum is at least ``sum pi_k * required_k + sum_a min_p (c_p - pi . a_p)``
  (relaxing the cover rows; the under/over variables contribute nothing in that box).
  ``min_p`` is CP-SAT's proven objective bound of the pricing problem, so the bound holds
  even when a pricing solve stops early; ``pi`` is rounded to a grid of ``1/SCALE`` (so the
  pricing objective has integer coefficients) and clipped into the box, and the bound is
  computed for exactly the ``pi`` priced.  With integer weights the objective is an
  integer, so the bound is rounded up.
* Stabilisation (Wentges smoothing): prices are a mix of the LP duals and the duals of
  the best bound so far; when the smoothed prices find no column that improves the LP
  (a mis-pricing), the round is repeated with the LP duals alone.
* Column generation stops when the bound (rounded up) meets the LP value (rounded up),
  when exact pricing at the LP duals finds no improving column (the LP is optimal), or
  at its time budget.
* Primal: ``restricted_master`` solves the master as an integer program over the
  generated columns (CBC; one binary per column, exactly one per agent), giving a roster
  that ``solve_with_patterns`` hands to the engine as a warm start: the answer always
  comes from the engine's own model.
"""

from __future__ import annotations

import math
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

from optimizer.progress import NEVER_CANCELLED, Progress, ProgressCallback, no_progress
from optimizer.roster.model import RosterVars, build_model
from optimizer.roster.problem import Assignment, Problem
from optimizer.roster.result import RosterResult

#: Dual prices are rounded to multiples of 1/SCALE for the integer pricing objective.
SCALE = 1000
#: Weight of the best-bound duals in the smoothed prices (Wentges); 0 = plain CG.
SMOOTHING = 0.5


def not_decomposable(problem: Problem) -> str | None:
    """Why the pattern relaxation does not apply to ``problem`` (None: it applies).

    It needs agents coupled by ``shift_demands`` alone: interval requirements, the
    supervisor rule, fixed activities (timeline cover) and team fairness terms all link
    agents in other ways, and the decomposition would drop them."""
    p, w = problem, problem.weights
    if p.requirements:
        return "interval requirements couple agents"
    if p.rules.supervisor_always_on_duty and any(a.supervisor for a in p.agents):
        return "the supervisor rule couples agents"
    if p.activities:
        return "fixed activities build the timeline cover"
    if not p.shift_demands:
        return "no shift demands: nothing to price"
    if any(d.weight_under < 0 or d.weight_over < 0 for d in p.shift_demands):
        return "negative cover weight"
    teams: dict[str, int] = {}
    for a in p.agents:
        teams[a.team] = teams.get(a.team, 0) + 1
    shared = any(n > 1 for n in teams.values())
    if shared and (w.fairness_nights or w.fairness_weekends or w.fairness_unpopular
                   or (w.fairness_preferences and p.preferences)):
        return "team fairness terms couple agents"
    return None


@dataclass(frozen=True)
class Column:
    """One agent's whole-horizon schedule: ``shifts`` as (day index, template code)."""

    agent: int
    shifts: frozenset[tuple[int, str]]
    cost: int


@dataclass
class PatternBound:
    """What the column generation produced: the lower bound (rounded up), the last LP
    value, every column and what it took."""

    bound: int | None
    lp_value: float | None
    columns: list[Column]
    iterations: int = 0
    seconds: float = 0.0
    converged: bool = False


def agent_problem(problem: Problem, a: int) -> Problem:
    """``problem`` for agent ``a`` alone, without demands: its own rules and soft terms."""
    from optimizer.roster.large import sub_problem

    aid = problem.agents[a].id
    return replace(sub_problem(problem, [aid], (), supervisor_rule=False), shift_demands=(),
                   name=f"{problem.name}[{aid}]")


class _Collector(cp_model.CpSolverSolutionCallback):
    """Keeps every improving pricing solution (its shifts and its own soft cost)."""

    def __init__(self, rv: RosterVars) -> None:
        super().__init__()
        self.rv = rv
        self.found: list[tuple[frozenset[tuple[int, str]], int]] = []

    def on_solution_callback(self) -> None:
        shifts = frozenset((d, s) for (_, d, s), v in self.rv.x.items() if self.value(v))
        cost = sum(t.weight * self.value(t.var) for t in self.rv.soft)
        self.found.append((shifts, int(cost)))


class AgentPricer:
    """One agent's pricing problem: the engine's model built once, re-priced each round."""

    def __init__(self, problem: Problem, a: int, seed: int) -> None:
        self.a = a
        self.rv = build_model(agent_problem(problem, a))
        self.own = sum(t.weight * t.var for t in self.rv.soft) if self.rv.soft else 0
        self.seed = seed

    def price(self, prices: dict[tuple[int, str], int], time_limit: float,
              fixed: dict[int, str | None] | None = None, own_weight: int = SCALE,
              ) -> tuple[list[tuple[frozenset[tuple[int, str]], int]], float | None]:
        """Minimise ``own_weight * own cost - sum prices * x``; the found patterns and the
        proven bound of that objective (None: infeasible or nothing proven).  ``fixed``
        (day -> template code, None = off) pins days, as a dive needs."""
        m = self.rv.model
        m.clear_hints()
        m.minimize(own_weight * self.own - sum(v * self.rv.x[0, d, s] for (d, s), v in prices.items() if v))
        if fixed:
            m = m.clone()
            for (_, d, s), var in self.rv.x.items():
                if d in fixed:
                    v = int(fixed[d] == s)
                    dom = m.proto.variables[var.index].domain
                    dom.clear()
                    dom.extend([v, v])
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.max_time_in_seconds = max(0.05, time_limit)
        solver.parameters.random_seed = self.seed
        cb = _Collector(self.rv)
        code = solver.solve(m, cb)
        if code == cp_model.INFEASIBLE or code == cp_model.MODEL_INVALID:
            return [], None
        bound = solver.best_objective_bound if code in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None
        return cb.found, bound


class ColumnGeneration:
    """The master LP, the pricers and the best Lagrangian bound, for one problem."""

    def __init__(self, problem: Problem, *, seed: int = 0, progress: ProgressCallback | None = None) -> None:
        self.problem = problem
        self.progress = progress or no_progress
        days = {day: d for d, day in enumerate(problem.dates)}
        self.rows = [(days[dem.date], dem.shift_code, dem.required, dem.weight_under, dem.weight_over)
                     for dem in problem.shift_demands if dem.date in days]
        self.rows_of: dict[tuple[int, str], list[int]] = {}
        for k, (d, s, *_) in enumerate(self.rows):
            self.rows_of.setdefault((d, s), []).append(k)
        self.pricers = [AgentPricer(problem, a, seed) for a in range(len(problem.agents))]
        self.columns: list[Column] = []
        #: per agent, the indexes of its columns
        self.of_agent: dict[int, list[int]] = {a: [] for a in range(len(problem.agents))}
        self.seen: set[tuple[int, frozenset[tuple[int, str]]]] = set()
        lp = pywraplp.Solver.CreateSolver("GLOP")
        self.lp = lp
        inf = lp.infinity()
        self.conv = [lp.Add(lp.Sum([]) == 1, f"conv[{a}]") for a in range(len(problem.agents))]
        self.cover = []
        obj = lp.Objective()
        for k, (d, s, req, wu, wo) in enumerate(self.rows):
            row = lp.Constraint(req, req, f"cover[{k}]")
            under, over = lp.NumVar(0, inf, f"under[{k}]"), lp.NumVar(0, inf, f"over[{k}]")
            row.SetCoefficient(under, 1)
            row.SetCoefficient(over, -1)
            obj.SetCoefficient(under, wu)
            obj.SetCoefficient(over, wo)
            self.cover.append(row)
        obj.SetMinimization()
        self.lam: list[pywraplp.Variable] = []
        self.best_bound = -math.inf
        self.best_pi: list[float] | None = None
        self.lp_value: float | None = None
        self.iterations = 0
        self.started = self.complete = False

    def add_column(self, a: int, shifts: frozenset[tuple[int, str]], cost: int) -> bool:
        if (a, shifts) in self.seen:
            return False
        self.seen.add((a, shifts))
        col = Column(a, shifts, cost)
        var = self.lp.NumVar(0, self.lp.infinity(), f"lam[{len(self.columns)}]")
        self.conv[a].SetCoefficient(var, 1)
        for key in shifts:
            for k in self.rows_of.get(key, ()):
                self.cover[k].SetCoefficient(var, 1)
        self.lp.Objective().SetCoefficient(var, cost)
        self.of_agent[a].append(len(self.columns))
        self.columns.append(col)
        self.lam.append(var)
        return True

    def reduced_cost(self, col: Column, pi: list[float], mu: list[float]) -> float:
        return col.cost - sum(pi[k] for key in col.shifts for k in self.rows_of.get(key, ())) - mu[col.agent]

    def _price_all(self, pi: list[float], time_limit: float, deadline: float, agents: set[int] | None = None,
                   fixed: dict[int, dict[int, str | None]] | None = None
                   ) -> tuple[list[tuple[int, frozenset[tuple[int, str]], int]], float | None]:
        """Price every agent at ``pi`` (already in the box); the patterns found and the
        Lagrangian bound at ``pi`` (None when some pricing proved nothing).  ``fixed``:
        per agent, the days a dive pinned (the bound then holds for the dive's subproblem
        only, so none is returned)."""
        scaled = [round(v * SCALE) for v in pi]
        prices: dict[tuple[int, str], int] = {}
        for key, ks in self.rows_of.items():
            prices[key] = sum(scaled[k] for k in ks)
        found: list[tuple[int, frozenset[tuple[int, str]], int]] = []
        bounds: list[float | None] = [None] * len(self.pricers)
        lock = threading.Lock()

        def one(pr: AgentPricer) -> None:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            pats, b = pr.price(prices, min(time_limit, left), (fixed or {}).get(pr.a))
            with lock:
                found.extend((pr.a, sh, c) for sh, c in pats)
                bounds[pr.a] = b

        todo = [pr for pr in self.pricers if agents is None or pr.a in agents]
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(one, todo))
        if agents is not None or fixed or any(b is None for b in bounds):
            return found, None
        lagr = sum(s * r[2] for s, r in zip(scaled, self.rows)) + sum(bounds)  # type: ignore[arg-type]
        return found, lagr / SCALE

    def start(self, pricing_limit: float, deadline: float) -> bool:
        """The first round: each agent's best schedule for its own soft terms (prices 0)
        as start columns.  False when some agent got none (no bound then)."""
        zero = [0.0] * len(self.rows)
        found, bound = self._price_all(zero, pricing_limit, deadline)
        for a, sh, c in found:
            self.add_column(a, sh, c)
        if bound is not None:
            self._record(bound, zero)
        self.started = True
        self.complete = len({a for a, _, _ in found}) == len(self.pricers)
        return self.complete

    def _box(self, pi: list[float]) -> list[float]:
        # clip into [-weight_over, weight_under] (rounding to the grid keeps integers inside)
        out = []
        for v, (_, _, _, wu, wo) in zip(pi, self.rows):
            out.append(min(float(wu), max(-float(wo), v)))
        return out

    def run(self, time_limit: float, *, pricing_limit: float = 2.0, cancel=None) -> PatternBound:  # noqa: ANN001
        """Column generation until the bound meets the LP value (rounded up), no column
        improves the LP, or ``time_limit`` seconds pass."""
        t0 = time.monotonic()
        deadline = t0 + time_limit
        converged = False
        if not (self.start(pricing_limit, deadline) if not self.started else self.complete):
            # some agent has no schedule at all (or pricing ran out of time): no bound
            return self._result(t0, False)
        while time.monotonic() < deadline and not (cancel and cancel.is_cancelled()):
            self.iterations += 1
            if self.lp.Solve() != pywraplp.Solver.OPTIMAL:
                break
            self.lp_value = self.lp.Objective().Value()
            pi_lp = self._box([c.dual_value() for c in self.cover])
            mu = [c.dual_value() for c in self.conv]
            self.progress(Progress(stage="patterns", message=f"column generation round {self.iterations}: "
                                   f"{len(self.columns)} columns", elapsed=time.monotonic() - t0,
                                   time_limit=time_limit, objective=self.lp_value,
                                   bound=None if self.best_bound == -math.inf else self.best_bound))
            if self.best_bound >= math.ceil(self.lp_value - 1e-6) - 1e-9:
                converged = True
                break
            alpha = SMOOTHING if self.best_pi is not None else 0.0
            added = 0
            while True:
                pi = pi_lp if alpha == 0 else [alpha * b + (1 - alpha) * v for b, v in zip(self.best_pi, pi_lp)]
                found, bound = self._price_all(pi, pricing_limit, deadline)
                if bound is not None:
                    self._record(bound, pi)
                for a, sh, c in found:
                    col = Column(a, sh, c)
                    if self.reduced_cost(col, pi_lp, mu) < -1e-6 and self.add_column(a, sh, c):
                        added += 1
                if added or alpha == 0 or time.monotonic() >= deadline:
                    break
                alpha = 0.0  # mis-pricing: the smoothed prices found nothing for the LP
            if not added and alpha == 0 and bound is not None:
                # the LP duals priced and nothing improves: the LP is optimal (up to the
                # rounding of the duals); the bound is the one recorded at these duals
                converged = True
                break
        return self._result(t0, converged)

    def dive(self, time_limit: float, *, pricing_limit: float = 2.0, rounds: int = 3, share: float = 0.05,
             slack: float = 2.0, seed: int = 0, cancel=None) -> Dive | None:  # noqa: ANN001
        """Fix-and-price dive on the original decisions: each step pins the (agent, day)
        pairs whose LP value is integral and the ``share`` of the fractional ones whose
        largest value (a template, or off) is largest, re-prices the agents at the pinned
        days for up to ``rounds`` rounds, and repeats until the LP picks one pattern per
        agent; the chosen columns and their objective (None: cancelled or stuck).

        Fractional pairs whose shift lies on a *scarce* row (``_scarce``: priced at its
        full under-cover weight, so the LP leaves it short) are pinned before the others.
        Capacity lost there is never made up, while the other rows have slack to absorb
        later pins; pinned last, the scarce shifts are what a pin made early for a
        preference has already used up.  Curtois Instance8, whose nights are scarce
        (every optimal roster works every night the agents may): dives by LP value alone
        left a night unworked (one under-covered shift, 1398-1403 at 60-300 s, optimum
        1300); scarce first, 1302-1308 at 60-120 s.

        Why days, not whole patterns (the first version pinned the heaviest pattern of a
        share of the agents): a pattern commits an agent's 28 days at once, and the agents
        left over rarely fit what remains (Curtois Instance8: LP 1296.6, pattern dive 1812,
        this dive 1400-1700; Instance9: LP 405.7, this dive 439 = the optimum).
        Pinning days keeps every agent's other days open to re-pricing, so the LP value
        climbs slowly; the last pins are the costly ones, so the result also carries the
        pins of the last step whose LP was within ``slack`` of the first, which
        ``complete_pins`` hands to the engine's search.  Pins that clash with an agent's
        own hard rules (pricing finds no schedule for it) are dropped again."""
        deadline = time.monotonic() + time_limit
        n = len(self.pricers)
        fixed: dict[int, dict[int, str | None]] = {a: {} for a in range(n)}
        days = self.problem.days
        col_days: dict[int, dict[int, str]] = {}

        def days_of(i: int) -> dict[int, str]:
            if i not in col_days:
                col_days[i] = dict(self.columns[i].shifts)
            return col_days[i]

        disabled: list[int] = []
        last: dict[int, list[int]] = {}
        lp0: float | None = None
        pins: dict[int, dict[int, str | None]] = {}
        rng = random.Random(seed)

        def compatible(i: int) -> bool:
            cd = days_of(i)
            return all(cd.get(d) == v for d, v in fixed[self.columns[i].agent].items())

        def restrict() -> None:
            for i, var in enumerate(self.lam):
                if var.ub() > 0 and not compatible(i):
                    var.SetUb(0.0)
                    disabled.append(i)

        def price(agents: set[int], pi: list[float]) -> set[int]:
            """Price ``agents`` at ``pi`` with their pins; the agents that got a column."""
            found, _ = self._price_all(pi, pricing_limit, deadline, agents, fixed)
            got = set()
            for a, sh, c in found:
                got.add(a)
                self.add_column(a, sh, c)
            return got

        try:
            pi = self._box([c.dual_value() for c in self.cover]) if self.lp.Solve() == pywraplp.Solver.OPTIMAL \
                else [0.0] * len(self.rows)
            while True:
                if cancel and cancel.is_cancelled():
                    return None
                restrict()
                starving = {a for a in range(n)
                            if not any(self.lam[i].ub() > 0 for i in self.of_agent[a])}
                if starving:
                    # pins taken from different patterns may clash (a rotation rule
                    # across two pinned days): those agents lose this step's pins
                    for a in starving - price(starving, pi):
                        for d in last.get(a, ()):
                            del fixed[a][d]
                        for i in self.of_agent[a]:
                            if i in disabled and compatible(i):
                                self.lam[i].SetUb(self.lp.infinity())
                                disabled.remove(i)
                    restrict()
                late = time.monotonic() >= deadline
                for _ in range(0 if late else rounds):
                    if self.lp.Solve() != pywraplp.Solver.OPTIMAL:
                        return None
                    pi = self._box([c.dual_value() for c in self.cover])
                    mu = [c.dual_value() for c in self.conv]
                    free = {a for a in range(n) if len(fixed[a]) < days}
                    found, _ = self._price_all(pi, pricing_limit, deadline, free, fixed)
                    added = 0
                    for a, sh, c in found:
                        if self.reduced_cost(Column(a, sh, c), pi, mu) < -1e-6 and self.add_column(a, sh, c):
                            added += 1
                    if not added or time.monotonic() >= deadline:
                        break
                if self.lp.Solve() != pywraplp.Solver.OPTIMAL:
                    return None
                lp = self.lp.Objective().Value()
                weight = [v.solution_value() for v in self.lam]
                pick: dict[int, int] = {}
                for i, col in enumerate(self.columns):
                    if weight[i] > 1e-9 and (col.agent not in pick or weight[i] > weight[pick[col.agent]]):
                        pick[col.agent] = i
                if len(pick) == n and all(weight[i] > 1 - 1e-6 for i in pick.values()):
                    return Dive([self.columns[i] for i in pick.values()], lp, pins)
                if time.monotonic() >= deadline:
                    # out of time: each agent its heaviest pattern (LP rounding)
                    chosen = [self.columns[pick[a]] if a in pick else None for a in range(n)]
                    if any(c is None for c in chosen):
                        return None
                    return Dive(chosen, self._objective(chosen), pins)  # type: ignore[arg-type]
                value: dict[tuple[int, int], dict[str | None, float]] = {}
                for i, col in enumerate(self.columns):
                    if weight[i] <= 1e-9:
                        continue
                    cd = days_of(i)
                    for d in range(days):
                        if d not in fixed[col.agent]:
                            slot = value.setdefault((col.agent, d), {})
                            s = cd.get(d)
                            slot[s] = slot.get(s, 0.0) + weight[i]
                best = []
                for (a, d), slot in value.items():
                    s, v = max(slot.items(), key=lambda kv: (kv[1], kv[0] is None))
                    best.append((v, a, d, s))
                lp0 = lp if lp0 is None else lp0
                if lp <= lp0 + slack:
                    pins = {a: dict(p) for a, p in fixed.items() if p}
                # every integral pair, and the given share of the fractional ones:
                # shifts on scarce rows first, then the most decided (ties broken at
                # random: repeated dives land apart)
                integral = [t for t in best if t[0] > 1 - 1e-6]
                scarce = self._scarce(pi)
                fractional = sorted((t for t in best if t[0] <= 1 - 1e-6),
                                    key=lambda t: ((t[2], t[3]) not in scarce, -t[0], rng.random()))
                ranked = integral + fractional
                step = len(integral) + max(1, math.ceil(share * len(fractional)))
                last = {}
                for _, a, d, s in ranked[:step]:
                    fixed[a][d] = s
                    last.setdefault(a, []).append(d)
        finally:
            for i in disabled:
                self.lam[i].SetUb(self.lp.infinity())

    def _scarce(self, pi: list[float]) -> set[tuple[int, str]]:
        """The (day, template) pairs whose cover rows the LP prices at their full
        under-cover weight: rows left short, where every shift is worth the most."""
        return {key for key, ks in self.rows_of.items()
                if sum(pi[k] for k in ks) >= max(self.rows[k][3] for k in ks) - 1e-6}

    def _objective(self, chosen: list[Column]) -> float:
        """The master objective of one pattern per agent: own costs plus cover deviations."""
        count: dict[tuple[int, str], int] = {}
        for col in chosen:
            for key in col.shifts:
                count[key] = count.get(key, 0) + 1
        total = float(sum(c.cost for c in chosen))
        for d, s, req, wu, wo in self.rows:
            have = count.get((d, s), 0)
            total += wu * max(0, req - have) + wo * max(0, have - req)
        return total

    def _record(self, bound: float, pi: list[float]) -> None:
        if bound > self.best_bound:
            self.best_bound, self.best_pi = bound, list(pi)

    def _result(self, t0: float, converged: bool) -> PatternBound:
        b = None if self.best_bound == -math.inf else math.ceil(self.best_bound - 1e-6)
        return PatternBound(b, self.lp_value, list(self.columns), self.iterations,
                            time.monotonic() - t0, converged)


@dataclass
class Dive:
    """A dive's roster (one column per agent), its objective, and the pins it had while
    its LP stayed near the start (the neighbourhood ``complete_pins`` searches)."""

    columns: list[Column]
    objective: float
    pins: dict[int, dict[int, str | None]]


def complete_pins(problem: Problem, pins: dict[int, dict[int, str | None]], hint: list[Assignment] | None,
                  *, time_limit: float, num_workers: int = 2, seed: int = 0, cancel=None  # noqa: ANN001
                  ) -> tuple[list[Assignment], float] | None:
    """The engine's model with the dive's early pins fixed, solved by CP-SAT: the best
    roster it finds and its objective (None: none in time).

    Relaxation-induced neighbourhood: the pins are what the near-optimal LP agrees on,
    and the search decides the rest exactly, with every hard rule and cover term, where
    the dive's last pins were made one LP at a time (Curtois Instance8: dive 1408, this
    1310 in 20 s; best known 1300).  Every roster it returns is the full model's, with
    fixings added."""
    from optimizer.roster.solve import hinted_keys, run_cp_sat

    rv = build_model(problem)
    m = rv.model
    for (a, d, s), var in rv.x.items():
        pin = pins.get(a, {})
        if d in pin:
            m.add(var == int(pin[d] == s))
    if hint:
        on = hinted_keys(rv, hint)
        for key, var in rv.x.items():
            m.add_hint(var, int(key in on))
    solver, code, _, _ = run_cp_sat(rv, time_limit=max(0.1, time_limit), num_workers=num_workers, seed=seed,
                                    progress=no_progress, cancel=cancel or NEVER_CANCELLED, stage="patterns")
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    dates = problem.dates
    roster = [Assignment(problem.agents[a].id, dates[d], s) for (a, d, s), var in rv.x.items()
              if solver.value(var)]
    return roster, solver.objective_value


def pattern_bound(problem: Problem, *, time_limit: float, seed: int = 0,
                  pricing_limit: float = 2.0, cancel=None) -> PatternBound | None:  # noqa: ANN001
    """Column generation on ``problem``; None when the relaxation does not apply."""
    if not_decomposable(problem) is not None:
        return None
    cg = ColumnGeneration(problem, seed=seed)
    return cg.run(time_limit, pricing_limit=pricing_limit, cancel=cancel)


def restricted_master(problem: Problem, columns: list[Column], *, time_limit: float
                      ) -> tuple[list[Assignment], float] | None:
    """The master as an integer program over ``columns``: one pattern per agent, cover
    deviations priced; the roster and its objective, or None when the solver found none
    in time.

    Solved with CBC (in OR-Tools, through ``pywraplp``): a set-partitioning program whose
    LP is tight is what an LP-based branch-and-bound is built for.  Measured on Curtois
    Instance5 (780 columns): CBC 1143 (the best known) in 2.1 s; CP-SAT with one boolean per
    column 1448 in 20 s, 1567 in 5 s."""
    n = len(problem.agents)
    if len({c.agent for c in columns}) < n:
        return None
    days = {day: d for d, day in enumerate(problem.dates)}
    mip = pywraplp.Solver.CreateSolver("CBC")
    inf = mip.infinity()
    pick = [mip.BoolVar(f"pick[{i}]") for i in range(len(columns))]
    by_agent: dict[int, list[int]] = {}
    covering: dict[tuple[int, str], list[int]] = {}
    for i, col in enumerate(columns):
        by_agent.setdefault(col.agent, []).append(i)
        for key in col.shifts:
            covering.setdefault(key, []).append(i)
    for idx in by_agent.values():
        mip.Add(mip.Sum([pick[i] for i in idx]) == 1)
    obj = mip.Objective()
    for i, col in enumerate(columns):
        obj.SetCoefficient(pick[i], col.cost)
    for dem in problem.shift_demands:
        d = days.get(dem.date)
        if d is None:
            continue
        under, over = mip.NumVar(0, inf, ""), mip.NumVar(0, inf, "")
        mip.Add(mip.Sum([pick[i] for i in covering.get((d, dem.shift_code), ())]) + under - over == dem.required)
        obj.SetCoefficient(under, dem.weight_under)
        obj.SetCoefficient(over, dem.weight_over)
    obj.SetMinimization()
    mip.SetTimeLimit(max(100, int(1000 * time_limit)))
    if mip.Solve() not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return None
    return _assignments(problem, [c for i, c in enumerate(columns) if pick[i].solution_value() > 0.5]), \
        mip.Objective().Value()


def _assignments(problem: Problem, columns: list[Column]) -> list[Assignment]:
    dates = problem.dates
    return [Assignment(problem.agents[c.agent].id, dates[d], s) for c in columns for d, s in sorted(c.shifts)]


def roster_columns(problem: Problem, result: RosterResult) -> list[Column]:
    """Each agent's schedule in an engine roster as a column, priced with the agent's own
    soft costs (every soft violation that names an agent: under ``not_decomposable`` those
    are exactly the per-agent terms; cover terms name none)."""
    ids = {a.id: i for i, a in enumerate(problem.agents)}
    days = {day: d for d, day in enumerate(problem.dates)}
    shifts: dict[int, set[tuple[int, str]]] = {i: set() for i in range(len(problem.agents))}
    for s in result.assignments:
        shifts[ids[s.agent_id]].add((days[s.date], s.shift_code))
    cost = dict.fromkeys(range(len(problem.agents)), 0)
    for v in result.violations:
        if v.agent_id is not None:
            cost[ids[v.agent_id]] += v.cost
    return [Column(a, frozenset(sh), cost[a]) for a, sh in shifts.items()]


#: Budget split of ``solve_with_patterns`` (shares of the time limit): the engine's own
#: search for a first roster, then column generation (ends early when converged), the
#: restricted master integer program (``MASTER_SHARE``; quick where it works: Instance5
#: 1144 in 1 s where dives land at 1245-1547), then rounds of a dive (up to ``DIVE_SHARE``
#: each) and ``complete_pins`` (up to ``COMPLETE_SHARE`` each) while more than
#: ``FINAL_SHARE`` is left; the engine's search from the best roster gets the rest.
FIRST_SHARE, PRICING_SHARE, DIVE_SHARE, COMPLETE_SHARE, MASTER_SHARE, FINAL_SHARE = 0.2, 0.3, 0.15, 0.1, 0.05, 0.25
#: ...and ``complete_pins`` for at most ``COMPLETE_SECONDS``: a dive shows its basin within
#: seconds, and more dives find it more often than longer searches around fewer
#: (Instance8 at 300 s: four dives with 30 s searches reached 1304-1306 or 1403, one
#: night short, from run to run; dives take about 2 s each).
COMPLETE_SECONDS = 6.0
#: Column generation took 27-69 times its first round (models built, every agent priced
#: once at zero prices) to converge on Curtois 5-12 (11-21 rounds, later rounds being
#: slower; measured at 60 s each).  When the first round times ``ROUNDS`` exceeds
#: ``AFFORDABLE`` of the time limit, the relaxation cannot pay for itself in the budget
#: and the engine's own search gets all of it (Instance12 at 60 s: 6120 alone vs 8456 with
#: the pattern phases; at 300 s the phases win: 4255 vs 5504).
ROUNDS, AFFORDABLE = 30, 0.4


def solve_with_patterns(problem: Problem, *, time_limit: float, num_workers: int = 2, seed: int = 0,
                        progress: ProgressCallback | None = None, cancel=None) -> RosterResult | None:  # noqa: ANN001
    """Engine search, pattern bound and columns, dives, master IP, engine search from the best.

    1. The engine (``solve``, strategy ``cp-sat``) finds a first roster; its agents'
       schedules seed the column pool, so the master IP can never do worse than it.
    2. Column generation gives the lower bound and patterns that fit together.
    3. ``restricted_master`` picks one pattern per agent among the columns, then
       ``ColumnGeneration.dive`` rounds the LP into a roster and ``complete_pins``
       searches the engine's model around the dive's early pins, repeated (different
       tie-breaks) while time allows; the best of these rosters and the first is the
       hint of
    4. the engine's search for the rest of the budget: the answer comes from the engine's
       model (and the caller's checks), and its bound is the larger of the two.
    None when the relaxation does not apply (``not_decomposable``)."""
    from optimizer.roster.solve import solve

    if not_decomposable(problem) is not None:
        return None
    progress = progress or no_progress
    t0 = time.monotonic()
    left = lambda: time_limit - (time.monotonic() - t0)  # noqa: E731
    common = dict(num_workers=num_workers, seed=seed, progress=progress, cancel=cancel, strategy="cp-sat")
    cg = ColumnGeneration(problem, seed=seed, progress=progress)
    if not cg.start(2.0, t0 + PRICING_SHARE * time_limit) or \
            ROUNDS * (time.monotonic() - t0) > AFFORDABLE * time_limit:
        progress(Progress(stage="patterns", message="column generation does not fit the time limit: "
                          "the engine's search alone", elapsed=time.monotonic() - t0, time_limit=time_limit))
        alone = solve(problem, time_limit=max(1.0, left()), explain=False, **common)
        return replace(alone, runtime=time.monotonic() - t0, stats=dict(alone.stats, pattern_skipped=1.0))
    first = solve(problem, time_limit=FIRST_SHARE * time_limit, explain=False, **common) if FIRST_SHARE else None
    if first is not None and first.status == "OPTIMAL":
        return first  # the engine proved it alone (small instances): no bound to improve
    if first is not None and first.feasible:
        for col in roster_columns(problem, first):
            cg.add_column(col.agent, col.shifts, col.cost)
    pb = cg.run(min(PRICING_SHARE * time_limit, max(0.0, left() - 0.2 * time_limit)), cancel=cancel)
    hint, best = None, math.inf
    if first is not None and first.feasible:
        hint = [Assignment(s.agent_id, s.date, s.shift_code) for s in first.assignments]
        best = first.objective
    open_gap = lambda: pb.bound is None or best > pb.bound + 1e-6  # noqa: E731
    spare = lambda: left() - FINAL_SHARE * time_limit  # noqa: E731
    if pb.lp_value is not None and open_gap() and spare() > 0.02 * time_limit:
        found = restricted_master(problem, cg.columns, time_limit=min(MASTER_SHARE * time_limit, spare()))
        progress(Progress(stage="patterns", message=f"master IP: {found[1] if found else None}",
                          elapsed=time.monotonic() - t0, time_limit=time_limit))
        if found is not None and found[1] < best - 1e-6:
            hint, best = found[0], found[1]
    dives = 0
    while pb.lp_value is not None and open_gap() and spare() > 0.02 * time_limit and \
            not (cancel and cancel.is_cancelled()):
        dived = cg.dive(min(DIVE_SHARE * time_limit, spare()), seed=seed + dives, cancel=cancel)
        dives += 1
        progress(Progress(stage="patterns", message=f"dive {dives}: {dived.objective if dived else None}",
                          elapsed=time.monotonic() - t0, time_limit=time_limit))
        if dived is None:
            break
        roster = _assignments(problem, dived.columns)
        if dived.objective < best - 1e-6:
            hint, best = roster, dived.objective
        if open_gap() and spare() > 0.02 * time_limit:
            # the dive's own roster keeps its pins: the search starts from it.  Without
            # pins (its LP left the start at the first step) it is the engine's search
            # from the dive's roster, which may lie in a better basin than the best
            # roster so far (Instance8: dives at 1402-1606 that work every night lead to
            # 1303-1307; searching only around pinned dives, 1396 at 300 s, a night short)
            done = complete_pins(problem, dived.pins, roster,
                                 time_limit=min(COMPLETE_SHARE * time_limit, COMPLETE_SECONDS, spare()),
                                 num_workers=num_workers, seed=seed + dives, cancel=cancel)
            progress(Progress(stage="patterns", message=f"search around dive {dives}: {done[1] if done else None}",
                              elapsed=time.monotonic() - t0, time_limit=time_limit))
            if done is not None and done[1] < best - 1e-6:
                hint, best = done
    budget = left()
    if pb.bound is not None and best <= pb.bound + 1e-6:
        # the hint meets the bound: it is optimal, the engine only reads it back
        budget = min(budget, max(1.0, 0.1 * time_limit))
    progress(Progress(stage="patterns", message=f"pattern bound {pb.bound}, {len(pb.columns)} columns, "
                      f"{pb.iterations} rounds{' (converged)' if pb.converged else ''}",
                      elapsed=time.monotonic() - t0, time_limit=time_limit, bound=pb.bound))
    final = solve(problem, time_limit=max(1.0, budget), hint=hint, **common)
    if first is not None and first.feasible and (not final.feasible or final.objective > first.objective):
        final = first  # the last search may lose the hint under a tight budget
    bounds = [b for b in (final.bound, first and first.bound, pb.bound) if b is not None]
    bound = max(bounds) if bounds else None
    status = final.status
    if final.feasible and bound is not None and final.objective <= bound + 1e-9:
        status = "OPTIMAL"
    stats = dict(final.stats, pattern_bound=pb.bound if pb.bound is not None else float("nan"),
                 pattern_lp=pb.lp_value if pb.lp_value is not None else float("nan"),
                 pattern_columns=len(pb.columns), pattern_rounds=pb.iterations,
                 pattern_seconds=pb.seconds)
    return replace(final, status=status, bound=bound, runtime=time.monotonic() - t0, stats=stats)

