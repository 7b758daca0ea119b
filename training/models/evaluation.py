"""Evaluation beyond the score: reaction surveys (level 1) and the weekly quality figures
(QA score, CSAT, FCR) that levels 3-4 compare before and after a course; and the log that
keeps reminder e-mails from going out twice."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scheduler.db import UTCDateTime, db, utcnow
from scheduler.models.agents import Agent


class SurveyResponse(db.Model):
    __tablename__ = "training_survey_responses"
    __table_args__ = (sa.UniqueConstraint("session_id", "agent_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("training_sessions.id", ondelete="CASCADE"), index=True)
    agent_id: Mapped[int] = mapped_column(sa.ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    #: 1..5: overall satisfaction, relevance to the job, trainer quality.
    satisfaction: Mapped[int] = mapped_column(sa.SmallInteger)
    relevance: Mapped[int] = mapped_column(sa.SmallInteger)
    trainer_rating: Mapped[int] = mapped_column(sa.SmallInteger)
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class QualityFigure(db.Model):
    """An agent's quality figures for one week, imported from the QA / survey systems."""

    __tablename__ = "training_quality_figures"
    __table_args__ = (sa.UniqueConstraint("agent_id", "week_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(sa.ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    #: Monday of the week.
    week_start: Mapped[date] = mapped_column(sa.Date, index=True)
    #: Quality-monitoring score 0..100.
    qa_score: Mapped[float | None] = mapped_column()
    #: Customer satisfaction 0..100 (share of satisfied customers, or a scaled score).
    csat: Mapped[float | None] = mapped_column()
    #: First-contact resolution 0..100 %.
    fcr: Mapped[float | None] = mapped_column()

    agent: Mapped[Agent] = relationship()


class ReminderLog(db.Model):
    """One reminder sent: the unique key makes the periodic job idempotent."""

    __tablename__ = "training_reminders"
    __table_args__ = (sa.UniqueConstraint("key", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: e.g. ``due:assignment:12:7`` or ``expiry:certification:5:30``.
    key: Mapped[str] = mapped_column(sa.String(80))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    emailed: Mapped[bool] = mapped_column(default=False)
