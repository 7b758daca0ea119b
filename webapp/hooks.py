"""Per-request context: the user loader, the audit actor, the current site, template helpers."""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, g
from flask_babel import format_date, format_datetime, format_decimal, format_percent, format_time, get_locale
from flask_babel import lazy_gettext as _l
from flask_babel import refresh as babel_refresh
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.orm import joinedload, make_transient_to_detached

from scheduler.audit import current_actor
from scheduler.models import Site, User
from webapp.extensions import db, login_manager
from webapp.colors import ink_on
from webapp import i18n
from webapp.i18n import LANGUAGE_NAMES, ROLE_LABELS, render_notification
from webapp.security import user_can


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    try:
        uid = int(user_id)
    except (TypeError, ValueError):
        return None
    # the user and its roles in one round trip (every request asks for both)
    user = db.session.get(User, uid, options=[joinedload(User.roles)]) if -2**31 <= uid < 2**31 else None
    return user if user is not None and user.active else None


#: Seconds a worker process reuses its copy of the site row instead of reading it on
#: every request.  The row changes rarely (admin settings); a change made in this process
#: drops the copy at once, one made in another process is seen within this delay.
SITE_CACHE_SECONDS = 10.0
_site_generation = [0]


@event.listens_for(Site, "after_insert")
@event.listens_for(Site, "after_update")
@event.listens_for(Site, "after_delete")
def _site_changed(*_args: Any) -> None:
    _site_generation[0] += 1


def current_site() -> Site | None:
    """The (single) site, attached to this request's session: from the process's copy
    while it is fresh (``merge(load=False)`` attaches it without a query), else read."""
    cache = current_app.extensions.setdefault("wfm.site_cache", {})
    entry = cache.get("site")
    now = time.monotonic()
    if entry is not None and entry[1] > now and entry[2] == _site_generation[0]:
        return db.session.merge(entry[0], load=False)
    generation = _site_generation[0]
    site = db.session.scalar(db.select(Site).order_by(Site.id).limit(1))
    if site is not None:
        copy = Site(**{attr.key: getattr(site, attr.key) for attr in sa.inspect(Site).column_attrs})
        make_transient_to_detached(copy)
        cache["site"] = (copy, now + SITE_CACHE_SECONDS, generation)
    return site


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
        g.site = current_site()

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
            "ink_on": ink_on,
        }
