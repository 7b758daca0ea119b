"""Every page the demo center's users can reach, rendered in both Chinese locales, shows no
English interface text (codes, usernames and names from the data are allowed).

The pages are found by following links from each role's home page, so new pages are
checked as soon as they are linked.  SQLite only: this is about templates, not SQL.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from webapp.i18n_cli import compile_catalogs
from webapp.i18n_lint import kept_words, untranslated_words, visible_text

USERS = ("planner", "supervisor", "trainer", "hr", "admin", "agent")
MAX_PAGES_PER_USER = 60
SKIP_LINK = re.compile(r"(logout|/api/|/static/|\.ics$|\.csv|\.xlsx|export|download|/jobs/\d+$)")
#: Columns whose values are names and codes a user typed: fine in any language.
DATA_COLUMNS = {"code", "name", "username", "display_name", "email", "employee_no", "title", "languages",
                "short_name", "label", "skill", "location"}


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    from flask_migrate import upgrade

    from scheduler import demo
    from scheduler.db import db
    from webapp import create_app

    compile_catalogs()
    path = tmp_path_factory.mktemp("i18n_pages") / "demo.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "i18n-pages", "TESTING": True,
                      "WTF_CSRF_ENABLED": False,
                      # a page that fails is other tests' business (route permissions): skip it here
                      "PROPAGATE_EXCEPTIONS": False})
    with app.app_context():
        upgrade()
        demo.load(db.session, country="TW", seed=5, weeks=2, end_date=date(2026, 11, 29), agents_total=30)
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()


def data_words(app: Flask) -> set[str]:
    """Tokens from names and codes stored in the database."""
    from scheduler.db import db

    words: set[str] = set()
    with app.app_context():
        for table in db.metadata.sorted_tables:
            cols = [c for c in table.columns if c.name in DATA_COLUMNS and isinstance(c.type, sa.String)]
            if not cols:
                continue
            for row in db.session.execute(sa.select(*cols)):
                for value in row:
                    if isinstance(value, str):
                        words.update(re.findall(r"[A-Za-z][A-Za-z0-9_.@/+-]*[A-Za-z0-9]|[A-Za-z]", value))
                        words.update(value.split())
    return words


def crawl(client, start: str = "/") -> Iterator[tuple[str, str]]:
    """(path, html) of the pages reachable from ``start`` by same-site links."""
    seen = {start}
    queue = deque([start])
    count = 0
    while queue and count < MAX_PAGES_PER_USER:
        path = queue.popleft()
        resp = client.get(path, follow_redirects=True)
        if resp.status_code != 200 or not resp.mimetype == "text/html":
            continue
        count += 1
        html = resp.get_data(as_text=True)
        yield resp.request.path + (("?" + resp.request.query_string.decode()) if resp.request.query_string else ""), html
        for href in re.findall(r'href="(/[^"#]*)"', html):
            href = href.replace("&amp;", "&")
            route = href.split("?")[0]  # one visit per page, not per day/week/month of a calendar
            if route not in seen and not SKIP_LINK.search(href):
                seen.add(route)
                queue.append(href)


@pytest.mark.parametrize("lang, locale", [("zh-TW", "zh_Hant_TW"), ("zh-CN", "zh_Hans_CN")])
def test_pages_have_no_english_left_in_chinese(demo_app: Flask, lang: str, locale: str) -> None:
    allowed = data_words(demo_app) | kept_words(locale)
    problems: list[str] = []
    pages = 0
    for username in USERS:
        client = demo_app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
        resp = client.post("/login", data={"username": username, "password": "demo-pass-2026"})
        assert resp.status_code == 302, (username, resp.status_code)
        for path, html in crawl(client):
            pages += 1
            text = visible_text(html)
            words = untranslated_words(text, allowed)
            if words:
                problems.append(f"{username} {path}: {sorted(set(words))[:12]}")
            if "%(" in text or "{{" in text:
                problems.append(f"{username} {path}: unformatted placeholder")
    assert pages >= len(USERS)
    assert not problems, f"English text on {lang} pages:\n" + "\n".join(problems)


def test_login_page_in_each_language(demo_app: Flask) -> None:
    client = demo_app.test_client()
    for lang, title in (("zh-TW", "登入"), ("zh-CN", "登录"), ("en", "Log in")):
        html = client.get("/login", headers={"Accept-Language": lang}).get_data(as_text=True)
        assert f"<h1>{title}</h1>" in html
