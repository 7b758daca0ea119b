"""Scenario folders in and roster files out (the one CSV path of the roster engine).

A scenario is a folder of CSV files plus ``rules.toml`` (columns in
docs/roster-engine.md).  Reading collects every error with its file, row and column and
raises one ``ScenarioError`` listing them all, so nothing is ever half-loaded.
"""

from __future__ import annotations

import csv
import json
import tomllib
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Iterable

from optimizer import timeutil
from optimizer.roster.problem import (
    Agent, Assignment, BreakRule, FixedActivity, Preference, Problem, ProblemError, Requirement,
    Rules, ShiftTemplate, TimeOff, Weights,
)
from optimizer.roster.result import RosterResult
from optimizer.roster.validator import RosterRow


@dataclass(frozen=True)
class ImportIssue:
    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file + (f", row {self.row}" if self.row is not None else "") + (
            f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


class ScenarioError(ValueError):
    def __init__(self, issues: list[ImportIssue]) -> None:
        super().__init__("\n".join(str(i) for i in issues))
        self.issues = issues


class _Reader:
    """Collects issues while parsing rows; each parse helper returns None on error."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.issues: list[ImportIssue] = []

    def rows(self, name: str, required: list[str], optional: bool = False) -> Iterable[tuple[int, dict[str, str]]]:
        path = self.folder / name
        if not path.exists():
            if not optional:
                self.issues.append(ImportIssue(name, None, None, "file is missing"))
            return []
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            cols = [c.strip() for c in (reader.fieldnames or [])]
            missing = [c for c in required if c not in cols]
            if missing:
                self.issues.append(ImportIssue(name, 1, ",".join(missing), "missing column(s)"))
                return []
            out = []
            for n, raw in enumerate(reader, start=2):
                out.append((n, {(k or "").strip(): (v or "").strip() for k, v in raw.items()}))
            return out

    def get(self, file: str, row: int, rec: dict[str, str], col: str, conv: Callable[[str], Any],
            default: Any = ..., what: str = "") -> Any:
        text = rec.get(col, "")
        if text == "" and default is not ...:
            return default
        try:
            return conv(text)
        except (ValueError, KeyError) as exc:
            self.issues.append(ImportIssue(file, row, col, f"{what or 'invalid value'} {text!r} ({exc})"))
            return None


def _bool(text: str) -> bool:
    t = text.lower()
    if t in ("true", "1", "yes"):
        return True
    if t in ("false", "0", "no"):
        return False
    raise ValueError("expected true or false")


def _hhmm_minutes(text: str) -> int:
    t = timeutil.parse_hhmm(text)
    return t.hour * 60 + t.minute


def _nonneg_int(text: str) -> int:
    v = int(text)
    if v < 0:
        raise ValueError("must be >= 0")
    return v


def _round15(m: float) -> int:
    return int(round(m / 15.0)) * 15


def default_lunch(length: int, minutes: int) -> BreakRule:
    """An unpaid break whose start may float one hour either side of mid-shift."""
    mid = length / 2 - minutes / 2
    earliest = max(0, _round15(mid - 60))
    latest = max(earliest, min(length - minutes, _round15(mid + 60)))
    return BreakRule(minutes, earliest, latest, paid=False)


def _paid_breaks(text: str) -> list[BreakRule]:
    """'15@60-150;15@330-420' = 15 paid minutes starting 60..150 min after shift start."""
    out = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        length, window = part.split("@")
        lo, hi = window.split("-")
        out.append(BreakRule(int(length), int(lo), int(hi), paid=True))
    return out


def _read_rules(rd: _Reader) -> dict[str, Any] | None:
    path = rd.folder / "rules.toml"
    if not path.exists():
        rd.issues.append(ImportIssue("rules.toml", None, None, "file is missing"))
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        rd.issues.append(ImportIssue("rules.toml", None, None, str(exc)))
        return None
    out: dict[str, Any] = {}
    for key in ("start_date", "days"):
        if key not in data:
            rd.issues.append(ImportIssue("rules.toml", None, key, "is required"))
    try:
        sd = data.get("start_date")
        out["start_date"] = sd if isinstance(sd, date) else date.fromisoformat(str(sd))
    except ValueError:
        rd.issues.append(ImportIssue("rules.toml", None, "start_date", "expected YYYY-MM-DD"))
    out["days"] = data.get("days")
    out["interval_minutes"] = data.get("interval_minutes", 15)
    out["timezone"] = data.get("timezone", "UTC")
    try:
        timeutil.zone(out["timezone"])
    except Exception:  # noqa: BLE001 - zoneinfo raises several types
        rd.issues.append(ImportIssue("rules.toml", None, "timezone", f"unknown time zone {out['timezone']!r}"))
    rules_kw: dict[str, Any] = {}
    mapping = {
        "min_rest_hours": "min_rest_hours", "max_consecutive_days": "max_consecutive_days",
        "min_consecutive_days": "min_consecutive_days",
        "min_consecutive_days_off": "min_consecutive_days_off", "min_days_off_per_week": "min_days_off_per_week",
        "max_nights_in_row": "max_nights_in_row", "max_weekends_per_4_weeks": "max_weekends_per_window",
        "supervisor_always_on_duty": "supervisor_always_on_duty", "weekly_hours": "weekly_hours",
        "time_off_is_rest": "time_off_is_rest",
    }
    for key, attr in mapping.items():
        if key in data:
            v = data[key]
            if attr in ("supervisor_always_on_duty", "weekly_hours", "time_off_is_rest"):
                if not isinstance(v, bool):
                    rd.issues.append(ImportIssue("rules.toml", None, key, "expected true or false"))
                rules_kw[attr] = v
            elif v is False:
                rules_kw[attr] = None  # false switches a limit off
            elif isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
                rd.issues.append(ImportIssue("rules.toml", None, key, "expected a number >= 0 or false"))
            else:
                rules_kw[attr] = v
    out["rules"] = Rules(**rules_kw)
    wkw: dict[str, Any] = {}
    names = {f.name for f in fields(Weights)} - {"queue_weights"}
    for key, v in data.get("weights", {}).items():
        if key not in names:
            rd.issues.append(ImportIssue("rules.toml", None, f"weights.{key}", "unknown weight"))
        elif isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
            rd.issues.append(ImportIssue("rules.toml", None, f"weights.{key}", "expected a number >= 0"))
        else:
            wkw[key] = v
    qw = data.get("queue_weights", {})
    wkw["queue_weights"] = tuple((str(k), int(v)) for k, v in qw.items())
    out["weights"] = Weights(**wkw)
    return out


def read_roster_rows(path: Path) -> list[RosterRow]:
    """roster.csv -> rows (local times).  Break times are HH:MM; a break at or after
    midnight belongs to the day after the shift start (the shift start tells which)."""
    rd = _Reader(path.parent)
    rows = _roster_rows(rd, path.name, optional=False)
    if rd.issues:
        raise ScenarioError(rd.issues)
    return rows


def _roster_rows(rd: _Reader, name: str, optional: bool) -> list[RosterRow]:
    out = []
    for n, rec in rd.rows(name, ["agent_id", "date", "shift_code", "start", "end"], optional=optional):
        day = rd.get(name, n, rec, "date", date.fromisoformat, what="expected YYYY-MM-DD, got")
        start = rd.get(name, n, rec, "start", datetime.fromisoformat, what="expected ISO date-time, got")
        end = rd.get(name, n, rec, "end", datetime.fromisoformat, what="expected ISO date-time, got")
        if None in (day, start, end):
            continue
        brs = []
        try:
            for part in filter(None, (p.strip() for p in rec.get("breaks", "").split(";"))):
                a, b = part.split("-")
                s = datetime.combine(start.date(), timeutil.parse_hhmm(a))
                if s < start:
                    s += timedelta(days=1)
                e = datetime.combine(s.date(), timeutil.parse_hhmm(b))
                if e <= s:
                    e += timedelta(days=1)
                brs.append((s, e))
        except ValueError as exc:
            rd.issues.append(ImportIssue(name, n, "breaks", f"expected HH:MM-HH:MM;... ({exc})"))
            continue
        out.append(RosterRow(rec["agent_id"], day, rec["shift_code"], start, end, tuple(brs)))
    return out


def read_scenario(folder: str | Path) -> Problem:
    """Load a scenario folder; raise ScenarioError listing every problem found."""
    folder = Path(folder)
    rd = _Reader(folder)
    if not folder.is_dir():
        raise ScenarioError([ImportIssue(str(folder), None, None, "scenario folder not found")])
    cfg = _read_rules(rd)
    tz = (cfg or {}).get("timezone", "UTC")
    agents = []
    for n, rec in rd.rows("agents.csv", ["agent_id", "team", "skills", "min_hours_week", "max_hours_week",
                                         "night_ok", "supervisor"]):
        f = "agents.csv"
        vals = dict(
            id=rec["agent_id"], team=rec["team"],
            skills=tuple(s.strip() for s in rec["skills"].split(";") if s.strip()),
            min_hours_week=rd.get(f, n, rec, "min_hours_week", float),
            max_hours_week=rd.get(f, n, rec, "max_hours_week", float),
            night_ok=rd.get(f, n, rec, "night_ok", _bool), supervisor=rd.get(f, n, rec, "supervisor", _bool),
            contract_daily_hours=rd.get(f, n, rec, "contract_daily_hours", float, default=8.0),
        )
        if not rec["agent_id"]:
            rd.issues.append(ImportIssue(f, n, "agent_id", "is empty"))
        elif None not in vals.values():
            try:
                agents.append(Agent(**vals))
            except ProblemError as exc:
                rd.issues.append(ImportIssue(f, n, None, exc.message))
    templates = []
    for n, rec in rd.rows("shift_templates.csv", ["code", "start", "length_minutes", "unpaid_break_minutes"]):
        f = "shift_templates.csv"
        start = rd.get(f, n, rec, "start", _hhmm_minutes, what="expected HH:MM, got")
        length = rd.get(f, n, rec, "length_minutes", _nonneg_int)
        unpaid = rd.get(f, n, rec, "unpaid_break_minutes", _nonneg_int)
        paid = rd.get(f, n, rec, "paid_breaks", _paid_breaks, default=[], what="expected LEN@FROM-TO;..., got")
        if None in (start, length, unpaid, paid):
            continue
        flexible = _flexible_candidates(rd, f, n, rec, start, length)
        if flexible is None:
            continue
        for code, cand_start, cand_length in flexible or [(rec["code"], start, length)]:
            brs = list(paid)
            if unpaid:
                lo = rd.get(f, n, rec, "break_earliest", _nonneg_int, default=None)
                hi = rd.get(f, n, rec, "break_latest", _nonneg_int, default=None)
                lunch = default_lunch(cand_length, unpaid)
                brs.append(BreakRule(unpaid, lunch.earliest if lo is None else lo, lunch.latest if hi is None else hi))
            brs.sort(key=lambda b: b.earliest)
            try:
                templates.append(ShiftTemplate(
                    code, cand_start, cand_length, tuple(brs),
                    tuple(c.strip() for c in rec.get("forbidden_next", "").split(";") if c.strip()),
                    rd.get(f, n, rec, "unpopular", _bool, default=False) or False))
            except ProblemError as exc:
                rd.issues.append(ImportIssue(f, n, None, exc.message))
    codes = {t.code for t in templates}
    ids = {a.id for a in agents}

    def check_agent(f: str, n: int, agent_id: str) -> bool:
        if agent_id not in ids:
            rd.issues.append(ImportIssue(f, n, "agent_id", f"unknown agent {agent_id!r}"))
            return False
        return True

    requirements = []
    seen_local: dict[tuple[datetime, str], int] = {}
    for n, rec in rd.rows("requirements.csv", ["timestamp", "queue", "agents_scheduled"]):
        f = "requirements.csv"
        ts = rd.get(f, n, rec, "timestamp", datetime.fromisoformat, what="expected ISO date-time, got")
        need = rd.get(f, n, rec, "agents_scheduled", lambda s: max(0, int(round(float(s)))))
        if ts is None or need is None:
            continue
        if ts.tzinfo is not None:
            utc = ts.astimezone(timeutil.UTC)
        else:
            # the repeated hour when clocks go back: second occurrence = fold 1
            k = seen_local.get((ts, rec["queue"]), 0)
            seen_local[ts, rec["queue"]] = k + 1
            utc = timeutil.to_utc(ts, tz) if k == 0 else ts.replace(tzinfo=timeutil.zone(tz), fold=1).astimezone(timeutil.UTC)
        requirements.append(Requirement(utc, rec["queue"], need))
    time_off = []
    for n, rec in rd.rows("time_off.csv", ["agent_id", "date"], optional=True):
        day = rd.get("time_off.csv", n, rec, "date", date.fromisoformat, what="expected YYYY-MM-DD, got")
        if day and check_agent("time_off.csv", n, rec["agent_id"]):
            time_off.append(TimeOff(rec["agent_id"], day))
    prefs = []
    for n, rec in rd.rows("preferences.csv", ["agent_id", "date", "shift_code", "kind", "weight"], optional=True):
        f = "preferences.csv"
        day = rd.get(f, n, rec, "date", date.fromisoformat, what="expected YYYY-MM-DD, got")
        weight = rd.get(f, n, rec, "weight", _nonneg_int)
        code = rec["shift_code"]
        ok = check_agent(f, n, rec["agent_id"])
        if code.upper() != "OFF" and code not in codes:
            rd.issues.append(ImportIssue(f, n, "shift_code", f"unknown shift {code!r} (or OFF)"))
            ok = False
        if rec["kind"] not in ("want", "avoid"):
            rd.issues.append(ImportIssue(f, n, "kind", f"expected want or avoid, got {rec['kind']!r}"))
            ok = False
        if ok and day and weight is not None:
            prefs.append(Preference(rec["agent_id"], day, None if code.upper() == "OFF" else code, rec["kind"], weight))  # type: ignore[arg-type]
    activities = []
    for n, rec in rd.rows("activities.csv", ["agent_id", "start", "end"], optional=True):
        f = "activities.csv"
        s = rd.get(f, n, rec, "start", datetime.fromisoformat, what="expected ISO date-time, got")
        e = rd.get(f, n, rec, "end", datetime.fromisoformat, what="expected ISO date-time, got")
        if s and e and check_agent(f, n, rec["agent_id"]):
            if e <= s:
                rd.issues.append(ImportIssue(f, n, "end", "ends before it starts"))
                continue
            activities.append(FixedActivity(rec["agent_id"], timeutil.to_utc(s, tz), timeutil.to_utc(e, tz),
                                            rec.get("kind") or "activity"))
    previous = []
    for row in _roster_rows(rd, "previous_roster.csv", optional=True):
        if row.shift_code not in codes:
            rd.issues.append(ImportIssue("previous_roster.csv", None, "shift_code", f"unknown shift {row.shift_code!r}"))
            continue
        previous.append(Assignment(row.agent_id, row.date, row.shift_code,
                                   tuple((timeutil.to_utc(a, tz), timeutil.to_utc(b, tz)) for a, b in row.breaks)))
    pinned = []
    for n, rec in rd.rows("pinned.csv", ["agent_id", "date", "shift_code"], optional=True):
        day = rd.get("pinned.csv", n, rec, "date", date.fromisoformat, what="expected YYYY-MM-DD, got")
        if rec["shift_code"] not in codes:
            rd.issues.append(ImportIssue("pinned.csv", n, "shift_code", f"unknown shift {rec['shift_code']!r}"))
        elif day and check_agent("pinned.csv", n, rec["agent_id"]):
            pinned.append(Assignment(rec["agent_id"], day, rec["shift_code"]))
    if rd.issues or cfg is None:
        raise ScenarioError(rd.issues)
    try:
        return Problem(
            start_date=cfg["start_date"], days=cfg["days"], agents=tuple(agents), templates=tuple(templates),
            interval_minutes=cfg["interval_minutes"], timezone=tz, requirements=tuple(requirements),
            time_off=tuple(time_off), preferences=tuple(prefs), activities=tuple(activities),
            previous=tuple(previous), pinned=tuple(pinned), rules=cfg["rules"], weights=cfg["weights"],
            name=folder.name,
        )
    except ProblemError as exc:
        raise ScenarioError([ImportIssue("scenario", None, exc.field, exc.message)]) from None


# -- writing ----------------------------------------------------------------------------

def _hhmm(dt: datetime) -> str:
    return f"{dt:%H:%M}"


def roster_rows(result: RosterResult, tz: str) -> list[RosterRow]:
    """Result -> rows as published (local wall-clock times)."""
    return [
        RosterRow(s.agent_id, s.date, s.shift_code, timeutil.to_local(s.start, tz), timeutil.to_local(s.end, tz),
                  tuple((timeutil.to_local(a, tz), timeutil.to_local(b, tz)) for a, b in s.breaks))
        for s in result.assignments
    ]


def write_roster_csv(path: Path, rows: Iterable[RosterRow]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["agent_id", "date", "shift_code", "start", "end", "breaks"])
        for r in rows:
            w.writerow([r.agent_id, r.date.isoformat(), r.shift_code, r.start.isoformat(timespec="minutes"),
                        r.end.isoformat(timespec="minutes"), ";".join(f"{_hhmm(a)}-{_hhmm(b)}" for a, b in r.breaks)])


def summary_dict(problem: Problem, result: RosterResult) -> dict[str, Any]:
    return {
        "scenario": problem.name,
        "status": result.status,
        "objective": result.objective,
        "best_bound": result.bound,
        "gap": result.gap,
        "solve_seconds": round(result.runtime, 3),
        "solutions": result.solutions,
        "cancelled": result.cancelled,
        "shifts": len(result.assignments),
        "under_covered_agent_minutes": result.under_minutes(),
        "over_covered_agent_minutes": result.over_minutes(),
        "soft_violations": result.violations_by_rule(),
        "explanation": list(result.explanation),
        "conflicting_rules": list(result.conflicting_rules),
        "relaxations": [{"rule": r.rule, "agent_id": r.agent_id, "date": r.date.isoformat() if r.date else None,
                         "message": r.message} for r in result.relaxations],
        # large centers (optimizer.roster.large): LP lower bound on under-covered agent-minutes
        "under_covered_lower_bound": result.stats.get("bound_under_agent_minutes"),
        "relaxed_roster": None if result.relaxed is None else {
            "objective": result.relaxed.objective, "shifts": len(result.relaxed.assignments),
            "under_covered_agent_minutes": result.relaxed.under_minutes()},
    }


def write_outputs(folder: str | Path, problem: Problem, result: RosterResult) -> None:
    """roster.csv, coverage.csv and summary.json into ``folder``."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    # an infeasible problem still gets a roster: the best relaxed one (see summary.json)
    shown = result.relaxed if result.relaxed is not None else result
    write_roster_csv(out / "roster.csv", roster_rows(shown, problem.timezone))
    with (out / "coverage.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["timestamp", "queue", "required", "scheduled"])
        for c in shown.coverage:
            w.writerow([timeutil.to_local(c.start, problem.timezone).isoformat(timespec="minutes"), c.queue,
                        c.required, c.scheduled])
    (out / "summary.json").write_text(json.dumps(summary_dict(problem, result), indent=2) + "\n", encoding="utf-8")


def write_scenario(folder: str | Path, problem: Problem) -> None:
    """Write a Problem as a scenario folder (the generator and tests use this)."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    tz = problem.timezone
    with (out / "agents.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["agent_id", "team", "skills", "min_hours_week", "max_hours_week", "night_ok", "supervisor",
                    "contract_daily_hours"])
        for a in problem.agents:
            w.writerow([a.id, a.team, ";".join(a.skills), a.min_hours_week, a.max_hours_week,
                        str(a.night_ok).lower(), str(a.supervisor).lower(), a.contract_daily_hours])
    with (out / "shift_templates.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["code", "start", "length_minutes", "unpaid_break_minutes", "break_earliest", "break_latest",
                    "paid_breaks", "forbidden_next", "unpopular"])
        for t in problem.templates:
            unpaid = [b for b in t.breaks if not b.paid]
            paid = ";".join(f"{b.length_minutes}@{b.earliest}-{b.latest}" for b in t.breaks if b.paid)
            w.writerow([t.code, f"{t.start_minute // 60:02d}:{t.start_minute % 60:02d}", t.length_minutes,
                        sum(b.length_minutes for b in unpaid), unpaid[0].earliest if unpaid else "",
                        unpaid[0].latest if unpaid else "", paid, ";".join(t.forbidden_next), str(t.unpopular).lower()])
    with (out / "requirements.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["timestamp", "queue", "volume", "aht_seconds", "agents_on_phone", "agents_scheduled",
                    "service_level", "asa_seconds", "occupancy"])
        for r in problem.requirements:
            w.writerow([timeutil.to_local(r.start, tz).isoformat(timespec="minutes"), r.queue, "", "", "",
                        r.agents, "", "", ""])
    with (out / "time_off.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["agent_id", "date"])
        for o in problem.time_off:
            w.writerow([o.agent_id, o.date.isoformat()])
    with (out / "preferences.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["agent_id", "date", "shift_code", "kind", "weight"])
        for p in problem.preferences:
            w.writerow([p.agent_id, p.date.isoformat(), p.shift_code or "OFF", p.kind, p.weight])
    if problem.activities:
        with (out / "activities.csv").open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["agent_id", "start", "end", "kind"])
            for a in problem.activities:
                w.writerow([a.agent_id, timeutil.to_local(a.start, tz).isoformat(timespec="minutes"),
                            timeutil.to_local(a.end, tz).isoformat(timespec="minutes"), a.kind])
    r = problem.rules

    def val(v: object) -> str:
        return "false" if v is None else str(v).lower() if isinstance(v, bool) else str(v)

    lines = [
        f'start_date = "{problem.start_date.isoformat()}"', f"days = {problem.days}",
        f"interval_minutes = {problem.interval_minutes}", f'timezone = "{tz}"',
        f"min_rest_hours = {val(r.min_rest_hours)}", f"max_consecutive_days = {val(r.max_consecutive_days)}",
        f"min_consecutive_days_off = {val(r.min_consecutive_days_off)}",
        f"min_days_off_per_week = {val(r.min_days_off_per_week)}", f"max_nights_in_row = {val(r.max_nights_in_row)}",
        f"max_weekends_per_4_weeks = {val(r.max_weekends_per_window)}",
        f"supervisor_always_on_duty = {val(r.supervisor_always_on_duty)}",
        f"time_off_is_rest = {val(r.time_off_is_rest)}",
    ]
    if problem.weights.queue_weights:
        lines.append("\n[queue_weights]")
        lines += [f'"{q}" = {v}' for q, v in problem.weights.queue_weights]
    (out / "rules.toml").write_text("\n".join(lines) + "\n")


#: Optional shift_templates.csv columns that make a row a flexible template.
FLEXIBLE_COLUMNS = ("start_latest", "start_step_minutes", "length_max_minutes", "length_step_minutes")


def _flexible_candidates(rd: "_Reader", f: str, n: int, rec: dict, start: int, length: int) -> list[tuple[str, int, int]] | None:
    """Expand a flexible template row into concrete (code, start, length) candidates.

    A row is flexible when any of ``FLEXIBLE_COLUMNS`` is filled: starts run from ``start``
    to ``start_latest`` by ``start_step_minutes`` and lengths from ``length_minutes`` to
    ``length_max_minutes`` by ``length_step_minutes``; the engine then chooses among the
    candidates (issue 5: shift design from interval demand).  Candidate codes are
    ``CODE.HHMM`` or ``CODE.HHMM.LEN`` so a roster row names the concrete shift.
    Returns [] for a fixed row and None when the row has an error (already recorded).
    """
    from optimizer.shiftdesign.flexible import FlexibleTemplate, expand

    if not any((rec.get(c) or "").strip() for c in FLEXIBLE_COLUMNS):
        return []
    latest = rd.get(f, n, rec, "start_latest", _hhmm_minutes, default=start, what="expected HH:MM, got")
    start_step = rd.get(f, n, rec, "start_step_minutes", _nonneg_int, default=15)
    max_len = rd.get(f, n, rec, "length_max_minutes", _nonneg_int, default=length)
    len_step = rd.get(f, n, rec, "length_step_minutes", _nonneg_int, default=15)
    if None in (latest, start_step, max_len, len_step):
        return None
    if latest < start:
        latest += 1440  # a window crossing midnight
    try:
        cands = expand(FlexibleTemplate(rec["code"], start, latest, start_step or 15, length, max_len, len_step or 15))
    except ValueError as exc:
        rd.issues.append(ImportIssue(f, n, None, str(exc)))
        return None
    vary_length = max_len != length
    out = []
    for s_min, l_min in cands:
        code = f"{rec['code']}.{s_min // 60:02d}{s_min % 60:02d}" + (f".{l_min}" if vary_length else "")
        out.append((code, s_min, l_min))
    return out
