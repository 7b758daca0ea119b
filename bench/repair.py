"""Minimal-change repair vs re-solving from scratch, on generated absences.

For each seed: publish a roster for a generated center, make a few agents absent on days
they work (a sick day or two), then (a) ``repair`` the published roster and (b) re-solve
the problem with the absences as time off, from scratch (same time limit).

Reported per seed:
- ``absent``: absent agent-days (published shifts removed); ``forced``: hard-rule
  violations the removal alone causes (``RepairResult.forced``, e.g. a part-timer's week
  falling below the contract minimum), as ``rule x count``;
- under-coverage in agent-minutes against the real requirements: ``before`` (published
  roster), ``unrepaired`` (published minus the absent shifts), ``repair`` (published
  breaks kept, changed shifts' breaks placed by the repair), ``re-solve`` (its own
  breaks), each counted on its shifts and breaks by ``large.estimate_coverage``;
- ``lost``: what the absences cost (unrepaired - before; 0 when the absent shifts were
  on over-covered hours); ``won back``: unrepaired - under, for the repair (about
  ``lost`` at most: it restores, it does not re-plan; its cap is per hour, these counts
  per interval) and the re-solve (a new plan: it may win
  back more than was lost, or less, or lose coverage, within the same time limit);
- ``free``: the same repair with changes almost free (``change_weight=1``): what could be
  won back at any number of changes, and how many it takes.  The default repair stops
  where one more change wins back less than its price (one agent-hour of coverage), so
  the difference between the two is coverage that is not worth a phone call each;
- changed shifts beyond the absent agents' own (the messages to send), and the
  neighbourhood the repair was found in; validity by the independent validator; seconds.

    .venv/bin/python bench/repair.py --agents 60 --days 14 --seeds 2 --time-limit 40
"""

from __future__ import annotations

import argparse
import os
import random
import time
from collections import Counter

from optimizer.roster.generate import contact_center
from optimizer.roster.large import estimate_coverage
from optimizer.roster.problem import Assignment, TimeOff
from optimizer.roster.repair import diff, repair
from optimizer.roster.result import RosterResult
from optimizer.roster.scenario import roster_rows
from optimizer.roster.solve import solve
from optimizer.roster.validator import validate


def under(problem, shifts) -> int:
    """Under-covered agent-minutes of ``shifts`` (with their own breaks) against the real
    requirements (``estimate_coverage``: on-phone agents per interval, multi-skilled
    agents split greedily), one count for all four rosters."""
    rows = estimate_coverage(problem, tuple(shifts))
    return sum(max(0, r.required - r.scheduled) for r in rows) * problem.interval_minutes


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agents", type=int, default=60)
    ap.add_argument("--days", type=int, default=14)
    ap.add_argument("--supervisors", type=int, default=12, help="24/7 supervision needs about 12 (8 is too tight)")
    ap.add_argument("--absent", type=int, default=4, help="absent agents per case")
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--time-limit", type=float, default=30.0)
    ap.add_argument("--strategy", default="decompose", help="solve strategy for publishing and re-solving")
    args = ap.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.1f}")
    head = (f"{'seed':>4} {'absent':>6} {'forced':<18} | {'before':>7} {'unrepaired':>10} {'lost':>5} | "
            f"{'repair':>7} {'won back':>8} {'chg':>4} {'where':>6} {'valid':>5} {'sec':>4} | "
            f"{'re-solve':>8} {'won back':>8} {'chg':>4} {'valid':>5} {'sec':>4} | "
            f"{'free':>6} {'won back':>8} {'chg':>4} {'valid':>5}")
    print(head)
    print("-" * len(head))
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        p = contact_center(args.agents, 5, args.days, 15, seed=seed, extras=False, supervisors=args.supervisors)
        pub = solve(p, time_limit=args.time_limit, seed=seed, explain=False, strategy=args.strategy)
        if not pub.feasible:
            print(f"{seed:>4} publish failed: {pub.status}")
            continue
        published = [Assignment(s.agent_id, s.date, s.shift_code, s.breaks) for s in pub.assignments]
        rng = random.Random(seed)
        workers = sorted({s.agent_id for s in pub.assignments if not p.agent(s.agent_id).supervisor})
        absences = []
        for agent in rng.sample(workers, min(args.absent, len(workers))):
            days = sorted(s.date for s in pub.assignments if s.agent_id == agent)
            d0 = rng.choice(days)
            span = rng.choice((1, 2))  # a sick day or two, on days the agent works
            absences += [TimeOff(agent, d) for d in days if 0 <= (d - d0).days < span]
        t = time.monotonic()
        fixed = repair(p, published, absences, time_limit=args.time_limit, seed=seed)
        t_rep = time.monotonic() - t
        t = time.monotonic()
        scratch = solve(fixed.problem, time_limit=args.time_limit, seed=seed, explain=False, strategy=args.strategy)
        t_scr = time.monotonic() - t
        free = repair(p, published, absences, time_limit=args.time_limit, seed=seed, change_weight=1)
        off = {(o.agent_id, o.date) for o in absences}
        kept = [a for a in published if (a.agent_id, a.date) not in off]
        before = under(p, pub.assignments)
        gap = under(p, [s for s in pub.assignments if (s.agent_id, s.date) not in off])
        rep = under(p, fixed.result.assignments) if fixed.result.assignments else -1
        scr = under(p, scratch.assignments) if scratch.assignments else -1
        cheap = under(p, free.result.assignments) if free.result.assignments else -1

        def won(u: int) -> str:
            return f"{gap - u:>8}" if u >= 0 else f"{'n/a':>8}"

        def ok(res: RosterResult) -> str:
            return "yes" if res.assignments and not validate(fixed.problem, roster_rows(res, p.timezone)) else "NO"

        forced = ",".join(f"{r}x{n}" for r, n in Counter(v.rule for v in fixed.forced).items()) or "-"
        print(f"{seed:>4} {len(fixed.removed):>6} {forced:<18} | {before:>7} {gap:>10} {gap - before:>5} | "
              f"{rep:>7} {won(rep)} {len(fixed.changes):>4} {fixed.neighbourhood:>6} {ok(fixed.result):>5} "
              f"{t_rep:>4.0f} | {scr:>8} {won(scr)} {len(diff(kept, scratch)):>4} {ok(scratch):>5} {t_scr:>4.0f} | "
              f"{cheap:>6} {won(cheap)} {len(free.changes):>4} {ok(free.result):>5}",
              flush=True)
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
