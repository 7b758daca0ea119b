"""JSON API, version 1.  Token authentication (``Authorization: Bearer …``) and the same
permission checks as the pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, jsonify, request

from scheduler.accounts import user_for_api_token
from scheduler.models import Queue
from webapp.extensions import csrf, db
from webapp.security import require

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Bearer tokens are not sent automatically by browsers, so CSRF does not apply.
csrf.exempt(bp)


@bp.before_request
def _authenticate() -> None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        g.api_user = user_for_api_token(db.session, header[7:].strip())


@bp.route("/queues")
@require("staffing.view")
def queues() -> Any:
    rows = db.session.scalars(db.select(Queue).order_by(Queue.code)).all()
    return jsonify([
        {"code": q.code, "name": q.name, "open_24_7": q.open_24_7, "sl_target": q.sl_target,
         "sl_seconds": q.sl_seconds, "max_occupancy": q.max_occupancy, "shrinkage": q.shrinkage}
        for q in rows
    ])
