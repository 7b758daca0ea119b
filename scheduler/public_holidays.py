"""Public holidays of a site's country, named in the reader's language.

The ``holidays`` package knows the holidays of every country we serve (TW, HK, CN, SG, US,
GB ...) and, for several of them, their names in more than one language (Taiwan's in
zh_TW, zh_CN and en_US, for instance).  Views show the names; the forecast uses the dates
(optimizer.forecast.calendar takes the same country and subdivision).

No Flask here: the interface locale is passed in, so jobs and the CLI can call it too.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import holidays as holidays_lib

#: Our interface locales -> holidays languages to try, best first.  English prefers the
#: country's own English (en_GB, en_HK, en_SG) over en_US.
_LANGUAGE_PREFERENCE = {
    "zh_Hant_TW": ("zh_TW", "zh_HK", "zh_CN"),
    "zh_Hans_CN": ("zh_CN", "zh_TW", "zh_HK"),
    "en": ("en_{country}", "en_US", "en_GB"),
}


def holiday_language(country: str, locale: str) -> str | None:
    """The ``language=`` to give the holidays package for ``country`` and an interface
    locale; None (the country's default language) when it has none that fits."""
    try:
        cls = holidays_lib.country_holidays(country.upper(), years=[]).__class__
    except NotImplementedError:
        return None
    supported = set(getattr(cls, "supported_languages", ()) or ())
    default = getattr(cls, "default_language", None)
    base = "zh_Hant_TW" if locale.startswith("zh_Hant") else "zh_Hans_CN" if locale.startswith("zh") else "en"
    for candidate in _LANGUAGE_PREFERENCE[base]:
        candidate = candidate.format(country=country.upper())
        if candidate in supported:
            return candidate
    return default


@lru_cache(maxsize=256)
def _year(country: str, subdivision: str | None, year: int, language: str | None) -> tuple[tuple[date, str], ...]:
    table = holidays_lib.country_holidays(country, subdiv=subdivision, years=[year], language=language)
    return tuple(sorted(table.items()))


def holidays_between(country: str | None, subdivision: str | None, start: date, end: date,
                     locale: str = "en") -> dict[date, str]:
    """Public holidays from ``start`` to ``end`` inclusive, ``{day: name}``; an unknown or
    empty country gives no holidays (a site may be in a country the package lacks)."""
    if not country or end < start:
        return {}
    country = country.upper()
    try:
        language = holiday_language(country, locale)
        days: dict[date, str] = {}
        for year in range(start.year, end.year + 1):
            days.update((d, name) for d, name in _year(country, subdivision or None, year, language) if start <= d <= end)
    except NotImplementedError:
        return {}
    return days
