"""History import (preview before saving, row-level errors), forecast runs and requirements."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa

from scheduler.db import db
from scheduler.models import ContactHistory, Queue
from scheduler.planning import forecasting, queries
from scheduler.planning.models import ForecastInterval, ForecastRun, StaffingRequirement
from tests.scheduler.planning.factories import START, add_history, tiny_center


def _csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "history.csv"
    path.write_text(text)
    return path


def test_preview_lists_row_errors_and_saves_nothing(app, tmp_path) -> None:
    site = tiny_center(db.session, with_requirements=False)
    db.session.commit()
    path = _csv(tmp_path, "timestamp,queue,offered,aht_seconds\n"
                          "2026-11-02T09:00,SUPPORT,10,300\n"
                          "2026-11-02T09:15,SUPPORT,abc,300\n"
                          "2026-11-02T09:30,SUPPORT,-4,300\n"
                          "2026-11-02T09:45,SUPPORT,12,300\n")
    preview = forecasting.preview_history(db.session, site, path, "history.csv")
    assert not preview.ok
    rows = {(p.row, p.column) for p in preview.problems}
    assert (3, "offered") in rows and (4, "offered") in rows
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ContactHistory)) == 0


def test_unknown_queue_is_reported(app, tmp_path) -> None:
    site = tiny_center(db.session, with_requirements=False)
    path = _csv(tmp_path, "timestamp,queue,offered\n2026-11-02T09:00,NOPE,1\n2026-11-02T09:15,NOPE,2\n")
    preview = forecasting.preview_history(db.session, site, path, "h.csv")
    assert not preview.ok and preview.problems[0].column == "queue"
    assert forecasting.preview_history(db.session, site, path, "h.txt").problems[0].column == "file"


def test_valid_upload_saves_in_one_go_and_replaces_same_intervals(app, tmp_path) -> None:
    site = tiny_center(db.session, with_requirements=False)
    path = _csv(tmp_path, "timestamp,queue,offered,aht_seconds\n"
                          "2026-11-02T09:00,SUPPORT,10,300\n2026-11-02T09:15,SUPPORT,11,310\n"
                          "2026-11-02T09:00,SALES,4,200\n2026-11-02T09:15,SALES,5,\n")
    preview = forecasting.preview_history(db.session, site, path, "history.csv")
    assert preview.ok, preview.problems
    assert preview.rows == 4 and preview.interval_minutes == 15
    assert forecasting.save_history(db.session, site, preview.history) == 4
    db.session.commit()
    # the same intervals again overwrite instead of duplicating
    assert forecasting.import_history_file(db.session, site, path, "history.csv") == 4
    db.session.commit()
    rows = db.session.execute(sa.select(ContactHistory.interval_start, ContactHistory.offered)
                              .join(Queue).where(Queue.code == "SUPPORT").order_by(ContactHistory.interval_start)).all()
    assert [r[1] for r in rows] == [10, 11]
    assert rows[0][0] == datetime(2026, 11, 2, 1, 0, tzinfo=timezone.utc)  # 09:00 Taipei


def test_forecast_run_stores_intervals_accuracy_and_requirements(app) -> None:
    site = tiny_center(db.session, with_requirements=False)
    add_history(db.session, site, weeks=3)
    db.session.commit()
    run = forecasting.run_forecast(db.session, site, horizon_days=7)
    db.session.commit()
    # the history ends on a Friday (closed at weekends): the forecast starts the next day
    assert run.first_day == START - timedelta(days=2)
    assert set(run.accuracy) == {"SUPPORT", "SALES"}
    assert run.accuracy["SUPPORT"]["method"] in forecasting.QUICK_METHODS
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ForecastInterval)) > 0
    reqs = queries.requirements_for(db.session, site.id, datetime(2026, 12, 7, 0, tzinfo=timezone.utc),
                                    datetime(2026, 12, 8, 0, tzinfo=timezone.utc))
    busy = [r for r in reqs if r.volume > 1]
    assert busy and all(r.agents_required >= r.agents_on_phone >= 1 for r in busy)
    # closed at night: no calls, no agents
    night = [r for r in reqs if r.interval_start_utc.hour == 18]  # 02:00 Taipei
    assert night and all(r.agents_required == 0 for r in night)


def test_parameter_change_recomputes_requirements(app) -> None:
    site = tiny_center(db.session, with_requirements=False)
    add_history(db.session, site, weeks=3)
    forecasting.run_forecast(db.session, site, horizon_days=7)
    db.session.commit()
    queue = db.session.scalar(sa.select(Queue).where(Queue.code == "SUPPORT"))
    total = lambda: db.session.scalar(sa.select(sa.func.sum(StaffingRequirement.agents_required))  # noqa: E731
                                      .where(StaffingRequirement.queue_id == queue.id))
    before = total()
    queue.sl_target = 0.95
    queue.shrinkage = 0.5
    assert forecasting.recompute_queue_requirements(db.session, queue) > 0
    db.session.commit()
    assert total() > before
    queue.aht_override, queue.aht_seconds = True, 30
    forecasting.recompute_queue_requirements(db.session, queue)
    assert db.session.scalar(sa.select(sa.func.max(StaffingRequirement.aht_seconds))
                             .where(StaffingRequirement.queue_id == queue.id)) == 30


def test_refresh_forecasts_is_idempotent_per_day(app) -> None:
    site = tiny_center(db.session, with_requirements=False)
    add_history(db.session, site, weeks=3)
    db.session.commit()
    now = datetime(2026, 12, 7, 20, tzinfo=timezone.utc)
    first = forecasting.refresh_forecasts(db.session, now=now, horizon_days=7)
    db.session.commit()
    assert [f["site"] for f in first["forecasts"]] == ["TST"]
    again = forecasting.refresh_forecasts(db.session, now=now, horizon_days=7)
    assert again["forecasts"] == [] and again["skipped"] == ["TST"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ForecastRun)) == 1


def test_no_history_is_a_clear_error(app) -> None:
    import pytest

    from scheduler.errors import ValidationError

    site = tiny_center(db.session, with_requirements=False)
    with pytest.raises(ValidationError) as err:
        forecasting.run_forecast(db.session, site)
    assert err.value.field == "history"
