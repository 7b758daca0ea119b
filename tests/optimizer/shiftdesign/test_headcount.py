"""Head counts per (day, shift) against interval demand (pyworkforce's problem): the
conversion to a shift-design instance, the head-count caps, and the contact-center bench's
independent scorer, on cases whose optimum is known by hand or by enumeration."""

from __future__ import annotations

import importlib.util
import itertools
import random
import time
from pathlib import Path

import numpy as np
import pytest

from optimizer.shiftdesign import headcount
from optimizer.shiftdesign.flexible import FlexibleTemplate
from optimizer.shiftdesign.local import LocalSearch
from optimizer.shiftdesign.problem import DesignedShift, DesignWeights, ShiftDesignInstance
from optimizer.shiftdesign.scoring import cap_violations, score
from optimizer.shiftdesign.solve import solve

BENCH = Path(__file__).resolve().parents[3] / "bench" / "contact_center.py"

# One day of four 6-hour periods; three 2-period shifts overlapping like roof tiles.
SHIFTS = {"A": [1, 1, 0, 0], "B": [0, 1, 1, 0], "C": [0, 0, 1, 1]}
REQUIRED = [[1, 2, 2, 1]]


def _bench():
    spec = importlib.util.spec_from_file_location("contact_center_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _problem(max_period: int, max_shift: int = 5) -> headcount.HeadcountProblem:
    return headcount.HeadcountProblem(4, SHIFTS, REQUIRED, max_period, max_shift)


def test_conversion_maps_rows_to_intervals_and_keeps_caps() -> None:
    instance, names = headcount.to_instance(_problem(max_period=7, max_shift=3))
    assert names == {(0, 720): "A", (360, 720): "B", (720, 720): "C"}
    assert instance.slot_minutes == 360 and instance.days == 1 and not instance.cyclic
    assert instance.requirements == (1, 2, 2, 1)
    assert instance.max_cover == 7 and instance.max_workers == 3
    assert instance.weights == DesignWeights(under=1, over=1, per_shift=0, duties_per_week=0)
    assert sorted(instance.candidates()) == sorted(names)


def test_conversion_refuses_a_shift_with_a_gap() -> None:
    problem = headcount.HeadcountProblem(4, {"split": [1, 0, 1, 0]}, REQUIRED, 5, 5)
    with pytest.raises(ValueError, match="'split'.*gap"):
        headcount.to_instance(problem)


def test_bench_scorer_on_hand_computed_plans() -> None:
    bench = _bench()
    # A + B + C covers 1, 2, 2, 1 exactly
    exact = bench.coverage_score(REQUIRED, SHIFTS, {(0, "A"): 1, (0, "B"): 1, (0, "C"): 1}, 5, 5)
    assert exact == {"absdiff": 0, "under": 0, "over": 0, "heads": 3, "cap_violations": 0}
    # the same plan with one seat per period breaks that cap in periods 1 and 2
    assert bench.coverage_score(REQUIRED, SHIFTS, {(0, "A"): 1, (0, "B"): 1, (0, "C"): 1}, 1, 5)["cap_violations"] == 2
    # A + C covers 1, 1, 1, 1: two periods one short; 2 x B covers 0, 2, 2, 0 and breaks max_shift=1
    assert bench.coverage_score(REQUIRED, SHIFTS, {(0, "A"): 1, (0, "C"): 1}, 1, 5) == {
        "absdiff": 2, "under": 2, "over": 0, "heads": 2, "cap_violations": 0}
    assert bench.coverage_score(REQUIRED, SHIFTS, {(0, "B"): 2}, 5, 1) == {
        "absdiff": 2, "under": 2, "over": 0, "heads": 2, "cap_violations": 1}
    # surplus counts as much as shortage
    assert bench.coverage_score(REQUIRED, SHIFTS, {(0, "A"): 3}, 5, 5)["absdiff"] == 2 + 1 + 2 + 1


@pytest.mark.parametrize("max_period, optimum, plan", [
    (5, 0, {(0, "A"): 1, (0, "B"): 1, (0, "C"): 1}),  # exact cover
    (1, 2, {(0, "A"): 1, (0, "C"): 1}),               # one seat: periods 1 and 2 stay one short
])
def test_engine_reaches_the_hand_optimum_through_the_bench(max_period: int, optimum: int, plan: dict) -> None:
    bench = _bench()
    scenario = {"name": "tiny", "periods": 4, "shifts": SHIFTS, "required": REQUIRED,
                "max_period": max_period, "max_shift": 5}
    result = bench.run_ours(scenario, time_limit=5, cover_first=False)
    assert result["status"] == "OPTIMAL"
    assert (result["absdiff"], result["cap_violations"]) == (optimum, 0)
    instance, names = headcount.to_instance(_problem(max_period))
    assert headcount.plan(solve(instance, time_limit=5).shifts, names) == plan


def test_cover_first_weighting_covers_all_demand_then_minimises_excess() -> None:
    bench = _bench()
    shifts = {"long": [1, 1, 1, 1], **SHIFTS}
    scenario = {"name": "tiny", "periods": 4, "shifts": shifts, "required": [[1, 1, 2, 1]],
                "max_period": 5, "max_shift": 5}
    # no shift covers period 2 alone, so a full cover has one surplus agent-period at least
    # (long + B, long + C, A + B + C); |diff| alone would accept one long shift (one short)
    cover = bench.run_ours(scenario, time_limit=5, cover_first=True)
    assert (cover["under"], cover["over"]) == (0, 1)


def _capped(seed: int) -> ShiftDesignInstance:
    rng = random.Random(seed)
    demand = [0] * 24
    for hour in range(5, 17):
        demand[hour] = rng.randint(0, 4)
    return ShiftDesignInstance(
        name=f"capped{seed}", slot_minutes=60, days=1, cyclic=False, requirements=tuple(demand),
        templates=(FlexibleTemplate("A", 300, 480, 60, 240, 300, 60),),  # 4 starts x 2 lengths
        weights=DesignWeights(under=1, over=1, per_shift=60, duties_per_week=0),
        max_workers=2, max_cover=3,
    )


def _capped_brute_force(instance: ShiftDesignInstance) -> int:
    """Optimum by enumeration of 0..max_workers per shift, skipping plans over max_cover."""
    best = None
    cands = instance.candidates()
    for counts in itertools.product(range(instance.max_workers + 1), repeat=len(cands)):
        cover = [0] * 24
        for (start, length), n in zip(cands, counts):
            for hour in range(start // 60, min(24, (start + length) // 60)):
                cover[hour] += n
        if max(cover) > instance.max_cover:
            continue
        cost = 60 * sum(abs(c - d) for c, d in zip(cover, instance.requirements)) + 60 * sum(1 for n in counts if n)
        best = cost if best is None else min(best, cost)
    return best


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_caps_hold_and_the_capped_optimum_is_reached(seed: int) -> None:
    instance = _capped(seed)
    result = solve(instance, time_limit=10)
    assert cap_violations(instance, result.shifts) == []
    assert result.objective == _capped_brute_force(instance)


@pytest.mark.parametrize("seed", [0, 1])
def test_local_search_never_leaves_the_caps(seed: int) -> None:
    instance = _capped(seed)
    ls = LocalSearch(instance, instance.candidates())
    # from nothing, the greedy adds would overfill the peaks without the caps
    x, cost = ls.run(np.zeros(ls.K, dtype=np.int64), deadline=time.monotonic() + 1, seed=seed)
    shifts = _as_shifts(ls, x)
    assert cap_violations(instance, shifts) == []
    assert score(instance, shifts).objective == cost


def _as_shifts(ls: LocalSearch, x: np.ndarray) -> list[DesignedShift]:
    out = []
    for c, (start, length) in enumerate(ls.candidates):
        counts = tuple(int(v) for v in x[c * ls.days:(c + 1) * ls.days])
        if any(counts):
            out.append(DesignedShift(start, length, counts))
    return out
