"""Pure training computations: grading, validity dates, reminder thresholds, item
analysis, before/after comparison."""

from __future__ import annotations

from datetime import date

import pytest

from training.pure.dates import add_months, certification_expiry, reminder_threshold
from training.pure.evaluation import before_after
from training.pure.grading import AnswerScore, attempt_score, score_answer, score_choice_answer
from training.pure.item_analysis import item_statistics, score_histogram


def test_multiple_choice_is_all_or_nothing() -> None:
    assert score_choice_answer("multiple", {1, 2}, [1, 2], 2.0).points == 2.0
    assert score_choice_answer("multiple", {1, 2}, [1], 2.0).points == 0.0
    assert score_choice_answer("multiple", {1, 2}, [1, 2, 3], 2.0).points == 0.0  # ticking everything never pays
    assert score_choice_answer("single", {1}, [1, 2], 1.0).points == 0.0
    assert score_choice_answer("true_false", {7}, [7], 1.0).points == 1.0
    assert score_choice_answer("single", {1}, [], 1.0).points == 0.0
    assert score_answer("short_text", set(), [], 2.0).needs_grading


def test_attempt_score_waits_for_manual_grading_and_passes_at_the_mark() -> None:
    pending = attempt_score([AnswerScore(1.0, 1.0), AnswerScore(None, 2.0)], 0.5)
    assert pending.score is None and pending.passed is None and pending.pending == 1
    exact = attempt_score([AnswerScore(1.0, 1.0)] * 8 + [AnswerScore(0.0, 1.0)] * 2, 0.8)
    assert exact.score == pytest.approx(0.8) and exact.passed
    below = attempt_score([AnswerScore(1.0, 1.0)] * 7 + [AnswerScore(0.0, 1.0)] * 3, 0.8)
    assert not below.passed
    with pytest.raises(ValueError):
        attempt_score([], 1.5)


def test_validity_period_and_month_ends() -> None:
    assert certification_expiry(date(2026, 3, 15), 12) == date(2027, 3, 14)
    assert certification_expiry(date(2026, 1, 31), 1) == date(2026, 2, 27)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert certification_expiry(date(2026, 3, 15), None) is None
    with pytest.raises(ValueError):
        certification_expiry(date(2026, 3, 15), 0)


def test_reminder_threshold() -> None:
    assert reminder_threshold(25, (30, 7)) == 30
    assert reminder_threshold(7, (30, 7)) == 7
    assert reminder_threshold(3, (30, 7)) == 7
    assert reminder_threshold(31, (30, 7)) is None
    assert reminder_threshold(-1, (30, 7)) is None


def test_item_analysis_flags_a_miskeyed_item() -> None:
    # 20 candidates of rising ability: items 1-3 follow ability; item 4 is answered
    # right by the weak and wrong by the strong (a wrong key): negative discrimination.
    attempts = []
    for k in range(20):
        strong = k >= 10
        attempts.append({1: 1.0 if k >= 4 else 0.0, 2: 1.0 if k >= 8 else 0.0, 3: 1.0 if k >= 12 else 0.0,
                         4: 0.0 if strong else 1.0})
    stats = {s.question_id: s for s in item_statistics(attempts, {1: 1, 2: 1, 3: 1, 4: 1, 5: 1})}
    assert stats[1].difficulty == pytest.approx(0.8)
    assert stats[2].discrimination > 0.3 and stats[2].upper_lower > 0.5
    assert stats[4].discrimination < 0 and stats[4].flag == "poor"
    assert stats[5].responses == 0 and stats[5].difficulty is None and stats[5].flag == "few"


def test_histogram_bins() -> None:
    assert score_histogram([0.0, 0.05, 0.8, 0.99, 1.0], 10) == [2, 0, 0, 0, 0, 0, 0, 0, 1, 2]


def test_before_after_compares_the_same_agents() -> None:
    weeks = {1: {date(2026, 2, 2): {"qa_score": 70.0, "csat": None, "fcr": 60.0},
                 date(2026, 3, 16): {"qa_score": 80.0, "csat": 90.0, "fcr": None}},
             2: {date(2026, 3, 16): {"qa_score": 95.0, "csat": None, "fcr": None}}}  # no "before": left out
    out = {b.figure: b for b in before_after({1: date(2026, 3, 4), 2: date(2026, 3, 4)}, weeks, weeks=8)}
    assert out["qa_score"].agents == 1 and out["qa_score"].delta == pytest.approx(10.0)
    assert out["csat"].agents == 0 and out["csat"].delta is None
