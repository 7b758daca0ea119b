"""The agent area ("me"): my shifts, my requests, my training."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, g, render_template
from flask_login import current_user

from optimizer.timeutil import to_local
from scheduler import overview
from scheduler.db import utcnow
from webapp.extensions import db
from webapp.security import require

bp = Blueprint("agent", __name__, url_prefix="/me")


@bp.route("/")
@require("home.agent")
def home() -> Any:
    now = utcnow()
    tz = g.site.timezone if g.site else "UTC"
    shifts = overview.published_shifts_for_user(db.session, current_user.id, now - timedelta(hours=12), now + timedelta(days=14))
    return render_template("agent/home.html", shifts=shifts, tz=tz, to_local=to_local)
