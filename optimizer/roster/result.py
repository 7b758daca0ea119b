"""What a roster solve returns (plain data out): never an exception for "infeasible"."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class ShiftAssignment:
    """A worked shift: ``start``/``end`` and break instants are UTC-aware."""

    agent_id: str
    date: date
    shift_code: str
    start: datetime
    end: datetime
    breaks: tuple[tuple[datetime, datetime], ...] = ()


@dataclass(frozen=True)
class CoverageRow:
    start: datetime
    queue: str
    required: int
    scheduled: int


@dataclass(frozen=True)
class SoftViolation:
    """A violated soft rule: ``amount`` units at ``cost`` in the objective."""

    rule: str
    amount: int
    cost: int
    agent_id: str | None = None
    date: date | None = None
    queue: str | None = None
    detail: str = ""


@dataclass(frozen=True)
class Relaxation:
    """A hard rule the returned roster breaks because the rules cannot all hold
    (see ``optimizer.roster.explain``): ``rule`` is the rule family, the rest says where."""

    rule: str
    agent_id: str | None
    date: date | None
    message: str


FEASIBLE_STATUSES = ("OPTIMAL", "FEASIBLE")


@dataclass(frozen=True)
class RosterResult:
    status: str
    objective: float | None
    bound: float | None
    runtime: float
    interval_minutes: int = 15
    assignments: tuple[ShiftAssignment, ...] = ()
    coverage: tuple[CoverageRow, ...] = ()
    violations: tuple[SoftViolation, ...] = ()
    solutions: int = 0
    cancelled: bool = False
    stats: dict[str, float] = field(default_factory=dict)
    #: when INFEASIBLE: why, in words naming agents, dates and intervals
    explanation: tuple[str, ...] = ()
    #: when INFEASIBLE: the rule families in conflict (a minimal set)
    conflicting_rules: tuple[str, ...] = ()
    #: when INFEASIBLE: each hard rule that ``relaxed`` breaks
    relaxations: tuple[Relaxation, ...] = ()
    #: when INFEASIBLE: the best roster relaxing the fewest, least important rules
    #: (``assignments`` stays empty: nothing in it is a valid roster)
    relaxed: RosterResult | None = None

    @property
    def feasible(self) -> bool:
        return self.status in FEASIBLE_STATUSES

    @property
    def gap(self) -> float | None:
        if self.objective is None or self.bound is None:
            return None
        return abs(self.objective - self.bound) / max(abs(self.objective), 1e-9)

    def under_minutes(self) -> dict[str, int]:
        """Under-covered agent-minutes per queue."""
        out: dict[str, int] = defaultdict(int)
        for row in self.coverage:
            out[row.queue] += max(0, row.required - row.scheduled) * self.interval_minutes
        return dict(out)

    def over_minutes(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for row in self.coverage:
            out[row.queue] += max(0, row.scheduled - row.required) * self.interval_minutes
        return dict(out)

    def violations_by_rule(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for v in self.violations:
            entry = out.setdefault(v.rule, {"count": 0, "amount": 0, "cost": 0})
            entry["count"] += 1
            entry["amount"] += v.amount
            entry["cost"] += v.cost
        return out
