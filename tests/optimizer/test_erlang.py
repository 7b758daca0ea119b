"""Erlang C against textbook values and an mpmath reference; Erlang A against a simulation."""

from __future__ import annotations

import heapq

import mpmath as mp
import numpy as np
import pytest

from optimizer.erlang import (
    StaffingTarget,
    erlang_a_agents,
    erlang_a_metrics,
    erlang_b,
    erlang_c_agents,
    erlang_c_metrics,
)


def test_textbook_erlang_c_table():
    # 100 calls in 30 minutes, AHT 180 s (10 Erlangs), 80/20: the classic worked example
    m = erlang_c_metrics(100, 180, [11, 12, 13, 14], 1800, 20)
    assert np.round(m.p_wait, 4).tolist() == [0.6821, 0.4494, 0.2853, 0.1741]
    assert np.round(m.service_level, 4).tolist() == [0.3896, 0.6402, 0.7956, 0.8884]
    assert np.round(m.asa_seconds, 1).tolist() == [122.8, 40.4, 17.1, 7.8]
    assert erlang_c_agents(100, 180, 1800, StaffingTarget(0.8, 20)).tolist() == [14]


def _mp_erlang_c_agents(a: float, aht: float, sl: float, t: float) -> int:
    mp.mp.dps = 40
    A = mp.mpf(a)
    b = mp.mpf(1)
    n = 0
    while True:
        n += 1
        b = A * b / (n + A * b)
        if n > A:
            c = n * b / (n - A * (1 - b))
            if 1 - c * mp.e ** (-(n - A) * mp.mpf(t) / mp.mpf(aht)) >= sl:
                return n


def test_required_agents_match_mpmath_reference():
    rng = np.random.default_rng(7)
    traffic = np.exp(rng.uniform(np.log(0.1), np.log(400), 60))
    aht = rng.uniform(60, 600, 60)
    sl = rng.uniform(0.5, 0.98, 60)
    t = rng.uniform(5, 60, 60)
    interval = 900.0
    volume = traffic * interval / aht
    ours = [int(erlang_c_agents(v, h, interval, StaffingTarget(s, tt))[0]) for v, h, s, tt in zip(volume, aht, sl, t)]
    ref = [_mp_erlang_c_agents(float(v * h / interval), float(h), float(s), float(tt)) for v, h, s, tt in zip(volume, aht, sl, t)]
    assert ours == ref


def test_vectorised_equals_scalar_and_stable_at_5000_erlangs():
    volume = np.array([0.0, 5.0, 400.0, 5000.0 * 1800 / 300])
    agents = erlang_c_agents(volume, 300, 1800, StaffingTarget(0.9, 15, max_occupancy=0.95))
    assert agents[0] == 0
    assert agents[-1] > 5000 and agents[-1] < 5300
    for v, n in zip(volume[1:], agents[1:]):
        assert erlang_c_agents(v, 300, 1800, StaffingTarget(0.9, 15, max_occupancy=0.95))[0] == n
        m = erlang_c_metrics(v, 300, [n - 1, n], 1800, 15)
        assert m.service_level[1] >= 0.9 and m.occupancy[1] <= 0.95
        assert m.service_level[0] < 0.9 or m.occupancy[0] > 0.95
    assert np.all(np.isfinite(erlang_b(np.arange(4990, 5200), 5000.0)))


def test_asa_and_occupancy_targets():
    n_asa = erlang_c_agents(100, 180, 1800, StaffingTarget(None, 20, asa_seconds=10))[0]
    m = erlang_c_metrics(100, 180, [n_asa - 1, n_asa], 1800)
    assert m.asa_seconds[1] <= 10 < m.asa_seconds[0]
    assert erlang_c_agents(100, 180, 1800, StaffingTarget(None, 20, max_occupancy=0.5))[0] == 20


def _simulate(lam, aht, patience, n, t, calls, seed):
    """FCFS M/M/n+M: a call's virtual wait depends only on earlier calls, so one pass suffices."""
    rng = np.random.default_rng(seed)
    arrivals = np.cumsum(rng.exponential(1 / lam, calls))
    service = rng.exponential(aht, calls)
    tau = rng.exponential(patience, calls)
    free = [0.0] * n
    answered_in_t = abandoned = 0
    wait_sum = 0.0
    warm = calls // 20
    for k in range(calls):
        v = max(0.0, free[0] - arrivals[k])
        if v <= tau[k]:
            heapq.heapreplace(free, arrivals[k] + v + service[k])
            w, ans = v, True
        else:
            w, ans = tau[k], False
        if k >= warm:
            wait_sum += w
            abandoned += not ans
            answered_in_t += ans and w <= t
    m = calls - warm
    return answered_in_t / m, abandoned / m, wait_sum / m


@pytest.mark.parametrize("volume,aht,patience,agents", [(100, 180, 60, 10), (1000, 200, 30, 95), (50, 300, 600, 8)])
def test_erlang_a_matches_simulation(volume, aht, patience, agents):
    """Tolerance: 0.015 absolute on SL and abandonment, 5 % on mean wait (150,000 calls)."""
    sl, ab, wait = _simulate(volume / 1800, aht, patience, agents, 20, 150_000, seed=3)
    m = erlang_a_metrics(volume, aht, agents, 1800, 20, patience)
    assert abs(m.service_level[0] - sl) < 0.015
    assert abs(m.p_abandon[0] - ab) < 0.015
    assert abs(m.asa_seconds[0] - wait) < 0.05 * wait


def test_erlang_a_tends_to_erlang_c_and_requirements_are_minimal():
    c = erlang_c_metrics(100, 180, 13, 1800, 20)
    a = erlang_a_metrics(100, 180, 13, 1800, 20, 1e9)
    assert a.service_level[0] == pytest.approx(c.service_level[0], abs=1e-6)
    target = StaffingTarget(0.8, 20)
    vols = np.array([0.0, 3.0, 100.0, 2500.0, 30000.0])
    n = erlang_a_agents(vols, 180, 1800, target, 60)
    assert n[0] == 0
    for v, k in zip(vols[1:], n[1:]):
        m = erlang_a_metrics(v, 180, [k - 1, k], 1800, 20, 60)
        assert m.service_level[1] >= 0.8 > m.service_level[0]
    # abandonment only helps: never more agents than Erlang C at this patience
    assert np.all(n <= erlang_c_agents(vols, 180, 1800, target))


def test_bad_targets_are_rejected():
    with pytest.raises(ValueError, match="service_level"):
        StaffingTarget(1.2, 20)
    with pytest.raises(ValueError, match="needs"):
        StaffingTarget(None, 20)
