"""Reads for agents and their supervisors: published shifts, calendars, requests, and the
preferences the next roster solve takes into account.

"My shifts" is the most-viewed page of the product, so the shift read is two flat
column queries (shifts, then their activities) over the newest published version of
every roster, and never loads ORM objects per row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from optimizer import timeutil
from optimizer.roster.problem import Preference
from scheduler.models import (
    OFF,
    Agent,
    RequestStatus,
    RosterVersion,
    Shift,
    ShiftActivity,
    ShiftPreference,
    ShiftTemplate,
    SwapRequest,
    TimeOff,
    User,
    VersionStatus,
)
from scheduler.models.selfservice import OPEN_SWAP_STATUSES


@dataclass(frozen=True)
class ActivityView:
    kind: str
    start_at: datetime
    end_at: datetime
    label: str | None = None


@dataclass(frozen=True)
class ShiftView:
    """A published shift as agents see it (instants UTC; ``day`` is the local start day)."""

    id: int
    agent_id: int
    day: date
    code: str
    start_at: datetime
    end_at: datetime
    roster_id: int
    version_id: int
    version_number: int
    name: str = ""
    kind: str = "day"
    color: str = "#59a14f"
    activities: tuple[ActivityView, ...] = ()

    @property
    def breaks(self) -> tuple[ActivityView, ...]:
        return tuple(a for a in self.activities if a.kind in ("break", "lunch"))

    @property
    def sessions(self) -> tuple[ActivityView, ...]:
        """Training, meetings, coaching: the agent's own appointments inside the shift."""
        return tuple(a for a in self.activities if a.kind not in ("break", "lunch"))


def latest_published_versions(session: Session) -> dict[int, tuple[int, int]]:
    """``version_id -> (roster_id, number)`` of the newest published version of each roster:
    what agents have been told."""
    sub = (
        sa.select(RosterVersion.roster_id, sa.func.max(RosterVersion.number).label("n"))
        .where(RosterVersion.status == VersionStatus.PUBLISHED)
        .group_by(RosterVersion.roster_id)
        .subquery()
    )
    rows = session.execute(
        sa.select(RosterVersion.id, RosterVersion.roster_id, RosterVersion.number).join(
            sub, sa.and_(RosterVersion.roster_id == sub.c.roster_id, RosterVersion.number == sub.c.n)
        )
    ).all()
    return {vid: (rid, n) for vid, rid, n in rows}


def _templates(session: Session) -> dict[str, tuple[str, str, str]]:
    rows = session.execute(sa.select(ShiftTemplate.code, ShiftTemplate.name, ShiftTemplate.kind, ShiftTemplate.color)).all()
    return {code: (name, kind, color) for code, name, kind, color in rows}


def _latest_published() -> sa.Subquery:
    """:func:`latest_published_versions` as a subquery (id, roster_id, number), to join."""
    sub = (
        sa.select(RosterVersion.roster_id, sa.func.max(RosterVersion.number).label("n"))
        .where(RosterVersion.status == VersionStatus.PUBLISHED)
        .group_by(RosterVersion.roster_id)
        .subquery()
    )
    return (sa.select(RosterVersion.id, RosterVersion.roster_id, RosterVersion.number)
            .join(sub, sa.and_(RosterVersion.roster_id == sub.c.roster_id, RosterVersion.number == sub.c.n))
            .subquery())


def _views(session: Session, where: list, versions: dict[int, tuple[int, int]] | None = None) -> list[ShiftView]:
    """Shift views of the newest published versions (``versions``, or joined in the same
    query when not given: one round trip less on the busiest page)."""
    if versions is not None and not versions:
        return []
    if versions is None:
        latest = _latest_published()
        found = session.execute(
            sa.select(Shift.id, Shift.agent_id, Shift.day, Shift.template_code, Shift.start_at, Shift.end_at,
                      Shift.version_id, latest.c.roster_id, latest.c.number)
            .join(latest, latest.c.id == Shift.version_id).where(*where)
            .order_by(Shift.start_at, Shift.agent_id)
        ).all()
        versions = {r[6]: (r[7], r[8]) for r in found}
        rows = [r[:7] for r in found]
    else:
        rows = session.execute(
            sa.select(Shift.id, Shift.agent_id, Shift.day, Shift.template_code, Shift.start_at, Shift.end_at,
                      Shift.version_id)
            .where(Shift.version_id.in_(list(versions)), *where)
            .order_by(Shift.start_at, Shift.agent_id)
        ).all()
    if not rows:
        return []
    acts: dict[int, list[ActivityView]] = defaultdict(list)
    ids = [r[0] for r in rows]
    for chunk in range(0, len(ids), 5000):
        for shift_id, kind, st, en, label in session.execute(
            sa.select(ShiftActivity.shift_id, ShiftActivity.kind, ShiftActivity.start_at, ShiftActivity.end_at,
                      ShiftActivity.label)
            .where(ShiftActivity.shift_id.in_(ids[chunk:chunk + 5000]))
            .order_by(ShiftActivity.start_at)
        ):
            acts[shift_id].append(ActivityView(kind, st, en, label))
    templates = _templates(session)
    out = []
    for sid, agent_id, day, code, st, en, vid in rows:
        name, kind, color = templates.get(code, (code, "day", "#59a14f"))
        rid, number = versions[vid]
        out.append(ShiftView(sid, agent_id, day, code, st, en, rid, vid, number, name, kind, color, tuple(acts.get(sid, ()))))
    return out


def published_shifts(session: Session, agent_ids: Iterable[int], start: datetime, end: datetime) -> list[ShiftView]:
    """Published shifts of ``agent_ids`` overlapping [start, end) (UTC instants)."""
    ids = list(agent_ids)
    if not ids:
        return []
    return _views(session, [Shift.agent_id.in_(ids), Shift.end_at > start, Shift.start_at < end],
                  latest_published_versions(session))


def published_shifts_on_days(session: Session, agent_ids: Iterable[int], first: date, last: date) -> list[ShiftView]:
    """Published shifts of ``agent_ids`` starting on local days ``first``..``last``."""
    ids = list(agent_ids)
    if not ids:
        return []
    return _views(session, [Shift.agent_id.in_(ids), Shift.day >= first, Shift.day <= last])


def shifts_in_window(session: Session, start: datetime, end: datetime) -> list[ShiftView]:
    """Every published shift overlapping [start, end): the duty board's read."""
    return _views(session, [Shift.end_at > start, Shift.start_at < end], latest_published_versions(session))


def agent_for_user(session: Session, user_id: int) -> Agent | None:
    return session.scalar(sa.select(Agent).where(Agent.user_id == user_id))


# -- calendars -------------------------------------------------------------------------

@dataclass
class Calendar:
    """Days to draw and the shifts starting on each."""

    days: list[date]
    by_day: dict[date, list[ShiftView]] = field(default_factory=dict)
    time_off: dict[date, str] = field(default_factory=dict)


def agent_calendar(session: Session, agent_id: int, first: date, last: date) -> Calendar:
    shifts = published_shifts_on_days(session, [agent_id], first, last)
    cal = Calendar(days=timeutil.daterange(first, (last - first).days + 1))
    for s in shifts:
        cal.by_day.setdefault(s.day, []).append(s)
    for t in session.scalars(
        sa.select(TimeOff).where(TimeOff.agent_id == agent_id, TimeOff.status == RequestStatus.APPROVED,
                                 TimeOff.end_date >= first, TimeOff.start_date <= last)
    ):
        for d in timeutil.daterange(max(first, t.start_date), (min(last, t.end_date) - max(first, t.start_date)).days + 1):
            cal.time_off[d] = t.kind
    return cal


def user_for_calendar_token(session: Session, token: str) -> User | None:
    """The active user owning a feed token; None for unknown or empty tokens."""
    if not token or len(token) > 64:
        return None
    user = session.scalar(sa.select(User).where(User.calendar_token == token))
    return user if user is not None and user.active else None


# -- requests --------------------------------------------------------------------------

def time_off_of(session: Session, agent_id: int, limit: int = 50) -> list[TimeOff]:
    return list(session.scalars(
        sa.select(TimeOff).where(TimeOff.agent_id == agent_id).order_by(TimeOff.start_date.desc()).limit(limit)
    ))


def swaps_of(session: Session, agent_id: int, limit: int = 50) -> list[SwapRequest]:
    """Swaps the agent offered or was offered, newest first."""
    return list(session.scalars(
        sa.select(SwapRequest)
        .where(sa.or_(SwapRequest.requester_id == agent_id, SwapRequest.colleague_id == agent_id))
        .order_by(SwapRequest.requested_at.desc(), SwapRequest.id.desc()).limit(limit)
    ))


def open_swap_count(session: Session, agent_id: int) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(SwapRequest).where(
        sa.or_(SwapRequest.requester_id == agent_id, SwapRequest.colleague_id == agent_id),
        SwapRequest.status.in_(list(OPEN_SWAP_STATUSES)))) or 0


def team_agent_ids(session: Session, team_id: int) -> list[int]:
    return list(session.scalars(sa.select(Agent.id).where(Agent.team_id == team_id, Agent.active)))


def team_members(session: Session, team_id: int) -> list[Agent]:
    return list(session.scalars(
        sa.select(Agent).join(User, Agent.user_id == User.id)
        .where(Agent.team_id == team_id, Agent.active).order_by(User.display_name)
    ))


def pending_time_off(session: Session, team_id: int | None) -> list[TimeOff]:
    """Open time-off requests of a team (every team when ``team_id`` is None)."""
    q = sa.select(TimeOff).join(Agent, TimeOff.agent_id == Agent.id).where(TimeOff.status == RequestStatus.REQUESTED)
    if team_id is not None:
        q = q.where(Agent.team_id == team_id)
    return list(session.scalars(q.order_by(TimeOff.start_date)))


def pending_swaps(session: Session, team_id: int | None) -> list[SwapRequest]:
    """Open swaps involving a team member (every team when ``team_id`` is None)."""
    q = sa.select(SwapRequest).join(Agent, SwapRequest.requester_id == Agent.id).where(
        SwapRequest.status.in_(list(OPEN_SWAP_STATUSES)))
    if team_id is not None:
        q = q.where(Agent.team_id == team_id)
    return list(session.scalars(q.order_by(SwapRequest.requested_at)))


# -- preferences for the roster engine -------------------------------------------------

@dataclass(frozen=True)
class PreferenceRow:
    """One wish on one date, shaped like the engine's ``Preference`` (``shift_code`` is a
    template code or ``OFF``; ``agent_id`` is the database id)."""

    agent_id: int
    date: date
    shift_code: str
    kind: str
    weight: int


def preferences_for(session: Session, agent_ids: Iterable[int], start: date, end: date) -> list[PreferenceRow]:
    """Preferences of ``agent_ids`` on local days ``start``..``end`` (inclusive), recurring
    weekday wishes expanded to dates.  A dated wish overrides a recurring one for the
    same agent, date and shift; the result is sorted (agent, date, shift)."""
    ids = list(agent_ids)
    if not ids or end < start:
        return []
    rows = session.scalars(
        sa.select(ShiftPreference).where(
            ShiftPreference.agent_id.in_(ids),
            sa.or_(
                sa.and_(ShiftPreference.day >= start, ShiftPreference.day <= end),
                sa.and_(ShiftPreference.weekday.is_not(None),
                        sa.or_(ShiftPreference.valid_from.is_(None), ShiftPreference.valid_from <= end),
                        sa.or_(ShiftPreference.valid_until.is_(None), ShiftPreference.valid_until >= start)),
            ),
        ).order_by(ShiftPreference.id)
    ).all()
    out: dict[tuple[int, date, str], PreferenceRow] = {}
    days = timeutil.daterange(start, (end - start).days + 1)
    for p in rows:
        if p.weekday is None:
            continue
        lo, hi = max(start, p.valid_from or start), min(end, p.valid_until or end)
        for d in days:
            if lo <= d <= hi and d.weekday() == p.weekday:
                out[p.agent_id, d, p.shift_code] = PreferenceRow(p.agent_id, d, p.shift_code, p.kind, p.weight)
    for p in rows:
        if p.day is not None:
            out[p.agent_id, p.day, p.shift_code] = PreferenceRow(p.agent_id, p.day, p.shift_code, p.kind, p.weight)
    return [out[k] for k in sorted(out)]


def engine_preferences(rows: Iterable[PreferenceRow], agent_key: Callable[[int], str | None],
                       known_codes: set[str]) -> list[Preference]:
    """``PreferenceRow`` -> ``optimizer.roster.problem.Preference`` for a solve.

    ``agent_key`` maps a database agent id to the engine's agent id (None = not in this
    solve); wishes naming a template the solve does not use are dropped, because the
    engine refuses unknown codes."""
    out = []
    for r in rows:
        key = agent_key(r.agent_id)
        if key is None or (r.shift_code != OFF and r.shift_code not in known_codes):
            continue
        out.append(Preference(agent_id=key, date=r.date, shift_code=None if r.shift_code == OFF else r.shift_code,
                              kind=r.kind, weight=r.weight))  # type: ignore[arg-type]
    return out


#: Largest id a database integer column holds; bigger ids in URLs name nothing.
MAX_ID = 2**31 - 1


def get_by_id(session: Session, model: type, ident: int):  # type: ignore[no-untyped-def]
    """``session.get`` that answers None for ids no row can have (huge numbers in URLs)."""
    if not 0 < ident <= MAX_ID:
        return None
    return session.get(model, ident)
