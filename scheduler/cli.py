"""``wfm scheduler`` and ``wfm worker``: the two long-running processes of a scaled-out
installation (registered in the ``wfm`` group by webapp.cli)."""

from __future__ import annotations

import logging
import signal
import sys

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("scheduler")
@click.option("--sync-seconds", default=30, show_default=True, type=click.IntRange(2, 3600),
              help="How often to re-read the periodic-job settings edited in the app.")
@with_appcontext
def scheduler_cmd(sync_seconds: int) -> None:
    """Run the periodic jobs (APScheduler, job store in the application database).

    Any number may run: a run is claimed in the database, so a job never runs twice.
    """
    from sqlalchemy.orm import Session

    from scheduler.db import db, utcnow
    from scheduler.jobs.schedule import build_scheduler
    from scheduler.jobs.service import fail_stale_jobs

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with Session(bind=db.engine) as session:
        outcome = fail_stale_jobs(session, utcnow())
        session.commit()
    click.echo(f"stale jobs at start: {outcome}")
    scheduler = build_scheduler(db.engine, app.config, blocking=True, sync_seconds=sync_seconds)

    def stop(*_: object) -> None:
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    click.echo("scheduler running; Ctrl+C to stop")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass


@click.command("worker", context_settings={"ignore_unknown_options": True})
@click.option("--concurrency", "-c", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Jobs run at once by this process (each solve also uses its own solver threads).")
@click.option("--pool", default="threads", show_default=True, type=click.Choice(["threads", "prefork", "solo"]),
              help="Celery execution pool; 'threads' keeps one process per worker (CP-SAT releases the GIL).")
@click.option("--loglevel", "-l", default="INFO", show_default=True)
@click.option("--hostname", "-n", default=None, help="Celery node name (default wfm@<host>-<pid>).")
@click.argument("celery_args", nargs=-1, type=click.UNPROCESSED)
@with_appcontext
def worker_cmd(concurrency: int, pool: str, loglevel: str, hostname: str | None, celery_args: tuple[str, ...]) -> None:
    """Run a Celery worker for solve jobs (needs WFM_BROKER_URL).  Start one per machine, or
    several; they share the database and the broker."""
    import os
    import socket

    from scheduler.jobs import celery_app as celery_module
    from scheduler.jobs import settings as job_settings
    from scheduler.jobs.registry import load_handler_modules

    if not job_settings.broker_url():
        raise click.UsageError("WFM_BROKER_URL is not set: point it at Redis (redis://host:6379/0) or RabbitMQ "
                               "(amqp://user:pass@host:5672//); without it jobs run inside the web process.")
    celery_module._flask_app = current_app._get_current_object()  # type: ignore[attr-defined]
    load_handler_modules()
    app = celery_module.get_celery()
    name = hostname or f"wfm@{socket.gethostname()}-{os.getpid()}"
    argv = ["worker", f"--loglevel={loglevel}", f"--concurrency={concurrency}", f"--pool={pool}",
            f"--hostname={name}", f"--queues={job_settings.celery_queue()}", "--without-gossip", "--without-mingle", *celery_args]
    app.worker_main(argv)
    sys.exit(0)
