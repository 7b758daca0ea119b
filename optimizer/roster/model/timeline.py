"""Where shifts fall in time: the model's view of the calendar.

Turns (day, template) into UTC instants and indices of the horizon's interval grid,
once, so that every constraint family reads the same numbers.  The grid comes from
``timeutil.interval_grid`` so a DST day has 92 or 100 quarter-hours; a template starting
at 06:00 local starts at a different UTC instant on either side of the change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from optimizer import timeutil
from optimizer.roster.problem import Assignment, Problem, ShiftTemplate


@dataclass(frozen=True)
class Slot:
    """A template placed on a day of the horizon (day index ``d``)."""

    d: int
    template: ShiftTemplate
    start: datetime
    end: datetime
    #: grid indices the shift covers (inside the horizon only)
    intervals: tuple[int, ...]
    #: per break rule: list of (offset minutes, grid indices the break covers)
    break_options: tuple[tuple[tuple[int, tuple[int, ...]], ...], ...]


class Timeline:
    """Interval grid, slots and the previous roster's carry-over, computed once."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        p = problem
        self.grid: list[datetime] = timeutil.interval_grid(p.start_date, p.days, p.interval_minutes, p.timezone)
        self.index: dict[datetime, int] = {t: i for i, t in enumerate(self.grid)}
        self.step = timedelta(minutes=p.interval_minutes)
        self.dates = p.dates
        self.slots: dict[tuple[int, str], Slot] = {}
        for d, day in enumerate(self.dates):
            for t in p.templates:
                self.slots[d, t.code] = self._slot(d, day, t)

    def required(self) -> dict[tuple[str, int], int]:
        """Agents required on the phone per (queue, grid index); a requirement given twice
        for one interval counts once, at its largest."""
        req: dict[tuple[str, int], int] = {}
        for r in self.problem.requirements:
            i = self.index.get(r.start)
            if i is not None:
                req[r.queue, i] = max(req.get((r.queue, i), 0), r.agents)
        return req

    def covered(self, start: datetime, end: datetime) -> tuple[int, ...]:
        """Grid indices of intervals whose start lies in [start, end)."""
        out = []
        t = start
        while t < end:
            i = self.index.get(t)
            if i is not None:
                out.append(i)
            t += self.step
        return tuple(out)

    def _slot(self, d: int, day: date, t: ShiftTemplate) -> Slot:
        start = self.problem.shift_start(day, t)
        end = start + timedelta(minutes=t.length_minutes)
        options = []
        # Break starts on the coverage grid when coverage or supervision is modelled.
        p = self.problem
        step = p.interval_minutes if (p.requirements or p.rules.supervisor_always_on_duty) else 15
        for b in t.breaks:
            opts = []
            for off in range(b.earliest, b.latest + 1, step):
                bs = start + timedelta(minutes=off)
                opts.append((off, self.covered(bs, bs + timedelta(minutes=b.length_minutes))))
            options.append(tuple(opts))
        return Slot(d, t, start, end, self.covered(start, end), tuple(options))

    # -- history -------------------------------------------------------------------
    def history_dates(self) -> list[date]:
        """Known days before the horizon: from the previous roster's first date to the
        day before the horizon (days without an entry are days off)."""
        before = [a.date for a in self.problem.previous if a.date < self.problem.start_date]
        if not before:
            return []
        return timeutil.daterange(min(before), (self.problem.start_date - min(before)).days)

    def previous_by_agent(self) -> dict[str, list[Assignment]]:
        out: dict[str, list[Assignment]] = {}
        for a in self.problem.previous:
            if a.date < self.problem.start_date:
                out.setdefault(a.agent_id, []).append(a)
        return out

    def carry_in(self, a: Assignment) -> tuple[datetime, datetime, tuple[int, ...], tuple[int, ...]]:
        """A previous-roster shift's instants, the horizon intervals it covers, and the
        intervals of its breaks (which are not on duty)."""
        t = self.problem.template(a.shift_code)
        start = self.problem.shift_start(a.date, t)
        end = start + timedelta(minutes=t.length_minutes)
        on_break: list[int] = []
        for bs, be in a.breaks:
            on_break.extend(self.covered(bs, be))
        return start, end, self.covered(start, end), tuple(on_break)
