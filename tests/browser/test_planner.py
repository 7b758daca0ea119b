"""A planner in a real browser: upload history (preview first), run a forecast, look at
the staffing chart, generate a roster and watch the progress bar reach the end, review
it and publish it."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import re

import pytest

from tests.browser.conftest import DEMO_END, browser_login

pytestmark = pytest.mark.browser

FIRST_DAY = DEMO_END + timedelta(days=1)  # the forecast starts the day after the history


def _history_csv(path, day: date) -> None:
    lines = ["timestamp,queue,offered,aht_seconds"]
    t = datetime(day.year, day.month, day.day, 9, 0)
    while t.hour < 18:
        lines.append(f"{t:%Y-%m-%dT%H:%M},WEALTH,{6 + (t.hour in (10, 11, 14)) * 4},410")
        t += timedelta(minutes=15)
    path.write_text("\n".join(lines) + "\n")


def _wait_for_job(page, timeout_ms: int = 240_000) -> None:
    page.wait_for_selector("[data-job-progress][data-status=done], [data-job-progress][data-status=failed]",
                           timeout=timeout_ms)
    assert page.get_attribute("[data-job-progress]", "data-status") == "done", page.inner_text("[data-job-progress]")


def test_planner_forecasts_generates_and_publishes(page, tmp_path) -> None:
    browser_login(page, "planner")

    # upload history: a file with a bad row is refused with the row named, nothing saved
    bad = tmp_path / "bad.csv"
    bad.write_text("timestamp,queue,offered\n2026-11-27T09:00,WEALTH,5\n2026-11-27T09:15,WEALTH,lots\n")
    page.goto(page.base_url + "/planner/forecast")
    page.set_input_files("input[name=file]", str(bad))
    page.click("text=Upload and preview")
    assert page.locator("#problems").is_visible()
    assert "lots" in page.inner_text("#problems")
    page.shot("history-errors")

    good = tmp_path / "wealth.csv"
    _history_csv(good, DEMO_END - timedelta(days=2))
    page.goto(page.base_url + "/planner/forecast")
    page.set_input_files("input[name=file]", str(good))
    page.click("text=Upload and preview")
    page.shot("history-preview")
    page.click("text=Save history")
    assert "history intervals saved" in page.inner_text(".flash-success")

    # run a forecast as a background job
    page.fill("input[name=horizon_days]", "14")
    page.click("text=Run forecast")
    _wait_for_job(page)
    page.shot("forecast-job")
    page.click("[data-field=result-link]")
    page.wait_for_selector("#accuracy-chart")
    assert "WAPE" in page.inner_text("main")
    page.shot("forecast-accuracy")

    # the staffing chart is a real chart (a drawn canvas), with the heat map beside it
    page.goto(page.base_url + f"/planner/staffing?day={FIRST_DAY.isoformat()}")
    page.wait_for_function("document.getElementById('staffing-chart').width > 0")
    assert page.locator("table.heatmap td.hm").count() == 5 * 7 * 24
    page.shot("staffing")

    # generate a roster for one team and watch the progress bar reach the end
    page.goto(page.base_url + "/planner/rosters")
    page.fill("input[name=start]", FIRST_DAY.isoformat())
    page.fill("input[name=days]", "7")
    page.fill("input[name=time_limit]", "10")
    page.shot("generate-form")
    # the smallest team (the demo names teams in the site's language)
    wealth = page.locator("select[name=teams] option", has_text=re.compile("Wealth|財富")).get_attribute("value")
    page.select_option("select[name=teams]", value=wealth)
    page.click("#generate-form button[type=submit]")
    page.wait_for_selector("[data-job-progress]")
    page.shot("generate-running")
    _wait_for_job(page)
    assert page.get_attribute("[data-field=bar]", "style").replace(" ", "").startswith("width:100")
    assert int(page.inner_text("[data-field=solutions]")) >= 1
    page.shot("generate-done")

    # review the draft (grid and Gantt), then publish it
    page.click("[data-field=result-link]")
    page.wait_for_selector("#roster-grid")
    assert page.locator("#roster-grid tbody td[class^=t-]").count() > 0
    page.shot("roster-grid")
    page.click("text=Day view (Gantt)")
    page.wait_for_selector(".gantt-bar")
    page.shot("gantt")
    page.go_back()
    page.click("#publish-button")
    assert "Version 1 published" in page.inner_text(".flash-success")
    page.shot("published")

    # the agents of that team now see the new shifts in their own week view
    import sqlalchemy as sa

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'live.sqlite'}")
    with engine.connect() as conn:
        username, n_shifts = conn.execute(sa.text(
            "SELECT u.username, COUNT(s.id) FROM shifts s JOIN roster_versions v ON v.id = s.version_id "
            "JOIN agents a ON a.id = s.agent_id JOIN users u ON u.id = a.user_id "
            "WHERE v.status = 'published' GROUP BY u.username ORDER BY COUNT(s.id) DESC LIMIT 1")).one()
    engine.dispose()
    agent_page = page.context.browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-US").new_page()
    agent_page.base_url = page.base_url
    browser_login(agent_page, username)
    agent_page.goto(f"{page.base_url}/me/?day={FIRST_DAY.isoformat()}")
    shown = agent_page.locator("[data-testid=week] .ss-shift").count()
    assert shown == min(n_shifts, 7), f"{username} has {n_shifts} published shifts, week view shows {shown}"
    agent_page.screenshot(path=str(page.shot("published").parent / "test_planner-agent-sees-new-shifts.png"), full_page=True)
    agent_page.context.close()
