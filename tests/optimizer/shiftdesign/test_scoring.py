"""The independent scorer: planted solutions score exactly the value in their file, and the
criteria (wrap-around, shortage, excess, distinct shifts, duties per week) are counted right."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from optimizer.shiftdesign.flexible import FlexibleTemplate
from optimizer.shiftdesign.problem import DesignedShift, DesignWeights, ShiftDesignInstance
from optimizer.shiftdesign.scoring import coverage_by_minute, score
from optimizer.shiftdesign.tuwien import read_instance
from tests.optimizer.shiftdesign.tuwien_files import ALL_INSTANCES, needs_data, planted_solution


@needs_data
@pytest.mark.parametrize("path", ALL_INSTANCES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_planted_solution_scores_the_value_written_in_the_file(path: Path) -> None:
    """Test-only use of the planted block: the scorer's convention (employee-minutes, weight
    per distinct shift, duties term) reproduces the generator's value on all 40 files."""
    value, shifts = planted_solution(path)
    instance = read_instance(path)
    result = score(instance, shifts)
    assert result.objective == value
    assert result.shortage_minutes == result.excess_minutes == 0
    assert result.distinct_shifts == len([s for s in shifts if s.used])  # some planted rows are all zero
    allowed = set(instance.candidates())
    assert all((s.start_minute, s.length_minutes) in allowed for s in shifts)


def _instance(requirements, *, slot=60, days=7, cyclic=True, weights=DesignWeights(1, 1, 60, 0), **kw):
    return ShiftDesignInstance(
        name="t", slot_minutes=slot, days=days, cyclic=cyclic, requirements=tuple(requirements),
        templates=(FlexibleTemplate.fixed("any", 0, 60),), weights=weights, **kw)


def test_shift_past_the_last_midnight_wraps_only_when_cyclic() -> None:
    night = DesignedShift(22 * 60, 8 * 60, (0, 0, 0, 0, 0, 0, 1))  # Sunday 22:00 - Monday 06:00
    cyclic = coverage_by_minute(_instance([0] * 168), [night])
    assert cyclic[0] == cyclic[6 * 60 - 1] == 1 and cyclic[6 * 60] == 0
    assert cyclic[-1] == cyclic[-120] == 1 and cyclic[-121] == 0
    flat = coverage_by_minute(_instance([0] * 168, cyclic=False), [night])
    assert flat[0] == 0 and sum(flat) == 120


def test_shortage_excess_and_distinct_shifts_in_employee_minutes() -> None:
    demand = [0] * 24
    demand[8:16] = [2] * 8
    inst = _instance(demand, days=1)
    # one 09:00-17:00 shift with 2 people: 08:00 short by 2 (120 min), 16:00 over by 2 (120 min)
    result = score(inst, [DesignedShift(9 * 60, 480, (2,))])
    assert (result.shortage_minutes, result.excess_minutes, result.distinct_shifts) == (120, 120, 1)
    assert result.objective == 120 + 120 + 60
    # an unused shift (all zero) is not a distinct shift
    assert score(inst, [DesignedShift(8 * 60, 480, (2,)), DesignedShift(0, 480, (0,))]).objective == 60


def test_duties_per_week_from_derived_number_of_employees() -> None:
    """avg duties = 60 * H * duties / work: 5 duties of 420 min at H=38.5 -> 5.5 per week."""
    inst = _instance([0] * 168, weights=DesignWeights(0, 0, 0, 1000),
                     duties_low=Fraction(3), duties_high=Fraction(5), hours_per_week=Fraction(77, 2))
    short = score(inst, [DesignedShift(480, 420, (1, 1, 1, 1, 1, 0, 0))])
    assert short.duties_violation == Fraction(1, 2)
    assert short.objective == 500
    inside = score(inst, [DesignedShift(480, 480, (1, 1, 1, 1, 1, 0, 0))])  # 4.8125: inside [3, 5]
    assert inside.duties_violation == 0 and inside.objective == 0
    long = score(inst, [DesignedShift(480, 540, (1,) * 7)])
    assert long.duties_violation == 0
    assert score(inst, []).objective == 0
