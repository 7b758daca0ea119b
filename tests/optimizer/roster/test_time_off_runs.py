"""A day of time off (leave, a sick day) is not a planned rest block: the minimum-run
rules exempt the run it belongs to or bounds, in the model and in the validator alike,
while a planned single day off between working days is still a violation."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model
from roster_factories import day, row, small_problem

from optimizer.roster.model import build_model
from optimizer.roster.problem import Assignment, Rules, TimeOff
from optimizer.roster.validator import validate

RUNS = Rules(min_rest_hours=0, max_consecutive_days=None, min_consecutive_days=None, min_consecutive_days_off=2,
             min_days_off_per_week=None, max_nights_in_row=None, max_weekends_per_window=None,
             supervisor_always_on_duty=False, weekly_hours=False)


def _problem(days: int = 7, rules: Rules = RUNS, time_off: tuple[int, ...] = ()):  # noqa: ANN202
    p = small_problem(1, days, reqs=False, rules=rules)
    return replace(p, time_off=tuple(TimeOff("A0", day(d)) for d in time_off))


def _rules_broken(p, worked: list[int]) -> set[str]:  # noqa: ANN001
    return {v.rule for v in validate(p, [row(p, "A0", day(d), "E") for d in worked])}


def _model_accepts(p, worked: list[int]) -> bool:  # noqa: ANN001
    """Whether the CP-SAT model admits exactly this roster (every x fixed)."""
    rv = build_model(p)
    for (_, d, code), var in rv.x.items():
        rv.model.add(var == int(code == "E" and d in worked))
    rv.model.clear_objective()
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    return solver.solve(rv.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)


def test_sick_day_between_working_days_is_not_a_short_rest_block() -> None:
    worked = [0, 1, 3, 4]  # day 2 is the only day not worked between working days
    planned = _problem()
    assert "min_consecutive_days_off" in _rules_broken(planned, worked)  # a real violation
    assert not _model_accepts(planned, worked)
    sick = _problem(time_off=(2,))
    assert _rules_broken(sick, worked) == set()
    assert _model_accepts(sick, worked)
    # the benchmark reading: time off is an ordinary day off
    benchmark = _problem(rules=replace(RUNS, time_off_is_rest=True), time_off=(2,))
    assert "min_consecutive_days_off" in _rules_broken(benchmark, worked)
    assert not _model_accepts(benchmark, worked)


def test_working_block_cut_by_leave_is_exempt_from_minimum_length() -> None:
    rules = replace(RUNS, min_consecutive_days=3, min_consecutive_days_off=None)
    worked = [0, 1, 2, 4, 5, 6]
    assert _rules_broken(_problem(rules=rules), [0, 1, 2, 4]) == {"min_consecutive_days"}  # day 4 alone
    assert _rules_broken(_problem(rules=rules, time_off=(3,)), [0, 1, 2, 4]) == set()  # cut by leave
    assert _model_accepts(_problem(rules=rules, time_off=(3,)), [0, 1, 2, 4])
    assert not _model_accepts(_problem(rules=rules), [0, 1, 2, 4])
    # leave elsewhere does not exempt a short block it neither holds nor bounds
    assert _rules_broken(_problem(rules=rules, time_off=(6,)), [0, 1, 2, 4]) == {"min_consecutive_days"}
    assert _rules_broken(_problem(rules=rules), worked) == set()


def test_days_off_block_holding_leave_next_to_planned_days_is_exempt() -> None:
    # worked 0-1, off 2 (planned) + 3 (leave): one block of two, fine either way; a
    # planned single day off elsewhere (day 5) is still caught
    p = _problem(time_off=(3,))
    assert _rules_broken(p, [0, 1, 4, 6]) == {"min_consecutive_days_off"}
    assert not _model_accepts(p, [0, 1, 4, 6])
    assert _rules_broken(p, [0, 1, 4, 5, 6]) == set()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.booleans(), min_size=5, max_size=10), st.data(), st.booleans(),
       st.sampled_from([(2, None), (None, 2), (3, 2)]))
def test_model_and_validator_agree_on_minimum_runs(pattern, data, is_rest, mins) -> None:  # noqa: ANN001
    """For any roster of one agent and any days of time off among its days off, the
    model admits the roster exactly when the validator finds no violation."""
    days = len(pattern)
    worked = [d for d, w in enumerate(pattern) if w]
    idle = [d for d, w in enumerate(pattern) if not w]
    leave = data.draw(st.lists(st.sampled_from(idle), unique=True) if idle else st.just([]))
    rules = replace(RUNS, min_consecutive_days=mins[0], min_consecutive_days_off=mins[1], time_off_is_rest=is_rest)
    p = _problem(days, rules, tuple(leave))
    assert _model_accepts(p, worked) == (_rules_broken(p, worked) == set())


def test_history_day_of_leave_is_not_credited_twice() -> None:
    """The previous roster's known days keep their meaning: a run inside the history is
    not judged, and time off in the horizon only exempts the runs it touches."""
    p = replace(_problem(time_off=(1,)), previous=(Assignment("A0", day(-1), "E"),))
    assert _rules_broken(p, [0, 2, 4, 5]) == {"min_consecutive_days_off"}  # day 3 alone
    assert _rules_broken(p, [0, 2, 3, 4]) == set()  # day 1 is leave
