"""500-agent scale run: first valid roster time, under-coverage vs the engine's bound.

Scenario: ``optimizer.roster.generate.contact_center`` (24/7, 500 agents, 5 queues, 28
days, 15-minute intervals, every core rule on: breaks with windows, supervisor on duty,
11 h rest, sequences, weekends, weekly contract hours, skills, night eligibility, time
off, preferences, training blocks, fairness), solved through the ``solve`` façade
(``strategy="auto"`` picks the decomposition for this size).  Prints the progress
timeline (under-coverage of the incumbent over time), the first-valid-roster time, the
LP lower bound on under-coverage and the ratio, whether the validator accepts the
roster, and the machine load (the box is shared).  ``--monolith SECONDS`` also runs the
plain one-model CP-SAT search for comparison (ratios side by side).

    .venv/bin/python bench/scale_500.py --time-limit 300 [--agents 500] [--days 28] [--monolith 120] \
        [--column-bound 400]

``--column-bound`` then bounds the roster found by column generation over every agent's
own schedules (``optimizer.roster.column_bound``, the bound of ``wfm roster bound``):
tighter than the bound the solve reports, and too slow to run inside it.

Also prints how bunched the breaks are (the worst shifts of the roster).
"""

from __future__ import annotations

import argparse
import os
import time
from collections import Counter, defaultdict

from optimizer.progress import Progress
from optimizer.roster.generate import contact_center
from optimizer.roster.scenario import roster_rows
from optimizer.roster.solve import solve
from optimizer.roster.validator import validate


def run(problem, strategy: str, time_limit: float, seed: int) -> tuple[object, list[tuple[float, float]]]:
    timeline: list[tuple[float, float]] = []
    t0 = time.monotonic()

    def progress(p: Progress) -> None:
        under = p.extra.get("under_agent_minutes")
        if under is not None:
            timeline.append((time.monotonic() - t0, under))
        print(f"  [{strategy} {time.monotonic() - t0:6.1f}s] {p.message}"
              + (f" under={under}" if under is not None else ""), flush=True)

    res = solve(problem, time_limit=time_limit, num_workers=2, seed=seed, strategy=strategy, progress=progress)
    return res, timeline


def lunch_bunching(assignments) -> list[tuple[int, int, object, str]]:  # noqa: ANN001
    """Per (day, template) with 4+ agents: the most agents starting their longest break
    (the lunch) in one interval, and the head count.  Staggered breaks keep the first
    near head count / number of break options; breaks placed without coverage in view
    all start mid-window (first = second)."""
    groups: dict = defaultdict(list)
    for s in assignments:
        if s.breaks:
            groups[s.date, s.shift_code].append(max(s.breaks, key=lambda b: b[1] - b[0])[0])
    return [(max(Counter(starts).values()), len(starts), day, code)
            for (day, code), starts in groups.items() if len(starts) >= 4]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agents", type=int, default=500)
    ap.add_argument("--queues", type=int, default=5)
    ap.add_argument("--days", type=int, default=28)
    ap.add_argument("--time-limit", type=float, default=300.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--monolith", type=float, default=0.0, help="also run one-model CP-SAT for this many seconds")
    ap.add_argument("--column-bound", type=float, default=0.0,
                    help="then bound the roster by column generation (optimizer.roster.column_bound) for this many seconds")
    args = ap.parse_args()
    load0 = os.getloadavg()
    p = contact_center(args.agents, args.queues, args.days, 15, seed=args.seed)
    print(f"scenario {p.name}: {len(p.agents)} agents ({sum(a.supervisor for a in p.agents)} supervisors), "
          f"{len(p.queues)} queues, {p.days} days, {len(p.requirements)} requirement rows, "
          f"{len(p.time_off)} time off, {len(p.preferences)} preferences, {len(p.activities)} activities")
    rows = []
    res, timeline = run(p, "auto", args.time_limit, args.seed)
    rows.append(("decompose (auto)", res, timeline))
    if args.monolith:
        mono, mt = run(p, "cp-sat", args.monolith, args.seed)
        rows.append((f"one model cp-sat {args.monolith:.0f}s", mono, mt))
    load1 = os.getloadavg()
    lb = res.stats.get("bound_under_agent_minutes")
    print()
    print(f"{'run':<26} {'status':<9} {'first s':>8} {'total s':>8} {'under min':>10} {'bound':>10} "
          f"{'under/bound':>11} {'valid':>6}")
    base_under = None
    for name, r, _ in rows:
        under = sum(r.under_minutes().values()) if r.assignments else None
        valid = "yes" if r.assignments and not validate(p, roster_rows(r, p.timezone)) else "NO"
        first = r.stats.get("first_roster_seconds")
        ratio = f"{under / lb:11.3f}" if under is not None and lb else f"{'-':>11}"
        print(f"{name:<26} {r.status:<9} {first if first is None else round(first, 1)!s:>8} {r.runtime:8.1f} "
              f"{under if under is not None else '-'!s:>10} {round(lb) if lb else '-'!s:>10} {ratio} {valid:>6}")
        base_under = base_under if base_under is not None else under
        if r.assignments:
            print(f"{'':<26} under-covered agent-minutes by queue: "
                  + ", ".join(f"{q} {v:,}" for q, v in sorted(r.under_minutes().items())))
    if lb:
        print("\nunder-coverage of the incumbent over time (agent-minutes, ratio to the bound):")
        for t, u in timeline:
            print(f"  {t:7.1f}s  {u:>9.0f}  {u / lb:6.3f}")
    print("\nengine stats:", {k: round(v, 1) for k, v in res.stats.items()
                              if k in ("first_roster_seconds", "blocks", "rounds", "center_breaks_placed",
                                       "center_breaks_seconds", "bound_under_agent_minutes",
                                       "lp_bound_under_agent_minutes", "coverage_search_seconds", "coverage_search_steps",
                                       "coverage_search_improving", "groups_side_by_side", "columns_bound",
                                       "columns_kept")})
    if res.assignments:
        worst = sorted(lunch_bunching(res.assignments), reverse=True)[:3]
        print("\nbreak staggering, worst shifts (agents starting their longest break in the same interval, "
              "agents on the shift, day, template):")
        for k, n, day, code in worst:
            print(f"  {k:3d} of {n:3d}  {day}  {code}")
    if args.column_bound and res.assignments:
        from optimizer.roster.column_bound import column_bound
        from optimizer.roster.problem import Assignment

        t0 = time.monotonic()
        cb = column_bound(p, [Assignment(s.agent_id, s.date, s.shift_code) for s in res.assignments],
                          time_limit=args.column_bound, seed=args.seed,
                          progress=lambda pr: print(f"  [column bound {time.monotonic() - t0:6.1f}s] {pr.message}",
                                                    flush=True))
        if cb is not None:
            under = sum(res.under_minutes().values())
            print(f"\ncolumn bound {cb.bound:,.0f} (master {cb.master:,.0f}, {cb.rounds} rounds, {cb.columns} schedules, "
                  f"{'converged' if cb.converged else 'not converged'}) in {time.monotonic() - t0:.1f}s: "
                  f"under/column bound {under / cb.bound:.3f}" if cb.bound else "column bound 0")
    print(f"\nload average (1/5/15 min) at start {load0}, at end {load1}; cores {os.cpu_count()}")


if __name__ == "__main__":
    main()
