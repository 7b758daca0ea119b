"""Periodic jobs: declared data, cron validation, the run guard, admin pages."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from scheduler.db import db
from scheduler.errors import ValidationError
from scheduler.jobs import periodic
from scheduler.models import Notification, PeriodicJob, PeriodicRun
from tests.conftest import csrf_token
from tests.scheduler.jobs.helpers import wait_finished


def test_definitions_sync_is_idempotent_and_keeps_admin_changes(app):
    periodic.sync_definitions(db.session)
    periodic.update_job(db.session, "weekly_summary", cron="15 9 * * 1", enabled=False, user_id=None)
    db.session.commit()
    periodic.sync_definitions(db.session)
    db.session.commit()
    rows = {r.id: r for r in db.session.scalars(sa.select(PeriodicJob)).all()}
    assert set(rows) == set(periodic.DEFINITIONS)
    assert rows["weekly_summary"].cron == "15 9 * * 1" and not rows["weekly_summary"].enabled


@pytest.mark.parametrize("cron", ["* * *", "61 * * * *", "0 8 * * 9", "every day"])
def test_bad_cron_is_refused_naming_the_field(cron):
    with pytest.raises(ValidationError) as err:
        periodic.parse_cron(cron)
    assert err.value.field == "cron"


def test_crontab_weekday_numbers_mean_what_crontab_means():
    now = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)  # a Monday
    assert periodic.latest_fire_time(periodic.parse_cron("0 8 * * 1"), now) == now.replace(hour=8)
    assert periodic.latest_fire_time(periodic.parse_cron("0 8 * * 0"), now).day == 29  # Sunday


def test_run_guard_runs_a_fire_time_once_and_records_failures(app, make_user):
    make_user("planner")
    when = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)
    first = periodic.run_periodic(db.engine, "weekly_summary", scheduled_for=when)
    second = periodic.run_periodic(db.engine, "weekly_summary", scheduled_for=when)
    assert first.status == "done" and first.result["notified"] == 1 and second is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 1
    # a job whose function is missing is recorded as failed with a clear message
    periodic.DEFINITIONS["broken"] = periodic.PeriodicDefinition("broken", "scheduler.nowhere:nothing", "* * * * *", "x")
    try:
        run = periodic.run_periodic(db.engine, "broken", scheduled_for=when)
    finally:
        del periodic.DEFINITIONS["broken"]
    assert run.status == "failed" and "job function scheduler.nowhere:nothing is not available" in run.error


def test_admin_edits_schedule_and_runs_a_job_now(client, login_as):
    login_as("admin")
    html = client.get("/admin/periodic").get_data(as_text=True)
    assert "weekly_summary" in html and "forecast_refresh" in html
    token = csrf_token(client, "/admin/periodic")
    resp = client.post("/admin/periodic/weekly_summary", data={"csrf_token": token, "cron": "61 * * * *",
                                                               "enabled": "y"}, follow_redirects=True)
    assert "Schedule (cron): invalid cron expression" in resp.get_data(as_text=True)
    client.post("/admin/periodic/weekly_summary", data={"csrf_token": token, "cron": "0 9 * * 1"})
    db.session.rollback()
    assert db.session.get(PeriodicJob, "weekly_summary").cron == "0 9 * * 1"
    resp = client.post("/admin/periodic/weekly_summary/run", data={"csrf_token": token})
    assert resp.status_code == 303 and "/jobs/" in resp.headers["Location"]
    job_id = int(resp.headers["Location"].split("/jobs/")[1].split("/")[0])
    job = wait_finished(job_id)
    assert job.status == "done" and job.result["notified"] == 1
    run = db.session.scalar(sa.select(PeriodicRun))
    assert run.trigger == "manual" and run.status == "done"
    html = client.get("/admin/periodic/weekly_summary/runs").get_data(as_text=True)
    assert "notified: 1" in html
    assert client.get("/admin/periodic/nothing-here/runs").status_code == 404
