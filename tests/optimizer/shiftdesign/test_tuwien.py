"""The TU Wien reader: fields, encodings, clear errors, and blindness to the planted solution."""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

import pytest

from optimizer.shiftdesign.flexible import expand
from optimizer.shiftdesign.tuwien import ShiftDesignFormatError, read_instance
from tests.optimizer.shiftdesign.tuwien_files import ALL_INSTANCES, ROOT, needs_data, strip_planted_block

REPO = Path(__file__).resolve().parents[3]


@needs_data
def test_dataset1_latin1_file_is_read_completely() -> None:
    inst = read_instance(ROOT / "DataSet1" / "RandomExample1.txt")
    assert inst.name == "DataSet1/RandomExample1"
    assert (inst.slot_minutes, inst.days, inst.cyclic) == (60, 7, True)
    assert len(inst.requirements) == 168
    assert inst.requirements[7:12] == (3, 11, 11, 12, 18)
    assert [t.name for t in inst.templates] == ["F", "T", "S", "N"]
    early = inst.templates[0]  # "6:0 120 60 480 60 60": start 05:00..08:00, 420..540 min
    assert (early.earliest_start, early.latest_start, early.min_length, early.max_length) == (300, 480, 420, 540)
    assert len(expand(early)) == 4 * 3
    assert (inst.duties_low, inst.duties_high, inst.hours_per_week) == (3, 5, Fraction(77, 2))
    w = inst.weights
    assert (w.under, w.over, w.duties_per_week, w.per_shift) == (1, 1, 1000, 60)


@needs_data
def test_dataset2_fractional_duty_limits() -> None:
    inst = read_instance(ROOT / "DataSet2" / "RandomExample8.txt")
    assert inst.slot_minutes == 15 and len(inst.requirements) == 672
    assert inst.duties_low == Fraction(24, 5) and inst.weights.duties_per_week == 0
    assert len(inst.candidates()) == 13 * 9 + 3 * 9 * 9


@needs_data
@pytest.mark.parametrize("path", ALL_INSTANCES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_reader_never_depends_on_the_planted_block(path: Path, tmp_path: Path) -> None:
    """The same instance with the block removed, or replaced by garbage, reads identically:
    the reader stops at the block's first line and never looks further."""
    original = read_instance(path)
    stripped = read_instance(strip_planted_block(path, tmp_path / "stripped.txt"), name=original.name)
    garbage = tmp_path / "garbage.txt"
    garbage.write_bytes((tmp_path / "stripped.txt").read_bytes()
                        + b"#Fitness of assumed optimal Solution:\n# not a number\n#Optimal Solution:\n\xff\xfe junk 1 2 3\n")
    assert stripped == original
    assert read_instance(garbage, name=original.name) == original


def test_no_solver_code_mentions_the_planted_block() -> None:
    """Only the reader's stop marker names the block; nothing else in the shipped code does."""
    sources = sorted((REPO / "optimizer" / "shiftdesign").glob("*.py")) + [
        REPO / "optimizer" / "cli" / "design.py", REPO / "bench" / "shift_design.py"]
    pattern = re.compile(r"fitness|optimal\s*solution|assumed", re.IGNORECASE)
    hits = []
    for source in sources:
        for number, line in enumerate(source.read_text(encoding="utf-8").splitlines(), start=1):
            if pattern.search(line):
                hits.append((source.name, line.strip()))
    code_hits = [h for h in hits if not h[1].startswith(("#", "-", "*"))]
    assert [h for h in code_hits if h[0] != "tuwien.py"] == []
    stop_lines = [line for name, line in code_hits if name == "tuwien.py"]
    assert stop_lines == ['_STOP_MARKERS = ("#fitnessofassumed", "#optimalsolution")']


GOOD = """#MinuteInterval:
60

#DaysPerCycle:
1

#FlagCyclical: yes or no
no

#Requirements:
0 0 0 0 0 0 1 1 1 1 1 1 1 1 0 0 0 0 0 0 0 0 0 0

#Number of shift templates
1

#Shift templates
D Day 8:0 120 120 480 60 60 *

#Duties per week: Lower limit, Upper limit
3 5

# Average number of hours per week
 40

#UnderCover:
1

#Overcover:
1

#DutiesPerWeek:
0

#Shifts:
60
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "inst.txt"
    path.write_text(text, encoding="utf-8")
    return path


def test_small_handmade_file(tmp_path: Path) -> None:
    inst = read_instance(_write(tmp_path, GOOD))
    assert inst.days == 1 and not inst.cyclic and sum(inst.requirements) == 8
    assert inst.candidates() == [(s, length) for s in (360, 420, 480, 540, 600) for length in (420, 480, 540)]


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda t: t.replace("0 0 0 0 0 0 1 1", "0 0 0 0 0 0 x 1"), r"inst.txt:11: Requirements: not a number: 'x'"),
        (lambda t: t.replace("0 0 0 0 0 0 1 1", "0 0 0 0 0 1 1"), r"inst.txt:11: Requirements: expected 24 values, got 23"),
        (lambda t: t.replace("#Overcover:\n1\n", ""), r"inst.txt: missing keyword section\(s\): #Overcover:$"),
        (lambda t: t.replace("yes or no\nno", "yes or no\nmaybe"), r"inst.txt:8: FlagCyclical: expected yes or no"),
        (lambda t: t.replace("8:0 120", "8:0 100"), r"inst.txt:17: shift template D: start 580 min is not a multiple"),
        (lambda t: t.replace("480 60 60 *", "480 60 60 1-5"), r"inst.txt:17: shift template D: only '\*'"),
        (lambda t: t.replace("#Number of shift templates\n1", "#Number of shift templates\n2"), r"expected 2 shift templates, got 1"),
        (lambda t: t.replace("#MinuteInterval:\n60", "#MinuteInterval:\n7"), r"inst.txt:2: MinuteInterval 7 must divide 1440"),
    ],
)
def test_format_errors_name_file_and_line(tmp_path: Path, edit, message: str) -> None:
    with pytest.raises(ShiftDesignFormatError, match=message):
        read_instance(_write(tmp_path, edit(GOOD)))


def test_missing_file_is_a_format_error(tmp_path: Path) -> None:
    with pytest.raises(ShiftDesignFormatError, match="cannot read file"):
        read_instance(tmp_path / "nope.txt")
