"""Read side of planning: requirements, staffing series for the chart, the week's heat
map, the roster grid and the one-day Gantt.  Everything is computed in bulk (a handful
of column queries and numpy), never one query per agent or per cell.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

import holidays as holidays_lib
import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from optimizer import timeutil
from optimizer.staffing import projected_service_level
from scheduler.models import Agent, AgentSkill, Queue, RosterVersion, Shift, ShiftTemplate, Site, Team, User
from scheduler.planning.forecasting import staffing_config
from scheduler.planning.models import StaffingRequirement
from scheduler.planning.roster_problem import BREAK_KINDS, FIXED_KINDS, activities_of, published_version_ids, shift_rows

INTERVAL = timedelta(minutes=15)


class RequirementRow(NamedTuple):
    queue_code: str
    interval_start_utc: datetime
    agents_required: int
    volume: float
    aht: float
    agents_on_phone: int


def requirements_for(session: Session, site_id: int, start_utc: datetime, end_utc: datetime) -> list[RequirementRow]:
    """Stored requirements of the site's queues for intervals starting in [start, end).

    ``agents_required`` is heads on shift (shrinkage included); ``agents_on_phone`` the
    Erlang figure before shrinkage.  Used by the roster engine input and by the
    training-session placement."""
    rows = session.execute(
        sa.select(Queue.code, StaffingRequirement.interval_start, StaffingRequirement.agents_required,
                  StaffingRequirement.volume, StaffingRequirement.aht_seconds, StaffingRequirement.agents_on_phone)
        .join(Queue, Queue.id == StaffingRequirement.queue_id)
        .where(Queue.site_id == site_id, StaffingRequirement.interval_start >= start_utc,
               StaffingRequirement.interval_start < end_utc)
        .order_by(StaffingRequirement.interval_start, Queue.code)
    ).all()
    return [RequirementRow(*r) for r in rows]


def holidays_between(site: Site, start: date, days: int) -> dict[date, str]:
    """Public holidays of the site's country (``holidays`` package) in the period."""
    if not site.country:
        return {}
    end = start + timedelta(days=days)
    try:
        cal = holidays_lib.country_holidays(site.country, subdiv=site.subdivision or None,
                                            years=sorted({start.year, end.year}))
    except NotImplementedError:
        return {}
    return {d: str(name) for d, name in sorted(cal.items()) if start <= d < end}


# ----------------------------------------------------------------------------- heads per interval


def _grid(site: Site, start: date, days: int) -> list[datetime]:
    return timeutil.interval_grid(start, days, 15, site.timezone)


def _index(grid: list[datetime]) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(grid)


def heads_by_profile(session: Session, site: Site, start: date, days: int, rows: list[tuple],
                     *, on_phone: bool = False) -> tuple[list[datetime], dict[tuple[str, ...], np.ndarray]]:
    """Agents on shift per interval, grouped by skill set (``on_phone`` leaves out those
    on a break or in training).  ``rows`` are shift tuples (id, agent, day, code, start, end)."""
    grid = _grid(site, start, days)
    if not grid:
        return grid, {}
    t0 = grid[0]
    n = len(grid)
    skills: dict[int, list[str]] = defaultdict(list)
    for agent_id, code in session.execute(sa.select(AgentSkill.agent_id, Queue.code).join(Queue, Queue.id == AgentSkill.queue_id)
                                          .where(Queue.site_id == site.id)):
        skills[agent_id].append(code)
    profile_of = {a: tuple(sorted(v)) for a, v in skills.items()}
    profiles: dict[tuple[str, ...], int] = {}
    # one start/end difference array per skill profile, filled in bulk (a few thousand
    # shifts a week: a Python loop per shift was most of the staffing page's time)
    spans: list[tuple[int, datetime, datetime, int]] = [
        (profiles.setdefault(profile_of.get(agent_id, ()), len(profiles)), s, e, 1)
        for _sid, agent_id, _d, _c, s, e in rows]
    if on_phone and rows:
        acts = activities_of(session, [r[0] for r in rows if r[0] is not None], BREAK_KINDS + FIXED_KINDS)
        agent_of = {r[0]: r[1] for r in rows}
        spans += [(profiles.setdefault(profile_of.get(agent_of[sid], ()), len(profiles)), s, e, -1)
                  for sid, items in acts.items() for _k, s, e, _l, _r in items]
    if not spans:
        return grid, {}
    epoch0, step = t0.timestamp(), INTERVAL.total_seconds()
    pidx = np.fromiter((x[0] for x in spans), dtype=np.int64, count=len(spans))
    starts = np.fromiter((x[1].timestamp() for x in spans), dtype=float, count=len(spans))
    ends = np.fromiter((x[2].timestamp() for x in spans), dtype=float, count=len(spans))
    values = np.fromiter((x[3] for x in spans), dtype=float, count=len(spans))
    i = np.maximum(np.ceil((starts - epoch0) / step - 1e-9).astype(np.int64), 0)
    j = np.minimum(np.ceil((ends - epoch0) / step - 1e-9).astype(np.int64), n)
    keep = i < j
    diff = np.zeros((len(profiles), n + 1))
    np.add.at(diff, (pidx[keep], i[keep]), values[keep])
    np.add.at(diff, (pidx[keep], j[keep]), -values[keep])
    present = set(pidx[keep].tolist())
    return grid, {p: np.cumsum(diff[k])[:n] for p, k in profiles.items() if k in present}


def allocate(profiles: dict[tuple[str, ...], np.ndarray], required: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Split multi-skilled heads between their queues, interval by interval: the most
    specialised agents first, each group filling its queues' remaining gaps in
    proportion, any surplus in proportion to the requirement.  An estimate of where
    people would answer, for charts; the roster engine does the real allocation."""
    n = len(next(iter(required.values()))) if required else 0
    alloc = {q: np.zeros(n) for q in required}
    for profile in sorted(profiles, key=len):
        queues = [q for q in profile if q in required]
        if not queues:
            continue
        heads = profiles[profile].astype(float)
        gaps = np.array([np.maximum(required[q] - alloc[q], 0.0) for q in queues])
        total_gap = gaps.sum(axis=0)
        reqs = np.array([required[q].astype(float) for q in queues])
        weights = np.where(reqs.sum(axis=0) > 0, reqs / np.maximum(reqs.sum(axis=0), 1e-9), 1.0 / len(queues))
        fill = np.minimum(heads, total_gap)
        share = np.where(total_gap > 0, gaps / np.maximum(total_gap, 1e-9), 0.0)
        surplus = heads - fill
        for k, q in enumerate(queues):
            alloc[q] += fill * share[k] + surplus * weights[k]
    return alloc


def coverage_shortfall(session: Session, site: Site, start: date, days: int, rows: list[tuple]) -> int:
    """Agent-minutes below the total on-phone requirement, over all queues (a coarse,
    skill-blind measure used to tell whether an edit makes coverage worse)."""
    grid = _grid(site, start, days)
    if not grid:
        return 0
    req = np.zeros(len(grid))
    index = {t: i for i, t in enumerate(grid)}
    for t, n in session.execute(
            sa.select(StaffingRequirement.interval_start, sa.func.sum(StaffingRequirement.agents_on_phone))
            .join(Queue, Queue.id == StaffingRequirement.queue_id)
            .where(Queue.site_id == site.id, StaffingRequirement.interval_start >= grid[0],
                   StaffingRequirement.interval_start <= grid[-1])
            .group_by(StaffingRequirement.interval_start)):
        i = index.get(t)
        if i is not None:
            req[i] = float(n or 0)
    _, profiles = heads_by_profile(session, site, start, days, rows)
    heads = sum(profiles.values()) if profiles else np.zeros(len(grid))
    return int(np.maximum(req - heads, 0).sum() * 15)


# ----------------------------------------------------------------------------- staffing chart and heat map


@dataclass
class StaffingSeries:
    queue: Queue
    start: date
    days: int
    timestamps: list[datetime]
    volume: np.ndarray
    required: np.ndarray
    scheduled: np.ndarray
    service_level: np.ndarray
    holidays: dict[date, str] = field(default_factory=dict)
    version_ids: list[int] = field(default_factory=list)

    @property
    def gap(self) -> np.ndarray:
        return self.scheduled - self.required

    def chart_data(self) -> dict[str, Any]:
        """Series for the chart (labels are added by the view, in the reader's language)."""
        def clean(a: np.ndarray, digits: int = 2) -> list:
            return [None if not np.isfinite(v) else round(float(v), digits) for v in a]

        return {
            "volume": clean(self.volume, 1),
            "required": clean(self.required, 0),
            "scheduled": clean(self.scheduled, 1),
            "gap": clean(self.gap, 1),
            "service_level": clean(self.service_level * 100, 1),
            "target": round(float(self.queue.sl_target) * 100, 1),
        }


def _requirement_arrays(session: Session, queues: list[Queue], grid: list[datetime]) -> dict[int, dict[str, np.ndarray]]:
    index = {t: i for i, t in enumerate(grid)}
    out = {q.id: {k: np.zeros(len(grid)) for k in ("volume", "aht", "required", "on_phone")} for q in queues}
    if not grid:
        return out
    for qid, t, v, a, r, p in session.execute(
            sa.select(StaffingRequirement.queue_id, StaffingRequirement.interval_start, StaffingRequirement.volume,
                      StaffingRequirement.aht_seconds, StaffingRequirement.agents_required,
                      StaffingRequirement.agents_on_phone)
            .where(StaffingRequirement.queue_id.in_([q.id for q in queues]),
                   StaffingRequirement.interval_start >= grid[0], StaffingRequirement.interval_start <= grid[-1])):
        i = index.get(t)
        if i is not None and qid in out:
            o = out[qid]
            o["volume"][i], o["aht"][i], o["required"][i], o["on_phone"][i] = v, a, r, p
    return out


def scheduled_by_queue(session: Session, site: Site, queues: list[Queue], start: date, days: int,
                       version_ids: list[int] | None = None) -> tuple[list[datetime], dict[int, dict[str, np.ndarray]], dict[int, np.ndarray]]:
    """Grid, requirement arrays per queue id, and estimated scheduled heads per queue id
    (from ``version_ids``, default the site's published rosters)."""
    if version_ids is None:
        version_ids = published_version_ids(session, site.id)
    all_queues = list(session.scalars(sa.select(Queue).where(Queue.site_id == site.id)))
    grid = _grid(site, start, days)
    req = _requirement_arrays(session, all_queues, grid)
    rows = shift_rows(session, version_ids, start - timedelta(days=1), start + timedelta(days=days))
    _, profiles = heads_by_profile(session, site, start, days, rows)
    code_of = {q.id: q.code for q in all_queues}
    alloc = allocate(profiles, {code_of[qid]: arr["required"] for qid, arr in req.items()})
    return grid, req, {q.id: alloc.get(q.code, np.zeros(len(grid))) for q in queues}


def projected_sl(queue: Queue, tz: str, grid: list[datetime], volume: np.ndarray, aht: np.ndarray,
                 scheduled: np.ndarray) -> np.ndarray:
    """Service level the scheduled heads deliver (the Erlang engine, shrinkage applied);
    NaN where nobody calls."""
    if not grid:
        return np.zeros(0)
    frame = pd.DataFrame({"timestamp": pd.DatetimeIndex(grid), "queue": queue.code, "volume": volume,
                          "aht_seconds": np.where(aht > 0, aht, float(queue.aht_seconds or 300))})
    out = projected_service_level(frame, np.round(scheduled), staffing_config(queue, tz), 900.0)
    sl = out["service_level"].to_numpy(dtype=float)
    return np.where(volume > 0.05, sl, np.nan)


Scheduled = tuple[list[datetime], dict[int, dict[str, np.ndarray]], dict[int, np.ndarray]]


def staffing_series(session: Session, site: Site, queue: Queue, start: date, days: int,
                    version_ids: list[int] | None = None, *, scheduled: Scheduled | None = None) -> StaffingSeries:
    """``scheduled``: the result of :func:`scheduled_by_queue` for the same period and
    every queue, when the caller already has it (the staffing page draws the chart and
    the heat map of the same week from one computation)."""
    grid, req, sched = scheduled or scheduled_by_queue(session, site, [queue], start, days, version_ids)
    r = req[queue.id]
    sl = projected_sl(queue, site.timezone, grid, r["volume"], r["aht"], sched[queue.id])
    return StaffingSeries(queue, start, days, grid, r["volume"], r["required"], sched[queue.id], sl,
                          holidays_between(site, start, days), version_ids or [])


@dataclass
class HeatMap:
    days: list[date]
    hours: int
    rows: list[tuple[Queue, list[tuple[float, float, float, str]]]]  # (required, scheduled, gap, level)


def _level(required: float, scheduled: float) -> str:
    if required <= 0 and scheduled <= 0:
        return "closed"
    gap = scheduled - required
    rel = gap / max(required, 1.0)
    if rel <= -0.3:
        return "under3"
    if rel <= -0.15:
        return "under2"
    if gap <= -0.5:
        return "under1"
    if rel >= 0.3:
        return "over3"
    if rel >= 0.15:
        return "over2"
    if gap >= 0.5:
        return "over1"
    return "ok"


def week_heatmap(session: Session, site: Site, start: date, days: int = 7,
                 version_ids: list[int] | None = None, *, queues: list[Queue] | None = None,
                 scheduled: Scheduled | None = None) -> HeatMap:
    """Queues x hours of the week, each cell the mean required vs scheduled heads.
    ``queues`` (the site's, by code) and ``scheduled`` (for them and this period) are
    reused when the caller already has them."""
    if queues is None:
        queues = list(session.scalars(sa.select(Queue).where(Queue.site_id == site.id).order_by(Queue.code)))
    grid, req, sched = scheduled or scheduled_by_queue(session, site, queues, start, days, version_ids)
    dates = timeutil.daterange(start, days)
    slot = {(d, h): k for k, (d, h) in enumerate((d, h) for d in dates for h in range(24))}
    # the hour slot of each interval, then per-slot sums in bulk (bincount)
    locals_ = (timeutil.to_local(t, site.timezone) for t in grid)
    slots = np.array([slot.get((lt.date(), lt.hour), -1) for lt in locals_], dtype=np.int64)
    inside = slots >= 0
    counts = np.bincount(slots[inside], minlength=len(slot)).astype(float)
    rows = []
    for q in queues:
        sums = np.column_stack([
            np.bincount(slots[inside], weights=np.asarray(req[q.id]["required"], dtype=float)[inside], minlength=len(slot)),
            np.bincount(slots[inside], weights=np.asarray(sched[q.id], dtype=float)[inside], minlength=len(slot)),
            counts])
        cells = []
        for r, s, c in sums.tolist():
            r_avg, s_avg = (r / c, s / c) if c else (0.0, 0.0)
            cells.append((r_avg, s_avg, s_avg - r_avg, _level(r_avg, s_avg)))
        rows.append((q, cells))
    return HeatMap(dates, 24, rows)


# ----------------------------------------------------------------------------- roster grid and Gantt


@dataclass
class GridRow:
    agent_id: int
    name: str
    team: str
    skills: str
    supervisor: bool
    cells: list[str | None]


@dataclass
class RosterGrid:
    days: list[date]
    rows: list[GridRow]
    templates: dict[str, ShiftTemplate]
    totals: list[int]


def roster_grid(session: Session, version: RosterVersion, *, team_id: int | None = None,
                queue_id: int | None = None) -> RosterGrid:
    """Agents x days of one version (the agents of the teams it was made for): four
    column queries, whatever the size."""
    roster = version.roster
    days = timeutil.daterange(roster.start_date, roster.days)
    q = (sa.select(Agent.id, User.display_name, Team.name, Agent.is_supervisor)
         .join(User, User.id == Agent.user_id).join(Team, Team.id == Agent.team_id)
         .where(Team.site_id == roster.site_id))
    if team_id:
        q = q.where(Agent.team_id == team_id)
    elif (version.summary or {}).get("team_ids"):
        q = q.where(Agent.team_id.in_([int(t) for t in version.summary["team_ids"]]))
    if queue_id:
        q = q.where(Agent.id.in_(sa.select(AgentSkill.agent_id).where(AgentSkill.queue_id == queue_id)))
    agents = session.execute(q.order_by(Team.name, Agent.is_supervisor.desc(), User.display_name)).all()
    ids = {a[0] for a in agents}
    skills: dict[int, list[str]] = defaultdict(list)
    for agent_id, code in session.execute(sa.select(AgentSkill.agent_id, Queue.code).join(Queue, Queue.id == AgentSkill.queue_id)
                                          .where(Queue.site_id == roster.site_id).order_by(Queue.code)):
        skills[agent_id].append(code)
    col = {d: i for i, d in enumerate(days)}
    cells: dict[int, list[str | None]] = {a: [None] * len(days) for a in ids}
    for agent_id, day, code in session.execute(sa.select(Shift.agent_id, Shift.day, Shift.template_code)
                                               .where(Shift.version_id == version.id)):
        if agent_id in cells:
            i = col.get(day)
            if i is not None:
                cells[agent_id][i] = code
    rows = [GridRow(a, name, team, " ".join(skills.get(a, [])), bool(sup), cells[a]) for a, name, team, sup in agents]
    totals = [sum(1 for r in rows if r.cells[i]) for i in range(len(days))]
    templates = {t.code: t for t in session.scalars(sa.select(ShiftTemplate).where(ShiftTemplate.site_id == roster.site_id))}
    return RosterGrid(days, rows, templates, totals)


@dataclass
class GanttBar:
    agent_id: int
    name: str
    team: str
    code: str
    color: str
    start: datetime
    end: datetime
    left: float
    width: float
    blocks: list[tuple[str, float, float, datetime, datetime, str | None]]


@dataclass
class Gantt:
    day: date
    hours: list[int]
    bars: list[GanttBar]
    span_minutes: int


def day_gantt(session: Session, version: RosterVersion, day: date, *, team_id: int | None = None) -> Gantt:
    """Agents on shift on local ``day`` (and night shifts from the day before that run
    into it), positioned in percent of the shown span, with breaks and activities."""
    roster = version.roster
    site = session.get(Site, roster.site_id)
    tz = site.timezone
    day_start, _ = timeutil.local_day_bounds(day, tz)
    rows = shift_rows(session, [version.id], day, day + timedelta(days=1))
    agents = {a: (name, team, tid) for a, name, team, tid in session.execute(
        sa.select(Agent.id, User.display_name, Team.name, Team.id).join(User, User.id == Agent.user_id)
        .join(Team, Team.id == Agent.team_id).where(Agent.id.in_({r[1] for r in rows} or {-1})))}
    if team_id:
        rows = [r for r in rows if agents.get(r[1], (None, None, None))[2] == team_id]
    last = max([(r[5] - day_start).total_seconds() / 60 for r in rows] + [24 * 60])
    span = int(np.ceil(last / 60.0)) * 60
    colors = {t.code: t.color for t in session.scalars(sa.select(ShiftTemplate).where(ShiftTemplate.site_id == site.id))}
    acts = activities_of(session, [r[0] for r in rows])
    bars = []
    for sid, agent_id, _d, code, s, e in rows:
        def pos(t: datetime) -> float:
            return round(100.0 * (t - day_start).total_seconds() / 60 / span, 3)

        name, team, _t = agents.get(agent_id, ("?", "?", None))
        blocks = [(k, pos(bs), pos(be) - pos(bs), bs, be, label) for k, bs, be, label, _r in acts.get(sid, [])]
        bars.append(GanttBar(agent_id, name, team, code, colors.get(code, "#888"), s, e, pos(s), pos(e) - pos(s), blocks))
    bars.sort(key=lambda b: (b.start, b.team, b.name))
    return Gantt(day, list(range(0, span // 60 + 1)), bars, span)


def versions_of(session: Session, roster_id: int) -> list[RosterVersion]:
    return list(session.scalars(sa.select(RosterVersion).where(RosterVersion.roster_id == roster_id)
                                .order_by(RosterVersion.number.is_(None), RosterVersion.number, RosterVersion.id)))
