"""Other teams' shifts taken off the requirement (team-by-team rostering)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from optimizer.roster.problem import Requirement
from optimizer.roster.residual import OnDuty, residual_requirements

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)
Q = timedelta(minutes=15)


def _need(rows):
    return {(r.start, r.queue): r.agents for r in rows}


def test_cover_is_counted_per_interval_without_breaks() -> None:
    reqs = [Requirement(T0 + k * Q, "A", 2) for k in range(4)]
    others = [OnDuty(T0, T0 + 4 * Q, ("A",), away=((T0 + Q, T0 + 2 * Q),))]
    left = _need(residual_requirements(reqs, others, 15))
    # on the phone in intervals 0, 2 and 3; on a break in interval 1
    assert left == {(T0, "A"): 1, (T0 + Q, "A"): 2, (T0 + 2 * Q, "A"): 1, (T0 + 3 * Q, "A"): 1}


def test_a_partly_worked_interval_does_not_count() -> None:
    reqs = [Requirement(T0, "A", 1), Requirement(T0 + Q, "A", 1)]
    others = [OnDuty(T0 + timedelta(minutes=5), T0 + 2 * Q, ("A",))]
    assert _need(residual_requirements(reqs, others, 15)) == {(T0, "A"): 1}


def test_multi_skilled_people_answer_where_most_needed_and_single_skilled_go_first() -> None:
    reqs = [Requirement(T0, "A", 1), Requirement(T0, "B", 2)]
    others = [OnDuty(T0, T0 + Q, ("A", "B")), OnDuty(T0, T0 + Q, ("A",))]
    # the A-only person takes A; the A+B person then answers B
    assert _need(residual_requirements(reqs, others, 15)) == {(T0, "B"): 1}


def test_met_intervals_disappear_and_surplus_is_not_negative() -> None:
    reqs = [Requirement(T0, "A", 1)]
    others = [OnDuty(T0, T0 + Q, ("A",)), OnDuty(T0, T0 + Q, ("A",)), OnDuty(T0, T0 + Q, ("C",))]
    assert residual_requirements(reqs, others, 15) == ()
    assert residual_requirements(reqs, [], 15) == tuple(reqs)


def test_supervised_spans_are_the_supervisors_shifts_without_their_breaks() -> None:
    from optimizer.roster.residual import supervised_spans

    others = [OnDuty(T0, T0 + 8 * Q, ("A",), away=((T0 + 2 * Q, T0 + 3 * Q), (T0 + 5 * Q, T0 + 7 * Q)), supervisor=True),
              OnDuty(T0, T0 + 8 * Q, ("A",))]  # not a supervisor: not counted
    assert supervised_spans(others) == ((T0, T0 + 2 * Q), (T0 + 3 * Q, T0 + 5 * Q), (T0 + 7 * Q, T0 + 8 * Q))
    # a break overhanging the shift's end leaves nothing after it
    late = [OnDuty(T0, T0 + 4 * Q, (), away=((T0 + 3 * Q, T0 + 5 * Q),), supervisor=True)]
    assert supervised_spans(late) == ((T0, T0 + 3 * Q),)
