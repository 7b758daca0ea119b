"""Assessment attempts and their answers, and the certifications they lead to.

An attempt is a lifecycle: in progress -> submitted (waiting for a trainer to grade
short-text answers) -> graded.  Submission is one-way: once ``submitted_at`` is set the
answers never change (only a trainer's grading of short-text answers, or an audited
override, changes the score).  The questions drawn are frozen in ``question_ids`` so a
reload cannot re-draw an easier set.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scheduler.db import UTCDateTime, db, utcnow
from scheduler.errors import Conflict
from scheduler.models.agents import Agent
from training.models.courses import Course, Question


class AttemptStatus(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"  # waiting for a trainer to grade short-text answers
    GRADED = "graded"


class Attempt(db.Model):
    __tablename__ = "training_attempts"
    __table_args__ = (sa.UniqueConstraint("agent_id", "course_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("training_courses.id", ondelete="CASCADE"), index=True)
    agent_id: Mapped[int] = mapped_column(sa.ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    #: 1, 2, ... per agent and course; capped by the course's max_attempts.
    number: Mapped[int] = mapped_column()
    status: Mapped[str] = mapped_column(sa.String(12), default=AttemptStatus.IN_PROGRESS)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: started_at + time limit; any access after it submits the attempt as it stands.
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: True when the deadline passed and the server submitted the attempt itself.
    timed_out: Mapped[bool] = mapped_column(default=False)
    #: Questions drawn for this attempt, in the order shown.
    question_ids: Mapped[list] = mapped_column(sa.JSON, default=list)
    #: Share of points earned, 0..1; None until fully graded.
    score: Mapped[float | None] = mapped_column()
    passed: Mapped[bool | None] = mapped_column()
    graded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    graded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: Trainer's overall feedback to the agent.
    feedback: Mapped[str] = mapped_column(sa.Text, default="")
    #: Set when a trainer overrode the computed score (the reason is in the audit log).
    overridden: Mapped[bool] = mapped_column(default=False)

    course: Mapped[Course] = relationship()
    agent: Mapped[Agent] = relationship()
    answers: Mapped[list[AttemptAnswer]] = relationship(
        back_populates="attempt", cascade="all, delete-orphan", order_by="AttemptAnswer.id", lazy="selectin"
    )

    @property
    def is_open(self) -> bool:
        return self.status == AttemptStatus.IN_PROGRESS

    def ensure_open(self) -> None:
        if self.status != AttemptStatus.IN_PROGRESS:
            raise Conflict("this attempt was already submitted and cannot be changed", field="attempt")

    def mark_submitted(self, when: datetime, timed_out: bool) -> None:
        self.ensure_open()
        self.status = AttemptStatus.SUBMITTED
        self.submitted_at = when
        self.timed_out = timed_out


class AttemptAnswer(db.Model):
    __tablename__ = "training_attempt_answers"
    __table_args__ = (sa.UniqueConstraint("attempt_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(sa.ForeignKey("training_attempts.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("training_questions.id", ondelete="CASCADE"), index=True)
    #: Chosen choice ids (single, multiple, true/false questions).
    choice_ids: Mapped[list] = mapped_column(sa.JSON, default=list)
    text: Mapped[str] = mapped_column(sa.Text, default="")
    #: None until graded (automatically on submission, or by a trainer for short text).
    points_awarded: Mapped[float | None] = mapped_column()
    max_points: Mapped[float] = mapped_column(default=1.0)
    grader_comment: Mapped[str] = mapped_column(sa.Text, default="")

    attempt: Mapped[Attempt] = relationship(back_populates="answers")
    question: Mapped[Question] = relationship(lazy="joined")


class Certification(db.Model):
    """Proof that an agent passed a course; expires after the course's validity period."""

    __tablename__ = "training_certifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(sa.ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("training_courses.id", ondelete="CASCADE"), index=True)
    attempt_id: Mapped[int | None] = mapped_column(sa.ForeignKey("training_attempts.id", ondelete="SET NULL"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Last valid day; None only when the course has no validity period.
    expires_on: Mapped[date | None] = mapped_column(sa.Date, index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(sa.Text)

    agent: Mapped[Agent] = relationship()
    course: Mapped[Course] = relationship()

    def valid_on(self, day: date) -> bool:
        return self.revoked_at is None and (self.expires_on is None or self.expires_on >= day)
