"""Queues (skills), their service targets, special days and contact history."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scheduler.db import UTCDateTime, db


class Queue(db.Model):
    """A contact queue; an agent's skill is the queue it may answer."""

    __tablename__ = "queues"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id"), index=True)
    #: Short code used in scenario files and exports, e.g. ``CARDS``.
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    channel: Mapped[str] = mapped_column(sa.String(10), default="voice")
    color: Mapped[str] = mapped_column(sa.String(7), default="#4e79a7")
    #: Local opening hours; a 24/7 queue (fraud hotline) has open_24_7 set.
    open_24_7: Mapped[bool] = mapped_column(default=False)
    opens_at: Mapped[str] = mapped_column(sa.String(5), default="08:00")
    closes_at: Mapped[str] = mapped_column(sa.String(5), default="22:00")
    #: Service level target: ``sl_target`` of contacts answered within ``sl_seconds``.
    sl_target: Mapped[float] = mapped_column(default=0.8)
    sl_seconds: Mapped[int] = mapped_column(default=20)
    asa_seconds: Mapped[int | None] = mapped_column()
    max_occupancy: Mapped[float] = mapped_column(default=0.85)
    #: Share of paid time not on the phone (breaks, training, meetings, absence).
    shrinkage: Mapped[float] = mapped_column(default=0.30)
    #: ``erlang-c`` or ``erlang-a`` (the latter uses ``patience_seconds``).
    staffing_model: Mapped[str] = mapped_column(sa.String(10), default="erlang-c")
    patience_seconds: Mapped[int | None] = mapped_column()
    #: Used when history has no handle time, and as the override when set by a planner.
    aht_seconds: Mapped[int] = mapped_column(default=300)
    aht_override: Mapped[bool] = mapped_column(default=False)

    def __repr__(self) -> str:
        return f"<Queue {self.code}>"


class SpecialDay(db.Model):
    """A day whose volume differs from the usual pattern (campaign, outage, local event).

    ``uplift`` multiplies the forecast (1.3 = +30 %); ``queue_id`` None applies to all queues.
    """

    __tablename__ = "special_days"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id"), index=True)
    queue_id: Mapped[int | None] = mapped_column(sa.ForeignKey("queues.id"))
    day: Mapped[date] = mapped_column(sa.Date)
    label: Mapped[str] = mapped_column(sa.String(120))
    uplift: Mapped[float] = mapped_column(default=1.0)

    queue: Mapped[Queue | None] = relationship()


class ContactHistory(db.Model):
    """Contacts per queue and interval, as the ACD reports them."""

    __tablename__ = "contact_history"
    __table_args__ = (sa.UniqueConstraint("queue_id", "interval_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    queue_id: Mapped[int] = mapped_column(sa.ForeignKey("queues.id"), index=True)
    interval_start: Mapped[datetime] = mapped_column(UTCDateTime)
    interval_minutes: Mapped[int] = mapped_column(sa.SmallInteger)
    offered: Mapped[int] = mapped_column()
    answered: Mapped[int | None] = mapped_column()
    abandoned: Mapped[int | None] = mapped_column()
    #: Mean handle time (talk + hold + wrap-up) of the answered contacts, seconds.
    aht_seconds: Mapped[float | None] = mapped_column()

    queue: Mapped[Queue] = relationship()
