"""The validator catches a hand-made violation of each hard rule (and nothing else)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from roster_factories import START, TEMPLATES, day, row, small_problem

from optimizer import timeutil
from optimizer.roster.problem import Assignment, FixedActivity, Rules, TimeOff
from optimizer.roster.validator import RULES, RosterRow, validate


def rules_of(problem, rows) -> set[str]:
    found = validate(problem, rows)
    for v in found:  # each violation also says itself to people (the web app translates it)
        assert v.text and "%(" not in v.sentence(), v
    return {v.rule for v in found}


def test_reasonable_roster_is_valid() -> None:
    p = small_problem(days=7)
    rows = [row(p, "A0", day(d), "E") for d in (0, 1, 2, 5, 6)] + [row(p, "A1", day(d), "L") for d in range(3)]
    assert validate(p, rows) == []


def test_every_rule_has_a_check() -> None:
    assert {"shift_definition", "one_shift_per_day", "time_off", "night_eligibility", "max_shifts_per_template",
            "pinned", "rest", "rotation", "max_consecutive_days", "min_consecutive_days",
            "min_consecutive_days_off", "max_nights_in_row", "min_days_off_per_week", "max_weekends",
            "weekly_hours", "total_minutes", "breaks", "fixed_activities", "supervisor_on_duty"} <= set(RULES)


def test_shift_definition() -> None:
    p = small_problem()
    good = row(p, "A0", day(0), "E")
    bad = replace(good, start=good.start + timedelta(hours=1))
    assert "shift_definition" in rules_of(p, [bad])
    assert "shift_definition" in rules_of(p, [replace(good, agent_id="nobody")])
    assert "shift_definition" in rules_of(p, [replace(good, shift_code="X")])


def test_one_shift_per_day() -> None:
    p = small_problem(rules=Rules(min_rest_hours=0, supervisor_always_on_duty=False))
    rows = [row(p, "A0", day(0), "E"), row(p, "A0", day(0), "N")]
    assert "one_shift_per_day" in rules_of(p, rows)


def test_time_off() -> None:
    p = small_problem(time_off=(TimeOff("A0", day(1)),))
    assert rules_of(p, [row(p, "A0", day(1), "E")]) == {"time_off"}


def test_night_eligibility() -> None:
    p = small_problem()
    p = replace(p, agents=(replace(p.agents[0], night_ok=False),) + p.agents[1:])
    assert rules_of(p, [row(p, "A0", day(1), "N")]) == {"night_eligibility"}
    assert rules_of(p, [row(p, "A1", day(1), "N")]) == set()


def test_max_shifts_per_template() -> None:
    p = small_problem()
    p = replace(p, agents=(replace(p.agents[0], max_shifts=(("L", 1),)),) + p.agents[1:])
    assert rules_of(p, [row(p, "A0", day(0), "L"), row(p, "A0", day(1), "L")]) == {"max_shifts_per_template"}


def test_pinned() -> None:
    p = small_problem(pinned=(Assignment("A0", day(2), "E"),))
    assert rules_of(p, [row(p, "A0", day(2), "L")]) == {"pinned"}
    assert rules_of(p, [row(p, "A0", day(2), "E")]) == set()


def test_rest_within_horizon_and_across_the_boundary() -> None:
    p = small_problem()
    assert rules_of(p, [row(p, "A0", day(0), "L"), row(p, "A0", day(1), "E")]) == {"rest"}
    p2 = small_problem(previous=(Assignment("A0", START - timedelta(days=1), "L"),))
    assert "rest" in rules_of(p2, [row(p2, "A0", day(0), "E")])
    (v,) = validate(p, [row(p, "A0", day(0), "L"), row(p, "A0", day(1), "E")])
    rest = (row(p, "A0", day(1), "E").start - row(p, "A0", day(0), "L").end).total_seconds() / 3600
    assert v.sentence() == (f"Only {rest:g} h of rest after the L shift of {day(0)}; "
                            f"at least {p.rules.min_rest_hours:g} h.")


def test_rotation() -> None:
    templates = (replace(TEMPLATES[0], forbidden_next=("L",)),) + TEMPLATES[1:]
    p = small_problem(templates=templates)
    assert rules_of(p, [row(p, "A0", day(0), "E"), row(p, "A0", day(1), "L")]) == {"rotation"}


def test_max_consecutive_days_counts_history() -> None:
    p = small_problem(days=14, rules=Rules(max_consecutive_days=3, min_days_off_per_week=None,
                                           supervisor_always_on_duty=False))
    assert "max_consecutive_days" in rules_of(p, [row(p, "A0", day(d), "E") for d in range(4)])
    assert "max_consecutive_days" not in rules_of(p, [row(p, "A0", day(d), "E") for d in range(3)])
    prev = tuple(Assignment("A0", START - timedelta(days=k), "E") for k in (1, 2))
    p2 = replace(p, previous=prev)
    assert "max_consecutive_days" in rules_of(p2, [row(p2, "A0", day(d), "E") for d in range(2)])


def test_min_consecutive_days() -> None:
    p = small_problem(rules=Rules(min_consecutive_days=2, supervisor_always_on_duty=False))
    assert "min_consecutive_days" in rules_of(p, [row(p, "A0", day(3), "E")])
    # a run touching the end of the horizon is exempt
    assert "min_consecutive_days" not in rules_of(p, [row(p, "A0", day(6), "E")])


def test_min_consecutive_days_off() -> None:
    p = small_problem()
    rows = [row(p, "A0", day(d), "E") for d in (0, 1, 3, 4)]
    assert "min_consecutive_days_off" in rules_of(p, rows)


def test_max_nights_in_row() -> None:
    p = small_problem()
    assert "max_nights_in_row" in rules_of(p, [row(p, "A1", day(d), "N") for d in range(4)])
    assert "max_nights_in_row" not in rules_of(p, [row(p, "A1", day(d), "N") for d in range(3)])


def test_min_days_off_per_week() -> None:
    p = small_problem(rules=Rules(max_consecutive_days=None, supervisor_always_on_duty=False))
    assert rules_of(p, [row(p, "A0", day(d), "E") for d in range(6)]) == {"min_days_off_per_week", "weekly_hours"}


def test_max_weekends() -> None:
    p = small_problem(days=14, rules=Rules(max_weekends_per_window=1, supervisor_always_on_duty=False))
    assert "max_weekends" in rules_of(p, [row(p, "A0", day(5), "E"), row(p, "A0", day(12), "E")])
    assert "max_weekends" not in rules_of(p, [row(p, "A0", day(5), "E"), row(p, "A0", day(6), "E")])


def test_weekly_hours_with_time_off_credit() -> None:
    p = small_problem()
    p = replace(p, agents=(replace(p.agents[0], min_hours_week=24, contract_daily_hours=8),) + p.agents[1:])
    rows = [row(p, "A0", day(0), "E"), row(p, "A0", day(1), "E")]
    assert rules_of(p, rows) == {"weekly_hours"}
    p2 = replace(p, time_off=(TimeOff("A0", day(4)),))
    assert rules_of(p2, rows) == set()


def test_total_minutes() -> None:
    p = small_problem()
    p = replace(p, agents=(replace(p.agents[0], max_total_minutes=600),) + p.agents[1:])
    assert rules_of(p, [row(p, "A0", day(0), "E"), row(p, "A0", day(1), "E")]) == {"total_minutes"}


def test_breaks_must_sit_in_their_window() -> None:
    p = small_problem()
    assert rules_of(p, [row(p, "A0", day(0), "E", break_offset=60)]) == {"breaks"}
    no_break = replace(row(p, "A0", day(0), "E"), breaks=())
    assert rules_of(p, [no_break]) == {"breaks"}


def test_fixed_activity_needs_a_shift_and_no_break() -> None:
    start = timeutil.to_utc(datetime.combine(day(0), datetime.min.time()) + timedelta(hours=10), "UTC")
    p = small_problem(activities=(FixedActivity("A0", start, start + timedelta(hours=1), "training"),))
    assert rules_of(p, []) == {"fixed_activities"}
    assert rules_of(p, [row(p, "A0", day(0), "E", break_offset=240)]) == {"fixed_activities"}
    assert rules_of(p, [row(p, "A0", day(0), "E", break_offset=180)]) == set()


def test_supervisor_on_duty_every_interval() -> None:
    # a history (a day shift the day before) makes the night into the first day known:
    # nobody of it is on duty then, so the whole day counts
    p = small_problem(days=1, supervisors=2, rules=Rules(supervisor_always_on_duty=True),
                      previous=(Assignment("A1", day(-1), "E"),))
    rows = [row(p, "A0", day(0), "E")]
    found = [v for v in validate(p, rows) if v.rule == "supervisor_on_duty"]
    # 24 hours minus 8 on duty (9 h shift, one on lunch)
    assert len(found) == 16
    # A second supervisor covering the lunch still leaves the rest of the day open
    rows.append(row(p, "A1", day(0), "L", break_offset=180))
    assert len([v for v in validate(p, rows) if v.rule == "supervisor_on_duty"]) < 16


@pytest.mark.parametrize("tz", ["Europe/Madrid", "America/New_York"])
def test_shift_across_dst_change_keeps_its_length(tz: str) -> None:
    # 2026-03-29 (Europe) / 2026-03-08 (US): clocks go forward at night
    start = {"Europe/Madrid": day(0).replace(day=28), "America/New_York": day(0).replace(day=7)}[tz]
    p = small_problem(days=3, tz=tz, start=start)
    r = row(p, "A1", start, "N")
    assert r.end.hour == 8  # 9 hours of elapsed time end at 08:00 local after the change
    assert rules_of(p, [r]) == set()
    wrong = RosterRow(r.agent_id, r.date, r.shift_code, r.start, r.end - timedelta(hours=1), r.breaks)
    assert "shift_definition" in rules_of(p, [wrong])


def test_count_sentences_read_right_for_one() -> None:
    """A count of one must not read "1 days off": each count sentence names the thing
    first and gives the number after a colon, so no plural is needed in any language."""
    rules = Rules(min_consecutive_days_off=2, min_days_off_per_week=2, max_consecutive_days=None,
                  max_weekends_per_window=0, supervisor_always_on_duty=False)
    p = small_problem(rules=rules)
    p = replace(p, agents=(replace(p.agents[0], max_shifts=(("L", 0),)),) + p.agents[1:])
    rows = [row(p, "A0", day(d), "E") for d in (0, 1, 3, 4, 6)] + [replace(row(p, "A0", day(5), "L"), breaks=())]
    said = {v.rule: v.sentence() for v in validate(p, rows)}
    assert said["min_days_off_per_week"] == "Days off in the week: 1; at least 2."
    assert said["min_consecutive_days_off"] == "Days off in a row: 1; at least 2."
    assert said["max_shifts_per_template"] == "L shifts: 1; at most 0."
    assert said["max_weekends"] == "Weekends worked: 1 of 1; at most 0."
    assert said["breaks"] == "Breaks: 0; the shift has 1."
    for text in said.values():
        assert not re.search(r"\b1 (days?|nights|weekends|breaks|shifts|weeks)\b", text), text


def test_short_working_run_and_long_night_run_sentences() -> None:
    p = small_problem(rules=Rules(min_consecutive_days=2, max_nights_in_row=0, supervisor_always_on_duty=False))
    said = {v.rule: v.sentence() for v in validate(p, [row(p, "A1", day(3), "N")])}
    assert said["min_consecutive_days"] == "Working days in a row: 1; at least 2."
    assert said["max_nights_in_row"] == "Nights in a row: 1; at most 0."
