"""A queue's history as a (local day x interval-of-day) matrix, and back to UTC instants.

Call volume repeats by local day and time of day, so every method works on this
matrix.  The mapping goes through the site's wall clock: on the day clocks go back the
two UTC intervals of the repeated hour share one cell (their mean), on the day clocks
go forward the skipped cell stays empty; the forecast is mapped back onto a DST-safe
UTC grid from ``timeutil.interval_grid``, so no interval is lost or doubled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from optimizer.forecast.calendar import CalendarConfig, DayFlags, day_flags
from optimizer.timeutil import interval_grid


@dataclass(frozen=True)
class Panel:
    """One queue's history.  ``volume[d, s]`` is NaN on unknown days (no data, not a
    holiday); ``open_slots[w, s]`` says whether weekday w, slot s ever has volume
    recently (closed periods are forecast as zero)."""

    queue: str
    start: date
    volume: np.ndarray
    aht_mass: np.ndarray
    aht_weight: np.ndarray
    flags: DayFlags
    open_slots: np.ndarray
    interval_minutes: int

    @property
    def days(self) -> int:
        return self.volume.shape[0]

    @property
    def slots(self) -> int:
        return self.volume.shape[1]

    @property
    def weekdays(self) -> np.ndarray:
        return (self.start.weekday() + np.arange(self.days)) % 7

    @property
    def known(self) -> np.ndarray:
        return ~np.isnan(self.volume).all(axis=1)

    def head(self, days: int) -> "Panel":
        """The first ``days`` days, as if history ended there (a backtest origin)."""
        return Panel(
            self.queue,
            self.start,
            self.volume[:days],
            self.aht_mass[:days],
            self.aht_weight[:days],
            slice_flags(self.flags, 0, days),
            open_slot_mask(self.volume[:days], self.start),
            self.interval_minutes,
        )


def slice_flags(f: DayFlags, a: int, b: int) -> DayFlags:
    return DayFlags(f.dates[a:b], f.holiday[a:b], f.month_end[a:b], f.payday[a:b], f.special[a:b])


def open_slot_mask(volume: np.ndarray, start: date, weeks: int = 8) -> np.ndarray:
    """Weekday x slot cells with any volume in the last ``weeks`` weeks of known days."""
    days = volume.shape[0]
    recent = slice(max(0, days - 7 * weeks), days)
    wd = ((start.weekday() + np.arange(days)) % 7)[recent]
    vol = np.nan_to_num(volume[recent], nan=0.0)
    mask = np.zeros((7, volume.shape[1]), dtype=bool)
    for w in range(7):
        rows = vol[wd == w]
        if rows.size:
            mask[w] = rows.sum(axis=0) > 0
    return mask


def build_panel(frame: pd.DataFrame, queue: str, interval_minutes: int, tz: str, calendar: CalendarConfig) -> Panel:
    """Matrix form of one queue's rows (``interval_start`` UTC, ``offered``, AHT columns)."""
    local = frame["interval_start"].dt.tz_convert(tz)
    day = local.dt.date.to_numpy()
    start, end = min(day), max(day)
    n_days = (end - start).days + 1
    slots = 1440 // interval_minutes
    d_idx = np.array([(d - start).days for d in day])
    s_idx = ((local.dt.hour * 60 + local.dt.minute) // interval_minutes).to_numpy()
    vol_sum = np.zeros((n_days, slots))
    count = np.zeros((n_days, slots))
    np.add.at(vol_sum, (d_idx, s_idx), frame["offered"].to_numpy(dtype=float))
    np.add.at(count, (d_idx, s_idx), 1.0)
    aht = frame["aht_seconds"].to_numpy(dtype=float)
    weight = np.where(np.isnan(aht), 0.0, frame["aht_weight"].to_numpy(dtype=float))
    mass = np.zeros((n_days, slots))
    wsum = np.zeros((n_days, slots))
    np.add.at(mass, (d_idx, s_idx), np.nan_to_num(aht) * weight)
    np.add.at(wsum, (d_idx, s_idx), weight)

    volume = np.where(count > 0, vol_sum / np.maximum(count, 1), 0.0)
    dates = [start + timedelta(days=i) for i in range(n_days)]
    flags = day_flags(dates, calendar)
    # A day without any row: a holiday is a closed day (zero); any other day is unknown.
    empty_day = count.sum(axis=1) == 0
    volume[empty_day & ~flags.holiday] = np.nan
    volume[outage_days(volume, start, flags)] = np.nan
    return Panel(queue, start, volume, mass, wsum, flags, open_slot_mask(volume, start), interval_minutes)


#: a day below this share of its weekday's usual total (and not a holiday) is an outage
OUTAGE_RATIO = 0.2
#: ... provided the usual total is large enough for that to be more than Poisson noise
OUTAGE_MIN_EXPECTED = 10.0


def outage_days(volume: np.ndarray, start: date, flags: DayFlags, weeks: int = 4) -> np.ndarray:
    """Days recorded with (almost) no volume although their weekday is normally busy and
    no holiday or special day explains it: a recording or telephony outage (the Technion
    January 1999 file has a Monday and Tuesday with 1 and 0 calls between weeks of about
    1,600).  They are unknown demand, not zero demand: kept as zeros they drag every
    weekday level and seasonal naive down and reward forecasting an outage.

    The usual total is the median of the same weekday within ``weeks`` weeks either side
    (excluding flagged days); a real closure belongs in the holiday calendar or as a
    special day with multiplier 0, which this test leaves alone."""
    days = volume.shape[0]
    totals = np.nansum(volume, axis=1)
    known = ~np.isnan(volume).all(axis=1)
    weekday = (start.weekday() + np.arange(days)) % 7
    candidate = known & ~flags.holiday & np.isnan(flags.special)
    out = np.zeros(days, dtype=bool)
    for d in np.flatnonzero(candidate):
        lo, hi = max(0, d - 7 * weeks), min(days, d + 7 * weeks + 1)
        near = [i for i in range(lo, hi) if i != d and weekday[i] == weekday[d] and candidate[i]]
        if not near:
            continue
        usual = float(np.median(totals[near]))
        out[d] = usual >= OUTAGE_MIN_EXPECTED and totals[d] < OUTAGE_RATIO * usual
    return out


def future_grid(last_day: date, horizon_days: int, interval_minutes: int, tz: str) -> tuple[pd.DatetimeIndex, np.ndarray, np.ndarray]:
    """UTC starts of every interval of the ``horizon_days`` local days after ``last_day``,
    with each interval's (day index, slot index) in the forecast matrix."""
    grid = pd.DatetimeIndex(interval_grid(last_day + timedelta(days=1), horizon_days, interval_minutes, tz))
    local = grid.tz_convert(tz)
    first = pd.Timestamp(last_day + timedelta(days=1))
    d_idx = ((local.tz_localize(None).normalize() - first).days).to_numpy()
    s_idx = ((local.hour * 60 + local.minute) // interval_minutes).to_numpy()
    return grid, d_idx, s_idx
