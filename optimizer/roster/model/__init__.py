"""The CP-SAT roster model: one function per constraint family, applied in order.

``HARD_FAMILIES`` and ``SOFT_FAMILIES`` are data so that a later stage (infeasibility
explanation, repair) can switch a family off, or rebuild it with penalties, by name.
"""

from __future__ import annotations

from typing import Callable

from optimizer.roster.model import coverage, daily, hours, objective, rest, sequences
from optimizer.roster.model.timeline import Timeline
from optimizer.roster.model.variables import RosterVars, SoftTerm, create_vars
from optimizer.roster.problem import Problem

Family = Callable[[RosterVars], None]

HARD_FAMILIES: dict[str, Family] = {
    "time_off": daily.add_time_off,
    "night_eligibility": daily.add_night_eligibility,
    "max_shifts_per_template": daily.add_max_shifts_per_template,
    "pinned": daily.add_pinned,
    "fixed_activities": daily.add_fixed_activities,
    "rest_and_rotation": rest.add_rest_and_rotation,
    "consecutive_days": sequences.add_consecutive_days,
    "consecutive_days_off": sequences.add_consecutive_days_off,
    "nights_in_row": sequences.add_nights_in_row,
    "days_off_per_week": sequences.add_days_off_per_week,
    "weekends": sequences.add_weekends,
    "weekly_hours": hours.add_weekly_hours,
    "total_minutes": hours.add_total_minutes,
}

SOFT_FAMILIES: dict[str, Family] = {
    "shift_demands": coverage.add_shift_demands,
    "preferences": objective.add_preferences,
    "fairness": objective.add_fairness,
    "stability": objective.add_stability,
}


def _call(name: str, family: Family, rv: RosterVars) -> None:
    family(rv)


def build_model(problem: Problem, *, skip: frozenset[str] = frozenset(),
                around: Callable[[str, Family, RosterVars], None] | None = None) -> RosterVars:
    """Build variables, hard families (minus ``skip``), coverage and the objective.

    ``around(name, family, rv)``, when given, is called instead of ``family(rv)`` for
    each hard family (and ``supervisor_on_duty``): ``optimizer.roster.explain`` uses it
    to see which constraints each family posts and make them relaxable."""
    call = around or _call
    rv = create_vars(problem, Timeline(problem))
    for name, family in HARD_FAMILIES.items():
        if name not in skip:
            call(name, family, rv)
    if coverage.needs_units(rv):
        coverage.add_break_units(rv)
        coverage.build_on_phone(rv)
        if "supervisor_on_duty" not in skip:
            call("supervisor_on_duty", coverage.add_supervisor_on_duty, rv)
        coverage.add_queue_coverage(rv)
    for name, family in SOFT_FAMILIES.items():
        if name not in skip:
            family(rv)
    if rv.soft:
        rv.model.minimize(sum(t.weight * t.var for t in rv.soft))
    return rv


__all__ = ["HARD_FAMILIES", "SOFT_FAMILIES", "RosterVars", "SoftTerm", "Timeline", "build_model"]
