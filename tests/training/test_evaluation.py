"""Evaluation: the XLSX path of the quality import, survey rules, before/after per course."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta, timezone

import pytest
from openpyxl import Workbook

from scheduler.db import db
from scheduler.errors import Conflict, PermissionDenied, ValidationError
from training.operations import assessments as ops
from training.operations import sessions as session_ops
from training.operations.evaluation import QualityImportError, SurveyData, import_quality, submit_survey
from training.queries.evaluation import course_before_after, survey_summary
from training.queries.scope import Scope
from tests.training.factories import correct_answers, course_with_questions, site_with_team

UTC = timezone.utc


def _xlsx(rows) -> bytes:
    wb = Workbook()
    for r in rows:
        wb.active.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_xlsx_import_with_row_errors_then_before_after(app) -> None:
    _, _, _, _, agents = site_with_team(1)
    with pytest.raises(QualityImportError) as err:
        import_quality(db.session, "q.xlsx", _xlsx([["employee_no", "week", "qa_score"], ["E0001", datetime(2026, 3, 2), "abc"]]))
    assert [(p.row, p.column) for p in err.value.problems] == [(2, "qa_score")]
    rows = [["employee_no", "week", "qa_score", "csat", "fcr"]]
    for w in range(8):
        week = date(2026, 2, 2) + timedelta(weeks=w)
        after = week > date(2026, 3, 2)
        rows.append([agents[0].employee_no, week, 90 if after else 80, None, 70])
    out = import_quality(db.session, "q.xlsx", _xlsx(rows))
    assert out.created == 8
    course = course_with_questions(mandatory=False)
    att = ops.start_attempt(db.session, course.id, agents[0].id, datetime(2026, 3, 4, 9, tzinfo=UTC))
    ops.submit_attempt(db.session, att.id, agents[0].id, correct_answers(course, att), datetime(2026, 3, 4, 9, 10, tzinfo=UTC))
    result = {b.figure: b for b in course_before_after(db.session, Scope(), course.id, weeks=4)}
    assert result["qa_score"].before == 80 and result["qa_score"].after == 90 and result["qa_score"].agents == 1
    assert result["fcr"].delta == 0 and result["csat"].agents == 0


def test_survey_only_for_enrolled_after_start_and_once(app) -> None:
    _, _, _, _, agents = site_with_team(2)
    course = course_with_questions(mandatory=False)
    start = datetime(2026, 3, 4, 9, tzinfo=UTC)
    ts = session_ops.create_session(db.session, session_ops.SessionData(course.id, start, start + timedelta(hours=1)))
    session_ops.enrol(db.session, ts.id, [agents[0].id])
    data = SurveyData(5, 4, 5, "Good role plays")
    with pytest.raises(Conflict):
        submit_survey(db.session, ts.id, agents[0].id, data, start - timedelta(hours=1))
    with pytest.raises(PermissionDenied):
        submit_survey(db.session, ts.id, agents[1].id, data, start + timedelta(hours=2))
    with pytest.raises(ValidationError):
        submit_survey(db.session, ts.id, agents[0].id, SurveyData(6, 4, 5), start + timedelta(hours=2))
    submit_survey(db.session, ts.id, agents[0].id, data, start + timedelta(hours=2))
    with pytest.raises(Conflict):
        submit_survey(db.session, ts.id, agents[0].id, data, start + timedelta(hours=3))
    summary = survey_summary(db.session, Scope(), course.id)
    assert summary.responses == 1 and summary.satisfaction == 5 and summary.comments == ["Good role plays"]
