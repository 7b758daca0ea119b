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

import warnings
from dataclasses import dataclass, field

import numpy as np

from optimizer.forecast.methods import METHODS, estimate_factors, mstl_applicable
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
    one ending with the history; and the fold length in days (at most 28).

    A short history (less than ``min_train_days`` plus a week) still gets one fold of a
    whole week, trained on what precedes it (at least a week): a fold of two or three
    days would judge the methods on a weekend alone.
    """
    fold_days = min(horizon_days, 28, max(0, n_days - min_train_days))
    if fold_days < min(7, horizon_days):
        fold_days = min(horizon_days, 7, max(0, n_days - 7))
        min_train_days = n_days - fold_days
    if fold_days < 1:
        return [], 0
    last = n_days - fold_days
    origins = [last - 7 * k for k in range(folds) if last - 7 * k >= min_train_days]
    return sorted(origins), fold_days


#: a method whose mean WAPE over the folds so far is this many times the best one's is
#: not run on the remaining (older) folds: it cannot plausibly win, and MSTL is the cost
DOMINATED_RATIO = 1.25


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
    """Rolling-origin backtest on the panel's own history; picks the method by mean WAPE.

    Folds run from the most recent origin backwards, and a method clearly beaten on the
    folds so far (``DOMINATED_RATIO``) is dropped from the older ones: the expensive MSTL
    fit is skipped where the cheap profile already wins by a wide margin (a fold is up to
    28 days of intervals, thousands of cells: a 25 % gap there is not noise), and the
    choice among the close contenders still rests on every fold.  MSTL (and the ensemble built
    on it) is not a candidate when the history is too short for it.
    """
    origins, fold_days = fold_origins(panel.days, horizon_days, folds)
    if origins and not mstl_applicable(panel.head(origins[0])):
        methods = tuple(m for m in methods if m not in ("mstl", "ensemble")) or methods
    active = list(methods)
    results: list[BacktestFold] = []
    for k, origin in enumerate(reversed(origins)):
        if cancel.is_cancelled():
            break
        train = panel.head(origin)
        factors = estimate_factors(train, holiday_default)
        future = _future_flags(panel, origin, fold_days)
        fcs: dict[str, np.ndarray] = {}
        for name in active:
            if name == "ensemble":
                parts = [fcs.get(m) if m in fcs else METHODS[m](train, future, fold_days, factors) for m in ("profile", "mstl")]
                fcs[name] = 0.5 * (parts[0] + parts[1])
            else:
                fcs[name] = METHODS[name](train, future, fold_days, factors)
        metrics = {name: panel_metrics(panel, origin, fc) for name, fc in fcs.items()}
        results.insert(0, BacktestFold(origin, fold_days, fcs, metrics))
        progress(Progress("backtest", f"queue {panel.queue}: fold {k + 1}/{len(origins)}", fraction=(k + 1) / len(origins)))
        active = _undominated(active, results)
    if not results:
        fallback = "profile" if panel.days >= 7 else "seasonal_naive"
        return BacktestResult([], fallback if fallback in methods else methods[0])
    mean = {name: _mean_metrics(results, name) for name in methods if name in results[-1].metrics}
    # only methods that ran on every fold compete (a dropped one was clearly beaten)
    contenders = [n for n in methods if all(n in f.metrics for f in results)]
    chosen = min(contenders, key=lambda n: (np.nan_to_num(mean[n].wape, nan=np.inf), methods.index(n)))
    return BacktestResult(results, chosen, mean, _overdispersion(panel, results, chosen))


def _mean_metrics(folds: list[BacktestFold], name: str) -> Metrics:
    """Mean over the folds that ran ``name`` (all of them unless it was dropped)."""
    ran = [f.metrics[name] for f in folds if name in f.metrics]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN: a fold without volume
        return Metrics(*[float(np.nanmean([getattr(m, k) for m in ran])) for k in ("wape", "mase", "bias")])


def _undominated(active: list[str], folds: list[BacktestFold]) -> list[str]:
    wapes = {n: _mean_metrics(folds, n).wape for n in active}
    finite = [w for w in wapes.values() if np.isfinite(w)]
    if not finite:
        return active
    best = min(finite)
    return [n for n in active if not np.isfinite(wapes[n]) or wapes[n] <= DOMINATED_RATIO * best]


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
