"""Test harness: a fresh app per test on each database backend.

Database tests run on SQLite and on PostgreSQL.  ``WFM_TEST_DB`` chooses the backends
(default ``sqlite,postgresql``); ``WFM_TEST_POSTGRES_URL`` points at the server (default
the local one, trust auth).  Each pytest run creates its own PostgreSQL database and
drops it at the end, so parallel runs do not meet.  A backend that was asked for and is
unreachable is an error, never a silent skip.

The schema is built once per run by the Alembic migrations (never ``create_all``); after
each test every table is emptied, which also works for tests whose code commits from
other threads or processes (job workers).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from scheduler.db import db
from webapp import create_app

BACKENDS = [b.strip() for b in os.environ.get("WFM_TEST_DB", "sqlite,postgresql").split(",") if b.strip()]
POSTGRES_ADMIN_URL = os.environ.get("WFM_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PASSWORD = "correct-horse-battery"


def _postgres_database(tmp_factory: pytest.TempPathFactory) -> Iterator[str]:
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"wfm_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as err:  # pragma: no cover - environment problem
        raise RuntimeError(
            f"PostgreSQL backend requested but unreachable at {POSTGRES_ADMIN_URL}: {err}. "
            "Start it, set WFM_TEST_POSTGRES_URL, or set WFM_TEST_DB=sqlite for a SQLite-only run."
        ) from err
    url = sa.engine.make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n AND pid <> pg_backend_pid()"
            ), {"n": name})
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def _migrate(url: str) -> None:
    from flask_migrate import upgrade

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, **_base_config()})
    with app.app_context():
        upgrade()
        db.engine.dispose()


def _base_config() -> dict:
    return {"TESTING": True, "SECRET_KEY": "testing-secret-key", "ENV_NAME": "testing",
            "LOGIN_MAX_FAILURES": 3, "SOLVE_TIME_LIMIT": 5, "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True}}


@pytest.fixture(scope="session")
def database_urls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    urls: dict[str, str] = {}
    pg_gen = None
    if "sqlite" in BACKENDS:
        path = tmp_path_factory.mktemp("db") / "wfm.sqlite"
        urls["sqlite"] = f"sqlite:///{path}"
    if "postgresql" in BACKENDS:
        pg_gen = _postgres_database(tmp_path_factory)
        urls["postgresql"] = next(pg_gen)
    for url in urls.values():
        _migrate(url)
    yield urls
    if pg_gen is not None:
        try:
            next(pg_gen)
        except StopIteration:
            pass


def _empty_all_tables(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        tables = [t for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                names = ", ".join(f'"{t.name}"' for t in tables)
                conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for t in tables:
                    conn.execute(t.delete())
        db.engine.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def app(backend: str, database_urls: dict[str, str], tmp_path: Path) -> Iterator[Flask]:
    """A fresh app bound to a migrated, empty database of the current backend."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_urls[backend], **_base_config()})
    app.instance_path = str(tmp_path / "instance")
    with app.app_context():
        yield app
        db.session.remove()
    _empty_all_tables(app)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def make_user(app: Flask):
    """Factory: ``make_user('planner', 'agent', username='x')`` -> committed User."""
    from scheduler.accounts import create_user

    counter = {"n": 0}

    def factory(*roles: str, username: str | None = None, display_name: str | None = None):
        counter["n"] += 1
        user = create_user(db.session, username=username or f"user{counter['n']}", password=PASSWORD,
                           display_name=display_name or f"Test User {counter['n']}", roles=list(roles))
        db.session.commit()
        return user

    return factory


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """Fetch a page and return the CSRF token the server embedded in it."""
    import re

    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html) or re.search(
        r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client: FlaskClient, username: str, password: str = PASSWORD):
    token = csrf_token(client, "/login")
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


@pytest.fixture
def login_as(client: FlaskClient, make_user):
    """Log the test client in as a new user holding ``roles``; returns the user."""

    def do(*roles: str, **kw):
        user = make_user(*roles, **kw)
        resp = login(client, user.username)
        assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
        return user

    return do
