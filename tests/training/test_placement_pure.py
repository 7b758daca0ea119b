"""Session placement (pure): slots avoid under-covered intervals when an over-covered
alternative exists, and the projected service-level impact is reported."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from training.pure.placement import PlacementProblem, QueueDemand, evaluate_slot, propose_slots, split_weights

T0 = datetime(2026, 12, 1, tzinfo=timezone.utc)


def _problem(required: np.ndarray, on: np.ndarray, trainees, *, duration=4, capacity=12, skills=None, volume=None,
             queues=1, max_proposals=6, step=1) -> PlacementProblem:
    t = required.shape[-1]
    req = np.atleast_2d(required)
    vol = np.atleast_2d(volume) if volume is not None else req * 8.0
    qd = tuple(QueueDemand(f"Q{k}", vol[k], np.full(t, 300.0), req[k]) for k in range(queues))
    skills = skills or tuple((0,) for _ in range(on.shape[0]))
    return PlacementProblem(grid=tuple(T0 + timedelta(minutes=15 * i) for i in range(t)), interval_minutes=15,
                            queues=qd, on_duty=on, free=on.copy(), skills=skills, trainees=tuple(trainees),
                            duration_intervals=duration, capacity=capacity, max_proposals=max_proposals, start_step=step)


def test_prefers_over_covered_intervals_over_under_covered() -> None:
    # 32 intervals, 10 agents on all day.  Requirement 12 (under-covered) in the first
    # half, 6 (over-covered) in the second.
    t = 32
    req = np.array([12.0] * 16 + [6.0] * 16)
    on = np.ones((10, t), dtype=bool)
    result = propose_slots(_problem(req, on, [0, 1, 2], duration=4))
    assert result.proposals, "a slot must be proposed"
    best = result.proposals[0]
    assert best.start_index >= 16
    assert not best.under_covered_before and best.stays_covered
    assert set(best.attendees) == {0, 1, 2}


@pytest.mark.parametrize("seed", range(25))
def test_never_under_covered_when_over_covered_alternative_exists(seed: int) -> None:
    """Random rosters and requirements: whenever some feasible slot touches no
    under-covered interval, no proposed slot touches one."""
    rng = np.random.default_rng(seed)
    t, n_agents, d = 48, 14, int(rng.integers(2, 6))
    req = rng.integers(3, 13, size=t).astype(float)
    on = np.zeros((n_agents, t), dtype=bool)
    for a in range(n_agents):
        s = int(rng.integers(0, 20))
        on[a, s:s + int(rng.integers(16, 32))] = True
    trainees = sorted(rng.choice(n_agents, size=int(rng.integers(1, 6)), replace=False).tolist())
    prob = _problem(req, on, trainees, duration=d, capacity=3)
    result = propose_slots(prob)
    cov = on.sum(axis=0)
    under = cov < req
    for p in result.proposals:
        window = slice(p.start_index, p.start_index + d)
        assert on[list(p.attendees), window].all(), "attendees must be rostered for the whole slot"
        if p.under_covered_before:
            # allowed only if no slot free of under-coverage could take any of these attendees
            for s in range(0, t - d + 1):
                if not under[s:s + d].any():
                    assert not any(on[a, s:s + d].all() for a in p.attendees), (
                        f"slot at {p.start_index} is under-covered but {s} was an over-covered option")
        assert p.under_covered_before == bool(under[window].any())


def test_service_level_impact_is_projected_with_erlang() -> None:
    t = 16
    req = np.full(t, 5.0)
    on = np.ones((8, t), dtype=bool)
    vol = np.full(t, 40.0)  # 40 calls x 300 s / 900 s = 13.3 Erlangs ... heavy for 8 agents
    vol[:] = 12.0  # 4 Erlangs on 8 agents: comfortable
    p = evaluate_slot(_problem(req, on, [0, 1, 2], volume=vol), 4, (0, 1, 2))
    assert p.service_level_before > p.service_level_after  # 8 -> 5 agents hurts
    assert 0.0 <= p.service_level_after <= 1.0
    assert p.by_queue["Q0"][0] == pytest.approx(p.service_level_before)
    assert p.min_spare_before == pytest.approx(3.0) and p.min_spare_after == pytest.approx(0.0)


def test_greedy_cover_splits_group_over_shifts_and_respects_capacity() -> None:
    t = 64
    req = np.full(t, 2.0)
    on = np.zeros((6, t), dtype=bool)
    on[:3, 0:32] = True   # early shift
    on[3:, 32:64] = True  # late shift
    result = propose_slots(_problem(req, on, range(6), duration=4, capacity=2))
    placed = [a for p in result.proposals for a in p.attendees]
    assert sorted(placed) == list(range(6)) and not result.unplaced
    assert all(len(p.attendees) <= 2 for p in result.proposals)
    windows = sorted((p.start_index, p.start_index + 4) for p in result.proposals)
    assert all(a[1] <= b[0] for a, b in zip(windows, windows[1:])), "one trainer: slots must not overlap"


def test_agent_not_rostered_is_never_proposed() -> None:
    t = 16
    on = np.ones((3, t), dtype=bool)
    on[2] = False
    result = propose_slots(_problem(np.full(t, 1.0), on, [2]))
    assert result.proposals == [] and result.unplaced == (2,)


def test_multi_skill_split_follows_requirement() -> None:
    req = np.array([[3.0, 0.0], [1.0, 0.0]])  # queue 0 needs 3 then 0; queue 1 needs 1 then 0
    w = split_weights(req, (0, 1))
    assert w[0].tolist() == [0.75, 0.25]
    assert w[1].tolist() == [0.5, 0.5]


def test_bad_shapes_are_refused() -> None:
    with pytest.raises(ValueError):
        _problem(np.ones(8), np.ones((2, 7), dtype=bool), [0])
