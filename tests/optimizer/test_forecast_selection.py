"""Method selection and the short-history behaviour of the forecast engine: outage days,
the pooled profile level and shapes, short-history folds, skipped and dominated methods."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from optimizer.forecast import accuracy
from optimizer.forecast.accuracy import backtest, fold_origins
from optimizer.forecast.calendar import CalendarConfig, SpecialDay, day_flags
from optimizer.forecast.engine import ForecastConfig, daily_totals, forecast
from optimizer.forecast.methods import METHODS, _intraday_shapes, estimate_factors, mstl_applicable, profile
from optimizer.forecast.panel import build_panel
from tests.optimizer.test_forecast_methods import WEEKDAY_LEVEL, history, synthetic

START = date(2024, 1, 1)  # a Monday


def panel_of(frame, calendar: CalendarConfig = CalendarConfig()):
    h = history(frame)
    return build_panel(h.series("Q"), "Q", h.interval_minutes, h.tz, calendar)


def test_fold_origins_short_history_gets_one_whole_week():
    assert fold_origins(70, 14, 3) == ([42, 49, 56], 14)
    # 17 days: not 14 training days plus a week, so one 7-day fold on the first 10 days
    assert fold_origins(17, 14, 3) == ([10], 7)
    assert fold_origins(17, 3, 3) == ([14], 3)  # a short horizon needs no whole week
    assert fold_origins(10, 14, 3) == ([7], 3)
    assert fold_origins(6, 14, 3) == ([], 0)


def test_outage_day_is_unknown_not_zero():
    outage = {START + timedelta(days=28), START + timedelta(days=29)}  # Monday, Tuesday
    frame = synthetic(START, 35, day_factor=lambda d: 0.0 if d in outage else 1.0)
    panel = panel_of(frame)
    assert not panel.known[28] and not panel.known[29] and panel.known[30]
    r = forecast(history(frame), ForecastConfig(horizon_days=7))
    totals = daily_totals(r).set_index("period")["volume"]
    assert totals[START + timedelta(days=35)] == pytest.approx(WEEKDAY_LEVEL[0], rel=0.1)
    assert totals[START + timedelta(days=36)] == pytest.approx(WEEKDAY_LEVEL[1], rel=0.1)


def test_explained_low_days_are_not_outages():
    # Good Friday 2024-03-29 at 5 % (a German holiday) and a user-entered closure
    closed = date(2024, 3, 20)
    frame = synthetic(START, 98, day_factor=lambda d: 0.05 if d in (date(2024, 3, 29), closed) else 1.0)
    panel = panel_of(frame, CalendarConfig(country="DE", special_days=(SpecialDay(closed, 0.0),)))
    for d in (date(2024, 3, 29), closed):
        assert panel.known[(d - START).days]
    plain = panel_of(frame)  # no calendar: both are unexplained, so outages
    assert not plain.known[(date(2024, 3, 29) - START).days] and not plain.known[(closed - START).days]


def test_profile_level_follows_a_recent_shift():
    shift = START + timedelta(days=56)
    frame = synthetic(START, 70, day_factor=lambda d: 0.7 if d >= shift else 1.0, noise=False)
    panel = panel_of(frame)
    assert panel.days == 68  # the history ends on a Friday; the forecast runs Sat..Fri
    future = day_flags([START + timedelta(days=68 + k) for k in range(7)], CalendarConfig())
    fc = profile(panel, future, 7, estimate_factors(panel)).sum(axis=1)
    old = np.array(WEEKDAY_LEVEL[:5], dtype=float)
    # the last two weeks are at 70 %: the level is most of the way there, weekday ratios intact
    assert np.all(fc[2:] < 0.82 * old) and np.all(fc[2:] > 0.7 * old)
    assert fc[2:] / fc[2] == pytest.approx(old / old[0], rel=0.03)
    assert np.all(fc[:2] == 0)


def test_intraday_shapes_pool_only_similar_weekdays():
    # Friday closes at 13:00 (first 10 half hours only); Monday..Thursday share one shape
    frame = synthetic(START, 14)
    frame = frame[~((frame["interval_start_utc"].dt.day_of_week == 4) & (frame["interval_start_utc"].dt.hour >= 13))]
    panel = panel_of(frame)
    usable = panel.known.copy()
    shapes = _intraday_shapes(panel, usable)
    assert shapes[:5].sum(axis=1) == pytest.approx(np.ones(5))
    assert shapes[4, 26:].sum() == 0  # Friday afternoon stays closed
    # Monday's shape is not pulled towards Friday's morning-only shape
    assert shapes[0, 26:36].sum() > 0.4
    assert shapes[5:].sum() == 0


def test_short_history_skips_mstl_and_uses_a_week_fold():
    panel = panel_of(synthetic(START, 17))
    assert not mstl_applicable(panel)
    bt = backtest(panel, 14)
    assert [f.origin_day for f in bt.folds] == [10] and bt.folds[0].days == 7
    assert set(bt.mean_metrics) == {"seasonal_naive", "profile"}
    assert bt.chosen in {"seasonal_naive", "profile"}
    r = forecast(history(synthetic(START, 17)), ForecastConfig(horizon_days=14))
    assert r.accuracy["Q"].method == bt.chosen and len(r.frame) == 14 * 48


def test_clearly_beaten_method_is_dropped_after_the_most_recent_fold(monkeypatch):
    calls: list[int] = []

    def doubled(panel, future, horizon, factors):
        calls.append(panel.days)
        return 2.0 * profile(panel, future, horizon, factors)

    monkeypatch.setitem(METHODS, "doubled", doubled)
    monkeypatch.setattr(accuracy, "METHODS", METHODS)
    panel = panel_of(synthetic(START, 70))
    bt = backtest(panel, 14, methods=("profile", "doubled"))
    assert len(bt.folds) == 3
    assert calls == [bt.folds[-1].origin_day]  # run on the most recent fold only
    assert bt.chosen == "profile"
    assert all("profile" in f.metrics for f in bt.folds)
    assert "doubled" not in bt.folds[0].metrics and "doubled" in bt.folds[-1].metrics
    assert bt.mean_metrics["doubled"].wape > 0.8  # reported from the fold it ran on
