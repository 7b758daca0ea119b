"""Flexible shift templates: a start window and a length range instead of one fixed shift.

A planner rarely knows the best shifts in advance; she knows the rules ("early shifts start
between 05:00 and 08:00 on the quarter hour and last 7 to 9 hours").  The engine, not the
planner, then picks the concrete shifts from the candidates such a template allows.  This
module only enumerates those candidates; choosing among them is the job of the shift-design
model (``optimizer.shiftdesign.model``) or of the roster engine.
"""

from __future__ import annotations

from dataclasses import dataclass

MINUTES_PER_DAY = 1440


@dataclass(frozen=True)
class FlexibleTemplate:
    """A family of shifts: every start in ``[earliest_start, latest_start]`` by ``start_step``
    combined with every length in ``[min_length, max_length]`` by ``length_step``.

    Starts are minutes after local midnight.  ``latest_start`` may exceed 1440 (or
    ``earliest_start`` be negative) for a window that crosses midnight, e.g. a night shift
    starting 23:00-01:00 is ``earliest_start=1380, latest_start=1500``; expanded starts are
    folded back into ``[0, 1440)`` because a shift belongs to the day it starts on.
    """

    name: str
    earliest_start: int
    latest_start: int
    start_step: int
    min_length: int
    max_length: int
    length_step: int

    def __post_init__(self) -> None:
        if self.start_step <= 0 or self.length_step <= 0:
            raise ValueError(f"template {self.name!r}: steps must be positive")
        if self.latest_start < self.earliest_start:
            raise ValueError(f"template {self.name!r}: latest_start is before earliest_start")
        if self.latest_start - self.earliest_start >= MINUTES_PER_DAY:
            raise ValueError(f"template {self.name!r}: start window spans a whole day or more")
        if not 0 < self.min_length <= self.max_length:
            raise ValueError(f"template {self.name!r}: need 0 < min_length <= max_length")

    @classmethod
    def fixed(cls, name: str, start: int, length: int) -> FlexibleTemplate:
        """A classic fixed shift (one start, one length) as a degenerate flexible template."""
        return cls(name, start, start, 1, length, length, 1)


def expand(template: FlexibleTemplate) -> list[tuple[int, int]]:
    """The concrete ``(start_minute, length_minutes)`` shifts a template allows, sorted.

    ``start_minute`` is in ``[0, 1440)``; duplicates (possible only when a folded window
    meets itself) are removed.
    """
    starts = range(template.earliest_start, template.latest_start + 1, template.start_step)
    lengths = range(template.min_length, template.max_length + 1, template.length_step)
    return sorted({(s % MINUTES_PER_DAY, length) for s in starts for length in lengths})


def expand_all(templates: list[FlexibleTemplate]) -> list[tuple[int, int]]:
    """Union of the candidates of several templates, each concrete shift once.

    Two templates whose windows overlap offer the same concrete shift twice; keeping one
    copy removes pure symmetry from any model built on the candidates.
    """
    return sorted({cand for t in templates for cand in expand(t)})
