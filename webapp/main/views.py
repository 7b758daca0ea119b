"""Landing: send each user to the home page of their role; health check; notifications."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from scheduler.db import utcnow
from scheduler.models import Notification
from webapp.extensions import db
from webapp.security import ANY_ROLE, public, require

bp = Blueprint("main", __name__)

#: The home a user lands on, by role priority (a planner who is also an agent lands as planner).
HOME_BY_ROLE = [
    ("admin", "admin.home"), ("planner", "planner.home"), ("supervisor", "supervisor.home"),
    ("trainer", "trainer.home"), ("hr", "hr.home"), ("agent", "agent.home"),
]


@bp.route("/")
def index() -> Any:
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    for role, endpoint in HOME_BY_ROLE:
        if current_user.has_role(role):
            return redirect(url_for(endpoint))
    return render_template("main/no_role.html"), 403


index._public = True  # type: ignore[attr-defined]  # redirects anonymous users to log-in


@bp.route("/health")
@public
def health() -> Any:
    db.session.execute(db.text("SELECT 1"))
    return {"status": "ok"}


@bp.route("/notifications")
@require(*ANY_ROLE, any_of=True)
def notifications() -> Any:
    items = db.session.scalars(
        db.select(Notification).where(Notification.user_id == current_user.id)
        .order_by(Notification.created_at.desc()).limit(100)
    ).all()
    for n in items:
        if n.read_at is None:
            n.read_at = utcnow()
    db.session.commit()
    return render_template("main/notifications.html", items=items)
