"""Log-in, log-out and the language switcher."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from scheduler.accounts import AccountLocked, LoginFailed, authenticate
from scheduler.db import utcnow
from webapp.auth.forms import LanguageForm, LoginForm
from webapp.extensions import db
from webapp.i18n import LANGUAGE_NAMES
from webapp.security import ANY_ROLE, public, require

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str | None:
    """Only same-site relative paths: an open redirect would help phishing."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = authenticate(
                db.session, form.username.data, form.password.data, utcnow(),
                max_failures=current_app.config["LOGIN_MAX_FAILURES"],
                lock_minutes=current_app.config["LOGIN_LOCK_MINUTES"],
            )
        except AccountLocked:
            db.session.commit()
            form.username.errors.append(_("Too many failed log-ins. Try again in a few minutes."))
            return render_template("auth/login.html", form=form), 429
        except LoginFailed:
            db.session.commit()  # keep the failure count
            form.password.errors.append(_("Wrong username or password."))
            return render_template("auth/login.html", form=form), 401
        db.session.commit()
        session.clear()
        login_user(user)
        return redirect(safe_next(form.next.data) or url_for("main.index"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@require(*ANY_ROLE, any_of=True)
def logout() -> Any:
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/language", methods=["POST"])
@public
def set_language() -> Any:
    form = LanguageForm()
    form.language.choices = list(LANGUAGE_NAMES.items())
    if form.validate_on_submit():
        session["locale"] = form.language.data
        if current_user.is_authenticated:
            current_user.locale = form.language.data
            db.session.commit()
    return redirect(safe_next(form.next.data) or url_for("main.index"))
