"""Pattern (column-generation) relaxation: the bound is a true lower bound, the master
roster is valid and priced right, and the strategy falls back where it does not apply."""

from __future__ import annotations

import random

import pytest
from roster_factories import small_problem

from optimizer.roster.nrp import DAY0, Instance, Staff, check_solution, read_instance, solve_instance, to_problem
from optimizer.roster.patterns import (ColumnGeneration, Dive, complete_pins, not_decomposable, pattern_bound,
                                       restricted_master)
from optimizer.roster.problem import Problem
from optimizer.roster.solve import solve

from tests.shared_data import SHARED_ROOT, needs

INSTANCES = SHARED_ROOT / "benchmarks" / "rostering" / "curtois-nrp"
needs_data = needs(INSTANCES / "Instance1.txt")


def tiny_instance(seed: int) -> Instance:
    """A random Curtois-style instance small enough for CP-SAT to prove its optimum."""
    rng = random.Random(seed)
    shifts = {"E": (480, ()), "L": (480, ("E",))}
    staff = [Staff(f"S{k}", {"E": 14, "L": rng.choice([0, 7, 14])}, 480 * rng.randint(7, 10),
                   480 * rng.randint(4, 6), rng.randint(3, 5), rng.randint(1, 2), rng.randint(1, 2), 1)
             for k in range(4)]
    inst = Instance(f"tiny{seed}", 14, shifts, staff)
    for st in staff:
        inst.days_off[st.id] = {rng.randrange(14)}
    for _ in range(10):
        inst.on_requests.append((rng.choice(staff).id, rng.randrange(14), rng.choice("EL"), rng.randint(1, 3)))
        inst.off_requests.append((rng.choice(staff).id, rng.randrange(14), rng.choice("EL"), rng.randint(1, 3)))
    for d in range(14):
        for s in shifts:
            inst.cover.append((d, s, rng.randint(0, 2), 100, 1))
    return inst


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_bound_never_exceeds_the_proven_optimum(seed: int) -> None:
    inst = tiny_instance(seed)
    problem = to_problem(inst)
    exact = solve(problem, time_limit=60, strategy="cp-sat")
    assert exact.status == "OPTIMAL"
    pb = pattern_bound(problem, time_limit=60)
    assert pb is not None and pb.converged and pb.bound is not None
    assert pb.bound <= exact.objective
    # converged: the Lagrangian bound meets the LP value (both rounded up)
    assert pb.bound >= pb.lp_value - 1e-6


@pytest.mark.parametrize("seed", [1, 4])
def test_master_roster_is_valid_and_priced_like_the_checker(seed: int) -> None:
    inst = tiny_instance(seed)
    problem = to_problem(inst)
    cg = ColumnGeneration(problem)
    pb = cg.run(60)
    found = restricted_master(problem, pb.columns, time_limit=30)
    assert found is not None
    roster, objective = found
    assert_checked(inst, [(a.agent_id, (a.date - DAY0).days, a.shift_code) for a in roster], objective, pb.bound)


def dived_instance(seed: int) -> tuple[Instance, Problem, int, Dive]:
    """A random instance, its pattern bound and a dive after column generation."""
    inst = tiny_instance(seed)
    problem = to_problem(inst)
    cg = ColumnGeneration(problem)
    bound = cg.run(60).bound
    dived = cg.dive(60, seed=seed)
    assert dived is not None and bound is not None
    return inst, problem, bound, dived


def assert_checked(inst: Instance, triples: list[tuple[str, int, str]], objective: float, bound: int) -> None:
    """The benchmark's own checker accepts the roster at the objective the engine claims."""
    errors, obj = check_solution(inst, triples)
    assert errors == []
    assert obj == round(objective)
    assert obj >= bound


@pytest.mark.parametrize("seed", [2, 5])
def test_dive_roster_is_valid_and_priced_like_the_checker(seed: int) -> None:
    inst, problem, bound, dived = dived_instance(seed)
    assert sorted(c.agent for c in dived.columns) == list(range(len(problem.agents)))
    triples = [(problem.agents[c.agent].id, d, s) for c in dived.columns for d, s in c.shifts]
    assert_checked(inst, triples, dived.objective, bound)
    # the pins agree with the roster the dive ended on (pins are only ever added)
    worked = {(c.agent, d): s for c in dived.columns for d, s in c.shifts}
    for a, pins in dived.pins.items():
        for d, s in pins.items():
            assert worked.get((a, d)) == s


def scarce_nights() -> Instance:
    """Three agents who may each work two nights in two weeks, against one night shift
    wanted every day: nights are the scarce resource, day shifts are wanted by nobody."""
    shifts = {"D": (480, ()), "N": (480, ("D",))}
    staff = [Staff(f"S{k}", {"D": 14, "N": 2}, 480 * 10, 480 * 5, 5, 1, 1, 2) for k in range(3)]
    inst = Instance("nights", 14, shifts, staff)
    for d in range(14):
        inst.cover.append((d, "N", 1, 100, 1))
        inst.cover.append((d, "D", 0, 100, 1))
    inst.on_requests.append(("S0", 3, "D", 2))
    inst.off_requests.append(("S1", 5, "N", 1))
    return inst


def test_scarce_rows_are_the_ones_the_lp_leaves_short() -> None:
    """The dive pins shifts on rows priced at their full under-cover weight first: here
    the night rows (six nights for fourteen), never the over-covered day rows."""
    problem = to_problem(scarce_nights())
    cg = ColumnGeneration(problem)
    assert cg.run(30).converged
    cg.lp.Solve()
    scarce = cg._scarce(cg._box([c.dual_value() for c in cg.cover]))
    assert {s for _, s in scarce} == {"N"}
    assert len(scarce) >= 14 - 6


def test_dive_works_every_night_the_agents_may() -> None:
    inst = scarce_nights()
    problem = to_problem(inst)
    cg = ColumnGeneration(problem)
    bound = cg.run(30).bound
    dived = cg.dive(30)
    assert dived is not None and bound is not None
    triples = [(problem.agents[c.agent].id, d, s) for c in dived.columns for d, s in c.shifts]
    assert_checked(inst, triples, dived.objective, bound)
    assert sum(1 for _, _, s in triples if s == "N") == 6


@pytest.mark.parametrize("seed", range(4))
def test_search_around_pins_keeps_them_and_every_rule(seed: int) -> None:
    """``complete_pins`` searches the engine's model with the pins fixed: its roster keeps
    every pin, passes the instance's checker, and scores what the engine says."""
    inst, problem, bound, dived = dived_instance(seed)
    # pin the dive's first week (shifts and days off) for every other agent
    on = {(c.agent, d): s for c in dived.columns for d, s in c.shifts}
    pins = {a: {d: on.get((a, d)) for d in range(7)} for a in range(0, len(problem.agents), 2)}
    done = complete_pins(problem, pins, None, time_limit=20)
    assert done is not None
    roster, objective = done
    triples = [(s.agent_id, (s.date - DAY0).days, s.shift_code) for s in roster]
    assert_checked(inst, triples, objective, bound)
    ids = {a.id: i for i, a in enumerate(problem.agents)}
    worked = {(ids[e], d): s for e, d, s in triples}
    for a, pinned in pins.items():
        for d, s in pinned.items():
            assert worked.get((a, d)) == s


def test_not_decomposable_says_why_and_solve_falls_back() -> None:
    problem = small_problem(n_agents=3, days=3)
    assert not_decomposable(problem) is not None
    assert pattern_bound(problem, time_limit=5) is None
    result = solve(problem, time_limit=5, strategy="patterns")
    assert result.feasible


@needs_data
def test_instance1_bound_and_roster() -> None:
    inst = read_instance(INSTANCES / "Instance1.txt")
    problem = to_problem(inst)
    assert not_decomposable(problem) is None
    pb = pattern_bound(problem, time_limit=60)
    assert pb is not None and pb.converged
    # optimum 607 (proved by the engine); the pattern LP gives 558 (observed)
    assert 500 <= pb.bound <= 607
    sol = solve_instance(inst, time_limit=10, strategy="patterns")
    assert sol.errors == []
    assert sol.bound is not None and pb.bound <= sol.bound <= sol.objective
