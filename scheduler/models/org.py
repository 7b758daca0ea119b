"""Sites and teams: the organisation a roster is built for."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scheduler.db import db


class Site(db.Model):
    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Short code used in exports and scenario files, e.g. ``TPE``.
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    #: IANA zone; every local time shown or entered at this site goes through it.
    timezone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    #: ISO country (and optional subdivision) whose public holidays feed forecasts.
    country: Mapped[str] = mapped_column(sa.String(2), default="TW")
    subdivision: Mapped[str | None] = mapped_column(sa.String(10))
    #: First day of the week in calendars: 0 = Monday, 6 = Sunday.
    week_start: Mapped[int] = mapped_column(sa.SmallInteger, default=0)
    default_locale: Mapped[str] = mapped_column(sa.String(16), default="en")

    teams: Mapped[list[Team]] = relationship(back_populates="site", order_by="Team.name")

    def __repr__(self) -> str:
        return f"<Site {self.code}>"


class Team(db.Model):
    __tablename__ = "teams"
    __table_args__ = (sa.UniqueConstraint("site_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))

    site: Mapped[Site] = relationship(back_populates="teams")

    def __repr__(self) -> str:
        return f"<Team {self.name}>"
