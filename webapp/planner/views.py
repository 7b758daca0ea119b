"""The planner area.  Views are thin: they call domain queries and services."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from scheduler import overview
from webapp.extensions import db
from webapp.security import require

bp = Blueprint("planner", __name__, url_prefix="/planner")


@bp.route("/")
@require("home.planner")
def home() -> Any:
    return render_template("planner/home.html", stats=overview.counts(db.session))
