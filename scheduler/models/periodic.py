"""Periodic jobs: the admin's settings for each declared job and the record of every run.

The jobs themselves are declared in code (``scheduler.jobs.periodic.DEFINITIONS``: stable
id, function, default cron); this table only stores what an administrator changed.  The
unique (job, scheduled time) pair on ``periodic_runs`` is what keeps several scheduler
processes sharing one job store from running a job twice: the first to insert the run
row runs it, the others get an integrity error and skip.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from scheduler.db import UTCDateTime, db, utcnow


class PeriodicJob(db.Model):
    __tablename__ = "periodic_jobs"

    #: Stable id of the declared job (``forecast_refresh`` ...).
    id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    #: Five-field crontab expression, in the site's time zone.
    cron: Mapped[str] = mapped_column(sa.String(120))
    enabled: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


class PeriodicRun(db.Model):
    __tablename__ = "periodic_runs"
    __table_args__ = (sa.UniqueConstraint("job_id", "scheduled_for"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(sa.String(40), index=True)
    #: The fire time the run belongs to (manual runs: the click's instant).
    scheduled_for: Mapped[datetime] = mapped_column(UTCDateTime)
    #: ``schedule`` or ``manual``.
    trigger: Mapped[str] = mapped_column(sa.String(10), default="schedule")
    status: Mapped[str] = mapped_column(sa.String(10), default="running")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[dict | None] = mapped_column(sa.JSON)
    error: Mapped[str | None] = mapped_column(sa.Text)
    #: host:pid of the scheduler (or worker) that ran it.
    host: Mapped[str | None] = mapped_column(sa.String(120))


#: APScheduler's SQLAlchemyJobStore table, declared here so that the migration creates it
#: (APScheduler would otherwise create it itself, outside the migrations).  Same columns as
#: apscheduler.jobstores.sqlalchemy.
apscheduler_jobs = sa.Table(
    "apscheduler_jobs", db.metadata,
    sa.Column("id", sa.Unicode(191), primary_key=True),
    sa.Column("next_run_time", sa.Float(25), index=True),
    sa.Column("job_state", sa.LargeBinary, nullable=False),
)
