"""Shift templates, rosters with numbered versions, shifts and the activities inside them.

A roster covers a period for a site.  Its versions are where shifts live: at most one
draft (editable) and any number of published versions, numbered 1, 2, ... whose shifts
are immutable once published, so the difference between what agents were told and what
changed is always recoverable.  One thing is added to published shifts in place: a
trainer's session enrolment puts a training block inside the enrolled agents' shifts
(training.operations.sessions), because it changes no one's working hours; each such
block is in the audit log and the agent is notified.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scheduler.db import UTCDateTime, db, utcnow
from scheduler.errors import Conflict
from scheduler.models.agents import Agent
from scheduler.models.org import Site


class ShiftTemplate(db.Model):
    __tablename__ = "shift_templates"
    __table_args__ = (sa.UniqueConstraint("site_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(10))
    name: Mapped[str] = mapped_column(sa.String(80))
    #: Local start time ``HH:MM`` on a 15-minute grid; a shift may end after midnight.
    start: Mapped[str] = mapped_column(sa.String(5))
    length_minutes: Mapped[int] = mapped_column()
    unpaid_break_minutes: Mapped[int] = mapped_column(default=0)
    #: early / day / late / night / part: drives colour and fairness counting.
    kind: Mapped[str] = mapped_column(sa.String(10), default="day")
    color: Mapped[str] = mapped_column(sa.String(7), default="#59a14f")
    active: Mapped[bool] = mapped_column(default=True)

    @property
    def paid_minutes(self) -> int:
        return self.length_minutes - self.unpaid_break_minutes

    @property
    def end(self) -> str:
        """Local end time ``HH:MM`` (the clock time: a night shift's end is the next morning's)."""
        h, m = (int(x) for x in self.start.split(":"))
        total = (h * 60 + m + self.length_minutes) % (24 * 60)
        return f"{total // 60:02d}:{total % 60:02d}"

    @property
    def hours(self) -> str:
        """``HH:MM–HH:MM``, as the roster legend and cell tooltips show it."""
        return f"{self.start}\u2013{self.end}"


class Roster(db.Model):
    __tablename__ = "rosters"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    start_date: Mapped[date] = mapped_column(sa.Date)
    days: Mapped[int] = mapped_column()
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    site: Mapped[Site] = relationship()
    versions: Mapped[list[RosterVersion]] = relationship(
        back_populates="roster", cascade="all, delete-orphan", order_by="RosterVersion.id"
    )

    @property
    def draft(self) -> RosterVersion | None:
        return next((v for v in self.versions if v.status == VersionStatus.DRAFT), None)

    @property
    def latest_published(self) -> RosterVersion | None:
        published = [v for v in self.versions if v.status == VersionStatus.PUBLISHED]
        return max(published, key=lambda v: v.number or 0) if published else None


class VersionStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class RosterVersion(db.Model):
    __tablename__ = "roster_versions"
    __table_args__ = (sa.UniqueConstraint("roster_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    roster_id: Mapped[int] = mapped_column(sa.ForeignKey("rosters.id", ondelete="CASCADE"), index=True)
    #: 1, 2, ... once published; None while a draft.
    number: Mapped[int | None] = mapped_column()
    status: Mapped[str] = mapped_column(sa.String(10), default=VersionStatus.DRAFT)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(sa.Text)
    #: Solver summary (status, objective, bound, coverage figures) when the draft came from a solve.
    summary: Mapped[dict | None] = mapped_column(sa.JSON)

    roster: Mapped[Roster] = relationship(back_populates="versions")
    shifts: Mapped[list[Shift]] = relationship(
        back_populates="version", cascade="all, delete-orphan", order_by="Shift.start_at"
    )

    def publish(self, number: int, user_id: int | None, when: datetime) -> None:
        """Freeze this draft as version ``number``; a published version never changes again."""
        if self.status != VersionStatus.DRAFT:
            raise Conflict("only a draft can be published", field="status")
        self.status = VersionStatus.PUBLISHED
        self.number = number
        self.published_by_id = user_id
        self.published_at = when

    def ensure_editable(self) -> None:
        if self.status != VersionStatus.DRAFT:
            raise Conflict("a published roster version is immutable; edit the draft", field="version")


class Shift(db.Model):
    __tablename__ = "shifts"
    __table_args__ = (sa.UniqueConstraint("version_id", "agent_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("roster_versions.id", ondelete="CASCADE"), index=True)
    agent_id: Mapped[int] = mapped_column(sa.ForeignKey("agents.id"), index=True)
    #: Local calendar day the shift starts on (a night shift ends the next day).
    day: Mapped[date] = mapped_column(sa.Date)
    template_code: Mapped[str] = mapped_column(sa.String(10))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)

    version: Mapped[RosterVersion] = relationship(back_populates="shifts")
    agent: Mapped[Agent] = relationship()
    activities: Mapped[list[ShiftActivity]] = relationship(
        back_populates="shift", cascade="all, delete-orphan", order_by="ShiftActivity.start_at", lazy="selectin"
    )


class ActivityKind(enum.StrEnum):
    BREAK = "break"
    LUNCH = "lunch"
    TRAINING = "training"
    MEETING = "meeting"
    COACHING = "coaching"


class ShiftActivity(db.Model):
    """An off-phone block inside a shift: break, lunch, training session, meeting."""

    __tablename__ = "shift_activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(sa.ForeignKey("shifts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    label: Mapped[str | None] = mapped_column(sa.String(120))
    #: Id of the training session (or other source) that placed this block.
    ref_id: Mapped[int | None] = mapped_column()

    shift: Mapped[Shift] = relationship(back_populates="activities")
