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
