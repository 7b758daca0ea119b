"""Curtois & Qu shift scheduling benchmark on the roster engine.

    .venv/bin/python bench/rostering.py --time-limit 60
    .venv/bin/python bench/rostering.py --instances 5,9 --time-limit 300

For each instance: objective reached (re-scored by the independent checker in
``optimizer.roster.nrp.check_solution``), best known, gap to it, the engine's lower
bound, wall time and whether the roster satisfies every hard constraint of the instance.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from optimizer.roster.nrp import STRATEGY, read_instance, solve_instance  # noqa: E402

DATA = Path("/work/shared/benchmarks/rostering/curtois-nrp")
BEST_KNOWN = {1: 607, 2: 828, 3: 1001, 4: 1716, 5: 1143, 6: 1950, 7: 1056, 8: 1300, 9: 439, 10: 4631,
              11: 3443, 12: 4040}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--time-limit", type=float, default=60.0, help="seconds per instance (default 60)")
    ap.add_argument("--instances", default="1-12", help="e.g. 1-12 or 1,2,5")
    ap.add_argument("--workers", type=int, default=2,
                    help="CP-SAT workers (default 2: one per core of the reference machine; more "
                         "workers than cores only time-slice them)")
    ap.add_argument("--strategy", default=None, choices=["cp-sat", "lns", "patterns", "auto"],
                    help="engine strategy (default: the adapter's, optimizer.roster.nrp.STRATEGY)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--json", type=Path, help="also write the rows as JSON here")
    args = ap.parse_args(argv)
    ids: list[int] = []
    for part in args.instances.split(","):
        if "-" in part:
            lo, hi = part.split("-")
            ids += list(range(int(lo), int(hi) + 1))
        else:
            ids.append(int(part))
    strategy = args.strategy or STRATEGY
    # Timings on a shared machine depend on its load: print it with the figures.
    print(f"Curtois & Qu instances, time limit {args.time_limit:g} s, {args.workers} workers, "
          f"strategy {strategy}, load average {os.getloadavg()[0]:.2f}")
    header = f"{'instance':<11}{'objective':>10}{'best':>7}{'gap%':>8}{'bound':>9}{'time s':>8}  valid"
    print(header)
    print("-" * len(header))
    rows = []
    for i in ids:
        inst = read_instance(args.data / f"Instance{i}.txt")
        t0 = time.monotonic()
        sol = solve_instance(inst, time_limit=args.time_limit, num_workers=args.workers, seed=args.seed,
                             strategy=strategy)
        wall = time.monotonic() - t0
        best = BEST_KNOWN[i]
        gap = None if sol.objective is None else 100.0 * (sol.objective - best) / best
        rows.append({"instance": inst.name, "objective": sol.objective, "best_known": best, "gap_pct": gap,
                     "bound": sol.bound, "seconds": round(wall, 1), "valid": not sol.errors,
                     "status": sol.status})
        print(f"{inst.name:<11}{sol.objective if sol.objective is not None else '-':>10}{best:>7}"
              f"{(f'{gap:.2f}' if gap is not None else '-'):>8}{(f'{sol.bound:.0f}' if sol.bound is not None else '-'):>9}"
              f"{wall:>8.1f}  {'yes' if not sol.errors else 'NO: ' + '; '.join(sol.errors[:2])}", flush=True)
    solved = [r for r in rows if r["gap_pct"] is not None]
    at_best = sum(1 for r in solved if r["gap_pct"] <= 0)
    within2 = sum(1 for r in solved if r["gap_pct"] <= 2)
    print(f"at best known: {at_best}/{len(rows)}; within 2%: {within2}/{len(rows)}; "
          f"all valid: {all(r['valid'] for r in rows)}; load average {os.getloadavg()[0]:.2f}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
