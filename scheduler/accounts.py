"""User accounts: creation, password checks with throttling, preferences, tokens.

Passwords are stored as werkzeug's salted scrypt hashes.  After ``max_failures`` wrong
passwords in a row the account is locked for ``lock_minutes``, which stops online
guessing without an extra service.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from scheduler.errors import DomainError, ValidationError
from scheduler.models import ROLES, User, UserRole

#: Checked against when the username is unknown, so both paths cost one slow hash.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


class LoginFailed(DomainError):
    status_code = 401


class AccountLocked(DomainError):
    status_code = 429


def create_user(session: Session, *, username: str, password: str, display_name: str,
                roles: list[str], email: str | None = None, locale: str | None = None) -> User:
    username = username.strip()
    if not username or len(username) > 64:
        raise ValidationError("username must be 1 to 64 characters", field="username")
    if len(password) < 8:
        raise ValidationError("password must be at least 8 characters", field="password")
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValidationError(_l("unknown role(s): %(roles)s", roles=", ".join(sorted(unknown))), field="roles")
    if session.query(User).filter_by(username=username).first() is not None:
        raise ValidationError("this username is taken", field="username")
    user = User(username=username, display_name=display_name, email=email, locale=locale,
                password_hash=generate_password_hash(password))
    user.roles = [UserRole(role=r) for r in sorted(set(roles))]
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str, now: datetime, *,
                 max_failures: int, lock_minutes: int) -> User:
    user = session.query(User).filter_by(username=username.strip()).first()
    if user is None or not user.active:
        check_password_hash(_DUMMY_HASH, password)
        raise LoginFailed("wrong username or password", field="password")
    if user.locked_until is not None and user.locked_until > now:
        raise AccountLocked("too many failed log-ins; try again later", field="username")
    if not check_password_hash(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= max_failures:
            user.locked_until = now + timedelta(minutes=lock_minutes)
            user.failed_logins = 0
        session.flush()
        raise LoginFailed("wrong username or password", field="password")
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    session.flush()
    return user


def set_password(user: User, password: str) -> None:
    if len(password) < 8:
        raise ValidationError("password must be at least 8 characters", field="password")
    user.password_hash = generate_password_hash(password)


def issue_api_token(user: User) -> str:
    """Return a new bearer token (shown once); only its hash is stored."""
    token = secrets.token_urlsafe(32)
    user.api_token_hash = hashlib.sha256(token.encode()).hexdigest()
    return token


def user_for_api_token(session: Session, token: str) -> User | None:
    digest = hashlib.sha256(token.encode()).hexdigest()
    user = session.query(User).filter_by(api_token_hash=digest).first()
    return user if user is not None and user.active else None


def regenerate_calendar_token(user: User) -> str:
    """A new private feed URL; the old one stops working at once."""
    user.calendar_token = secrets.token_urlsafe(32)
    return user.calendar_token
