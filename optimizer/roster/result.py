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


@dataclass(frozen=True)
class Sentence:
    """One line of the explanation of an infeasible problem, said twice (like a validator
    ``Violation``): ``message``, the terse English line the CLI prints and logs keep, and
    ``text`` with ``params``, the sentence for people, which the web app says in its
    reader's language (``text`` is extracted into its catalogues).  ``parts`` are the
    sentences listed under this one (a supervisor gap's reason per supervisor, an agent's
    leave and pinned shifts).

    Params are plain data so a page can show them its own way: ``agent`` holds an agent
    id and ``agents`` a list of them (a page shows the names), ``family``/``families``
    rule families and ``activity`` an activity kind (a page shows its labels), dates are
    ISO strings, a list is a tuple, and a ``Sentence`` value is a rule's own words (a
    validator violation)."""

    message: str
    text: str
    params: tuple[tuple[str, Param], ...] = ()
    parts: tuple[Sentence, ...] = ()

    def english(self) -> str:
        """The sentence for people, in English (the parts not included)."""
        return self.text % {k: _english(v) for k, v in self.params}

    def as_dict(self) -> dict:
        """JSON-ready (a relaxed draft's summary stores the sentences)."""
        return {"text": self.text, "params": {k: _plain(v) for k, v in self.params},
                "parts": [p.as_dict() for p in self.parts]}


#: a sentence's value: a number or text, a list of them, or another sentence (a rule's own words)
Param = str | int | float | tuple[str, ...] | Sentence


def _english(value: object) -> object:
    if isinstance(value, Sentence):
        return value.english()
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value)
    return value


def _plain(value: object) -> object:
    if isinstance(value, Sentence):
        return value.as_dict()
    if isinstance(value, tuple):
        return list(value)
    return value


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
    #: when INFEASIBLE and explained: the same lines as sentences for people (``message`` is
    #: the line of ``explanation``), for a page to say in its reader's language with names
    explanation_sentences: tuple[Sentence, ...] = ()
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
