"""Model and façade: the model's objective agrees with the independent scorer, small cases
reach their brute-force optimum, and the benchmark's easy instances reach their reference."""

from __future__ import annotations

import itertools
import random
from fractions import Fraction

import pytest
from ortools.sat.python import cp_model

from optimizer.progress import CancelToken, Progress
from optimizer.shiftdesign.flexible import FlexibleTemplate
from optimizer.shiftdesign.model import build_model
from optimizer.shiftdesign.problem import DesignedShift, DesignWeights, ShiftDesignInstance
from optimizer.shiftdesign.scoring import score
from optimizer.shiftdesign.solve import solution_document, solve
from optimizer.shiftdesign.tuwien import read_instance
from tests.optimizer.shiftdesign.tuwien_files import ROOT, needs_data, planted_solution


def _fixed_model_objective(instance: ShiftDesignInstance, shifts: list[DesignedShift]) -> Fraction:
    """The model's objective with the workers pinned to ``shifts`` (deviation left to CP-SAT)."""
    candidates = instance.candidates()
    model, v = build_model(instance, candidates)
    given = {(s.start_minute, s.length_minutes): s.workers for s in shifts}
    for cand, row in zip(candidates, v.workers):
        for day, x in enumerate(row):
            model.add(x == given.get(cand, (0,) * instance.days)[day])
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 20
    assert solver.solve(model) == cp_model.OPTIMAL
    return Fraction(round(solver.objective_value), v.objective_scale)


@needs_data
@pytest.mark.parametrize("name", ["DataSet1/RandomExample1", "DataSet2/RandomExample2"])
def test_model_objective_of_the_planted_solution_equals_scorer_and_file(name: str) -> None:
    path = ROOT / f"{name}.txt"
    value, shifts = planted_solution(path)  # test-only: see tuwien_files
    instance = read_instance(path)
    assert _fixed_model_objective(instance, shifts) == score(instance, shifts).objective == value


@needs_data
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_model_objective_equals_scorer_on_random_schedules(seed: int) -> None:
    instance = read_instance(ROOT / "DataSet2" / "RandomExample1.txt")  # duties weight 0: exact
    rng = random.Random(seed)
    candidates = rng.sample(instance.candidates(), 6)
    shifts = [DesignedShift(s, length, tuple(rng.randint(0, 4) for _ in range(7))) for s, length in candidates]
    assert _fixed_model_objective(instance, shifts) == score(instance, shifts).objective


def _tiny(seed: int, cyclic: bool) -> ShiftDesignInstance:
    rng = random.Random(seed)
    demand = [0] * 24
    for hour in range(5, 17):
        demand[hour] = rng.randint(0, 3)
    return ShiftDesignInstance(
        name=f"tiny{seed}", slot_minutes=60, days=1, cyclic=cyclic, requirements=tuple(demand),
        templates=(FlexibleTemplate("A", 300, 480, 60, 240, 300, 60),),  # 4 starts x 2 lengths
        weights=DesignWeights(under=1, over=1, per_shift=60, duties_per_week=0),
    )


def _brute_force(instance: ShiftDesignInstance, max_workers: int = 3) -> int:
    """Optimum by enumeration, counting slot by slot (a third, deliberately naive, implementation)."""
    cands = instance.candidates()
    best = None
    for counts in itertools.product(range(max_workers + 1), repeat=len(cands)):
        cover = [0] * 24
        for (start, length), n in zip(cands, counts):
            for hour in range(start // 60, (start + length) // 60):
                if hour < 24 or instance.cyclic:
                    cover[hour % 24] += n
        dev = sum(abs(c - d) for c, d in zip(cover, instance.requirements)) * 60
        cost = dev + 60 * sum(1 for n in counts if n)
        best = cost if best is None else min(best, cost)
    return best


@pytest.mark.parametrize("seed, cyclic", [(0, True), (1, False), (2, True), (3, False)])
def test_small_cases_reach_the_brute_force_optimum(seed: int, cyclic: bool) -> None:
    instance = _tiny(seed, cyclic)
    assert max(instance.requirements) <= 3  # so 0..3 workers per shift covers every optimum
    result = solve(instance, time_limit=10, num_workers=2)
    assert result.status == "OPTIMAL"
    assert result.objective == _brute_force(instance)
    assert result.objective == score(instance, result.shifts).objective


def test_duties_range_steers_towards_longer_shifts() -> None:
    """Same coverage from two 4-hour shifts or one 8-hour shift; at 40 h/week the 4-hour
    pattern means 10 duties per employee and week, outside [3, 5], so 8 hours win."""
    demand = ([0] * 8 + [1] * 8 + [0] * 8) * 7
    instance = ShiftDesignInstance(
        name="duties", slot_minutes=60, days=7, cyclic=True, requirements=tuple(demand),
        templates=(FlexibleTemplate("short", 480, 720, 240, 240, 240, 60), FlexibleTemplate.fixed("long", 480, 480)),
        weights=DesignWeights(under=1, over=1, per_shift=0, duties_per_week=1000),
        duties_low=Fraction(3), duties_high=Fraction(5), hours_per_week=Fraction(40),
    )
    result = solve(instance, time_limit=10)
    assert result.objective == 0
    assert [(s.start_minute, s.length_minutes, s.workers) for s in result.shifts] == [(480, 480, (1,) * 7)]


def test_progress_and_cancellation() -> None:
    seen: list[Progress] = []
    token = CancelToken()
    token.cancel()
    result = solve(_tiny(5, True), time_limit=30, progress=seen.append, cancel=token)
    assert result.cancelled and result.runtime < 30
    assert seen[-1].fraction == 1.0 and seen[-1].stage == "shift-design"
    # still a valid schedule (at worst the empty one), scored like any other
    assert result.objective == score(_tiny(5, True), result.shifts).objective


@needs_data
@pytest.mark.parametrize("name, reference", [("DataSet1/RandomExample1", 480), ("DataSet2/RandomExample20", 960)])
def test_easy_benchmark_instances_reach_their_reference(name: str, reference: int) -> None:
    instance = read_instance(ROOT / f"{name}.txt")
    result = solve(instance, time_limit=10)
    assert result.objective is not None and result.objective <= reference
    doc = solution_document(result)
    assert doc["instance"] == name and doc["objective"] == result.objective
    rescored = score(instance, [DesignedShift(int(s["start"][:2]) * 60 + int(s["start"][3:]), s["length_minutes"],
                                              tuple(s["workers"])) for s in doc["shifts"]])
    assert rescored.objective == result.objective
    assert result.bound is not None and result.bound <= result.objective + 1e-6
