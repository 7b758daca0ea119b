"""Calendar effects on daily volume: public holidays, user special days, month end, paydays.

Bank contact centers see their strongest non-seasonal swings on these days: a public
holiday closes the branches (volume drops or the center closes), salary days and the
last business day of the month bring balance and transfer calls, a campaign mailing
brings a known uplift.  Holidays come from the ``holidays`` package for the configured
country (and subdivision); the rest is configuration.
"""

from __future__ import annotations

import calendar as _cal
from dataclasses import dataclass, field
from datetime import date

import holidays as _holidays
import numpy as np
import pandas as pd


@dataclass(frozen=True)
class SpecialDay:
    """A user-entered day with a known effect: ``multiplier`` 1.3 = +30 % volume, 0 = closed."""

    day: date
    multiplier: float
    name: str = ""

    def __post_init__(self) -> None:
        if self.multiplier < 0:
            raise ValueError(f"special day {self.day}: multiplier must be >= 0, got {self.multiplier}")


@dataclass(frozen=True)
class CalendarConfig:
    """Where the site is and which days matter.

    ``country``/``subdivision``: ISO codes for the ``holidays`` package (None: no
    public holidays).  ``paydays``: days of the month salaries are paid (moved to the
    previous business day when they fall on a weekend or holiday);
    ``payday_last_business_day`` adds the last business day of each month.
    ``weekend``: weekday numbers (Monday = 0) that are not business days.
    """

    country: str | None = None
    subdivision: str | None = None
    special_days: tuple[SpecialDay, ...] = ()
    paydays: tuple[int, ...] = ()
    payday_last_business_day: bool = False
    weekend: tuple[int, ...] = (5, 6)

    def __post_init__(self) -> None:
        for d in self.paydays:
            if not 1 <= d <= 31:
                raise ValueError(f"payday must be a day of month 1..31, got {d}")


@dataclass(frozen=True)
class DayFlags:
    """Per-date calendar flags, aligned with ``dates``."""

    dates: list[date]
    holiday: np.ndarray
    month_end: np.ndarray
    payday: np.ndarray
    special: np.ndarray = field(repr=False)  # user multiplier, NaN when none

    @property
    def ordinary(self) -> np.ndarray:
        """Days with no flag at all: the ones a baseline level is estimated from."""
        return ~(self.holiday | self.month_end | self.payday | ~np.isnan(self.special))


def day_flags(dates: list[date], config: CalendarConfig) -> DayFlags:
    """Flags for ``dates`` (any order, any span)."""
    if not dates:
        empty = np.zeros(0, dtype=bool)
        return DayFlags([], empty, empty, empty, np.zeros(0))
    years = sorted({d.year for d in dates} | {min(dates).year - 1, max(dates).year + 1})
    public = (
        _holidays.country_holidays(config.country, subdiv=config.subdivision, years=years)
        if config.country
        else {}
    )

    def business(d: date) -> bool:
        return d.weekday() not in config.weekend and d not in public

    def previous_business(d: date) -> date:
        while not business(d):
            d = d - pd.Timedelta(days=1).to_pytimedelta()
        return d

    month_ends: set[date] = set()
    paydays: set[date] = set()
    for y in years:
        for m in range(1, 13):
            last = date(y, m, _cal.monthrange(y, m)[1])
            lbd = previous_business(last)
            month_ends.add(lbd)
            if config.payday_last_business_day:
                paydays.add(lbd)
            for dom in config.paydays:
                paydays.add(previous_business(date(y, m, min(dom, last.day))))
    special = {s.day: s.multiplier for s in config.special_days}
    return DayFlags(
        dates=list(dates),
        holiday=np.array([d in public for d in dates], dtype=bool),
        month_end=np.array([d in month_ends for d in dates], dtype=bool),
        payday=np.array([d in paydays for d in dates], dtype=bool),
        special=np.array([special.get(d, np.nan) for d in dates], dtype=float),
    )
