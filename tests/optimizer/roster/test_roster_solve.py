"""The solve façade: statuses, coverage semantics, progress, cancellation, DST, LNS."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from roster_factories import START, day, small_problem

from optimizer import timeutil
from optimizer.progress import CancelToken, Progress
from optimizer.roster.problem import Agent, Assignment, FixedActivity, Requirement, Rules, TimeOff
from optimizer.roster.scenario import roster_rows
from optimizer.roster.solve import solve
from optimizer.roster.validator import validate


def at(d: int, hour: int, tz: str = "UTC") -> datetime:
    return timeutil.to_utc(datetime.combine(day(d), datetime.min.time()) + timedelta(hours=hour), tz)


def test_small_roster_is_valid_and_reports_coverage() -> None:
    p = small_problem(n_agents=5, days=7)
    seen: list[Progress] = []
    r = solve(p, time_limit=5, progress=seen.append)
    assert r.feasible
    assert validate(p, roster_rows(r, p.timezone)) == []
    assert {c.queue for c in r.coverage} == {"Q1", "Q2"}
    assert len(r.coverage) == 2 * 7 * 24
    assert r.objective is not None and r.bound is not None and r.bound <= r.objective
    assert seen and seen[-1].fraction == 1.0
    # reported coverage equals required minus the reported under-coverage
    under = sum(max(0, c.required - c.scheduled) for c in r.coverage) * 60
    assert under == sum(r.under_minutes().values())


def test_infeasible_is_a_status_not_an_exception() -> None:
    p = small_problem(n_agents=1, days=7)
    p = replace(p, agents=(replace(p.agents[0], min_hours_week=40, contract_daily_hours=0),),
                time_off=tuple(TimeOff("A0", d) for d in p.dates[:4]))
    r = solve(p, time_limit=5)
    assert r.status == "INFEASIBLE" and not r.assignments and r.objective is None


def test_cancel_stops_the_search() -> None:
    token = CancelToken()
    token.cancel()
    r = solve(small_problem(n_agents=6, days=14), time_limit=30, cancel=token)
    assert r.cancelled
    assert r.runtime < 30


def test_multi_skill_agent_counts_where_needed() -> None:
    grid = timeutil.interval_grid(START, 1, 60, "UTC")
    p = small_problem(n_agents=1, days=1, reqs=False)
    p = replace(p, agents=(Agent("A0", skills=("Q1", "Q2")),),
                requirements=tuple(Requirement(t, "Q2", 1) for t in grid if t.hour in (7, 8, 13))
                + tuple(Requirement(t, "Q1", 0) for t in grid))
    r = solve(p, time_limit=5)
    assert r.status == "OPTIMAL"
    cov = {(c.start.hour, c.queue): c.scheduled for c in r.coverage}
    assert all(cov[h, "Q2"] == 1 for h in (7, 8, 13))
    assert sum(r.under_minutes().values()) == 0


def test_fixed_activity_takes_the_agent_off_the_phone() -> None:
    grid = timeutil.interval_grid(START, 1, 60, "UTC")
    p = small_problem(n_agents=1, days=1, reqs=False)
    p = replace(p, agents=(Agent("A0", skills=("Q1",)),),
                requirements=tuple(Requirement(t, "Q1", 1) for t in grid if 7 <= t.hour < 14),
                activities=(FixedActivity("A0", at(0, 10), at(0, 11), "training"),))
    r = solve(p, time_limit=5)
    assert r.feasible
    cov = {c.start.hour: c.scheduled for c in r.coverage}
    assert cov[10] == 0
    (shift,) = r.assignments
    assert all(not (bs < at(0, 11) and at(0, 10) < be) for bs, be in shift.breaks)
    assert validate(p, roster_rows(r, p.timezone)) == []


def test_breaks_are_staggered_when_coverage_needs_it() -> None:
    grid = timeutil.interval_grid(START, 1, 60, "UTC")
    p = small_problem(n_agents=2, days=1, reqs=False)
    p = replace(p, agents=(Agent("A0", skills=("Q1",)), Agent("A1", skills=("Q1",))),
                requirements=tuple(Requirement(t, "Q1", 1 if 7 <= t.hour < 15 else 0) for t in grid)
                + tuple(Requirement(t, "Q1", 2) for t in grid if 15 <= t.hour < 6),
                weights=replace(p.weights, over_coverage=0))
    r = solve(p, time_limit=5)
    early = [s for s in r.assignments if s.shift_code == "E"]
    if len(early) == 2:  # both on the early shift: their lunches must differ
        assert early[0].breaks != early[1].breaks
    assert sum(r.under_minutes().values()) == 0


def test_supervisor_on_duty_around_the_clock() -> None:
    p = small_problem(n_agents=6, days=2, supervisors=6, reqs=False,
                      rules=Rules(supervisor_always_on_duty=True, min_rest_hours=8))
    # a 2-day horizon prorates the 40 h week to 11.4 h: lift it for this test
    p = replace(p, agents=tuple(replace(a, max_hours_week=100) for a in p.agents))
    # 00:00-06:00 of the first day is covered only by last night's shift: with a history
    # in which nobody works that night, no roster exists
    off_last_night = replace(p, previous=(Assignment("A5", START - timedelta(days=2), "E"),))
    assert solve(off_last_night, time_limit=5).status == "INFEASIBLE"
    p = replace(p, previous=(Assignment("A5", START - timedelta(days=1), "N"),))
    r = solve(p, time_limit=5)
    assert r.feasible
    assert validate(p, roster_rows(r, p.timezone)) == []
    p1 = replace(p, agents=p.agents[:2] + p.agents[5:])
    assert solve(p1, time_limit=5).status == "INFEASIBLE"


def test_previous_roster_rest_carries_over() -> None:
    p = small_problem(n_agents=1, days=1, reqs=False,
                      previous=(Assignment("A0", START - timedelta(days=1), "L"),),
                      preferences=())
    p = replace(p, pinned=(Assignment("A0", START, "E"),))
    assert solve(p, time_limit=5).status == "INFEASIBLE"  # 7 h rest only


def test_dst_day_uses_local_start_times() -> None:
    start = START.replace(day=28)  # 2026-03-29: clocks go forward in Madrid
    p = small_problem(n_agents=4, days=3, tz="Europe/Madrid", start=start)
    r = solve(p, time_limit=5)
    assert r.feasible
    assert validate(p, roster_rows(r, p.timezone)) == []
    for s in r.assignments:
        local = timeutil.to_local(s.start, p.timezone)
        assert (local.hour, local.minute) in {(6, 0), (14, 0), (22, 0)}
        assert s.end - s.start == timedelta(hours=9)


def test_lns_strategy_and_hint() -> None:
    p = small_problem(n_agents=6, days=14)
    first = solve(p, time_limit=3, strategy="cp-sat")
    hint = [Assignment(s.agent_id, s.date, s.shift_code) for s in first.assignments]
    r = solve(p, time_limit=6, strategy="lns", hint=hint, first_phase_share=0.3)
    assert r.feasible
    assert r.objective <= first.objective
    assert validate(p, roster_rows(r, p.timezone)) == []
