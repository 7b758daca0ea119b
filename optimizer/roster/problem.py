"""The roster problem as frozen, validated dataclasses (plain data in).

A ``Problem`` is everything the engine needs: agents, shift templates, interval
requirements per queue, per-shift head-count demands, time off, preferences, fixed
off-phone activities, the previous published roster (history before the horizon and
reference inside it), pinned assignments, the rules and the objective weights.

Every class checks itself in ``__post_init__`` and raises ``ProblemError`` naming the
field, so that a bad scenario fails before a model is built.  Instants are UTC-aware
datetimes (see ``optimizer.timeutil``); dates are local calendar days at the site.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

from optimizer import timeutil


class ProblemError(ValueError):
    """An inconsistent problem; ``field`` names what is wrong."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message


NIGHT_END_MINUTE = 5 * 60  # a night shift covers some time between 00:00 and 05:00 (issue 4)


@dataclass(frozen=True)
class Agent:
    """One person who can be rostered.

    ``contract_daily_hours`` is credited toward the weekly minimum for each day of time
    off (a day of leave must not push a contract below its minimum).  The optional
    per-agent limits (``max_shifts``, total minutes, sequence overrides) are what the
    Curtois & Qu benchmark needs per employee; in a contact center they stay None and the
    site-wide ``Rules`` apply.
    """

    id: str
    team: str = ""
    skills: tuple[str, ...] = ()
    min_hours_week: float = 0.0
    max_hours_week: float = 168.0
    night_ok: bool = True
    supervisor: bool = False
    contract_daily_hours: float = 8.0
    #: max number of shifts of a template over the horizon, as (code, n) pairs
    max_shifts: tuple[tuple[str, int], ...] = ()
    min_total_minutes: int | None = None
    max_total_minutes: int | None = None
    max_consecutive_days: int | None = None
    min_consecutive_days: int | None = None
    min_consecutive_days_off: int | None = None
    max_weekends: int | None = None

    def __post_init__(self) -> None:
        if not self.id:
            raise ProblemError("agent_id", "must not be empty")
        if self.min_hours_week < 0 or self.max_hours_week < self.min_hours_week:
            raise ProblemError(f"agent {self.id}", "need 0 <= min_hours_week <= max_hours_week")
        if self.contract_daily_hours < 0:
            raise ProblemError(f"agent {self.id}", "contract_daily_hours must be >= 0")
        if len(set(self.skills)) != len(self.skills):
            raise ProblemError(f"agent {self.id}", "duplicate skill")


@dataclass(frozen=True)
class BreakRule:
    """One break inside a shift: ``length_minutes`` starting between ``earliest`` and
    ``latest`` minutes after the shift start.  Unpaid breaks (lunch) reduce paid hours."""

    length_minutes: int
    earliest: int
    latest: int
    paid: bool = False


@dataclass(frozen=True)
class ShiftTemplate:
    """A shift pattern: local start (minute of day on a 15-minute grid) and length.

    ``forbidden_next`` lists templates that may not be worked the day after this one
    (a rotation rule, on top of the minimum rest, which is computed from instants).
    Break windows must be ordered and disjoint so that any choice of break starts is a
    valid combination (this is what lets the model count breaks per group of agents).
    """

    code: str
    start_minute: int
    length_minutes: int
    breaks: tuple[BreakRule, ...] = ()
    forbidden_next: tuple[str, ...] = ()
    unpopular: bool = False

    def __post_init__(self) -> None:
        where = f"shift template {self.code}"
        if not self.code or self.code.upper() == "OFF":
            raise ProblemError(where, "code must be non-empty and not OFF")
        if not (0 <= self.start_minute < 1440) or self.start_minute % 15:
            raise ProblemError(where, "start must be on the 15-minute grid within the day")
        if not (0 < self.length_minutes <= 24 * 60):
            raise ProblemError(where, "length_minutes must be in 1..1440")
        prev_end = 0
        for b in self.breaks:
            if b.length_minutes <= 0 or b.earliest < prev_end or b.latest < b.earliest:
                raise ProblemError(where, "break windows must be ordered, non-overlapping, earliest <= latest")
            if b.latest + b.length_minutes > self.length_minutes:
                raise ProblemError(where, "a break window ends after the shift")
            prev_end = b.latest + b.length_minutes

    @property
    def unpaid_break_minutes(self) -> int:
        return sum(b.length_minutes for b in self.breaks if not b.paid)

    @property
    def paid_minutes(self) -> int:
        return self.length_minutes - self.unpaid_break_minutes

    @property
    def is_night(self) -> bool:
        """Covers any time between 00:00 and 05:00 local (the issue's definition)."""
        s, e = self.start_minute, self.start_minute + self.length_minutes
        return s < NIGHT_END_MINUTE or (e > 1440 and s < 1440 + NIGHT_END_MINUTE)


@dataclass(frozen=True)
class Requirement:
    """Agents needed on the phone for ``queue`` in the interval starting at ``start`` (UTC)."""

    start: datetime
    queue: str
    agents: int


@dataclass(frozen=True)
class ShiftDemand:
    """Head count wanted on a template on a date, with its own under/over weights
    (a per-shift cover as in nurse rostering; also useful for fixed desks)."""

    date: date
    shift_code: str
    required: int
    weight_under: int
    weight_over: int


@dataclass(frozen=True)
class TimeOff:
    agent_id: str
    date: date


@dataclass(frozen=True)
class Preference:
    """``shift_code`` None means a day OFF; ``want``: penalty when not granted,
    ``avoid``: penalty when given."""

    agent_id: str
    date: date
    shift_code: str | None
    kind: Literal["want", "avoid"]
    weight: int

    def __post_init__(self) -> None:
        if self.kind not in ("want", "avoid"):
            raise ProblemError("kind", f"must be want or avoid, got {self.kind!r}")
        if self.weight < 0:
            raise ProblemError("weight", "must be >= 0")


@dataclass(frozen=True)
class FixedActivity:
    """An off-phone block (training, meeting) already placed for an agent: the agent must
    be on a shift that contains it, takes no break during it, and does not count for
    coverage while in it."""

    agent_id: str
    start: datetime
    end: datetime
    kind: str = "activity"


@dataclass(frozen=True)
class Assignment:
    """An agent working ``shift_code`` on local ``date`` (previous roster, pins, hints)."""

    agent_id: str
    date: date
    shift_code: str
    breaks: tuple[tuple[datetime, datetime], ...] = ()


@dataclass(frozen=True)
class Rules:
    """Site-wide hard rules; None switches a rule off.  Weeks are 7-day blocks from the
    horizon's first day (a shorter last block gets prorated limits)."""

    min_rest_hours: float = 11.0
    max_consecutive_days: int | None = 6
    min_consecutive_days: int | None = None
    min_consecutive_days_off: int | None = 2
    min_days_off_per_week: int | None = 2
    max_nights_in_row: int | None = 3
    max_weekends_per_window: int | None = 3
    #: weeks in the sliding weekend window; None = the whole horizon (benchmark style)
    weekend_window_weeks: int | None = 4
    supervisor_always_on_duty: bool = True
    weekly_hours: bool = True
    #: False (contact centres): a day of time off (leave, sick) is not a planned rest
    #: block, so the minimum-run rules (``min_consecutive_days[_off]``) exempt a run that
    #: contains or touches one, as they exempt a run touching the unknown days beyond the
    #: horizon.  True (the Curtois & Qu benchmark): days off are ordinary days off.
    time_off_is_rest: bool = False


@dataclass(frozen=True)
class Weights:
    """Objective weights (per agent-interval for coverage; per occurrence otherwise).

    Under-coverage dominates: one missing agent for one interval costs ``under_coverage``
    times the queue's ``service impact`` (``queue_weights``, default 1).  Shortfall beyond
    ``deep_shortfall_share`` of the requirement costs ``deep_shortfall`` more per agent,
    because service level falls faster the deeper the shortfall.  Over-coverage is cheap;
    preferences cost their own weight times ``preference``; fairness terms price the spread
    (max - min) within a team; ``change`` prices each day that differs from the reference
    (previous published) roster.
    """

    under_coverage: int = 1000
    deep_shortfall: int = 500
    deep_shortfall_share: float = 0.2
    over_coverage: int = 10
    preference: int = 10
    fairness_nights: int = 20
    fairness_weekends: int = 20
    fairness_unpopular: int = 10
    fairness_preferences: int = 5
    change: int = 50
    queue_weights: tuple[tuple[str, int], ...] = ()

    def queue_weight(self, queue: str) -> int:
        return dict(self.queue_weights).get(queue, 1)


@dataclass(frozen=True)
class Problem:
    start_date: date
    days: int
    agents: tuple[Agent, ...]
    templates: tuple[ShiftTemplate, ...]
    interval_minutes: int = 15
    timezone: str = "UTC"
    requirements: tuple[Requirement, ...] = ()
    shift_demands: tuple[ShiftDemand, ...] = ()
    time_off: tuple[TimeOff, ...] = ()
    preferences: tuple[Preference, ...] = ()
    activities: tuple[FixedActivity, ...] = ()
    previous: tuple[Assignment, ...] = ()
    pinned: tuple[Assignment, ...] = ()
    rules: Rules = field(default_factory=Rules)
    weights: Weights = field(default_factory=Weights)
    name: str = "roster"
    #: UTC spans in which a supervisor who is not in this problem is on duty (on shift,
    #: not on a break): a roster of some teams shares the 24/7 supervisor rule with the
    #: teams it leaves alone, and the rule already holds wherever one of theirs is there
    supervised: tuple[tuple[datetime, datetime], ...] = ()

    def __post_init__(self) -> None:
        if self.days <= 0:
            raise ProblemError("days", "must be > 0")
        if self.interval_minutes <= 0 or 1440 % self.interval_minutes or 60 % self.interval_minutes and self.interval_minutes % 60:
            raise ProblemError("interval_minutes", "must divide a day (15, 30, 60...)")
        ids = [a.id for a in self.agents]
        if len(set(ids)) != len(ids):
            raise ProblemError("agents", "duplicate agent_id")
        codes = [t.code for t in self.templates]
        if len(set(codes)) != len(codes):
            raise ProblemError("templates", "duplicate shift code")
        for t in self.templates:
            for c in t.forbidden_next:
                if c not in codes:
                    raise ProblemError(f"shift template {t.code}", f"forbidden_next names unknown shift {c}")
        if self.requirements or self.rules.supervisor_always_on_duty:
            for t in self.templates:
                if t.start_minute % self.interval_minutes or t.length_minutes % self.interval_minutes or any(
                    b.length_minutes % self.interval_minutes
                    or b.earliest % self.interval_minutes
                    or b.latest % self.interval_minutes
                    for b in t.breaks
                ):
                    raise ProblemError(
                        f"shift template {t.code}",
                        f"start, length and breaks must be multiples of interval_minutes ({self.interval_minutes})",
                    )
        known = set(ids)
        for group, items in (("time_off", self.time_off), ("preferences", self.preferences),
                             ("activities", self.activities), ("pinned", self.pinned)):
            for item in items:
                if item.agent_id not in known:
                    raise ProblemError(group, f"unknown agent {item.agent_id}")
        for group, items in (("pinned", self.pinned), ("previous", self.previous)):
            for item in items:
                if item.shift_code not in codes:
                    raise ProblemError(group, f"unknown shift {item.shift_code}")
        for p in self.preferences:
            if p.shift_code is not None and p.shift_code not in codes:
                raise ProblemError("preferences", f"unknown shift {p.shift_code}")
        for d in self.shift_demands:
            if d.shift_code not in codes:
                raise ProblemError("shift_demands", f"unknown shift {d.shift_code}")
        for a in self.activities:
            if a.end <= a.start:
                raise ProblemError("activities", f"activity of {a.agent_id} ends before it starts")
        for s, e in self.supervised:
            if e <= s:
                raise ProblemError("supervised", f"span {s.isoformat()} ends before it starts")

    # -- small derived views used by the model, the validator and the IO -------------
    @property
    def dates(self) -> list[date]:
        return timeutil.daterange(self.start_date, self.days)

    @property
    def end_date(self) -> date:
        return self.start_date + timedelta(days=self.days)

    @property
    def queues(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for r in self.requirements:
            seen.setdefault(r.queue, None)
        return tuple(seen)

    def template(self, code: str) -> ShiftTemplate:
        for t in self.templates:
            if t.code == code:
                return t
        raise KeyError(code)

    def agent(self, agent_id: str) -> Agent:
        for a in self.agents:
            if a.id == agent_id:
                return a
        raise KeyError(agent_id)

    def shift_start(self, day: date, template: ShiftTemplate) -> datetime:
        """UTC instant at which ``template`` starts on local ``day`` (DST-safe)."""
        local = datetime.combine(day, datetime.min.time()) + timedelta(minutes=template.start_minute)
        return timeutil.to_utc(local, self.timezone)

    def shift_end(self, day: date, template: ShiftTemplate) -> datetime:
        """A shift lasts its length in elapsed time, also across a clock change."""
        return self.shift_start(day, template) + timedelta(minutes=template.length_minutes)
