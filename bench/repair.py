"""Minimal-change repair vs re-solving from scratch, on generated absences.

For each seed: publish a roster for a generated center, make a few agents absent on days
they work, then (a) ``repair`` the published roster, (b) re-solve the problem with the
absences as time off, from scratch.  Reports the shifts each one changes (beyond the
absent agents' own shifts), under-coverage (agent-minutes) of the published roster, of
the published roster with the gaps left open ("no-change": repair with a prohibitive
change price), of the repair and of the re-solve, the share of the lost coverage each
restores, and whether the validator accepts each roster.

    .venv/bin/python bench/repair.py --agents 60 --days 14 --seeds 2 --time-limit 40
"""

from __future__ import annotations

import argparse
import random
import time

from optimizer.roster.generate import contact_center
from optimizer.roster.problem import Assignment, TimeOff
from optimizer.roster.repair import diff, repair
from optimizer.roster.scenario import roster_rows
from optimizer.roster.solve import solve
from optimizer.roster.validator import validate


def under(res) -> int:
    return sum(res.under_minutes().values()) if res.coverage else -1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agents", type=int, default=60)
    ap.add_argument("--days", type=int, default=14)
    ap.add_argument("--supervisors", type=int, default=12, help="24/7 supervision needs about 12 (8 is too tight)")
    ap.add_argument("--absent", type=int, default=4, help="absent agents per case")
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--time-limit", type=float, default=30.0)
    ap.add_argument("--strategy", default="decompose", help="solve strategy for publishing and re-solving")
    args = ap.parse_args()
    head = (f"{'seed':>4} {'removed':>7} | {'pub under':>9} {'no-change':>9} | {'repair chg':>10} {'under':>7} "
            f"{'restored':>8} {'valid':>5} {'sec':>5} | {'resolve chg':>11} {'under':>7} {'restored':>8} "
            f"{'valid':>5} {'sec':>5} | chg ratio")
    print(head)
    print("-" * len(head))
    for seed in range(args.seeds):
        p = contact_center(args.agents, 5, args.days, 15, seed=seed, extras=False, supervisors=args.supervisors)
        pub = solve(p, time_limit=args.time_limit, seed=seed, explain=False, strategy=args.strategy)
        if not pub.feasible:
            print(f"{seed:>4} publish failed: {pub.status}")
            continue
        published = [Assignment(s.agent_id, s.date, s.shift_code) for s in pub.assignments]
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
        frozen = repair(p, published, absences, time_limit=args.time_limit, seed=seed, change_weight=10**9)
        gap_under = under(frozen.result)
        t = time.monotonic()
        scratch = solve(fixed.problem, time_limit=args.time_limit, seed=seed, explain=False, strategy=args.strategy)
        t_scr = time.monotonic() - t
        kept = [a for a in published if (a.agent_id, a.date) not in {(o.agent_id, o.date) for o in absences}]
        scratch_changes = diff(kept, scratch)
        pub_under = under(pub)

        def restored(u: int) -> str:
            lost = gap_under - pub_under
            return f"{(gap_under - u) / lost:8.0%}" if lost > 0 and u >= 0 else f"{'n/a':>8}"

        def ok(res) -> str:
            return "yes" if res.assignments and not validate(fixed.problem, roster_rows(res, p.timezone)) else "NO"

        ratio = len(scratch_changes) / max(1, len(fixed.changes))
        print(f"{seed:>4} {len(fixed.removed):>7} | {pub_under:>9} {gap_under:>9} | {len(fixed.changes):>10} "
              f"{under(fixed.result):>7} {restored(under(fixed.result))} {ok(fixed.result):>5} {t_rep:>5.0f} | "
              f"{len(scratch_changes):>11} {under(scratch):>7} {restored(under(scratch))} {ok(scratch):>5} "
              f"{t_scr:>5.0f} | re-solve changes {ratio:.1f}x more")


if __name__ == "__main__":
    main()
