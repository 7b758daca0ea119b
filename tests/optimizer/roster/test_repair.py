"""Minimal-change repair: absent agents lose their shifts, the gap is refilled with few
changes, every rule still holds (validator), and the change list is exactly the diff."""

from __future__ import annotations

import csv
from dataclasses import replace
from datetime import timedelta

import pytest
from click.testing import CliRunner
from roster_factories import day, small_problem

from optimizer.cli.roster import roster_group
from optimizer.roster.problem import Assignment, ProblemError, Rules, TimeOff
from optimizer.roster.repair import parse_absences, repair
from optimizer.roster.scenario import roster_rows, write_outputs, write_scenario
from optimizer.roster.solve import solve
from optimizer.roster.validator import validate

RULES = Rules(max_consecutive_days=5, min_consecutive_days_off=None, min_days_off_per_week=1,
              max_weekends_per_window=None, supervisor_always_on_duty=False)


@pytest.fixture(scope="module")
def published():
    p = small_problem(6, 7, rules=RULES)
    res = solve(p, time_limit=5, num_workers=2, seed=1, strategy="cp-sat")
    assert res.feasible
    return p, res


def _assignments(res) -> list[Assignment]:
    return [Assignment(s.agent_id, s.date, s.shift_code) for s in res.assignments]


def _busy(res, d):
    return next(s for s in res.assignments if s.date == d)


def test_repair_refills_gap_with_few_changes(published) -> None:
    p, res = published
    sick = _busy(res, day(2))
    before_under = sum(res.under_minutes().values())
    fixed = repair(p, _assignments(res), [(sick.agent_id, day(2))], time_limit=10, num_workers=2)
    out = fixed.result
    assert out.feasible
    assert not any(s.agent_id == sick.agent_id and s.date == day(2) for s in out.assignments)
    assert validate(fixed.problem, roster_rows(out, p.timezone)) == []
    assert [c.agent_id for c in fixed.removed] == [sick.agent_id]
    # the change list is exactly the diff against the published roster
    old = {(s.agent_id, s.date): s.shift_code for s in res.assignments}
    new = {(s.agent_id, s.date): s.shift_code for s in out.assignments}
    diff = {k for k in set(old) | set(new) if old.get(k) != new.get(k)}
    assert diff == {(c.agent_id, c.date) for c in fixed.changes + fixed.removed}
    assert len(fixed.changes) <= 3  # a repair, not a re-plan
    # coverage: the gap is refilled at least partly (never worse than just removing)
    gap = replace(res, assignments=tuple(s for s in res.assignments if s is not sick))
    assert sum(out.under_minutes().values()) <= before_under + sick_minutes(sick, p)
    del gap


def sick_minutes(sick, p) -> int:
    return p.template(sick.shift_code).length_minutes * 2  # both queues at most


def test_no_gap_no_change(published) -> None:
    p, res = published
    q = replace(p, requirements=())  # nothing to refill: only the absence changes
    sick = _busy(res, day(3))
    fixed = repair(q, _assignments(res), [TimeOff(sick.agent_id, day(3))], time_limit=5, num_workers=2)
    assert fixed.result.feasible and fixed.changes == ()


def test_window_only_touches_absence_weeks() -> None:
    p = small_problem(6, 14, rules=RULES)
    res = solve(p, time_limit=5, num_workers=2, strategy="cp-sat")
    sick = _busy(res, day(1))
    fixed = repair(p, _assignments(res), [(sick.agent_id, day(1))], time_limit=10, num_workers=2)
    assert fixed.window == (day(0), day(7))
    assert all(c.date <= day(7) for c in fixed.changes)


def test_unfixable_absence_is_explained() -> None:
    rules = replace(RULES, supervisor_always_on_duty=True)
    p = small_problem(3, 2, supervisors=1, reqs=False, rules=rules)
    published = [Assignment("A0", day(0), "E")]
    fixed = repair(p, published, [("A0", day(0))], time_limit=10, num_workers=2)
    assert fixed.result.status == "INFEASIBLE"
    assert "supervisor_on_duty" in fixed.result.conflicting_rules
    assert any("no supervisor can cover" in line for line in fixed.result.explanation)


def test_no_break_placement_is_said_to_people(published, monkeypatch) -> None:
    """When no break placement keeps a supervisor on duty, the result says so to people
    too (a sentence the web page translates), not only in the CLI's English line."""
    import optimizer.roster.large as large
    import optimizer.roster.repair as repair_module

    monkeypatch.setattr(repair_module, "_keep_breaks", lambda *a, **k: None)
    monkeypatch.setattr(large, "place_breaks", lambda *a, **k: None)
    p, res = published
    sick = _busy(res, day(2))
    out = repair(p, _assignments(res), [(sick.agent_id, day(2))], time_limit=5, neighbourhoods=()).result
    assert out.status == "UNKNOWN"
    (said,) = out.explanation_sentences
    assert (said.message,) == out.explanation
    assert said.english() == "Within the time limit, no placement of the breaks was found that keeps a supervisor on duty."


def test_parse_absences() -> None:
    assert parse_absences("A1:2026-03-02,A2:2026-03-03..2026-03-04") == [
        TimeOff("A1", day(0)), TimeOff("A2", day(1)), TimeOff("A2", day(2))]
    with pytest.raises(ProblemError, match="YYYY-MM-DD"):
        parse_absences("A1:tomorrow")
    with pytest.raises(ProblemError, match="AGENT:DATE"):
        parse_absences("A1")


def test_cli_repair(tmp_path, published) -> None:
    p, res = published
    write_scenario(tmp_path / "scn", p)
    write_outputs(tmp_path / "pub", p, res)
    sick = _busy(res, day(2))
    runner = CliRunner()
    out = tmp_path / "rep"
    r = runner.invoke(roster_group, ["repair", "--scenario", str(tmp_path / "scn"), "--roster",
                                     str(tmp_path / "pub" / "roster.csv"), "--absent", f"{sick.agent_id}:{day(2)}",
                                     "--out", str(out), "--time-limit", "10"])
    assert r.exit_code == 0, r.output
    assert "validator: valid" in r.output
    for name in ("roster.csv", "coverage.csv", "summary.json", "changes.csv"):
        assert (out / name).exists()
    with (out / "changes.csv").open() as fh:
        changes = list(csv.DictReader(fh))
    assert {"agent_id": sick.agent_id, "date": str(day(2)), "old_shift": sick.shift_code, "new_shift": "",
            "reason": "absent"} in changes
    # every other row is exactly a changed agent-day of the written roster
    with (out / "roster.csv").open() as fh:
        new = {(r["agent_id"], r["date"]): r["shift_code"] for r in csv.DictReader(fh)}
    old = {(s.agent_id, str(s.date)): s.shift_code for s in res.assignments}
    diff = {k for k in set(old) | set(new) if old.get(k) != new.get(k)}
    assert diff == {(c["agent_id"], c["date"]) for c in changes}
    assert all(c["reason"] == "repair" for c in changes if (c["agent_id"], c["date"]) != (sick.agent_id, str(day(2))))
    v = runner.invoke(roster_group, ["validate", "--scenario", str(tmp_path / "scn"), "--roster", str(out / "roster.csv")])
    assert "works on a day of time off" not in v.output


def test_cli_repair_bad_absence(tmp_path, published) -> None:
    p, res = published
    write_scenario(tmp_path / "scn", p)
    write_outputs(tmp_path / "pub", p, res)
    r = CliRunner().invoke(roster_group, ["repair", "--scenario", str(tmp_path / "scn"), "--roster",
                                          str(tmp_path / "pub" / "roster.csv"), "--absent", "NOBODY:2026-03-02",
                                          "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and "unknown agent NOBODY" in r.output


def test_agent_furthest_below_contract_is_called_in() -> None:
    from datetime import datetime, timedelta

    from optimizer import timeutil
    from optimizer.roster.problem import Requirement

    rules = Rules(max_consecutive_days=None, min_consecutive_days_off=None, min_days_off_per_week=None,
                  max_weekends_per_window=None, supervisor_always_on_duty=False)
    p = small_problem(3, 7, reqs=False, rules=rules)
    p = replace(p, agents=tuple(replace(a, skills=("Q1",)) for a in p.agents))
    start = timeutil.to_utc(datetime.combine(day(2), datetime.min.time()) + timedelta(hours=7), "UTC")
    reqs = tuple(Requirement(start + timedelta(hours=h), "Q1", 1) for h in range(8))
    p = replace(p, requirements=reqs)
    published = [Assignment("A0", day(2), "E"), Assignment("A1", day(0), "E")] + [
        Assignment("A2", day(d), "E") for d in (0, 1, 3, 4)]
    fixed = repair(p, published, [("A0", day(2))], time_limit=10, num_workers=2)
    assert [(c.agent_id, c.date, c.new_shift) for c in fixed.changes] == [("A1", day(2), "E")]


def test_repair_restores_but_does_not_replan() -> None:
    """A thin published roster leaves gaps everywhere; the repair refills only what the
    absence took (restore_only), it does not staff the other days."""
    p = small_problem(4, 7, rules=RULES)
    published = [Assignment("A0", day(2), "E")]
    fixed = repair(p, published, [("A0", day(2))], time_limit=10, num_workers=2)
    assert fixed.result.feasible
    assert {c.date for c in fixed.changes} == {day(2)} and len(fixed.changes) == 1
    replan = repair(p, published, [("A0", day(2))], time_limit=10, num_workers=2, restore_only=False)
    assert len(replan.changes) > 1  # without the cap, changes that improve coverage anywhere pay


def test_sick_day_between_working_days_forces_no_change() -> None:
    """A sick day is not a planned rest block: the one-day gap it leaves between two
    working days breaks no minimum-days-off rule, so nothing else has to move."""
    p = small_problem(3, 7, reqs=False, rules=replace(RULES, min_consecutive_days_off=2))
    published = [Assignment("A0", day(d), "E") for d in range(5)]
    fixed = repair(p, published, [("A0", day(2))], time_limit=10, num_workers=2)
    assert fixed.result.feasible
    assert fixed.forced == () and fixed.changes == ()
    assert [(c.agent_id, c.date) for c in fixed.removed] == [("A0", day(2))]
    assert validate(fixed.problem, roster_rows(fixed.result, p.timezone)) == []


def test_rule_the_absence_breaks_is_named_and_fixed_with_one_change() -> None:
    """A part-timer's sick day is credited at the contract's average daily hours (4.8 h),
    less than the 8 paid hours of the shift it replaces: the week falls below the
    contract minimum, the repair names it (``forced``) and adds one shift that week."""
    p = small_problem(3, 7, reqs=False, rules=RULES)
    part = replace(p.agents[0], min_hours_week=16, max_hours_week=24, contract_daily_hours=4.8)
    p = replace(p, agents=(part,) + p.agents[1:])
    published = [Assignment("A0", day(0), "E"), Assignment("A0", day(1), "E")]
    fixed = repair(p, published, [("A0", day(0))], time_limit=10, num_workers=2)
    assert [(v.rule, v.agent_id) for v in fixed.forced] == [("weekly_hours", "A0")]
    assert fixed.result.feasible
    assert [(c.agent_id, c.old_shift) for c in fixed.changes] == [("A0", "")]
    assert fixed.changes[0].date not in (day(0), day(1))
    assert validate(fixed.problem, roster_rows(fixed.result, p.timezone)) == []


def test_empty_neighbourhood_list_changes_nothing(published) -> None:
    """``neighbourhoods=()`` is the unrepaired roster (the bench's baseline): the
    absent shift goes, nothing else changes, coverage is still counted."""
    p, res = published
    sick = _busy(res, day(2))
    fixed = repair(p, _assignments(res), [(sick.agent_id, day(2))], time_limit=10, num_workers=2, neighbourhoods=())
    assert fixed.changes == () and fixed.result.coverage
    assert len(fixed.result.assignments) == len(res.assignments) - 1


def test_sick_days_inside_working_blocks_leave_the_rest_of_the_roster_alone() -> None:
    """The old failure: with minimum two-day breaks, sick days in the middle of working
    blocks made the repair re-plan most of the roster.  Now the changes stay a handful
    (at most one per absent day here), every rule holds, and nothing outside the
    absence weeks moves."""
    rules = Rules(max_consecutive_days=5, min_consecutive_days_off=2, min_days_off_per_week=2,
                  max_weekends_per_window=None, supervisor_always_on_duty=False)
    p = small_problem(6, 14, rules=rules)
    res = solve(p, time_limit=8, num_workers=2, seed=2, strategy="cp-sat")
    assert res.feasible
    worked = {(s.agent_id, s.date) for s in res.assignments}
    inside = [(s.agent_id, s.date) for s in res.assignments
              if (s.agent_id, s.date - timedelta(days=1)) in worked and (s.agent_id, s.date + timedelta(days=1)) in worked]
    absences = []
    for agent in sorted({a for a, _ in inside})[:3]:
        absences.append(next(x for x in inside if x[0] == agent))
    assert absences
    fixed = repair(p, _assignments(res), absences, time_limit=15, num_workers=2)
    assert fixed.result.feasible and fixed.forced == ()
    assert validate(fixed.problem, roster_rows(fixed.result, p.timezone)) == []
    assert len(fixed.changes) <= len(absences)
    assert all(fixed.window[0] <= c.date <= fixed.window[1] for c in fixed.changes)
    assert len(fixed.removed) == len(absences)


def test_absent_supervisor_is_replaced_by_a_supervisor() -> None:
    """Supervision is at stake: every supervisor is a candidate and the supervisor rule
    is part of the repair model; the repaired roster keeps a supervisor on duty."""
    rules = Rules(max_consecutive_days=None, min_consecutive_days_off=None, min_days_off_per_week=None,
                  max_weekends_per_window=None, supervisor_always_on_duty=True, weekly_hours=False)
    p = small_problem(8, 2, supervisors=8, reqs=False, rules=rules)  # 6 shifts a day need supervising
    res = solve(p, time_limit=10, num_workers=2, strategy="cp-sat")
    assert res.feasible
    published = [Assignment(s.agent_id, s.date, s.shift_code, s.breaks) for s in res.assignments]
    sick = next(s for s in res.assignments if p.agent(s.agent_id).supervisor)
    fixed = repair(p, published, [(sick.agent_id, sick.date)], time_limit=15, num_workers=2)
    assert fixed.result.feasible
    assert validate(fixed.problem, roster_rows(fixed.result, p.timezone)) == []
    assert len(fixed.changes) <= 2
    assert all(p.agent(c.agent_id).supervisor for c in fixed.changes if c.new_shift)
