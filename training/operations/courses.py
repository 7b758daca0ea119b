"""Creating and editing courses and their question banks."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from scheduler.errors import Conflict, NotFound, ValidationError
from training.models import Category, Choice, Course, CourseType, Delivery, Question, QuestionKind


@dataclass(frozen=True)
class CourseData:
    code: str
    title: str
    category: str = Category.PRODUCTS
    course_type: str = CourseType.ON_THE_JOB
    delivery: str = Delivery.CLASSROOM
    duration_minutes: int = 120
    mandatory: bool = False
    validity_months: int | None = None
    description: str = ""
    questions_per_attempt: int = 10
    time_limit_minutes: int = 30
    pass_mark: float = 0.8
    max_attempts: int = 3
    prerequisite_ids: tuple[int, ...] = field(default_factory=tuple)

    def validate(self) -> None:
        if not self.code.strip() or len(self.code) > 30:
            raise ValidationError("a code of 1 to 30 characters is required", field="code")
        if not self.title.strip() or len(self.title) > 200:
            raise ValidationError("a title of 1 to 200 characters is required", field="title")
        if self.category not in set(Category):
            raise ValidationError("unknown category", field="category")
        if self.course_type not in set(CourseType):
            raise ValidationError("unknown course type", field="course_type")
        if self.delivery not in set(Delivery):
            raise ValidationError("unknown delivery", field="delivery")
        if not 15 <= self.duration_minutes <= 8 * 60:
            raise ValidationError("duration must be 15 to 480 minutes", field="duration_minutes")
        if self.validity_months is not None and not 1 <= self.validity_months <= 120:
            raise ValidationError("validity must be 1 to 120 months", field="validity_months")
        if not 1 <= self.questions_per_attempt <= 100:
            raise ValidationError("questions per attempt must be 1 to 100", field="questions_per_attempt")
        if not 1 <= self.time_limit_minutes <= 600:
            raise ValidationError("time limit must be 1 to 600 minutes", field="time_limit_minutes")
        if not 0.0 < self.pass_mark <= 1.0:
            raise ValidationError("pass mark must be between 1 and 100 %", field="pass_mark")
        if not 1 <= self.max_attempts <= 20:
            raise ValidationError("maximum attempts must be 1 to 20", field="max_attempts")


def _apply(session: Session, course: Course, data: CourseData) -> None:
    data.validate()
    clash = session.scalar(sa.select(Course.id).where(Course.code == data.code.strip(), Course.id != (course.id or -1)))
    if clash:
        raise Conflict("another course already has this code", field="code")
    for name in ("title", "category", "course_type", "delivery", "duration_minutes", "mandatory", "validity_months",
                 "description", "questions_per_attempt", "time_limit_minutes", "pass_mark", "max_attempts"):
        setattr(course, name, getattr(data, name))
    course.code = data.code.strip()
    prereqs = [session.get(Course, i) for i in data.prerequisite_ids]
    if any(p is None for p in prereqs) or any(p is course for p in prereqs):
        raise ValidationError("invalid prerequisite", field="prerequisites")
    course.prerequisites = prereqs  # type: ignore[assignment]


def create_course(session: Session, data: CourseData, owner_id: int | None) -> Course:
    course = Course(owner_id=owner_id)
    _apply(session, course, data)
    session.add(course)
    session.flush()
    return course


def update_course(session: Session, course_id: int, data: CourseData) -> Course:
    course = session.get(Course, course_id)
    if course is None:
        raise NotFound("course not found", field="course")
    _apply(session, course, data)
    session.flush()
    return course


@dataclass(frozen=True)
class QuestionData:
    kind: str
    text: str
    points: float = 1.0
    explanation: str = ""
    #: (text, correct) per choice; for true/false use ``true_is_correct`` instead.
    choices: tuple[tuple[str, bool], ...] = ()
    true_is_correct: bool = True


def add_question(session: Session, course_id: int, data: QuestionData) -> Question:
    course = session.get(Course, course_id)
    if course is None:
        raise NotFound("course not found", field="course")
    if data.kind not in set(QuestionKind):
        raise ValidationError("unknown question type", field="kind")
    if not data.text.strip() or len(data.text) > 5000:
        raise ValidationError("the question text is required (up to 5000 characters)", field="text")
    if not 0 < data.points <= 100:
        raise ValidationError("points must be between 0 and 100", field="points")
    q = Question(course_id=course.id, kind=data.kind, text=data.text.strip(), points=data.points,
                 explanation=data.explanation.strip())
    if data.kind == QuestionKind.TRUE_FALSE:
        # Stored as the keys "true"/"false"; templates show them translated.
        q.choices = [Choice(position=0, text="true", correct=data.true_is_correct),
                     Choice(position=1, text="false", correct=not data.true_is_correct)]
    elif data.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        choices = [(t.strip(), c) for t, c in data.choices if t.strip()]
        if len(choices) < 2:
            raise ValidationError("give at least two choices", field="choices")
        if any(len(t) > 500 for t, _ in choices):
            raise ValidationError("a choice may have up to 500 characters", field="choices")
        n_correct = sum(1 for _, c in choices if c)
        if data.kind == QuestionKind.SINGLE and n_correct != 1:
            raise ValidationError("a single-choice question needs exactly one correct choice", field="choices")
        if data.kind == QuestionKind.MULTIPLE and n_correct < 1:
            raise ValidationError("mark at least one correct choice", field="choices")
        q.choices = [Choice(position=i, text=t, correct=c) for i, (t, c) in enumerate(choices)]
    session.add(q)
    session.flush()
    return q


def retire_question(session: Session, question_id: int) -> Question:
    """Questions are retired, not deleted: past attempts keep pointing at them."""
    q = session.get(Question, question_id)
    if q is None:
        raise NotFound("question not found", field="question")
    q.active = False
    session.flush()
    return q
