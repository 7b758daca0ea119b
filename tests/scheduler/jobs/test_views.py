"""The job routes: JSON snapshot, page, cancel and retry, and who may see a job."""

from __future__ import annotations

from scheduler.db import db
from scheduler.jobs import submit_job
from scheduler.models import Job, JobStatus
from tests.conftest import csrf_token
from tests.scheduler.jobs.helpers import wait_finished
from tests.scheduler.jobs.test_inprocess import _steps  # noqa: F401  (registers test_steps)


def _job(user_id, status=JobStatus.FAILED, **kw) -> Job:
    job = Job(kind="test_steps", params={"steps": 1}, status=status, created_by_id=user_id, attempts=1,
              cancel_requested=False, error="RuntimeError: boom\n\ntraceback here", **kw)
    db.session.add(job)
    db.session.commit()
    return job


def test_owner_sees_snapshot_and_page(client, login_as):
    user = login_as("agent")
    job = _job(user.id, progress={"stage": "roster", "solutions": 3, "objective": 120.0, "bound": 100.0,
                                  "elapsed": 4.0, "time_limit": 10.0, "time_left": 6.0, "gap": 20 / 120})
    body = client.get(f"/jobs/{job.id}").get_json()
    assert body["status"] == "failed" and body["error"] == "RuntimeError: boom"
    assert body["progress"]["solutions"] == 3 and body["progress"]["bar"] == 0.4
    html = client.get(f"/jobs/{job.id}/view").get_data(as_text=True)
    assert "data-job-progress" in html and "job_progress.js" in html and "Solutions found" in html
    assert "RuntimeError: boom" in html and "traceback here" not in html
    # the script's labels: every job state (webapp.i18n.JOB_STATUSES) and the bar's own words
    assert '"failed": "Failed"' in html and '"queued": "Queued"' in html and '"cancelling":' in html
    assert '<span class="badge" data-field="status">Failed</span>' in html


def test_other_users_job_is_forbidden_but_planner_may_see_it(client, login_as, make_user):
    owner = make_user("agent", username="owner")
    job = _job(owner.id)
    login_as("agent", username="nosy")
    assert client.get(f"/jobs/{job.id}").status_code == 403
    client.get("/logout")


def test_planner_sees_any_job(client, login_as, make_user):
    owner = make_user("agent", username="owner2")
    job = _job(owner.id)
    login_as("planner")
    assert client.get(f"/jobs/{job.id}").status_code == 200
    assert client.get("/jobs/999999").status_code == 404


def test_retry_and_cancel_by_json(client, login_as):
    user = login_as("planner")
    job = _job(user.id)
    token = csrf_token(client, f"/jobs/{job.id}/view")
    resp = client.post(f"/jobs/{job.id}/retry", headers={"X-CSRFToken": token, "Accept": "application/json"})
    assert resp.status_code == 200 and resp.get_json()["status"] in ("queued", "running", "done")
    assert wait_finished(job.id).status == JobStatus.DONE
    resp = client.post(f"/jobs/{job.id}/cancel", headers={"X-CSRFToken": token, "Accept": "application/json"})
    assert resp.status_code == 409 and resp.get_json()["error"]["field"] == "status"


def test_cancel_by_form_redirects(client, login_as):
    user = login_as("planner")
    job = submit_job(db.session, "test_steps", {"steps": 300, "sleep": 0.05}, user.id)
    db.session.commit()
    token = csrf_token(client, f"/jobs/{job.id}/view")
    resp = client.post(f"/jobs/{job.id}/cancel", data={"csrf_token": token})
    assert resp.status_code == 303
    assert wait_finished(job.id).status == JobStatus.CANCELLED
