"""Test data for job tests: a site with agents to write scenario rosters to."""

from __future__ import annotations

from datetime import date

from scheduler.db import db
from scheduler.models import Agent, Site, Team, User


def site_with_agents(n: int, code: str = "JOBS") -> Site:
    site = Site(code=code, name=f"Site {code}", timezone="Europe/Madrid")
    team = Team(site=site, name="Team 1")
    db.session.add_all([site, team])
    for i in range(n):
        user = User(username=f"{code.lower()}-agent{i}", display_name=f"Agent {i}", password_hash="x")
        db.session.add(user)
        db.session.flush()
        db.session.add(Agent(user_id=user.id, employee_no=f"{code}{i:04d}", team=team, hire_date=date(2020, 1, 1)))
    db.session.commit()
    return site
