"""Shared test data for the self-service, supervisor and API tests: a small demo center
(3 agents a team) with a published four-week sample roster starting next Monday."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from optimizer.timeutil import week_start
from scheduler import demo
from scheduler.db import db, local_today
from scheduler.models import Agent, RosterVersion, Site, User
from scheduler.selfservice.sample import publish_sample_roster


@dataclass
class Center:
    site: Site
    version: RosterVersion
    start: date

    def agent(self, username: str) -> Agent:
        return db.session.scalar(sa.select(Agent).join(User, Agent.user_id == User.id).where(User.username == username))

    def members(self, username: str) -> list[Agent]:
        """Everyone in the team of ``username`` (team names follow the demo's language)."""
        team_id = self.agent(username).team_id
        return list(db.session.scalars(sa.select(Agent).where(Agent.team_id == team_id).order_by(Agent.id)))


def build_center(today: date | None = None, agents_total: int = 24) -> Center:
    """``today`` defaults to the site's own date (Taipei), which the app compares swap and
    request days with: the machine's date is a day behind from 16:00 UTC on, and a roster
    starting "next Monday" by it would start on the site's today every Sunday evening."""
    today = today or local_today(demo.COUNTRIES["TW"]["tz"])
    demo.load(db.session, country="TW", seed=3, weeks=1, end_date=today - timedelta(days=1), agents_total=agents_total)
    site = db.session.scalar(sa.select(Site))
    assert site.timezone == demo.COUNTRIES["TW"]["tz"]
    start = week_start(today) + timedelta(days=7)  # next Monday
    version = publish_sample_roster(db.session, site, start, 28)
    db.session.commit()
    return Center(site, version, start)
