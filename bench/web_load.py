"""Web load benchmark: "my shifts", the roster grid and the staffing chart under load.

Builds a dedicated PostgreSQL database (500 agents, 4 weeks of published shifts with
breaks, 2 weeks of history), starts the app under gunicorn with the production settings
(``WFM_ENV=production``, ``SECRET_KEY`` from the environment), and runs N simulated users
on loopback, each logged in with its own session, with a fixed think time between
requests.  A bounded, dependency-free load generator (threads + ``http.client`` with
keep-alive) stands in for locust: the same closed-loop model (user -> request -> think
-> request), no extra package in the product's environment.

    .venv/bin/python bench/web_load.py                       # 50 users, 1 s think, 60 s
    .venv/bin/python bench/web_load.py --users 50 --duration 90 --workers 3 --threads 4

Prints p50/p95/p99 latency and throughput per page, and the goals (p95 < 150 ms for my
shifts, < 500 ms for the roster grid).  The first ``--warmup`` seconds of load (every
worker's first requests: template compilation, cold caches) are run but not measured;
throughput is the requests started in the measured window divided by its length.  The
1-minute load average before and during the run is printed: other processes on the
machine make the figures worse, and the table says so.  The database is dropped at the
end (``--keep-db`` keeps it; ``--db-url`` reuses a database built by an earlier run).
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ADMIN_URL = os.environ.get("WFM_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
GOALS_MS = {"my shifts": 150, "roster grid": 500}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_database(url: str, agents: int) -> tuple[int, list[str], list[str]]:
    """Migrate, load the demo center with ``agents`` agents, publish 4 weeks of shifts from
    this week's first day.  Returns (roster id, agent usernames, planner usernames)."""
    from flask_migrate import upgrade

    from optimizer import timeutil
    from scheduler import demo
    from scheduler.accounts import create_user
    from scheduler.db import db
    from scheduler.models import Agent, Site, User
    from scheduler.selfservice.sample import publish_sample_roster
    from webapp import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x" * 40})
    with app.app_context():
        upgrade()
        t = time.perf_counter()
        demo.load(db.session, country="TW", seed=5, weeks=2, agents_total=agents)
        site = db.session.scalar(sa.select(Site))
        start = timeutil.week_start(date.today(), site.week_start)
        version = publish_sample_roster(db.session, site, start, 28, name="Load test")
        planners = []
        for i in range(10):
            u = create_user(db.session, username=f"bench_planner{i}", password=demo.DEMO_PASSWORD,
                            display_name=f"Planner {i}", roles=["planner"])
            planners.append(u.username)
        db.session.commit()
        names = list(db.session.scalars(sa.select(User.username).join(Agent, Agent.user_id == User.id)
                                        .where(~Agent.is_supervisor).order_by(User.id)))
        n_agents = db.session.scalar(sa.select(sa.func.count()).select_from(Agent))
        n_shifts = db.session.scalar(sa.text("SELECT count(*) FROM shifts"))
        print(f"data: {n_agents} agents, {n_shifts} published shifts (4 weeks from {start}), "
              f"built in {time.perf_counter() - t:.1f} s", flush=True)
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
        roster_id = version.roster_id
        db.engine.dispose()
    return roster_id, names, planners


class Client:
    """One simulated user: its own keep-alive connection and session cookie."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str]:
        headers = {"Accept-Language": "en"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.conn.request(method, path, body=body, headers=headers)
            resp = self.conn.getresponse()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            self.conn.request(method, path, body=body, headers=headers)
            resp = self.conn.getresponse()
        data = resp.read().decode("utf-8", "replace")
        # production cookies are Secure; on loopback http the load generator keeps them anyway
        for header in resp.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return resp.status, data

    def login(self, username: str, password: str) -> None:
        _, html = self.request("GET", "/login")
        token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html) or re.search(
            r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', html)
        status, _ = self.request("POST", "/login", urlencode(
            {"username": username, "password": password, "csrf_token": token.group(1) if token else ""}))
        if status != 302:
            raise RuntimeError(f"log-in of {username} failed: HTTP {status}")


def existing_database(url: str) -> tuple[int, list[str], list[str]]:
    """Roster id and user names of a database an earlier run kept (``--keep-db``)."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        roster_id = conn.execute(sa.text("SELECT max(id) FROM rosters WHERE name = 'Load test'")).scalar_one()
        names = list(conn.execute(sa.text(
            "SELECT u.username FROM users u JOIN agents a ON a.user_id = u.id WHERE NOT a.is_supervisor ORDER BY u.id")).scalars())
        planners = list(conn.execute(sa.text(
            "SELECT username FROM users WHERE username LIKE 'bench_planner%' ORDER BY id")).scalars())
    engine.dispose()
    return roster_id, names, planners


class LoadSampler(threading.Thread):
    """The 1-minute load average every few seconds while the load runs."""

    def __init__(self, every: float = 5.0) -> None:
        super().__init__(daemon=True)
        self.every, self.values, self.stopped = every, [], threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.every):
            self.values.append(os.getloadavg()[0])


def run_load(port: int, users: int, duration: float, think: float, roster_id: int, agent_names: list[str],
             planner_names: list[str], planner_share: int = 10, warmup: float = 10.0) -> dict[str, list[float]]:
    """Closed loop: most users are agents opening "my shifts"; one in ten is a planner
    alternating the roster grid and the staffing chart.  Requests started in the first
    ``warmup`` seconds are not measured."""
    from scheduler.demo import DEMO_PASSWORD

    samples: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    lock = threading.Lock()
    stop_at = [0.0]
    measure_from = [0.0]

    def start_clock() -> None:  # runs once all users are logged in, before any is released
        measure_from[0] = time.perf_counter() + warmup
        stop_at[0] = measure_from[0] + duration

    ready = threading.Barrier(users + 1, action=start_clock)

    def user(i: int) -> None:
        c = Client(port)
        planner = planner_share > 0 and i % planner_share == planner_share - 1
        c.login(planner_names[i % len(planner_names)] if planner else agent_names[i % len(agent_names)], DEMO_PASSWORD)
        ready.wait()
        k = i
        # stagger the first requests over the think time, as real users arrive
        time.sleep(think * (i / users))
        while time.perf_counter() < stop_at[0]:
            if planner:
                page, path = (("roster grid", f"/planner/rosters/{roster_id}") if k % 2 == 0
                              else ("staffing chart", "/planner/staffing"))
            else:
                page, path = "my shifts", "/me/"
            k += 1
            t = time.perf_counter()
            status, _ = c.request("GET", path)
            ms = (time.perf_counter() - t) * 1000
            if t < measure_from[0]:
                time.sleep(think)
                continue
            with lock:
                if status == 200:
                    samples[page].append(ms)
                else:
                    errors[page] += 1
            time.sleep(think)

    threads = [threading.Thread(target=user, args=(i,), daemon=True) for i in range(users)]
    for th in threads:
        th.start()
    ready.wait()
    time.sleep(warmup)
    sampler = LoadSampler()
    sampler.start()
    for th in threads:
        th.join(timeout=duration + 120)
    sampler.stopped.set()
    elapsed = duration  # requests are counted when they start inside the measured window
    samples["_load"] = sampler.values
    samples["_elapsed"] = [elapsed]
    samples["_errors"] = [float(sum(errors.values()))]
    for page, n in errors.items():
        print(f"  {n} non-200 responses on {page}")
    return samples


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q / 100 * (len(s) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--think", type=float, default=1.0, help="seconds between a user's requests")
    ap.add_argument("--duration", type=float, default=60.0, help="seconds of measured load")
    ap.add_argument("--agents", type=int, default=500)
    ap.add_argument("--warmup", type=float, default=10.0, help="seconds of load run before measuring")
    # 2 cores: 3 processes keep both busy while one waits on PostgreSQL; 4 threads each
    # overlap the database round trips (more processes only add context switches)
    ap.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    ap.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    ap.add_argument("--planner-share", type=int, default=10,
                    help="one user in N is a planner (roster grid / staffing chart); 0 = agents only")
    ap.add_argument("--keep-db", action="store_true")
    ap.add_argument("--db-url", help="reuse a database kept by an earlier run (not dropped)")
    args = ap.parse_args()

    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    if args.db_url:
        name, url = None, args.db_url
    else:
        name = f"wfm_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = sa.engine.make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    server = None
    try:
        roster_id, agent_names, planner_names = (existing_database(url) if args.db_url
                                                 else build_database(url, args.agents))
        port = _free_port()
        env = {**os.environ, "WFM_ENV": "production", "SECRET_KEY": secrets.token_hex(32), "DATABASE_URL": url}
        server = subprocess.Popen(
            [str(ROOT / ".venv/bin/gunicorn"), "-w", str(args.workers), "--threads", str(args.threads),
             "-b", f"127.0.0.1:{port}", "--log-level", "warning", "webapp:create_app()"],
            cwd=ROOT, env=env, start_new_session=True)
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=2).request("GET", "/health")
                break
            except OSError:
                time.sleep(0.2)
        # warm every worker's caches (templates, catalogues) before measuring
        warm = Client(port)
        warm.login(planner_names[0], "demo-pass-2026")
        for _ in range(args.workers * 3):
            warm.request("GET", f"/planner/rosters/{roster_id}")
            warm.request("GET", "/planner/staffing")
        if args.keep_db:
            print(f"database kept: {url} (roster {roster_id})")
        load_before = os.getloadavg()
        print(f"load: {args.users} users, {args.think:g} s think time, {args.warmup:g} s warm-up + {args.duration:g} s "
              f"measured, gunicorn {args.workers} workers x {args.threads} threads, production settings, loopback",
              flush=True)
        samples = run_load(port, args.users, args.duration, args.think, roster_id, agent_names, planner_names,
                           args.planner_share, args.warmup)
        elapsed = samples.pop("_elapsed")[0]
        samples.pop("_errors")
        during = samples.pop("_load") or [os.getloadavg()[0]]
        print(f"machine: {os.cpu_count()} CPUs; 1-min load average {load_before[0]:.2f} before the load, "
              f"{statistics.mean(during):.2f} mean / {max(during):.2f} max during it (this bench included)")
        print()
        print(f"{'page':<16}{'requests':>9}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}  goal p95")
        for page in ("my shifts", "roster grid", "staffing chart"):
            v = samples.get(page, [])
            goal = GOALS_MS.get(page)
            verdict = "" if goal is None else (f"< {goal} ms " + ("met" if pct(v, 95) < goal else "MISSED"))
            print(f"{page:<16}{len(v):>9}{len(v) / elapsed:>8.1f}{pct(v, 50):>9.1f}{pct(v, 95):>9.1f}"
                  f"{pct(v, 99):>9.1f}{max(v, default=float('nan')):>9.1f}  {verdict}")
        total = sum(len(v) for v in samples.values())
        print(f"{'all':<16}{total:>9}{total / elapsed:>8.1f}"
              f"{statistics.median([x for v in samples.values() for x in v]) if total else float('nan'):>9.1f}")
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=20)
        if not args.keep_db and name is not None:
            with admin.connect() as conn:
                conn.execute(sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n AND pid <> pg_backend_pid()"
                ), {"n": name})
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


if __name__ == "__main__":
    main()
