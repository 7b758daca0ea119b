"""Problem and solution data for shift design from interval demand.

The shift design problem (Musliu, Schaerf & Slany 2004; Di Gaspero et al. 2007): given a
cyclic weekly demand curve in slots and flexible shift templates, choose concrete shifts
(start, length) and, for each shift and weekday, how many employees start it, so as to
minimise shortage + excess + a cost per distinct shift (+ a duties-per-week term).
Plain data only; the model, the scorer and the parser each live in their own module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from optimizer.shiftdesign.flexible import MINUTES_PER_DAY, FlexibleTemplate, expand_all


@dataclass(frozen=True)
class DesignWeights:
    """Objective weights, in the units of the TU Wien files.

    ``under``/``over`` multiply shortage/excess in employee-minutes; ``per_shift`` is paid
    once per distinct shift used; ``duties_per_week`` multiplies the distance of the average
    number of duties per employee and week from ``[duties_low, duties_high]``.
    """

    under: int = 1
    over: int = 1
    per_shift: int = 0
    duties_per_week: int = 0


@dataclass(frozen=True)
class ShiftDesignInstance:
    """One shift design problem.

    ``requirements[t]`` is the number of employees needed in slot ``t`` (slot 0 = first day,
    00:00); ``len(requirements) == days * 1440 // slot_minutes``.  With ``cyclic`` the
    horizon wraps: a shift running past the end of the last day covers the first day's
    early slots (a weekly pattern repeats).  Without it, work past the horizon is lost.

    Optional caps (head-count planning, as in pyworkforce's schedulers; the TU Wien files
    have none): ``max_workers`` employees at most start one shift on one day,
    ``max_cover`` employees at most are at work in any slot (the seats of the floor).
    """

    name: str
    slot_minutes: int
    days: int
    cyclic: bool
    requirements: tuple[int, ...]
    templates: tuple[FlexibleTemplate, ...]
    weights: DesignWeights = field(default_factory=DesignWeights)
    duties_low: Fraction = Fraction(0)
    duties_high: Fraction = Fraction(7)
    hours_per_week: Fraction = Fraction(40)
    max_workers: int | None = None
    max_cover: int | None = None

    def __post_init__(self) -> None:
        if self.slot_minutes <= 0 or MINUTES_PER_DAY % self.slot_minutes:
            raise ValueError(f"slot length {self.slot_minutes} must divide 1440")
        expected = self.days * MINUTES_PER_DAY // self.slot_minutes
        if len(self.requirements) != expected:
            raise ValueError(
                f"requirements: expected {expected} slots ({self.days} days of "
                f"{self.slot_minutes} min), got {len(self.requirements)}"
            )
        if any(r < 0 for r in self.requirements):
            raise ValueError("requirements: negative demand")
        if self.hours_per_week <= 0:
            raise ValueError("hours_per_week must be positive")
        for cap in ("max_workers", "max_cover"):
            value = getattr(self, cap)
            if value is not None and value < 0:
                raise ValueError(f"{cap} must not be negative")

    @property
    def num_slots(self) -> int:
        return len(self.requirements)

    def candidates(self) -> list[tuple[int, int]]:
        """Concrete (start_minute, length) shifts the templates allow, each once."""
        return expand_all(list(self.templates))


@dataclass(frozen=True)
class DesignedShift:
    """A concrete shift and how many employees start it on each day of the cycle."""

    start_minute: int
    length_minutes: int
    workers: tuple[int, ...]

    @property
    def start_hhmm(self) -> str:
        return f"{self.start_minute // 60:02d}:{self.start_minute % 60:02d}"

    @property
    def used(self) -> bool:
        return any(w > 0 for w in self.workers)


@dataclass(frozen=True)
class DesignScore:
    """The objective of a set of shifts, split by criterion (computed by ``scoring``)."""

    shortage_minutes: int
    excess_minutes: int
    distinct_shifts: int
    duties: int
    work_minutes: int
    duties_violation: Fraction
    objective: Fraction

    @property
    def objective_value(self) -> int | float:
        """The objective as a plain number: an int when it is whole (the usual case)."""
        if self.objective.denominator == 1:
            return int(self.objective)
        return float(self.objective)
