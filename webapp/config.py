"""Configuration classes.  ``create_app`` picks one from ``WFM_ENV`` and reads the
environment variables documented in the README's configuration table."""

from __future__ import annotations

import os
from pathlib import Path

DEV_SECRET_PLACEHOLDER = "dev-only-not-secret"


def database_url_from_env(default: str) -> str:
    """``DATABASE_URL`` as SQLAlchemy wants it: ``postgresql://`` means psycopg 3 here."""
    url = os.environ.get("DATABASE_URL") or default
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


class Config:
    ENV_NAME = "development"
    SECRET_KEY: str | None = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI: str | None = None  # filled in by create_app (instance folder)
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    WTF_CSRF_TIME_LIMIT = None  # a planner's tab stays open all day; the token lives with the session
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    MAX_CONTENT_LENGTH = 20 * 1024 * 1024  # history uploads; larger files get a clear 413 page
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    #: Interface languages offered by the switcher.
    LANGUAGES = ("en", "zh_Hant_TW", "zh_Hans_CN")
    #: Failed log-ins before the account is locked, and for how long (minutes).
    LOGIN_MAX_FAILURES = 5
    LOGIN_LOCK_MINUTES = 15
    #: Celery broker; unset = solve jobs run in an in-process worker pool.
    WFM_BROKER_URL: str | None = os.environ.get("WFM_BROKER_URL")
    #: Run the APScheduler jobs inside the web process (the embedded one-machine default).
    WFM_SCHEDULER_IN_PROCESS = os.environ.get("WFM_SCHEDULER_IN_PROCESS", "0") == "1"
    SMTP_HOST = os.environ.get("SMTP_HOST")
    SMTP_PORT = int(os.environ.get("SMTP_PORT", "25"))
    SMTP_USER = os.environ.get("SMTP_USER")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD")
    SMTP_SENDER = os.environ.get("SMTP_SENDER", "wfm@localhost")
    SMTP_STARTTLS = os.environ.get("SMTP_STARTTLS", "0") == "1"
    #: Solver defaults for web-started solves.
    SOLVE_TIME_LIMIT = int(os.environ.get("WFM_SOLVE_TIME_LIMIT", "60"))
    SOLVE_WORKERS = int(os.environ.get("WFM_SOLVE_WORKERS", "2"))


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret-key"
    WTF_CSRF_ENABLED = True
    LOGIN_MAX_FAILURES = 3
    SOLVE_TIME_LIMIT = 5


CONFIGS = {"development": Config, "production": ProductionConfig, "testing": TestingConfig}


def ensure_dev_secret(instance_path: str) -> str:
    """Development only: a random key kept in the instance folder (never in the repo),
    so sessions survive restarts without anyone choosing a secret."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    import secrets

    key = secrets.token_hex(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(key)
    path.chmod(0o600)
    return key
