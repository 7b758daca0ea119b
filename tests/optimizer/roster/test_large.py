"""The large-center path: profile blocks, a valid merged roster, a true lower bound."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import pytest

from optimizer.roster.generate import contact_center
from optimizer.roster.large import blocks_by_profile, coverage_bound, estimate_coverage, solve_large
from optimizer.roster.scenario import roster_rows
from optimizer.roster.solve import solve
from optimizer.roster.validator import validate


@pytest.fixture(scope="module")
def center():
    return contact_center(36, 3, 7, 60, start=date(2026, 3, 16), seed=3, load=0.9)


@pytest.fixture(scope="module")
def large_result(center):
    return solve(center, time_limit=15, num_workers=2, strategy="decompose")


def test_blocks_cover_every_agent_once(center) -> None:
    blocks = blocks_by_profile(center, size=10)
    ids = [a for b in blocks for a in b]
    assert sorted(ids) == sorted(a.id for a in center.agents)
    assert all(len(b) <= 10 for b in blocks)
    assert all(center.agent(a).supervisor for a in blocks[0])
    for b in blocks:  # one skill profile per block
        assert len({(tuple(sorted(center.agent(a).skills)), center.agent(a).supervisor) for a in b}) == 1


def test_decomposed_roster_is_valid(center, large_result) -> None:
    assert large_result.feasible
    assert validate(center, roster_rows(large_result, center.timezone)) == []
    assert large_result.stats["blocks"] >= 2
    assert large_result.stats["first_roster_seconds"] <= large_result.runtime


def test_coverage_rows_match_the_roster(center, large_result) -> None:
    """Merged coverage = on-phone agents of the merged roster, interval by interval."""
    est = estimate_coverage(center, large_result.assignments)
    per_interval = defaultdict(int)
    for row in est:
        per_interval[row.start] += row.scheduled
    merged = defaultdict(int)
    for row in large_result.coverage:
        merged[row.start] += row.scheduled
    assert dict(merged) == {k: v for k, v in per_interval.items() if v or k in merged}


def test_bound_is_below_every_roster(center, large_result) -> None:
    lb = coverage_bound(center)
    assert lb is not None and lb >= 0
    mono = solve(center, time_limit=8, num_workers=2, strategy="cp-sat", explain=False)
    for res in (large_result, mono):
        if res.feasible:
            assert sum(res.under_minutes().values()) >= lb - 1e-6
    assert large_result.stats["bound_under_agent_minutes"] == pytest.approx(lb)


def test_bound_detects_impossible_coverage() -> None:
    """With almost no agents the bound must be close to the whole requirement."""
    p = contact_center(9, 2, 7, 60, seed=1, load=3.0, extras=False)
    lb = coverage_bound(p)
    total = sum(r.agents for r in p.requirements) * p.interval_minutes
    assert 0 < lb <= total
