"""Interface language and time zone selection, and locale-aware formatting helpers.

Language: the user's saved preference, else the browser's Accept-Language, else the
site's default language, else English.
Times: always shown in the site's zone (Babel formats; templates never use strftime).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from babel import dates as babel_dates
from babel import support
from babel.lists import format_list
from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import force_locale, format_date, format_datetime, get_locale, to_user_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from optimizer.roster.result import Sentence
from optimizer.timeutil import week_start
from scheduler import public_holidays

#: Accept-Language tags -> our catalogue names.  Chinese script follows region when the
#: browser gives only a region (zh-HK and zh-TW read Traditional, zh-CN and zh-SG Simplified).
ACCEPT_MAP = {
    "en": "en",
    "zh-tw": "zh_Hant_TW", "zh-hant": "zh_Hant_TW", "zh-hk": "zh_Hant_TW", "zh-mo": "zh_Hant_TW",
    "zh-cn": "zh_Hans_CN", "zh-hans": "zh_Hans_CN", "zh-sg": "zh_Hans_CN", "zh": "zh_Hans_CN",
}

#: Names shown in the switcher, each in its own language.
LANGUAGE_NAMES = {"en": "English", "zh_Hant_TW": "繁體中文", "zh_Hans_CN": "简体中文"}


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # jobs, CLI, tests: an app but no reader (force_locale still works)
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    user = current_user if current_user and getattr(current_user, "is_authenticated", False) else None
    if user is not None and user.locale in languages:
        return user.locale
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    for tag, _quality in request.accept_languages:
        key = tag.lower()
        if key in ACCEPT_MAP:
            return ACCEPT_MAP[key]
        base = key.split("-")[0]
        if base in ACCEPT_MAP:
            return ACCEPT_MAP[base]
    # a browser asking only for languages we lack: the site's own language (no header at all,
    # as from scripts and API clients: the default, English)
    site_locale = getattr(getattr(g, "site", None), "default_locale", None)
    if request.accept_languages and site_locale in languages:
        return site_locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    site = getattr(g, "site", None)
    return site.timezone if site is not None else current_app.config["BABEL_DEFAULT_TIMEZONE"]


#: Role names for display; lazily translated.
ROLE_LABELS = {
    "agent": _l("Agent"),
    "supervisor": _l("Supervisor"),
    "planner": _l("Workforce planner"),
    "trainer": _l("Trainer"),
    "hr": _l("HR"),
    "admin": _l("Administrator"),
}


#: Notification texts by kind.  Stored notifications hold only kind + params, so each reader
#: sees them in their own language.  Later features register their kinds here.
NOTIFICATION_TEXTS = {
    "shift_changed": _l("Your shift on %(day)s changed: %(old)s → %(new)s."),
    "roster_published": _l("Roster %(roster)s version %(number)s is published."),
    "request_decided": _l("Your request for %(day)s was %(status)s."),
    "staffing_risk": _l("Staffing risk: %(queue)s on %(day)s, %(start)s–%(end)s, projected service level down to %(sl)s."),
    "generic": _l("%(message)s"),
    "weekly_summary": _l("Week from %(week)s: %(published)s roster version(s) published, %(open_requests)s time-off "
                         "request(s) waiting, %(failed_jobs)s failed job(s)."),
}
NOTIFICATION_TEXTS.update({  # training (training/operations, training/reminders)
    "training_assigned": _l("%(count)s training course(s) assigned to you, first due on %(due)s."),
    "session_enrolled": _l("You are enrolled in the training session %(course)s starting %(start)s."),
    "session_cancelled": _l("The training session %(course)s starting %(start)s is cancelled."),
    "attempt_passed": _l("You passed %(course)s with %(score)s %%."),
    "attempt_failed": _l("You did not pass %(course)s (%(score)s %%)."),
    "training_due": _l("Training %(course)s for %(agent)s is due on %(due)s."),
    "training_overdue": _l("Training %(course)s for %(agent)s was due on %(due)s and is overdue."),
    "certification_expiring": _l("Certification %(course)s of %(agent)s expires on %(expires)s."),
})
NOTIFICATION_TEXTS.update({  # self-service requests (scheduler/selfservice/notify.py KINDS)
    "timeoff_requested": _l("%(agent)s asks for time off from %(start)s to %(end)s."),
    "timeoff_approved": _l("Your time off from %(start)s to %(end)s is approved."),
    "timeoff_rejected": _l("Your time off from %(start)s to %(end)s was rejected."),
    "swap_offered": _l("%(agent)s offers you a shift swap: their %(day)s for your %(other_day)s."),
    "swap_accepted": _l("%(agent)s accepted the shift swap (%(day)s / %(other_day)s); a supervisor decides next."),
    "swap_declined": _l("%(agent)s declined the shift swap (%(day)s / %(other_day)s)."),
    "swap_cancelled": _l("%(agent)s cancelled the shift swap (%(day)s / %(other_day)s)."),
    "swap_approved": _l("The shift swap (%(day)s / %(other_day)s) is approved and published."),
    "swap_rejected": _l("The shift swap (%(day)s / %(other_day)s) was rejected."),
})


#: Audit log actions: the automatic row changes and the named business actions
#: (scheduler.audit.record).  Unknown actions are shown as recorded.
AUDIT_ACTIONS = {
    "create": _l("created"),
    "insert": _l("created"),
    "update": _l("changed"),
    "delete": _l("deleted"),
    "generate": _l("roster generated"),
    "roster_edit": _l("roster edited"),
    "publish": _l("published"),
    "repair_proposed": _l("repair proposed"),
    "session_cancel": _l("session cancelled"),
    "certify": _l("certified"),
    "grade": _l("graded"),
    "grade_override": _l("result overridden"),
    "revoke_certification": _l("certification revoked"),
}

#: What an audit row is about, by table.  Unknown tables are shown by their name.
AUDIT_ENTITIES = {
    "agent_skills": _l("Agent skill"), "agents": _l("Agent"), "forecast_intervals": _l("Forecast interval"),
    "forecast_runs": _l("Forecast"), "handover_notes": _l("Handover"), "jobs": _l("Background job"),
    "notifications": _l("Notification"), "periodic_jobs": _l("Scheduled job"), "periodic_runs": _l("Scheduled job run"),
    "queues": _l("Queue"), "roster_versions": _l("Roster version"), "rosters": _l("Roster"),
    "shift_activities": _l("Shift activity"), "shift_preferences": _l("Shift preference"),
    "shift_templates": _l("Shift template"), "shifts": _l("Shift"), "sites": _l("Site"), "special_days": _l("Special day"),
    "staffing_requirements": _l("Staffing requirement"), "swap_requests": _l("Shift swap"), "teams": _l("Team"),
    "time_off": _l("Time off"), "training_assignments": _l("Training assignment"),
    "training_attempt_answers": _l("Assessment answer"), "training_attempts": _l("Assessment attempt"),
    "training_certifications": _l("Certification"), "training_choices": _l("Answer choice"),
    "training_course_prerequisites": _l("Course prerequisite"), "training_courses": _l("Course"),
    "training_enrolments": _l("Session enrolment"), "training_plan_items": _l("Training plan item"),
    "training_plans": _l("Training plan"), "training_quality_figures": _l("Quality figure"),
    "training_questions": _l("Question"), "training_reminders": _l("Training reminder"),
    "training_sessions": _l("Training session"), "training_survey_responses": _l("Survey response"),
    "user_roles": _l("User role"), "users": _l("User"), "contact_history": _l("Contact history"),
    "api_tokens": _l("API token"), "calendar_tokens": _l("Calendar address"),
}


#: Forecast methods (optimizer.forecast.methods.METHODS) by their code.
FORECAST_METHODS = {
    "seasonal_naive": _l("Seasonal naive (same time last week)"),
    "profile": _l("Weekly profile"),
    "mstl": _l("MSTL (seasonal decomposition)"),
    "ensemble": _l("Ensemble (profile and MSTL)"),
}


def forecast_method_label(code: str) -> str:
    return str(FORECAST_METHODS.get(code, code))


#: The roster engine's result status (CP-SAT's, ``optimizer.roster.solve.STATUS``) for
#: people: a planner reads "FEASIBLE" as jargon, a Chinese reader as English.
SOLVER_STATUSES = {
    "OPTIMAL": _l("Optimal (proven best)"),
    "FEASIBLE": _l("Feasible (not proven best)"),
    "INFEASIBLE": _l("Infeasible (the hard rules cannot all hold)"),
    "UNKNOWN": _l("No roster found within the time limit"),
    "MODEL_INVALID": _l("Invalid model (an engine error)"),
}

#: Background job states (scheduler.jobs): job lists and the live progress bar.
JOB_STATUSES = {
    "queued": _l("Queued"),
    "running": _l("Running"),
    "done": _l("Done"),
    "failed": _l("Failed"),
    "cancelled": _l("Cancelled"),
}


def solver_status_label(code: str | None) -> str:
    """A roster result's status in the reader's language; an unknown code as recorded."""
    return str(SOLVER_STATUSES.get(code or "", code or ""))


def job_status_label(code: str | None) -> str:
    """A background job's state in the reader's language; an unknown state as recorded."""
    return str(JOB_STATUSES.get(code or "", code or ""))


def job_status_labels() -> dict[str, str]:
    """Every job state's label, for the live progress bar's script."""
    return {code: str(label) for code, label in JOB_STATUSES.items()}


def activity_label(kind: str) -> str:
    """A shift activity (break, lunch, training ...) by its kind, in the reader's language."""
    from webapp.agent.rules import ACTIVITY_LABELS

    return str(ACTIVITY_LABELS.get(kind, kind))


def audit_action_label(action: str) -> str:
    return str(AUDIT_ACTIONS.get(action, action))


def audit_entity_label(entity: str) -> str:
    return str(AUDIT_ENTITIES.get(entity, entity))


def render_notification(kind: str, params: dict) -> str:
    text = NOTIFICATION_TEXTS.get(kind, NOTIFICATION_TEXTS["generic"])
    try:
        return str(text) % {k: _display_value(v) for k, v in params.items()}
    except (KeyError, TypeError, ValueError, AttributeError):
        return str(text)


_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$")


def _display_value(value: Any) -> Any:
    """Notification parameters are stored as JSON (ISO dates); show them in the reader's
    date format and, for instants, in the site's zone."""
    if isinstance(value, str) and _ISO_DAY.match(value):
        return format_date(date.fromisoformat(value), "medium")
    if isinstance(value, str) and _ISO_INSTANT.match(value):
        return format_datetime(datetime.fromisoformat(value.replace("Z", "+00:00")), "short")
    return value


def localized_message(message: Any) -> str:
    """A domain error's message in the reader's language.  Literal messages given to the
    domain errors are extracted (see webapp/i18n_cli.py KEYWORDS) and looked up here; lazy
    strings (``_l("... %(x)s", x=...)``) translate themselves."""
    if isinstance(message, str):
        return _(message) if message else message
    return str(message)


def rule_sentence(item: Any, names: Mapping[str, Any] | None = None,
                  labels: Mapping[str, Any] | None = None) -> str:
    """A roster rule's sentence for people in the reader's language: a validator
    ``Violation`` or a line of the engine's explanation (``optimizer.roster.result.Sentence``),
    or either stored as data with ``text``, ``params`` (and ``parts``).  Agent ids become
    ``names`` (``agent``, and each of ``agents``), rule families ``labels``, activity
    kinds their labels, ISO dates the reader's format, lists the reader's list
    ("A、B和C"); the caller lists a sentence's ``parts`` under it.  The sentences are extracted from the validator (``_violation``) and
    the engine (``_note``) into the catalogues; records from before they existed show
    their terse English ``message``."""
    get = item.get if isinstance(item, Mapping) else (lambda key: getattr(item, key, None))
    text = get("text")
    if not text:
        return str(get("message") or "")
    params = get("params") or {}
    params = params if isinstance(params, Mapping) else dict(params)
    return _(text, **{k: _sentence_value(k, v, names or {}, labels or {}) for k, v in params.items()})


def _sentence_value(key: str, value: Any, names: Mapping[str, Any], labels: Mapping[str, Any]) -> Any:
    if isinstance(value, (Mapping, Sentence)):  # a rule's own words (a validator violation)
        return rule_sentence(value, names, labels)
    if isinstance(value, (list, tuple)):
        return format_list([str(_sentence_value(key, v, names, labels)) for v in value], locale=get_locale())
    if key in ("agent", "agents"):  # an agent id, or each id of a list
        return names.get(str(value), value)
    if key in ("family", "families"):
        return str(labels.get(value, value))
    if key == "activity":
        return activity_label(value)
    return _display_value(value)


@contextmanager
def in_locale(locale: str | None) -> Iterator[None]:
    """Render something (an e-mail, a notification, an export) in another person's language:
    ``with in_locale(user.locale or site.default_locale): body = render_template(...)``."""
    languages = current_app.config["LANGUAGES"]
    chosen = locale if locale in languages else current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(chosen):
        yield


def notification_text_for(locale: str | None, kind: str, params: Mapping[str, Any]) -> str:
    """A notification's text in the recipient's language (e-mails are sent outside their
    request)."""
    with in_locale(locale):
        return render_notification(kind, dict(params))


# --- weeks, weekdays and dates -------------------------------------------------------------

def first_weekday(site: Any | None) -> int:
    """The site's first day of the week: 0 = Monday (ISO, Europe, China, Taiwan), 6 = Sunday
    (US custom).  A site without the setting starts on Monday."""
    value = getattr(site, "week_start", 0) if site is not None else 0
    return value if value in range(7) else 0


def week_days(site: Any | None, any_day: date) -> list[date]:
    """The seven days of the week that contains ``any_day``, starting on the site's first
    weekday.  Roster grids, staffing weeks and calendars all page by this."""
    first = week_start(any_day, first_weekday(site))
    return [first + timedelta(days=i) for i in range(7)]


def month_weeks(site: Any | None, year: int, month: int) -> list[list[date]]:
    """A month calendar: whole weeks (site's first weekday first) covering the month; days
    of the neighbouring months fill the first and last week."""
    first = date(year, month, 1)
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    weeks = []
    day = week_start(first, first_weekday(site))
    while day <= last:
        weeks.append([day + timedelta(days=i) for i in range(7)])
        day += timedelta(days=7)
    return weeks


def weekday_names(site: Any | None = None, width: str = "abbreviated") -> list[str]:
    """Localized weekday names in the site's week order (width: wide, abbreviated, short,
    narrow), e.g. for column headers: ``週一 … 週日`` or ``Sun … Sat``."""
    names = babel_dates.get_day_names(width, context="stand-alone", locale=get_locale())
    first = first_weekday(site)
    return [names[(first + i) % 7] for i in range(7)]


def weekday_name(day: date | int, width: str = "wide") -> str:
    """The localized name of a date's weekday (or of weekday number 0 = Monday .. 6)."""
    index = day if isinstance(day, int) else day.weekday()
    return babel_dates.get_day_names(width, context="format", locale=get_locale())[index % 7]


def format_skeleton(skeleton: str, value: date | datetime) -> str:
    """Babel's flexible formats, for compact headers the fixed styles lack: ``MMMEd`` ->
    "Mon, Nov 30" / "11月30日週一"; ``Md`` -> "11/30"; ``yMMMM`` -> "November 2026" /
    "2026年11月"; ``Hm`` -> "14:30".  Datetimes are shown in the site's time zone."""
    if isinstance(value, datetime):
        value = to_user_timezone(value)
    return babel_dates.format_skeleton(skeleton, value, locale=get_locale())


def format_day_header(day: date) -> str:
    """Short day label with weekday for grid columns: "Mon, Nov 30" / "11月30日週一"."""
    return format_skeleton("MMMEd", day)


def timezone_name(tz: str | None = None) -> str:
    """The site's zone as readers call it: "Taiwan Time" / "台北時間" / "北美东部时间"
    (the IANA id means nothing to most users)."""
    tz = tz or select_timezone()
    if tz in ("UTC", "Etc/UTC", "GMT"):
        return "UTC"
    try:
        return babel_dates.get_timezone_name(babel_dates.get_timezone(tz), "long", locale=get_locale(),
                                             zone_variant="generic")
    except LookupError:
        return tz


# --- public holidays -----------------------------------------------------------------------

def holidays_between(site: Any | None, start: date, end: date, locale: str | None = None) -> dict[date, str]:
    """The site's public holidays from ``start`` to ``end`` inclusive, named in ``locale``
    (default: the reader's): ``{date: name}`` for staffing and roster views."""
    if site is None:
        return {}
    return public_holidays.holidays_between(
        getattr(site, "country", None), getattr(site, "subdivision", None), start, end,
        locale or str(get_locale()),
    )


# --- WTForms' own messages -----------------------------------------------------------------

#: WTForms ships its messages ("This field is required.") in zh_TW and zh (Simplified);
#: gettext's fallback would give Traditional readers the Simplified ones.
_WTFORMS_CATALOGUE = {"zh_Hant_TW": "zh_TW", "zh_Hans_CN": "zh", "en": "en"}


@lru_cache(maxsize=8)
def _wtforms_translations(name: str) -> support.Translations:
    from wtforms.i18n import messages_path

    return support.Translations.load(messages_path(), [name], domain="wtforms")


class _WtformsTranslations:
    """Flask-WTF looks for ``request.wtforms_translations`` first; this one follows the
    interface locale exactly."""

    def _current(self) -> support.Translations:
        return _wtforms_translations(_WTFORMS_CATALOGUE.get(str(get_locale()), "en"))

    def ugettext(self, string: str) -> str:
        return self._current().ugettext(string)

    def ungettext(self, singular: str, plural: str, n: int) -> str:
        return self._current().ungettext(singular, plural, n)

    gettext = ugettext
    ngettext = ungettext


def template_helpers() -> dict[str, Any]:
    """Locale helpers for templates (besides Flask-Babel's format_* in webapp/hooks.py)."""
    return {
        "week_days": week_days,
        "month_weeks": month_weeks,
        "weekday_names": weekday_names,
        "weekday_name": weekday_name,
        "format_skeleton": format_skeleton,
        "format_day_header": format_day_header,
        "holidays_between": holidays_between,
        "timezone_name": timezone_name,
        "localized_message": localized_message,
        "rule_sentence": rule_sentence,
        "audit_action_label": audit_action_label,
        "forecast_method_label": forecast_method_label,
        "solver_status_label": solver_status_label,
        "job_status_label": job_status_label,
        "job_status_labels": job_status_labels,
        "activity_label": activity_label,
        "audit_entity_label": audit_entity_label,
    }


def init_app(app: Flask) -> None:
    app.context_processor(template_helpers)

    @app.before_request
    def _wtforms_locale() -> None:
        request.wtforms_translations = _WtformsTranslations()
