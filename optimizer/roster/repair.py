"""Minimal-change repair of a published roster after sick calls or late leave.

A published roster has been sent to the agents; when some of them drop out, the planner
must refill the gaps with as few changed shifts as possible, because every change is a
phone call and a disrupted private life.  The repair:

- adds the absences as time off (the absent agents' shifts go; the day counts toward
  their weekly minimum like any leave);
- keeps every other published shift unless changing it pays: each changed agent-day
  costs ``change_weight`` in the same objective as coverage, so a change must restore at
  least that much weighted under-coverage (default: one agent for one hour);
- prefers agents below their contract hours that week: a shift added on a day off costs
  from half the change price (no hours yet) to the full price (at the contract), so the
  agent furthest below the contract is called in first;
- restores, does not re-plan: requirements are capped at the coverage the published
  roster had (``restore_only``), so changes only pay where the absences left a gap;
- only re-optimises the weeks that contain an absence (plus one day each side); the rest
  is fixed to the published roster (the whole horizon is opened if that is infeasible);
- solves the same model as ``solve`` (every hard rule holds, checked by the validator);
  if the rules cannot all hold (say the only free supervisor is the one who is sick),
  the result carries the explanation and a relaxed roster, like ``solve``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Iterable

from ortools.sat.python import cp_model

from optimizer.progress import NEVER_CANCELLED, Cancellable, Progress, ProgressCallback, no_progress
from optimizer.roster.model import build_model
from optimizer.roster.model.sequences import week_blocks
from optimizer.roster.problem import Assignment, Problem, ProblemError, Requirement, TimeOff
from optimizer.roster.result import RosterResult, ShiftAssignment


@dataclass(frozen=True)
class Change:
    """One agent-day whose shift differs from the published roster ('' = day off)."""

    agent_id: str
    date: date
    old_shift: str
    new_shift: str


@dataclass(frozen=True)
class RepairResult:
    result: RosterResult
    changes: tuple[Change, ...]
    #: the problem as repaired (absences added as time off): validate against this one
    problem: Problem
    #: published shifts removed because their agent is absent
    removed: tuple[Change, ...]
    #: days the repair was allowed to change
    window: tuple[date, date]

    @property
    def changed_agents(self) -> tuple[str, ...]:
        return tuple(sorted({c.agent_id for c in self.changes}))


def _window(problem: Problem, absences: list[TimeOff], margin: int = 1) -> set[int]:
    days = {day: d for d, day in enumerate(problem.dates)}
    touched = {days[a.date] for a in absences if a.date in days}
    out: set[int] = set()
    for block in week_blocks(problem.days):
        if touched & set(block):
            out |= set(range(max(0, block.start - margin), min(problem.days, block.stop + margin)))
    return out


def repair(
    problem: Problem,
    published: Iterable[Assignment],
    absences: Iterable[TimeOff | tuple[str, date]],
    *,
    time_limit: float = 60.0,
    num_workers: int = 2,
    seed: int = 0,
    progress: ProgressCallback | None = None,
    cancel: Cancellable | None = None,
    change_weight: int | None = None,
    whole_horizon: bool = False,
    restore_only: bool = True,
    _scope: str = "narrow",
) -> RepairResult:
    """Refill the gaps left by ``absences`` in ``published`` with the fewest changes."""
    from optimizer.roster.explain import explained
    from optimizer.roster.solve import apply_hint, extract, run_cp_sat

    t0 = time.monotonic()
    progress = progress or no_progress
    cancel = cancel or NEVER_CANCELLED
    ids = {a.id for a in problem.agents}
    absent = [a if isinstance(a, TimeOff) else TimeOff(a[0], a[1]) for a in absences]
    for a in absent:
        if a.agent_id not in ids:
            raise ProblemError("absent", f"unknown agent {a.agent_id}")
        if not problem.start_date <= a.date < problem.end_date:
            raise ProblemError("absent", f"{a.agent_id}:{a.date} is outside the roster horizon")
    published = [p for p in published if problem.start_date <= p.date < problem.end_date]
    off = {(a.agent_id, a.date) for a in absent}
    removed = tuple(Change(p.agent_id, p.date, p.shift_code, "") for p in published if (p.agent_id, p.date) in off)
    kept = [p for p in published if (p.agent_id, p.date) not in off]
    known_off = {(o.agent_id, o.date) for o in problem.time_off}
    repaired = replace(problem, time_off=problem.time_off + tuple(a for a in absent if (a.agent_id, a.date) not in known_off),
                       pinned=tuple(p for p in problem.pinned if (p.agent_id, p.date) not in off))
    weight = change_weight if change_weight is not None else 4 * problem.weights.under_coverage
    modelled = repaired
    if restore_only and problem.requirements:
        modelled = replace(repaired, requirements=_published_level(problem, published))
    window = set(range(problem.days)) if whole_horizon else _window(problem, absent)
    # First try the narrowest neighbourhood: the absent agents over the window, everyone
    # else only on the absence days and the day either side; then the window; then all.
    scope = "horizon" if whole_horizon else _scope
    absent_ids = {a.agent_id for a in absent}
    near = {a.date + timedelta(days=k) for a in absent for k in (-1, 0, 1)}

    progress(Progress(stage="repair", message="building model", time_limit=time_limit))
    rv = build_model(modelled)
    plan = {(p.agent_id, p.date): p.shift_code for p in kept}
    paid_week: dict[tuple[str, int], int] = {}
    weeks = week_blocks(problem.days)
    week_of = {d: w for w, block in enumerate(weeks) for d in block}
    for p in kept:
        d = (p.date - problem.start_date).days
        key = (p.agent_id, week_of[d])
        paid_week[key] = paid_week.get(key, 0) + repaired.template(p.shift_code).paid_minutes
    m = rv.model
    for a, agent in enumerate(problem.agents):
        for d, day in enumerate(rv.timeline.dates):
            code = plan.get((agent.id, day))
            if d not in window or (scope == "narrow" and agent.id not in absent_ids and day not in near):
                for t in problem.templates:
                    m.add(rv.x[a, d, t.code] == int(t.code == code))
                continue
            if (agent.id, day) in off:
                continue  # the absence already forces the change; it is not priced
            changed = m.new_bool_var(f"changed[{agent.id},{d}]")
            if code is None:
                m.add(changed == rv.work[a, d])
                # calling in costs less the further the agent is below its contract
                # hours that week: half price at zero hours, full price at the contract
                contract = max(1.0, agent.max_hours_week * 60 * len(weeks[week_of[d]]) / 7)
                fill = min(1.0, paid_week.get((agent.id, week_of[d]), 0) / contract)
                w = int(weight * (0.5 + 0.5 * fill))
            else:
                m.add(changed + rv.x[a, d, code] == 1)
                w = weight
            rv.add_soft("change", w, changed, agent=agent.id, day=d, detail=code or "OFF")
    m.minimize(sum(t.weight * t.var for t in rv.soft))
    apply_hint(rv, kept, time_limit=max(0.5, 0.1 * time_limit))
    left = max(0.1, time_limit - (time.monotonic() - t0))
    if scope == "narrow":
        left *= 0.5
    solver, code, reporter, cancelled = run_cp_sat(rv, time_limit=left, num_workers=num_workers, seed=seed,
                                                   progress=progress, cancel=cancel, stage="repair")
    wider = {"narrow": "window", "window": "horizon"}.get(scope)
    if wider and not cancelled and code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        progress(Progress(stage="repair", message=f"no repair in the {scope} neighbourhood: widening to {wider}"))
        return repair(problem, published, absent, time_limit=max(1.0, time_limit - (time.monotonic() - t0)),
                      num_workers=num_workers, seed=seed, progress=progress, cancel=cancel,
                      change_weight=change_weight, whole_horizon=wider == "horizon", restore_only=restore_only,
                      _scope=wider)
    result = extract(rv, solver, code, reporter.solutions, cancelled, time.monotonic() - t0)
    if result.status == "INFEASIBLE" and not cancelled:
        result = explained(repaired, result, time_limit=max(5.0, time_limit - (time.monotonic() - t0)),
                           num_workers=num_workers, seed=seed, progress=progress, cancel=cancel)
    dates = rv.timeline.dates
    # coverage is reported against the real requirements, not the capped ones
    real = {(r.start, r.queue): r.agents for r in problem.requirements}
    result = replace(result, coverage=tuple(replace(c, required=real.get((c.start, c.queue), 0))
                                            for c in result.coverage))
    shown = result.relaxed if result.relaxed is not None else result
    return RepairResult(result, diff(kept, shown), repaired, removed,
                        (dates[min(window)], dates[max(window)]) if window else (problem.start_date, problem.start_date))


def _published_level(problem: Problem, published: list[Assignment]) -> tuple[Requirement, ...]:
    """Requirements capped at the coverage the published roster had (breaks at the middle
    of their windows): a repair restores what the absences took; it is not a re-plan, so
    covering more than the published roster did earns nothing."""
    from optimizer.roster.large import estimate_coverage

    shifts = []
    for a in published:
        t = problem.template(a.shift_code)
        start = problem.shift_start(a.date, t)
        breaks = []
        for b in t.breaks:
            off = (b.earliest + b.latest) // 2 // problem.interval_minutes * problem.interval_minutes
            bs = start + timedelta(minutes=off)
            breaks.append((bs, bs + timedelta(minutes=b.length_minutes)))
        shifts.append(ShiftAssignment(a.agent_id, a.date, a.shift_code, start,
                                      start + timedelta(minutes=t.length_minutes), tuple(breaks)))
    level = {(row.start, row.queue): row.scheduled for row in estimate_coverage(problem, tuple(shifts))}
    return tuple(replace(r, agents=min(r.agents, level.get((r.start, r.queue), 0))) for r in problem.requirements)


def diff(before: Iterable[Assignment], after: RosterResult) -> tuple[Change, ...]:
    """Agent-days whose shift differs between ``before`` and the result's roster."""
    old = {(p.agent_id, p.date): p.shift_code for p in before}
    new = {(s.agent_id, s.date): s.shift_code for s in after.assignments}
    keys = sorted(set(old) | set(new))
    return tuple(Change(a, d, old.get((a, d), ""), new.get((a, d), "")) for a, d in keys
                 if old.get((a, d), "") != new.get((a, d), ""))


def parse_absences(text: str) -> list[TimeOff]:
    """``AGENT:DATE[,AGENT:DATE...]`` (DATE as YYYY-MM-DD, or YYYY-MM-DD..YYYY-MM-DD)."""
    out = []
    for item in filter(None, (s.strip() for s in text.split(","))):
        agent, sep, when = item.rpartition(":")
        if not sep or not agent:
            raise ProblemError("absent", f"{item!r} is not AGENT:DATE")
        try:
            first, _, last = when.partition("..")
            d0 = date.fromisoformat(first)
            d1 = date.fromisoformat(last) if last else d0
        except ValueError:
            raise ProblemError("absent", f"{item!r}: date must be YYYY-MM-DD") from None
        while d0 <= d1:
            out.append(TimeOff(agent, d0))
            d0 += timedelta(days=1)
    if not out:
        raise ProblemError("absent", "no absence given")
    return out
