"""Shared helpers for the shift design tests.

``planted_solution`` reads the trailing "#Optimal Solution" block of a TU Wien file.  It
exists ONLY here, in the tests, to check that the scorer's convention reproduces the value
written in the file; the solver, the CLI and the bench never read that block.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from optimizer.shiftdesign.problem import DesignedShift

from tests.shared_data import SHARED_ROOT, needs

ROOT = SHARED_ROOT / "benchmarks" / "rostering" / "tuwien-shift-design"
ALL_INSTANCES = [ROOT / ds / f"RandomExample{n}.txt" for ds in ("DataSet1", "DataSet2") for n in range(1, 21)]

_SHIFT_LINE = re.compile(r"#\s*\d+:\s+(\d+):(\d+)\s+(\d+)\s+((?:\d+\s*)+)$")


def planted_solution(path: Path) -> tuple[int, list[DesignedShift]]:
    """(value written in the file, planted shifts) - test-only reader of the planted block."""
    lines = path.read_bytes().decode("latin-1").splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("#Fitness of assumed optimal"))
    value = int(lines[first + 1].strip("# \t"))
    shifts = []
    for line in lines[first + 2 :]:
        match = _SHIFT_LINE.match(line.strip())
        if match:
            hours, minutes, length, counts = match.groups()
            shifts.append(DesignedShift(int(hours) * 60 + int(minutes), int(length), tuple(int(c) for c in counts.split())))
    return value, shifts


def strip_planted_block(path: Path, target: Path) -> Path:
    """Copy of ``path`` without anything from the planted-solution block on."""
    raw = path.read_bytes()
    cut = raw.index(b"#Fitness of assumed optimal")
    target.write_bytes(raw[:cut])
    return target

needs_data = needs(ROOT)
