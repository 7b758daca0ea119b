"""The forecasting façade: history in, per-queue interval forecast and accuracy report out.

``forecast(history, config)`` runs, per queue, a rolling-origin backtest of every
method on that queue's own history, keeps the most accurate one, refits it on the whole
history and forecasts the horizon; it adds P10/P90 bounds, an AHT forecast and the
backtest's accuracy (WAPE, MASE, bias, and the last fold's actual-vs-forecast series
for the web app's chart).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd

from optimizer.forecast.accuracy import BacktestResult, Metrics, backtest
from optimizer.forecast.calendar import CalendarConfig, day_flags
from optimizer.forecast.history import History
from optimizer.forecast.methods import METHODS, estimate_factors
from optimizer.forecast.panel import Panel, build_panel, future_grid
from optimizer.progress import NEVER_CANCELLED, Cancellable, Progress, ProgressCallback, no_progress
from optimizer.timeutil import interval_grid

MAX_HORIZON_DAYS = 56
OUTPUT_COLUMNS = ["timestamp", "queue", "volume", "aht_seconds", "volume_p10", "volume_p90"]
_Z90 = 1.2815515655446004  # standard normal 90 % quantile


@dataclass(frozen=True)
class ForecastConfig:
    """``methods``: candidates for the backtest (a single one skips the choice).
    ``default_aht_seconds``: used where a queue has no handle-time history.
    ``holiday_default``: volume multiplier of a public holiday when the history shows
    none to learn from (1.0 = no effect)."""

    horizon_days: int = 28
    calendar: CalendarConfig = field(default_factory=CalendarConfig)
    methods: tuple[str, ...] = ("seasonal_naive", "profile", "mstl", "ensemble")
    backtest_folds: int = 3
    default_aht_seconds: float = 300.0
    aht_weeks: int = 8
    holiday_default: float = 1.0

    def __post_init__(self) -> None:
        if not 1 <= self.horizon_days <= MAX_HORIZON_DAYS:
            raise ValueError(f"horizon_days must be 1..{MAX_HORIZON_DAYS}, got {self.horizon_days}")
        unknown = [m for m in self.methods if m not in METHODS]
        if unknown or not self.methods:
            raise ValueError(f"unknown method(s) {unknown}; choose from {sorted(METHODS)}")
        if self.default_aht_seconds <= 0:
            raise ValueError("default_aht_seconds must be > 0")


@dataclass(frozen=True)
class QueueAccuracy:
    """Backtest outcome for one queue: what was chosen, how every method did, and the
    last fold as plottable series (``timestamp``, ``actual``, ``forecast``)."""

    queue: str
    method: str
    metrics: dict[str, Metrics]
    last_fold: pd.DataFrame
    fit_seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "queue": self.queue,
            "method": self.method,
            "metrics": {m: v.to_dict() for m, v in self.metrics.items()},
            "fit_seconds": round(self.fit_seconds, 3),
            "last_fold": {
                "timestamp": [t.isoformat() for t in self.last_fold["timestamp"]],
                "actual": self.last_fold["actual"].round(3).tolist(),
                "forecast": self.last_fold["forecast"].round(3).tolist(),
            },
        }


@dataclass(frozen=True)
class ForecastResult:
    """``frame``: OUTPUT_COLUMNS, ``timestamp`` UTC-aware, one row per queue and interval."""

    frame: pd.DataFrame
    accuracy: dict[str, QueueAccuracy]
    interval_minutes: int
    tz: str

    def summary(self) -> dict[str, Any]:
        return {
            "interval_minutes": self.interval_minutes,
            "tz": self.tz,
            "rows": len(self.frame),
            "queues": {q: a.to_dict() | {"volume_total": float(self.frame.loc[self.frame["queue"] == q, "volume"].sum())} for q, a in self.accuracy.items()},
        }


def forecast(
    history: History,
    config: ForecastConfig = ForecastConfig(),
    *,
    progress: ProgressCallback = no_progress,
    cancel: Cancellable = NEVER_CANCELLED,
) -> ForecastResult:
    """Forecast every queue of ``history`` for ``config.horizon_days`` local days after it ends."""
    started = time.monotonic()
    frames: list[pd.DataFrame] = []
    accuracy: dict[str, QueueAccuracy] = {}
    queues = history.queues
    for i, queue in enumerate(queues):
        if cancel.is_cancelled():
            break
        t0 = time.monotonic()
        panel = build_panel(history.series(queue), queue, history.interval_minutes, history.tz, config.calendar)
        progress(Progress("forecast", f"queue {queue}: backtest", fraction=i / len(queues), elapsed=time.monotonic() - started))
        bt = backtest(panel, config.horizon_days, methods=config.methods, folds=config.backtest_folds,
                      holiday_default=config.holiday_default, cancel=cancel)
        frame = _forecast_queue(panel, bt, config, history.tz)
        frames.append(frame)
        accuracy[queue] = QueueAccuracy(queue, bt.chosen, bt.mean_metrics, _last_fold_series(panel, bt, history.tz), time.monotonic() - t0)
        progress(Progress("forecast", f"queue {queue}: {bt.chosen}", fraction=(i + 1) / len(queues), elapsed=time.monotonic() - started))
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=OUTPUT_COLUMNS)
    return ForecastResult(out, accuracy, history.interval_minutes, history.tz)


def _forecast_queue(panel: Panel, bt: BacktestResult, config: ForecastConfig, tz: str) -> pd.DataFrame:
    last_day = panel.start + timedelta(days=panel.days - 1)
    horizon = config.horizon_days
    future = day_flags([last_day + timedelta(days=k + 1) for k in range(horizon)], config.calendar)
    factors = estimate_factors(panel, config.holiday_default)
    volume = METHODS[bt.chosen](panel, future, horizon, factors)
    aht = aht_profile(panel, config.default_aht_seconds, config.aht_weeks)
    grid, d_idx, s_idx = future_grid(last_day, horizon, panel.interval_minutes, tz)
    wd = (last_day.weekday() + 1 + d_idx) % 7
    v = volume[d_idx, s_idx]
    sd = np.sqrt(v + (bt.overdispersion * v) ** 2)
    return pd.DataFrame(
        {
            "timestamp": grid,
            "queue": panel.queue,
            "volume": v,
            "aht_seconds": aht[wd, s_idx],
            "volume_p10": np.maximum(v - _Z90 * sd, 0.0),
            "volume_p90": v + _Z90 * sd,
        }
    )


def aht_profile(panel: Panel, default_aht: float, weeks: int = 8) -> np.ndarray:
    """Weekday x slot AHT: call-weighted mean over the last ``weeks`` weeks, falling back
    to the queue's weighted mean AHT, then to ``default_aht``.  Handle time varies by
    hour (complex calls cluster in business hours) far more than it trends."""
    first = max(0, panel.days - 7 * weeks)
    wd = panel.weekdays[first:]
    mass, weight = panel.aht_mass[first:], panel.aht_weight[first:]
    total_w = weight.sum()
    queue_aht = mass.sum() / total_w if total_w > 0 else default_aht
    out = np.full((7, panel.slots), queue_aht)
    for w in range(7):
        m, wt = mass[wd == w].sum(axis=0), weight[wd == w].sum(axis=0)
        # a few calls give a noisy mean: blend towards the queue mean with 10 calls' weight
        out[w] = (m + 10.0 * queue_aht) / (wt + 10.0)
    return out


def _last_fold_series(panel: Panel, bt: BacktestResult, tz: str) -> pd.DataFrame:
    if not bt.folds:
        return pd.DataFrame({"timestamp": pd.DatetimeIndex([], tz="UTC"), "actual": [], "forecast": []})
    fold = bt.folds[-1]
    origin_day = panel.start + timedelta(days=fold.origin_day)
    grid = pd.DatetimeIndex(interval_grid(origin_day, fold.days, panel.interval_minutes, tz))
    local = grid.tz_convert(tz)
    d_idx = ((local.tz_localize(None).normalize() - pd.Timestamp(origin_day)).days).to_numpy()
    s_idx = ((local.hour * 60 + local.minute) // panel.interval_minutes).to_numpy()
    actual = panel.volume[fold.origin_day + d_idx, s_idx]
    return pd.DataFrame({"timestamp": grid, "actual": actual, "forecast": fold.forecasts[bt.chosen][d_idx, s_idx]})


def daily_totals(result: ForecastResult) -> pd.DataFrame:
    """Per queue and local date: volume, P10/P90 (summed, a conservative band) and the
    call-weighted AHT."""
    return _aggregate(result, "D")


def weekly_totals(result: ForecastResult) -> pd.DataFrame:
    """Per queue and local week (starting Monday)."""
    return _aggregate(result, "W")


def _aggregate(result: ForecastResult, freq: str) -> pd.DataFrame:
    f = result.frame
    local = f["timestamp"].dt.tz_convert(result.tz).dt.tz_localize(None)
    key = local.dt.normalize() if freq == "D" else (local.dt.normalize() - pd.to_timedelta(local.dt.day_of_week, unit="D"))
    work = f.assign(period=key.dt.date, aht_mass=f["aht_seconds"] * f["volume"])
    agg = work.groupby(["queue", "period"], sort=True).agg(
        volume=("volume", "sum"), volume_p10=("volume_p10", "sum"), volume_p90=("volume_p90", "sum"), aht_mass=("aht_mass", "sum")
    ).reset_index()
    agg["aht_seconds"] = np.where(agg["volume"] > 0, agg["aht_mass"] / agg["volume"].where(agg["volume"] > 0, 1.0), np.nan)
    return agg.drop(columns="aht_mass")
