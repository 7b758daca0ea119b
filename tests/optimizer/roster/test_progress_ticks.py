"""A long search for the first roster still reports the clock, so progress bars move."""

from __future__ import annotations

from optimizer.progress import NEVER_CANCELLED, Progress
from optimizer.roster.solve import _Reporter


def test_tick_reports_elapsed_and_time_left_before_any_solution() -> None:
    seen: list[Progress] = []
    reporter = _Reporter(seen.append, NEVER_CANCELLED, 60.0, "roster")
    reporter.tick()
    assert len(seen) == 1
    p = seen[0]
    assert p.solutions == 0 and p.objective is None and p.time_limit == 60.0
    assert 0.0 <= p.elapsed < 5.0 and p.time_left is not None and p.time_left > 55.0
    assert "first roster" in p.message


def test_tick_keeps_the_last_incumbent_figures() -> None:
    seen: list[Progress] = []
    reporter = _Reporter(seen.append, NEVER_CANCELLED, 30.0, "roster")
    reporter.solutions, reporter.last_objective, reporter.last_bound = 3, 120.0, 100.0
    reporter.tick()
    assert (seen[0].solutions, seen[0].objective, seen[0].bound) == (3, 120.0, 100.0)
