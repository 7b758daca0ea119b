"""The SQLAlchemy extension object and column types shared by every domain package.

Created unbound (Lemur/Flask pattern); ``webapp.create_app`` binds it.  Domain models
import ``db`` from here, never from the web app, so domain code stays usable from the
CLI, the scheduler process and Celery workers.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase

from optimizer.timeutil import to_local

#: Constraint names are fixed by convention so that migrations can drop and alter them
#: identically on SQLite and PostgreSQL (Indico's convention).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


class UTCDateTime(sa.types.TypeDecorator):
    """A timestamp that is always UTC-aware in Python.

    PostgreSQL stores ``timestamptz``; SQLite has no time zones, so values are stored as
    naive UTC and given ``tzinfo=UTC`` back on load.  Naive input is refused: a naive
    datetime is a local wall-clock time and must go through ``optimizer.timeutil`` first.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; convert local times with optimizer.timeutil")
        value = value.astimezone(timezone.utc)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def local_today(tz: str) -> date:
    """Today's date at a site in ``tz``: what request, swap and planning days are compared
    with (from 16:00 UTC it is already tomorrow in Taipei)."""
    return to_local(utcnow(), tz).date()
