"""Courses, their prerequisites and their question banks.

A course carries its assessment rules (how many questions an attempt draws, the time
limit, the pass mark, the number of attempts) because those rules are what an auditor
asks about: "what did an agent have to do to be certified in AML?".
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scheduler.db import UTCDateTime, db, utcnow
from scheduler.models.users import User


class Category(enum.StrEnum):
    PRODUCTS = "products"
    COMMUNICATION = "communication"
    SERVICE = "service"
    COMPLIANCE = "compliance"
    SYSTEMS = "systems"


class CourseType(enum.StrEnum):
    ONBOARDING = "onboarding"
    ON_THE_JOB = "on_the_job"
    TARGETED = "targeted"


class Delivery(enum.StrEnum):
    CLASSROOM = "classroom"
    VIRTUAL = "virtual"
    ELEARNING = "elearning"


class QuestionKind(enum.StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    TRUE_FALSE = "true_false"
    SHORT_TEXT = "short_text"


course_prerequisites = sa.Table(
    "training_course_prerequisites",
    db.metadata,
    sa.Column("course_id", sa.ForeignKey("training_courses.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("prerequisite_id", sa.ForeignKey("training_courses.id", ondelete="CASCADE"), primary_key=True),
)


class Course(db.Model):
    __tablename__ = "training_courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Short code used in exports and CSV files, e.g. ``AML-2026``.
    code: Mapped[str] = mapped_column(sa.String(30), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    category: Mapped[str] = mapped_column(sa.String(20), default=Category.PRODUCTS)
    course_type: Mapped[str] = mapped_column(sa.String(20), default=CourseType.ON_THE_JOB)
    delivery: Mapped[str] = mapped_column(sa.String(20), default=Delivery.CLASSROOM)
    duration_minutes: Mapped[int] = mapped_column(default=120)
    #: Mandatory courses count in the compliance status (share of agents certified).
    mandatory: Mapped[bool] = mapped_column(default=False)
    #: Months a certification stays valid; None = it never expires.
    validity_months: Mapped[int | None] = mapped_column()
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: Questions drawn at random per attempt (fewer if the bank is smaller).
    questions_per_attempt: Mapped[int] = mapped_column(default=10)
    time_limit_minutes: Mapped[int] = mapped_column(default=30)
    #: Share of the points needed to pass, 0..1.
    pass_mark: Mapped[float] = mapped_column(default=0.8)
    max_attempts: Mapped[int] = mapped_column(default=3)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    owner: Mapped[User | None] = relationship()
    prerequisites: Mapped[list[Course]] = relationship(
        secondary=course_prerequisites,
        primaryjoin="Course.id == training_course_prerequisites.c.course_id",
        secondaryjoin="Course.id == training_course_prerequisites.c.prerequisite_id",
        order_by="Course.code",
    )
    questions: Mapped[list[Question]] = relationship(
        back_populates="course", cascade="all, delete-orphan", order_by="Question.id"
    )

    @property
    def active_questions(self) -> list[Question]:
        return [q for q in self.questions if q.active]

    def __repr__(self) -> str:
        return f"<Course {self.code}>"


class Question(db.Model):
    __tablename__ = "training_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("training_courses.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    text: Mapped[str] = mapped_column(sa.Text)
    points: Mapped[float] = mapped_column(default=1.0)
    #: Shown to the agent after submission (why the right answer is right).
    explanation: Mapped[str] = mapped_column(sa.Text, default="")
    #: Retired questions stay for the history of past attempts but are no longer drawn.
    active: Mapped[bool] = mapped_column(default=True)

    course: Mapped[Course] = relationship(back_populates="questions")
    choices: Mapped[list[Choice]] = relationship(
        back_populates="question", cascade="all, delete-orphan", order_by="Choice.position", lazy="selectin"
    )

    @property
    def correct_choice_ids(self) -> frozenset[int]:
        return frozenset(c.id for c in self.choices if c.correct)


class Choice(db.Model):
    __tablename__ = "training_choices"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("training_questions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(sa.String(500))
    #: The key.  Never rendered to an agent before the attempt is submitted.
    correct: Mapped[bool] = mapped_column(default=False)

    question: Mapped[Question] = relationship(back_populates="choices")
