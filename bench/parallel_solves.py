"""8 independent team solves on 1 Celery worker vs 2: the speed-up of scaling out.

Starts real ``wfm worker`` processes on Redis and a scratch database (PostgreSQL when
reachable, else a SQLite file), submits one split scenario (a center of 8 teams: one
``scenario_solve`` child job per team, joined by ``scenario_combine``, which checks coverage
on the combined roster) and times submit -> combined result.  Each team solve has a fixed
time limit and one CP-SAT thread, so the ratio measures the job machinery's parallelism.

    .venv/bin/python bench/parallel_solves.py [--time-limit 5] [--redis redis://127.0.0.1:6379/14]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WFM = str(Path(sys.executable).with_name("wfm"))
PG_ADMIN = os.environ.get("WFM_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def scratch_database() -> tuple[str, callable]:
    name = f"wfm_bench_{uuid.uuid4().hex[:8]}"
    try:
        admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = sa.engine.make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)

        def drop() -> None:
            with admin.connect() as c:
                c.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name})
                c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        return url, drop
    except sa.exc.OperationalError:
        path = Path(tempfile.mkdtemp()) / "bench.sqlite"
        return f"sqlite:///{path}", lambda: None


def run(workers: int, params: dict, env: dict) -> tuple[float, dict]:
    from scheduler.db import db
    from scheduler.jobs.scenario import submit_scenario_split
    from scheduler.models import Job
    from webapp import create_app

    env = {**env, "WFM_CELERY_QUEUE": f"bench-{uuid.uuid4().hex[:8]}"}
    os.environ.update({k: env[k] for k in ("WFM_BROKER_URL", "WFM_CELERY_QUEUE", "DATABASE_URL")})
    logs = [open(os.devnull, "w") for _ in range(workers)]
    procs = [subprocess.Popen([WFM, "worker", "-c", "1", "-n", f"bench{i}-{uuid.uuid4().hex[:4]}@%h"], env=env,
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True) for i, log in enumerate(logs)]
    try:
        time.sleep(8)  # worker start-up is not what we measure
        app = create_app({"SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"]})
        with app.app_context():
            parent = submit_scenario_split(db.session, params, None)
            db.session.commit()
            t0 = time.monotonic()
            while True:
                db.session.rollback()
                job = db.session.get(Job, parent.id)
                if job.finished:
                    break
                time.sleep(0.2)
            elapsed = time.monotonic() - t0
            result = dict(job.result or {}, status_job=job.status, error=(job.error or "")[:200])
            db.engine.dispose()
        return elapsed, result
    finally:
        for p in procs:
            os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            p.wait(30)
        for log in logs:
            log.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--time-limit", type=float, default=5.0)
    ap.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    args = ap.parse_args()
    url, drop = scratch_database()
    env = {**os.environ, "DATABASE_URL": url, "WFM_BROKER_URL": args.redis, "WFM_ENV": "testing"}
    try:
        subprocess.run([WFM, "db", "upgrade"], env=env, check=True, capture_output=True)
        params = {"agents": 120, "queues": 1, "days": 7, "interval_minutes": 60, "time_limit": args.time_limit,
                  "num_workers": 1, "seed": 3}
        rows = []
        for workers in (1, 2):
            elapsed, result = run(workers, params, env)
            rows.append((workers, elapsed, result))
        print(f"database: {url.split('@')[-1]}   8 team solves, {args.time_limit:g} s limit each, 1 CP-SAT thread each")
        print(f"{'workers':>7} {'wall s':>8} {'parts':>5} {'solved':>6} {'shifts':>6} {'hard viol.':>10} {'under-cov. min':>14} {'status':>10}")
        for workers, elapsed, r in rows:
            under = sum((r.get("under_covered_agent_minutes") or {}).values())
            print(f"{workers:>7} {elapsed:>8.1f} {r.get('parts', 0):>5} {r.get('parts_solved', 0):>6} {r.get('shifts', 0):>6} "
                  f"{r.get('hard_violations', '-'):>10} {under:>14} {r.get('status_job'):>10}")
        print(f"speed-up 2 workers vs 1: {rows[0][1] / rows[1][1]:.2f}x")
    finally:
        drop()


if __name__ == "__main__":
    main()
