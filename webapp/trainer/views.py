"""The trainer area.  Views are thin: they call domain queries and services."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from scheduler import overview
from webapp.extensions import db
from webapp.security import require

bp = Blueprint("trainer", __name__, url_prefix="/trainer")


@bp.route("/")
@require("home.trainer")
def home() -> Any:
    return render_template("trainer/home.html", stats=overview.counts(db.session))
