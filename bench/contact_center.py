"""Contact-center roster bench: the demo-size scenario on the roster engine, next to
pyworkforce's shift scheduler on the same interval demand.

    .venv/bin/python bench/contact_center.py                      # 150 agents, 5 queues, 28 days, 15 min
    .venv/bin/python bench/contact_center.py --agents 40 --days 7 --time-limit 60
    .venv/bin/python bench/contact_center.py --write-scenario /tmp/cc150   # also write the scenario folder

The engine solves the full scenario (every rule on: rest, consecutive days, days off,
nights, weekends, weekly hours, skills, supervisor on duty 24/7, breaks, training
blocks, preferences, fairness) and the independent validator checks the roster.  Its
under-coverage is printed next to the engine's lower bound (LP relaxation,
``optimizer.roster.large.coverage_bound``).

pyworkforce (``MinAbsDifference``, run in .venv-bench; see bench/setup_env.sh) can only
express head counts per (day, shift) against one aggregated demand curve: no agents, no
skills, no labour rules, no supervisor, fixed breaks, shifts cut at midnight.  Both are
scored the same way on the aggregated demand (sum of queues): under-covered and
over-covered agent-minutes, |difference|, and time.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from optimizer import timeutil  # noqa: E402
from optimizer.roster.generate import contact_center  # noqa: E402
from optimizer.roster.problem import Problem  # noqa: E402
from optimizer.roster.scenario import roster_rows, write_scenario  # noqa: E402
from optimizer.roster.solve import solve  # noqa: E402
from optimizer.roster.validator import validate  # noqa: E402

BENCH_PY = ROOT / ".venv-bench" / "bin" / "python"

PYWORKFORCE_SCRIPT = r"""
import json, sys, time
from pyworkforce.scheduling import MinAbsDifference
data = json.load(sys.stdin)
t0 = time.time()
s = MinAbsDifference(num_days=data["days"], periods=data["periods"], shifts_coverage=data["shifts"],
                     required_resources=data["required"], max_period_concurrency=data["agents"],
                     max_shift_concurrency=data["agents"], max_search_time=data["time_limit"],
                     num_search_workers=2)
sol = s.solve()
print(json.dumps({"status": sol["status"], "cost": sol["cost"], "seconds": time.time() - t0,
                  "plan": sol["resources_shifts"]}))
"""


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


def shift_arrays(problem: Problem) -> dict[str, list[int]]:
    """Each template as pyworkforce sees it: on-phone periods of the local day, breaks at
    the middle of their windows, cut at midnight (pyworkforce has no overnight shifts)."""
    per = 1440 // problem.interval_minutes
    out = {}
    for t in problem.templates:
        arr = [0] * per
        for m in range(t.start_minute, min(1440, t.start_minute + t.length_minutes), problem.interval_minutes):
            arr[m // problem.interval_minutes] = 1
        for b in t.breaks:
            mid = (b.earliest + b.latest) // 2 // problem.interval_minutes * problem.interval_minutes
            for m in range(mid, mid + b.length_minutes, problem.interval_minutes):
                k = (t.start_minute + m) // problem.interval_minutes
                if k < per:
                    arr[k] = 0
        out[t.code] = arr
    return out


def score(required: list[list[int]], scheduled: list[list[int]], minutes: int) -> dict:
    under = sum(max(0, r - s) for rr, ss in zip(required, scheduled) for r, s in zip(rr, ss)) * minutes
    over = sum(max(0, s - r) for rr, ss in zip(required, scheduled) for r, s in zip(rr, ss)) * minutes
    return {"under": under, "over": over, "absdiff": under + over}


def run_pyworkforce(problem: Problem, time_limit: float) -> dict | None:
    if not BENCH_PY.exists():
        return None
    demand = aggregated_demand(problem)
    shifts = shift_arrays(problem)
    payload = {**demand, "shifts": shifts, "agents": len(problem.agents), "time_limit": time_limit}
    t0 = time.monotonic()
    proc = subprocess.run([str(BENCH_PY), "-c", PYWORKFORCE_SCRIPT], input=json.dumps(payload), text=True,
                          capture_output=True, timeout=time_limit * 3 + 120)
    wall = time.monotonic() - t0
    if proc.returncode != 0:
        return {"status": "ERROR: " + proc.stderr.strip().splitlines()[-1], "seconds": wall}
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    sched = [[0] * demand["periods"] for _ in range(demand["days"])]
    for row in out["plan"]:
        if row["day"] < 0:
            continue
        for p, on in enumerate(shifts[row["shift"]]):
            sched[row["day"]][p] += on * row["resources"]
    return {"status": out["status"], "seconds": wall, "solver_seconds": out["seconds"],
            "heads": sum(r["resources"] for r in out["plan"] if r["day"] >= 0),
            **score(demand["required"], sched, problem.interval_minutes)}


def engine_scores(problem: Problem, result) -> dict:  # noqa: ANN001
    demand = aggregated_demand(problem)
    sched = [[0] * demand["periods"] for _ in range(demand["days"])]
    index = {d: i for i, d in enumerate(problem.dates)}
    totals: dict = defaultdict(int)
    for c in result.coverage:
        totals[c.start] += c.scheduled
    for start, n in totals.items():
        local = timeutil.to_local(start, problem.timezone)
        if local.date() in index:
            sched[index[local.date()]][(local.hour * 60 + local.minute) // problem.interval_minutes] += n
    return score(demand["required"], sched, problem.interval_minutes)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--agents", type=int, default=150)
    ap.add_argument("--queues", type=int, default=5)
    ap.add_argument("--days", type=int, default=28)
    ap.add_argument("--interval", type=int, default=15)
    ap.add_argument("--time-limit", type=float, default=120.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--strategy", default="auto", help="engine strategy: auto, cp-sat, lns, decompose")
    ap.add_argument("--no-peer", action="store_true", help="skip pyworkforce")
    ap.add_argument("--write-scenario", type=Path, help="write the generated scenario folder here")
    args = ap.parse_args(argv)
    problem = contact_center(args.agents, args.queues, args.days, args.interval, seed=args.seed)
    if args.write_scenario:
        write_scenario(args.write_scenario, problem)
    print(f"scenario {problem.name}: {len(problem.agents)} agents ({sum(a.supervisor for a in problem.agents)} "
          f"supervisors), {len(problem.queues)} queues, {problem.days} days, {problem.interval_minutes}-min "
          f"intervals, {len(problem.templates)} templates, tz {problem.timezone}, time limit {args.time_limit:g} s")
    t0 = time.monotonic()
    result = solve(problem, time_limit=args.time_limit, num_workers=2, seed=args.seed, strategy=args.strategy)
    wall = time.monotonic() - t0
    violations = validate(problem, roster_rows(result, problem.timezone)) if result.feasible else None
    from optimizer.roster.large import coverage_bound

    tb = time.monotonic()
    bound = coverage_bound(problem)
    bound_s = time.monotonic() - tb
    under = sum(result.under_minutes().values()) if result.feasible else None
    print(f"engine: status {result.status}, {len(result.assignments)} shifts, wall {wall:.1f} s, "
          f"validator: {'valid' if violations == [] else (f'{len(violations)} violations' if violations else 'n/a')}")
    if result.feasible:
        print(f"  under-covered agent-minutes (per queue, skills respected): {under} "
              f"vs lower bound {bound if bound is None else round(bound)} (LP, {bound_s:.1f} s)"
              + (f"; gap {100 * (under - bound) / max(under, 1e-9):.1f}%" if bound is not None else ""))
        for q, m in sorted(result.under_minutes().items()):
            print(f"    {q}: under {m}, over {result.over_minutes().get(q, 0)}")
        print(f"  soft violations: {json.dumps(result.violations_by_rule())}")
    peer = None if args.no_peer else run_pyworkforce(problem, args.time_limit)
    print("\naggregated demand (sum of queues), agent-minutes; lower is better")
    print(f"{'solver':<14}{'under':>10}{'over':>10}{'|diff|':>10}{'time s':>9}  notes")
    mine = engine_scores(problem, result) if result.feasible else None
    if mine:
        print(f"{'wfm engine':<14}{mine['under']:>10}{mine['over']:>10}{mine['absdiff']:>10}{wall:>9.1f}  "
              f"every rule on, per agent, breaks placed")
    else:
        print(f"{'wfm engine':<14}{'-':>10}{'-':>10}{'-':>10}{wall:>9.1f}  no roster ({result.status})")
    if peer is None:
        print("pyworkforce   not run (no .venv-bench: run bench/setup_env.sh)" if not args.no_peer else "")
    elif "under" in peer:
        print(f"{'pyworkforce':<14}{peer['under']:>10}{peer['over']:>10}{peer['absdiff']:>10}{peer['seconds']:>9.1f}  "
              f"{peer['status']}, {peer['heads']} shift-heads, no agents/rules/skills")
        if mine:
            print(f"ratios engine/pyworkforce: under {mine['under'] / max(peer['under'], 1):.2f}, "
                  f"|diff| {mine['absdiff'] / max(peer['absdiff'], 1):.2f}, time {wall / max(peer['seconds'], 1e-9):.2f}")
    else:
        print(f"pyworkforce   {peer['status']} after {peer['seconds']:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
