"""The Lagrangian bound that sees each agent's own rules (``optimizer.roster.agent_bound``)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from optimizer.roster.agent_bound import agent_bound
from optimizer.roster.generate import contact_center
from optimizer.roster.large import coverage_bound
from optimizer.roster.problem import Agent, Problem, Requirement, Rules, ShiftTemplate
from optimizer.roster.solve import solve


def _five_nights(max_nights: int | None) -> Problem:
    """One night-eligible agent; two agents wanted 22:00-06:00 on five nights in a row
    (so every night is short, and the LP prices every night interval)."""
    night = ShiftTemplate("N", 22 * 60, 8 * 60)
    agent = Agent("A0", skills=("Q1",), night_ok=True)
    reqs = tuple(Requirement(datetime(2026, 3, 16 + d, 22, tzinfo=timezone.utc) + timedelta(minutes=15 * k), "Q1", 2)
                 for d in range(5) for k in range(32))
    rules = Rules(max_nights_in_row=max_nights, weekly_hours=False, supervisor_always_on_duty=False,
                  min_consecutive_days_off=None, max_weekends_per_window=None)
    return Problem(start_date=date(2026, 3, 16), days=7, agents=(agent,), templates=(night,), requirements=reqs,
                   rules=rules)


def _exact(p: Problem) -> int:
    res = solve(p, time_limit=20, num_workers=2, strategy="cp-sat", explain=False)
    assert res.status == "OPTIMAL"
    return sum(res.under_minutes().values())


def test_sees_the_nights_in_a_row_that_the_lp_does_not() -> None:
    """At most four nights in a row: the agent works four of the five nights, so 6 of the
    10 agent-nights are uncovered (2,880 agent-minutes).  The aggregate LP has no such row
    and lets the agent work all five (2,400); the agent's own model has it, and the bound
    is the optimum."""
    p = _five_nights(4)
    duals: dict = {}
    lp = coverage_bound(p, duals=duals)
    optimum = _exact(p)
    assert optimum == 6 * 32 * 15
    assert lp == pytest.approx(5 * 32 * 15)
    assert agent_bound(p, duals, time_limit=10) == pytest.approx(optimum)
    # without the rule the agent works all five nights, and the bound is the LP's
    free = _five_nights(None)
    duals = {}
    assert coverage_bound(free, duals=duals) == pytest.approx(5 * 32 * 15) == _exact(free)
    assert agent_bound(free, duals, time_limit=10) == pytest.approx(5 * 32 * 15)


@pytest.mark.parametrize("seed", [1, 2])
def test_never_above_a_roster_and_not_below_the_lp(seed: int) -> None:
    """Every rule on (supervisors, breaks, leave, activities): the bound is below the
    under-coverage of any roster, and at the LP's own prices not below the LP (up to the
    rounding of prices to the pricing grid)."""
    p = contact_center(24, 2, 7, 60, start=date(2026, 3, 16), seed=seed, load=1.3)
    duals: dict = {}
    lp = coverage_bound(p, duals=duals)
    ab = agent_bound(p, duals, time_limit=30)
    assert lp is not None and ab is not None
    assert ab >= lp - 0.01 * p.interval_minutes * len(p.agents) * p.days
    roster = solve(p, time_limit=20, num_workers=2, strategy="cp-sat", explain=False)
    assert roster.feasible
    assert ab <= sum(roster.under_minutes().values()) + 1e-6
