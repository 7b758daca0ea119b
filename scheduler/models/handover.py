"""The supervisors' handover log: what the outgoing shift tells the incoming one."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scheduler.db import UTCDateTime, db, utcnow
from scheduler.models.org import Site
from scheduler.models.users import User


class HandoverNote(db.Model):
    """One handover between shifts.  Acknowledged once, by a supervisor of the next shift
    (not its author): until then the board shows it as open, so nothing is lost between
    a late and a night shift."""

    __tablename__ = "handover_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    what_happened: Mapped[str] = mapped_column(sa.Text)
    open_issues: Mapped[str] = mapped_column(sa.Text, default="")
    escalations: Mapped[str] = mapped_column(sa.Text, default="")
    acknowledged_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    site: Mapped[Site] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    acknowledged_by: Mapped[User | None] = relationship(foreign_keys=[acknowledged_by_id])
