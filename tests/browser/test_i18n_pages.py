"""The main pages in each interface language, in a real browser: no English left on the
Chinese pages, and nothing wider than the window (roster grid, tables, charts).

Each role's home page and the pages of its sub-navigation are visited with the browser's
language set to English, Traditional Chinese (zh-TW) and Simplified Chinese (zh-CN).
Screenshots: test-artifacts/screenshots/test_main_pages_in_each_language-<lang>-<user>-*.png
"""

from __future__ import annotations

import re
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.browser.conftest import ARTIFACTS, DEMO_END, browser_login, serving
from webapp.i18n_cli import compile_catalogs
from webapp.i18n_lint import kept_words, untranslated_words

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LANGUAGES = {"en": "en-US", "zh_Hant_TW": "zh-TW", "zh_Hans_CN": "zh-CN"}
USERS = ("planner", "supervisor", "agent", "trainer", "hr", "admin")
MAX_SUBPAGES = 8
SKIP_LINK = re.compile(r"(logout|/api/|\.ics$|\.csv|\.xlsx|export|download)")
FIRST_DAY = DEMO_END + timedelta(days=1)
#: Pages not reachable from a sub-navigation without data: the roster grid and day view,
#: the staffing week with the forecast, my shifts in the roster's first week.
EXTRA_PAGES = {
    "planner": ["/planner/rosters/{roster}", "/planner/rosters/{roster}/gantt?day={day}", "/planner/staffing?day={day}"],
    "agent": ["/me/?day={day}", "/me/month?month={month}"],
    "supervisor": ["/supervisor/team?day={day}"],
}
DATA_COLUMNS = {"code", "name", "username", "display_name", "email", "employee_no", "title", "languages", "label"}

#: What the page shows (innerText) plus the hints a reader sees on hover or in empty fields.
VISIBLE_TEXT_JS = """() => {
  const skip = new Set(['CODE', 'KBD', 'SAMP', 'PRE', 'SCRIPT', 'STYLE', 'TEXTAREA', 'NOSCRIPT', 'TEMPLATE']);
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const text = n.nodeValue.trim();
    if (!text) continue;
    let el = n.parentElement, hidden = false;
    for (let e = el; e; e = e.parentElement) { if (skip.has(e.tagName)) { hidden = true; break; } }
    if (hidden) continue;
    const st = getComputedStyle(el);
    if (st.display === 'none' || st.visibility === 'hidden' || (el.offsetParent === null && st.position !== 'fixed' && el.tagName !== 'BODY')) continue;
    out.push(text);
  }
  for (const e of document.querySelectorAll('[title],[placeholder],[aria-label]')) {
    if (e.offsetParent === null && e.tagName !== 'BODY') continue;
    for (const a of ['title', 'placeholder', 'aria-label']) if (e.getAttribute(a)) out.push(e.getAttribute(a));
  }
  for (const e of document.querySelectorAll('input[type=submit], input[type=button], input[type=reset]')) out.push(e.value);
  out.push(document.title);
  return out.join('\\n');
}"""

#: Layout problems: the page wider than the window, a chart outside its box, clipped labels.
OVERFLOW_JS = """() => {
  const problems = [];
  const doc = document.documentElement;
  if (doc.scrollWidth > window.innerWidth + 1) problems.push(`page is ${doc.scrollWidth}px wide in a ${window.innerWidth}px window`);
  for (const c of document.querySelectorAll('main canvas, main svg, main .chart')) {
    const r = c.getBoundingClientRect(), p = c.parentElement.getBoundingClientRect();
    if (r.width < 20 || r.height < 10) continue;
    if (r.right > p.right + 2 || r.left < p.left - 2) problems.push(`${c.tagName.toLowerCase()}.${c.className.baseVal ?? c.className} sticks out of its box (${Math.round(r.left)}..${Math.round(r.right)} in ${Math.round(p.left)}..${Math.round(p.right)})`);
    if (r.right > window.innerWidth + 1) problems.push(`${c.tagName.toLowerCase()} wider than the window`);
  }
  for (const s of document.querySelectorAll('.scroll-x')) {
    const r = s.getBoundingClientRect();
    if (r.right > window.innerWidth + 1) problems.push('a scrolling grid is wider than the window');
  }
  for (const e of document.querySelectorAll('main button, main th, main .tag, main .stat-label, nav a, .subnav a, main label')) {
    const st = getComputedStyle(e);
    if ((st.overflowX === 'hidden' || st.overflowX === 'clip') && e.scrollWidth > e.clientWidth + 1)
      problems.push(`clipped text: ${e.tagName.toLowerCase()} "${e.innerText.slice(0, 40)}"`);
  }
  return problems;
}"""


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogues() -> None:
    compile_catalogs()


def _publish_simple_roster(app) -> int:
    """A published two-week roster (weekday day shifts with lunch, a few lates), written
    straight to the tables: these tests are about how pages look, not about the solver."""
    from scheduler.db import db
    from scheduler.models import Agent, Roster, RosterVersion, Shift, ShiftActivity, Site
    from optimizer.timeutil import to_utc

    with app.app_context():
        site = db.session.scalar(sa.select(Site))
        roster = Roster(site_id=site.id, name="2026-12", start_date=FIRST_DAY, days=14)
        version = RosterVersion(roster=roster, number=1, status="published", published_at=datetime(2026, 11, 28, tzinfo=timezone.utc))
        db.session.add_all([roster, version])
        db.session.flush()
        agents = db.session.scalars(sa.select(Agent).where(Agent.active).order_by(Agent.id)).all()
        for k, agent in enumerate(agents):
            for d in range(14):
                day = FIRST_DAY + timedelta(days=d)
                if (day.weekday() + k) % 7 >= 5:
                    continue  # two days off a week, staggered
                code, hour = ("L", 14) if k % 4 == 3 else ("D", 9)
                start = to_utc(datetime(day.year, day.month, day.day, hour), site.timezone)
                shift = Shift(version_id=version.id, agent_id=agent.id, day=day, template_code=code,
                              start_at=start, end_at=start + timedelta(hours=9))
                shift.activities = [ShiftActivity(kind="lunch", start_at=start + timedelta(hours=4),
                                                  end_at=start + timedelta(hours=5))]
                db.session.add(shift)
        db.session.commit()
        return roster.id


@pytest.fixture(scope="module")
def rich_server(demo_database: Path, tmp_path_factory: pytest.TempPathFactory):
    """The demo center plus a forecast (so staffing charts have data) and a published roster
    (so the roster grid is full), served for the whole module (the pages are only read)."""
    from scheduler.db import db
    from scheduler.models import Site
    from scheduler.planning.forecasting import run_forecast
    from webapp import create_app

    path = tmp_path_factory.mktemp("i18n_browser") / "rich.sqlite"
    shutil.copy(demo_database, path)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "browser-tests"})
    with app.app_context():
        site = db.session.scalar(sa.select(Site))
        run_forecast(db.session, site, horizon_days=14)
        db.session.commit()
    roster_id = _publish_simple_roster(app)
    try:
        with serving(app) as url:
            yield url, roster_id
    finally:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="module")
def data_words(demo_database: Path) -> set[str]:
    """Codes, usernames and names stored in the demo data: fine on a page in any language."""
    engine = sa.create_engine(f"sqlite:///{demo_database}")
    words: set[str] = set()
    try:
        meta = sa.MetaData()
        meta.reflect(engine)
        with engine.connect() as conn:
            for table in meta.sorted_tables:
                cols = [c for c in table.columns if c.name in DATA_COLUMNS]
                if not cols:
                    continue
                for row in conn.execute(sa.select(*cols)):
                    for value in row:
                        if isinstance(value, str):
                            words.update(re.findall(r"[A-Za-z][A-Za-z0-9_.@/+-]*[A-Za-z0-9]|[A-Za-z]", value))
    finally:
        engine.dispose()
    return words


def _subnav_links(pg) -> list[str]:
    hrefs = pg.eval_on_selector_all(".subnav a[href]", "els => els.map(e => e.getAttribute('href'))")
    out: list[str] = []
    for href in hrefs:
        if href and href.startswith("/") and not SKIP_LINK.search(href) and href not in out:
            out.append(href)
    return out[:MAX_SUBPAGES]


@pytest.mark.parametrize("username", USERS)
@pytest.mark.parametrize("locale", list(LANGUAGES))
def test_main_pages_in_each_language(browser, rich_server, data_words: set[str], locale: str, username: str) -> None:
    live_server, roster_id = rich_server
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale=LANGUAGES[locale])
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    pg.base_url = live_server
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    try:
        pg.goto(live_server + "/login")
        assert pg.locator("html").get_attribute("lang") == locale.replace("_", "-")
        _check(pg, locale, "login", data_words, problems)
        browser_login(pg, username)
        home = pg.url[len(live_server):]
        pages = [home] + [p for p in _subnav_links(pg) if p != home]
        pages += [p.format(roster=roster_id, day=FIRST_DAY.isoformat(), month=FIRST_DAY.strftime("%Y-%m"))
                  for p in EXTRA_PAGES.get(username, [])]
        for i, path in enumerate(pages):
            if i:
                pg.goto(live_server + path)
                pg.wait_for_load_state("networkidle")
            _check(pg, locale, f"{username}-{i:02d}", data_words, problems, path)
        assert pg.locator("#language").count() == 1, "the language switcher is on every page"
    finally:
        context.close()
    assert not problems, f"{locale} / {username}:\n" + "\n".join(problems)


def _check(pg, locale: str, name: str, allowed: set[str], problems: list[str], path: str = "/login") -> None:
    pg.screenshot(path=str(ARTIFACTS / f"test_i18n_pages-{locale}-{name}.png"), full_page=True)
    text = pg.evaluate(VISIBLE_TEXT_JS)
    if "%(" in text or "{{" in text:
        problems.append(f"{path}: unformatted placeholder in the page")
    if locale != "en":
        words = untranslated_words(text, allowed | kept_words(locale))
        if words:
            problems.append(f"{path}: English on a {locale} page: {sorted(set(words))[:15]}")
    for problem in pg.evaluate(OVERFLOW_JS):
        problems.append(f"{path}: {problem}")
