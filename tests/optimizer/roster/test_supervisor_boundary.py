"""The supervisor-on-duty rule at the roster's boundaries, in the model and the validator.

A first roster (no previous roster before its first day) cannot staff the night running
into that day: the intervals of the first day that no shift starting inside the horizon
spans are exempt, and only those.  With a previous roster, its shifts running past
midnight into the first day count (minus their breaks), and a night without a
supervisor is a violation (infeasible, explained).  Intervals after the last day are
not part of the horizon.  Checked also on both DST days of Europe/Madrid.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

from roster_factories import START, day

from optimizer import timeutil
from optimizer.roster.model import build_model
from optimizer.roster.model.coverage import unknown_first_night
from optimizer.roster.problem import Agent, Assignment, Problem, Rules, ShiftTemplate
from optimizer.roster.scenario import roster_rows
from optimizer.roster.solve import solve
from optimizer.roster.validator import RosterRow, validate

#: three 8-hour shifts that tile the day; the night runs 22:00-06:00
TEMPLATES = (ShiftTemplate("E", 6 * 60, 480), ShiftTemplate("L", 14 * 60, 480), ShiftTemplate("N", 22 * 60, 480))
RULES = Rules(min_rest_hours=8, max_consecutive_days=None, min_consecutive_days_off=None, min_days_off_per_week=None,
              max_nights_in_row=None, max_weekends_per_window=None, supervisor_always_on_duty=True,
              weekly_hours=False)
SPRING = date(2026, 3, 29)  # Madrid: 02:00 -> 03:00, a 23-hour day
AUTUMN = date(2026, 10, 25)  # Madrid: 03:00 -> 02:00, a 25-hour day


def problem(n_sup: int = 3, days: int = 1, *, start: date = START, tz: str = "UTC",
            previous: tuple[Assignment, ...] = ()) -> Problem:
    agents = tuple(Agent(f"S{i}", team="T", supervisor=True) for i in range(n_sup)) + (Agent("A9", team="T"),)
    return Problem(start, days, agents, TEMPLATES, interval_minutes=60, timezone=tz, rules=RULES, previous=previous)


def shift(p: Problem, agent: str, on: date, code: str) -> RosterRow:
    t = p.template(code)
    s = p.shift_start(on, t)
    return RosterRow(agent, on, code, timeutil.to_local(s, p.timezone),
                     timeutil.to_local(s + timedelta(minutes=t.length_minutes), p.timezone))


def three_shifts(p: Problem, days: int | None = None) -> list[RosterRow]:
    """S0 early, S1 late, S2 night on every day: every hour of the horizon is covered
    except those only the night before the first day could cover."""
    return [shift(p, f"S{k}", d, code) for d in p.dates[:days] for k, code in enumerate(("E", "L", "N"))]


def gaps(p: Problem, rows: list[RosterRow]) -> list[str]:
    return [f"{v.date} {v.message.rsplit(' ', 1)[-1]}" for v in validate(p, rows) if v.rule == "supervisor_on_duty"]


def exempt_local(p: Problem) -> list[str]:
    rv = build_model(p)
    return [f"{timeutil.to_local(rv.timeline.grid[i], p.timezone):%Y-%m-%d %H:%M}"
            for i in sorted(unknown_first_night(rv))]


def solved_and_valid(p: Problem) -> list[Assignment]:
    res = solve(p, time_limit=10, num_workers=2, strategy="cp-sat")
    assert res.feasible, res.status
    assert validate(p, roster_rows(res, p.timezone)) == []
    return [Assignment(s.agent_id, s.date, s.shift_code) for s in res.assignments]


# -- (1) no previous roster: the rule is on; only the unstaffable first hours are exempt --
def test_first_roster_exempts_only_the_hours_before_the_first_shift() -> None:
    p = problem(days=2)
    assert exempt_local(p) == [f"{START} {h:02d}:00" for h in range(6)]
    assert gaps(p, three_shifts(p)) == []
    # day 2's early hours are enforced: the night of day 1 is inside the horizon
    no_night = [r for r in three_shifts(p) if not (r.date == START and r.shift_code == "N")]
    assert gaps(p, no_night) == [f"{START} 22:00", f"{START} 23:00"] + [f"{day(1)} {h:02d}:00" for h in range(6)]
    # the last day's night runs past the horizon: nothing after it is asked for, and
    # without it the last day's 22:00-24:00 is open (nothing beyond midnight)
    assert gaps(p, three_shifts(p)[:-1]) == [f"{day(1)} 22:00", f"{day(1)} 23:00"]
    # a non-supervisor does not count
    swapped = [replace(r, agent_id="A9") if r.shift_code == "L" and r.date == day(1) else r for r in three_shifts(p)]
    assert gaps(p, swapped) == [f"{day(1)} {h}:00" for h in range(14, 22)]


def test_first_roster_model_keeps_the_rule_everywhere_else() -> None:
    roster = solved_and_valid(problem(n_sup=3, days=2))
    # the early hours of day 2 are someone's night on day 1
    assert any(a.date == START and a.shift_code == "N" for a in roster)
    # two supervisors cannot cover a day's E, L and N (22:00-24:00 of even the first day)
    assert solve(problem(n_sup=2, days=1), time_limit=10, num_workers=2, strategy="cp-sat").status == "INFEASIBLE"


def test_no_exemption_when_a_template_starts_at_midnight() -> None:
    p = replace(problem(days=1), templates=TEMPLATES + (ShiftTemplate("M", 0, 360),))
    assert exempt_local(p) == []
    assert gaps(p, three_shifts(p)) == [f"{START} {h:02d}:00" for h in range(6)]


# -- (2) a previous roster with a supervisor's night into day 1 covers those hours ------
def test_previous_supervisor_night_covers_the_first_hours() -> None:
    eve = START - timedelta(days=1)
    p = problem(days=2, previous=(Assignment("S2", eve, "N"),))
    assert exempt_local(p) == []
    assert gaps(p, three_shifts(p)) == []
    solved_and_valid(p)
    # the previous night's break is not on duty
    brk = (timeutil.to_utc(datetime.combine(START, datetime.min.time()) + timedelta(hours=2), "UTC"),
           timeutil.to_utc(datetime.combine(START, datetime.min.time()) + timedelta(hours=3), "UTC"))
    on_break = replace(p, previous=(Assignment("S2", eve, "N", (brk,)),))
    assert gaps(on_break, three_shifts(p)) == [f"{START} 02:00"]
    assert solve(on_break, time_limit=10, num_workers=2, strategy="cp-sat").status == "INFEASIBLE"


# -- (3) a previous roster without a supervisor that night: violation, infeasible -------
def test_previous_roster_without_a_supervisor_night_is_a_violation() -> None:
    eve = START - timedelta(days=1)
    # history is known (S0 worked the early shift; A9, no supervisor, the night)
    p = problem(days=2, previous=(Assignment("S0", eve, "E"), Assignment("A9", eve, "N")))
    assert exempt_local(p) == []
    assert gaps(p, three_shifts(p)) == [f"{START} {h:02d}:00" for h in range(6)]
    res = solve(p, time_limit=20, num_workers=2, strategy="cp-sat")
    assert res.status == "INFEASIBLE"
    assert "supervisor_on_duty" in res.conflicting_rules
    text = "\n".join(res.explanation)
    assert f"[supervisor_on_duty] no supervisor can cover 00:00-06:00 on {START}" in text, text
    assert f"only a shift starting on {eve} (before the horizon) covers 00:00" in text, text
    # the relaxed roster breaks the rule only there
    relaxed = validate(p, roster_rows(res.relaxed, p.timezone))
    assert {(v.rule, v.date) for v in relaxed} == {("supervisor_on_duty", START)}
    assert len(relaxed) == 6


# -- DST days ---------------------------------------------------------------------------
def test_first_day_on_dst_changes() -> None:
    for start, hours, exempt in ((SPRING, 23, ["00", "01", "03", "04", "05"]),
                                 (AUTUMN, 25, ["00", "01", "02", "02", "03", "04", "05"])):
        p = problem(days=1, start=start, tz="Europe/Madrid")
        assert [s[-5:-3] for s in exempt_local(p)] == exempt
        assert gaps(p, three_shifts(p)) == []
        # nobody at all: every interval of the day but the exempt ones is reported
        assert len(gaps(p, [])) == hours - len(exempt)
        solved_and_valid(p)


def test_previous_night_across_the_autumn_change_ends_an_hour_early() -> None:
    # 22:00 + 8 elapsed hours on the 25-hour night is 05:00 local: 05:00-06:00 is open
    night = lambda on: (Assignment("S2", on - timedelta(days=1), "N"),)  # noqa: E731
    p = problem(days=1, start=AUTUMN, tz="Europe/Madrid", previous=night(AUTUMN))
    assert gaps(p, three_shifts(p)) == [f"{AUTUMN} 05:00"]
    spring = problem(days=1, start=SPRING, tz="Europe/Madrid", previous=night(SPRING))
    assert gaps(spring, three_shifts(spring)) == []


# -- (4) supervisors outside the problem (another team's) count where they are on duty ----
def _utc(on: date, hour: int) -> datetime:
    return timeutil.to_utc(datetime.combine(on, datetime.min.time()) + timedelta(hours=hour), "UTC")


def test_supervisors_outside_the_problem_attend_their_hours() -> None:
    # one supervisor of our own: it can attend one shift a day, never the whole day
    alone = problem(n_sup=1, days=2)
    assert solve(alone, time_limit=10, num_workers=2, strategy="cp-sat").status == "INFEASIBLE"
    # another team's supervisors are on duty around the clock, except a lunch 12:00-13:00
    # on day 2: that hour is ours, and only the early shift attends it
    spans = ((_utc(START, 6), _utc(START, 22)), (_utc(START, 22), _utc(day(1), 6)),
             (_utc(day(1), 6), _utc(day(1), 12)), (_utc(day(1), 13), _utc(day(1), 22)),
             (_utc(day(1), 22), _utc(day(2), 6)))
    shared = replace(alone, supervised=spans)
    roster = solved_and_valid(shared)
    assert any(a.agent_id == "S0" and a.date == day(1) and a.shift_code == "E" for a in roster)
    # the validator reads the same spans on its own: only the hour nobody attends is
    # reported, and without the spans our supervisor alone leaves most of the days open
    night = [shift(shared, "S0", day(1), "N")]
    assert gaps(shared, night) == [f"{day(1)} 12:00"]
    assert len(gaps(alone, night)) > 20
    assert gaps(shared, [shift(shared, "S0", day(1), "E")]) == []
    # without the other team's first night, its hours are open again
    assert gaps(replace(shared, supervised=spans[:1] + spans[2:]), [shift(shared, "S0", day(1), "E")]) == [
        f"{START} 22:00", f"{START} 23:00"] + [f"{day(1)} {h:02d}:00" for h in range(6)]
