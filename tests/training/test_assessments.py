"""Attempt rules: random draw, time limit, max attempts, no resubmission, grading,
certification with expiry, overrides in the audit log."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from scheduler.db import db
from scheduler.errors import Conflict, PermissionDenied, ValidationError
from scheduler.models import AuditLog
from training.models import Assignment, AttemptStatus, Certification
from training.operations import assessments as ops
from training.operations.plans import AudienceSpec, assign_course
from tests.training.factories import correct_answers, course_with_questions, site_with_team, wrong_answers

NOW = datetime(2026, 3, 15, 9, 0, tzinfo=timezone.utc)


def test_draw_is_random_per_attempt_and_frozen(app) -> None:
    _, _, _, _, agents = site_with_team(1)
    course = course_with_questions(n_single=12, per_attempt=4, max_attempts=5)
    a1 = ops.start_attempt(db.session, course.id, agents[0].id, NOW, seed=1)
    assert len(a1.question_ids) == 4 and len(set(a1.question_ids)) == 4
    # re-opening returns the same open attempt and the same questions, never a new draw
    again = ops.start_attempt(db.session, course.id, agents[0].id, NOW + timedelta(minutes=1), seed=99)
    assert again.id == a1.id and again.question_ids == a1.question_ids
    ops.submit_attempt(db.session, a1.id, agents[0].id, wrong_answers(course, a1), NOW + timedelta(minutes=2))
    a2 = ops.start_attempt(db.session, course.id, agents[0].id, NOW + timedelta(minutes=3), seed=2)
    assert a2.number == 2 and a2.question_ids != a1.question_ids


def test_pass_grants_certification_with_expiry_and_completes_assignment(app) -> None:
    _, team, _, _, agents = site_with_team(1)
    course = course_with_questions(validity=12)
    assign_course(db.session, course.id, AudienceSpec(kind="team", team_id=team.id), date(2026, 4, 1), None)
    att = ops.start_attempt(db.session, course.id, agents[0].id, NOW)
    ops.submit_attempt(db.session, att.id, agents[0].id, correct_answers(course, att), NOW + timedelta(minutes=5))
    assert att.status == AttemptStatus.GRADED and att.passed and att.score == pytest.approx(1.0)
    cert = db.session.scalar(sa.select(Certification))
    assert cert.expires_on == date(2027, 3, 14)
    assert db.session.scalar(sa.select(Assignment).where(Assignment.agent_id == agents[0].id)).completed_at is not None
    assert db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "certify")) is not None


def test_no_resubmission_and_no_edit_after_submit(app) -> None:
    _, _, _, _, agents = site_with_team(1)
    course = course_with_questions()
    att = ops.start_attempt(db.session, course.id, agents[0].id, NOW)
    ops.submit_attempt(db.session, att.id, agents[0].id, wrong_answers(course, att), NOW + timedelta(minutes=1))
    score = att.score
    with pytest.raises(Conflict):
        ops.submit_attempt(db.session, att.id, agents[0].id, correct_answers(course, att), NOW + timedelta(minutes=2))
    with pytest.raises(Conflict):
        ops.save_answers(db.session, att.id, agents[0].id, correct_answers(course, att), NOW + timedelta(minutes=2))
    assert att.score == score and not att.passed


def test_max_attempts(app) -> None:
    _, _, _, _, agents = site_with_team(1)
    course = course_with_questions(max_attempts=2)
    for k in range(2):
        att = ops.start_attempt(db.session, course.id, agents[0].id, NOW + timedelta(hours=k))
        ops.submit_attempt(db.session, att.id, agents[0].id, wrong_answers(course, att), NOW + timedelta(hours=k, minutes=1))
    with pytest.raises(Conflict, match="attempts"):
        ops.start_attempt(db.session, course.id, agents[0].id, NOW + timedelta(hours=3))


def test_timed_out_attempt_is_submitted_as_it_stands(app) -> None:
    _, _, _, _, agents = site_with_team(1)
    course = course_with_questions(time_limit=20, per_attempt=4, pass_mark=0.5)
    att = ops.start_attempt(db.session, course.id, agents[0].id, NOW)
    right = correct_answers(course, att)
    first_two = dict(list(right.items())[:2])
    ops.save_answers(db.session, att.id, agents[0].id, first_two, NOW + timedelta(minutes=10))
    # the agent comes back after the deadline and tries to submit everything
    late = ops.submit_attempt(db.session, att.id, agents[0].id, right, NOW + timedelta(minutes=25))
    assert late.timed_out and late.status == AttemptStatus.GRADED
    assert late.score == pytest.approx(0.5)  # only what was saved in time counts
    with pytest.raises(Conflict):
        ops.submit_attempt(db.session, att.id, agents[0].id, right, NOW + timedelta(minutes=26))


def test_any_access_after_deadline_submits(app) -> None:
    _, _, _, _, agents = site_with_team(1)
    course = course_with_questions(time_limit=20)
    att = ops.start_attempt(db.session, course.id, agents[0].id, NOW)
    got = ops.get_own_attempt(db.session, att.id, agents[0].id, NOW + timedelta(minutes=21))
    assert got.status == AttemptStatus.GRADED and got.timed_out and got.score == 0.0


def test_other_agents_attempt_is_refused(app) -> None:
    _, _, _, _, agents = site_with_team(2)
    course = course_with_questions()
    att = ops.start_attempt(db.session, course.id, agents[0].id, NOW)
    with pytest.raises(PermissionDenied):
        ops.get_own_attempt(db.session, att.id, agents[1].id, NOW)


def test_answers_to_questions_not_drawn_are_refused(app) -> None:
    _, _, _, _, agents = site_with_team(1)
    course = course_with_questions(n_single=8, per_attempt=2)
    att = ops.start_attempt(db.session, course.id, agents[0].id, NOW, seed=3)
    other = next(q for q in course.questions if q.id not in att.question_ids)
    with pytest.raises(ValidationError):
        ops.save_answers(db.session, att.id, agents[0].id, {other.id: ops.AnswerInput(choice_ids=(other.choices[0].id,))}, NOW)


def test_short_text_goes_to_grading_queue_then_trainer_grades(app, make_user) -> None:
    from training.queries.results import grading_queue

    trainer = make_user("trainer")
    _, _, _, _, agents = site_with_team(1)
    course = course_with_questions(n_single=2, n_short=1, per_attempt=3, pass_mark=0.75)
    att = ops.start_attempt(db.session, course.id, agents[0].id, NOW)
    ops.submit_attempt(db.session, att.id, agents[0].id, correct_answers(course, att), NOW + timedelta(minutes=3))
    assert att.status == AttemptStatus.SUBMITTED and att.score is None
    assert [a.id for a in grading_queue(db.session)] == [att.id]
    short = next(a for a in att.answers if a.question.kind == "short_text")
    with pytest.raises(ValidationError):
        ops.grade_answers(db.session, att.id, {short.id: (5.0, "")}, "", trainer.id, NOW)
    ops.grade_answers(db.session, att.id, {short.id: (1.0, "Half right")}, "Good work", trainer.id, NOW + timedelta(hours=1))
    assert att.status == AttemptStatus.GRADED
    assert att.score == pytest.approx(3 / 4) and att.passed
    assert grading_queue(db.session) == []


def test_override_needs_reason_and_is_audited_and_moves_certification(app, make_user) -> None:
    trainer = make_user("trainer")
    _, _, _, _, agents = site_with_team(1)
    course = course_with_questions()
    att = ops.start_attempt(db.session, course.id, agents[0].id, NOW)
    ops.submit_attempt(db.session, att.id, agents[0].id, wrong_answers(course, att), NOW + timedelta(minutes=1))
    with pytest.raises(ValidationError):
        ops.override_result(db.session, att.id, 0.9, "  ", trainer.id, NOW)
    ops.override_result(db.session, att.id, 0.9, "Question 3 was mis-keyed", trainer.id, NOW + timedelta(hours=1))
    assert att.passed and att.overridden
    log = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "grade_override"))
    assert log.reason == "Question 3 was mis-keyed" and log.old["passed"] is False and log.new["score"] == 0.9
    cert = db.session.scalar(sa.select(Certification).where(Certification.attempt_id == att.id))
    assert cert is not None and cert.expires_on is not None
    ops.override_result(db.session, att.id, 0.2, "Appeal rejected on review", trainer.id, NOW + timedelta(hours=2))
    db.session.refresh(cert)
    assert cert.revoked_at is not None


def test_prerequisite_must_be_passed_first(app) -> None:
    from training.operations.courses import CourseData, update_course

    _, _, _, _, agents = site_with_team(1)
    basic = course_with_questions("BASIC")
    adv = course_with_questions("ADV")
    update_course(db.session, adv.id, CourseData(code="ADV", title="Advanced", prerequisite_ids=(basic.id,),
                                                 questions_per_attempt=4))
    with pytest.raises(Conflict, match="first"):
        ops.start_attempt(db.session, adv.id, agents[0].id, NOW)
    att = ops.start_attempt(db.session, basic.id, agents[0].id, NOW)
    ops.submit_attempt(db.session, att.id, agents[0].id, correct_answers(basic, att), NOW + timedelta(minutes=1))
    assert ops.start_attempt(db.session, adv.id, agents[0].id, NOW + timedelta(minutes=2)).number == 1


def test_abandoned_attempt_is_submitted_by_the_sweep(app) -> None:
    _, _, _, _, agents = site_with_team(1)
    course = course_with_questions(time_limit=20)
    att = ops.start_attempt(db.session, course.id, agents[0].id, NOW)
    assert ops.submit_expired_attempts(db.session, NOW + timedelta(minutes=19)) == 0
    assert ops.submit_expired_attempts(db.session, NOW + timedelta(hours=3)) == 1
    assert att.status == AttemptStatus.GRADED and att.timed_out and att.submitted_at == att.deadline_at
