"""A plain published roster for demos, tests and the load benchmark.

Not a solve: every agent keeps one shift template for the whole period (so rest between
shifts is always 24 hours), works five days and has two consecutive days off a week, on
days that rotate with the agent, with two short breaks and the template's unpaid lunch,
and every fifth full-time agent has a one-hour training session once a week.  Good
enough to exercise "my shifts", swaps and the duty board with realistic data volumes.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from optimizer import timeutil
from scheduler.models import Agent, Roster, RosterVersion, Shift, ShiftActivity, ShiftTemplate, Site, VersionStatus

DAY_CODES = ("E", "D", "M", "L")


def publish_sample_roster(session: Session, site: Site, start: date, days: int, *, agents: list[Agent] | None = None,
                          name: str = "Sample roster", user_id: int | None = None,
                          now: datetime | None = None, with_training: bool = True) -> RosterVersion:
    """Create a roster with one published version (number 1) and return the version."""
    now = now or datetime.now(timeutil.UTC)
    templates = {t.code: t for t in session.scalars(sa.select(ShiftTemplate).where(ShiftTemplate.site_id == site.id))}
    codes = [c for c in DAY_CODES if c in templates] or sorted(templates)
    if not codes:
        raise ValueError("the site has no shift templates")
    if agents is None:
        agents = list(session.scalars(sa.select(Agent).where(Agent.active).order_by(Agent.id)))
    roster = Roster(site_id=site.id, name=name, start_date=start, days=days, created_by_id=user_id)
    version = RosterVersion(roster=roster, status=VersionStatus.DRAFT, note="sample")
    session.add_all([roster, version])
    session.flush()
    shift_rows, act_rows = [], []
    for i, agent in enumerate(agents):
        part = agent.max_hours_week < 30 and "P1" in templates
        t = templates["P1"] if part else templates[codes[i % len(codes)]]
        off = {(i % 7), (i + 1) % 7}
        for d in timeutil.daterange(start, days):
            if d.weekday() in off:
                continue
            hh, mm = map(int, t.start.split(":"))
            st = timeutil.to_utc(datetime(d.year, d.month, d.day, hh, mm), site.timezone)
            en = st + timedelta(minutes=t.length_minutes)
            acts = [("break", 120, 15, None)]
            if t.unpaid_break_minutes:
                acts.append(("lunch", t.length_minutes // 2 - t.unpaid_break_minutes // 2, t.unpaid_break_minutes, None))
            if t.length_minutes >= 300:
                acts.append(("break", t.length_minutes - 120, 15, None))
            if with_training and not part and i % 5 == 0 and d.weekday() == (i + 3) % 7 and t.length_minutes >= 480:
                acts.append(("training", t.length_minutes // 2 - t.unpaid_break_minutes // 2 - 60, 60, "Product update"))
            shift_rows.append(dict(version_id=version.id, agent_id=agent.id, day=d, template_code=t.code,
                                   start_at=st, end_at=en))
            act_rows.append([(k, st + timedelta(minutes=o), st + timedelta(minutes=o + n), label) for k, o, n, label in acts])
    if shift_rows:
        ids = session.scalars(sa.insert(Shift).returning(Shift.id, sort_by_parameter_order=True), shift_rows).all()
        rows = [dict(shift_id=sid, kind=k, start_at=a, end_at=b, label=label)
                for sid, acts in zip(ids, act_rows) for k, a, b, label in acts]
        for i in range(0, len(rows), 10_000):
            session.execute(sa.insert(ShiftActivity), rows[i:i + 10_000])
    version.publish(1, user_id, now)
    session.flush()
    return version
