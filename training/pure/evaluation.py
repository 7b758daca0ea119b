"""Levels 3-4 of the evaluation: did the agents' quality figures move after a course?

For each agent who completed the course on day ``d``, the mean of each figure over the
``weeks`` weeks before ``d`` (the week of ``d`` excluded: training disrupts it) is compared
with the mean over the ``weeks`` weeks after it.  Agents lacking figures on either side
are left out of that figure, so a delta always compares the same people.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import mean

FIGURES = ("qa_score", "csat", "fcr")


@dataclass(frozen=True)
class BeforeAfter:
    figure: str
    agents: int
    before: float | None
    after: float | None

    @property
    def delta(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def before_after(completions: Mapping[int, date], weekly: Mapping[int, Mapping[date, Mapping[str, float | None]]],
                 weeks: int = 8) -> list[BeforeAfter]:
    """``completions``: agent -> completion day; ``weekly``: agent -> Monday -> figures."""
    if weeks < 1:
        raise ValueError("weeks must be >= 1")
    out = []
    for fig in FIGURES:
        befores: list[float] = []
        afters: list[float] = []
        for agent, done in completions.items():
            wk = monday(done)
            series = weekly.get(agent, {})
            pre = [v[fig] for w, v in series.items() if wk - timedelta(weeks=weeks) <= w < wk and v.get(fig) is not None]
            post = [v[fig] for w, v in series.items() if wk < w <= wk + timedelta(weeks=weeks) and v.get(fig) is not None]
            if pre and post:
                befores.append(mean(pre))  # type: ignore[arg-type]
                afters.append(mean(post))  # type: ignore[arg-type]
        out.append(BeforeAfter(fig, len(befores), mean(befores) if befores else None, mean(afters) if afters else None))
    return out
