"""The signed-in user's site as pages see it: its time zone and its date."""

from __future__ import annotations

from datetime import date

from flask import g

from scheduler.db import local_today


def site_tz() -> str:
    """The current site's time zone (UTC before a site is known)."""
    site = g.get("site")
    return site.timezone if site is not None else "UTC"


def site_today() -> date:
    return local_today(site_tz())
