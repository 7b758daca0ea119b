"""Classical test theory item statistics, per question of a course's bank.

* Difficulty ``p``: share of the points earned on the item (for 0/1 items, the share
  answering correctly).  Near 1 the item is too easy to tell anyone apart; near 0 it is
  too hard or mis-keyed.
* Discrimination: the corrected item-total (point-biserial) correlation, i.e. Pearson's
  r between the item score and the total score *without this item*, so the item does not
  correlate with itself.  Above 0.3 is good, 0.2-0.3 fair, below 0.2 poor, negative
  means strong candidates get it wrong: check the key.
* The upper-lower index ``D`` (Kelley's 27 % groups) is reported alongside, because it
  is what trainers know from the classroom.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
import math


@dataclass(frozen=True)
class ItemStats:
    question_id: int
    responses: int
    difficulty: float | None
    discrimination: float | None
    upper_lower: float | None

    @property
    def flag(self) -> str:
        """``ok``, ``easy``, ``hard``, ``poor`` (low discrimination) or ``few`` (too few
        responses to judge)."""
        if self.responses < 5 or self.difficulty is None:
            return "few"
        if self.discrimination is not None and self.discrimination < 0.2:
            return "poor"
        if self.difficulty > 0.9:
            return "easy"
        if self.difficulty < 0.3:
            return "hard"
        return "ok"


def _pearson(x: Sequence[float], y: Sequence[float]) -> float | None:
    n = len(x)
    if n < 3:
        return None
    mx, my = sum(x) / n, sum(y) / n
    sxx = sum((a - mx) ** 2 for a in x)
    syy = sum((b - my) ** 2 for b in y)
    if sxx <= 0 or syy <= 0:
        return None
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y))
    return sxy / math.sqrt(sxx * syy)


def item_statistics(attempts: Sequence[Mapping[int, float]], max_points: Mapping[int, float]) -> list[ItemStats]:
    """``attempts``: per graded attempt, question id -> share earned (0..1) for the items
    it drew.  Random draws mean each item is seen by a subset of attempts; the total of an
    attempt is its mean share over the items it drew, so attempts of different lengths
    compare."""
    out: list[ItemStats] = []
    for qid in sorted(max_points):
        item: list[float] = []
        rest: list[float] = []
        totals: list[float] = []
        for att in attempts:
            if qid not in att:
                continue
            others = [v for k, v in att.items() if k != qid]
            item.append(att[qid])
            rest.append(sum(others) / len(others) if others else 0.0)
            totals.append(sum(att.values()) / len(att))
        n = len(item)
        difficulty = sum(item) / n if n else None
        discrimination = _pearson(item, rest) if n else None
        upper_lower = None
        if n >= 4:
            k = max(1, round(0.27 * n))
            order = sorted(range(n), key=lambda i: totals[i])
            low = sum(item[i] for i in order[:k]) / k
            high = sum(item[i] for i in order[-k:]) / k
            upper_lower = high - low
        out.append(ItemStats(qid, n, difficulty, discrimination, upper_lower))
    return out


def score_histogram(scores: Sequence[float], bins: int = 10) -> list[int]:
    """Counts of scores (0..1) in ``bins`` equal-width bins; 1.0 falls in the last bin."""
    counts = [0] * bins
    for s in scores:
        i = min(bins - 1, max(0, int(s * bins + 1e-9)))
        counts[i] += 1
    return counts
