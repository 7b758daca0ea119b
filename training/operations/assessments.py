"""Assessment attempts: draw, answer, submit, grade, override; certifications on passing.

Every rule is enforced here, on the server: the draw, the time limit (an attempt found
past its deadline on *any* access is submitted as it stands), the attempt cap, the
one-way submission, and the grading.  The browser only ever receives question texts
and choice ids (see ``training.queries.assessments.paper``).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from scheduler import audit
from scheduler.errors import Conflict, NotFound, PermissionDenied, ValidationError
from training.models import (
    Attempt, AttemptAnswer, AttemptStatus, Certification, Course, Question, QuestionKind,
)
from training.operations.notify import notify
from training.operations.plans import complete_assignments
from training.pure.dates import certification_expiry
from training.pure.grading import AnswerScore, attempt_score, score_answer, validate_manual_points

#: Answers arriving this long after the deadline still count (the request was in flight).
GRACE = timedelta(seconds=15)


@dataclass(frozen=True)
class AnswerInput:
    choice_ids: tuple[int, ...] = field(default_factory=tuple)
    text: str = ""


def _last_pass(session: Session, agent_id: int, course_id: int) -> datetime | None:
    return session.scalar(sa.select(sa.func.max(Attempt.submitted_at)).where(
        Attempt.agent_id == agent_id, Attempt.course_id == course_id, Attempt.passed.is_(True)))


def attempts_used(session: Session, agent_id: int, course_id: int) -> int:
    """Attempts in the current cycle: since the last pass (a renewal starts afresh)."""
    q = sa.select(sa.func.count()).select_from(Attempt).where(Attempt.agent_id == agent_id, Attempt.course_id == course_id)
    last = _last_pass(session, agent_id, course_id)
    if last is not None:
        q = q.where(Attempt.started_at > last)
    return session.scalar(q) or 0


def _check_prerequisites(session: Session, agent_id: int, course: Course) -> None:
    for pre in course.prerequisites:
        if _last_pass(session, agent_id, pre.id) is None:
            raise Conflict(_l("pass %(course)s first", course=pre.title), field="course")


def start_attempt(session: Session, course_id: int, agent_id: int, now: datetime, seed: int | None = None) -> Attempt:
    """The agent's open attempt if there is one (still in time), else a new one with a
    fresh random draw of the course's active questions."""
    course = session.get(Course, course_id)
    if course is None or not course.active:
        raise NotFound("course not found", field="course")
    open_attempt = session.scalar(sa.select(Attempt).where(
        Attempt.agent_id == agent_id, Attempt.course_id == course_id, Attempt.status == AttemptStatus.IN_PROGRESS))
    if open_attempt is not None and not enforce_deadline(session, open_attempt, now):
        return open_attempt
    _check_prerequisites(session, agent_id, course)
    if attempts_used(session, agent_id, course_id) >= course.max_attempts:
        raise Conflict(_l("all %(n)s attempts are used", n=course.max_attempts), field="attempt")
    pool = [q.id for q in course.active_questions]
    if not pool:
        raise Conflict("the course has no questions yet", field="course")
    rng = random.Random(seed)
    drawn = rng.sample(pool, min(course.questions_per_attempt, len(pool)))
    number = (session.scalar(sa.select(sa.func.max(Attempt.number)).where(
        Attempt.agent_id == agent_id, Attempt.course_id == course_id)) or 0) + 1
    attempt = Attempt(course_id=course.id, agent_id=agent_id, number=number, started_at=now,
                      deadline_at=now + timedelta(minutes=course.time_limit_minutes), question_ids=drawn)
    session.add(attempt)
    session.flush()
    return attempt


def get_own_attempt(session: Session, attempt_id: int, agent_id: int, now: datetime) -> Attempt:
    """Load an agent's own attempt, submitting it first if its time ran out."""
    attempt = session.get(Attempt, attempt_id)
    if attempt is None:
        raise NotFound("attempt not found", field="attempt")
    if attempt.agent_id != agent_id:
        raise PermissionDenied("this is not your attempt", field="attempt")
    enforce_deadline(session, attempt, now)
    return attempt


def enforce_deadline(session: Session, attempt: Attempt, now: datetime) -> bool:
    """Submit an open attempt whose deadline has passed, as it stands.  True if it did."""
    if attempt.status == AttemptStatus.IN_PROGRESS and now > attempt.deadline_at + GRACE:
        _finalize(session, attempt, now, timed_out=True)
        return True
    return False


def submit_expired_attempts(session: Session, now: datetime, agent_id: int | None = None) -> int:
    """Submit, as they stand, open attempts whose deadline has passed (an agent who closed
    the tab never comes back to trigger it; the daily job and the agent's pages do)."""
    q = sa.select(Attempt).where(Attempt.status == AttemptStatus.IN_PROGRESS, Attempt.deadline_at < now - GRACE)
    if agent_id is not None:
        q = q.where(Attempt.agent_id == agent_id)
    expired = session.scalars(q).all()
    for attempt in expired:
        enforce_deadline(session, attempt, now)
    return len(expired)


def _store_answers(session: Session, attempt: Attempt, answers: dict[int, AnswerInput]) -> None:
    drawn = set(attempt.question_ids)
    questions = {q.id: q for q in session.scalars(sa.select(Question).where(Question.id.in_(drawn)))}
    existing = {a.question_id: a for a in attempt.answers}
    for qid, given in answers.items():
        if qid not in drawn:
            raise ValidationError("answer to a question that is not in this attempt", field=f"q{qid}")
        q = questions[qid]
        valid_ids = {c.id for c in q.choices}
        chosen = list(dict.fromkeys(given.choice_ids))
        if any(c not in valid_ids for c in chosen):
            raise ValidationError("unknown choice", field=f"q{qid}")
        if q.kind in (QuestionKind.SINGLE, QuestionKind.TRUE_FALSE) and len(chosen) > 1:
            raise ValidationError("choose one answer", field=f"q{qid}")
        text = given.text.strip()[:5000] if q.kind == QuestionKind.SHORT_TEXT else ""
        row = existing.get(qid)
        if row is None:
            row = AttemptAnswer(question_id=qid, max_points=q.points, choice_ids=[], text="")
            attempt.answers.append(row)
        row.choice_ids = chosen if q.kind != QuestionKind.SHORT_TEXT else []
        row.text = text


def save_answers(session: Session, attempt_id: int, agent_id: int, answers: dict[int, AnswerInput], now: datetime) -> Attempt:
    """Keep answers of an open attempt (progress is not lost on a dropped connection)."""
    attempt = get_own_attempt(session, attempt_id, agent_id, now)
    attempt.ensure_open()
    _store_answers(session, attempt, answers)
    session.flush()
    return attempt


def submit_attempt(session: Session, attempt_id: int, agent_id: int, answers: dict[int, AnswerInput], now: datetime) -> Attempt:
    """Submit once.  Past the deadline the attempt is submitted with what was saved before
    it, and the late answers are refused."""
    attempt = session.get(Attempt, attempt_id)
    if attempt is None:
        raise NotFound("attempt not found", field="attempt")
    if attempt.agent_id != agent_id:
        raise PermissionDenied("this is not your attempt", field="attempt")
    if attempt.status != AttemptStatus.IN_PROGRESS:
        raise Conflict("this attempt was already submitted and cannot be changed", field="attempt")
    if enforce_deadline(session, attempt, now):
        return attempt  # timed out before these answers arrived: they are too late
    _store_answers(session, attempt, answers)
    _finalize(session, attempt, now, timed_out=False)
    return attempt


def _finalize(session: Session, attempt: Attempt, now: datetime, *, timed_out: bool) -> None:
    # a timed-out attempt counts as handed in at its deadline, whenever it is noticed
    attempt.mark_submitted(min(now, attempt.deadline_at) if timed_out else now, timed_out)
    answered = {a.question_id for a in attempt.answers}
    questions = {q.id: q for q in session.scalars(sa.select(Question).where(Question.id.in_(attempt.question_ids)))}
    for qid in attempt.question_ids:
        if qid not in answered:
            attempt.answers.append(AttemptAnswer(question_id=qid, max_points=questions[qid].points, choice_ids=[], text=""))
    for ans in attempt.answers:
        q = questions[ans.question_id]
        if q.kind == QuestionKind.SHORT_TEXT and not (ans.text or "").strip():
            ans.points_awarded = 0.0  # nothing to grade
            continue
        s = score_answer(q.kind, q.correct_choice_ids, ans.choice_ids or [], q.points)
        ans.points_awarded = s.points
    session.flush()
    if all(a.points_awarded is not None for a in attempt.answers):
        _complete(session, attempt, now, grader_id=None)


def _scores(attempt: Attempt) -> list[AnswerScore]:
    return [AnswerScore(a.points_awarded, a.max_points) for a in attempt.answers]


def _complete(session: Session, attempt: Attempt, now: datetime, grader_id: int | None) -> None:
    result = attempt_score(_scores(attempt), attempt.course.pass_mark)
    attempt.score = result.score
    attempt.passed = result.passed
    attempt.status = AttemptStatus.GRADED
    attempt.graded_at = now
    attempt.graded_by_id = grader_id
    session.flush()
    if attempt.passed:
        grant_certification(session, attempt, now)
    notify(session, [attempt.agent.user_id], "attempt_passed" if attempt.passed else "attempt_failed",
           {"course": attempt.course.title, "score": round((attempt.score or 0) * 100)},
           f"/me/training/attempts/{attempt.id}")


def grant_certification(session: Session, attempt: Attempt, now: datetime, granted_on: date | None = None) -> Certification:
    """Certify the agent; the expiry follows the course's validity period, always."""
    course = attempt.course
    day = granted_on or now.date()
    cert = Certification(agent_id=attempt.agent_id, course_id=course.id, attempt_id=attempt.id, granted_at=now,
                         expires_on=certification_expiry(day, course.validity_months))
    session.add(cert)
    complete_assignments(session, attempt.agent_id, course.id, now)
    session.flush()
    audit.record(session, "certify", "training_certifications", cert.id,
                 new={"agent_id": cert.agent_id, "course": course.code, "attempt": attempt.id,
                      "score": attempt.score, "expires_on": cert.expires_on},
                 reason=f"passed {course.code} attempt {attempt.number}")
    return cert


def grade_answers(session: Session, attempt_id: int, grades: dict[int, tuple[float, str]], feedback: str,
                  grader_id: int, now: datetime) -> Attempt:
    """A trainer grades the short-text answers of a submitted attempt (answer id ->
    points, comment).  When none is left ungraded the attempt's result is final."""
    attempt = session.get(Attempt, attempt_id)
    if attempt is None:
        raise NotFound("attempt not found", field="attempt")
    if attempt.status != AttemptStatus.SUBMITTED:
        raise Conflict("only submitted attempts waiting for grading can be graded; use an override", field="attempt")
    by_id = {a.id: a for a in attempt.answers}
    for answer_id, (points, comment) in grades.items():
        ans = by_id.get(answer_id)
        if ans is None or ans.question.kind != QuestionKind.SHORT_TEXT:
            raise ValidationError("not a short-text answer of this attempt", field=f"points_{answer_id}")
        try:
            validate_manual_points(points, ans.max_points)
        except ValueError as err:
            raise ValidationError(str(err), field=f"points_{answer_id}") from None
        ans.points_awarded = float(points)
        ans.grader_comment = comment.strip()[:2000]
        audit.record(session, "grade", "training_attempt_answers", ans.id, new={"points": points}, reason=comment or None)
    attempt.feedback = feedback.strip()[:5000]
    session.flush()
    if all(a.points_awarded is not None for a in attempt.answers):
        _complete(session, attempt, now, grader_id)
    return attempt


def override_result(session: Session, attempt_id: int, score: float, reason: str, user_id: int, now: datetime) -> Attempt:
    """Set an attempt's score by hand (appeal, mis-keyed question).  The reason is
    required and logged with the old and new result; the certification follows."""
    if not reason or not reason.strip():
        raise ValidationError("say why the result is overridden", field="reason")
    if not 0.0 <= score <= 1.0:
        raise ValidationError("the score must be between 0 and 100 %", field="score")
    attempt = session.get(Attempt, attempt_id)
    if attempt is None:
        raise NotFound("attempt not found", field="attempt")
    if attempt.status == AttemptStatus.IN_PROGRESS:
        raise Conflict("the attempt is still in progress", field="attempt")
    old = {"score": attempt.score, "passed": attempt.passed, "status": attempt.status}
    attempt.score = score
    attempt.passed = score + 1e-9 >= attempt.course.pass_mark
    attempt.status = AttemptStatus.GRADED
    attempt.overridden = True
    attempt.graded_at = now
    attempt.graded_by_id = user_id
    session.flush()
    audit.record(session, "grade_override", "training_attempts", attempt.id, old=old,
                 new={"score": attempt.score, "passed": attempt.passed}, reason=reason.strip())
    cert = session.scalar(sa.select(Certification).where(Certification.attempt_id == attempt.id,
                                                        Certification.revoked_at.is_(None)))
    if attempt.passed and cert is None:
        grant_certification(session, attempt, now)
    elif not attempt.passed and cert is not None:
        cert.revoked_at = now
        cert.revoked_reason = reason.strip()
        audit.record(session, "revoke_certification", "training_certifications", cert.id, reason=reason.strip())
    notify(session, [attempt.agent.user_id], "attempt_passed" if attempt.passed else "attempt_failed",
           {"course": attempt.course.title, "score": round(score * 100)}, f"/me/training/attempts/{attempt.id}")
    session.flush()
    return attempt
