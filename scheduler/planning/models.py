"""Forecast runs, their per-interval forecasts, and the staffing requirements derived
from them.

A forecast run is kept whole (its intervals and the backtest accuracy) so that the
planner can see what a requirement came from; requirements are the *current* need per
queue and interval, recomputed whenever a forecast runs or a queue's staffing
parameters change, and are what the roster engine and the training placement read.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scheduler.db import UTCDateTime, db, utcnow
from scheduler.models.queues import Queue


class ForecastRun(db.Model):
    __tablename__ = "forecast_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: First local day forecast, and how many days.
    first_day: Mapped[date] = mapped_column(sa.Date)
    days: Mapped[int] = mapped_column()
    interval_minutes: Mapped[int] = mapped_column(sa.SmallInteger)
    #: The history the run learned from (local days).
    history_start: Mapped[date | None] = mapped_column(sa.Date)
    history_end: Mapped[date | None] = mapped_column(sa.Date)
    #: Per queue code: chosen method, backtest metrics of every method, last fold series.
    accuracy: Mapped[dict | None] = mapped_column(sa.JSON)

    intervals: Mapped[list[ForecastInterval]] = relationship(
        back_populates="run", cascade="all, delete-orphan", passive_deletes=True
    )


class ForecastInterval(db.Model):
    __tablename__ = "forecast_intervals"
    __table_args__ = (sa.UniqueConstraint("run_id", "queue_id", "interval_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("forecast_runs.id", ondelete="CASCADE"), index=True)
    queue_id: Mapped[int] = mapped_column(sa.ForeignKey("queues.id", ondelete="CASCADE"))
    interval_start: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Expected contacts offered, with the 10 % / 90 % quantiles.
    volume: Mapped[float] = mapped_column()
    volume_p10: Mapped[float] = mapped_column()
    volume_p90: Mapped[float] = mapped_column()
    aht_seconds: Mapped[float] = mapped_column()

    run: Mapped[ForecastRun] = relationship(back_populates="intervals")


class StaffingRequirement(db.Model):
    """Agents a queue needs in one interval.

    ``agents_on_phone`` is the Erlang answer for the queue's service target (what the
    roster engine covers, since it places breaks itself); ``agents_required`` adds the
    queue's shrinkage (heads on shift), the figure planners compare with the roster.
    """

    __tablename__ = "staffing_requirements"
    __table_args__ = (sa.UniqueConstraint("queue_id", "interval_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    queue_id: Mapped[int] = mapped_column(sa.ForeignKey("queues.id", ondelete="CASCADE"), index=True)
    interval_start: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    forecast_run_id: Mapped[int | None] = mapped_column(sa.ForeignKey("forecast_runs.id", ondelete="SET NULL"))
    volume: Mapped[float] = mapped_column()
    aht_seconds: Mapped[float] = mapped_column()
    agents_on_phone: Mapped[int] = mapped_column()
    agents_required: Mapped[int] = mapped_column()
    #: Service level the on-phone figure gives (>= target unless the queue cannot reach it).
    service_level: Mapped[float | None] = mapped_column()
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    queue: Mapped[Queue] = relationship()
