"""Erlang C required agents vs an arbitrary-precision reference (mpmath, 40 digits).

Run:  .venv/bin/python bench/erlang_correctness.py [cases=10000]
Cases: traffic 0.1 .. 3,000 Erlangs (log-uniform, plus 10 % uniform over the top range),
AHT 30-900 s, SL 50-99 % within 0-120 s, and in a third of the cases an ASA target and a
maximum occupancy too.  Reference: Erlang B at floor(A) from mpmath's regularised
incomplete gamma (or the plain recursion from 0 for small A), then the recursion
upwards, every comparison in 40-digit arithmetic.  Goal: zero mismatches.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import mpmath as mp
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from optimizer.erlang import StaffingTarget, erlang_c_agents  # noqa: E402

mp.mp.dps = 40
INTERVAL = 1800.0


def reference(a: float, aht: float, sl: float | None, t: float, asa: float | None, occ: float | None) -> int:
    A = mp.mpf(a)
    n = int(mp.floor(A)) + 1
    if n < 300:
        b = mp.mpf(1)
        for k in range(1, n + 1):
            b = A * b / (k + A * b)
    else:
        cdf = mp.gammainc(n + 1, A, mp.inf, regularized=True)
        b = mp.exp(n * mp.log(A) - A - mp.loggamma(n + 1)) / cdf
    while True:
        c = n * b / (n - A * (1 - b))
        ok = True
        if sl is not None:
            ok &= 1 - c * mp.exp(-(n - A) * mp.mpf(t) / mp.mpf(aht)) >= mp.mpf(sl)
        if asa is not None:
            ok &= c * mp.mpf(aht) / (n - A) <= mp.mpf(asa)
        if occ is not None:
            ok &= A / n <= mp.mpf(occ)
        if ok:
            return n
        n += 1
        b = A * b / (n + A * b)


def main(cases: int = 10_000) -> None:
    rng = np.random.default_rng(12345)
    traffic = np.where(rng.random(cases) < 0.1, rng.uniform(500, 3000, cases), np.exp(rng.uniform(np.log(0.1), np.log(3000), cases)))
    aht = rng.uniform(30, 900, cases)
    volume = traffic * INTERVAL / aht
    traffic = volume * aht / INTERVAL  # exactly what both sides see
    sl = rng.uniform(0.5, 0.99, cases)
    t = rng.uniform(0, 120, cases)
    extra = rng.random(cases) < 1 / 3
    asa = np.where(extra, rng.uniform(2, 60, cases), np.nan)
    occ = np.where(extra, rng.uniform(0.7, 0.97, cases), np.nan)
    t0 = time.perf_counter()
    ours = np.empty(cases, dtype=np.int64)
    # targets differ per case, so one call per case: this bench checks values, not speed
    for i in range(cases):
        target = StaffingTarget(sl[i], t[i], None if np.isnan(asa[i]) else asa[i], None if np.isnan(occ[i]) else occ[i])
        ours[i] = erlang_c_agents(volume[i], aht[i], INTERVAL, target)[0]
    ours_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    ref = np.array([
        reference(float(traffic[i]), float(aht[i]), float(sl[i]), float(t[i]),
                  None if np.isnan(asa[i]) else float(asa[i]), None if np.isnan(occ[i]) else float(occ[i]))
        for i in range(cases)
    ])
    ref_s = time.perf_counter() - t0
    bad = np.flatnonzero(ref != ours)
    print(f"{'cases':>8s}{'traffic range (E)':>22s}{'mismatches':>12s}{'ours s':>9s}{'mpmath s':>10s}")
    print(f"{cases:8d}{f'{traffic.min():.2f} .. {traffic.max():.0f}':>22s}{bad.size:12d}{ours_s:9.2f}{ref_s:10.1f}")
    for i in bad[:10]:
        print(f"  mismatch: A={traffic[i]:.4f} aht={aht[i]:.1f} sl={sl[i]:.4f} t={t[i]:.2f} ours={ours[i]} ref={ref[i]}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
