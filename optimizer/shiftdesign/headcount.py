"""Head counts per day and shift against an interval demand curve (pyworkforce's problem).

A planner who already has a set of shifts asks: how many agents on each shift on each
day, so that the agents at work follow the demand curve?  That is the shift-design
problem with the shifts given (one fixed template per shift), no cost per distinct shift,
no duties term, a horizon of days that does not wrap, and two head-count caps.  So this
module only states the problem in the form planners and pyworkforce use (a 0/1 coverage
row per shift over the periods of a day, a ``days x periods`` requirement matrix) and
converts it to a ``ShiftDesignInstance``; ``optimizer.shiftdesign.solve`` solves it (for
such instances one LP solve, which proves optimality: see ``model.build_model``).

A coverage row must be one run of ones: a shift is an interval of the day here.  Rows
with a gap (a break at a fixed place) are refused with the shift named.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from optimizer.shiftdesign.flexible import MINUTES_PER_DAY, FlexibleTemplate
from optimizer.shiftdesign.problem import DesignedShift, DesignWeights, ShiftDesignInstance


@dataclass(frozen=True)
class HeadcountProblem:
    """Demand ``required[day][period]``; ``shifts[name][period]`` is 1 where the shift works.

    ``max_period_concurrency``: agents at work in one period at most; ``max_shift_concurrency``:
    agents on one shift on one day at most (pyworkforce's names).
    """

    periods: int
    shifts: Mapping[str, Sequence[int]]
    required: Sequence[Sequence[int]]
    max_period_concurrency: int
    max_shift_concurrency: int

    @property
    def days(self) -> int:
        return len(self.required)

    @property
    def period_minutes(self) -> int:
        return MINUTES_PER_DAY // self.periods


def shift_interval(name: str, row: Sequence[int], period_minutes: int) -> tuple[int, int]:
    """``(start_minute, length_minutes)`` of a coverage row; ``ValueError`` unless it is one run of ones."""
    if any(v not in (0, 1) for v in row):
        raise ValueError(f"shift {name!r}: coverage values must be 0 or 1")
    on = [p for p, v in enumerate(row) if v]
    if not on:
        raise ValueError(f"shift {name!r}: covers no period")
    if on[-1] - on[0] + 1 != len(on):
        raise ValueError(f"shift {name!r}: coverage has a gap; only one interval per shift is supported")
    return on[0] * period_minutes, len(on) * period_minutes


def to_instance(
    problem: HeadcountProblem, *, under: int = 1, over: int = 1, name: str = "headcount"
) -> tuple[ShiftDesignInstance, dict[tuple[int, int], str]]:
    """The shift-design instance of ``problem`` and the shift name of each ``(start, length)``.

    ``under``/``over`` weigh a missing and a surplus agent per minute; 1/1 is pyworkforce's
    ``MinAbsDifference`` objective (in agent-minutes rather than agent-periods).  Two names
    with the same coverage row are one shift; the first name is kept.
    """
    if problem.periods <= 0 or MINUTES_PER_DAY % problem.periods:
        raise ValueError(f"{problem.periods} periods do not divide a day")
    for day, row in enumerate(problem.required):
        if len(row) != problem.periods:
            raise ValueError(f"required day {day}: expected {problem.periods} periods, got {len(row)}")
    names: dict[tuple[int, int], str] = {}
    for shift, row in problem.shifts.items():
        if len(row) != problem.periods:
            raise ValueError(f"shift {shift!r}: expected {problem.periods} periods, got {len(row)}")
        names.setdefault(shift_interval(shift, row, problem.period_minutes), shift)
    instance = ShiftDesignInstance(
        name=name,
        slot_minutes=problem.period_minutes,
        days=problem.days,
        cyclic=False,  # pyworkforce's days are separate: nothing wraps
        requirements=tuple(v for row in problem.required for v in row),
        templates=tuple(FlexibleTemplate.fixed(n, start, length) for (start, length), n in names.items()),
        weights=DesignWeights(under=under, over=over, per_shift=0, duties_per_week=0),
        max_workers=problem.max_shift_concurrency,
        max_cover=problem.max_period_concurrency,
    )
    return instance, names


def plan(shifts: Sequence[DesignedShift], names: Mapping[tuple[int, int], str]) -> dict[tuple[int, str], int]:
    """Agents per ``(day, shift name)`` of a designed schedule (zeros left out)."""
    out: dict[tuple[int, str], int] = {}
    for shift in shifts:
        name = names[(shift.start_minute, shift.length_minutes)]
        for day, count in enumerate(shift.workers):
            if count:
                out[(day, name)] = out.get((day, name), 0) + count
    return out
