"""Time-off requests and approved leave."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scheduler.db import UTCDateTime, db, utcnow
from scheduler.errors import Conflict
from scheduler.models.agents import Agent


class RequestStatus(enum.StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


#: Legal moves of a request's lifecycle; anything else is refused (Indico's pattern).
REQUEST_TRANSITIONS: dict[str, set[str]] = {
    RequestStatus.REQUESTED: {RequestStatus.APPROVED, RequestStatus.REJECTED, RequestStatus.CANCELLED},
    RequestStatus.APPROVED: {RequestStatus.CANCELLED},
    RequestStatus.REJECTED: set(),
    RequestStatus.CANCELLED: set(),
}


class TimeOff(db.Model):
    __tablename__ = "time_off"

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(sa.ForeignKey("agents.id"), index=True)
    start_date: Mapped[date] = mapped_column(sa.Date)
    end_date: Mapped[date] = mapped_column(sa.Date)
    #: vacation / sick / personal / training
    kind: Mapped[str] = mapped_column(sa.String(20), default="vacation")
    status: Mapped[str] = mapped_column(sa.String(10), default=RequestStatus.REQUESTED)
    reason: Mapped[str | None] = mapped_column(sa.Text)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    agent: Mapped[Agent] = relationship()

    def move_to(self, status: str) -> None:
        if status not in REQUEST_TRANSITIONS[self.status]:
            raise Conflict(_l("cannot change a %(old)s request to %(new)s", old=str(self.status), new=str(status)), field="status")
        self.status = status
