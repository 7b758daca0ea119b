"""Log in as each role in a real browser and land on that role's home page."""

from __future__ import annotations

import pytest

from tests.browser.conftest import browser_login

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("username, path", [
    ("planner", "/planner/"), ("supervisor", "/supervisor/"), ("trainer", "/trainer/"),
    ("hr", "/hr/"), ("admin", "/admin/"), ("agent", "/me/"),
])
def test_each_role_lands_on_its_home(page, username: str, path: str) -> None:
    browser_login(page, username)
    assert page.url.endswith(path), page.url
    assert page.locator("h1").count() >= 1
    page.shot("home")
