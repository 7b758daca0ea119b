from __future__ import annotations

import pytest

from scheduler.models import User
from scheduler.db import db
from tests.conftest import PASSWORD, csrf_token, login


def test_login_redirects_to_role_home(client, make_user) -> None:
    user = make_user("planner", username="pat")
    resp = login(client, "pat")
    assert resp.status_code == 302
    home = client.get("/", follow_redirects=False)
    assert home.headers["Location"].endswith("/planner/")
    assert client.get("/planner/").status_code == 200


def test_password_is_hashed(app, make_user) -> None:
    user = make_user("agent", username="hashme")
    assert PASSWORD not in user.password_hash
    assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))


def test_wrong_password_then_lockout(client, make_user) -> None:
    make_user("agent", username="bob")
    for _ in range(3):  # TestingConfig: 3 failures lock the account
        resp = login(client, "bob", "wrong-password")
        assert resp.status_code == 401
    resp = login(client, "bob")  # right password, but locked
    assert resp.status_code == 429
    assert db.session.query(User).filter_by(username="bob").one().locked_until is not None


def test_login_form_requires_csrf(client, make_user) -> None:
    make_user("agent", username="carol")
    resp = client.post("/login", data={"username": "carol", "password": PASSWORD})
    assert resp.status_code == 400


def test_anonymous_is_sent_to_login(client) -> None:
    resp = client.get("/planner/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_wrong_role_gets_403(client, login_as) -> None:
    login_as("agent")
    assert client.get("/planner/").status_code == 403
    assert client.get("/admin/audit").status_code == 403


def test_open_redirect_refused(client, make_user) -> None:
    make_user("agent", username="dave")
    token = csrf_token(client)
    resp = client.post("/login", data={"username": "dave", "password": PASSWORD, "csrf_token": token,
                                       "next": "https://evil.example/"})
    assert resp.status_code == 302 and "evil" not in resp.headers["Location"]


def test_session_cookie_flags(client, make_user) -> None:
    make_user("agent", username="erin")
    resp = login(client, "erin")
    cookie = resp.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_refuses_default_secret(monkeypatch) -> None:
    from webapp import create_app

    monkeypatch.setenv("WFM_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"SECRET_KEY": None, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"SECRET_KEY": "dev-only-not-secret", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    app = create_app({"SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_language_follows_accept_language_then_preference(client, make_user) -> None:
    html = client.get("/login", headers={"Accept-Language": "zh-TW,zh;q=0.9"}).get_data(as_text=True)
    assert 'lang="zh-Hant-TW"' in html
    html = client.get("/login", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert 'lang="zh-Hans-CN"' in html
    user = make_user("agent", username="fay")
    login(client, "fay")
    token = csrf_token(client, "/me/")
    client.post("/language", data={"language": "zh_Hans_CN", "csrf_token": token, "next": "/me/"})
    assert db.session.get(User, user.id).locale == "zh_Hans_CN"
    html = client.get("/me/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'lang="zh-Hans-CN"' in html
