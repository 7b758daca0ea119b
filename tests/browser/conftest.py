"""Browser tests: Debian's Chromium driven by Playwright against a live server.

Playwright's own browser download cannot work on a closed network, so Chromium comes from
Debian (``make test`` installs it) and is launched by path with flags that stop it from
calling home.  The server runs the real app in a thread on a free loopback port, on a
migrated SQLite database holding a small demo center.  Screenshots are kept in
``test-artifacts/screenshots`` for people to look at.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-quic", "--no-first-run", "--disable-sync"]
#: History end of the browser demo center: fixed so screenshots are comparable run to run.
DEMO_END = date(2026, 11, 29)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file with a small demo center, built once and copied per test."""
    from flask_migrate import upgrade

    from scheduler import demo
    from scheduler.db import db
    from webapp import create_app

    path = tmp_path_factory.mktemp("browserdb") / "template.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "browser-tests", "TESTING": True})
    with app.app_context():
        upgrade()
        demo.load(db.session, country="TW", seed=11, weeks=4, end_date=DEMO_END, agents_total=40)
        db.session.commit()
        db.engine.dispose()
    return path


@pytest.fixture
def live_server(demo_database: Path, tmp_path: Path) -> Iterator[str]:
    """Base URL of the app serving a private copy of the demo database."""
    from webapp import create_app

    db_path = tmp_path / "live.sqlite"
    shutil.copy(demo_database, db_path)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}", "SECRET_KEY": "browser-tests",
                      "SOLVE_TIME_LIMIT": 10})
    with serving(app) as url:
        yield url


@contextlib.contextmanager
def serving(app) -> Iterator[str]:
    """Serve ``app`` on a free loopback port in a thread; yields the base URL."""
    from werkzeug.serving import make_server

    port = _free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make browser` (apt-get install chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser, live_server: str, request: pytest.FixtureRequest):
    """A fresh browser page (own cookies) with ``page.base_url`` and ``page.shot(name)``."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-US")
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    pg.base_url = live_server
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    test_name = request.node.name.replace("/", "_").replace("[", "-").replace("]", "")

    def shot(name: str) -> Path:
        out = ARTIFACTS / f"{test_name}-{name}.png"
        pg.screenshot(path=str(out), full_page=True)
        return out

    pg.shot = shot
    yield pg
    context.close()


def browser_login(pg, username: str, password: str = "demo-pass-2026") -> None:
    """Log in through the real form, as a person would."""
    pg.goto(pg.base_url + "/login")
    pg.fill("input[name=username]", username)
    pg.fill("input[name=password]", password)
    pg.click("button[type=submit]")
    pg.wait_for_load_state("networkidle")
