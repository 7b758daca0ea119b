"""From a volume forecast to agents per interval: Erlang requirement, then shrinkage.

``agents_on_phone`` is what the queue needs (Erlang C or Erlang A for the target);
``agents_scheduled = ceil(on_phone / (1 - shrinkage))`` is what the roster must put on
shift, because part of every paid hour goes to breaks, training, meetings (planned
shrinkage) and absence (unplanned).  Shrinkage differs by queue and by period (more
training in quiet mornings, more absence on Mondays), so it is a list of rules.

The reverse, ``projected_service_level``, takes scheduled agents (a roster) and gives
the service level they deliver: the web app's staffing chart and the training-session
placement call it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from typing import Literal

import numpy as np
import pandas as pd

from optimizer.erlang import (
    QueueMetrics,
    StaffingTarget,
    erlang_a_agents,
    erlang_a_metrics,
    erlang_c_agents,
    erlang_c_metrics,
)

REQUIREMENT_COLUMNS = [
    "timestamp", "queue", "volume", "aht_seconds", "agents_on_phone", "agents_scheduled",
    "service_level", "asa_seconds", "occupancy",
]
Model = Literal["erlang-c", "erlang-a"]


@dataclass(frozen=True)
class ShrinkageRule:
    """Shrinkage for matching intervals: ``queue`` None = any queue, ``weekdays`` empty =
    any day (Monday = 0), ``start``/``end`` a local time-of-day window (None = all day).
    ``planned`` (breaks, training, meetings) and ``unplanned`` (absence) add up."""

    planned: float = 0.0
    unplanned: float = 0.0
    queue: str | None = None
    weekdays: tuple[int, ...] = ()
    start: time | None = None
    end: time | None = None

    def __post_init__(self) -> None:
        if self.planned < 0 or self.unplanned < 0 or self.total >= 1.0:
            raise ValueError(f"shrinkage must be >= 0 and planned + unplanned < 1, got {self.planned} + {self.unplanned}")

    @property
    def total(self) -> float:
        return self.planned + self.unplanned


@dataclass(frozen=True)
class ShrinkagePlan:
    """A default and rules; the last matching rule wins (put specific rules last)."""

    default: ShrinkageRule = field(default_factory=ShrinkageRule)
    rules: tuple[ShrinkageRule, ...] = ()

    @classmethod
    def flat(cls, shrinkage: float) -> "ShrinkagePlan":
        return cls(ShrinkageRule(planned=shrinkage))

    def for_intervals(self, queues: np.ndarray, local: pd.DatetimeIndex) -> np.ndarray:
        """Total shrinkage of each interval (``local`` = naive local start times)."""
        out = np.full(len(queues), self.default.total)
        minutes = np.asarray(local.hour * 60 + local.minute)
        weekday = np.asarray(local.day_of_week)
        for rule in self.rules:
            m = np.ones(len(queues), dtype=bool)
            if rule.queue is not None:
                m &= queues == rule.queue
            if rule.weekdays:
                m &= np.isin(weekday, rule.weekdays)
            if rule.start is not None:
                m &= minutes >= rule.start.hour * 60 + rule.start.minute
            if rule.end is not None:
                m &= minutes < rule.end.hour * 60 + rule.end.minute
            out[m] = rule.total
        return out


@dataclass(frozen=True)
class StaffingConfig:
    """How to staff: the target, the queue model, and shrinkage.  ``patience_seconds`` is
    the callers' mean patience (Erlang A only); ``tz`` places shrinkage windows."""

    target: StaffingTarget = field(default_factory=StaffingTarget)
    model: Model = "erlang-c"
    patience_seconds: float = 120.0
    shrinkage: ShrinkagePlan = field(default_factory=ShrinkagePlan)
    tz: str = "UTC"

    def __post_init__(self) -> None:
        if self.model not in ("erlang-c", "erlang-a"):
            raise ValueError(f"model must be erlang-c or erlang-a, got {self.model!r}")
        if self.patience_seconds <= 0:
            raise ValueError("patience_seconds must be > 0")


def interval_seconds_of(frame: pd.DataFrame) -> float:
    """Interval length from the spacing of each queue's timestamps (smallest step)."""
    steps = frame.sort_values(["queue", "timestamp"]).groupby("queue")["timestamp"].diff().dropna()
    steps = steps[steps > pd.Timedelta(0)]
    if steps.empty:
        raise ValueError("cannot infer the interval length: need two intervals of one queue")
    return float(steps.min().total_seconds())


def _metrics(config: StaffingConfig, vol: np.ndarray, aht: np.ndarray, agents: np.ndarray, interval_s: float) -> QueueMetrics:
    t = config.target.target_seconds
    if config.model == "erlang-a":
        return erlang_a_metrics(vol, aht, agents, interval_s, t, config.patience_seconds)
    return erlang_c_metrics(vol, aht, agents, interval_s, t)


def requirements(forecast: pd.DataFrame, config: StaffingConfig, interval_seconds: float | None = None) -> pd.DataFrame:
    """REQUIREMENT_COLUMNS for each row of a forecast (``timestamp`` UTC-aware, ``queue``,
    ``volume``, ``aht_seconds``).  Zero volume needs zero agents."""
    frame = forecast.reset_index(drop=True)
    interval_s = interval_seconds or interval_seconds_of(frame)
    vol = frame["volume"].to_numpy(dtype=float)
    aht = frame["aht_seconds"].to_numpy(dtype=float)
    if config.model == "erlang-a":
        on_phone = erlang_a_agents(vol, aht, interval_s, config.target, config.patience_seconds)
    else:
        on_phone = erlang_c_agents(vol, aht, interval_s, config.target)
    m = _metrics(config, vol, aht, on_phone, interval_s)
    local = pd.DatetimeIndex(frame["timestamp"]).tz_convert(config.tz).tz_localize(None)
    shrink = config.shrinkage.for_intervals(frame["queue"].to_numpy(), local)
    # round before ceil so 10 / (1 - 0.2) = 12.5000000001 does not become 13
    scheduled = np.ceil(np.round(on_phone / (1.0 - shrink), 9)).astype(np.int64)
    return pd.DataFrame(
        {
            "timestamp": frame["timestamp"],
            "queue": frame["queue"],
            "volume": vol,
            "aht_seconds": aht,
            "agents_on_phone": on_phone,
            "agents_scheduled": scheduled,
            "service_level": m.service_level,
            "asa_seconds": m.asa_seconds,
            "occupancy": m.occupancy,
        }
    )[REQUIREMENT_COLUMNS]


def projected_service_level(
    forecast: pd.DataFrame, scheduled_agents: np.ndarray, config: StaffingConfig, interval_seconds: float | None = None
) -> pd.DataFrame:
    """Service level, ASA, occupancy (and abandonment) delivered by ``scheduled_agents``
    per forecast row, after shrinkage (``on_phone = floor(scheduled x (1 - shrinkage))``)."""
    frame = forecast.reset_index(drop=True)
    interval_s = interval_seconds or interval_seconds_of(frame)
    scheduled = np.asarray(scheduled_agents, dtype=float)
    if scheduled.shape != (len(frame),):
        raise ValueError(f"scheduled_agents has {scheduled.shape} values for {len(frame)} forecast rows")
    local = pd.DatetimeIndex(frame["timestamp"]).tz_convert(config.tz).tz_localize(None)
    shrink = config.shrinkage.for_intervals(frame["queue"].to_numpy(), local)
    on_phone = np.floor(np.round(scheduled * (1.0 - shrink), 9))
    vol = frame["volume"].to_numpy(dtype=float)
    aht = frame["aht_seconds"].to_numpy(dtype=float)
    m = _metrics(config, vol, aht, on_phone, interval_s)
    return pd.DataFrame(
        {
            "timestamp": frame["timestamp"],
            "queue": frame["queue"],
            "agents_scheduled": scheduled.astype(np.int64),
            "agents_on_phone": on_phone.astype(np.int64),
            "service_level": m.service_level,
            "asa_seconds": m.asa_seconds,
            "occupancy": m.occupancy,
            "abandon_rate": m.p_abandon,
        }
    )
