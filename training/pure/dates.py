"""Calendar arithmetic for certification validity and reminder thresholds."""

from __future__ import annotations

import calendar
from datetime import date, timedelta


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months, clamped to the month's last day
    (31 January + 1 month = 28/29 February), the way a validity period is read."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def certification_expiry(granted_on: date, validity_months: int | None) -> date | None:
    """Last valid day of a certification granted on ``granted_on``: the day before the
    anniversary (valid 12 months from 2026-03-15 means through 2027-03-14).  None when
    the course has no validity period."""
    if validity_months is None:
        return None
    if validity_months <= 0:
        raise ValueError("validity_months must be positive")
    return add_months(granted_on, validity_months) - timedelta(days=1)


def reminder_threshold(days_left: int, thresholds: tuple[int, ...]) -> int | None:
    """The smallest threshold (in days) that ``days_left`` has reached, or None.

    With thresholds (30, 7, 1): 25 days left -> 30, 3 days left -> 7.  A reminder is sent
    once per threshold, so an agent hears at 30, 7 and 1 day(s), not every day.
    """
    reached = [t for t in thresholds if 0 <= days_left <= t]
    return min(reached) if reached else None
