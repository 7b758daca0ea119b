"""Interface language and time zone selection, and locale-aware formatting helpers.

Language: the user's saved preference, else the browser's Accept-Language, else English.
Times: always shown in the site's zone (Babel formats; templates never use strftime).
"""

from __future__ import annotations

from flask import current_app, g, request, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user

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
    "generic": _l("%(message)s"),
}


def render_notification(kind: str, params: dict) -> str:
    text = NOTIFICATION_TEXTS.get(kind, NOTIFICATION_TEXTS["generic"])
    try:
        return str(text) % params
    except (KeyError, TypeError, ValueError):
        return str(text)
