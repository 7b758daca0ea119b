"""Agent self-service records: shift swaps between colleagues, and the availability and
shift preferences that the next roster takes into account.

Time off has its own model (``scheduler.models.timeoff``); these are the other requests an
agent makes about their own roster.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scheduler.db import UTCDateTime, db, utcnow
from scheduler.errors import Conflict
from scheduler.models.agents import Agent
from scheduler.models.rosters import Roster


class SwapStatus(enum.StrEnum):
    #: Checked against the rules and offered to the colleague.
    OFFERED = "offered"
    #: The colleague agreed; waiting for a supervisor.
    ACCEPTED = "accepted"
    DECLINED = "declined"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


#: Legal moves; a swap is applied to the roster only on ACCEPTED -> APPROVED.
SWAP_TRANSITIONS: dict[str, set[str]] = {
    SwapStatus.OFFERED: {SwapStatus.ACCEPTED, SwapStatus.DECLINED, SwapStatus.CANCELLED, SwapStatus.REJECTED},
    SwapStatus.ACCEPTED: {SwapStatus.APPROVED, SwapStatus.REJECTED, SwapStatus.CANCELLED},
    SwapStatus.DECLINED: set(),
    SwapStatus.APPROVED: set(),
    SwapStatus.REJECTED: set(),
    SwapStatus.CANCELLED: set(),
}

OPEN_SWAP_STATUSES = (SwapStatus.OFFERED, SwapStatus.ACCEPTED)


class SwapRequest(db.Model):
    """Agent A gives their shift on ``requester_day`` to colleague B and takes B's shift on
    ``colleague_day`` (the same day for a plain exchange; either side may be a day off).
    The shift codes seen when the swap was offered are kept, so a roster that changed in
    the meantime is detected instead of swapping something nobody agreed to."""

    __tablename__ = "swap_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    roster_id: Mapped[int] = mapped_column(sa.ForeignKey("rosters.id", ondelete="CASCADE"), index=True)
    requester_id: Mapped[int] = mapped_column(sa.ForeignKey("agents.id"), index=True)
    colleague_id: Mapped[int] = mapped_column(sa.ForeignKey("agents.id"), index=True)
    requester_day: Mapped[date] = mapped_column(sa.Date)
    colleague_day: Mapped[date] = mapped_column(sa.Date)
    #: Shift codes at offer time (None = day off).
    requester_code: Mapped[str | None] = mapped_column(sa.String(10))
    colleague_code: Mapped[str | None] = mapped_column(sa.String(10))
    status: Mapped[str] = mapped_column(sa.String(10), default=SwapStatus.OFFERED, index=True)
    note: Mapped[str | None] = mapped_column(sa.Text)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The published roster version that carries the approved swap.
    result_version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("roster_versions.id", ondelete="SET NULL"))

    roster: Mapped[Roster] = relationship()
    requester: Mapped[Agent] = relationship(foreign_keys=[requester_id])
    colleague: Mapped[Agent] = relationship(foreign_keys=[colleague_id])

    def move_to(self, status: str) -> None:
        if status not in SWAP_TRANSITIONS[self.status]:
            raise Conflict("this swap can no longer change to this status", field="status")
        self.status = status

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_SWAP_STATUSES


class PreferenceKind(enum.StrEnum):
    WANT = "want"
    AVOID = "avoid"


#: The shift code that means "a day off" in preferences (as in the roster engine's input).
OFF = "OFF"


class ShiftPreference(db.Model):
    """"I want / want to avoid shift X (or a day off) on a date", or every given weekday
    between two dates (recurring availability: "never on Wednesday evenings").

    ``weight`` (1..10) is how much the agent cares; the roster engine multiplies it by its
    preference weight, so a preference is a wish the solver may overrule for coverage.
    """

    __tablename__ = "shift_preferences"
    __table_args__ = (
        sa.CheckConstraint("(day IS NULL) <> (weekday IS NULL)", name="day_or_weekday"),
        sa.CheckConstraint("weight BETWEEN 1 AND 10", name="weight_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(sa.ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    #: A single date, or ...
    day: Mapped[date | None] = mapped_column(sa.Date)
    #: ... a weekday (0 = Monday) repeating from ``valid_from`` to ``valid_until`` (inclusive, open if None).
    weekday: Mapped[int | None] = mapped_column(sa.SmallInteger)
    valid_from: Mapped[date | None] = mapped_column(sa.Date)
    valid_until: Mapped[date | None] = mapped_column(sa.Date)
    #: A shift template code, or ``OFF`` for a day off.
    shift_code: Mapped[str] = mapped_column(sa.String(10))
    kind: Mapped[str] = mapped_column(sa.String(5))
    weight: Mapped[int] = mapped_column(sa.SmallInteger, default=5)
    note: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    agent: Mapped[Agent] = relationship()
