"""The one date-time helper module.

Rule of the project: instants are stored and computed as UTC-aware datetimes; a site's
local clock (and its daylight-saving changes) is applied only here.  A 24/7 roster crosses
DST changes, so a local day can have 23 or 25 hours: building interval grids from UTC
instants is what keeps an interval from being lost or counted twice.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

UTC = timezone.utc


def zone(tz: str | None) -> ZoneInfo:
    """ZoneInfo for an IANA name; None or '' means UTC."""
    return ZoneInfo(tz or "UTC")


def parse_hhmm(text: str) -> time:
    """Parse 'HH:MM' (00:00..23:59); raise ValueError naming the bad text."""
    try:
        hh, mm = text.strip().split(":")
        h, m = int(hh), int(mm)
    except (ValueError, AttributeError):
        raise ValueError(f"expected HH:MM, got {text!r}") from None
    if not (0 <= h <= 23 and 0 <= m <= 59):
        raise ValueError(f"expected HH:MM, got {text!r}")
    return time(h, m)


def to_utc(local: datetime, tz: str | None) -> datetime:
    """Local wall-clock time (naive) at the site -> UTC-aware instant.

    Ambiguous times (the repeated hour when clocks go back) take the first occurrence;
    non-existent times (the skipped hour when clocks go forward) are moved forward by
    the gap, as a wall clock would show them.
    """
    if local.tzinfo is not None:
        return local.astimezone(UTC)
    z = zone(tz)
    aware = local.replace(tzinfo=z, fold=0)
    utc = aware.astimezone(UTC)
    # A non-existent local time does not round-trip; move it past the gap.
    if utc.astimezone(z).replace(tzinfo=None) != local:
        utc = local.replace(tzinfo=z, fold=1).astimezone(UTC)
    return utc


def to_local(instant: datetime, tz: str | None) -> datetime:
    """UTC-aware (or naive = UTC) instant -> naive local wall-clock time at the site."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(zone(tz)).replace(tzinfo=None)


def local_day_bounds(day: date, tz: str | None) -> tuple[datetime, datetime]:
    """[start, end) of a local calendar day as UTC instants (23, 24 or 25 hours long)."""
    start = to_utc(datetime.combine(day, time()), tz)
    end = to_utc(datetime.combine(day + timedelta(days=1), time()), tz)
    return start, end


def interval_grid(start_day: date, days: int, interval_minutes: int, tz: str | None) -> list[datetime]:
    """UTC start instants of every interval of ``days`` local days from ``start_day``.

    Built by stepping in UTC from local midnight to local midnight, so a DST day has
    92 or 100 quarter-hours and no interval is duplicated or skipped.
    """
    if interval_minutes <= 0 or 1440 % interval_minutes:
        raise ValueError(f"interval_minutes must divide a day, got {interval_minutes}")
    start, _ = local_day_bounds(start_day, tz)
    _, end = local_day_bounds(start_day + timedelta(days=days - 1), tz)
    step = timedelta(minutes=interval_minutes)
    grid: list[datetime] = []
    t = start
    while t < end:
        grid.append(t)
        t += step
    return grid


def daterange(start: date, days: int) -> list[date]:
    return [start + timedelta(days=i) for i in range(days)]


def week_start(day: date, first_weekday: int = 0) -> date:
    """The first day of the week containing ``day``; first_weekday 0=Monday, 6=Sunday."""
    return day - timedelta(days=(day.weekday() - first_weekday) % 7)


def localize_naive_series(local: "pd.Series", tz: str | None, occurrence: "np.ndarray | None" = None) -> "pd.Series":
    """Vectorised ``to_utc`` for a column of naive local wall-clock times (pandas).

    Unlike ``to_utc`` it does not guess: a time in the repeated hour when clocks go back
    is the first occurrence when ``occurrence`` is 0 and the second when it is 1 (a
    history file lists the hour twice, in order), and a time inside the skipped hour
    when clocks go forward does not exist and comes back as NaT for the caller to
    report.  Returns UTC-aware timestamps.
    """
    import numpy as np
    import pandas as pd

    z = tz or "UTC"
    if occurrence is None:
        occurrence = np.zeros(len(local), dtype=int)
    first = np.asarray(occurrence) == 0
    # ambiguous=True means "the DST side", which is the first of the two wall-clock hours
    stamped = pd.DatetimeIndex(local).tz_localize(z, ambiguous=first, nonexistent="NaT")
    return pd.Series(stamped.tz_convert("UTC"), index=local.index)
