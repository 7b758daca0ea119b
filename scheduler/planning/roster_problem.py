"""The roster engine's ``Problem`` built from the database, and roster rows back for its
validator.

Everything the engine needs comes from here: agents (skills, contract hours, night
eligibility, supervisors), shift templates (lunch window from the unpaid break),
requirements (agents on the phone per queue and interval), approved time off,
preferences, training/meeting blocks already in the published roster (fixed off-phone
activities), and the previous published roster (history before the horizon, reference
inside it).  Engine ids are database ids as strings, so results map straight back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from optimizer import timeutil
from optimizer.roster.problem import (
    Agent as EAgent, Assignment, FixedActivity, Preference, Problem, Requirement, Rules, ShiftTemplate as ETemplate,
    TimeOff as ETimeOff, Weights,
)
from optimizer.roster.residual import OnDuty, residual_requirements, supervised_spans
from optimizer.roster.scenario import default_lunch
from optimizer.roster.validator import RosterRow
from scheduler.models import (
    ActivityKind, Agent, AgentSkill, Queue, RequestStatus, Roster, RosterVersion, Shift, ShiftActivity, ShiftTemplate,
    Site, Team, TimeOff, VersionStatus,
)
from scheduler.planning.models import StaffingRequirement

#: Activities that are fixed blocks for the engine (breaks and lunches it places itself).
FIXED_KINDS = (ActivityKind.TRAINING, ActivityKind.MEETING, ActivityKind.COACHING)
BREAK_KINDS = (ActivityKind.BREAK, ActivityKind.LUNCH)
#: Days of the previous roster given to the engine (rest, runs of days, weekends).
HISTORY_DAYS = 14
INTERVAL_MINUTES = 15


@dataclass(frozen=True)
class ActivityMeta:
    """A fixed activity with what the database knows beyond the engine's view."""

    agent_key: str
    start: datetime
    end: datetime
    kind: str
    label: str | None
    ref_id: int | None


@dataclass(frozen=True)
class BuiltProblem:
    problem: Problem
    site: Site
    activities: tuple[ActivityMeta, ...] = ()
    template_kinds: dict[str, str] = field(default_factory=dict)


def minute_of_day(hhmm: str) -> int:
    t = timeutil.parse_hhmm(hhmm)
    return t.hour * 60 + t.minute


def engine_templates(templates: list[ShiftTemplate]) -> tuple[ETemplate, ...]:
    """DB templates -> engine templates: the unpaid break becomes a lunch whose start may
    float an hour either side of mid-shift (the engine staggers lunches for coverage)."""
    out = []
    for t in templates:
        breaks = (default_lunch(t.length_minutes, t.unpaid_break_minutes),) if t.unpaid_break_minutes else ()
        out.append(ETemplate(t.code, minute_of_day(t.start), t.length_minutes, breaks, unpopular=t.kind == "night"))
    return tuple(out)


def site_templates(session: Session, site_id: int) -> list[ShiftTemplate]:
    return list(session.scalars(sa.select(ShiftTemplate).where(
        ShiftTemplate.site_id == site_id, ShiftTemplate.active.is_(True)).order_by(ShiftTemplate.start, ShiftTemplate.code)))


def site_agents(session: Session, site_id: int, team_ids: list[int] | None = None) -> list[Agent]:
    q = (sa.select(Agent).join(Team, Agent.team_id == Team.id)
         .where(Team.site_id == site_id, Agent.active.is_(True)).order_by(Agent.id))
    if team_ids:
        q = q.where(Agent.team_id.in_(team_ids))
    return list(session.scalars(q))


def published_version_ids(session: Session, site_id: int) -> list[int]:
    """The newest published version of every roster of the site."""
    sub = (sa.select(RosterVersion.roster_id, sa.func.max(RosterVersion.number).label("n"))
           .join(Roster, Roster.id == RosterVersion.roster_id)
           .where(RosterVersion.status == VersionStatus.PUBLISHED, Roster.site_id == site_id)
           .group_by(RosterVersion.roster_id).subquery())
    return list(session.scalars(sa.select(RosterVersion.id).join(
        sub, sa.and_(RosterVersion.roster_id == sub.c.roster_id, RosterVersion.number == sub.c.n))))


def shift_rows(session: Session, version_ids: list[int], start: date, end: date,
               agent_ids: set[int] | None = None) -> list[tuple]:
    """(shift id, agent id, day, code, start, end) of shifts on local days [start, end)."""
    if not version_ids:
        return []
    q = (sa.select(Shift.id, Shift.agent_id, Shift.day, Shift.template_code, Shift.start_at, Shift.end_at)
         .where(Shift.version_id.in_(version_ids), Shift.day >= start, Shift.day < end)
         .order_by(Shift.agent_id, Shift.day))
    rows = session.execute(q).all()
    if agent_ids is not None:
        rows = [r for r in rows if r[1] in agent_ids]
    return rows


def activities_of(session: Session, shift_ids: list[int], kinds: tuple[str, ...] | None = None) -> dict[int, list[tuple]]:
    """shift id -> [(kind, start, end, label, ref_id)]."""
    out: dict[int, list[tuple]] = {}
    for i in range(0, len(shift_ids), 900):
        q = sa.select(ShiftActivity.shift_id, ShiftActivity.kind, ShiftActivity.start_at, ShiftActivity.end_at,
                      ShiftActivity.label, ShiftActivity.ref_id).where(ShiftActivity.shift_id.in_(shift_ids[i:i + 900]))
        if kinds:
            q = q.where(ShiftActivity.kind.in_(kinds))
        for sid, kind, s, e, label, ref in session.execute(q.order_by(ShiftActivity.start_at)):
            out.setdefault(sid, []).append((kind, s, e, label, ref))
    return out


def _preferences(session: Session, agent_ids: list[int], dates: list[date], codes: set[str]) -> list[Preference]:
    try:
        from scheduler.models import ShiftPreference
    except ImportError:  # the self-service package is optional
        return []
    prefs: list[Preference] = []
    rows = session.scalars(sa.select(ShiftPreference).where(ShiftPreference.agent_id.in_(agent_ids))).all() if agent_ids else []
    for p in rows:
        code = None if p.shift_code == "OFF" else p.shift_code
        if code is not None and code not in codes:
            continue
        kind = p.kind if p.kind in ("want", "avoid") else "want"
        for d in dates:
            if p.day is not None:
                hit = p.day == d
            else:
                hit = (p.weekday == d.weekday() and (p.valid_from is None or p.valid_from <= d)
                       and (p.valid_until is None or d <= p.valid_until))
            if hit:
                prefs.append(Preference(str(p.agent_id), d, code, kind, int(p.weight)))
    return prefs


def build_problem(
    session: Session,
    site: Site,
    start: date,
    days: int,
    *,
    team_ids: list[int] | None = None,
    agent_ids: list[int] | None = None,
    reference_version_id: int | None = None,
    pinned: tuple[Assignment, ...] = (),
    extra_time_off: tuple[tuple[int, date], ...] = (),
    weights: Weights | None = None,
    name: str = "roster",
    others_version_id: int | None = None,
) -> BuiltProblem:
    """The engine's problem for ``days`` local days from ``start``.

    ``reference_version_id``: the version whose shifts inside the horizon the new roster
    should stay close to (default: the site's published rosters).
    ``others_version_id``: for a roster of some teams, the version holding the other
    teams' shifts of the period; their cover is taken off the requirement."""
    tz = site.timezone
    end = start + timedelta(days=days)
    dates = timeutil.daterange(start, days)
    agents = site_agents(session, site.id, team_ids)
    if agent_ids is not None:
        wanted = set(agent_ids)
        agents = [a for a in agents if a.id in wanted]
    agent_set = {a.id for a in agents}
    db_templates = site_templates(session, site.id)
    templates = engine_templates(db_templates)
    codes = {t.code for t in templates}
    queue_codes = dict(session.execute(sa.select(Queue.id, Queue.code).where(Queue.site_id == site.id)).all())

    e_agents = []
    for a in agents:
        skills = tuple(sorted({queue_codes[s.queue_id] for s in a.skills if s.queue_id in queue_codes}))
        e_agents.append(EAgent(
            id=str(a.id), team=str(a.team_id), skills=skills, min_hours_week=float(a.min_hours_week),
            max_hours_week=float(a.max_hours_week), night_ok=bool(a.night_ok), supervisor=bool(a.is_supervisor),
            contract_daily_hours=round(float(a.max_hours_week) / 5.0, 2),
        ))

    # requirements: agents on the phone per queue and interval (only queues someone can answer)
    lo, _ = timeutil.local_day_bounds(start, tz)
    _, hi = timeutil.local_day_bounds(dates[-1], tz)
    skilled = {s for a in e_agents for s in a.skills}
    reqs = [
        Requirement(t, code, int(n))
        for t, code, n in session.execute(
            sa.select(StaffingRequirement.interval_start, Queue.code, StaffingRequirement.agents_on_phone)
            .join(Queue, Queue.id == StaffingRequirement.queue_id)
            .where(Queue.site_id == site.id, StaffingRequirement.interval_start >= lo,
                   StaffingRequirement.interval_start < hi)
            .order_by(StaffingRequirement.interval_start, Queue.code))
        if code in skilled and n > 0
    ]

    others = (_outside_cover(session, others_version_id, agent_set, queue_codes, start, end)
              if others_version_id is not None else [])
    if others_version_id is not None:
        reqs = list(residual_requirements(reqs, others, INTERVAL_MINUTES))

    # approved time off, plus absences being repaired
    offs: set[tuple[str, date]] = set()
    if agent_set:
        for agent_id, s, e in session.execute(sa.select(TimeOff.agent_id, TimeOff.start_date, TimeOff.end_date).where(
                TimeOff.status == RequestStatus.APPROVED, TimeOff.start_date < end, TimeOff.end_date >= start)):
            if agent_id in agent_set:
                for d in dates:
                    if s <= d <= e:
                        offs.add((str(agent_id), d))
    for agent_id, d in extra_time_off:
        if agent_id in agent_set and start <= d < end:
            offs.add((str(agent_id), d))

    # previous roster: history before the horizon and reference inside it
    published = published_version_ids(session, site.id)
    hist = shift_rows(session, published, start - timedelta(days=HISTORY_DAYS), start, agent_set)
    ref_ids = [reference_version_id] if reference_version_id else published
    inside = shift_rows(session, ref_ids, start, end, agent_set)
    # The breaks of the history count: a night running into the first day covers the
    # supervisor rule only while the supervisor is not on a break.
    hist_breaks = activities_of(session, [r[0] for r in hist], BREAK_KINDS)
    previous = [Assignment(str(r[1]), r[2], r[3], tuple((bs, be) for _k, bs, be, _l, _r in hist_breaks.get(r[0], [])))
                for r in hist if r[3] in codes]
    previous += [Assignment(str(r[1]), r[2], r[3]) for r in inside if r[3] in codes]

    # fixed activities: training/meeting blocks in the reference roster
    acts: list[ActivityMeta] = []
    by_shift = activities_of(session, [r[0] for r in inside], FIXED_KINDS)
    for r in inside:
        for kind, s, e, label, ref in by_shift.get(r[0], []):
            if (str(r[1]), r[2]) not in offs:
                acts.append(ActivityMeta(str(r[1]), s, e, kind, label, ref))

    # "A supervisor on duty at all times" is a 24/7 rule: it applies to sites with a 24/7
    # queue, also to a site's first roster (the engine itself exempts only what a first
    # roster cannot staff: the first day's hours that only the night before could cover).
    # It is a rule on the site's supervisors together: it is posted when the problem holds
    # all of them (a site roster, any edit), or some of them in a roster of some teams
    # whose other teams' shifts are known (``others_version_id``): their supervisors'
    # hours on duty count (``Problem.supervised``), and this roster's supervisors attend
    # the rest.  A roster of teams without a supervisor cannot change who supervises.
    open_all_day = bool(session.scalar(sa.select(sa.func.count()).select_from(Queue).where(
        Queue.site_id == site.id, Queue.open_24_7.is_(True))))
    site_supervisors = {a.id for a in site_agents(session, site.id) if a.is_supervisor}
    shared = others_version_id is not None and bool(site_supervisors & agent_set)
    rules = Rules(supervisor_always_on_duty=open_all_day and (site_supervisors <= agent_set or shared))

    problem = Problem(
        start_date=start, days=days, agents=tuple(e_agents), templates=templates, interval_minutes=INTERVAL_MINUTES,
        timezone=tz, requirements=tuple(reqs), time_off=tuple(ETimeOff(a, d) for a, d in sorted(offs)),
        preferences=tuple(_preferences(session, sorted(agent_set), dates, codes)),
        activities=tuple(FixedActivity(m.agent_key, m.start, m.end, m.kind) for m in acts),
        previous=tuple(previous), pinned=tuple(p for p in pinned if p.shift_code in codes),
        rules=rules, weights=weights or Weights(), name=name,
        supervised=supervised_spans(others) if rules.supervisor_always_on_duty else (),
    )
    return BuiltProblem(problem, site, tuple(acts), {t.code: t.kind for t in db_templates})


def _outside_cover(session: Session, version_id: int, agent_set: set[int], queue_codes: dict[int, str],
                   start: date, end: date) -> list[OnDuty]:
    """The shifts of ``version_id`` held by people outside ``agent_set``, as cover."""
    rows = [r for r in shift_rows(session, [version_id], start - timedelta(days=1), end) if r[1] not in agent_set]
    away = activities_of(session, [r[0] for r in rows], BREAK_KINDS + FIXED_KINDS)
    skills: dict[int, tuple[str, ...]] = {}
    supervisors: set[int] = set()
    for a in session.scalars(sa.select(Agent).where(Agent.id.in_({r[1] for r in rows}))):
        skills[a.id] = tuple(sorted({queue_codes[s.queue_id] for s in a.skills if s.queue_id in queue_codes}))
        if a.is_supervisor:
            supervisors.add(a.id)
    return [OnDuty(s, e, skills.get(a, ()), tuple((bs, be) for _k, bs, be, _l, _r in away.get(sid, [])),
                   supervisor=a in supervisors)
            for sid, a, _d, _c, s, e in rows]


def version_rows(session: Session, version: RosterVersion, tz: str) -> list[RosterRow]:
    """A stored version as the validator's rows (local wall-clock times)."""
    rows = shift_rows(session, [version.id], date.min, date.max)
    return rows_from_shift_tuples(session, rows, tz)


def rows_from_shift_tuples(session: Session, rows: list[tuple], tz: str) -> list[RosterRow]:
    breaks = activities_of(session, [r[0] for r in rows], BREAK_KINDS)
    out = []
    for sid, agent_id, day, code, s, e in rows:
        brs = tuple((timeutil.to_local(bs, tz), timeutil.to_local(be, tz)) for _k, bs, be, _l, _r in breaks.get(sid, []))
        out.append(RosterRow(str(agent_id), day, code, timeutil.to_local(s, tz), timeutil.to_local(e, tz), brs))
    return out
