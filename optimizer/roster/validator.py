"""The executable specification of the hard rules, independent of the model.

This module must not import ``optimizer.roster.model`` or ``optimizer.roster.solve``: it
re-states every hard rule once, directly on a roster as published (the rows of
``roster.csv``: local start/end and breaks), so that a modelling error shows up as a
violation instead of being checked by the code that made it.

Conventions (stated here once, and documented in docs/roster-engine.md):
- a shift belongs to the local date on which it starts; weeks are 7-day blocks from the
  horizon's first day, limits prorated in a short last block (minimum rounded down,
  maximum up);
- the previous roster gives the known history: every day from its first date to the day
  before the horizon is known (a day without a shift is a day off); earlier and later
  days are unknown: "at most" rules treat them as days off, "at least" rules exempt a
  run that touches the unknown;
- a day of time off is a day off for "at most" rules and, like an unknown day, exempts
  the run it belongs to or bounds from "at least" rules (``Rules.time_off_is_rest``:
  an ordinary day off, as in the Curtois & Qu benchmark);
- a night shift covers some local time between 00:00 and 05:00.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Callable, Iterable, Iterator

from optimizer import timeutil
from optimizer.roster.problem import Problem, ShiftTemplate


@dataclass(frozen=True)
class RosterRow:
    """One line of roster.csv: local wall-clock start/end and breaks."""

    agent_id: str
    date: date
    shift_code: str
    start: datetime
    end: datetime
    breaks: tuple[tuple[datetime, datetime], ...] = ()


@dataclass(frozen=True)
class Violation:
    agent_id: str | None
    date: date | None
    rule: str
    #: terse, for the CLI and logs ("run of 1 < 2")
    message: str
    #: the same for people, as a %-style sentence with its values: the web app says it in
    #: its reader's language (the sentences are extracted into its message catalogues)
    text: str = field(default="", compare=False)
    params: tuple[tuple[str, str | int | float], ...] = field(default=(), compare=False)

    def __str__(self) -> str:
        return f"{self.agent_id or '-'} {self.date or '-'} {self.rule}: {self.message}"

    def sentence(self) -> str:
        """The people's sentence in English (the message when there is none)."""
        return self.text % dict(self.params) if self.text else self.message


def _violation(agent_id: str | None, on: date | None, rule: str, message: str, text: str,
               **params: str | int | float) -> Violation:
    """A violation with its sentence for people (``text`` is marked for translation)."""
    return Violation(agent_id, on, rule, message, text, tuple(sorted(params.items())))


def _hours(minutes: float) -> str:
    return f"{minutes / 60:.2f}".rstrip("0").rstrip(".")


class _Roster:
    """The roster under check plus the previous roster, as UTC instants per agent."""

    def __init__(self, problem: Problem, rows: Iterable[RosterRow]) -> None:
        self.p = problem
        self.rows = [r for r in rows]
        self.tz = problem.timezone
        self.templates = {t.code: t for t in problem.templates}
        self.agents = {a.id: a for a in problem.agents}
        self.horizon = set(problem.dates)
        before = [s.date for s in problem.previous if s.date < problem.start_date]
        self.history = timeutil.daterange(min(before), (problem.start_date - min(before)).days) if before else []
        self.known = self.history + problem.dates
        self.worked: dict[str, dict[date, str]] = defaultdict(dict)
        for s in problem.previous:
            if s.date < problem.start_date:
                self.worked[s.agent_id][s.date] = s.shift_code
        for r in self.rows:
            self.worked[r.agent_id].setdefault(r.date, r.shift_code)

    def utc(self, local: datetime) -> datetime:
        return timeutil.to_utc(local, self.tz)

    def template_instants(self, day: date, t: ShiftTemplate) -> tuple[datetime, datetime]:
        start = self.utc(datetime(day.year, day.month, day.day) + timedelta(minutes=t.start_minute))
        return start, start + timedelta(minutes=t.length_minutes)

    def shifts_utc(self, agent_id: str) -> list[tuple[date, str, datetime, datetime, tuple[tuple[datetime, datetime], ...]]]:
        """Previous-roster and rostered shifts of an agent, by start instant."""
        out = []
        for s in self.p.previous:
            if s.agent_id == agent_id and s.date < self.p.start_date and s.shift_code in self.templates:
                st, en = self.template_instants(s.date, self.templates[s.shift_code])
                out.append((s.date, s.shift_code, st, en, s.breaks))
        for r in self.rows:
            if r.agent_id == agent_id and r.shift_code in self.templates:
                br = tuple((self.utc(a), self.utc(b)) for a, b in r.breaks)
                st, en = self.template_instants(r.date, self.templates[r.shift_code])
                out.append((r.date, r.shift_code, st, en, br))
        return sorted(out, key=lambda s: s[2])

    def day_flags(self, agent_id: str, night: bool = False) -> list[bool]:
        w = self.worked.get(agent_id, {})
        if night:
            return [d in w and w[d] in self.templates and self.templates[w[d]].is_night for d in self.known]
        return [d in w for d in self.known]


def _runs(flags: list[bool], value: bool) -> Iterator[tuple[int, int]]:
    """(start, length) of maximal runs equal to ``value``."""
    i = 0
    while i < len(flags):
        if flags[i] == value:
            j = i
            while j < len(flags) and flags[j] == value:
                j += 1
            yield i, j - i
            i = j
        else:
            i += 1


Check = Callable[[_Roster], Iterator[Violation]]
RULES: dict[str, Check] = {}


def rule(name: str) -> Callable[[Check], Check]:
    def register(fn: Check) -> Check:
        RULES[name] = fn
        return fn
    return register


@rule("shift_definition")
def _shift_definition(r: _Roster) -> Iterator[Violation]:
    """Known agent and template, inside the horizon, start/end as the template says."""
    for row in r.rows:
        if row.agent_id not in r.agents:
            yield _violation(row.agent_id, row.date, "shift_definition", "unknown agent",
                             "This person is not in the roster's problem.")
            continue
        t = r.templates.get(row.shift_code)
        if t is None:
            yield _violation(row.agent_id, row.date, "shift_definition", f"unknown shift {row.shift_code}",
                             "Unknown shift %(shift)s.", shift=row.shift_code)
            continue
        if row.date not in r.horizon:
            yield _violation(row.agent_id, row.date, "shift_definition", "date outside the horizon",
                             "The date is outside the roster period.")
        st, en = r.template_instants(row.date, t)
        if r.utc(row.start) != st or timeutil.to_local(en, r.tz) != row.end:
            ls, le = timeutil.to_local(st, r.tz), timeutil.to_local(en, r.tz)
            yield _violation(row.agent_id, row.date, "shift_definition", f"{row.shift_code} should run {ls} - {le}",
                             "Shift %(shift)s should run %(start)s-%(end)s.", shift=row.shift_code,
                             start=f"{ls:%Y-%m-%d %H:%M}", end=f"{le:%H:%M}")


@rule("one_shift_per_day")
def _one_shift_per_day(r: _Roster) -> Iterator[Violation]:
    seen: dict[tuple[str, date], int] = defaultdict(int)
    for row in r.rows:
        seen[row.agent_id, row.date] += 1
    for (a, d), n in seen.items():
        if n > 1:
            yield _violation(a, d, "one_shift_per_day", f"{n} shifts on one day", "%(count)s shifts on one day.", count=n)


@rule("time_off")
def _time_off(r: _Roster) -> Iterator[Violation]:
    off = {(o.agent_id, o.date) for o in r.p.time_off}
    for row in r.rows:
        if (row.agent_id, row.date) in off:
            yield _violation(row.agent_id, row.date, "time_off", "works on a day of time off",
                             "Works on a day of approved time off.")


@rule("night_eligibility")
def _night_eligibility(r: _Roster) -> Iterator[Violation]:
    for row in r.rows:
        a, t = r.agents.get(row.agent_id), r.templates.get(row.shift_code)
        if a and t and t.is_night and not a.night_ok:
            yield _violation(row.agent_id, row.date, "night_eligibility", f"{row.shift_code} is a night shift",
                             "%(shift)s is a night shift and this person is not cleared for nights.",
                             shift=row.shift_code)


@rule("max_shifts_per_template")
def _max_shifts(r: _Roster) -> Iterator[Violation]:
    count: dict[tuple[str, str], int] = defaultdict(int)
    for row in r.rows:
        count[row.agent_id, row.shift_code] += 1
    for a in r.p.agents:
        for code, cap in a.max_shifts:
            if count[a.id, code] > cap:
                yield _violation(a.id, None, "max_shifts_per_template", f"{count[a.id, code]} x {code} > {cap}",
                                 "%(shift)s shifts: %(count)s; at most %(cap)s.", count=count[a.id, code],
                                 shift=code, cap=cap)


@rule("pinned")
def _pinned(r: _Roster) -> Iterator[Violation]:
    have = {(row.agent_id, row.date, row.shift_code) for row in r.rows}
    for p in r.p.pinned:
        if p.date in r.horizon and (p.agent_id, p.date, p.shift_code) not in have:
            yield _violation(p.agent_id, p.date, "pinned", f"pinned shift {p.shift_code} missing",
                             "The pinned shift %(shift)s is missing.", shift=p.shift_code)


@rule("rest")
def _rest(r: _Roster) -> Iterator[Violation]:
    """Minimum rest between consecutive shifts (and no overlap), across the boundary."""
    need = timedelta(hours=r.p.rules.min_rest_hours or 0)
    for a in r.agents:
        shifts = r.shifts_utc(a)
        for prev, nxt in zip(shifts, shifts[1:]):
            if nxt[0] < r.p.start_date:
                continue  # two shifts of the previous roster: not the roster's doing
            if nxt[2] - prev[3] < need:
                rest = (nxt[2] - prev[3]).total_seconds() / 60
                yield _violation(a, nxt[0], "rest", f"{(nxt[2] - prev[3])} rest after {prev[1]} on {prev[0]}",
                                 "Only %(hours)s h of rest after the %(shift)s shift of %(day)s; at least %(need)s h.",
                                 hours=_hours(max(0.0, rest)), shift=prev[1], day=prev[0].isoformat(),
                                 need=_hours(need.total_seconds() / 60))


@rule("rotation")
def _rotation(r: _Roster) -> Iterator[Violation]:
    for a, days in r.worked.items():
        for d, code in days.items():
            nxt = days.get(d + timedelta(days=1))
            t = r.templates.get(code)
            if nxt and t and nxt in t.forbidden_next and d + timedelta(days=1) in r.horizon:
                yield _violation(a, d + timedelta(days=1), "rotation", f"{nxt} may not follow {code}",
                                 "%(next)s may not follow %(shift)s.", next=nxt, shift=code)


def _agent_rule(agent_value: int | None, site_value: int | None) -> int | None:
    return agent_value if agent_value is not None else site_value


@rule("max_consecutive_days")
def _max_consecutive(r: _Roster) -> Iterator[Violation]:
    for a in r.p.agents:
        cap = _agent_rule(a.max_consecutive_days, r.p.rules.max_consecutive_days)
        if cap is None:
            continue
        for start, n in _runs(r.day_flags(a.id), True):
            if n > cap and r.known[start + n - 1] in r.horizon:
                yield _violation(a.id, r.known[start], "max_consecutive_days", f"{n} days in a row > {cap}",
                                 "Working days in a row: %(count)s; at most %(cap)s.", count=n, cap=cap)


def _min_run_rule(r: _Roster, name: str, value: bool, pick: Callable) -> Iterator[Violation]:
    """A run shorter than the minimum is a violation unless it touches the unknown days
    or a day of time off (leave or sick is not a planned rest block; with
    ``time_off_is_rest`` it is an ordinary day off)."""
    leave: dict[str, set[date]] = defaultdict(set)
    if not r.p.rules.time_off_is_rest:
        for o in r.p.time_off:
            leave[o.agent_id].add(o.date)
    for a in r.p.agents:
        need = pick(a)
        if not need or need <= 1:
            continue
        flags = r.day_flags(a.id)
        for start, n in _runs(flags, value):
            touches = start == 0 or start + n == len(flags)
            # the run's own days and the day either side: a day of time off among them
            # means an absence made or closed this run, not the roster
            touches = touches or any(r.known[i] in leave[a.id] for i in range(start - 1, start + n + 1))
            # a run closed by its next day inside the horizon is the roster's doing
            if n < need and not touches and start + n >= len(r.history):
                if value:
                    yield _violation(a.id, r.known[start], name, f"run of {n} < {need}",
                                     "Working days in a row: %(count)s; at least %(need)s.", count=n, need=need)
                else:
                    yield _violation(a.id, r.known[start], name, f"run of {n} < {need}",
                                     "Days off in a row: %(count)s; at least %(need)s.", count=n, need=need)


@rule("min_consecutive_days")
def _min_consecutive(r: _Roster) -> Iterator[Violation]:
    yield from _min_run_rule(r, "min_consecutive_days", True,
                             lambda a: _agent_rule(a.min_consecutive_days, r.p.rules.min_consecutive_days))


@rule("min_consecutive_days_off")
def _min_days_off_run(r: _Roster) -> Iterator[Violation]:
    yield from _min_run_rule(r, "min_consecutive_days_off", False,
                             lambda a: _agent_rule(a.min_consecutive_days_off, r.p.rules.min_consecutive_days_off))


@rule("max_nights_in_row")
def _nights(r: _Roster) -> Iterator[Violation]:
    cap = r.p.rules.max_nights_in_row
    if cap is None:
        return
    for a in r.p.agents:
        for start, n in _runs(r.day_flags(a.id, night=True), True):
            if n > cap and r.known[start + n - 1] in r.horizon:
                yield _violation(a.id, r.known[start], "max_nights_in_row", f"{n} nights in a row > {cap}",
                                 "Nights in a row: %(count)s; at most %(cap)s.", count=n, cap=cap)


def _weeks(p: Problem) -> list[list[date]]:
    dates = p.dates
    return [dates[i : i + 7] for i in range(0, len(dates), 7)]


@rule("min_days_off_per_week")
def _days_off_week(r: _Roster) -> Iterator[Violation]:
    n = r.p.rules.min_days_off_per_week
    if not n:
        return
    for a in r.p.agents:
        w = r.worked.get(a.id, {})
        for week in _weeks(r.p):
            need = math.floor(n * len(week) / 7)
            off = sum(1 for d in week if d not in w)
            if off < need:
                yield _violation(a.id, week[0], "min_days_off_per_week", f"{off} days off < {need}",
                                 "Days off in the week: %(count)s; at least %(need)s.", count=off, need=need)


@rule("max_weekends")
def _weekends(r: _Roster) -> Iterator[Violation]:
    rules = r.p.rules
    known = set(r.known)
    sats = sorted({d - timedelta(days=(d.weekday() - 5) % 7) for d in r.known if d.weekday() >= 5})
    for a in r.p.agents:
        cap = _agent_rule(a.max_weekends, rules.max_weekends_per_window)
        if cap is None:
            continue
        w = r.worked.get(a.id, {})
        weekends = []  # (touches horizon, worked)
        for s in sats:
            pair = (s, s + timedelta(days=1))
            in_h = any(d in r.horizon for d in pair)
            if rules.weekend_window_weeks is None and not in_h:
                continue
            weekends.append((in_h, any(d in w and d in known for d in pair), s))
        size = rules.weekend_window_weeks or len(weekends)
        for i in range(max(1, len(weekends) - size + 1)):
            win = weekends[i : i + size]
            if any(h for h, _, _ in win) and sum(1 for _, x, _ in win if x) > cap:
                n = sum(1 for _, x, _ in win if x)
                yield _violation(a.id, win[0][2], "max_weekends", f"{n} weekends > {cap}",
                                 "Weekends worked: %(count)s of %(weeks)s; at most %(cap)s.", count=n,
                                 weeks=len(win), cap=cap)


@rule("weekly_hours")
def _weekly_hours(r: _Roster) -> Iterator[Violation]:
    if not r.p.rules.weekly_hours:
        return
    off = {(o.agent_id, o.date) for o in r.p.time_off}
    for a in r.p.agents:
        w = r.worked.get(a.id, {})
        for week in _weeks(r.p):
            share = len(week) / 7
            paid = sum(r.templates[w[d]].paid_minutes for d in week if d in w and w[d] in r.templates)
            credit = sum(round(a.contract_daily_hours * 60) for d in week if (a.id, d) in off)
            lo, hi = math.floor(a.min_hours_week * 60 * share), math.ceil(a.max_hours_week * 60 * share)
            if paid + credit < lo:
                yield _violation(a.id, week[0], "weekly_hours", f"{paid} paid + {credit} leave minutes < {lo}",
                                 "%(paid)s h paid and %(leave)s h of leave in the week; the contract asks at least "
                                 "%(min)s h.", paid=_hours(paid), leave=_hours(credit), min=_hours(lo))
            if paid > hi:
                yield _violation(a.id, week[0], "weekly_hours", f"{paid} paid minutes > {hi}",
                                 "%(paid)s h paid in the week; the contract allows at most %(max)s h.",
                                 paid=_hours(paid), max=_hours(hi))


@rule("total_minutes")
def _total_minutes(r: _Roster) -> Iterator[Violation]:
    for a in r.p.agents:
        w = r.worked.get(a.id, {})
        paid = sum(r.templates[c].paid_minutes for d, c in w.items() if d in r.horizon and c in r.templates)
        if a.min_total_minutes is not None and paid < a.min_total_minutes:
            yield _violation(a.id, None, "total_minutes", f"{paid} < {a.min_total_minutes}",
                             "%(paid)s h paid in the period; at least %(min)s h.", paid=_hours(paid),
                             min=_hours(a.min_total_minutes))
        if a.max_total_minutes is not None and paid > a.max_total_minutes:
            yield _violation(a.id, None, "total_minutes", f"{paid} > {a.max_total_minutes}",
                             "%(paid)s h paid in the period; at most %(max)s h.", paid=_hours(paid),
                             max=_hours(a.max_total_minutes))


@rule("breaks")
def _breaks(r: _Roster) -> Iterator[Violation]:
    """Each shift has its template's breaks, in order, each inside its window."""
    for row in r.rows:
        t = r.templates.get(row.shift_code)
        if t is None:
            continue
        if len(row.breaks) != len(t.breaks):
            yield _violation(row.agent_id, row.date, "breaks", f"{len(row.breaks)} breaks, template has {len(t.breaks)}",
                             "Breaks: %(count)s; the shift has %(need)s.", count=len(row.breaks), need=len(t.breaks))
            continue
        st, _ = r.template_instants(row.date, t)
        for (bs, be), rule_ in zip(row.breaks, t.breaks):
            off = (r.utc(bs) - st).total_seconds() / 60
            length = (r.utc(be) - r.utc(bs)).total_seconds() / 60
            if length != rule_.length_minutes or not (rule_.earliest <= off <= rule_.latest):
                yield _violation(row.agent_id, row.date, "breaks",
                                 f"break {bs:%H:%M}-{be:%H:%M} outside its window or wrong length",
                                 "The break %(start)s-%(end)s is outside its window or has the wrong length.",
                                 start=f"{bs:%H:%M}", end=f"{be:%H:%M}")


@rule("fixed_activities")
def _activities(r: _Roster) -> Iterator[Violation]:
    """An activity inside the horizon lies within one of the agent's shifts, off breaks."""
    lo = timeutil.local_day_bounds(r.p.start_date, r.tz)[0]
    hi = timeutil.local_day_bounds(r.p.dates[-1], r.tz)[1]
    for act in r.p.activities:
        if act.end <= lo or act.start >= hi:
            continue
        host = [s for s in r.shifts_utc(act.agent_id) if s[2] <= act.start and act.end <= s[3]]
        day = timeutil.to_local(act.start, r.tz).date()
        if not host:
            yield _violation(act.agent_id, day, "fixed_activities", f"{act.kind} not inside a shift",
                             "The activity at %(start)s is not inside a shift.",
                             start=f"{timeutil.to_local(act.start, r.tz):%H:%M}")
        elif any(bs < act.end and act.start < be for bs, be in host[0][4]):
            yield _violation(act.agent_id, day, "fixed_activities", f"break during {act.kind}",
                             "A break falls during the activity at %(start)s.",
                             start=f"{timeutil.to_local(act.start, r.tz):%H:%M}")


@rule("supervisor_on_duty")
def _supervisor(r: _Roster) -> Iterator[Violation]:
    """Some supervisor is on shift, not on break and not in an activity, at every
    interval of the horizon (previous-roster shifts running into it count, and so do
    supervisors outside the problem: ``Problem.supervised``), except the first day's
    intervals that only the unknown night before a first roster could cover."""
    if not r.p.rules.supervisor_always_on_duty:
        return
    step = timedelta(minutes=r.p.interval_minutes)
    busy: list[tuple[datetime, datetime]] = []
    for a in r.p.agents:
        if not a.supervisor:
            continue
        acts = [(x.start, x.end) for x in r.p.activities if x.agent_id == a.id]
        for _, _, st, en, brs in r.shifts_utc(a.id):
            # on duty over [st, en) minus breaks and activities: record as pieces
            cuts = sorted([(max(bs, st), min(be, en)) for bs, be in list(brs) + acts if bs < en and st < be])
            t = st
            for cs, ce in cuts:
                if cs > t:
                    busy.append((t, cs))
                t = max(t, ce)
            if t < en:
                busy.append((t, en))
    # supervisors outside the problem (other teams') on duty, as given
    busy += list(r.p.supervised)
    # A first roster (no history) cannot staff the night running into its first day: an
    # interval of that day which no template placed on a horizon day spans is exempt.
    # With a history that night is known and its shifts are in ``busy`` like any other.
    spans: list[tuple[datetime, datetime]] = []
    first_day_end = timeutil.local_day_bounds(r.p.start_date, r.tz)[1]
    if not r.history:
        spans = [r.template_instants(d, t) for d in r.p.dates for t in r.templates.values()]
    for i in timeutil.interval_grid(r.p.start_date, r.p.days, r.p.interval_minutes, r.tz):
        if not any(s <= i and i + step <= e for s, e in busy):
            if not r.history and i < first_day_end and not any(s <= i and i + step <= e for s, e in spans):
                continue
            local = timeutil.to_local(i, r.tz)
            yield _violation(None, local.date(), "supervisor_on_duty", f"no supervisor on duty at {local:%H:%M}",
                             "No supervisor on duty at %(time)s.", time=f"{local:%H:%M}")


def validate(problem: Problem, rows: Iterable[RosterRow]) -> list[Violation]:
    """Every hard-rule violation of ``rows`` (empty list = valid)."""
    roster = _Roster(problem, rows)
    out: list[Violation] = []
    for check in RULES.values():
        out.extend(check(roster))
    return out
