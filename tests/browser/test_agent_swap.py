"""An agent sees the published shifts, offers a swap, the colleague accepts, the team's
supervisor approves, and the agent sees the changed roster (headless Chromium)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from optimizer.timeutil import week_start
from tests.browser.conftest import browser_login, serving

pytestmark = pytest.mark.browser


@pytest.fixture
def live_server(demo_database: Path, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """The demo center plus a published four-week roster from next Monday (made with the
    domain functions), served on a free loopback port."""
    from scheduler.db import db, local_today
    from scheduler.models import Agent, Site, User
    from scheduler.selfservice import swaps
    from scheduler.selfservice.sample import publish_sample_roster
    from webapp import create_app

    db_path = tmp_path / "live.sqlite"
    shutil.copy(demo_database, db_path)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}", "SECRET_KEY": "browser-tests"})
    with app.app_context():
        site = db.session.scalar(sa.select(Site))
        # the site's date, which the app checks swap days against (not the machine's)
        today = local_today(site.timezone)
        start = week_start(today) + timedelta(days=7)  # next Monday
        publish_sample_roster(db.session, site, start, 28, name="December")
        db.session.commit()
        me = db.session.scalar(sa.select(Agent).join(User).where(User.username == "agent"))
        found = None
        for mate in db.session.scalars(sa.select(Agent).where(Agent.team_id == me.team_id, Agent.id != me.id,
                                                               ~Agent.is_supervisor)):
            for day in (start + timedelta(days=i) for i in range(7)):
                try:
                    check = swaps.check_swap(db.session, me, mate, day, day)
                except Exception:  # noqa: BLE001 - nothing to swap that day
                    continue
                if check.ok and check.requester_code and check.colleague_code and check.requester_code != check.colleague_code:
                    found = (mate.user.username, mate.user.display_name, day, check.requester_code, check.colleague_code)
                    break
            if found:
                break
        assert found, "the sample roster should allow at least one swap"
        request.node.swap_plan = found
        db.session.remove()
        db.engine.dispose()
    with serving(app) as url:
        yield url


def _logout(page) -> None:
    page.click("form[action$='/logout'] button")
    page.wait_for_load_state("networkidle")


def test_agent_swap_approved_by_supervisor(page, request) -> None:
    mate_user, mate_name, day, mine, theirs = request.node.swap_plan
    browser_login(page, "agent")
    page.goto(page.base_url + f"/me/?day={day.isoformat()}")
    week = page.locator("[data-testid=week]")
    assert week.locator(".ss-shift").count() >= 4
    assert week.get_by_text(mine, exact=True).count() >= 1
    page.shot("1-my-week")
    page.goto(page.base_url + "/me/month?month=" + day.isoformat()[:7])
    page.shot("2-my-month")

    page.goto(page.base_url + "/me/requests")
    form = page.locator("[data-testid=swap-form]")
    form.locator("select[name=colleague_id]").select_option(label=mate_name)
    form.locator("input[name=requester_day]").fill(day.isoformat())
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert page.locator(".flash-success").count() == 1, page.content()[:2000]
    page.shot("3-swap-offered")
    _logout(page)

    browser_login(page, mate_user)
    page.goto(page.base_url + "/me/requests")
    page.locator("[data-testid=swaps] button", has_text="Accept").click()
    page.wait_for_load_state("networkidle")
    _logout(page)

    browser_login(page, "supervisor")
    page.goto(page.base_url + "/supervisor/approvals")
    page.shot("4-approvals")
    page.locator("[data-testid=pending-swaps] button", has_text="Approve").click()
    page.wait_for_load_state("networkidle")
    assert "version 2 is published" in page.locator(".flash-success").inner_text()
    page.goto(page.base_url + "/supervisor/board")
    page.shot("5-duty-board")
    _logout(page)

    browser_login(page, "agent")
    page.goto(page.base_url + f"/me/?day={day.isoformat()}")
    assert page.locator("[data-testid=week]").get_by_text(theirs, exact=True).count() >= 1
    page.shot("6-after-swap")
