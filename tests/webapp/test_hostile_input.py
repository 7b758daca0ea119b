"""Malformed and hostile input to every form and API route: never a 500, nothing written."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import Flask

from scheduler.db import db
from tests.conftest import login

HOSTILE_VALUES = [
    "x" * 100_000,
    "<script>alert(1)</script>",
    "'; DROP TABLE users; --",
    "1 OR 1=1",
    "-1",
    "99999999999999999999999",
    "NaN",
    "2026-02-30",
    "\x00\x01",
    "../../etc/passwd",
    "",
]
COMMON_FIELDS = ["id", "name", "title", "code", "username", "password", "date", "start", "end", "start_date",
                 "end_date", "days", "queue", "agent_id", "shift_code", "reason", "note", "file", "language", "next",
                 "sl", "target_seconds", "shrinkage", "max_occupancy", "time_limit", "status", "kind", "score", "answer"]


def _routes(app: Flask, methods: set[str]):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or not (rule.methods & methods):
            continue
        if rule.endpoint in ("auth.logout",):
            continue
        yield rule


def _fill(rule) -> str:
    url = rule.rule
    for arg in rule.arguments:
        url = re.sub(r"<(?:[^:<>]+:)?" + arg + r">", "1", url)
    return url


def _row_count() -> int:
    total = 0
    for table in db.metadata.sorted_tables:
        if table.name in ("audit_log",):
            continue
        total += db.session.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
    return total


@pytest.mark.parametrize("role", ["planner", "admin", "trainer", "supervisor", "agent", "hr"])
def test_hostile_posts_never_500(app: Flask, make_user, role: str) -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    user = make_user(role, username=f"fuzz_{role}")
    login(client, user.username)
    for rule in _routes(app, {"POST", "PUT", "PATCH", "DELETE"}):
        for value in HOSTILE_VALUES:
            data = {f: value for f in COMMON_FIELDS}
            for method in sorted(rule.methods & {"POST", "PUT", "PATCH", "DELETE"}):
                resp = client.open(_fill(rule), method=method, data=data)
                assert resp.status_code < 500, f"{method} {rule.rule} with {value[:30]!r}: {resp.status_code}"
                resp = client.open(_fill(rule), method=method, json={f: value for f in COMMON_FIELDS})
                assert resp.status_code < 500, f"{method} {rule.rule} JSON {value[:30]!r}: {resp.status_code}"
                resp = client.open(_fill(rule), method=method, data=b"{not json", content_type="application/json")
                assert resp.status_code < 500, f"{method} {rule.rule} broken JSON: {resp.status_code}"


def test_hostile_query_parameters_never_500(app: Flask, make_user) -> None:
    client = app.test_client()
    user = make_user("planner", "admin", "supervisor", "trainer", "hr", "agent", username="fuzz_all")
    login(client, user.username)
    for rule in _routes(app, {"GET"}):
        for value in HOSTILE_VALUES[:6]:
            qs = {f: value for f in ("page", "date", "start", "end", "queue", "team", "entity", "q", "week", "days")}
            resp = client.get(_fill(rule), query_string=qs)
            assert resp.status_code < 500, f"GET {rule.rule} {value[:30]!r}: {resp.status_code}"


def test_csrf_rejects_forms_and_writes_nothing(app: Flask, make_user) -> None:
    client = app.test_client()
    user = make_user("planner", "admin", "supervisor", "trainer", "hr", "agent", username="csrf_all")
    login(client, user.username)
    before = _row_count()
    for rule in _routes(app, {"POST"}):
        if rule.rule.startswith("/api/"):
            continue
        resp = client.post(_fill(rule), data={f: "1" for f in COMMON_FIELDS})
        assert resp.status_code == 400, f"POST {rule.rule} without CSRF token: {resp.status_code}"
    db.session.expire_all()
    assert _row_count() == before
