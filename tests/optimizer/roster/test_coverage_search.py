"""Center-wide coverage search (``optimizer.roster.coverage_search``) and its use in the
large-center pipeline."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pytest

from optimizer.roster.coverage_search import _Coverage, improve_coverage
from optimizer.roster.generate import contact_center
from optimizer.roster.large import _coverage_cost, place_breaks, solve_large
from optimizer.roster.problem import Assignment, Problem
from optimizer.roster.result import RosterResult
from optimizer.roster.scenario import roster_rows
from optimizer.roster.solve import solve
from optimizer.roster.validator import validate


@pytest.fixture(scope="module")
def center() -> Problem:
    return contact_center(40, 3, 7, 60, start=date(2026, 3, 16), seed=4, load=0.9)


def _valid(problem: Problem, shifts: list[Assignment]) -> tuple:
    """Breaks placed for the center, then the independent validator: (roster, coverage)."""
    placed = place_breaks(problem, shifts, time_limit=10)
    assert placed is not None
    roster, coverage = placed
    assert validate(problem, roster_rows(RosterResult("FEASIBLE", 0, None, 0, problem.interval_minutes, roster,
                                                      coverage), problem.timezone)) == []
    return roster, coverage


def test_pairs_fill_the_larger_shortfall_first() -> None:
    """A two-skilled agent goes where the shortfall is (the split a model would make)."""
    p = contact_center(30, 2, 1, 60, seed=0, supervisors=0, extras=False)
    cov = _Coverage(p)
    pair = cov.skills.index((0, 1))
    cov.need[:, :] = 0
    cov.need[0, 0], cov.need[1, 0] = 3, 1
    supply = np.zeros_like(cov.supply)
    supply[pair, 0] = 3
    short, over = cov.fill(supply)
    assert short[:, 0].sum() == pytest.approx(1.0)  # 4 needed, 3 given: one short in all
    assert short[0, 0] == pytest.approx(0.5) and short[1, 0] == pytest.approx(0.5)
    supply[pair, 0] = 6
    short, over = cov.fill(supply)
    assert short[:, 0].sum() == 0 and over[0] == pytest.approx(2.0)


def test_search_keeps_every_rule_and_covers_better(center) -> None:
    """From a roster built without coverage in view, the search lowers the coverage cost
    (its own count, and the exact one after breaks are placed), keeps the supervisors'
    shifts (the rule that couples agents), and every rule holds."""
    blind = solve(replace(center, requirements=()), time_limit=10, num_workers=2, strategy="cp-sat",
                  explain=False)
    assert blind.feasible
    start = [Assignment(s.agent_id, s.date, s.shift_code) for s in blind.assignments]
    ticks: list = []
    found = improve_coverage(center, start, time_limit=6.0, seed=0, progress=ticks.append)
    new = found.roster
    assert ticks and all(0 < t.elapsed <= 6.5 and "coverage search" in t.message for t in ticks)
    assert found.cost_after < found.cost_before and found.accepted > 0
    sups = {a.id for a in center.agents if a.supervisor}
    assert {x for x in new if x.agent_id in sups} == {x for x in start if x.agent_id in sups}
    _, cov_start = _valid(center, start)
    _, cov_new = _valid(center, new)
    assert _coverage_cost(center, cov_new) < _coverage_cost(center, cov_start)


def test_pipeline_runs_the_search_and_stays_valid() -> None:
    """Given the time, ``solve_large`` runs the search after the guided pass; the roster
    it returns passes the validator and its under-coverage is the roster's own."""
    p = contact_center(60, 3, 7, 60, start=date(2026, 3, 16), seed=6, load=0.9)
    res = solve_large(p, time_limit=40, num_workers=2, block_size=20)
    assert res.feasible
    assert res.stats["coverage_search_seconds"] > 0 and res.stats["coverage_search_steps"] > 0
    assert validate(p, roster_rows(res, p.timezone)) == []
    assert all(s.end - s.start == timedelta(minutes=p.template(s.shift_code).length_minutes)
               for s in res.assignments)
