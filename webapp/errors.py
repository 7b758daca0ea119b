"""Error pages and JSON error bodies.  A domain error names the field; nothing user-caused
becomes a 500."""

from __future__ import annotations

from typing import Any

from flask import Flask, flash, jsonify, redirect, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from scheduler.errors import DomainError
from webapp.extensions import db
from webapp.i18n import localized_message


def wants_json() -> bool:
    return request.blueprint == "api" or request.path.startswith("/api/") or (
        request.accept_mimetypes.best == "application/json"
    )


def error_body(status: int, message: str, field: str | None = None) -> tuple[Any, int]:
    body: dict[str, Any] = {"error": {"status": status, "message": message}}
    if field:
        body["error"]["field"] = field
    return jsonify(body), status


def init_app(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(err: DomainError) -> Any:
        db.session.rollback()
        message = localized_message(err.message)
        if wants_json():
            return error_body(err.status_code, message, err.field)
        # The message names the field in words; the field's code (``start_date``) would be
        # English on a Chinese page, so it goes only into the JSON body.
        flash(message, "error")
        return redirect(request.referrer or "/"), 303

    @app.errorhandler(CSRFError)
    def _csrf(err: CSRFError) -> Any:
        message = _("The form expired or was not sent from this site. Please try again.")
        if wants_json():
            return error_body(400, message, "csrf_token")
        return render_template("error.html", status=400, message=message), 400

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException) -> Any:
        messages = {
            400: _("The request was not understood."),
            401: _("Please log in."),
            403: _("You do not have permission to open this page."),
            404: _("There is nothing at this address."),
            405: _("This action is not allowed here."),
            413: _("The file is too large."),
            429: _("Too many attempts. Please wait and try again."),
        }
        status = err.code or 500
        message = messages.get(status, _("Something went wrong."))
        if wants_json():
            return error_body(status, message)
        return render_template("error.html", status=status, message=message), status
