"""Erlang C speed: one year of 15-minute intervals (35,040) for one queue, ours vs pyworkforce.

Run:  .venv/bin/python bench/erlang_speed.py   (pyworkforce runs in .venv-bench, see setup_env.sh)
Both get the same inputs (seeded: daily/weekly volume shape, AHT 180-420 s, 80 % in 20 s);
the table gives both times, the ratio and the number of intervals whose agent counts differ.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BENCH_PY = ROOT / ".venv-bench" / "bin" / "python"
N, INTERVAL_MIN, SL, T = 35_040, 15, 0.8, 20.0

PEER = r"""
import json, sys, time
import numpy as np
from pyworkforce.queuing import ErlangC
d = np.load(sys.argv[1])
vol, aht = d["volume"], d["aht"]
out = np.zeros(len(vol), dtype=int)
t0 = time.perf_counter()
for i in range(len(vol)):
    if vol[i] > 0:
        out[i] = ErlangC(transactions=float(vol[i]), aht=float(aht[i]) / 60, asa=%(t)r / 60, interval=%(iv)d).required_positions(service_level=%(sl)r)["raw_positions"]
print(json.dumps({"seconds": time.perf_counter() - t0, "agents": out.tolist()}))
"""


def inputs() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(2024)
    k = np.arange(N)
    hour = (k % 96) / 4
    day = (k // 96) % 7
    shape = np.clip(np.sin((hour - 7) / 14 * np.pi), 0, None) * np.where(day < 5, 1.0, 0.4)
    volume = rng.poisson(250 * shape).astype(float)
    aht = rng.uniform(180, 420, N)
    return volume, aht


def main() -> None:
    from optimizer.erlang import StaffingTarget, erlang_c_agents

    volume, aht = inputs()
    t0 = time.perf_counter()
    ours = erlang_c_agents(volume, aht, INTERVAL_MIN * 60, StaffingTarget(SL, T))
    ours_s = time.perf_counter() - t0
    npz = Path("/tmp/erlang_speed_inputs.npz")
    np.savez(npz, volume=volume, aht=aht)
    code = PEER % {"t": T, "iv": INTERVAL_MIN, "sl": SL}
    proc = subprocess.run([str(BENCH_PY), "-c", code, str(npz)], capture_output=True, text=True, check=True)
    peer = json.loads(proc.stdout)
    theirs = np.array(peer["agents"])
    diff = np.flatnonzero(theirs != ours)
    print(f"{'':22s}{'seconds':>10s}{'intervals':>11s}{'max agents':>12s}")
    print(f"{'ours (numpy)':22s}{ours_s:10.3f}{N:11d}{ours.max():12d}")
    print(f"{'pyworkforce ErlangC':22s}{peer['seconds']:10.3f}{N:11d}{theirs.max():12d}")
    print(f"speed ratio (peer / ours): {peer['seconds'] / ours_s:.0f}x;  intervals with different agent counts: {diff.size}")
    for i in diff[:5]:
        a = volume[i] * aht[i] / (INTERVAL_MIN * 60)
        print(f"  differs at {i}: traffic {a:.3f} E, ours {ours[i]}, pyworkforce {theirs[i]}")


if __name__ == "__main__":
    main()
