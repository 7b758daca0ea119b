"""Local search: its incremental costs agree with the independent scorer, every move's
predicted change is the real change, and it never returns a worse schedule than it got."""

from __future__ import annotations

import random
import time
from fractions import Fraction

import numpy as np
import pytest

from optimizer.shiftdesign.flexible import FlexibleTemplate
from optimizer.shiftdesign.local import LocalSearch
from optimizer.shiftdesign.problem import DesignedShift, DesignWeights, ShiftDesignInstance
from optimizer.shiftdesign.scoring import score
from optimizer.shiftdesign.tuwien import read_instance
from tests.optimizer.shiftdesign.tuwien_files import ROOT, needs_data


def _instance(seed: int, cyclic: bool, duties_weight: int = 1000) -> ShiftDesignInstance:
    """A week in 60-minute slots; night shifts cross midnight (and the week's end when cyclic)."""
    rng = random.Random(seed)
    demand = tuple(rng.choice([0, 0, 1, 2, 3, 4]) for _ in range(7 * 24))
    return ShiftDesignInstance(
        name=f"week{seed}", slot_minutes=60, days=7, cyclic=cyclic, requirements=demand,
        templates=(
            FlexibleTemplate("day", 360, 600, 60, 300, 540, 60),
            FlexibleTemplate("night", 1260, 1500, 60, 360, 540, 60),
        ),
        weights=DesignWeights(under=1, over=2, per_shift=45, duties_per_week=duties_weight),
        duties_low=Fraction(4), duties_high=Fraction(5), hours_per_week=Fraction(38),
    )


def _shifts(ls: LocalSearch, x: np.ndarray) -> list[DesignedShift]:
    out = []
    for c, (start, length) in enumerate(ls.candidates):
        counts = tuple(int(v) for v in x[c * ls.days:(c + 1) * ls.days])
        if any(counts):
            out.append(DesignedShift(start, length, counts))
    return out


def _random_x(ls: LocalSearch, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.random(ls.K) < 0.08) * rng.integers(1, 4, ls.K)


@pytest.mark.parametrize("seed, cyclic", [(0, True), (1, False), (2, True), (3, False)])
def test_cost_equals_scorer(seed: int, cyclic: bool) -> None:
    instance = _instance(seed, cyclic)
    ls = LocalSearch(instance, instance.candidates())
    for trial in range(5):
        x = _random_x(ls, seed * 10 + trial)
        ls.load(x)
        assert ls.cost() == pytest.approx(float(score(instance, _shifts(ls, x)).objective), abs=1e-6)


@pytest.mark.parametrize("seed, cyclic", [(4, True), (5, False)])
def test_predicted_move_changes_are_real(seed: int, cyclic: bool) -> None:
    """Apply the best single-employee move repeatedly; each predicted delta must match the scorer."""
    instance = _instance(seed, cyclic)
    ls = LocalSearch(instance, instance.candidates())
    ls.load(_random_x(ls, seed))
    kinds = set()
    for _ in range(60):
        before = float(score(instance, _shifts(ls, ls.x)).objective)
        delta, kind, k, k2 = ls._best_entry_move()
        if not kind:
            break
        kinds.add(kind)
        if kind == "add":
            ls._change(k, 1)
        elif kind == "remove":
            ls._change(k, -1)
        else:
            ls._change(k, -1)
            ls._change(k2, 1)
        after = float(score(instance, _shifts(ls, ls.x)).objective)
        assert after - before == pytest.approx(delta, abs=1e-6)
        assert delta < 0
    assert kinds  # the random start is far from optimal: some move was made


@pytest.mark.parametrize("seed, cyclic", [(6, True), (7, False)])
def test_whole_shift_moves_are_evaluated_exactly(seed: int, cyclic: bool) -> None:
    instance = _instance(seed, cyclic)
    ls = LocalSearch(instance, instance.candidates())
    ls.load(_random_x(ls, seed))
    current = ls.cost()
    moves = ls._shift_moves()
    assert moves
    for move in random.Random(seed).sample(moves, min(20, len(moves))):
        predicted = ls._evaluate(move, current)
        saved = ls.x.copy()
        for entry, amount in move:
            ls._change(entry, amount)
        assert float(score(instance, _shifts(ls, ls.x)).objective) - current == pytest.approx(predicted, abs=1e-6)
        ls.load(saved)


@pytest.mark.parametrize("seed, cyclic", [(8, True), (9, False)])
def test_run_improves_and_reports_true_costs(seed: int, cyclic: bool) -> None:
    instance = _instance(seed, cyclic)
    ls = LocalSearch(instance, instance.candidates())
    x = _random_x(ls, seed)
    start = float(score(instance, _shifts(ls, x)).objective)
    seen: list[float] = []
    best_x, best = ls.run(x, time.monotonic() + 0.5, seed=seed, on_improve=lambda _x, cost: seen.append(cost))
    assert best == pytest.approx(float(score(instance, _shifts(ls, best_x)).objective), abs=1e-6)
    assert best < start
    assert seen and seen == sorted(seen, reverse=True) and seen[-1] == pytest.approx(best)
    assert (best_x >= 0).all()


def test_run_stops_at_the_target() -> None:
    instance = _instance(10, True, duties_weight=0)
    ls = LocalSearch(instance, instance.candidates())
    x = _random_x(ls, 10)
    t0 = time.monotonic()
    _, best = ls.run(x, t0 + 30, target=1e12)  # any schedule meets this target
    assert best < 1e12 and ls.stats.kicks == 0  # stopped after the first descent, no kicks


@needs_data
def test_benchmark_instance_costs_agree_with_scorer() -> None:
    instance = read_instance(ROOT / "DataSet1" / "RandomExample14.txt")  # 15-minute slots, duties weight 1000
    ls = LocalSearch(instance, instance.candidates())
    x = _random_x(ls, 0)
    ls.load(x)
    assert ls.cost() == pytest.approx(float(score(instance, _shifts(ls, x)).objective), abs=1e-6)
    best_x, best = ls.run(x, time.monotonic() + 0.3)
    assert best == pytest.approx(float(score(instance, _shifts(ls, best_x)).objective), abs=1e-6)


@pytest.mark.parametrize("seed, cyclic", [(0, True), (1, False), (2, True), (3, False)])
def test_reaches_the_brute_force_optimum_on_small_cases(seed: int, cyclic: bool) -> None:
    from tests.optimizer.shiftdesign.test_solve import _brute_force, _tiny

    instance = _tiny(seed, cyclic)
    ls = LocalSearch(instance, instance.candidates())
    _, best = ls.run(np.zeros(ls.K, dtype=np.int64), time.monotonic() + 0.5, seed=seed)
    assert best == _brute_force(instance)


def test_solve_with_a_local_search_after_every_dive() -> None:
    from optimizer.shiftdesign.solve import solve

    instance = _instance(11, True, duties_weight=0)  # the bound is exact only without the duties estimate
    result = solve(instance, time_limit=3, num_workers=1, local_burst=0.1)
    assert result.objective == score(instance, result.shifts).objective
    assert result.stats["local_moves"] > 0
    assert result.bound is not None and result.bound <= result.objective + 1e-6
