"""Curtois & Qu shift scheduling benchmark instances on the roster engine.

``read_instance`` parses the text format (see the benchmark README), ``to_problem``
maps each of its rules onto the engine's own constraint families (no second model):

| benchmark rule                     | engine family                                     |
|------------------------------------|---------------------------------------------------|
| one shift per day                  | structural (``work = sum x``)                     |
| shifts that may not follow         | ``ShiftTemplate.forbidden_next`` (rest/rotation)  |
| MaxShifts per type                 | ``Agent.max_shifts`` (max_shifts_per_template)    |
| Min/MaxTotalMinutes                | ``Agent.min/max_total_minutes`` (total_minutes)   |
| Max/MinConsecutiveShifts           | consecutive_days (per-agent override)             |
| MinConsecutiveDaysOff              | consecutive_days_off (per-agent override)         |
| MaxWeekends                        | weekends, window = whole horizon                  |
| days off                           | time_off                                          |
| shift on/off requests              | preferences (want / avoid, own weights)           |
| cover                              | ``ShiftDemand`` (shift_demands, own weights)      |

``check_solution`` is an independent checker of the instance's hard constraints and
objective, written from the benchmark's definition only.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from optimizer.roster.problem import (
    Agent, Preference, Problem, Rules, ShiftDemand, ShiftTemplate, TimeOff, Weights,
)

DAY0 = date(2024, 1, 1)  # a Monday: the format's day 0 is always a Monday


@dataclass
class Staff:
    id: str
    max_shifts: dict[str, int]
    max_minutes: int
    min_minutes: int
    max_consecutive: int
    min_consecutive: int
    min_days_off: int
    max_weekends: int


@dataclass
class Instance:
    name: str
    horizon: int
    shifts: dict[str, tuple[int, tuple[str, ...]]]  # id -> (minutes, may not follow)
    staff: list[Staff]
    days_off: dict[str, set[int]] = field(default_factory=dict)
    on_requests: list[tuple[str, int, str, int]] = field(default_factory=list)
    off_requests: list[tuple[str, int, str, int]] = field(default_factory=list)
    cover: list[tuple[int, str, int, int, int]] = field(default_factory=list)


class InstanceError(ValueError):
    pass


def read_instance(path: str | Path) -> Instance:
    path = Path(path)
    sections: dict[str, list[tuple[int, list[str]]]] = defaultdict(list)
    current = None
    for n, line in enumerate(path.read_text(encoding="ascii").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("SECTION_"):
            current = line
            continue
        if current is None:
            raise InstanceError(f"{path.name}, line {n}: data before any SECTION_")
        sections[current].append((n, [f.strip() for f in line.split(",")]))
    try:
        horizon = int(sections["SECTION_HORIZON"][0][1][0])
        shifts = {}
        for _, f in sections["SECTION_SHIFTS"]:
            shifts[f[0]] = (int(f[1]), tuple(s for s in (f[2] if len(f) > 2 else "").split("|") if s))
        staff = []
        for _, f in sections["SECTION_STAFF"]:
            caps = dict((kv.split("=")[0], int(kv.split("=")[1])) for kv in f[1].split("|") if kv)
            staff.append(Staff(f[0], caps, *(int(v) for v in f[2:8])))
        inst = Instance(path.stem, horizon, shifts, staff)
        for _, f in sections["SECTION_DAYS_OFF"]:
            inst.days_off[f[0]] = {int(v) for v in f[1:] if v}
        for _, f in sections["SECTION_SHIFT_ON_REQUESTS"]:
            inst.on_requests.append((f[0], int(f[1]), f[2], int(f[3])))
        for _, f in sections["SECTION_SHIFT_OFF_REQUESTS"]:
            inst.off_requests.append((f[0], int(f[1]), f[2], int(f[3])))
        for _, f in sections["SECTION_COVER"]:
            inst.cover.append((int(f[0]), f[1], int(f[2]), int(f[3]), int(f[4])))
    except (IndexError, ValueError) as exc:
        raise InstanceError(f"{path.name}: malformed instance ({exc})") from None
    return inst


def to_problem(inst: Instance) -> Problem:
    """The instance as an engine Problem whose objective equals the benchmark's."""
    day = [DAY0 + timedelta(days=d) for d in range(inst.horizon)]
    templates = tuple(
        # Start times are irrelevant here (no interval cover, no rest length): 06:00
        # keeps every template a day shift; rotation comes from forbidden_next.
        ShiftTemplate(code, 6 * 60, minutes, (), nxt) for code, (minutes, nxt) in inst.shifts.items()
    )
    agents = tuple(
        Agent(
            id=s.id, contract_daily_hours=0.0, max_shifts=tuple((c, s.max_shifts.get(c, 0)) for c in inst.shifts),
            min_total_minutes=s.min_minutes, max_total_minutes=s.max_minutes,
            max_consecutive_days=s.max_consecutive, min_consecutive_days=s.min_consecutive,
            min_consecutive_days_off=s.min_days_off, max_weekends=s.max_weekends,
        )
        for s in inst.staff
    )
    rules = Rules(min_rest_hours=0, max_consecutive_days=None, min_consecutive_days=None,
                  min_consecutive_days_off=None, min_days_off_per_week=None, max_nights_in_row=None,
                  max_weekends_per_window=None, weekend_window_weeks=None,
                  supervisor_always_on_duty=False, weekly_hours=False, time_off_is_rest=True)
    weights = Weights(preference=1, fairness_nights=0, fairness_weekends=0, fairness_unpopular=0,
                      fairness_preferences=0, change=0)
    prefs = [Preference(e, day[d], s, "want", w) for e, d, s, w in inst.on_requests]
    prefs += [Preference(e, day[d], s, "avoid", w) for e, d, s, w in inst.off_requests]
    return Problem(
        start_date=DAY0, days=inst.horizon, agents=agents, templates=templates, interval_minutes=60,
        shift_demands=tuple(ShiftDemand(day[d], s, r, wu, wo) for d, s, r, wu, wo in inst.cover),
        time_off=tuple(TimeOff(e, day[d]) for e, ds in inst.days_off.items() for d in sorted(ds)),
        preferences=tuple(prefs), rules=rules, weights=weights, name=inst.name,
    )


# -- independent checker ---------------------------------------------------------------

def check_solution(inst: Instance, assignments: list[tuple[str, int, str]]) -> tuple[list[str], int]:
    """Hard-constraint violations and the objective of (employee, day, shift) triples,
    straight from the benchmark definition (no engine code)."""
    errors: list[str] = []
    grid: dict[str, list[str | None]] = {s.id: [None] * inst.horizon for s in inst.staff}
    for e, d, s in assignments:
        if e not in grid or not (0 <= d < inst.horizon) or s not in inst.shifts:
            errors.append(f"bad assignment {e},{d},{s}")
            continue
        if grid[e][d] is not None:
            errors.append(f"{e} day {d}: two shifts")
        grid[e][d] = s
    for st in inst.staff:
        row = grid[st.id]
        for d in range(inst.horizon - 1):
            if row[d] and row[d + 1] and row[d + 1] in inst.shifts[row[d]][1]:
                errors.append(f"{st.id} day {d + 1}: {row[d + 1]} may not follow {row[d]}")
        for s in inst.shifts:
            if sum(1 for v in row if v == s) > st.max_shifts.get(s, 0):
                errors.append(f"{st.id}: too many {s}")
        minutes = sum(inst.shifts[v][0] for v in row if v)
        if not (st.min_minutes <= minutes <= st.max_minutes):
            errors.append(f"{st.id}: {minutes} minutes outside [{st.min_minutes}, {st.max_minutes}]")
        d = 0
        while d < inst.horizon:
            working = row[d] is not None
            e = d
            while e < inst.horizon and (row[e] is not None) == working:
                e += 1
            length, inner = e - d, d > 0 and e < inst.horizon
            if working and length > st.max_consecutive:
                errors.append(f"{st.id} day {d}: {length} consecutive shifts")
            if working and inner and length < st.min_consecutive:
                errors.append(f"{st.id} day {d}: only {length} consecutive shifts")
            if not working and inner and length < st.min_days_off:
                errors.append(f"{st.id} day {d}: only {length} days off")
            d = e
        weekends = sum(1 for k in range(inst.horizon // 7) if row[7 * k + 5] or row[7 * k + 6])
        if weekends > st.max_weekends:
            errors.append(f"{st.id}: {weekends} weekends")
        for d in inst.days_off.get(st.id, ()):
            if row[d]:
                errors.append(f"{st.id} day {d}: works on a day off")
    obj = 0
    for e, d, s, w in inst.on_requests:
        if grid[e][d] != s:
            obj += w
    for e, d, s, w in inst.off_requests:
        if grid[e][d] == s:
            obj += w
    for d, s, req, wu, wo in inst.cover:
        n = sum(1 for st in inst.staff if grid[st.id][d] == s)
        obj += wu * max(0, req - n) + wo * max(0, n - req)
    return errors, obj


@dataclass
class BenchmarkSolution:
    instance: str
    status: str
    objective: int | None
    bound: float | None
    runtime: float
    assignments: list[tuple[str, int, str]]
    #: hard-constraint violations found by the independent checker (empty = valid)
    errors: list[str]
    engine_objective: float | None = None

    def to_json(self) -> dict:
        return {
            "instance": self.instance,
            "objective": self.objective,
            "assignments": [{"employee": e, "day": d, "shift": s} for e, d, s in self.assignments],
        }


#: Engine strategy for these instances: ``patterns`` (``optimizer.roster.patterns``): the
#: engine's CP-SAT search, a column-generation lower bound whose master IP over the
#: generated schedules (plus the search's own) gives a warm start, then the engine's
#: search from the better roster.  Every cross-agent rule here is cover, so the pattern
#: LP is near-tight (Instance5: bound 1141, best known 1143) where the compact model's
#: bound is near zero.  ``cp-sat`` (one search) stays selectable; the engine's ``lns`` lost
#: to it (docs/roster-engine.md has the figures).
STRATEGY = "patterns"


def solve_instance(inst: Instance, *, time_limit: float, num_workers: int = 2, seed: int = 0,
                   progress=None, strategy: str = STRATEGY) -> BenchmarkSolution:  # noqa: ANN001
    """Solve with the roster engine, then re-check and re-score independently."""
    from optimizer.roster.solve import solve

    result = solve(to_problem(inst), time_limit=time_limit, num_workers=num_workers, seed=seed,
                   progress=progress, strategy=strategy)
    triples = sorted(((a.agent_id, (a.date - DAY0).days, a.shift_code) for a in result.assignments),
                     key=lambda t: (t[1], t[0]))
    errors, obj = check_solution(inst, triples) if result.feasible else (["no roster"], None)
    return BenchmarkSolution(inst.name, result.status, obj if result.feasible else None, result.bound,
                             result.runtime, triples, errors, result.objective)
