"""Training plans (ordered courses with target offsets) and the assignments they create.

A plan is a template; assigning it to an audience (a new-hire cohort, a team, everyone
with a skill, or named agents) creates one Assignment per agent and course, each with
its own due date.  Progress is read from the assignments, so a plan edited later does
not rewrite what agents were already asked to do.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scheduler.db import UTCDateTime, db, utcnow
from scheduler.models.agents import Agent
from training.models.courses import Course


class Audience(enum.StrEnum):
    COHORT = "cohort"
    TEAM = "team"
    SKILL = "skill"
    INDIVIDUAL = "individual"


class TrainingPlan(db.Model):
    __tablename__ = "training_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    #: The audience the plan is designed for (informative; any audience may be assigned).
    audience: Mapped[str] = mapped_column(sa.String(20), default=Audience.TEAM)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    items: Mapped[list[PlanItem]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanItem.position"
    )


class PlanItem(db.Model):
    __tablename__ = "training_plan_items"
    __table_args__ = (sa.UniqueConstraint("plan_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("training_plans.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("training_courses.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    #: Days after the plan's start date by which the course should be done.
    offset_days: Mapped[int] = mapped_column(default=14)
    #: A fixed target date overrides the offset (a regulator's deadline).
    target_date: Mapped[date | None] = mapped_column(sa.Date)

    plan: Mapped[TrainingPlan] = relationship(back_populates="items")
    course: Mapped[Course] = relationship(lazy="joined")


class Assignment(db.Model):
    """One agent asked to complete one course by a date."""

    __tablename__ = "training_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(sa.ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("training_courses.id", ondelete="CASCADE"), index=True)
    plan_id: Mapped[int | None] = mapped_column(sa.ForeignKey("training_plans.id", ondelete="SET NULL"), index=True)
    #: Position of the course in the plan (for ordering the agent's view).
    position: Mapped[int] = mapped_column(default=0)
    #: How the agent was chosen, e.g. ``team:Cards`` or ``cohort:2026-11-01..2026-11-30``.
    audience_label: Mapped[str] = mapped_column(sa.String(120), default="")
    due_date: Mapped[date] = mapped_column(sa.Date)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    assigned_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: Set when the agent passes the course's assessment.
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set once by the reminder job when the due date has passed without completion.
    overdue_flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    agent: Mapped[Agent] = relationship()
    course: Mapped[Course] = relationship()
    plan: Mapped[TrainingPlan | None] = relationship()

    def is_overdue(self, today: date) -> bool:
        return self.completed_at is None and self.due_date < today
