"""Reader for the TU Wien DBAI shift design benchmark files ("Operating Hours Assistant").

Format (see /work/shared/benchmarks/rostering/README.md, section 2): keyword lines start
with ``#`` and the value follows on the next non-empty line(s).  Each file ends with a
comment block giving the solution the instance generator planted.  A fair benchmark run must
not see it, so the reader stops at the first line of that block and never reads further:
it iterates over the file line by line and returns as soon as it meets the marker.

DataSet1 files are Latin-1, DataSet2 files ASCII; each line is decoded as UTF-8 and, if that
fails, as Latin-1 (only template names contain non-ASCII letters).
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from optimizer.shiftdesign.flexible import FlexibleTemplate
from optimizer.shiftdesign.problem import DesignWeights, ShiftDesignInstance

#: Lines starting with one of these (spaces removed, lower case) open the planted-solution
#: block; the reader stops there.
_STOP_MARKERS = ("#fitnessofassumed", "#optimalsolution")

#: Normalised keyword line prefix -> field key.  Order matters: the duties-range line must be
#: tested before the duties weight line, and shift templates before the shift weight.
_KEYWORDS = (
    ("#minuteinterval", "interval"),
    ("#dayspercycle", "days"),
    ("#flagcyclical", "cyclic"),
    ("#requirements", "requirements"),
    ("#numberofshifttemplates", "num_templates"),
    ("#shifttemplates", "templates"),
    ("#dutiesperweek:lower", "duties_range"),
    ("#averagenumberofhoursperweek", "hours"),
    ("#undercover", "w_under"),
    ("#overcover", "w_over"),
    ("#dutiesperweek", "w_duties"),
    ("#shifts", "w_shift"),
)

_REQUIRED = tuple(key for _, key in _KEYWORDS)

#: How each section is spelled in the files, for error messages.
_DISPLAY = {
    "interval": "#MinuteInterval:",
    "days": "#DaysPerCycle:",
    "cyclic": "#FlagCyclical:",
    "requirements": "#Requirements:",
    "num_templates": "#Number of shift templates",
    "templates": "#Shift templates",
    "duties_range": "#Duties per week: Lower limit, Upper limit",
    "hours": "# Average number of hours per week",
    "w_under": "#UnderCover:",
    "w_over": "#Overcover:",
    "w_duties": "#DutiesPerWeek:",
    "w_shift": "#Shifts:",
}


class ShiftDesignFormatError(ValueError):
    """A benchmark file that cannot be read; the message names the file and line."""

    def __init__(self, path: str | Path, line: int | None, message: str) -> None:
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {message}")
        self.path = str(path)
        self.line = line


def _normalise(line: str) -> str:
    return "".join(line.split()).lower()


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _read_sections(path: Path) -> dict[str, list[tuple[int, str]]]:
    """Keyword -> value lines (with line numbers), stopping before the planted solution."""
    sections: dict[str, list[tuple[int, str]]] = {}
    current: str | None = None
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            text = _decode(raw).strip()
            if not text:
                continue
            norm = _normalise(text)
            if norm.startswith(_STOP_MARKERS):
                break  # the planted solution starts here: never read on
            if text.startswith("#"):
                key = next((k for prefix, k in _KEYWORDS if norm.startswith(prefix)), None)
                if key is not None:
                    if key in sections:
                        raise ShiftDesignFormatError(path, number, f"duplicate keyword {text!r}")
                    sections[key] = []
                    current = key
                # other comment lines (column headers, "# Weights about ...") are skipped
                continue
            if current is None:
                raise ShiftDesignFormatError(path, number, f"value before any keyword: {text!r}")
            sections[current].append((number, text))
    return sections


def _single(path: Path, sections: dict[str, list[tuple[int, str]]], key: str) -> tuple[int, str]:
    lines = sections[key]
    if len(lines) != 1:
        line = lines[1][0] if lines else None
        raise ShiftDesignFormatError(path, line, f"{key}: expected one value line, got {len(lines)}")
    return lines[0]


def _number(path: Path, line: int, text: str, what: str) -> Fraction:
    try:
        return Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise ShiftDesignFormatError(path, line, f"{what}: not a number: {text!r}") from None


def _integer(path: Path, line: int, text: str, what: str) -> int:
    value = _number(path, line, text, what)
    if value.denominator != 1:
        raise ShiftDesignFormatError(path, line, f"{what}: expected a whole number, got {text!r}")
    return int(value)


def _clock(path: Path, line: int, text: str) -> int:
    try:
        hours, minutes = text.split(":")
        return int(hours) * 60 + int(minutes)
    except ValueError:
        raise ShiftDesignFormatError(path, line, f"template start: expected H:M, got {text!r}") from None


def _template(path: Path, line: int, text: str, slot: int) -> FlexibleTemplate:
    """``Abbr Name S a b L c e days``: start S-b..S+a, length L-e..L+c, steps of one slot."""
    tokens = text.split()
    if len(tokens) < 9:
        raise ShiftDesignFormatError(path, line, f"shift template: expected 9 fields, got {text!r}")
    abbr, days = tokens[0], tokens[-1]
    start_text, plus, minus, length, lplus, lminus = tokens[-7:-1]
    if days != "*":
        raise ShiftDesignFormatError(
            path, line, f"shift template {abbr}: only '*' (every day) is supported, got {days!r}"
        )
    start = _clock(path, line, start_text)
    a, b, base, c, e = (
        _integer(path, line, v, f"shift template {abbr}") for v in (plus, minus, length, lplus, lminus)
    )
    earliest, latest = start - b, start + a
    if earliest < 0:  # window crossing midnight backwards: shift it into the day
        earliest, latest = earliest + 1440, latest + 1440
    for value, what in ((earliest, "start"), (latest, "start"), (base - e, "length"), (base + c, "length")):
        if value % slot:
            raise ShiftDesignFormatError(
                path, line, f"shift template {abbr}: {what} {value} min is not a multiple of the {slot}-min slot"
            )
    try:
        return FlexibleTemplate(abbr, earliest, latest, slot, base - e, base + c, slot)
    except ValueError as exc:
        raise ShiftDesignFormatError(path, line, str(exc)) from None


def read_instance(path: str | Path, name: str | None = None) -> ShiftDesignInstance:
    """Parse one benchmark file into a ``ShiftDesignInstance``.

    ``name`` defaults to ``<parent folder>/<file stem>`` (e.g. ``DataSet1/RandomExample3``),
    which is unique across the two data sets.
    """
    path = Path(path)
    try:
        sections = _read_sections(path)
    except OSError as exc:
        raise ShiftDesignFormatError(path, None, f"cannot read file: {exc.strerror}") from None
    missing = [k for k in _REQUIRED if k not in sections]
    if missing:
        names = "; ".join(_DISPLAY[k] for k in missing)
        raise ShiftDesignFormatError(path, None, f"missing keyword section(s): {names}")

    line, text = _single(path, sections, "interval")
    slot = _integer(path, line, text, "MinuteInterval")
    if slot <= 0 or 1440 % slot:
        raise ShiftDesignFormatError(path, line, f"MinuteInterval {slot} must divide 1440")
    line, text = _single(path, sections, "days")
    days = _integer(path, line, text, "DaysPerCycle")
    line, text = _single(path, sections, "cyclic")
    if text.lower() not in ("yes", "no"):
        raise ShiftDesignFormatError(path, line, f"FlagCyclical: expected yes or no, got {text!r}")
    cyclic = text.lower() == "yes"

    requirements = []
    for line, text in sections["requirements"]:
        requirements.extend(_integer(path, line, tok, "Requirements") for tok in text.split())
    expected = days * 1440 // slot
    if len(requirements) != expected:
        first = sections["requirements"][0][0] if sections["requirements"] else None
        raise ShiftDesignFormatError(
            path, first, f"Requirements: expected {expected} values, got {len(requirements)}"
        )

    line, text = _single(path, sections, "num_templates")
    count = _integer(path, line, text, "Number of shift templates")
    rows = sections["templates"]
    if len(rows) != count:
        raise ShiftDesignFormatError(
            path, rows[0][0] if rows else line, f"expected {count} shift templates, got {len(rows)}"
        )
    templates = tuple(_template(path, ln, tx, slot) for ln, tx in rows)

    line, text = _single(path, sections, "duties_range")
    parts = text.split()
    if len(parts) != 2:
        raise ShiftDesignFormatError(path, line, f"Duties per week: expected 'low high', got {text!r}")
    low, high = (_number(path, line, p, "Duties per week") for p in parts)
    line, text = _single(path, sections, "hours")
    hours = _number(path, line, text, "Average number of hours per week")
    if hours <= 0:
        raise ShiftDesignFormatError(path, line, "Average number of hours per week must be positive")

    weights = {}
    for key in ("w_under", "w_over", "w_duties", "w_shift"):
        line, text = _single(path, sections, key)
        weights[key] = _integer(path, line, text, f"weight {key[2:]}")
        if weights[key] < 0:
            raise ShiftDesignFormatError(path, line, f"weight {key[2:]} must not be negative")

    return ShiftDesignInstance(
        name=name or f"{path.parent.name}/{path.stem}",
        slot_minutes=slot,
        days=days,
        cyclic=cyclic,
        requirements=tuple(requirements),
        templates=templates,
        weights=DesignWeights(
            under=weights["w_under"],
            over=weights["w_over"],
            per_shift=weights["w_shift"],
            duties_per_week=weights["w_duties"],
        ),
        duties_low=low,
        duties_high=high,
        hours_per_week=hours,
    )
