"""The admin area: users and the audit trail."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from scheduler import overview
from scheduler.models import AuditLog, User
from webapp.extensions import db
from webapp.params import int_arg, str_arg
from webapp.security import require

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/")
@require("home.admin")
def home() -> Any:
    return render_template("admin/home.html", stats=overview.counts(db.session))


@bp.route("/audit")
@require("audit.view")
def audit() -> Any:
    page = int_arg("page", 1, 1, 100_000)
    entity = str_arg("entity", max_length=60)
    query = db.select(AuditLog).order_by(AuditLog.id.desc())
    if entity:
        query = query.where(AuditLog.entity == entity)
    pagination = db.paginate(query, page=page, per_page=50, error_out=False)
    users = {u.id: u for u in db.session.scalars(db.select(User)).all()}
    return render_template("admin/audit.html", pagination=pagination, users=users, entity=entity)


@bp.route("/users")
@require("admin.users")
def users() -> Any:
    rows = db.session.scalars(db.select(User).order_by(User.username)).all()
    return render_template("admin/users.html", users=rows)


from webapp.admin import periodic as _periodic  # noqa: E402,F401  (periodic-job pages on this blueprint)
