"""Early warning on projected service level, the requirement query, grid and Gantt."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import sqlalchemy as sa

from optimizer.progress import NEVER_CANCELLED, no_progress
from scheduler.db import db
from scheduler.models import Notification, RosterVersion
from scheduler.planning import queries, risk, rosters
from tests.scheduler.planning.factories import START, tiny_center

MONDAY_MORNING = datetime(2026, 12, 7, 0, 0, tzinfo=timezone.utc)  # 08:00 Taipei


def _published(site) -> RosterVersion:
    out = rosters.solve_and_store(db.session, rosters.SolveRequest(site.id, START, 7, (), 4.0), created_by_id=None,
                                  progress=no_progress, cancel=NEVER_CANCELLED)
    version = db.session.get(RosterVersion, out["version_id"])
    rosters.publish(db.session, version, user_id=None, now=MONDAY_MORNING)
    db.session.commit()
    return version


def test_requirements_for_returns_rows_in_range(app) -> None:
    site = tiny_center(db.session)
    rows = queries.requirements_for(db.session, site.id, MONDAY_MORNING, MONDAY_MORNING + timedelta(hours=2))
    assert {r.queue_code for r in rows} == {"SUPPORT", "SALES"}
    assert all(MONDAY_MORNING <= r.interval_start_utc < MONDAY_MORNING + timedelta(hours=2) for r in rows)
    # 08:00-09:00 Taipei is closed, 09:00-10:00 open: 4 intervals x 2 queues
    assert len(rows) == 8 and all(r.agents_required == 2 and r.agents_on_phone == 1 for r in rows)


def test_allocate_splits_multi_skilled_heads() -> None:
    req = {"A": np.array([2.0, 0.0]), "B": np.array([1.0, 1.0])}
    alloc = queries.allocate({("A",): np.array([1.0, 1.0]), ("A", "B"): np.array([2.0, 1.0])}, req)
    assert np.allclose(alloc["A"] + alloc["B"], [3.0, 2.0])
    assert np.allclose(alloc["A"][0], 2.0) and np.allclose(alloc["B"][0], 1.0)


def test_risk_check_warns_planners_once(app) -> None:
    site = tiny_center(db.session)
    db.session.commit()
    # nobody rostered: every open interval is at risk
    out = risk.staffing_risk_check(db.session, now=MONDAY_MORNING)
    db.session.commit()
    assert out["at_risk"] >= 5 and out["notifications"] == out["warned"] >= 1
    note = db.session.scalar(sa.select(Notification).where(Notification.kind == "staffing_risk"))
    assert note.params["queue"] in ("SUPPORT", "SALES") and note.params["sl"].endswith("%")
    from webapp.i18n import render_notification

    assert "Staffing risk" in render_notification(note.kind, note.params)
    again = risk.staffing_risk_check(db.session, now=MONDAY_MORNING + timedelta(hours=1))
    assert again["notifications"] == 0


def test_published_roster_lowers_the_risk_and_fills_grid_and_gantt(app) -> None:
    site = tiny_center(db.session)
    db.session.commit()
    before = risk.staffing_risk_check(db.session, now=MONDAY_MORNING, threshold=0.3)["intervals"]
    db.session.rollback()
    version = _published(site)
    support = db.session.scalar(sa.select(queries.Queue).where(queries.Queue.code == "SUPPORT"))
    series = queries.staffing_series(db.session, site, support, START, 7)
    assert series.scheduled.max() >= 1 and np.nanmax(series.service_level) > 0.2
    after = risk.staffing_risk_check(db.session, now=MONDAY_MORNING, threshold=0.3)["intervals"]
    assert after < before
    grid = queries.roster_grid(db.session, version)
    assert len(grid.rows) == 6 and len(grid.days) == 7 and sum(grid.totals) == len(version.shifts)
    gantt = queries.day_gantt(db.session, version, START)
    assert gantt.bars and all(0 <= b.left <= 100 and b.width > 0 for b in gantt.bars)
