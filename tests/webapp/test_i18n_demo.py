"""The demo center for each supported country: its time zone, week, names and holidays."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from scheduler import demo
from scheduler.db import db
from scheduler.models import Queue, ShiftTemplate, Site, Team, User
from scheduler.public_holidays import holidays_between

HAN = re.compile(r"[\u4e00-\u9fff]")
#: country -> (zone, first weekday, script of people's names: "han" or "latin")
EXPECTED = {
    "TW": ("Asia/Taipei", 0, "han"),
    "HK": ("Asia/Hong_Kong", 0, "han"),
    "CN": ("Asia/Shanghai", 0, "han"),
    "SG": ("Asia/Singapore", 0, "latin"),
    "US": ("America/New_York", 6, "latin"),
    "GB": ("Europe/London", 0, "latin"),
}


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory: pytest.TempPathFactory):
    """One migrated SQLite file; each test loads a center and rolls it back (the demo code
    only flushes), so the countries do not meet.  About the demo data, not the backend."""
    from flask_migrate import upgrade

    from webapp import create_app

    path = tmp_path_factory.mktemp("i18n_demo") / "demo.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "i18n-demo", "TESTING": True})
    with app.app_context():
        upgrade()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def session(demo_app):
    yield db.session
    db.session.rollback()


@pytest.mark.parametrize("country", list(EXPECTED))
def test_demo_center_fits_its_country(session, country: str) -> None:
    demo.load(session, country=country, seed=2, weeks=1, end_date=date(2026, 11, 29), agents_total=12)
    zone, first_weekday, script = EXPECTED[country]
    site = session.scalar(sa.select(Site))
    assert (site.country, site.timezone, site.week_start) == (country, zone, first_weekday)
    names = [u.display_name for u in session.scalars(sa.select(User))]
    teams = [t.name for t in session.scalars(sa.select(Team))]
    queues = [q.name for q in session.scalars(sa.select(Queue))]
    shifts = [t.name for t in session.scalars(sa.select(ShiftTemplate))]
    if script == "han":
        assert all(HAN.search(n) for n in names + teams + queues + shifts)
    else:
        assert not any(HAN.search(n) for n in names + teams + queues + shifts)
    # the site's holidays for 2026 exist, and a Chinese-speaking reader gets Chinese names where
    # the holidays package has them
    found = holidays_between(site.country, site.subdivision, date(2026, 1, 1), date(2026, 12, 31), site.default_locale)
    assert len(found) >= 7
    if script == "han":
        assert all(HAN.search(n) for n in found.values())


def test_traditional_and_simplified_demo_names_differ(session) -> None:
    demo.load(session, country="CN", seed=2, weeks=1, end_date=date(2026, 11, 29), agents_total=12)
    teams = {t.name for t in session.scalars(sa.select(Team))}
    assert "盗刷挂失组" in teams and "盜刷掛失組" not in teams
