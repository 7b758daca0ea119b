"""The large-center path: profile blocks, a valid merged roster, a true lower bound."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest

from optimizer.roster.generate import contact_center
from optimizer.roster.large import (
    _coverage_cost, _pooled_first, blocks_by_profile, coverage_bound, estimate_coverage, place_breaks,
    place_breaks_by_day,
)
from optimizer.roster.problem import (
    Agent, Assignment, BreakRule, Problem, Requirement, Rules, ShiftTemplate, TimeOff,
)
from optimizer.roster.result import RosterResult
from optimizer.roster.scenario import roster_rows
from optimizer.roster.solve import solve
from optimizer.roster.validator import validate


@pytest.fixture(scope="module")
def center():
    return contact_center(36, 3, 7, 60, start=date(2026, 3, 16), seed=3, load=0.9)


@pytest.fixture(scope="module")
def large_result(center):
    return solve(center, time_limit=15, num_workers=2, strategy="decompose")


def test_blocks_cover_every_agent_once(center) -> None:
    blocks = blocks_by_profile(center, size=10)
    ids = [a for b in blocks for a in b]
    assert sorted(ids) == sorted(a.id for a in center.agents)
    assert all(len(b) <= 10 for b in blocks)
    assert all(center.agent(a).supervisor for a in blocks[0])
    # every supervisor in the first block: it alone carries the supervisor rule
    assert {a for b in blocks[1:] for a in b if center.agent(a).supervisor} == set()
    for b in blocks[1:]:  # one skill profile per block
        assert len({(tuple(sorted(center.agent(a).skills)), center.agent(a).supervisor) for a in b}) == 1


def test_decomposed_roster_is_valid(center, large_result) -> None:
    assert large_result.feasible
    assert validate(center, roster_rows(large_result, center.timezone)) == []
    assert large_result.stats["blocks"] >= 2
    assert large_result.stats["first_roster_seconds"] <= large_result.runtime


def test_coverage_rows_match_the_roster(center, large_result) -> None:
    """Merged coverage = on-phone agents of the merged roster, interval by interval."""
    est = estimate_coverage(center, large_result.assignments)
    per_interval = defaultdict(int)
    for row in est:
        per_interval[row.start] += row.scheduled
    merged = defaultdict(int)
    for row in large_result.coverage:
        merged[row.start] += row.scheduled
    assert dict(merged) == {k: v for k, v in per_interval.items() if v or k in merged}


def test_bound_is_below_every_roster(center, large_result) -> None:
    lb = coverage_bound(center)
    assert lb is not None and lb >= 0
    mono = solve(center, time_limit=8, num_workers=2, strategy="cp-sat", explain=False)
    reported = large_result.stats["bound_under_agent_minutes"]  # the LP's or the per-agent one, the larger
    assert large_result.stats["lp_bound_under_agent_minutes"] == pytest.approx(lb)
    assert reported >= lb - 1e-6
    for res in (large_result, mono):
        if res.feasible:
            assert sum(res.under_minutes().values()) >= reported - 1e-6


def test_bound_detects_impossible_coverage() -> None:
    """With almost no agents the bound must be close to the whole requirement."""
    p = contact_center(9, 2, 7, 60, seed=1, load=3.0, extras=False)
    lb = coverage_bound(p)
    total = sum(r.agents for r in p.requirements) * p.interval_minutes
    assert 0 < lb <= total


def _one_queue_day(n_agents: int, need: int) -> Problem:
    """``n_agents`` on one 08:00 shift with a 30-min lunch window of 2 h, ``need`` on the
    phone all shift long: only staggered lunches keep the cover."""
    start = date(2026, 3, 16)
    shift = ShiftTemplate("D", 8 * 60, 8 * 60, (BreakRule(30, 180, 300),))
    agents = tuple(Agent(f"A{i}", skills=("Q1",), min_hours_week=0) for i in range(n_agents))
    t0 = datetime(2026, 3, 16, 8, tzinfo=timezone.utc)
    reqs = tuple(Requirement(t0 + timedelta(minutes=15 * k), "Q1", need) for k in range(32))
    return Problem(start_date=start, days=1, agents=agents, templates=(shift,), requirements=reqs,
                   rules=Rules(supervisor_always_on_duty=False))


def test_place_breaks_staggers_lunches() -> None:
    p = _one_queue_day(4, 3)
    shifts = [Assignment(a.id, p.start_date, "D") for a in p.agents]
    placed = place_breaks(p, shifts, time_limit=10)
    assert placed is not None
    roster, coverage = placed
    assert validate(p, roster_rows(RosterResult("FEASIBLE", 0, None, 0, 15, roster, coverage), p.timezone)) == []
    starts = sorted(b[0] for s in roster for b in s.breaks)
    assert all(later - earlier >= timedelta(minutes=30) for earlier, later in zip(starts, starts[1:]))
    assert all(row.scheduled >= row.required for row in coverage)


def test_place_breaks_is_exact_for_fixed_shifts(center, large_result) -> None:
    """Same shifts, breaks re-placed for the whole center: valid, and priced no worse
    than the roster's own breaks (any placement is a solution of the exact model)."""
    shifts = [Assignment(s.agent_id, s.date, s.shift_code) for s in large_result.assignments]
    _, coverage = _valid_on_the_same_shifts(center, shifts, place_breaks(center, shifts, time_limit=10))
    assert _coverage_cost(center, coverage) <= _coverage_cost(center, estimate_coverage(center, large_result.assignments))


def test_place_breaks_by_queue_group(center, large_result) -> None:
    """Agents that share no queue get their breaks placed in a model per group (here each
    agent keeps its first queue, supervisors none): still valid on exactly the same
    shifts, every queue's rows counted, and priced no worse than the roster's own breaks."""
    from dataclasses import replace

    from optimizer.roster.large import queue_groups

    split = replace(center, agents=tuple(replace(a, skills=() if a.supervisor else a.skills[:1])
                                         for a in center.agents))
    assert len(queue_groups(split)) >= 3
    shifts = [Assignment(s.agent_id, s.date, s.shift_code) for s in large_result.assignments]
    _, coverage = _valid_on_the_same_shifts(split, shifts, place_breaks(split, shifts, time_limit=15))
    assert {c.queue for c in coverage} == {r.queue for r in split.requirements}
    assert _coverage_cost(split, coverage) <= _coverage_cost(split, estimate_coverage(split, large_result.assignments))


def test_pooled_first_roster_is_valid_without_the_supervisor_block() -> None:
    p = contact_center(40, 3, 14, 60, seed=5, load=0.9)
    blocks = blocks_by_profile(p, size=10)
    pooled = _pooled_first(p, blocks, num_workers=2, seed=0, time_limit=20)
    assert pooled and 0 not in pooled  # the supervisor block carries the supervisor rule
    shifts = tuple(s for res in pooled.values() for s in res.assignments)
    assert {s.agent_id for s in shifts} <= {a for k in pooled for a in blocks[k]}
    others = replace(p, agents=tuple(a for a in p.agents if not a.supervisor), requirements=(),
                     time_off=tuple(o for o in p.time_off if not p.agent(o.agent_id).supervisor),
                     preferences=tuple(o for o in p.preferences if not p.agent(o.agent_id).supervisor),
                     activities=tuple(o for o in p.activities if not p.agent(o.agent_id).supervisor),
                     rules=replace(p.rules, supervisor_always_on_duty=False))
    assert validate(others, roster_rows(RosterResult("FEASIBLE", 0, None, 0, 60, shifts), p.timezone)) == []


def test_place_breaks_by_day_keeps_the_shifts_and_the_rules(center, large_result) -> None:
    """Rolling two-day windows: each day's breaks are placed with the day before fixed
    (history) and the next day in view; the roster stays valid across the seams."""
    shifts = [Assignment(s.agent_id, s.date, s.shift_code) for s in large_result.assignments]
    roster, _ = _valid_on_the_same_shifts(center, shifts, place_breaks_by_day(center, shifts, time_limit=20))
    assert all(s.breaks for s in roster)


def _valid_on_the_same_shifts(center, shifts, placed):  # noqa: ANN001, ANN202
    """A break placement: found, valid under the validator, on exactly ``shifts``."""
    assert placed is not None
    roster, coverage = placed
    result = RosterResult("FEASIBLE", 0, None, 0, center.interval_minutes, roster, coverage)
    assert validate(center, roster_rows(result, center.timezone)) == []
    assert sorted((s.agent_id, s.date, s.shift_code) for s in roster) == \
        sorted((a.agent_id, a.date, a.shift_code) for a in shifts)
    return roster, coverage


def _late_then_early(rest_hours: float) -> Problem:
    """Two agents, two days: two wanted on a 16:00-24:00 shift on day one and on a
    06:00-14:00 shift on day two.  With 11 h of rest nobody can work both."""
    start = date(2026, 3, 16)
    late, early = ShiftTemplate("L", 16 * 60, 8 * 60), ShiftTemplate("E", 6 * 60, 8 * 60)
    agents = tuple(Agent(f"A{i}", skills=("Q1",), min_hours_week=0) for i in range(2))
    day1, day2 = datetime(2026, 3, 16, 16, tzinfo=timezone.utc), datetime(2026, 3, 17, 6, tzinfo=timezone.utc)
    reqs = tuple(Requirement(t0 + timedelta(minutes=15 * k), "Q1", 2) for t0 in (day1, day2) for k in range(32))
    rules = Rules(min_rest_hours=rest_hours, min_consecutive_days_off=None, min_days_off_per_week=None,
                  supervisor_always_on_duty=False, weekly_hours=False)
    return Problem(start_date=start, days=2, agents=agents, templates=(late, early), requirements=reqs, rules=rules)


def test_bound_sees_rest_between_shifts() -> None:
    """The aggregate LP without the rest rows lets the same two agents close day one and
    open day two (bound 0, the old bound); the rest rows make it the true optimum here:
    two agents cover one of the two shifts, 32 quarter-hours x 2 agents short."""
    p = _late_then_early(11)
    lb = coverage_bound(p)
    exact = solve(p, time_limit=20, num_workers=2, strategy="cp-sat", explain=False)
    assert exact.status == "OPTIMAL"
    optimum = sum(exact.under_minutes().values())
    assert optimum == 2 * 32 * 15
    assert lb is not None and 0 < lb <= optimum + 1e-6
    assert lb == pytest.approx(optimum)
    # without the rule the same relaxation (and the optimum) is 0: the rows are what lifts it
    assert coverage_bound(_late_then_early(0)) == pytest.approx(0)


def _exact_under(p: Problem) -> int:
    exact = solve(p, time_limit=20, num_workers=2, strategy="cp-sat", explain=False)
    assert exact.status == "OPTIMAL"
    return sum(exact.under_minutes().values())


def test_bound_sees_that_night_templates_share_the_night_agents() -> None:
    """Two agents, one of them night-eligible; one agent wanted 00:00-08:00 on two
    4-hour night shifts.  Each template alone may take the night agent, but not both
    (one shift a day): the bound is the optimum, half the night uncovered."""
    start = date(2026, 3, 16)
    early, dawn = ShiftTemplate("A", 0, 4 * 60), ShiftTemplate("B", 4 * 60, 4 * 60)
    assert early.is_night and dawn.is_night
    agents = (Agent("N", skills=("Q1",), night_ok=True), Agent("D", skills=("Q1",), night_ok=False))
    t0 = datetime(2026, 3, 16, 0, tzinfo=timezone.utc)
    reqs = tuple(Requirement(t0 + timedelta(minutes=15 * k), "Q1", 1) for k in range(32))
    p = Problem(start_date=start, days=1, agents=agents, templates=(early, dawn), requirements=reqs,
                rules=Rules(supervisor_always_on_duty=False, weekly_hours=False))
    optimum = _exact_under(p)
    assert optimum == 16 * 15
    assert coverage_bound(p) == pytest.approx(optimum)


def test_bound_does_not_lend_days_of_leave() -> None:
    """Two agents, a week, two wanted on a day shift every day, at least two days off a
    week: the agent on leave four days can work three, the other five.  Summed over the
    profile (5 + 5 shifts) the bound would let the first agent's leave days go to the
    second; summed agent by agent it is the optimum, six shifts short."""
    start = date(2026, 3, 16)
    day = ShiftTemplate("D", 8 * 60, 8 * 60)
    agents = tuple(Agent(f"A{i}", skills=("Q1",), max_hours_week=40) for i in range(2))
    reqs = tuple(Requirement(datetime(2026, 3, 16 + d, 8, tzinfo=timezone.utc) + timedelta(minutes=15 * k), "Q1", 2)
                 for d in range(7) for k in range(32))
    leave = tuple(TimeOff("A0", start + timedelta(days=d)) for d in (0, 2, 4, 6))
    p = Problem(start_date=start, days=7, agents=agents, templates=(day,), requirements=reqs, time_off=leave,
                rules=Rules(supervisor_always_on_duty=False, min_consecutive_days_off=None, max_weekends_per_window=None))
    optimum = _exact_under(p)
    assert optimum == 6 * 32 * 15
    assert coverage_bound(p) == pytest.approx(optimum)


def test_bound_does_not_borrow_the_night_before_a_week() -> None:
    """One agent, eight days from a Monday: a day shift wanted Monday to Friday (the
    agent's five shifts of the week) and cover on the second Monday from 00:00 to 06:00,
    which only a Sunday night shift reaches.  A bound made week by week, with the day
    before each week free, covered that Monday with a Sunday night the first week could
    not afford (bound 0); over the whole horizon the bound is the optimum: the Monday's
    six hours short, 360 agent-minutes."""
    start = date(2026, 3, 16)
    day, night = ShiftTemplate("D", 8 * 60, 8 * 60), ShiftTemplate("N", 22 * 60, 8 * 60)
    agents = (Agent("A0", skills=("Q1",), night_ok=True, max_hours_week=40),)
    weekdays = [datetime(2026, 3, 16 + d, 8, tzinfo=timezone.utc) + timedelta(minutes=15 * k)
                for d in range(5) for k in range(32)]
    monday = [datetime(2026, 3, 23, 0, tzinfo=timezone.utc) + timedelta(minutes=15 * k) for k in range(24)]
    reqs = tuple(Requirement(t, "Q1", 1) for t in weekdays + monday)
    p = Problem(start_date=start, days=8, agents=agents, templates=(day, night), requirements=reqs,
                rules=Rules(supervisor_always_on_duty=False, min_consecutive_days_off=None))
    optimum = _exact_under(p)
    assert optimum == 24 * 15
    assert coverage_bound(p) == pytest.approx(optimum)
