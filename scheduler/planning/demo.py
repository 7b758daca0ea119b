"""Planning data for the demo center: a forecast, requirements and one published roster
for the coming weeks, so that every page has something to show after ``wfm demo load``.

Also used by browser tests that need a published roster (``publish_demo_roster``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Callable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from optimizer.progress import NEVER_CANCELLED, no_progress
from scheduler.db import utcnow
from scheduler.models import Agent, RosterVersion, Site, Team, User, UserRole
from scheduler.planning import forecasting, rosters


def _planner_id(session: Session) -> int | None:
    return session.scalar(sa.select(User.id).join(UserRole).where(UserRole.role == "planner").order_by(User.id).limit(1))


def publish_demo_roster(session: Session, site: Site, start: date, days: int, *, team_names: list[str] | None = None,
                        time_limit: float = 30.0, now: datetime | None = None) -> RosterVersion | None:
    """Solve a roster for the period (and teams) and publish it; None when the engine
    finds no roster within the time limit."""
    team_ids: tuple[int, ...] = ()
    if team_names:
        team_ids = tuple(session.scalars(sa.select(Team.id).where(Team.site_id == site.id, Team.name.in_(team_names))))
    planner = _planner_id(session)
    out = rosters.solve_and_store(session, rosters.SolveRequest(site.id, start, days, team_ids, time_limit),
                                  created_by_id=planner, progress=no_progress, cancel=NEVER_CANCELLED)
    if not out.get("version_id"):
        return None
    version = session.get(RosterVersion, out["version_id"])
    rosters.publish(session, version, user_id=planner, now=now or utcnow())
    return version


def demo_plan(session: Session, *, days: int = 14, time_limit: float = 45.0, team_names: list[str] | None = None,
              progress: Callable[[str], None] = lambda _m: None) -> str:
    """Forecast (quick methods), requirements and a published roster from the first
    forecast day.  Returns a one-line summary (caller commits)."""
    site = session.scalar(sa.select(Site).order_by(Site.id).limit(1))
    if site is None:
        return "no site: nothing planned"
    progress("forecast and requirements")
    run = forecasting.run_forecast(session, site, horizon_days=28, created_by_id=_planner_id(session))
    session.flush()
    progress(f"roster for {days} days from {run.first_day.isoformat()} (solver limit {time_limit:g} s)")
    version = publish_demo_roster(session, site, run.first_day, days, team_names=team_names, time_limit=time_limit)
    if version is None and not team_names:
        # The whole center is a large model; if the engine finds nothing in the demo's
        # short time limit, roster the smallest team so the pages still have a roster.
        small = session.scalar(sa.select(Team.name).join(Agent, Agent.team_id == Team.id).where(Team.site_id == site.id)
                               .group_by(Team.name).order_by(sa.func.count(Agent.id), Team.name).limit(1))
        progress(f"no roster for the whole center within {time_limit:g} s; rostering team {small}")
        version = publish_demo_roster(session, site, run.first_day, days, team_names=[small], time_limit=time_limit)
    if version is None:
        return f"forecast from {run.first_day.isoformat()}; the roster engine found no roster within {time_limit:g} s"
    n = len(version.shifts)
    return f"forecast from {run.first_day.isoformat()}, roster version 1 published with {n} shifts"
