"""The training pages end to end through the test client: a trainer builds a course and
a plan, assigns it, places a session; the agent takes the assessment (no key reaches the
browser); HR sees results, compliance and exports; roles are scoped."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import sqlalchemy as sa
from openpyxl import load_workbook

from scheduler.db import db, utcnow
from scheduler.models import ShiftActivity
from tests.conftest import PASSWORD, csrf_token, login
from tests.training.factories import published_roster, site_with_team
from training.models import Attempt, Course, TrainingSession


def _login(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def test_trainer_to_agent_to_hr_flow(app, client, make_user) -> None:
    from werkzeug.security import generate_password_hash

    site, team, queues, sup, agents = site_with_team(3)
    pw = generate_password_hash(PASSWORD)
    for a in agents + [sup]:
        a.user.password_hash = pw
    today = utcnow().date()
    published_roster(site, agents + [sup], today + timedelta(days=1), start_hour=8, hours=9, days=2)
    db.session.commit()
    make_user("trainer", username="tr")
    make_user("hr", username="hr1")

    client = _login(app, "tr")
    token = csrf_token(client, "/trainer/courses/new")
    resp = client.post("/trainer/courses/new", data={
        "csrf_token": token, "code": "AML-1", "title": "Anti-money laundering", "category": "compliance",
        "course_type": "on_the_job", "delivery": "classroom", "duration_minutes": 60, "mandatory": "y",
        "validity_months": 12, "questions_per_attempt": 2, "time_limit_minutes": 20, "pass_mark": 50, "max_attempts": 2})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    course = db.session.scalar(sa.select(Course).where(Course.code == "AML-1"))
    for text in ("Cash deposits just under the reporting threshold are a red flag.", "Structuring is legal."):
        client.post(f"/trainer/courses/{course.id}/questions", data={
            "csrf_token": token, "kind": "true_false", "text": text, "points": "1",
            "true_is_correct": "true" if "red flag" in text else "false"})
    client.post(f"/trainer/courses/{course.id}/questions", data={
        "csrf_token": token, "kind": "single", "text": "Who files a suspicious transaction report?", "points": "1",
        "choice_1": "The AML officer", "correct_1": "y", "choice_2": "The customer"})
    db.session.expire_all()
    assert len(course.active_questions) == 3

    resp = client.post("/trainer/plans", data={"csrf_token": token, "name": "Compliance 2027", "audience": "team"})
    plan_url = resp.headers["Location"]
    plan_id = int(plan_url.rstrip("/").split("/")[-1])
    client.post(f"/trainer/plans/{plan_id}/items", data={"csrf_token": token, "course": course.id, "offset_days": 14})
    resp = client.post(f"/trainer/plans/{plan_id}/assign", data={
        "csrf_token": token, "audience": "team", "team": team.id, "queue": queues[0].id, "start_date": today.isoformat()})
    assert resp.status_code == 302
    page = client.get(f"/trainer/plans/{plan_id}").get_data(as_text=True)
    assert "4 assignment(s) created" in page or "Anti-money laundering" in page

    page = client.get(f"/trainer/placement?course={course.id}&team={team.id}&start={(today + timedelta(days=1)).isoformat()}&days=2")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'class="proposal"' in html, html[-3000:]
    start = re.search(r'type="hidden" name="start" value="([^"]+)"', html).group(1)
    ids = re.search(r'name="agent_ids" value="([^"]+)"', html).group(1)
    resp = client.post("/trainer/placement/accept", data={"csrf_token": token, "course_id": course.id, "start": start,
                                                         "agent_ids": ids, "capacity": 12})
    assert resp.status_code == 302, re.findall(r'role="alert">([^<]*)', client.get("/trainer/").get_data(as_text=True))
    ts = db.session.scalar(sa.select(TrainingSession))
    assert ts.placement and len(ts.enrolments) == 4
    acts = db.session.scalars(sa.select(ShiftActivity).where(ShiftActivity.ref_id == ts.id)).all()
    assert len(acts) == 4 and all(a.kind == "training" for a in acts)

    # agent: sees the plan, takes the assessment; the page carries no key
    client = _login(app, agents[0].user.username)
    page = client.get("/me/training").get_data(as_text=True)
    assert "Compliance 2027" in page and "Anti-money laundering" in page
    token = csrf_token(client, "/me/training")
    resp = client.post(f"/me/training/courses/{course.id}/start", data={"csrf_token": token})
    attempt_url = resp.headers["Location"]
    html = client.get(attempt_url).get_data(as_text=True)
    assert "correct" not in html.lower()
    att = db.session.scalar(sa.select(Attempt))
    form = {"csrf_token": token, "action": "submit"}
    for q in course.questions:
        if q.id in att.question_ids:
            form[f"q{q.id}"] = str(next(c.id for c in q.choices if c.correct))
            assert f'value="{q.choices[0].id}"' in html
    resp = client.post(attempt_url, data=form)
    assert resp.status_code == 302
    db.session.expire_all()
    att = db.session.get(Attempt, att.id)
    assert att.passed and att.score == 1.0
    result = client.get(attempt_url).get_data(as_text=True)
    assert "Passed" in result
    # a replay of the same submission is refused
    resp = client.post(attempt_url, data=form)
    db.session.expire_all()
    assert db.session.get(Attempt, att.id).submitted_at == att.submitted_at

    # HR: results, compliance, exports with translated headers
    client = _login(app, "hr1")
    home = client.get("/hr/").get_data(as_text=True)
    assert "Anti-money laundering" in home and "25.0" in home  # 1 of 4 team members certified
    course_page = client.get(f"/hr/courses/{course.id}").get_data(as_text=True)
    assert "<svg" in course_page and "Item analysis" in course_page
    csv_body = client.get("/hr/export/results.csv").get_data(as_text=True)
    assert csv_body.lstrip("\ufeff").startswith("Employee number,Agent,Team") and "AML-1" in csv_body
    xlsx = client.get("/hr/export/compliance.xlsx").data
    ws = load_workbook(io.BytesIO(xlsx)).active
    assert ws.cell(1, 1).value == "Course code" and ws.max_row == 1 + 4
    client.post("/language", data={"csrf_token": csrf_token(client, "/hr/"), "language": "zh_Hant_TW", "next": "/hr/"})
    assert client.get("/hr/export/results.csv").status_code == 200


def test_supervisor_sees_only_own_team_and_agent_is_refused(app, client) -> None:
    from werkzeug.security import generate_password_hash

    site, team, queues, sup, agents = site_with_team(2)
    pw = generate_password_hash(PASSWORD)
    for a in agents + [sup]:
        a.user.password_hash = pw
    db.session.commit()
    client = _login(app, sup.user.username)
    assert client.get("/hr/results").status_code == 200
    assert client.get("/hr/").status_code == 403  # the HR home itself is HR's
    client = _login(app, agents[0].user.username)
    assert client.get("/hr/results").status_code == 403
    assert client.get("/hr/export/results.csv").status_code == 403
    assert client.get("/trainer/").status_code == 403


def test_quality_import_reports_row_errors_and_imports_valid_file(app, client, make_user) -> None:
    site, team, queues, sup, agents = site_with_team(2)
    db.session.commit()
    make_user("hr", username="hr2")
    client = _login(app, "hr2")
    token = csrf_token(client, "/hr/quality")
    bad = "employee_no,week,qa_score,csat,fcr\nE0001,2026-03-02,88,90,70\nNOPE,2026-13-01,x,101,\n"
    resp = client.post("/hr/quality", data={"csrf_token": token, "file": (io.BytesIO(bad.encode()), "q.csv")},
                       content_type="multipart/form-data")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "unknown employee number" in html and "expected a date" in html
    assert "must be between 0 and 100" in html and "not a number" in html
    good = "employee_no,week,qa_score,csat,fcr\nE0001,2026-03-04,88,90,70\nE0002,2026-03-02,80,,65\n"
    resp = client.post("/hr/quality", data={"csrf_token": token, "file": (io.BytesIO(good.encode()), "q.csv")},
                       content_type="multipart/form-data")
    assert resp.status_code == 302
    from training.models import QualityFigure

    figs = db.session.scalars(sa.select(QualityFigure).order_by(QualityFigure.agent_id)).all()
    assert [(f.week_start, f.qa_score, f.csat) for f in figs] == [(date(2026, 3, 2), 88.0, 90.0), (date(2026, 3, 2), 80.0, None)]
