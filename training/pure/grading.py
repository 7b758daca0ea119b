"""Grading rules, applied on the server only.

Choice questions are scored all-or-nothing: a multiple-choice answer earns its points
only when the chosen set equals the key exactly.  Partial credit would reward ticking
every box, which is the wrong habit in compliance questions ("which of these are AML red
flags?").  Short-text answers cannot be scored by a machine: they stay ungraded until a
trainer awards points, and the attempt's score waits for them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

CHOICE_KINDS = ("single", "multiple", "true_false")
MANUAL_KINDS = ("short_text",)


@dataclass(frozen=True)
class AnswerScore:
    """Points of one answer; ``points`` None means a trainer must grade it."""

    points: float | None
    max_points: float

    @property
    def needs_grading(self) -> bool:
        return self.points is None


@dataclass(frozen=True)
class AttemptScore:
    earned: float
    possible: float
    #: earned / possible, 0..1; None while any answer waits for a trainer.
    score: float | None
    passed: bool | None
    pending: int


def score_choice_answer(kind: str, key: Iterable[int], chosen: Iterable[int], points: float) -> AnswerScore:
    """All-or-nothing score of a choice answer (unknown or duplicate ids never help)."""
    if kind not in CHOICE_KINDS:
        raise ValueError(f"not a choice question kind: {kind!r}")
    key_set, chosen_set = frozenset(key), frozenset(chosen)
    if kind in ("single", "true_false") and len(chosen_set) > 1:
        return AnswerScore(0.0, points)
    return AnswerScore(points if chosen_set == key_set and key_set else 0.0, points)


def score_answer(kind: str, key: Iterable[int], chosen: Iterable[int], points: float) -> AnswerScore:
    if kind in MANUAL_KINDS:
        return AnswerScore(None, points)
    return score_choice_answer(kind, key, chosen, points)


def attempt_score(answers: Sequence[AnswerScore], pass_mark: float) -> AttemptScore:
    """Total of the answers; pass when ``earned / possible >= pass_mark``.

    The comparison allows a 1e-9 tolerance so that 8 of 10 points passes a 0.8 mark
    despite binary floating point.
    """
    if not 0.0 <= pass_mark <= 1.0:
        raise ValueError(f"pass_mark must be in [0, 1], got {pass_mark}")
    possible = sum(a.max_points for a in answers)
    pending = sum(1 for a in answers if a.needs_grading)
    earned = sum(a.points or 0.0 for a in answers)
    if pending:
        return AttemptScore(earned, possible, None, None, pending)
    score = earned / possible if possible > 0 else 0.0
    return AttemptScore(earned, possible, score, score + 1e-9 >= pass_mark, 0)


def validate_manual_points(points: float, max_points: float) -> None:
    if not 0.0 <= points <= max_points:
        raise ValueError(f"points must be between 0 and {max_points:g}")
