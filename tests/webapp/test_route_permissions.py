"""Walk every registered route with every role: the role check is on the server, for
every page and API route, and matches the permission table."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from scheduler.models import ROLES
from tests.conftest import login
from webapp.security import permissions_of

SKIP = {"static"}


def _endpoints(app: Flask):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIP:
            continue
        view = app.view_functions[rule.endpoint]
        yield rule, view


def _url(rule) -> str:
    # Fill every URL argument with a value that names nothing; permission is checked first.
    url = rule.rule
    for arg in rule.arguments:
        conv = rule._converters[arg].__class__.__name__
        value = "999999" if conv in ("IntegerConverter",) else "nothing-here"
        if conv == "PathConverter":
            value = "nothing/here"
        url = re.sub(r"<(?:[^:<>]+:)?" + arg + r">", value, url)
    return url


def test_every_route_declares_its_access(app: Flask) -> None:
    missing = [rule.endpoint for rule, view in _endpoints(app)
               if not getattr(view, "_permissions", None) and not getattr(view, "_public", False)]
    assert missing == [], f"routes with neither @require nor @public: {missing}"


@pytest.mark.parametrize("role", list(ROLES))
def test_role_allow_deny_matches_permission_table(app: Flask, make_user, role: str) -> None:
    app.config["WTF_CSRF_ENABLED"] = False  # this test is about roles; CSRF has its own tests
    client = app.test_client()
    user = make_user(role, username=f"walker_{role}")
    assert login(client, user.username).status_code == 302
    granted = permissions_of({role})
    problems = []
    for rule, view in _endpoints(app):
        perms = getattr(view, "_permissions", None)
        if not perms:
            continue
        allowed = any(p in granted for p in perms) if view._any_of else all(p in granted for p in perms)
        if rule.endpoint == "auth.logout":
            continue  # would end the walk's session
        method = "GET" if "GET" in rule.methods else sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
        resp = client.open(_url(rule), method=method)
        if resp.status_code >= 500:
            problems.append(f"{method} {rule.rule}: {resp.status_code}")
        elif allowed and resp.status_code in (401, 403):
            problems.append(f"{method} {rule.rule}: {role} should be allowed, got {resp.status_code}")
        elif not allowed and resp.status_code != 403:
            problems.append(f"{method} {rule.rule}: {role} should get 403, got {resp.status_code}")
    assert problems == []


def test_anonymous_gets_no_protected_content(app: Flask) -> None:
    client = app.test_client()
    for rule, view in _endpoints(app):
        if getattr(view, "_public", False):
            continue
        method = "GET" if "GET" in rule.methods else sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
        resp = client.open(_url(rule), method=method)
        assert resp.status_code in (302, 400, 401), f"{method} {rule.rule} -> {resp.status_code}"
