"""Notifications sent by self-service requests.  Stored as kind + params (rendered in the
reader's language by ``webapp.i18n``), so every kind used here is registered there."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from scheduler.models import Notification

#: Kinds this package sends; webapp.i18n.NOTIFICATION_TEXTS must have a text for each.
KINDS = (
    "timeoff_requested", "timeoff_approved", "timeoff_rejected",
    "swap_offered", "swap_accepted", "swap_declined", "swap_cancelled", "swap_approved", "swap_rejected",
)


def send(session: Session, user_ids: Iterable[int], kind: str, params: dict[str, Any], link: str | None = None) -> None:
    if kind not in KINDS:
        raise ValueError(f"unregistered notification kind {kind!r}")
    for uid in sorted(set(user_ids)):
        session.add(Notification(user_id=uid, kind=kind, params=params, link=link))
