"""Contact-center bench: the demo-size scenario with every rule on, then the head-count
problems pyworkforce can express, solved by our engine and by pyworkforce side by side.

    .venv/bin/python bench/contact_center.py                          # both parts
    .venv/bin/python bench/contact_center.py --part full --agents 40 --days 7 --time-limit 60
    .venv/bin/python bench/contact_center.py --part peers --peer-time-limit 30
    .venv/bin/python bench/contact_center.py --write-scenario /tmp/cc150   # also write the scenario folder

**Part 1, full rules** (150 agents, 5 queues, 28 days, 15 min by default): the roster
engine solves the whole scenario (rest, consecutive days, days off, nights, weekends,
weekly hours, skills, supervisor on duty 24/7, breaks, training blocks, preferences,
fairness); the independent validator checks the roster; its under-coverage is printed next
to the LP lower bound (``optimizer.roster.large.coverage_bound``).  No peer solves this
problem: pyworkforce has no agents, skills, labour rules, supervisors or breaks to place,
so it is not compared here (a comparison on the aggregated curve would set a roster that
obeys the rules against head counts that obey none).

**Part 2, peers: what pyworkforce can express.**  pyworkforce's shift scheduler chooses
head counts per (day, shift) against a ``days x periods`` demand matrix, a shift being a
0/1 coverage row over the periods of one day, with ``max_period_concurrency`` (agents at
work per period) and ``max_shift_concurrency`` (agents per shift and day).  Scenarios:
two demand shapes (the demo center's aggregated curve, the sum of its queues per local
period; a synthetic twin-peak curve whose peak exceeds the period cap), 1, 7 and 28 days,
15- and 30-minute periods, 57 shifts (4, 6 and 8 hours starting on every hour and ending
by midnight: pyworkforce has no overnight shifts).

Our engine for that problem is the shift-design engine (``optimizer.shiftdesign``: head
counts per shift and day against interval demand; ``headcount.to_instance`` converts the
coverage matrix, caps included).  Not the roster engine: with its rules off it would still
model 150 individual agents per day where the problem only asks for counts (every agent of
a profile is interchangeable), a far larger model for the same answer.  Without a cost per
distinct shift the shift-design model is a min-cost flow whose LP optimum is integral, so
the engine solves it with one LP and proves it optimal (``solve._meets``).

Rows per scenario, each scored by ``coverage_score`` below (independent of both solvers;
their own objectives are not used):

* ``wfm |diff|``: our engine minimising shortage + excess (pyworkforce's objective);
* ``pwf MinAbsDifference``: pyworkforce, same objective;
* ``wfm cover``: our engine with shortage weighted above any excess a shift can add, so it
  covers all demand it can and then minimises excess;
* ``pwf MinRequiredResources``: pyworkforce's other scheduler (full cover, fewest heads),
  where it applies (INFEASIBLE when the period cap is below the peak).

Each solver runs ``--repeats`` times (default 3) per scenario and its fastest run is
kept, for both sides alike.  Both get the same time limit and 2 workers (pyworkforce 0.5.1 assigns
``solver.num_search_workers``, which CP-SAT ignores, so the runner sets
``solver.parameters.num_workers = 2`` itself).  Times: our conversion + solve in this
process; pyworkforce's model build + solve inside its process (interpreter and pandas
start-up excluded).  pyworkforce runs in .venv-bench (see bench/setup_env.sh).
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from optimizer import timeutil  # noqa: E402
from optimizer.roster.generate import DAY_SHAPE, contact_center  # noqa: E402
from optimizer.roster.problem import Problem  # noqa: E402
from optimizer.roster.scenario import roster_rows, write_scenario  # noqa: E402
from optimizer.roster.solve import solve  # noqa: E402
from optimizer.roster.validator import validate  # noqa: E402
from optimizer.shiftdesign import headcount  # noqa: E402
from optimizer.shiftdesign.solve import solve as design  # noqa: E402

BENCH_PY = ROOT / ".venv-bench" / "bin" / "python"

PYWORKFORCE_SCRIPT = r"""
import json, sys, time
from pyworkforce.scheduling import MinAbsDifference, MinRequiredResources
data = json.load(sys.stdin)
kind = {"MinAbsDifference": MinAbsDifference, "MinRequiredResources": MinRequiredResources}[data["kind"]]
t0 = time.perf_counter()
s = kind(num_days=len(data["required"]), periods=data["periods"], shifts_coverage=data["shifts"],
         required_resources=data["required"], max_period_concurrency=data["max_period"],
         max_shift_concurrency=data["max_shift"], max_search_time=float(data["time_limit"]),
         num_search_workers=2)
s.solver.parameters.num_workers = 2  # pyworkforce sets solver.num_search_workers, which CP-SAT ignores
sol = s.solve()
print(json.dumps({"status": sol["status"], "seconds": time.perf_counter() - t0,
                  "plan": [r for r in sol["resources_shifts"] if r["day"] >= 0 and r["resources"]]}))
"""


# -- the one scoring function of part 2 ---------------------------------------------------

def coverage_score(
    required: Sequence[Sequence[int]], shifts: Mapping[str, Sequence[int]], plan: Mapping[tuple[int, str], int],
    max_period: int, max_shift: int,
) -> dict:
    """Score a plan ``{(day, shift): agents}`` from the coverage matrix alone.

    ``absdiff`` is pyworkforce's objective, sum over days and periods of |required -
    scheduled|; ``under`` its shortage part; both in agent-periods.  ``cap_violations``
    counts (day, period) over ``max_period`` and (day, shift) over ``max_shift``: a plan
    with any is not a solution.
    """
    periods = len(next(iter(shifts.values())))
    scheduled = [[0] * periods for _ in required]
    violations = 0
    for (day, name), agents in plan.items():
        if agents < 0:
            raise ValueError(f"negative head count on day {day}, shift {name}")
        violations += agents > max_shift
        for p, on in enumerate(shifts[name]):
            scheduled[day][p] += on * agents
    under = over = 0
    for need_row, have_row in zip(required, scheduled):
        for need, have in zip(need_row, have_row):
            under += max(0, need - have)
            over += max(0, have - need)
            violations += have > max_period
    return {"absdiff": under + over, "under": under, "over": over, "heads": sum(plan.values()),
            "cap_violations": violations}


# -- part 2: scenarios ------------------------------------------------------------------------

def day_shifts(period_minutes: int, lengths_hours: Sequence[int] = (4, 6, 8)) -> dict[str, list[int]]:
    """Shifts of ``lengths_hours`` starting on every hour and ending by midnight, as coverage rows."""
    per = 1440 // period_minutes
    out = {}
    for hours in lengths_hours:
        for start in range(0, 24 - hours + 1):
            first, n = start * 60 // period_minutes, hours * 60 // period_minutes
            out[f"{start:02d}h+{hours}"] = [1 if first <= p < first + n else 0 for p in range(per)]
    return out


def demo_curve(days: int, period_minutes: int, seed: int = 0) -> list[list[int]]:
    """The demo center's demand (150 agents, 5 queues), summed over queues per local period."""
    problem = contact_center(150, 5, days, period_minutes, seed=seed)
    return aggregated_demand(problem)["required"]


def twin_peak_curve(days: int, period_minutes: int, seed: int = 0, peak: int = 55) -> list[list[int]]:
    """Morning and afternoon peaks, thin nights, weekends at 55 %, +-15 % noise (seeded)."""
    rng = random.Random(seed)
    per = 1440 // period_minutes
    out = []
    for day in range(days):
        weekend = 0.55 if day % 7 >= 5 else 1.0
        row = []
        for p in range(per):
            hour = p * period_minutes / 60
            base = max(0.06, 0.9 * _bump(hour, 10.5, 2.0) + 1.0 * _bump(hour, 15.5, 1.6) + 0.25 * _bump(hour, 20, 2.5))
            row.append(round(peak * weekend * base * rng.uniform(0.85, 1.15)))
        out.append(row)
    return out


def _bump(x: float, centre: float, width: float) -> float:
    return 2.718281828 ** (-((x - centre) / width) ** 2 / 2)


def peer_scenarios(sizes: Sequence[int], periods: Sequence[int]) -> list[dict]:
    out = []
    for shape in ("demo", "twin-peak"):
        for minutes in periods:
            for days in sizes:
                required = demo_curve(days, minutes) if shape == "demo" else twin_peak_curve(days, minutes)
                # demo: the center's 150 agents; twin-peak: 60 seats (below the peak) and 12 per shift
                max_period, max_shift = (150, 30) if shape == "demo" else (60, 12)
                out.append({"name": f"{shape} {days}d {minutes}m", "periods": 1440 // minutes,
                            "required": required, "shifts": day_shifts(minutes),
                            "max_period": max_period, "max_shift": max_shift})
    return out


def run_ours(sc: dict, time_limit: float, cover_first: bool) -> dict:
    """Our engine on one scenario: conversion, solve, plan, independent score."""
    t0 = time.perf_counter()
    problem = headcount.HeadcountProblem(sc["periods"], sc["shifts"], sc["required"], sc["max_period"], sc["max_shift"])
    # shortage of one period can always be removed by one more agent on a shift covering it,
    # adding at most (longest shift - 1) periods of excess: weigh it above that
    under = max(sum(row) for row in sc["shifts"].values()) if cover_first else 1
    instance, names = headcount.to_instance(problem, under=under, over=1, name=sc["name"])
    result = design(instance, time_limit=time_limit, num_workers=2, seed=0)
    seconds = time.perf_counter() - t0
    plan = headcount.plan(result.shifts, names)
    return {"status": result.status, "seconds": seconds,
            **coverage_score(sc["required"], sc["shifts"], plan, sc["max_period"], sc["max_shift"])}


def run_pyworkforce(sc: dict, kind: str, time_limit: float) -> dict | None:
    if not BENCH_PY.exists():
        return None
    payload = {"kind": kind, "periods": sc["periods"], "shifts": sc["shifts"], "required": sc["required"],
               "max_period": sc["max_period"], "max_shift": sc["max_shift"], "time_limit": time_limit}
    proc = subprocess.run([str(BENCH_PY), "-c", PYWORKFORCE_SCRIPT], input=json.dumps(payload), text=True,
                          capture_output=True, timeout=time_limit * 3 + 120)
    if proc.returncode != 0:
        return {"status": "ERROR: " + proc.stderr.strip().splitlines()[-1]}
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    if out["status"] not in ("OPTIMAL", "FEASIBLE"):
        return {"status": out["status"], "seconds": out["seconds"]}
    plan = {(r["day"], r["shift"]): r["resources"] for r in out["plan"]}
    return {"status": out["status"], "seconds": out["seconds"],
            **coverage_score(sc["required"], sc["shifts"], plan, sc["max_period"], sc["max_shift"])}


def _fastest(run, repeats: int) -> dict | None:  # noqa: ANN001
    """The fastest of ``repeats`` runs (same rule for both sides: on a shared machine the
    slowest runs measure the neighbours, and sub-second solves jitter by 2-3x)."""
    results = [run() for _ in range(repeats)]
    if results[0] is None:
        return None
    return min(results, key=lambda r: r.get("seconds", float("inf")))


def _cell(r: dict | None) -> str:
    if r is None:
        return f"{'not run':>34}"
    if "absdiff" not in r:
        return f"{r['status'][:22]:>26}{r.get('seconds', 0):>8.2f}"
    flag = "!" if r["cap_violations"] else ""
    return f"{r['absdiff']:>7}{r['under']:>7}{r['seconds']:>8.2f} {r['status'][:9]:<9}{flag}"


def peers(args: argparse.Namespace) -> int:
    """Part 2; returns the number of scenarios where we do not beat pyworkforce."""
    sizes = [int(v) for v in args.peer_days.split(",")]
    periods = [int(v) for v in args.peer_periods.split(",")]
    limit = args.peer_time_limit
    print(f"\n== part 2: head counts per (day, shift), what pyworkforce expresses; time limit {limit:g} s, "
          f"2 workers, fastest of {args.repeats} runs")
    print("   |diff| and under in agent-periods (independent scorer), time s, status; ! = a cap broken")
    head = f"{'scenario':<18}{'peak':>5}  {'wfm |diff|':<32}{'pwf MinAbsDifference':<32}{'wfm cover':<32}{'pwf MinRequiredResources':<32}"
    print(head)
    print(f"{'':<18}{'':>5}  " + f"{'|diff|':>7}{'under':>7}{'time':>8} {'status':<9}" * 4)
    losses = 0
    for sc in peer_scenarios(sizes, periods):
        mine = _fastest(lambda: run_ours(sc, limit, cover_first=False), args.repeats)
        theirs = None if args.no_peer else _fastest(lambda: run_pyworkforce(sc, "MinAbsDifference", limit), args.repeats)
        cover = _fastest(lambda: run_ours(sc, limit, cover_first=True), args.repeats)
        minreq = None if args.no_peer else _fastest(
            lambda: run_pyworkforce(sc, "MinRequiredResources", limit), args.repeats)
        peak = max(max(row) for row in sc["required"])
        print(f"{sc['name']:<18}{peak:>5}  {_cell(mine)}{_cell(theirs)}{_cell(cover)}{_cell(minreq)}", flush=True)
        for ours, peer in ((mine, theirs), (cover, minreq)):
            if peer is None or "absdiff" not in peer:
                continue
            if ours["cap_violations"] or ours["absdiff"] > peer["absdiff"] or ours["seconds"] >= peer["seconds"]:
                losses += 1
    print(f"scenarios where pyworkforce has an equal-or-better time or a better |diff|: {losses}")
    return losses


# -- part 1: full rules -----------------------------------------------------------------------

def aggregated_demand(problem: Problem) -> dict:
    """Total agents required per local (day, period), summed over queues."""
    per = 1440 // problem.interval_minutes
    req = [[0] * per for _ in range(problem.days)]
    index = {d: i for i, d in enumerate(problem.dates)}
    for r in problem.requirements:
        local = timeutil.to_local(r.start, problem.timezone)
        if local.date() in index:
            req[index[local.date()]][(local.hour * 60 + local.minute) // problem.interval_minutes] += r.agents
    return {"days": problem.days, "periods": per, "required": req}


def full_rules(args: argparse.Namespace) -> None:
    problem = contact_center(args.agents, args.queues, args.days, args.interval, seed=args.seed)
    if args.write_scenario:
        write_scenario(args.write_scenario, problem)
    print(f"== part 1: scenario {problem.name}: {len(problem.agents)} agents "
          f"({sum(a.supervisor for a in problem.agents)} supervisors), {len(problem.queues)} queues, "
          f"{problem.days} days, {problem.interval_minutes}-min intervals, {len(problem.templates)} templates, "
          f"tz {problem.timezone}, time limit {args.time_limit:g} s")
    t0 = time.monotonic()
    result = solve(problem, time_limit=args.time_limit, num_workers=2, seed=args.seed, strategy=args.strategy)
    wall = time.monotonic() - t0
    violations = validate(problem, roster_rows(result, problem.timezone)) if result.feasible else None
    from optimizer.roster.large import coverage_bound

    tb = time.monotonic()
    bound = coverage_bound(problem)
    bound_s = time.monotonic() - tb
    print(f"engine: status {result.status}, {len(result.assignments)} shifts, wall {wall:.1f} s, "
          f"validator: {'valid' if violations == [] else (f'{len(violations)} violations' if violations else 'n/a')}")
    if result.feasible:
        under = sum(result.under_minutes().values())
        print(f"  under-covered agent-minutes (per queue, skills respected): {under} "
              f"vs lower bound {bound if bound is None else round(bound)} (LP, {bound_s:.1f} s)"
              + (f"; gap {100 * (under - bound) / max(under, 1e-9):.1f}%" if bound is not None else ""))
        for q, m in sorted(result.under_minutes().items()):
            print(f"    {q}: under {m}, over {result.over_minutes().get(q, 0)}")
        print(f"  soft violations: {json.dumps(result.violations_by_rule())}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--part", choices=("both", "full", "peers"), default="both")
    ap.add_argument("--agents", type=int, default=150)
    ap.add_argument("--queues", type=int, default=5)
    ap.add_argument("--days", type=int, default=28)
    ap.add_argument("--interval", type=int, default=15)
    ap.add_argument("--time-limit", type=float, default=120.0, help="part 1")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--strategy", default="auto", help="engine strategy: auto, cp-sat, lns, decompose")
    ap.add_argument("--peer-time-limit", type=float, default=30.0, help="part 2, each solver and scenario")
    ap.add_argument("--peer-days", default="1,7,28")
    ap.add_argument("--peer-periods", default="15,30", help="period lengths in minutes")
    ap.add_argument("--repeats", type=int, default=3, help="part 2: runs per solver and scenario, fastest kept")
    ap.add_argument("--no-peer", action="store_true", help="part 2 without pyworkforce")
    ap.add_argument("--write-scenario", type=Path, help="write the generated part-1 scenario folder here")
    args = ap.parse_args(argv)
    if args.part in ("both", "full"):
        full_rules(args)
    if args.part in ("both", "peers"):
        peers(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
