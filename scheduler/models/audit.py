"""The audit trail: who created, changed or deleted what, when, with old and new values."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from scheduler.db import UTCDateTime, db, utcnow


class AuditLog(db.Model):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: None for system actions (scheduler jobs, demo load).
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: create / update / delete, or a named business action (publish, grade_override ...).
    action: Mapped[str] = mapped_column(sa.String(30))
    entity: Mapped[str] = mapped_column(sa.String(60), index=True)
    entity_id: Mapped[str | None] = mapped_column(sa.String(60))
    old: Mapped[dict | None] = mapped_column(sa.JSON)
    new: Mapped[dict | None] = mapped_column(sa.JSON)
    #: Why, when the actor had to say (grade overrides, manual edits that break a soft rule).
    reason: Mapped[str | None] = mapped_column(sa.Text)
