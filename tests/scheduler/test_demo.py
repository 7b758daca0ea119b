from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from scheduler import demo
from scheduler.db import db
from scheduler.models import Agent, ContactHistory, Queue, ShiftTemplate, User


def test_demo_center_is_complete_and_deterministic(app) -> None:
    summary = demo.load(db.session, country="TW", seed=3, weeks=2, end_date=date(2026, 3, 1))
    db.session.commit()
    assert "TW" in summary
    agents = db.session.scalars(sa.select(Agent)).all()
    assert 140 <= len(agents) <= 160
    assert sum(a.is_supervisor for a in agents) >= 6
    assert {q.code for q in db.session.scalars(sa.select(Queue))} == {"RETAIL", "CARDS", "WEALTH", "FRAUD", "COMPLAINTS"}
    roles = {r for u in db.session.scalars(sa.select(User)) for r in u.role_names}
    assert roles == {"agent", "supervisor", "planner", "trainer", "hr", "admin"}
    kinds = {t.kind for t in db.session.scalars(sa.select(ShiftTemplate))}
    assert {"early", "day", "late", "night", "part"} <= kinds
    # the fraud hotline never sleeps: history at 03:00 local every day
    fraud = db.session.scalar(sa.select(Queue).where(Queue.code == "FRAUD"))
    n_fraud = db.session.scalar(sa.select(sa.func.count()).select_from(ContactHistory).where(ContactHistory.queue_id == fraud.id))
    assert n_fraud == 14 * 96
    first_names = sorted(u.display_name for u in db.session.scalars(sa.select(User)))[:5]
    # same seed -> same people
    import numpy as np

    rng = np.random.default_rng(3)
    assert demo.person_name("TW", rng)  # Chinese names for TW
    assert all(len(n) <= 4 for n in first_names)


def test_demo_rejects_unknown_country(app) -> None:
    import pytest

    with pytest.raises(ValueError, match="country"):
        demo.load(db.session, country="XX")


def test_demo_workload_fits_its_agents(app) -> None:
    """The demo is a planned center, not one short of half its people: a week's handle
    time (history) is 20-40 % of what its agents may work (their maximum contract
    hours).  Occupancy caps, service-level targets and ~30 % shrinkage put a staffed
    center's handle time near a quarter to a third of its paid hours (at 30 % the demo's
    requirement is 1.15x the agents' hours).  The first sizes (71 %) asked for 2.3x, and
    every page showed the center in red."""
    demo.load(db.session, country="TW", seed=3, weeks=2, end_date=date(2026, 3, 1))
    db.session.commit()
    handle = db.session.scalar(sa.select(sa.func.sum(ContactHistory.offered * ContactHistory.aht_seconds)))
    weekly_handle_hours = handle / 3600 / 2
    capacity = db.session.scalar(sa.select(sa.func.sum(Agent.max_hours_week)))
    assert 0.2 <= weekly_handle_hours / capacity <= 0.4, (weekly_handle_hours, capacity)


def test_demo_history_ends_by_the_site_date(monkeypatch) -> None:
    """Sunday 17:00 UTC is Monday 01:00 in Taipei: the Taipei demo's history ends on the
    Sunday just gone, so it opens on the week starting that Monday, not the one before."""
    from datetime import date, datetime, timezone

    from scheduler import db as scheduler_db, demo

    monkeypatch.setattr(scheduler_db, "utcnow", lambda: datetime(2026, 12, 6, 17, 0, tzinfo=timezone.utc))
    assert demo.default_end_date(tz="Asia/Taipei") == date(2026, 12, 6)
    assert demo.default_end_date(tz="UTC") == date(2026, 11, 29)
    assert demo.default_end_date(date(2026, 12, 9)) == date(2026, 12, 6)
