"""What is left of the requirement once other people's shifts are counted.

A roster of some teams shares the site's demand with the teams it leaves alone: those
teams' shifts already answer part of it, and a team solve that chases the whole site's
requirement would overstaff its own period.  The others' cover is counted per interval,
without their breaks and off-phone activities, each person answering one queue: the
one among their skills that still needs the most people (people with fewer skills
first, since they have fewer choices), which is how a routing engine would spread them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from optimizer.roster.problem import Requirement


@dataclass(frozen=True)
class OnDuty:
    """Someone outside the problem at work from ``start`` to ``end`` (UTC), off the phone
    during ``away`` (breaks, lunches, training), answering ``skills``."""

    start: datetime
    end: datetime
    skills: tuple[str, ...]
    away: tuple[tuple[datetime, datetime], ...] = ()
    supervisor: bool = False


def supervised_spans(others: list[OnDuty]) -> tuple[tuple[datetime, datetime], ...]:
    """When the supervisors among ``others`` are on duty: their shifts minus their breaks
    and activities, as ``Problem.supervised`` takes them."""
    out: list[tuple[datetime, datetime]] = []
    for o in others:
        if not o.supervisor:
            continue
        t = o.start
        for a, b in sorted(o.away):
            if b <= t or a >= o.end:
                continue
            if a > t:
                out.append((t, a))
            t = max(t, b)
        if t < o.end:
            out.append((t, o.end))
    return tuple(sorted(out))


def residual_requirements(requirements: tuple[Requirement, ...] | list[Requirement], others: list[OnDuty],
                          interval_minutes: int) -> tuple[Requirement, ...]:
    """``requirements`` minus the cover of ``others``; intervals met in full disappear."""
    step = timedelta(minutes=interval_minutes)
    need: dict[datetime, dict[str, int]] = defaultdict(dict)
    for r in requirements:
        need[r.start][r.queue] = need[r.start].get(r.queue, 0) + r.agents
    present: dict[datetime, list[tuple[str, ...]]] = defaultdict(list)
    for o in others:
        if not o.skills:
            continue
        t = _floor(o.start, interval_minutes)
        while t < o.end:
            t_end = t + step
            # on the phone for the whole interval only: a half-interval break takes it away
            if t >= o.start and t_end <= o.end and not any(a < t_end and b > t for a, b in o.away) and t in need:
                present[t].append(o.skills)
            t = t_end
    out = []
    for t, queues in need.items():
        left = dict(queues)
        for skills in sorted(present.get(t, ()), key=len):
            q = max((s for s in skills if left.get(s, 0) > 0), key=lambda s: left[s], default=None)
            if q is not None:
                left[q] -= 1
        out.extend(Requirement(t, q, n) for q, n in left.items() if n > 0)
    return tuple(sorted(out, key=lambda r: (r.start, r.queue)))


def _floor(t: datetime, minutes: int) -> datetime:
    m = (t.hour * 60 + t.minute) // minutes * minutes
    return t.replace(hour=m // 60, minute=m % 60, second=0, microsecond=0)
