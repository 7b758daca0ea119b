"""The phased path: a first roster on aggregated cover, then the exact model from it."""

from __future__ import annotations

from datetime import date

import pytest
from ortools.sat.python import cp_model

from optimizer.roster.generate import contact_center
from optimizer.roster.phased import coarse_model, first_roster, wants_phases
from optimizer.roster.problem import Problem
from optimizer.roster.scenario import roster_rows
from optimizer.roster.solve import solve
from optimizer.roster.validator import validate


@pytest.fixture(scope="module")
def team() -> Problem:
    return contact_center(16, 2, 7, 60, start=date(2026, 3, 16), seed=3, supervisors=10, load=0.9)


def test_phase_one_keeps_every_hard_rule(team) -> None:
    status, shifts = first_roster(team, time_limit=6, num_workers=2)
    assert status == "FEASIBLE" and shifts
    # phase one's shifts alone, breaks placed by the exact model, pass the validator
    result = solve(team, time_limit=6, num_workers=2, strategy="cp-sat", hint=shifts, explain=False)
    assert result.feasible
    assert validate(team, roster_rows(result, team.timezone)) == []


def test_coarse_model_prices_hourly_cover(team) -> None:
    rv = coarse_model(team)
    rules = {t.rule for t in rv.soft}
    assert "coarse_under" in rules and "under_coverage" not in rules
    assert rv.model.has_objective()
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = 6
    solver.parameters.num_workers = 2
    assert solver.solve(rv.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)


def test_phased_solve_returns_a_valid_roster(team) -> None:
    result = solve(team, time_limit=8, num_workers=2, strategy="phased")
    assert result.feasible
    assert validate(team, roster_rows(result, team.timezone)) == []
    assert result.bound is None or result.bound <= result.objective


def test_auto_uses_phases_only_for_team_sized_problems(team) -> None:
    assert not wants_phases(team)  # 16 agents x 7 days x 10 templates < threshold
    assert wants_phases(contact_center(30, 2, 14, 60, seed=0))
