"""Shift design benchmark: the 40 shared TU Wien instances against their reference values.

Usage::

    .venv/bin/python bench/shift_design.py [--time-limit 10] [--workers 2] [--only PATTERN] [--json OUT]

For each instance: the objective of the returned shifts as recomputed by the independent
scorer, the reference value (the planted solution's value, an upper bound, from the table
in /work/shared/benchmarks/rostering/README.md — never from the instance file), the
difference, the solver's lower bound, wall time and CPU time.  The last line counts the
instances at or below the reference.  The machine is shared: the CPU column shows how much
of the wall time the run really got.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import sys
import time
from pathlib import Path

from optimizer.shiftdesign.solve import solution_document, solve
from optimizer.shiftdesign.tuwien import read_instance

DATA = Path("/work/shared/benchmarks/rostering")
README = DATA / "README.md"
ROOT = DATA / "tuwien-shift-design"


def reference_values() -> dict[str, int]:
    """``DataSet1/RandomExample1 -> 480`` from the README table (last column, UB)."""
    refs = {}
    pattern = re.compile(r"^\|\s*(DataSet\d+/RandomExample\d+)\s*\|.*\|\s*(\d+)\s*\|\s*$")
    for line in README.read_text(encoding="utf-8").splitlines():
        match = pattern.match(line)
        if match:
            refs[match.group(1)] = int(match.group(2))
    return refs


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", default=None, help="regular expression on the instance name")
    parser.add_argument("--json", type=Path, default=None, help="write all solutions to this file")
    args = parser.parse_args(argv)

    refs = reference_values()
    names = sorted(refs, key=lambda n: (n.split("/")[0], int(re.sub(r"\D", "", n.split("/")[1]))))
    if args.only:
        names = [n for n in names if re.search(args.only, n)]
    header = f"{'instance':26s} {'objective':>9s} {'reference':>9s} {'diff':>6s} {'bound':>8s} {'status':>9s} {'wall s':>6s} {'cpu s':>6s}"
    print(header)
    print("-" * len(header))
    at_or_below = 0
    documents = []
    for name in names:
        instance = read_instance(ROOT / f"{name}.txt", name=name)
        cpu0, wall0 = _cpu(), time.monotonic()
        result = solve(instance, time_limit=args.time_limit, num_workers=args.workers, seed=args.seed)
        wall, cpu = time.monotonic() - wall0, _cpu() - cpu0
        objective, ref = result.objective, refs[name]
        ok = objective is not None and objective <= ref
        at_or_below += ok
        diff = "" if objective is None else f"{objective - ref:+g}"
        bound = "" if result.bound is None else f"{result.bound:.1f}"
        print(
            f"{name:26s} {objective!s:>9s} {ref:9d} {diff:>6s} {bound:>8s} {result.status:>9s} "
            f"{wall:6.1f} {cpu:6.1f}{'' if ok else '  above reference'}",
            flush=True,
        )
        documents.append(solution_document(result))
    print("-" * len(header))
    print(f"at or below reference: {at_or_below}/{len(names)} (time limit {args.time_limit:g} s, {args.workers} workers)")
    if args.json:
        args.json.write_text(json.dumps(documents, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
