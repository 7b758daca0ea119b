"""Per-queue demand on a planning grid for the session placement: forecast volume,
handle time and the agents needed on the phone.

The requirements the planner stores (``scheduler.planning.models.StaffingRequirement``,
``agents_on_phone``) are used when they cover the period.  Otherwise they are computed
here the same way the planner computes them: the contact history feeds the forecasting
engine (``optimizer.forecast``) for days after the history ends, recorded volumes are
used for days inside it, and ``optimizer.staffing.requirements`` turns volume into
agents with each queue's own target and Erlang model.  Never a different method.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from optimizer.erlang import StaffingTarget
from optimizer.staffing import StaffingConfig, requirements
from scheduler.models import ContactHistory, Queue

INTERVAL_MINUTES = 15
#: Weeks of history the on-the-fly forecast learns from.
HISTORY_WEEKS = 8


@dataclass(frozen=True)
class QueueSeries:
    queue: Queue
    volume: np.ndarray
    aht_seconds: np.ndarray
    required: np.ndarray
    config: StaffingConfig


@dataclass(frozen=True)
class Demand:
    grid: list[datetime]
    queues: list[QueueSeries]
    #: ``stored requirements``, ``history`` or ``forecast`` (what the figures came from).
    source: str


def queue_config(queue: Queue, tz: str) -> StaffingConfig:
    """The queue's own target and model.  No shrinkage: the placement counts heads on the
    phone (breaks and other activities are already taken out of the coverage)."""
    target = StaffingTarget(service_level=queue.sl_target if 0 < queue.sl_target < 1 else 0.8,
                            target_seconds=float(queue.sl_seconds),
                            asa_seconds=float(queue.asa_seconds) if queue.asa_seconds else None,
                            max_occupancy=queue.max_occupancy if queue.max_occupancy and 0 < queue.max_occupancy <= 1 else None)
    model = queue.staffing_model if queue.staffing_model in ("erlang-c", "erlang-a") else "erlang-c"
    return StaffingConfig(target=target, model=model, patience_seconds=float(queue.patience_seconds or 120), tz=tz)


def demand_for(session: Session, queues: list[Queue], grid: list[datetime], tz: str) -> Demand:
    stored = _stored(session, queues, grid, tz)
    if stored is not None:
        return stored
    return _from_history(session, queues, grid, tz)


def _index(grid: list[datetime]) -> dict[datetime, int]:
    return {t: i for i, t in enumerate(grid)}


def _stored(session: Session, queues: list[Queue], grid: list[datetime], tz: str) -> Demand | None:
    try:
        from scheduler.planning.models import StaffingRequirement
    except ImportError:  # pragma: no cover - planning package not installed
        return None
    end = grid[-1] + timedelta(minutes=INTERVAL_MINUTES)
    rows = session.execute(
        sa.select(StaffingRequirement.queue_id, StaffingRequirement.interval_start, StaffingRequirement.volume,
                  StaffingRequirement.aht_seconds, StaffingRequirement.agents_on_phone)
        .where(StaffingRequirement.queue_id.in_([q.id for q in queues]),
               StaffingRequirement.interval_start >= grid[0], StaffingRequirement.interval_start < end)
    ).all()
    if not rows:
        return None
    pos = _index(grid)
    qpos = {q.id: i for i, q in enumerate(queues)}
    vol = np.zeros((len(queues), len(grid)))
    aht = np.full((len(queues), len(grid)), 300.0)
    req = np.zeros((len(queues), len(grid)))
    for qid, start, v, a, n in rows:
        i = pos.get(start)
        if i is None:
            continue
        vol[qpos[qid], i], aht[qpos[qid], i], req[qpos[qid], i] = v, a or 300.0, n
    series = [QueueSeries(q, vol[k], aht[k], req[k], queue_config(q, tz)) for k, q in enumerate(queues)]
    return Demand(grid, series, "stored requirements")


def _from_history(session: Session, queues: list[Queue], grid: list[datetime], tz: str) -> Demand:
    end = grid[-1] + timedelta(minutes=INTERVAL_MINUTES)
    by_code = {q.code: q for q in queues}
    hist = pd.DataFrame(
        session.execute(
            sa.select(ContactHistory.interval_start, Queue.code, ContactHistory.offered, ContactHistory.aht_seconds)
            .join(Queue, Queue.id == ContactHistory.queue_id)
            .where(Queue.id.in_([q.id for q in queues]), ContactHistory.interval_start < end,
                   ContactHistory.interval_start >= grid[0] - timedelta(weeks=HISTORY_WEEKS))
        ).all(),
        columns=["interval_start_utc", "queue", "offered", "aht_seconds"],
    )
    pos = _index(grid)
    n_q, n_t = len(queues), len(grid)
    vol = np.zeros((n_q, n_t))
    aht = np.array([[float(q.aht_seconds or 300)] * n_t for q in queues])
    known = np.zeros((n_q, n_t), dtype=bool)
    qpos = {q.code: i for i, q in enumerate(queues)}
    source = "history"
    last_seen = None
    if not hist.empty:
        hist["interval_start_utc"] = pd.to_datetime(hist["interval_start_utc"], utc=True)
        last_seen = hist["interval_start_utc"].max().to_pydatetime()
        for t, code, offered, a in hist.itertuples(index=False):
            i = pos.get(t.to_pydatetime())
            if i is not None:
                k = qpos[code]
                vol[k, i] = offered
                known[k, i] = True
                if a and a > 0 and not by_code[code].aht_override:
                    aht[k, i] = a
    if last_seen is not None and last_seen + timedelta(minutes=INTERVAL_MINUTES) < end:
        source = _forecast_into(hist, grid, tz, pos, qpos, vol, aht, known, by_code) or source
    required = np.zeros((n_q, n_t))
    for k, q in enumerate(queues):
        frame = pd.DataFrame({"timestamp": pd.DatetimeIndex(grid), "queue": q.code, "volume": vol[k], "aht_seconds": aht[k]})
        required[k] = requirements(frame, queue_config(q, tz), interval_seconds=INTERVAL_MINUTES * 60.0)["agents_on_phone"].to_numpy()
    series = [QueueSeries(q, vol[k], aht[k], required[k], queue_config(q, tz)) for k, q in enumerate(queues)]
    return Demand(grid, series, source)


def _forecast_into(hist: pd.DataFrame, grid: list[datetime], tz: str, pos: dict, qpos: dict, vol: np.ndarray,
                   aht: np.ndarray, known: np.ndarray, by_code: dict[str, Queue]) -> str | None:
    """Fill the intervals after the history with the forecasting engine's profile method."""
    from optimizer.forecast.engine import MAX_HORIZON_DAYS, ForecastConfig, forecast
    from optimizer.forecast.history import HistoryImportError, HistoryOptions, history_from_rows

    try:
        history = history_from_rows(hist, HistoryOptions(tz=tz, allow_gaps=True), source="contact history")
    except HistoryImportError:
        return None
    last_local_day = pd.Timestamp(history.frame["interval_start"].max()).tz_convert(tz).date()
    horizon = (pd.Timestamp(grid[-1]).tz_convert(tz).date() - last_local_day).days
    if horizon < 1:
        return None
    result = forecast(history, ForecastConfig(horizon_days=min(horizon, MAX_HORIZON_DAYS), methods=("profile",), backtest_folds=1))
    for t, code, v, a in result.frame[["timestamp", "queue", "volume", "aht_seconds"]].itertuples(index=False):
        i = pos.get(t.to_pydatetime())
        if i is None or code not in qpos:
            continue
        k = qpos[code]
        if not known[k, i]:
            vol[k, i] = v
            if not by_code[code].aht_override and a > 0:
                aht[k, i] = a
    return "forecast"
