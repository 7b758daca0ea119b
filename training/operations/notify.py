"""In-app notifications of the training domain (kinds registered in webapp.i18n)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from scheduler.models import Notification


def notify(session: Session, user_ids: list[int], kind: str, params: dict, link: str | None = None) -> int:
    for uid in dict.fromkeys(user_ids):
        session.add(Notification(user_id=uid, kind=kind, params=params, link=link))
    return len(set(user_ids))
