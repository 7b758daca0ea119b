"""Synthetic contact-center scenarios (benchmarks, demos, tests).

Demand follows a typical bank service-desk day (a morning peak, an afternoon shoulder,
a thin night) with lighter weekends, scaled to ``load`` times the on-phone capacity of
the agents, so under-coverage is a real trade-off rather than zero or hopeless.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from optimizer import timeutil
from optimizer.roster.problem import (
    Agent, BreakRule, FixedActivity, Preference, Problem, Requirement, Rules, ShiftTemplate, TimeOff, Weights,
)

DAY_SHAPE = [0.15, 0.1, 0.08, 0.08, 0.1, 0.2, 0.45, 0.75, 1.0, 1.0, 0.95, 0.9,
             0.85, 0.9, 0.9, 0.85, 0.75, 0.65, 0.55, 0.5, 0.45, 0.35, 0.25, 0.2]


def standard_templates(interval_minutes: int = 15, starts: tuple[int, ...] = (0, 6, 7, 8, 9, 10, 12, 14, 16, 22),
                       length: int = 510) -> tuple[ShiftTemplate, ...]:
    """8.5 h shifts: 30 min unpaid lunch near mid-shift and, on a 15-minute grid, a
    15 min paid break in each half (coarser grids: 9 h with a one-hour lunch)."""
    g = interval_minutes
    if g > 30:
        length = max(length, 540)
    length = -(-length // g) * g
    lunch = 30 if g <= 30 else 60
    out = []
    for h in starts:
        brs: tuple[BreakRule, ...] = (BreakRule(lunch, 210 // g * g, 270 // g * g, paid=False),)
        if g == 15:  # short paid breaks only when the grid can place them
            brs = (BreakRule(15, 90, 150, paid=True), brs[0], BreakRule(15, 360, 420, paid=True))
        out.append(ShiftTemplate(f"S{h:02d}", h * 60, length, brs, unpopular=h in (0, 22)))
    return tuple(out)


def contact_center(
    n_agents: int = 150, n_queues: int = 5, days: int = 28, interval_minutes: int = 15,
    start: date = date(2026, 3, 16), timezone: str = "Europe/Madrid", seed: int = 0,
    load: float = 0.9, supervisors: int | None = None, extras: bool = True,
) -> Problem:
    rng = random.Random(seed)
    queues = [f"Q{i + 1}" for i in range(n_queues)]
    n_sup = supervisors if supervisors is not None else max(8, round(n_agents * 0.08))
    # Agents come in a few skill groups (as in real centers), not in random mixes.
    groups = [(q,) for q in queues] + [tuple(sorted({queues[i], queues[(i + 1) % n_queues]}))
                                       for i in range(0, n_queues, 2)]
    agents = []
    for i in range(n_agents):
        sup = i < n_sup
        skills = groups[0] if sup else rng.choice(groups)
        part_time = not sup and rng.random() < 0.15
        agents.append(Agent(
            id=f"A{i + 1:03d}", team=f"T{i % max(1, n_agents // 15) + 1}", skills=skills,
            min_hours_week=16 if part_time else 32, max_hours_week=24 if part_time else 40,
            night_ok=sup or rng.random() < 0.6, supervisor=sup,
            contract_daily_hours=4.8 if part_time else 8.0,
        ))
    templates = standard_templates(interval_minutes)
    grid = timeutil.interval_grid(start, days, interval_minutes, timezone)
    capacity = sum(a.max_hours_week * 0.85 for a in agents) * days / 7 * 60 / interval_minutes * 0.93
    raw = []
    weights = [rng.uniform(0.5, 1.5) for _ in queues]
    for t in grid:
        local = timeutil.to_local(t, timezone)
        f = DAY_SHAPE[local.hour] * (0.6 if local.weekday() >= 5 else 1.0)
        for q, qw in zip(queues, weights):
            raw.append((t, q, f * qw * (1 + 0.1 * rng.uniform(-1, 1))))
    scale = load * capacity / sum(v for _, _, v in raw)
    reqs = tuple(Requirement(t, q, max(1 if v > 0 else 0, int(round(v * scale)))) for t, q, v in raw)
    time_off, prefs, acts = [], [], []
    dates = timeutil.daterange(start, days)
    if extras:
        for a in agents:
            if rng.random() < 0.25:
                d0 = rng.randrange(days)
                span = 1 if a.supervisor else rng.choice((1, 2, 5))  # supervision is scarce
                for d in range(d0, min(days, d0 + span)):
                    time_off.append(TimeOff(a.id, dates[d]))
            for _ in range(rng.randrange(3)):
                d = rng.choice(dates)
                if rng.random() < 0.5:
                    prefs.append(Preference(a.id, d, None, "want", rng.choice((1, 2, 3))))
                else:
                    prefs.append(Preference(a.id, d, rng.choice(templates).code, "avoid", rng.choice((1, 2, 3))))
        # one training block per team in week 2 (10:00-12:00 local) for two agents
        for k in range(0, n_agents, 15):
            for a in agents[k + n_sup : k + n_sup + 2] if k == 0 else agents[k : k + 2]:
                day = dates[min(days - 1, 8 + (k // 15) % 5)]
                if any(o.agent_id == a.id and o.date == day for o in time_off):
                    continue
                s = timeutil.to_utc(datetime.combine(day, datetime.min.time()) + timedelta(hours=10), timezone)
                acts.append(FixedActivity(a.id, s, s + timedelta(hours=2), "training"))
    rules = Rules(min_rest_hours=11, max_consecutive_days=6, min_consecutive_days_off=2, min_days_off_per_week=2,
                  max_nights_in_row=4, max_weekends_per_window=3, weekend_window_weeks=4,
                  supervisor_always_on_duty=True)
    return Problem(
        start_date=start, days=days, agents=tuple(agents), templates=templates, interval_minutes=interval_minutes,
        timezone=timezone, requirements=reqs, time_off=tuple(time_off), preferences=tuple(prefs),
        activities=tuple(acts), rules=rules, weights=Weights(), name=f"cc{n_agents}x{n_queues}x{days}",
    )

