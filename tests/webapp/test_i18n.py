"""Translations: catalogues complete and current, no unmarked text, locale selection,
locale-aware formatting, weeks and holidays."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from click.testing import CliRunner

from scheduler.db import db
from scheduler.models import Site
from tests.conftest import csrf_token, login
from webapp import create_app, i18n
from webapp.i18n_cli import (
    LOCALES, Problem, catalog_problems, compile_catalogs, extract_catalog, i18n_group, po_path, read_catalog,
    update_catalogs, write_catalog,
)
from webapp.i18n_lint import unmarked_in_python, unmarked_in_template, unmarked_python, unmarked_templates

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bare_app():
    """An app without a database, for what needs only a request (locale, formatting)."""
    return create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "i18n-tests", "TESTING": True})


@contextmanager
def in_request(app, accept_language: str = "en", site: Site | None = None) -> Iterator[None]:
    """A request with that Accept-Language (and ``g.site``), set up as webapp/hooks.py does
    per request, without touching a database."""
    from flask import g
    from flask_babel import refresh

    with app.test_request_context(headers={"Accept-Language": accept_language}):
        g.site = site
        refresh()
        yield


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogues() -> None:
    """The app reads .mo files; build them from the committed .po files (as `make test` does)."""
    compile_catalogs()


@pytest.fixture(scope="module")
def template() -> Catalog:
    return extract_catalog()


# --- the repository's catalogues ----------------------------------------------------------

def test_catalogues_are_complete_and_current(template: Catalog) -> None:
    """Every extracted msgid is in every catalogue, translated, not fuzzy, placeholders intact."""
    assert sum(1 for m in template if m.id) > 50
    problems = catalog_problems(template)
    assert not problems, "run `wfm i18n update` and translate:\n" + "\n".join(map(str, problems[:60]))


def test_no_unmarked_text_in_templates() -> None:
    findings = unmarked_templates()
    assert not findings, "mark with {{ _('...') }}:\n" + "\n".join(f"{f.where}: {f.text}" for f in findings)


def test_no_unmarked_text_in_python() -> None:
    findings = unmarked_python()
    assert not findings, "mark with _() / _l():\n" + "\n".join(f"{f.where}: {f.text}" for f in findings)


def test_no_strftime_in_templates() -> None:
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "webapp" / "templates").rglob("*")
                 if p.is_file() and "strftime" in p.read_text(encoding="utf-8")]
    assert not offenders, f"use format_date/format_time/format_datetime instead of strftime in {offenders}"


def test_chinese_catalogues_use_their_own_script() -> None:
    """A Traditional catalogue with Simplified-only characters (or the reverse) is a mix-up."""
    simplified_only = set("们这说时间为发里设计动态应该务师训队员请错误关闭统计")
    traditional_only = set("們這說時間為發裡設計動態應該務師訓隊員請錯誤關閉統計")
    hant = read_catalog(po_path("zh_Hant_TW"), "zh_Hant_TW")
    hans = read_catalog(po_path("zh_Hans_CN"), "zh_Hans_CN")

    def text(cat: Catalog) -> str:
        return "".join(m.string if isinstance(m.string, str) else "".join(m.string) for m in cat if m.id)

    assert not (set(text(hant)) & (simplified_only - traditional_only))
    assert not (set(text(hans)) & (traditional_only - simplified_only))


# --- the checkers themselves --------------------------------------------------------------

def test_template_checker_flags_unmarked_text_and_attributes() -> None:
    src = """{% extends "base.html" %}{% block content %}
<h1>Roster</h1>
<p>{{ _('Marked') }} and not</p>
<input placeholder="Search agents" name="q">
<button title="{{ _('Ok') }}" aria-label="Close">x</button>
<input type="submit" value="Save">
{% endblock %}"""
    texts = {f.text for f in unmarked_in_template(src, "t.html")}
    assert "Roster" in texts
    assert any("and not" in t for t in texts)
    assert 'placeholder="Search agents"' in texts
    assert 'aria-label="Close"' in texts
    assert 'value="Save"' in texts
    assert "x" in texts
    lines = {f.where for f in unmarked_in_template(src, "t.html") if f.text == "Roster"}
    assert lines == {"t.html:2"}


def test_template_checker_accepts_marked_text_code_and_symbols() -> None:
    src = """<h1>{{ _('Roster') }}</h1>
<p>{% trans n=3 %}{{ n }} agents
on duty{% endtrans %}</p>
<td>{{ row.code }} #{{ row.id }} · 12 – 14 % &times; ({{ x }})</td>
<script>const label = "not checked here";</script><code>wfm demo load</code>
<span>CSV</span> <a href="/x?format=xlsx" class="btn-primary">{{ _('Export') }}</a>
<input type="hidden" name="next" value="somewhere">{# a comment with words #}
<button name="action" value="save">{{ _('Save') }}</button>"""
    assert unmarked_in_template(src, "t.html") == []


def test_python_checker_flags_unmarked_literals() -> None:
    src = '''
from flask import flash
from flask_babel import gettext as _, lazy_gettext as _l
class F:
    name = StringField("Name", validators=[Length(max=3, message="Too long")])
    ok = StringField(_l("Name"), validators=[Length(max=3, message=_l("Too long"))])
def v(n):
    flash("Saved")
    flash(_("Saved"))
    raise ValidationError(f"at most {n} items", field="x")
def w():
    raise ValidationError("a literal is extracted", field="x")
'''
    found = sorted(f.text for f in unmarked_in_python(src, "m.py"))
    assert found == ["Length: Too long", "StringField: Name", "ValidationError: f'at most {n} items'", "flash: Saved"]


def test_catalogue_check_reports_missing_untranslated_fuzzy_and_placeholders(tmp_path: Path) -> None:
    tmpl = Catalog()
    for msgid in ("Roster", "Shift", "Queue", "Hello %(name)s"):
        tmpl.add(msgid, flags={"python-format"} if "%(" in msgid else ())
    cat = Catalog(locale="zh_Hant_TW")
    cat.add("Roster", "班表")
    cat.add("Shift", "", )
    cat.add("Queue", "佇列", flags={"fuzzy"})
    cat.add("Hello %(nmae)s", "你好 %(nmae)s")
    cat.add("Hello %(name)s", "你好 %(nmae)s")
    write_catalog(po_path("zh_Hant_TW", tmp_path), cat)
    problems = catalog_problems(tmpl, tmp_path, locales=["zh_Hant_TW", "zh_Hans_CN"])
    kinds = {(p.locale, p.kind, p.msgid) for p in problems}
    assert ("zh_Hant_TW", "untranslated", "Shift") in kinds
    assert ("zh_Hant_TW", "fuzzy", "Queue") in kinds
    assert ("zh_Hant_TW", "format", "Hello %(name)s") in kinds
    assert ("zh_Hans_CN", "missing", "(whole catalogue)") in kinds
    assert not any(p.msgid == "Roster" for p in problems)


def test_catalogue_check_reports_template_format_and_markup_problems(tmp_path: Path) -> None:
    """Jinja %-formats every template string and inserts translations as HTML."""
    tmpl = Catalog()
    page = [("webapp/templates/x.html", 1)]
    tmpl.add("Pass mark (%)", locations=page)  # breaks the page: must be %%
    tmpl.add("Pass mark (%)", locations=[("webapp/forms.py", 3)], context="python")
    tmpl.add("Score (%%)", locations=page)
    tmpl.add("Send Bearer <token>", locations=page)  # the browser swallows <token>
    tmpl.add("Done", locations=page)
    cat = Catalog(locale="zh_Hant_TW")
    cat.add("Pass mark (%)", "及格分數（%）")
    cat.add("Pass mark (%)", "及格分數（%）", context="python")
    cat.add("Score (%%)", "分數（%）")  # the translation lost the escape
    cat.add("Send Bearer <token>", "送出")
    cat.add("Done", "<b>完成</b>")
    write_catalog(po_path("zh_Hant_TW", tmp_path), cat)
    problems = catalog_problems(tmpl, tmp_path, locales=["zh_Hant_TW"])
    found = {(p.locale, p.msgid) for p in problems if p.kind == "format"}
    assert ("", "Pass mark (%)") in found
    assert ("zh_Hant_TW", "Score (%%)") in found
    assert ("", "Send Bearer <token>") in found
    assert ("zh_Hant_TW", "Done") in found
    assert len([p for p in problems if p.msgid == "Pass mark (%)"]) == 1  # python-only use is not formatted


def test_update_merges_new_strings_and_fills_english(tmp_path: Path) -> None:
    tmpl = Catalog()
    tmpl.add("Publish roster")
    tmpl.add(("%(num)d shift", "%(num)d shifts"))
    update_catalogs(tmpl, tmp_path)
    en = read_catalog(po_path("en", tmp_path), "en")
    assert en["Publish roster"].string == "Publish roster"
    zh = read_catalog(po_path("zh_Hant_TW", tmp_path), "zh_Hant_TW")
    assert zh["Publish roster"].string == ""
    problems = catalog_problems(tmpl, tmp_path)
    assert {p.locale for p in problems} == {"zh_Hant_TW", "zh_Hans_CN"}
    # translate, add a source string: only the new one is reported (catalogue stale)
    zh["Publish roster"].string = "發布班表"
    zh["%(num)d shift"].string = ("%(num)d 個班別",)
    write_catalog(po_path("zh_Hant_TW", tmp_path), zh)
    tmpl.add("Unpublish")
    problems = catalog_problems(tmpl, tmp_path, locales=["zh_Hant_TW"])
    assert problems == [Problem("zh_Hant_TW", "missing", "Unpublish", "")]


def test_cli_check_passes_on_the_repository() -> None:
    result = CliRunner().invoke(i18n_group, ["check"])
    assert result.exit_code == 0, result.output


# --- language selection -------------------------------------------------------------------

def test_accept_language_chooses_the_catalogue(client) -> None:
    for header, expect in (("zh-TW,zh;q=0.9,en;q=0.8", "登入"), ("zh-HK", "登入"), ("zh-CN,zh;q=0.9", "登录"),
                           ("zh", "登录"), ("en-GB,en;q=0.9", "Log in"), ("fr-FR", "Log in")):
        html = client.get("/login", headers={"Accept-Language": header}).get_data(as_text=True)
        assert f"<h1>{expect}</h1>" in html, header


def test_unknown_browser_language_falls_back_to_the_sites(client) -> None:
    db.session.add(_site(default_locale="zh_Hans_CN"))
    db.session.commit()
    assert "<h1>登录</h1>" in client.get("/login", headers={"Accept-Language": "fr-FR"}).get_data(as_text=True)
    assert "<h1>Log in</h1>" in client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<h1>Log in</h1>" in client.get("/login").get_data(as_text=True)  # no header: a script, English


def test_saved_preference_beats_accept_language(client, make_user) -> None:
    user = make_user("agent", username="mei")
    user.locale = "zh_Hans_CN"
    db.session.commit()
    login(client, "mei")
    html = client.get("/me/", headers={"Accept-Language": "en-US"}).get_data(as_text=True)
    assert "我的班次" in html and 'lang="zh-Hans-CN"' in html


def test_switcher_saves_the_choice_for_the_user(client, make_user) -> None:
    user = make_user("planner", username="lin")
    login(client, "lin")
    token = csrf_token(client, "/planner/")
    resp = client.post("/language", data={"language": "zh_Hant_TW", "next": "/planner/", "csrf_token": token})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/planner/")
    db.session.refresh(user)
    assert user.locale == "zh_Hant_TW"
    assert "排班規劃" in client.get("/planner/", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_switcher_is_on_every_page(app, make_user) -> None:
    pages = [((), "/login"), (("planner",), "/planner/"), (("agent",), "/me/"), (("supervisor",), "/supervisor/"),
             (("trainer",), "/trainer/"), (("hr",), "/hr/"), (("admin",), "/admin/")]
    for roles, path in pages:
        client = app.test_client()
        if roles:
            user = make_user(*roles)
            assert login(client, user.username).status_code == 302
        html = client.get(path).get_data(as_text=True)
        assert 'action="/language"' in html, path
        assert all(f'value="{code}"' in html for code in LANGUAGES_OFFERED), path


LANGUAGES_OFFERED = ("en", "zh_Hant_TW", "zh_Hans_CN")


def test_form_validation_messages_follow_the_script(client) -> None:
    """WTForms' own messages: Traditional for zh_Hant_TW (WTForms' zh is Simplified)."""
    for header, expect in (("zh-TW", "此欄位"), ("zh-CN", "该字段"), ("en", "This field is required.")):
        token = csrf_token(client, "/login")
        html = client.post("/login", data={"csrf_token": token}, headers={"Accept-Language": header}).get_data(as_text=True)
        assert expect in html, header


def test_domain_error_messages_are_translated(bare_app) -> None:
    app = bare_app
    with in_request(app, "zh-TW"):
        assert i18n.localized_message("this username is taken") == "此使用者名稱已被使用"
        assert i18n.localized_message("not a catalogued message") == "not a catalogued message"
    with in_request(app, "zh-CN"):
        assert i18n.localized_message("this username is taken") == "该用户名已被占用"


def test_notification_in_the_recipients_language(bare_app) -> None:
    app = bare_app
    with in_request(app, "en"):
        text = i18n.notification_text_for("zh_Hant_TW", "roster_published", {"roster": "2026-12", "number": 3})
        assert text == "班表 2026-12 第 3 版已發布。"
        assert "published" in i18n.notification_text_for(None, "roster_published", {"roster": "R", "number": 1})
        # stored ISO dates are shown in the reader's date format
        changed = {"day": "2026-12-01", "old": "D", "new": "L"}
        assert i18n.notification_text_for("zh_Hant_TW", "shift_changed", changed) == "您 2026年12月1日 的班別已變更：D → L。"
        assert i18n.notification_text_for("en", "shift_changed", changed) == "Your shift on Dec 1, 2026 changed: D → L."


# --- formatting, weeks, holidays ----------------------------------------------------------

def _site(**kw) -> Site:
    values = dict(code="TPE", name="台北", timezone="Asia/Taipei", country="TW", week_start=0, default_locale="zh_Hant_TW")
    values.update(kw)
    return Site(**values)


def test_dates_numbers_and_times_follow_locale_and_site_zone(bare_app) -> None:
    from flask_babel import format_date, format_datetime, format_decimal, format_percent, format_time

    app, site = bare_app, _site()
    instant = datetime(2026, 11, 30, 1, 30, tzinfo=timezone.utc)  # 09:30 in Taipei
    with in_request(app, "zh-TW", site):
        assert format_time(instant, "short") == "上午9:30"
        assert format_date(date(2026, 11, 30), "full") == "2026年11月30日 星期一"
        assert format_percent(0.805, "#,##0.0%") == "80.5%"
        assert i18n.format_day_header(date(2026, 11, 30)) == "11月30日週一"
        assert i18n.format_skeleton("Hm", instant) == "09:30"
    with in_request(app, "en-US", site):
        assert format_datetime(instant, "short") == "11/30/26, 9:30\u202fAM"
        assert format_decimal(12345.5) == "12,345.5"
        assert i18n.format_day_header(date(2026, 11, 30)) == "Mon, Nov 30"


def test_week_starts_on_the_sites_day(bare_app) -> None:
    app = bare_app
    wed = date(2026, 12, 2)
    monday_site, sunday_site = _site(week_start=0), _site(code="CLT", week_start=6)
    assert i18n.week_days(monday_site, wed)[0] == date(2026, 11, 30)
    assert i18n.week_days(sunday_site, wed)[0] == date(2026, 11, 29)
    assert i18n.week_days(sunday_site, date(2026, 11, 29)) == i18n.week_days(sunday_site, date(2026, 12, 5))
    assert len(set(i18n.week_days(monday_site, wed))) == 7
    weeks = i18n.month_weeks(sunday_site, 2026, 2)
    assert weeks[0][0] == date(2026, 2, 1) and all(w[0].weekday() == 6 for w in weeks)
    assert date(2026, 2, 28) in weeks[-1]
    with in_request(app, "zh-TW"):
        assert i18n.weekday_names(monday_site) == ["週一", "週二", "週三", "週四", "週五", "週六", "週日"]
        assert i18n.weekday_name(date(2026, 11, 29)) == "星期日"
    with in_request(app, "en"):
        assert i18n.weekday_names(sunday_site)[:2] == ["Sun", "Mon"]


@pytest.mark.parametrize("country, lang, day, name", [
    ("TW", "zh-TW", date(2026, 10, 10), "國慶日"),
    ("TW", "zh-CN", date(2026, 10, 10), "国庆日"),
    ("TW", "en", date(2026, 10, 10), "National Day"),
    ("HK", "zh-TW", date(2026, 7, 1), "香港特別行政區成立紀念日"),
    ("CN", "zh-CN", date(2026, 10, 1), "国庆节"),
    ("SG", "en", date(2026, 8, 10), "National Day"),
    ("US", "en", date(2026, 7, 4), "Independence Day"),
    ("GB", "en", date(2026, 12, 25), "Christmas Day"),
])
def test_holidays_in_the_readers_language(bare_app, country: str, lang: str, day: date, name: str) -> None:
    app = bare_app
    site = _site(country=country)
    with in_request(app, lang):
        found = i18n.holidays_between(site, date(2026, 1, 1), date(2026, 12, 31))
    assert name in found.get(day, ""), found.get(day)
    assert all(date(2026, 1, 1) <= d <= date(2026, 12, 31) for d in found)


def test_holidays_for_unknown_country_or_no_site_are_empty(bare_app) -> None:
    app = bare_app
    with in_request(app):
        assert i18n.holidays_between(_site(country="XX"), date(2026, 1, 1), date(2026, 12, 31)) == {}
        assert i18n.holidays_between(None, date(2026, 1, 1), date(2026, 12, 31)) == {}


def test_translation_directory_layout() -> None:
    for locale in LOCALES:
        assert po_path(locale).exists(), locale
    assert re.search(r"^\[jinja2: webapp/templates/\*\*\.html\]", (ROOT / "babel.cfg").read_text(), re.M)


def test_roster_page_shows_holidays_in_the_readers_language(client, make_user) -> None:
    from scheduler.models import Roster, RosterVersion

    site = _site()
    db.session.add(site)
    db.session.flush()
    roster = Roster(site_id=site.id, name="2026-10", start_date=date(2026, 10, 5), days=14)
    db.session.add_all([roster, RosterVersion(roster=roster, number=1, status="published",
                                              published_at=datetime(2026, 10, 1, tzinfo=timezone.utc))])
    db.session.commit()
    make_user("planner", username="plan")
    login(client, "plan")
    for lang, name in (("zh-TW", "國慶日"), ("zh-CN", "国庆日"), ("en", "National Day")):
        html = client.get(f"/planner/rosters/{roster.id}", headers={"Accept-Language": lang}).get_data(as_text=True)
        assert name in html, lang
