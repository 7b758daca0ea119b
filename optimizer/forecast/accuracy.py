"""Forecast accuracy: WAPE, MASE, bias, and the rolling-origin backtest that picks a method.

Metrics are computed over the open intervals of known days only: a closed night is
trivially right and would flatter every method.

* WAPE = sum |actual - forecast| / sum actual: the share of volume misplaced, what a
  planner feels in staffing; unlike MAPE it survives near-empty intervals.
* MASE = mean |error| / in-sample mean |y(t) - y(t - 1 week)|: below 1 beats the
  seasonal naive forecast's typical error.
* bias = sum (forecast - actual) / sum actual: positive means over-forecasting.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from optimizer.forecast.methods import METHODS, estimate_factors
from optimizer.forecast.calendar import DayFlags
from optimizer.forecast.panel import Panel, slice_flags
from optimizer.progress import NEVER_CANCELLED, Cancellable, Progress, ProgressCallback, no_progress


@dataclass(frozen=True)
class Metrics:
    wape: float
    mase: float
    bias: float

    def to_dict(self) -> dict[str, float]:
        return {"wape": self.wape, "mase": self.mase, "bias": self.bias}


def wape(actual: np.ndarray, forecast: np.ndarray) -> float:
    total = float(np.sum(actual))
    return float(np.sum(np.abs(actual - forecast)) / total) if total > 0 else float("nan")


def bias(actual: np.ndarray, forecast: np.ndarray) -> float:
    total = float(np.sum(actual))
    return float(np.sum(forecast - actual) / total) if total > 0 else float("nan")


def mase(actual: np.ndarray, forecast: np.ndarray, train: np.ndarray, season: int) -> float:
    """``train`` is the in-sample sequence the seasonal-naive scale is measured on."""
    if train.size <= season:
        return float("nan")
    scale = float(np.mean(np.abs(train[season:] - train[:-season])))
    return float(np.mean(np.abs(actual - forecast)) / scale) if scale > 0 else float("nan")


def evaluation_cells(panel: Panel, first_day: int, days: int) -> np.ndarray:
    """Mask (days x slots) of cells counted in the metrics: open slots of known days."""
    wd = panel.weekdays[first_day : first_day + days]
    known = panel.known[first_day : first_day + days]
    return panel.open_slots[wd] & known[:, None]


def panel_metrics(panel: Panel, origin: int, forecast: np.ndarray) -> Metrics:
    """Metrics of ``forecast`` (made at day ``origin``) against the panel's actuals."""
    days = forecast.shape[0]
    cells = evaluation_cells(panel, origin, days)
    actual = np.nan_to_num(panel.volume[origin : origin + days])[cells]
    fc = forecast[cells]
    train_cells = evaluation_cells(panel, 0, origin) & panel.known[:origin, None]
    train_full = np.where(train_cells, np.nan_to_num(panel.volume[:origin]), np.nan)
    # weekly-lag differences on the day x slot grid, so a missing day never pairs wrong weeks
    diffs = np.abs(train_full[7:] - train_full[:-7])
    diffs = diffs[~np.isnan(diffs)]
    scale = float(np.mean(diffs)) if diffs.size else float("nan")
    err = float(np.mean(np.abs(actual - fc))) if actual.size else float("nan")
    return Metrics(wape(actual, fc), err / scale if scale and scale > 0 else float("nan"), bias(actual, fc))


@dataclass(frozen=True)
class BacktestFold:
    origin_day: int
    days: int
    forecasts: dict[str, np.ndarray]
    metrics: dict[str, Metrics]


@dataclass(frozen=True)
class BacktestResult:
    """All folds; ``chosen`` has the lowest mean WAPE over them."""

    folds: list[BacktestFold]
    chosen: str
    mean_metrics: dict[str, Metrics] = field(default_factory=dict)
    #: relative spread of actuals around the chosen forecast beyond Poisson noise (P10/P90)
    overdispersion: float = 0.1


def fold_origins(n_days: int, horizon_days: int, folds: int, min_train_days: int = 14) -> tuple[list[int], int]:
    """Origins (first forecast day index) of up to ``folds`` folds, a week apart, the last
    one ending with the history; and the fold length in days (at most 28)."""
    fold_days = min(horizon_days, 28, max(0, n_days - min_train_days))
    if fold_days < 1:
        return [], 0
    last = n_days - fold_days
    origins = [last - 7 * k for k in range(folds) if last - 7 * k >= min_train_days]
    return sorted(origins), fold_days


def backtest(
    panel: Panel,
    horizon_days: int,
    *,
    methods: tuple[str, ...] = ("seasonal_naive", "profile", "mstl", "ensemble"),
    folds: int = 3,
    holiday_default: float = 1.0,
    progress: ProgressCallback = no_progress,
    cancel: Cancellable = NEVER_CANCELLED,
) -> BacktestResult:
    """Rolling-origin backtest on the panel's own history; picks the method by mean WAPE."""
    origins, fold_days = fold_origins(panel.days, horizon_days, folds)
    results: list[BacktestFold] = []
    for k, origin in enumerate(origins):
        if cancel.is_cancelled():
            break
        train = panel.head(origin)
        factors = estimate_factors(train, holiday_default)
        future = _future_flags(panel, origin, fold_days)
        fcs: dict[str, np.ndarray] = {}
        for name in methods:
            if name == "ensemble" and "profile" in fcs and "mstl" in fcs:
                fcs[name] = 0.5 * (fcs["profile"] + fcs["mstl"])
            else:
                fcs[name] = METHODS[name](train, future, fold_days, factors)
        metrics = {name: panel_metrics(panel, origin, fc) for name, fc in fcs.items()}
        results.append(BacktestFold(origin, fold_days, fcs, metrics))
        progress(Progress("backtest", f"queue {panel.queue}: fold {k + 1}/{len(origins)}", fraction=(k + 1) / len(origins)))
    if not results:
        fallback = "profile" if panel.days >= 7 else "seasonal_naive"
        return BacktestResult([], fallback if fallback in methods else methods[0])
    mean = {
        name: Metrics(*[float(np.nanmean([getattr(f.metrics[name], m) for f in results])) for m in ("wape", "mase", "bias")])
        for name in methods
    }
    chosen = min(methods, key=lambda n: (np.nan_to_num(mean[n].wape, nan=np.inf), methods.index(n)))
    return BacktestResult(results, chosen, mean, _overdispersion(panel, results, chosen))


def _future_flags(panel: Panel, origin: int, days: int) -> DayFlags:
    return slice_flags(panel.flags, origin, origin + days)


def _overdispersion(panel: Panel, folds: list[BacktestFold], method: str) -> float:
    """k in Var = f + (k f)^2, by moments of the backtest errors of the chosen method."""
    num, den = 0.0, 0.0
    for fold in folds:
        cells = evaluation_cells(panel, fold.origin_day, fold.days)
        a = np.nan_to_num(panel.volume[fold.origin_day : fold.origin_day + fold.days])[cells]
        f = fold.forecasts[method][cells]
        num += float(np.sum((a - f) ** 2 - f))
        den += float(np.sum(f**2))
    return float(np.sqrt(max(num, 0.0) / den)) if den > 0 else 0.1
