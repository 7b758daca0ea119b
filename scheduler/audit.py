"""Automatic audit trail for every domain write.

A regulated institution must be able to say who changed what and when.  Rather than
trusting every service to remember a log call, one ``after_flush`` listener records each
inserted, updated and deleted row of an audited model with its old and new values.  The
actor and an optional reason come from context variables that the web request, CLI
command or job sets (the domain never reads Flask's request).
"""

from __future__ import annotations

import contextlib
import enum
from contextvars import ContextVar
from datetime import date, datetime, time, timezone
from decimal import Decimal
from typing import Any, Iterator

import sqlalchemy as sa
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from scheduler.models.audit import AuditLog

current_actor: ContextVar[int | None] = ContextVar("current_actor", default=None)
current_reason: ContextVar[str | None] = ContextVar("current_reason", default=None)

#: Tables whose writes are not audited: the log itself, chatty progress and bulk data.
UNAUDITED_TABLES = {"audit_log", "jobs", "notifications", "contact_history", "apscheduler_jobs"}
#: Columns never copied into the log.
SECRET_COLUMNS = {"password_hash", "api_token_hash", "calendar_token"}


@contextlib.contextmanager
def acting_as(user_id: int | None, reason: str | None = None) -> Iterator[None]:
    """Attribute writes inside the block to ``user_id`` (and ``reason``)."""
    t1 = current_actor.set(user_id)
    t2 = current_reason.set(reason)
    try:
        yield
    finally:
        current_actor.reset(t1)
        current_reason.reset(t2)


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


def _columns(obj: Any) -> list[sa.Column]:
    return [c for c in inspect(obj).mapper.columns if c.key not in SECRET_COLUMNS]


def _identity(obj: Any) -> str | None:
    ident = inspect(obj).identity
    if ident is None:
        return None
    return "/".join(str(i) for i in ident)


def _row_values(obj: Any) -> dict[str, Any]:
    return {c.key: _jsonable(getattr(obj, c.key, None)) for c in _columns(obj)}


def _changes(obj: Any, db_old: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    state = inspect(obj)
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    for col in _columns(obj):
        hist = state.attrs[col.key].history
        if hist.has_changes():
            if hist.deleted:
                old[col.key] = _jsonable(hist.deleted[0])
            else:
                old[col.key] = _jsonable(db_old.get(col.key))
            new[col.key] = _jsonable(hist.added[0]) if hist.added else None
    return old, new


def _before_flush(session: Session, _ctx: Any, _instances: Any) -> None:
    """Fetch stored values of attributes overwritten after a commit expired them: their
    history has no old value, and the audit row must show one."""
    stash: dict[int, dict[str, Any]] = session.info.setdefault("audit_old", {})
    for obj in session.dirty:
        if getattr(obj, "__tablename__", None) in UNAUDITED_TABLES or not hasattr(obj, "__tablename__"):
            continue
        state = inspect(obj)
        if state.identity is None:
            continue
        missing = [c for c in _columns(obj)
                   if state.attrs[c.key].history.added and not state.attrs[c.key].history.deleted]
        if not missing:
            continue
        mapper = state.mapper
        table = mapper.local_table
        cond = sa.and_(*[col == val for col, val in zip(mapper.primary_key, state.identity)])
        row = session.connection().execute(sa.select(*[table.c[c.name] for c in missing]).where(cond)).first()
        if row is not None:
            stash[id(obj)] = {c.key: v for c, v in zip(missing, row)}


def _after_flush(session: Session, _ctx: Any) -> None:
    rows: list[dict[str, Any]] = []
    actor = current_actor.get()
    reason = current_reason.get()
    now = datetime.now(timezone.utc)

    def add(action: str, obj: Any, old: dict | None, new: dict | None) -> None:
        rows.append(
            dict(at=now, user_id=actor, action=action, entity=obj.__tablename__,
                 entity_id=_identity(obj), old=old, new=new, reason=reason)
        )

    for obj in session.new:
        if getattr(obj, "__tablename__", None) not in UNAUDITED_TABLES and hasattr(obj, "__tablename__"):
            add("create", obj, None, _row_values(obj))
    for obj in session.dirty:
        if getattr(obj, "__tablename__", None) in UNAUDITED_TABLES or not hasattr(obj, "__tablename__"):
            continue
        if not session.is_modified(obj, include_collections=False):
            continue
        old, new = _changes(obj, session.info.get("audit_old", {}).get(id(obj), {}))
        if new or old:
            add("update", obj, old, new)
    for obj in session.deleted:
        if getattr(obj, "__tablename__", None) not in UNAUDITED_TABLES and hasattr(obj, "__tablename__"):
            add("delete", obj, _row_values(obj), None)
    session.info.pop("audit_old", None)
    if rows:
        session.connection().execute(AuditLog.__table__.insert(), rows)


def record(session: Session, action: str, entity: str, entity_id: Any, *, old: dict | None = None,
           new: dict | None = None, reason: str | None = None) -> None:
    """Log a named business action (publish, grade override ...) beside the row changes."""
    session.add(
        AuditLog(user_id=current_actor.get(), action=action, entity=entity,
                 entity_id=None if entity_id is None else str(entity_id),
                 old=_jsonable(old), new=_jsonable(new), reason=reason or current_reason.get())
    )


_installed = False


def install() -> None:
    """Attach the listener to every ORM session (idempotent)."""
    global _installed
    if not _installed:
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "after_flush", _after_flush)
        _installed = True
