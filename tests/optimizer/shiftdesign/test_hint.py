"""CP-SAT hints: ``model.schedule_hint`` gives every variable of the model the schedule's value.

Why it matters (docs/shift-design.md): with presolve off, CP-SAT completes a partial hint by
search before it searches at all.  The hint used to cover workers and ``used`` only; on the
15-minute TU Wien files completing it took most of each one-second template-search slice.
"""

from __future__ import annotations

import random
from fractions import Fraction

import pytest
from ortools.sat.python import cp_model

from optimizer.shiftdesign.flexible import FlexibleTemplate
from optimizer.shiftdesign.model import build_model, candidate_slots, schedule_hint
from optimizer.shiftdesign.problem import DesignedShift, DesignWeights, ShiftDesignInstance
from optimizer.shiftdesign.scoring import score


def _week(seed: int, cyclic: bool, duties: int) -> ShiftDesignInstance:
    """A week in 15-minute slots, demand a random step curve, four shift families (TU Wien-like)."""
    rng = random.Random(seed)
    demand, level = [], 10
    for _ in range(7 * 96):
        if rng.random() < 0.08:
            level = max(0, level + rng.randint(-5, 5))
        demand.append(level)
    families = [("F", 300, 480), ("T", 540, 660), ("S", 780, 900), ("N", 1260, 1380)]
    return ShiftDesignInstance(
        name=f"week{seed}", slot_minutes=15, days=7, cyclic=cyclic, requirements=tuple(demand),
        templates=tuple(FlexibleTemplate(n, a, b, 15, 420, 540, 15) for n, a, b in families),
        weights=DesignWeights(under=1, over=1, per_shift=15, duties_per_week=duties),
        duties_low=Fraction(3), duties_high=Fraction(5), hours_per_week=Fraction(77, 2),
    )


def _schedule(instance: ShiftDesignInstance, seed: int, shifts: int = 12) -> dict[tuple[int, int], tuple[int, ...]]:
    """Random counts within the model's domains (at most the largest demand during the shift)."""
    rng = random.Random(seed)
    demand = instance.requirements
    return {
        (start, length): tuple(
            rng.randint(0, max(demand[t] for t in candidate_slots(instance, start, length, day)))
            for day in range(instance.days)
        )
        for start, length in rng.sample(instance.candidates(), shifts)
    }


def _solver(**params: float) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.cp_model_presolve = False  # as in solve._cp_sat
    solver.parameters.linearization_level = 2
    for key, value in params.items():
        setattr(solver.parameters, key, value)
    return solver


@pytest.mark.parametrize("cyclic, duties", [(True, 0), (False, 0), (True, 1000)])
def test_hint_is_complete_and_is_the_best_completion_of_the_schedule(cyclic: bool, duties: int) -> None:
    instance = _week(1, cyclic, duties)
    counts = _schedule(instance, 2)
    model, v = build_model(instance, instance.candidates())
    schedule_hint(model, instance, v, counts)
    proto = model.proto
    hinted = list(proto.solution_hint.vars)
    domains = [list(var.domain) for var in proto.variables]  # (proto fields do not index from the end)
    open_vars = {i for i, domain in enumerate(domains) if domain[0] != domain[-1]}
    assert len(hinted) == len(set(hinted)) and open_vars <= set(hinted)

    # pinned to the hint the model is feasible, and no completion of these workers is cheaper
    solver = _solver(fix_variables_to_their_hinted_value=True, max_time_in_seconds=30)
    assert solver.solve(model) == cp_model.OPTIMAL
    hinted_objective = solver.objective_value
    for cand, row in zip(v.candidates, v.workers):
        for x, count in zip(row, counts.get(cand, (0,) * instance.days)):
            model.add(x == count)
    model.clear_hints()
    free = cp_model.CpSolver()  # CP-SAT's defaults: presolve settles the idle ``used`` at once
    free.parameters.num_workers = 1
    free.parameters.max_time_in_seconds = 30
    assert free.solve(model) == cp_model.OPTIMAL
    assert hinted_objective == free.objective_value
    if not duties:  # the model is exact then: the hint's objective is the scorer's
        shifts = [DesignedShift(s, length, w) for (s, length), w in counts.items()]
        assert Fraction(round(hinted_objective), v.objective_scale) == score(instance, shifts).objective


def test_hint_fits_a_model_built_on_some_candidates_only() -> None:
    # the search by template builds models on a subset of the candidates and hints them
    # with the whole schedule (whose shifts it always includes)
    instance = _week(3, True, 1000)
    counts = _schedule(instance, 4)
    subset = sorted(set(instance.candidates()[::7]) | set(counts))
    model, v = build_model(instance, subset)
    schedule_hint(model, instance, v, counts)
    solver = _solver(fix_variables_to_their_hinted_value=True, max_time_in_seconds=30)
    assert solver.solve(model) == cp_model.OPTIMAL


def test_cp_sat_starts_from_a_complete_hint_without_searching() -> None:
    """Stopped after a hundredth of a deterministic second, CP-SAT returns the hinted schedule:
    it accepts a complete hint as it loads the model.  (A hint of the workers alone returns no
    solution in that time on this model: completing it is a search.)"""
    instance = _week(5, True, 1000)
    counts = _schedule(instance, 6)
    model, v = build_model(instance, instance.candidates())
    schedule_hint(model, instance, v, counts)
    solver = _solver(max_deterministic_time=0.01)
    assert solver.solve(model) in (cp_model.FEASIBLE, cp_model.OPTIMAL)
    for cand, row in zip(v.candidates, v.workers):
        assert [solver.value(x) for x in row] == list(counts.get(cand, (0,) * instance.days))
