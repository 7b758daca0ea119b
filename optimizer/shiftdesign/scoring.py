"""Independent scorer: the objective of a set of shifts, recomputed from the shifts alone.

This is the executable specification of the objective and deliberately shares no code with
the CP-SAT model: it works minute by minute (the model works in slots), from the shifts'
start and length (the model from candidate indices), with exact fractions.  A benchmark
figure is the scorer's value, never the solver's own claim.

Objective (Musliu, Schaerf & Slany 2004; README section 2)::

    under * shortage + over * excess + per_shift * distinct shifts used
        + duties_per_week * distance of the average duties per employee and week
          from [duties_low, duties_high]

Shortage and excess are in employee-minutes.  The number of employees is not an input: as
in the literature it is derived from the work the shifts contain,
``employees = total work minutes / (60 * hours_per_week)``, so the average number of duties
per employee and week is ``duties / employees = 60 * hours_per_week * duties / work_minutes``
(equivalently: 60 * hours_per_week divided by the average shift length).
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction

from optimizer.shiftdesign.flexible import MINUTES_PER_DAY
from optimizer.shiftdesign.problem import DesignedShift, DesignScore, ShiftDesignInstance


def coverage_by_minute(instance: ShiftDesignInstance, shifts: Iterable[DesignedShift]) -> list[int]:
    """Employees at work in each minute of the cycle."""
    horizon = instance.days * MINUTES_PER_DAY
    delta = [0] * (horizon + 1)
    for shift in shifts:
        if len(shift.workers) != instance.days:
            raise ValueError(
                f"shift {shift.start_hhmm}: expected {instance.days} worker counts, got {len(shift.workers)}"
            )
        for day, count in enumerate(shift.workers):
            if count < 0:
                raise ValueError(f"shift {shift.start_hhmm}: negative worker count on day {day}")
            if count == 0:
                continue
            begin = day * MINUTES_PER_DAY + shift.start_minute
            end = begin + shift.length_minutes
            if begin >= horizon:  # only possible when not cyclic and start >= 24:00
                continue
            if end <= horizon:
                delta[begin] += count
                delta[end] -= count
            else:
                delta[begin] += count
                delta[horizon] -= count
                if instance.cyclic:  # the week wraps: the tail covers the first day
                    delta[0] += count
                    delta[min(end - horizon, horizon)] -= count
    cover, running = [], 0
    for minute in range(horizon):
        running += delta[minute]
        cover.append(running)
    return cover


def duties_violation(instance: ShiftDesignInstance, duties: int, work_minutes: int) -> Fraction:
    """Distance of the average duties per employee and week from the allowed range."""
    if duties == 0 or work_minutes == 0:
        return Fraction(0)  # no employees at all: there is no average to constrain
    # Duties and work are both counted over the cycle; the number of weeks cancels out.
    average = Fraction(60) * instance.hours_per_week * duties / work_minutes
    return max(Fraction(0), instance.duties_low - average, average - instance.duties_high)


def cap_violations(instance: ShiftDesignInstance, shifts: Iterable[DesignedShift]) -> list[str]:
    """The head-count caps a schedule breaks (``max_workers``, ``max_cover``), one line each.

    The caps are hard: a schedule with any violation is not a solution, whatever it scores.
    """
    shifts = list(shifts)
    out = []
    if instance.max_workers is not None:
        for shift in shifts:
            for day, count in enumerate(shift.workers):
                if count > instance.max_workers:
                    out.append(f"shift {shift.start_hhmm}/{shift.length_minutes} day {day}: "
                               f"{count} employees > max_workers {instance.max_workers}")
    if instance.max_cover is not None:
        for minute, have in enumerate(coverage_by_minute(instance, shifts)):
            if have > instance.max_cover:
                out.append(f"minute {minute}: {have} at work > max_cover {instance.max_cover}")
                break  # the first minute over the cap is enough to refuse the schedule
    return out


def score(instance: ShiftDesignInstance, shifts: Iterable[DesignedShift]) -> DesignScore:
    """Recompute every criterion of the objective from the shifts."""
    shifts = list(shifts)
    cover = coverage_by_minute(instance, shifts)
    slot = instance.slot_minutes
    shortage = excess = 0
    for minute, have in enumerate(cover):
        need = instance.requirements[minute // slot]
        if have < need:
            shortage += need - have
        else:
            excess += have - need
    distinct = len({(s.start_minute, s.length_minutes) for s in shifts if s.used})
    duties = sum(sum(s.workers) for s in shifts)
    work = sum(sum(s.workers) * s.length_minutes for s in shifts)
    violation = duties_violation(instance, duties, work)
    w = instance.weights
    objective = (
        w.under * shortage + w.over * excess + w.per_shift * distinct + w.duties_per_week * violation
    )
    return DesignScore(
        shortage_minutes=shortage,
        excess_minutes=excess,
        distinct_shifts=distinct,
        duties=duties,
        work_minutes=work,
        duties_violation=violation,
        objective=Fraction(objective),
    )
