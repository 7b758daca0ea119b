"""Per-request context: the user loader, the audit actor, the current site, template helpers."""

from __future__ import annotations

from typing import Any

from flask import Flask, g
from flask_babel import format_date, format_datetime, format_decimal, format_percent, format_time, get_locale
from flask_babel import lazy_gettext as _l
from flask_babel import refresh as babel_refresh
from flask_login import current_user

from scheduler.audit import current_actor
from scheduler.models import Site, User
from webapp.extensions import db, login_manager
from webapp import i18n
from webapp.i18n import LANGUAGE_NAMES, ROLE_LABELS, render_notification
from webapp.security import user_can


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    try:
        user = db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None
    return user if user is not None and user.active else None


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to open this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    i18n.init_app(app)  # week/holiday template helpers, WTForms messages in the right script

    @app.before_request
    def _context() -> None:
        # Per-request state (login user, CSRF token, locale, API user) lives on ``g``; it must
        # not outlive the request even when an outer app context is kept (tests, CLI).
        for key in list(vars(g)):
            g.pop(key, None)
        babel_refresh()
        user = current_user if current_user and current_user.is_authenticated else None
        g.audit_token = current_actor.set(user.id if user else None)
        g.site = db.session.scalar(db.select(Site).order_by(Site.id).limit(1))

    @app.teardown_request
    def _reset(_exc: BaseException | None) -> None:
        token = g.pop("audit_token", None)
        if token is not None:
            current_actor.reset(token)

    @app.after_request
    def _headers(response: Any) -> Any:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    @app.context_processor
    def _template_helpers() -> dict[str, Any]:
        return {
            "can": lambda perm: user_can(current_user, perm),
            "get_locale": get_locale,
            "LANGUAGE_NAMES": LANGUAGE_NAMES,
            "ROLE_LABELS": ROLE_LABELS,
            "format_date": format_date,
            "format_datetime": format_datetime,
            "format_time": format_time,
            "format_decimal": format_decimal,
            "format_percent": format_percent,
            "render_notification": render_notification,
        }
