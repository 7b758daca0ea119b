"""Roster operations: generate (as a job), write a solved draft, edit with the engine's
validator, publish numbered immutable versions, compare versions, repair after a sudden
absence, and the weekly "draft the next period" job.

Rules are never re-stated here: a draft's shifts are checked by
``optimizer.roster.validator.validate`` against the same ``Problem`` the engine solves
(built by ``roster_problem``).  An edit that *adds* a hard violation is refused with the
rule and the agents named; one that only worsens soft goals (coverage, an agent's stated
preference) needs the planner's confirmation.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from optimizer import timeutil
from optimizer.roster.problem import Assignment, Problem
from optimizer.roster.result import RosterResult
from optimizer.roster.scenario import summary_dict
from optimizer.roster.validator import RosterRow, Violation, validate
from scheduler import audit
from scheduler.db import utcnow
from scheduler.errors import Conflict, NotFound, ValidationError
from scheduler.models import (
    ActivityKind, Agent, Job, JobStatus, Notification, RequestStatus, Roster, RosterVersion, Shift, ShiftActivity,
    ShiftTemplate, Site, Team, TimeOff, User, UserRole, VersionStatus,
)
from scheduler.planning.roster_problem import (
    BREAK_KINDS, BuiltProblem, activities_of, build_problem, engine_templates, rows_from_shift_tuples, shift_rows,
    site_templates,
)

log = logging.getLogger(__name__)

MAX_DAYS = 42
DEFAULT_DAYS = 14


# ----------------------------------------------------------------------------- generation


@dataclass(frozen=True)
class SolveRequest:
    site_id: int
    start: date
    days: int
    team_ids: tuple[int, ...] = ()
    time_limit: float = 60.0

    def __post_init__(self) -> None:
        if not 1 <= self.days <= MAX_DAYS:
            raise ValidationError(_l("the period must be 1 to %(max)s days", max=MAX_DAYS), field="days")
        if not 1 <= self.time_limit <= 3600:
            raise ValidationError("the time limit must be 1 to 3600 seconds", field="time_limit")

    def to_params(self) -> dict:
        return {"site_id": self.site_id, "start": self.start.isoformat(), "days": self.days,
                "team_ids": list(self.team_ids), "time_limit": self.time_limit}

    @classmethod
    def from_params(cls, p: dict) -> "SolveRequest":
        try:
            return cls(int(p["site_id"]), date.fromisoformat(p["start"]), int(p["days"]),
                       tuple(int(t) for t in p.get("team_ids") or ()), float(p.get("time_limit", 60)))
        except (KeyError, TypeError, ValueError) as err:
            raise ValidationError(_l("bad roster job parameters: %(error)s", error=str(err)), field="params") from None


def submit_roster_solve(session: Session, req: SolveRequest, created_by_id: int | None) -> Job:
    """Queue a ``roster_solve`` job (it starts when the caller commits)."""
    from scheduler.jobs import submit_job

    if session.get(Site, req.site_id) is None:
        raise NotFound("no such site", field="site_id")
    if req.team_ids:
        found = set(session.scalars(sa.select(Team.id).where(Team.id.in_(req.team_ids), Team.site_id == req.site_id)))
        if found != set(req.team_ids):
            raise ValidationError("unknown team", field="team_ids")
    return submit_job(session, "roster_solve", req.to_params(), created_by_id)


def roster_for_period(session: Session, site: Site, start: date, days: int, created_by_id: int | None) -> Roster:
    """The roster of exactly this period (new versions of a period stay comparable)."""
    roster = session.scalar(sa.select(Roster).where(Roster.site_id == site.id, Roster.start_date == start,
                                                    Roster.days == days).order_by(Roster.id).limit(1))
    if roster is None:
        end = start + timedelta(days=days - 1)
        roster = Roster(site_id=site.id, name=f"{start.isoformat()} – {end.isoformat()}", start_date=start, days=days,
                        created_by_id=created_by_id)
        session.add(roster)
        session.flush()
    return roster


def result_summary(problem: Problem, result: RosterResult, team_ids: Iterable[int]) -> dict[str, Any]:
    data = summary_dict(problem, result)
    data["team_ids"] = sorted(team_ids)
    data["agents"] = len(problem.agents)
    if result.explanation_sentences:  # the same lines for people: a page says them in its reader's language
        data["explanation_sentences"] = [s.as_dict() for s in result.explanation_sentences]
    return data


def write_draft(session: Session, roster: Roster, built: BuiltProblem, result: RosterResult, *,
                summary: dict, note: str | None = None, relaxed: Iterable[Violation] = (),
                keep_from: int | None = None) -> RosterVersion:
    """Replace the roster's draft with the engine's roster.  The independent validator
    checks it first: a roster breaking a hard rule is never written, except the rule
    instances ``relaxed`` lists (an infeasible period's best relaxed roster, each
    relaxation shown to the planner).  ``keep_from``: a roster of some teams keeps the
    other people's shifts of that version (the period's draft or latest published one),
    so rostering team by team builds up one roster of the period."""
    from optimizer.roster.scenario import roster_rows

    allowed = {_violation_key(v) for v in relaxed}
    violations = [v for v in validate(built.problem, roster_rows(result, built.problem.timezone))
                  if _violation_key(v) not in allowed]
    if violations:
        raise ValidationError(_l("the engine's roster breaks hard rules: %(rules)s", rules="; ".join(str(v) for v in violations[:10])),
                              field="roster")
    kept: list[tuple] = []
    kept_acts: dict[int, list[tuple]] = {}
    if keep_from is not None:
        mine = {int(a.id) for a in built.problem.agents}
        kept = [r for r in shift_rows(session, [keep_from], date.min, date.max) if r[1] not in mine]
        kept_acts = activities_of(session, [r[0] for r in kept])
    old = roster.draft
    if old is not None:
        session.delete(old)
        session.flush()
    version = RosterVersion(roster_id=roster.id, status=VersionStatus.DRAFT, summary=summary, note=note)
    session.add(version)
    session.flush()
    _insert_shifts(session, [dict(version_id=version.id, agent_id=a, day=d, template_code=c, start_at=st, end_at=e)
                             for _sid, a, d, c, st, e in kept], [kept_acts.get(r[0], []) for r in kept])
    lunch_min = {t.code: t.unpaid_break_minutes for t in site_templates(session, roster.site_id)}
    shifts = [dict(version_id=version.id, agent_id=int(s.agent_id), day=s.date, template_code=s.shift_code,
                   start_at=s.start, end_at=s.end) for s in result.assignments]
    acts_by_agent: dict[str, list] = defaultdict(list)
    for m in built.activities:
        acts_by_agent[m.agent_key].append(m)
    _insert_shifts(session, shifts, [
        [(_break_kind(lunch_min.get(s.shift_code, 0), bs, be), bs, be, None, None) for bs, be in s.breaks]
        + [(m.kind, m.start, m.end, m.label, m.ref_id) for m in acts_by_agent.get(s.agent_id, [])
           if s.start <= m.start and m.end <= s.end]
        for s in result.assignments
    ])
    return version


def _break_kind(unpaid_minutes: int, bs: datetime, be: datetime) -> str:
    minutes = (be - bs).total_seconds() / 60
    return ActivityKind.LUNCH if unpaid_minutes and minutes >= 30 else ActivityKind.BREAK


def _insert_shifts(session: Session, shifts: list[dict], activities: list[list[tuple]]) -> list[int]:
    """Bulk insert (one statement each for shifts and activities); ids come back in order."""
    if not shifts:
        return []
    ids = list(session.scalars(sa.insert(Shift).returning(Shift.id, sort_by_parameter_order=True), shifts))
    acts = [dict(shift_id=sid, kind=k, start_at=s, end_at=e, label=label, ref_id=ref)
            for sid, items in zip(ids, activities) for k, s, e, label, ref in items]
    if acts:
        session.execute(sa.insert(ShiftActivity), acts)
    session.flush()
    return ids


def solve_and_store(session: Session, req: SolveRequest, *, created_by_id: int | None, progress, cancel,
                    settings: dict | None = None) -> dict:
    """Build, solve, validate and write the draft (the ``roster_solve`` job's body)."""
    from optimizer.roster.solve import solve

    site = session.get(Site, req.site_id)
    if site is None:
        raise NotFound("no such site", field="site_id")
    # A roster of some teams: the other teams' shifts of the period (its draft, else its
    # latest published version) stay, and their cover comes off the requirement.
    others = None
    if req.team_ids:
        period = session.scalar(sa.select(Roster).where(Roster.site_id == site.id, Roster.start_date == req.start,
                                                        Roster.days == req.days).order_by(Roster.id).limit(1))
        base = (period.draft or period.latest_published) if period is not None else None
        others = base.id if base is not None else None
    built = build_problem(session, site, req.start, req.days, team_ids=list(req.team_ids) or None,
                          name=f"{site.code} {req.start.isoformat()}", others_version_id=others)
    if not built.problem.agents:
        raise ValidationError("no active agents in the chosen teams", field="team_ids")
    workers = int((settings or {}).get("SOLVE_WORKERS", 2) or 2)
    result = solve(built.problem, time_limit=req.time_limit, num_workers=max(1, min(workers, 8)), seed=0,
                   progress=progress, cancel=cancel)
    summary = result_summary(built.problem, result, req.team_ids)
    relaxed: list[Violation] = []
    if result.status == "INFEASIBLE":
        result, summary, relaxed = _relaxed_draft(built, result, req.team_ids)
    if not result.feasible:
        return {**summary, "roster_id": None, "version_id": None,
                "message": f"no roster found ({result.status}); try a longer time limit"}
    roster = roster_for_period(session, site, req.start, req.days, created_by_id)
    version = write_draft(session, roster, built, result, summary=summary, relaxed=relaxed, keep_from=others)
    audit.record(session, "generate", "roster_versions", version.id,
                 new={"roster_id": roster.id, "status": result.status, "objective": result.objective,
                      "relaxations": len(relaxed)})
    return {**summary, "roster_id": roster.id, "version_id": version.id}


def _relaxed_draft(built: BuiltProblem, result: RosterResult, team_ids: Iterable[int]
                   ) -> tuple[RosterResult, dict, list[Violation]]:
    """The hard rules cannot all hold: the engine has said which rules conflict (in words
    naming agents, dates and intervals) and offers its best roster relaxing the fewest and
    least important rules.  That roster becomes the draft, and the relaxations stored with
    it are the independent validator's report of it, so the planner sees what is broken,
    not what the engine claims."""
    from optimizer.roster.scenario import roster_rows

    info = {"conflicting_rules": list(result.conflicting_rules), "explanation": list(result.explanation),
            # the same lines for people: the page says them in its reader's language, with names
            "explanation_sentences": [s.as_dict() for s in result.explanation_sentences]}
    if result.relaxed is None or not result.relaxed.feasible:
        return result, {**result_summary(built.problem, result, team_ids), **info, "relaxations": []}, []
    relaxed = validate(built.problem, roster_rows(result.relaxed, built.problem.timezone))
    # The period's status stays INFEASIBLE (the relaxed roster's own OPTIMAL would mislead).
    summary = {**result_summary(built.problem, result.relaxed, team_ids), **info, "kind": "relaxed",
               "status": result.status, "relaxed_status": result.relaxed.status,
               "relaxations": [{"rule": v.rule, "agent_id": v.agent_id, "date": v.date.isoformat() if v.date else None,
                                "message": v.message, "text": v.text, "params": dict(v.params)} for v in relaxed]}
    return result.relaxed, summary, relaxed


# ----------------------------------------------------------------------------- drafts and edits


def ensure_draft(session: Session, roster: Roster) -> RosterVersion:
    """The roster's draft, created as a copy of the latest published version if needed."""
    draft = roster.draft
    if draft is not None:
        return draft
    base = roster.latest_published
    if base is None:
        raise Conflict("this roster has no version to edit", field="roster")
    draft = RosterVersion(roster_id=roster.id, status=VersionStatus.DRAFT,
                          summary={**(base.summary or {}), "copied_from": base.id}, note=None)
    session.add(draft)
    session.flush()
    copy_shifts(session, base.id, draft.id)
    return draft


def copy_shifts(session: Session, from_version: int, to_version: int) -> None:
    rows = shift_rows(session, [from_version], date.min, date.max)
    acts = activities_of(session, [r[0] for r in rows])
    _insert_shifts(session, [dict(version_id=to_version, agent_id=a, day=d, template_code=c, start_at=s, end_at=e)
                             for _sid, a, d, c, s, e in rows],
                   [acts.get(r[0], []) for r in rows])


def discard_draft(session: Session, version: RosterVersion) -> None:
    version.ensure_editable()
    session.delete(version)
    session.flush()


EDIT_ACTIONS = ("add", "change", "move", "delete", "swap")


@dataclass(frozen=True)
class ShiftEdit:
    """``add``/``change``: give ``agent_id`` shift ``code`` on ``day``; ``move``: move the
    agent's shift from ``day`` to ``target_day``; ``delete``; ``swap``: exchange the
    shifts (or days off) of ``agent_id`` and ``other_agent_id`` on ``day``."""

    action: str
    agent_id: int
    day: date
    code: str | None = None
    target_day: date | None = None
    other_agent_id: int | None = None

    def __post_init__(self) -> None:
        if self.action not in EDIT_ACTIONS:
            raise ValidationError(_l("unknown action %(action)s", action=repr(self.action)), field="action")
        if self.action in ("add", "change") and not self.code:
            raise ValidationError("choose a shift", field="code")
        if self.action == "move" and self.target_day is None:
            raise ValidationError("choose the day to move the shift to", field="target_day")
        if self.action == "swap" and (self.other_agent_id is None or self.other_agent_id == self.agent_id):
            raise ValidationError("choose another agent to swap with", field="other_agent_id")


@dataclass(frozen=True)
class RuleProblem:
    """A rule an edit breaks, with the people involved (names for the page)."""

    rule: str
    message: Any  # a (lazily translated) sentence
    agents: tuple[str, ...]
    day: date | None
    hard: bool


def _sentence(v: Violation) -> Any:
    """The violation's sentence for people, translated when the page shows it (the
    sentences are extracted from the validator into the catalogues)."""
    return _l(v.text, **dict(v.params)) if v.text else v.message


@dataclass
class EditOutcome:
    saved: bool
    hard: list[RuleProblem] = field(default_factory=list)
    soft: list[RuleProblem] = field(default_factory=list)

    @property
    def needs_confirmation(self) -> bool:
        return not self.saved and not self.hard and bool(self.soft)


def _changes(edit: ShiftEdit, current: dict[tuple[int, date], str]) -> dict[tuple[int, date], str | None]:
    a, d = edit.agent_id, edit.day
    if edit.action == "add":
        if (a, d) in current:
            raise Conflict("the agent already has a shift that day; change it instead", field="day")
        return {(a, d): edit.code}
    if edit.action == "change":
        if (a, d) not in current:
            raise Conflict("the agent has no shift that day; add one instead", field="day")
        return {(a, d): edit.code}
    if edit.action == "delete":
        if (a, d) not in current:
            raise Conflict("the agent has no shift that day", field="day")
        return {(a, d): None}
    if edit.action == "move":
        if (a, d) not in current:
            raise Conflict("the agent has no shift that day", field="day")
        if (a, edit.target_day) in current:
            raise Conflict("the agent already works on the target day", field="target_day")
        return {(a, d): None, (a, edit.target_day): current[a, d]}
    b = int(edit.other_agent_id)
    mine, theirs = current.get((a, d)), current.get((b, d))
    if mine is None and theirs is None:
        raise Conflict("neither agent works that day: nothing to swap", field="day")
    return {(a, d): theirs, (b, d): mine}


def _new_row(problem: Problem, agent_key: str, day: date, code: str) -> RosterRow:
    """A shift as the template places it, its breaks in the middle of their windows."""
    t = problem.template(code)
    start = problem.shift_start(day, t)
    end = start + timedelta(minutes=t.length_minutes)
    breaks = []
    for b in t.breaks:
        off = (b.earliest + b.latest) // 2 // problem.interval_minutes * problem.interval_minutes
        bs = start + timedelta(minutes=off)
        breaks.append((timeutil.to_local(bs, problem.timezone),
                       timeutil.to_local(bs + timedelta(minutes=b.length_minutes), problem.timezone)))
    return RosterRow(agent_key, day, code, timeutil.to_local(start, problem.timezone),
                     timeutil.to_local(end, problem.timezone), tuple(breaks))


def _names(session: Session, agent_ids: Iterable[int]) -> dict[int, str]:
    ids = sorted(set(agent_ids))
    if not ids:
        return {}
    return dict(session.execute(sa.select(Agent.id, User.display_name).join(User, User.id == Agent.user_id)
                                .where(Agent.id.in_(ids))).all())


def _violation_key(v: Violation) -> tuple:
    return (v.agent_id, v.date, v.rule) if v.agent_id else (None, v.date, v.rule, v.message)


def apply_edit(session: Session, version: RosterVersion, edit: ShiftEdit, *, confirm_soft: bool = False) -> EditOutcome:
    """Check ``edit`` with the engine's validator and save it unless it adds a hard-rule
    violation; soft-only problems are saved when ``confirm_soft``."""
    version.ensure_editable()
    roster = version.roster
    site = session.get(Site, roster.site_id)
    tz = site.timezone
    end = roster.start_date + timedelta(days=roster.days)
    for d in (edit.day, edit.target_day):
        if d is not None and not roster.start_date <= d < end:
            raise ValidationError("the day is outside the roster's period", field="day")
    codes = {t.code for t in site_templates(session, site.id)}
    if edit.code and edit.code not in codes:
        raise ValidationError(_l("unknown shift %(code)s", code=repr(edit.code)), field="code")
    involved = {edit.agent_id} | ({edit.other_agent_id} if edit.other_agent_id else set())
    known_agents = set(session.scalars(sa.select(Agent.id).join(Team, Team.id == Agent.team_id).where(
        Agent.id.in_(involved), Team.site_id == site.id)))
    if known_agents != involved:
        raise ValidationError("unknown agent", field="agent_id")

    rows = shift_rows(session, [version.id], date.min, date.max)
    current = {(r[1], r[2]): r[3] for r in rows}
    changes = _changes(edit, current)

    # Rules are per agent except the supervisor on duty: check the edited agents and every supervisor.
    supervisors = set(session.scalars(sa.select(Agent.id).join(Team, Team.id == Agent.team_id).where(
        Team.site_id == site.id, Agent.is_supervisor.is_(True), Agent.active.is_(True))))
    scope = involved | supervisors
    built = build_problem(session, site, roster.start_date, roster.days, agent_ids=sorted(scope),
                          reference_version_id=version.id, name=roster.name)
    problem = built.problem
    scope_rows = [r for r in rows if r[1] in scope]
    before = rows_from_shift_tuples(session, scope_rows, tz)
    after = [r for r in before if (int(r.agent_id), r.date) not in changes]
    for (a, d), code in changes.items():
        if code is not None:
            after.append(_new_row(problem, str(a), d, code))
    old_keys = {_violation_key(v) for v in validate(problem, before)}
    new_violations = [v for v in validate(problem, after) if _violation_key(v) not in old_keys]
    names = _names(session, list(involved) + [int(v.agent_id) for v in new_violations if v.agent_id])
    hard = [RuleProblem(v.rule, _sentence(v), (names.get(int(v.agent_id), v.agent_id),) if v.agent_id else (), v.date, True)
            for v in new_violations]
    soft = _soft_problems(session, site, roster, rows, changes, problem, names)
    outcome = EditOutcome(False, hard, soft)
    if hard or (soft and not confirm_soft):
        return outcome
    _store_changes(session, version, rows, changes, {r.agent_id + "|" + r.date.isoformat(): r for r in after}, tz)
    audit.record(session, "roster_edit", "roster_versions", version.id,
                 new={"action": edit.action, "agent_id": edit.agent_id, "day": edit.day, "code": edit.code,
                      "target_day": edit.target_day, "other_agent_id": edit.other_agent_id,
                      "soft_confirmed": [p.rule for p in soft]})
    outcome.saved = True
    return outcome


def _store_changes(session: Session, version: RosterVersion, rows: list[tuple],
                   changes: dict[tuple[int, date], str | None], new_rows: dict[str, RosterRow], tz: str) -> None:
    by_key = {(r[1], r[2]): r[0] for r in rows}
    drop = [by_key[k] for k in changes if k in by_key]
    # training blocks of a swapped shift stay with their agent's new shift when it still contains them
    kept = activities_of(session, drop)
    if drop:
        session.execute(sa.delete(ShiftActivity).where(ShiftActivity.shift_id.in_(drop)))
        session.execute(sa.delete(Shift).where(Shift.id.in_(drop)))
    inserts, acts = [], []
    old_fixed = {(r[1], r[2]): [x for x in kept.get(r[0], []) if x[0] not in BREAK_KINDS] for r in rows if r[0] in drop}
    templates = {t.code: t for t in site_templates(session, version.roster.site_id)}
    for (a, d), code in changes.items():
        if code is None:
            continue
        row = new_rows[f"{a}|{d.isoformat()}"]
        s, e = timeutil.to_utc(row.start, tz), timeutil.to_utc(row.end, tz)
        items = [(_break_kind(templates[code].unpaid_break_minutes, timeutil.to_utc(bs, tz), timeutil.to_utc(be, tz)),
                  timeutil.to_utc(bs, tz), timeutil.to_utc(be, tz), None, None) for bs, be in row.breaks]
        items += [x for x in old_fixed.get((a, d), []) if s <= x[1] and x[2] <= e]
        inserts.append(dict(version_id=version.id, agent_id=a, day=d, template_code=code, start_at=s, end_at=e))
        acts.append(items)
    session.expire(version, ["shifts"])
    _insert_shifts(session, inserts, acts)


def _soft_problems(session: Session, site: Site, roster: Roster, rows: list[tuple],
                   changes: dict[tuple[int, date], str | None], problem: Problem, names: dict[int, str]) -> list[RuleProblem]:
    """Soft goals an edit worsens: coverage of the requirements, and stated preferences."""
    from scheduler.planning.queries import coverage_shortfall

    out: list[RuleProblem] = []
    templates = {t.code: t for t in problem.templates}
    before_minutes = coverage_shortfall(session, site, roster.start_date, roster.days, rows)
    after_rows = [r for r in rows if (r[1], r[2]) not in changes]
    for (a, d), code in changes.items():
        if code is not None:
            s = problem.shift_start(d, templates[code])
            after_rows.append((None, a, d, code, s, s + timedelta(minutes=templates[code].length_minutes)))
    after_minutes = coverage_shortfall(session, site, roster.start_date, roster.days, after_rows)
    if after_minutes > before_minutes:
        out.append(RuleProblem("coverage", _l("%(minutes)s more agent-minutes below the requirement",
                                              minutes=after_minutes - before_minutes), (), None, False))
    for p in problem.preferences:
        key = (int(p.agent_id), p.date)
        if key not in changes:
            continue
        code = changes[key]
        broken = (p.kind == "avoid" and code == p.shift_code and code is not None) or \
                 (p.kind == "avoid" and p.shift_code is None and code is not None) or \
                 (p.kind == "want" and p.shift_code is None and code is not None) or \
                 (p.kind == "want" and p.shift_code is not None and code != p.shift_code)
        if broken:
            if p.kind == "want":
                wish = _l("asked for %(shift)s", shift=p.shift_code) if p.shift_code else _l("asked for the day off")
            else:
                wish = _l("asked not to work %(shift)s", shift=p.shift_code) if p.shift_code else _l("asked not to work")
            out.append(RuleProblem("preference", wish, (names.get(int(p.agent_id), p.agent_id),), p.date, False))
    return out


# ----------------------------------------------------------------------------- publish and diff


@dataclass(frozen=True)
class DiffRow:
    agent_id: int
    agent: str
    team: str
    day: date
    old_code: str | None
    new_code: str | None
    old_start: datetime | None
    new_start: datetime | None


def _shift_map(session: Session, version_id: int | None) -> dict[tuple[int, date], tuple[str, datetime]]:
    if version_id is None:
        return {}
    return {(a, d): (c, s) for _i, a, d, c, s, _e in shift_rows(session, [version_id], date.min, date.max)}


def diff_versions(session: Session, old_id: int | None, new_id: int) -> list[DiffRow]:
    """Who changed shift between two versions (by agent and day)."""
    old, new = _shift_map(session, old_id), _shift_map(session, new_id)
    keys = sorted(k for k in set(old) | set(new) if old.get(k, (None,))[0] != new.get(k, (None,))[0]
                  or old.get(k, (None, None))[1] != new.get(k, (None, None))[1])
    info = {a: (name, team) for a, name, team in session.execute(
        sa.select(Agent.id, User.display_name, Team.name).join(User, User.id == Agent.user_id)
        .join(Team, Team.id == Agent.team_id).where(Agent.id.in_({k[0] for k in keys} or {-1})))}
    out = []
    for a, d in keys:
        name, team = info.get(a, ("?", "?"))
        o, n = old.get((a, d)), new.get((a, d))
        out.append(DiffRow(a, name, team, d, o[0] if o else None, n[0] if n else None, o[1] if o else None,
                           n[1] if n else None))
    out.sort(key=lambda r: (r.agent, r.day))
    return out


@dataclass(frozen=True)
class PublishOutcome:
    version: RosterVersion
    number: int
    changed_agents: int
    notifications: int


def publish(session: Session, version: RosterVersion, *, user_id: int | None, now: datetime) -> PublishOutcome:
    """Freeze the draft as the next numbered version and tell agents whose own shifts
    changed (a first publication tells everyone on it)."""
    version.ensure_editable()
    roster = version.roster
    previous = roster.latest_published
    number = (session.scalar(sa.select(sa.func.max(RosterVersion.number)).where(
        RosterVersion.roster_id == roster.id)) or 0) + 1
    changes = diff_versions(session, previous.id if previous else None, version.id)
    version.publish(number, user_id, now)
    session.flush()
    audit.record(session, "publish", "roster_versions", version.id,
                 new={"roster_id": roster.id, "number": number, "changed_shifts": len(changes)})
    users = dict(session.execute(sa.select(Agent.id, Agent.user_id).where(
        Agent.id.in_({c.agent_id for c in changes} or {-1}))).all())
    notes = []
    if previous is None:
        for agent_id in sorted({c.agent_id for c in changes}):
            notes.append(Notification(user_id=users[agent_id], kind="roster_published", link="/me",
                                      params={"roster": roster.name, "number": number}))
    else:
        for c in changes:
            notes.append(Notification(user_id=users[c.agent_id], kind="shift_changed", link="/me",
                                      params={"day": c.day.isoformat(), "old": c.old_code or "OFF",
                                              "new": c.new_code or "OFF"}))
    session.add_all(notes)
    session.flush()
    return PublishOutcome(version, number, len({c.agent_id for c in changes}), len(notes))


# ----------------------------------------------------------------------------- sudden absence


@dataclass(frozen=True)
class AbsenceRequest:
    roster_id: int
    agent_id: int
    start: date
    end: date
    time_limit: float = 30.0

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValidationError("the absence ends before it starts", field="end")
        if (self.end - self.start).days > 31:
            raise ValidationError("an absence longer than a month is leave, not a repair", field="end")


def report_absence(session: Session, req: AbsenceRequest, user_id: int | None, now: datetime) -> Job:
    """Record the absence (approved sick leave) and queue the repair job, which proposes
    a draft with the fewest changes to the published roster."""
    from scheduler.jobs import submit_job

    roster = session.get(Roster, req.roster_id)
    if roster is None:
        raise NotFound("no such roster", field="roster_id")
    base = roster.latest_published
    if base is None:
        raise Conflict("publish the roster before repairing it", field="roster_id")
    if roster.draft is not None:
        raise Conflict("this roster has a draft: publish or discard it before a repair", field="roster_id")
    end = roster.start_date + timedelta(days=roster.days - 1)
    if req.end < roster.start_date or req.start > end:
        raise ValidationError("the absence is outside the roster's period", field="start")
    agent = session.get(Agent, req.agent_id)
    if agent is None:
        raise ValidationError("unknown agent", field="agent_id")
    session.add(TimeOff(agent_id=agent.id, start_date=req.start, end_date=req.end, kind="sick",
                        status=RequestStatus.APPROVED, reason="sudden absence", decided_by_id=user_id, decided_at=now))
    session.flush()
    return submit_job(session, "roster_repair", {
        "roster_id": roster.id, "base_version_id": base.id, "agent_id": agent.id, "start": req.start.isoformat(),
        "end": req.end.isoformat(), "time_limit": req.time_limit}, user_id)


def repair_and_store(session: Session, params: dict, *, progress, cancel, settings: dict | None = None) -> dict:
    """The ``roster_repair`` job's body: the engine's minimal-change repair
    (``optimizer.roster.repair``) of the published version after the absence, written as
    a draft next to every shift it leaves alone."""
    from dataclasses import replace as dc_replace

    from optimizer.roster.repair import repair

    roster = session.get(Roster, int(params["roster_id"]))
    base = session.get(RosterVersion, int(params["base_version_id"]))
    if roster is None or base is None:
        raise NotFound("the roster is gone", field="roster_id")
    site = session.get(Site, roster.site_id)
    agent_id, start, end = int(params["agent_id"]), date.fromisoformat(params["start"]), date.fromisoformat(params["end"])
    rows = shift_rows(session, [base.id], date.min, date.max)
    breaks = activities_of(session, [r[0] for r in rows], BREAK_KINDS)
    published = [Assignment(str(a), d, c, tuple((bs, be) for _k, bs, be, _l, _r in breaks.get(sid, [])))
                 for sid, a, d, c, _s, _e in rows]
    # The whole site's people may refill the gap (the absent agent's team mates first, by
    # the repair's neighbourhoods); shifts of anyone outside the problem are kept as they are.
    built = build_problem(session, site, roster.start_date, roster.days, reference_version_id=base.id,
                          name=f"repair {roster.name}")
    absent = [(str(agent_id), start + timedelta(days=k)) for k in range((end - start).days + 1)]
    fixed = repair(built.problem, published, absent, time_limit=float(params.get("time_limit", 30)),
                   num_workers=max(1, min(int((settings or {}).get("SOLVE_WORKERS", 2) or 2), 8)), seed=0,
                   progress=progress, cancel=cancel)
    result = fixed.result
    summary = result_summary(fixed.problem, result, ())
    if not result.feasible:
        return {**summary, "version_id": None, "message": f"no repair found ({result.status})"}
    summary.update({"kind": "repair", "base_version_id": base.id, "absent_agent_id": agent_id,
                    "absence": [start.isoformat(), end.isoformat()], "neighbourhood": fixed.neighbourhood,
                    "forced": [str(v) for v in fixed.forced]})
    if roster.draft is not None:
        raise Conflict("a draft appeared while the repair ran; discard it and repair again", field="roster_id")
    version = write_draft(session, roster, dc_replace(built, problem=fixed.problem), result, summary=summary,
                          note="repair", keep_from=base.id)
    changes = diff_versions(session, base.id, version.id)
    version.summary = {**summary, "changes": len(changes)}
    audit.record(session, "repair_proposed", "roster_versions", version.id,
                 new={"base_version_id": base.id, "agent_id": agent_id, "changes": len(changes)})
    return {**summary, "roster_id": roster.id, "version_id": version.id, "changes": len(changes)}


# ----------------------------------------------------------------------------- weekly job


def create_draft_for_next_period(session: Session, *, now: datetime, days: int = DEFAULT_DAYS,
                                 time_limit: float = 300.0) -> dict:
    """Weekly: queue a ``roster_solve`` for each site's next uncovered period (the week
    after the last roster, or next week).  Idempotent: a period already rostered or with
    a solve queued or running is skipped."""
    submitted, skipped = [], []
    for site in session.scalars(sa.select(Site).order_by(Site.id)):
        today = timeutil.to_local(now, site.timezone).date()
        start = timeutil.week_start(today, site.week_start) + timedelta(days=7)
        covered = [r for r in session.scalars(sa.select(Roster).where(Roster.site_id == site.id))
                   if r.start_date <= start < r.start_date + timedelta(days=r.days)]
        if covered:
            ends = [r.start_date + timedelta(days=r.days) for r in covered]
            start = max(ends)
        busy = [j for j in session.scalars(sa.select(Job).where(
            Job.kind == "roster_solve", Job.status.in_((JobStatus.QUEUED, JobStatus.RUNNING))))
            if j.params.get("site_id") == site.id and j.params.get("start") == start.isoformat()]
        if busy or start > today + timedelta(days=28):
            skipped.append({"site": site.code, "start": start.isoformat()})
            continue
        job = submit_roster_solve(session, SolveRequest(site.id, start, days, (), time_limit), None)
        submitted.append({"site": site.code, "start": start.isoformat(), "job_id": job.id})
    return {"submitted": submitted, "skipped": skipped}


def planners(session: Session) -> list[int]:
    return list(session.scalars(sa.select(UserRole.user_id).join(User, User.id == UserRole.user_id).where(
        UserRole.role == "planner", User.active.is_(True))))
