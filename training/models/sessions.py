"""Scheduled classroom or virtual sessions and who is enrolled.

An accepted session is also written into each attendee's shift as a ShiftActivity of kind
``training`` whose ``ref_id`` is the session id: that block takes the agent off the
coverage, and the agent sees it in "my shifts".
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scheduler.db import UTCDateTime, db, utcnow
from scheduler.models.agents import Agent
from scheduler.models.users import User
from training.models.courses import Course


class SessionStatus(enum.StrEnum):
    PLANNED = "planned"
    CANCELLED = "cancelled"


class TrainingSession(db.Model):
    __tablename__ = "training_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("training_courses.id", ondelete="CASCADE"), index=True)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    delivery: Mapped[str] = mapped_column(sa.String(20), default="classroom")
    location: Mapped[str] = mapped_column(sa.String(120), default="")
    capacity: Mapped[int] = mapped_column(default=12)
    trainer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(sa.String(12), default=SessionStatus.PLANNED)
    #: Projected service-level impact when the slot was accepted from a placement proposal.
    placement: Mapped[dict | None] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    course: Mapped[Course] = relationship(lazy="joined")
    trainer: Mapped[User | None] = relationship()
    enrolments: Mapped[list[Enrolment]] = relationship(back_populates="session", cascade="all, delete-orphan")


class Enrolment(db.Model):
    __tablename__ = "training_enrolments"
    __table_args__ = (sa.UniqueConstraint("session_id", "agent_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("training_sessions.id", ondelete="CASCADE"), index=True)
    agent_id: Mapped[int] = mapped_column(sa.ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: None until the trainer records attendance.
    attended: Mapped[bool | None] = mapped_column()

    session: Mapped[TrainingSession] = relationship(back_populates="enrolments")
    agent: Mapped[Agent] = relationship()
