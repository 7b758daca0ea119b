"""History import, forecast runs and staffing requirements, between the database and the
forecast/Erlang engines (``optimizer.forecast``, ``optimizer.staffing``).

The flow a planner follows: upload a history file, see a preview with every row-level
problem *before* anything is saved, save it in one transaction; run a forecast (each
queue gets the method that won its own backtest); requirements per queue and interval
are then derived from the forecast and the queue's staffing parameters, and recomputed
whenever those parameters change.  ``refresh_forecasts`` is what the nightly job runs.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
import logging
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from optimizer.erlang import StaffingTarget
from optimizer.forecast.calendar import CalendarConfig, SpecialDay as EngineSpecialDay
from optimizer.forecast.engine import MAX_HORIZON_DAYS, ForecastConfig, forecast
from optimizer.forecast.history import History, HistoryImportError, HistoryOptions, ImportProblem, history_from_rows, read_history
from optimizer.progress import NEVER_CANCELLED, Cancellable, Progress, ProgressCallback, no_progress
from optimizer.staffing import ShrinkagePlan, StaffingConfig, requirements as erlang_requirements
from optimizer.timeutil import local_day_bounds, to_local
from scheduler.db import utcnow
from scheduler.errors import ValidationError
from scheduler.models import ContactHistory, Queue, Site, SpecialDay
from scheduler.planning.models import ForecastInterval, ForecastRun, StaffingRequirement

log = logging.getLogger(__name__)

UPLOAD_SUFFIXES = (".csv", ".xlsx", ".xlsm")
PREVIEW_ROWS = 12
DEFAULT_HORIZON_DAYS = 28
#: Backtested candidates: the quick pair by default (seconds per queue), all four on demand.
QUICK_METHODS = ("seasonal_naive", "profile")
ALL_METHODS = ("seasonal_naive", "profile", "mstl", "ensemble")


# ----------------------------------------------------------------------------- history import


@dataclass(frozen=True)
class QueueSummary:
    queue: str
    rows: int
    offered: float
    first: datetime
    last: datetime


@dataclass(frozen=True)
class HistoryPreview:
    """What an uploaded file would import: ``problems`` empty means it can be saved."""

    filename: str
    problems: list[ImportProblem] = field(default_factory=list)
    queues: list[QueueSummary] = field(default_factory=list)
    sample: list[dict[str, Any]] = field(default_factory=list)
    interval_minutes: int | None = None
    rows: int = 0
    history: History | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and self.history is not None


def _site_queues(session: Session, site: Site) -> dict[str, Queue]:
    return {q.code: q for q in session.scalars(sa.select(Queue).where(Queue.site_id == site.id))}


def preview_history(session: Session, site: Site, path: Path, filename: str) -> HistoryPreview:
    """Parse and validate an uploaded history file; nothing is written.

    Every problem comes back with its spreadsheet row and column (the engine's one import
    path); queue codes must name queues of the site."""
    if Path(filename).suffix.lower() not in UPLOAD_SUFFIXES:
        return HistoryPreview(filename, [ImportProblem(None, "file", "expected a .csv or .xlsx file")])
    try:
        history = read_history(path, HistoryOptions(tz=site.timezone, allow_gaps=True))
    except HistoryImportError as err:
        return HistoryPreview(filename, err.problems)
    known = _site_queues(session, site)
    unknown = [q for q in history.queues if q not in known]
    if unknown:
        problems = [ImportProblem(None, "queue", f"unknown queue {q!r}; known queues: {', '.join(sorted(known))}")
                    for q in unknown]
        return HistoryPreview(filename, problems)
    frame = history.frame
    summaries = []
    for code, g in frame.groupby("queue", sort=True):
        summaries.append(QueueSummary(code, len(g), float(g["offered"].sum()),
                                      g["interval_start"].min().to_pydatetime(), g["interval_start"].max().to_pydatetime()))
    sample = [
        {"interval_start": r.interval_start.to_pydatetime(), "queue": r.queue, "offered": float(r.offered),
         "aht_seconds": None if pd.isna(r.aht_seconds) else float(r.aht_seconds)}
        for r in frame.head(PREVIEW_ROWS).itertuples()
    ]
    return HistoryPreview(filename, [], summaries, sample, history.interval_minutes, len(frame), history)


def save_history(session: Session, site: Site, history: History) -> int:
    """Store a validated history: rows replace the stored ones of the same queue and
    interval (a re-export of a corrected day overwrites it).  One flush, in the caller's
    transaction."""
    queues = _site_queues(session, site)
    frame = history.frame
    count = 0
    for code, g in frame.groupby("queue", sort=True):
        queue = queues.get(code)
        if queue is None:
            raise ValidationError(_l("unknown queue %(code)s", code=repr(code)), field="queue")
        starts = [t.to_pydatetime() for t in g["interval_start"]]
        lo, hi = min(starts), max(starts)
        session.execute(sa.delete(ContactHistory).where(
            ContactHistory.queue_id == queue.id, ContactHistory.interval_start >= lo, ContactHistory.interval_start <= hi))
        rows = [
            dict(queue_id=queue.id, interval_start=t, interval_minutes=history.interval_minutes, offered=int(round(o)),
                 answered=None, abandoned=None, aht_seconds=None if pd.isna(a) else round(float(a), 1))
            for t, o, a in zip(starts, g["offered"].to_numpy(), g["aht_seconds"].to_numpy())
        ]
        if rows:
            session.execute(sa.insert(ContactHistory), rows)
        count += len(rows)
    session.flush()
    return count


def import_history_file(session: Session, site: Site, path: Path, filename: str) -> int:
    """Validate and save in one go (CLI and tests); raises ValidationError listing problems."""
    preview = preview_history(session, site, path, filename)
    if not preview.ok:
        raise ValidationError("; ".join(str(p) for p in preview.problems[:20]), field="file")
    return save_history(session, site, preview.history)


def stored_history(session: Session, site: Site) -> History | None:
    """The site's contact history as the engine's validated ``History`` (None when empty)."""
    rows = session.execute(
        sa.select(ContactHistory.interval_start, Queue.code, ContactHistory.offered, ContactHistory.aht_seconds)
        .join(Queue, Queue.id == ContactHistory.queue_id)
        .where(Queue.site_id == site.id)
        .order_by(Queue.code, ContactHistory.interval_start)
    ).all()
    if not rows:
        return None
    frame = pd.DataFrame(rows, columns=["interval_start_utc", "queue", "offered", "aht_seconds"])
    return history_from_rows(frame, HistoryOptions(tz=site.timezone, allow_gaps=True), source="stored history")


def history_bounds(session: Session, site: Site) -> tuple[datetime, datetime, int] | None:
    row = session.execute(
        sa.select(sa.func.min(ContactHistory.interval_start), sa.func.max(ContactHistory.interval_start), sa.func.count())
        .join(Queue, Queue.id == ContactHistory.queue_id).where(Queue.site_id == site.id)
    ).one()
    if not row[2]:
        return None
    return row[0], row[1], int(row[2])


# ----------------------------------------------------------------------------- forecasting


def _calendar(site: Site, special: list[SpecialDay]) -> CalendarConfig:
    return CalendarConfig(
        country=site.country or None,
        subdivision=site.subdivision or None,
        special_days=tuple(EngineSpecialDay(s.day, float(s.uplift), s.label) for s in special),
    )


def run_forecast(
    session: Session,
    site: Site,
    *,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    created_by_id: int | None = None,
    progress: ProgressCallback = no_progress,
    cancel: Cancellable = NEVER_CANCELLED,
    methods: tuple[str, ...] | None = None,
    now: datetime | None = None,
) -> ForecastRun:
    """Forecast every queue of the site from its stored history, store the run and its
    intervals, and recompute requirements.  A queue's special days (and the site-wide
    ones) are its calendar, so each queue is forecast with its own calendar.

    ``methods``: the candidates the backtest chooses from (default ``QUICK_METHODS``;
    ``ALL_METHODS`` adds MSTL and the ensemble, several times slower)."""
    methods = methods or QUICK_METHODS
    unknown = [m for m in methods if m not in ALL_METHODS]
    if unknown:
        raise ValidationError(_l("unknown forecast method %(method)s", method=repr(unknown[0])), field="methods")
    if not 1 <= horizon_days <= MAX_HORIZON_DAYS:
        raise ValidationError(_l("horizon must be 1..%(max)s days", max=MAX_HORIZON_DAYS), field="horizon_days")
    history = stored_history(session, site)
    if history is None:
        raise ValidationError("there is no contact history yet: upload history first", field="history")
    queues = _site_queues(session, site)
    specials = list(session.scalars(sa.select(SpecialDay).where(SpecialDay.site_id == site.id)))
    frames: list[pd.DataFrame] = []
    accuracy: dict[str, Any] = {}
    codes = [c for c in history.queues if c in queues]
    for i, code in enumerate(codes):
        if cancel.is_cancelled():
            break
        progress(Progress("forecast", f"queue {code}", fraction=i / max(1, len(codes))))
        mine = [s for s in specials if s.queue_id is None or s.queue_id == queues[code].id]
        config = ForecastConfig(horizon_days=horizon_days, calendar=_calendar(site, mine), methods=tuple(methods),
                                default_aht_seconds=float(queues[code].aht_seconds or 300))
        sub = History(history.series(code), history.interval_minutes, history.tz)
        result = forecast(sub, config, cancel=cancel)
        frames.append(result.frame)
        accuracy.update({q: a.to_dict() for q, a in result.accuracy.items()})
    progress(Progress("forecast", "storing", fraction=1.0))
    if not frames:
        raise ValidationError("no queue could be forecast", field="history")
    out = pd.concat(frames, ignore_index=True)
    hist_days = history.frame["interval_start"].dt.tz_convert(site.timezone).dt.date
    last_day = max(hist_days)
    run = ForecastRun(site_id=site.id, created_by_id=created_by_id, created_at=now or utcnow(), first_day=last_day + timedelta(days=1),
                      days=horizon_days, interval_minutes=history.interval_minutes,
                      history_start=min(hist_days), history_end=last_day, accuracy=_json_safe(accuracy))
    session.add(run)
    session.flush()
    rows = [
        dict(run_id=run.id, queue_id=queues[q].id, interval_start=t.to_pydatetime(), volume=float(v),
             volume_p10=float(lo), volume_p90=float(hi), aht_seconds=float(a))
        for t, q, v, a, lo, hi in zip(out["timestamp"], out["queue"], out["volume"], out["aht_seconds"],
                                      out["volume_p10"], out["volume_p90"])
    ]
    if rows:
        session.execute(sa.insert(ForecastInterval), rows)
    session.flush()
    compute_requirements(session, site, run)
    return run


def _json_safe(value: Any) -> Any:
    """NaN metrics (a queue too short to backtest) become None: JSON has no NaN."""
    if isinstance(value, float):
        return None if not np.isfinite(value) else value
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    return value


def latest_run(session: Session, site: Site) -> ForecastRun | None:
    return session.scalar(
        sa.select(ForecastRun).where(ForecastRun.site_id == site.id).order_by(ForecastRun.id.desc()).limit(1))


def staffing_config(queue: Queue, tz: str) -> StaffingConfig:
    """The queue's staffing parameters as the Erlang engine's configuration."""
    target = StaffingTarget(
        service_level=float(queue.sl_target),
        target_seconds=float(queue.sl_seconds),
        asa_seconds=float(queue.asa_seconds) if queue.asa_seconds else None,
        max_occupancy=float(queue.max_occupancy) if queue.max_occupancy else None,
    )
    model = queue.staffing_model if queue.staffing_model in ("erlang-c", "erlang-a") else "erlang-c"
    return StaffingConfig(target=target, model=model, patience_seconds=float(queue.patience_seconds or 120),
                          shrinkage=ShrinkagePlan.flat(float(queue.shrinkage)), tz=tz)


def forecast_frame(session: Session, run: ForecastRun, queue: Queue,
                   start: datetime | None = None, end: datetime | None = None) -> pd.DataFrame:
    """The run's intervals of one queue (``timestamp``, ``queue``, ``volume``, ``aht_seconds``,
    P10/P90), the queue's AHT override applied."""
    q = sa.select(ForecastInterval.interval_start, ForecastInterval.volume, ForecastInterval.aht_seconds,
                  ForecastInterval.volume_p10, ForecastInterval.volume_p90).where(
        ForecastInterval.run_id == run.id, ForecastInterval.queue_id == queue.id)
    if start is not None:
        q = q.where(ForecastInterval.interval_start >= start)
    if end is not None:
        q = q.where(ForecastInterval.interval_start < end)
    rows = session.execute(q.order_by(ForecastInterval.interval_start)).all()
    frame = pd.DataFrame(rows, columns=["timestamp", "volume", "aht_seconds", "volume_p10", "volume_p90"])
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
    frame.insert(1, "queue", queue.code)
    if queue.aht_override and len(frame):
        frame["aht_seconds"] = float(queue.aht_seconds)
    return frame


def compute_requirements(session: Session, site: Site, run: ForecastRun, queue_ids: set[int] | None = None) -> int:
    """(Re)compute requirements from ``run`` for the site's queues (or ``queue_ids``):
    Erlang C/A for each queue's targets, then its shrinkage.  Replaces the stored rows
    over the run's horizon.  Returns the number of rows written."""
    queues = list(session.scalars(sa.select(Queue).where(Queue.site_id == site.id).order_by(Queue.code)))
    start, _ = local_day_bounds(run.first_day, site.timezone)
    _, end = local_day_bounds(run.first_day + timedelta(days=run.days - 1), site.timezone)
    written = 0
    for queue in queues:
        if queue_ids is not None and queue.id not in queue_ids:
            continue
        frame = forecast_frame(session, run, queue)
        if frame.empty:
            continue
        req = erlang_requirements(frame, staffing_config(queue, site.timezone), run.interval_minutes * 60.0)
        session.execute(sa.delete(StaffingRequirement).where(
            StaffingRequirement.queue_id == queue.id, StaffingRequirement.interval_start >= start,
            StaffingRequirement.interval_start < end))
        rows = [
            dict(queue_id=queue.id, interval_start=t.to_pydatetime(), forecast_run_id=run.id, volume=float(v),
                 aht_seconds=float(a), agents_on_phone=int(n), agents_required=int(s),
                 service_level=None if not np.isfinite(sl) else float(sl))
            for t, v, a, n, s, sl in zip(req["timestamp"], req["volume"], req["aht_seconds"], req["agents_on_phone"],
                                         req["agents_scheduled"], req["service_level"])
        ]
        session.execute(sa.insert(StaffingRequirement), rows)
        written += len(rows)
    session.flush()
    return written


def recompute_queue_requirements(session: Session, queue: Queue) -> int:
    """After a planner changes a queue's parameters: requirements follow at once."""
    site = session.get(Site, queue.site_id)
    run = latest_run(session, site) if site else None
    if run is None:
        return 0
    return compute_requirements(session, site, run, {queue.id})


# ----------------------------------------------------------------------------- periodic job


def refresh_forecasts(session: Session, *, now: datetime, horizon_days: int = DEFAULT_HORIZON_DAYS) -> dict:
    """Nightly: forecast every site that has history and store fresh requirements.

    A site whose history is unchanged since a run less than 20 hours old is skipped
    (idempotent: running the job twice a night does no harm).  The nightly run tries
    every method, the slower ones included."""
    done: list[dict] = []
    skipped: list[str] = []
    for site in session.scalars(sa.select(Site).order_by(Site.id)):
        bounds = history_bounds(session, site)
        if bounds is None:
            skipped.append(site.code)
            continue
        last = latest_run(session, site)
        last_day = to_local(bounds[1], site.timezone).date()
        if last is not None and last.history_end == last_day and last.created_at > now - timedelta(hours=20):
            skipped.append(site.code)
            continue
        run = run_forecast(session, site, horizon_days=horizon_days, methods=ALL_METHODS, now=now)
        done.append({"site": site.code, "run_id": run.id, "first_day": run.first_day.isoformat(), "days": run.days})
    return {"forecasts": done, "skipped": skipped, "at": now.isoformat()}


def forecast_first_day(run: ForecastRun | None) -> date | None:
    return run.first_day if run else None
