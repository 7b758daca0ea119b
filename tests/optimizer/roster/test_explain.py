"""Infeasibility explained: for every hard-rule family, a tiny scenario made infeasible by
that rule alone; the explanation names the rule, the agent and the date, and the relaxed
roster breaks only the listed relaxations (checked by the independent validator)."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from optimizer import timeutil
from optimizer.roster.explain import RELAX_COST, coverage_sentences, family_of
from optimizer.roster.problem import Agent, Assignment, FixedActivity, Problem, Rules, ShiftTemplate, TimeOff
from optimizer.roster.result import RosterResult, Sentence
from optimizer.roster.scenario import roster_rows, summary_dict
from optimizer.roster.solve import solve
from optimizer.roster.validator import validate

from roster_factories import START, day, small_problem

LOOSE = Rules(min_rest_hours=11, max_consecutive_days=None, min_consecutive_days_off=None,
              min_days_off_per_week=None, max_nights_in_row=None, max_weekends_per_window=None,
              supervisor_always_on_duty=False)


def one_agent(rules: Rules = LOOSE, agent: dict | None = None, **kw) -> Problem:
    p = small_problem(1, 7, reqs=False, rules=rules)
    if agent:
        p = replace(p, agents=(replace(p.agents[0], **agent),))
    return replace(p, **kw)


def pins(*items: tuple[int, str]) -> tuple[Assignment, ...]:
    return tuple(Assignment("A0", day(d), code) for d, code in items)


def at(d: int, hour: int) -> datetime:
    return timeutil.to_utc(datetime.combine(day(d), datetime.min.time()) + timedelta(hours=hour), "UTC")


def check(problem: Problem, family: str, agent: str | None, on: object | None) -> str:
    res = solve(problem, time_limit=10, num_workers=2, strategy="cp-sat")
    assert res.status == "INFEASIBLE"
    text = "\n".join(res.explanation)
    assert family in res.conflicting_rules, (res.conflicting_rules, text)
    assert f"[{family}]" in text, text
    if agent:
        assert agent in text
    if on:
        assert str(on) in text
    # the best relaxed roster: every validator finding is a listed relaxation of a
    # conflicting rule family, and nothing else is broken
    assert not res.assignments and res.relaxed is not None  # the relaxed roster is apart
    found = validate(problem, roster_rows(res.relaxed, problem.timezone))
    listed = {(r.rule, r.agent_id, r.date) for r in res.relaxations}
    assert found, "an infeasible problem cannot have a fully valid roster"
    assert {(family_of(v), v.agent_id, v.date) for v in found} == listed
    assert all(r.rule in res.conflicting_rules for r in res.relaxations)
    summary = summary_dict(problem, res)
    assert summary["explanation"] and summary["relaxations"] and summary["relaxed_roster"] is not None
    json.dumps(summary)
    check_sentences(res, agent)
    return text


def _all(sentences: tuple[Sentence, ...]) -> list[Sentence]:
    """The sentences, their parts and the rule sentences inside them."""
    out = []
    for s in sentences:
        out.append(s)
        out += _all(s.parts) + _all(tuple(v for _, v in s.params if isinstance(v, Sentence)))
    return out


def check_sentences(res: RosterResult, agent: str | None) -> None:
    """Each line of the explanation also comes as a sentence for people (the web app says
    it in its reader's language): the same lines, every sentence formats with its own
    values, and the agent is a value (so a page can show the name), not baked in."""
    assert tuple(s.message for s in res.explanation_sentences) == res.explanation
    for s in _all(res.explanation_sentences):
        said = s.english()
        assert "%(" not in said and said.strip(), (s.text, s.params)
        json.dumps(s.as_dict())
    said = _all(res.explanation_sentences)
    assert any(dict(s.params).get("families") == res.conflicting_rules for s in said)
    if agent:
        assert any(dict(s.params).get("agent") == agent for s in said)
        assert not any(agent in s.text for s in said)


def test_min_rest() -> None:
    text = check(one_agent(pinned=pins((0, "L"), (1, "E"))), "rest_and_rotation", "A0", day(1))
    assert "rest after L" in text


def test_max_consecutive_days() -> None:
    rules = replace(LOOSE, max_consecutive_days=3)
    check(one_agent(rules, pinned=pins(*((d, "E") for d in range(4)))), "consecutive_days", "A0", day(0))


def test_min_consecutive_days() -> None:
    # time off as ordinary days off (the benchmark reading): leave would exempt the run
    rules = replace(LOOSE, min_consecutive_days=3, time_off_is_rest=True)
    p = one_agent(rules, pinned=pins((2, "E")), time_off=(TimeOff("A0", day(1)), TimeOff("A0", day(3))))
    check(p, "consecutive_days", "A0", day(2))


def test_min_consecutive_days_off() -> None:
    rules = replace(LOOSE, min_consecutive_days_off=2, time_off_is_rest=True)
    p = one_agent(rules, pinned=pins((0, "E"), (2, "E")), time_off=(TimeOff("A0", day(1)),))
    check(p, "consecutive_days_off", "A0", day(1))


def test_min_days_off_per_week() -> None:
    rules = replace(LOOSE, min_days_off_per_week=2)
    p = one_agent(rules, agent=dict(max_hours_week=60), pinned=pins(*((d, "E") for d in range(6))))
    check(p, "days_off_per_week", "A0", day(0))


def test_max_nights_in_row() -> None:
    rules = replace(LOOSE, max_nights_in_row=2)
    check(one_agent(rules, pinned=pins((0, "N"), (1, "N"), (2, "N"))), "nights_in_row", "A0", day(0))


def test_max_weekends() -> None:
    rules = replace(LOOSE, max_weekends_per_window=0)
    check(one_agent(rules, pinned=pins((5, "E"))), "weekends", "A0", day(5))


def test_weekly_hours_minimum() -> None:
    rules = replace(LOOSE, min_days_off_per_week=2)
    text = check(one_agent(rules, agent=dict(min_hours_week=50, max_hours_week=60)), "weekly_hours_min", "A0", day(0))
    assert "at most 5 working days" in text


def test_weekly_hours_maximum() -> None:
    p = one_agent(agent=dict(max_hours_week=16), pinned=pins((0, "E"), (1, "E"), (2, "E")))
    check(p, "weekly_hours_max", "A0", day(0))


def test_time_off() -> None:
    text = check(one_agent(pinned=pins((1, "E")), time_off=(TimeOff("A0", day(1)),)), "time_off", "A0", day(1))
    assert "on leave" in text


def test_night_eligibility() -> None:
    check(one_agent(agent=dict(night_ok=False), pinned=pins((3, "N"))), "night_eligibility", "A0", day(3))


def test_max_shifts_per_template() -> None:
    p = one_agent(agent=dict(max_shifts=(("L", 1),)), pinned=pins((0, "L"), (2, "L")))
    check(p, "max_shifts_per_template", "A0", None)


def test_total_minutes() -> None:
    p = one_agent(agent=dict(max_total_minutes=600), pinned=pins((0, "E"), (2, "E")))
    check(p, "total_minutes_max", "A0", None)


def test_fixed_activity_without_host_shift() -> None:
    p = one_agent(activities=(FixedActivity("A0", at(2, 8), at(2, 18), "training"),))
    text = check(p, "fixed_activities", "A0", day(2))
    assert "training" in text


def test_one_shift_per_day() -> None:
    acts = (FixedActivity("A0", at(1, 7), at(1, 8), "training"), FixedActivity("A0", at(1, 20), at(1, 21), "meeting"))
    text = check(one_agent(activities=acts), "fixed_activities", "A0", day(1))
    assert "[one_shift_per_day] A0 on 2026-03-03 would need two shifts" in text


def _supervisor_problem() -> Problem:
    tpl = (ShiftTemplate("D", 0, 720), ShiftTemplate("NT", 720, 720))
    agents = tuple(Agent(f"S{i}", team="T", supervisor=True, max_hours_week=84) for i in range(3))
    rules = replace(LOOSE, max_consecutive_days=2, supervisor_always_on_duty=True)
    return Problem(START, 3, agents, tpl, interval_minutes=60, rules=rules,
                   time_off=tuple(TimeOff("S2", day(d)) for d in range(3)))


def test_supervisor_on_duty() -> None:
    text = check(_supervisor_problem(), "supervisor_on_duty", "S2", None)
    assert "no supervisor can cover" in text
    assert "3 supervisors" in text and "S2 on leave" in text
    assert "consecutive days" in text  # why S0 and S1 cannot take the hours
    res = solve(_supervisor_problem(), time_limit=10, num_workers=2, strategy="cp-sat")
    gap = next(s for s in res.explanation_sentences if s.text.startswith("No supervisor can cover"))
    assert dict(gap.params)["count"] == 3 and len(gap.parts) == 3  # one reason per supervisor
    reasons = {dict(p.params)["agent"]: p for p in gap.parts}
    assert reasons["S2"].english() == "S2 is on leave."
    blocked = [p for p in gap.parts if "family" in dict(p.params)]
    assert blocked and all(dict(p.params)["family"] == "consecutive_days" for p in blocked)
    assert all(isinstance(dict(p.params)["detail"], Sentence) for p in blocked)  # the validator's own words


def test_skills_gap_is_reported_not_infeasible() -> None:
    p = small_problem(2, 2)
    p = replace(p, agents=tuple(replace(a, skills=("Q1",)) for a in p.agents))
    res = solve(p, time_limit=5, num_workers=2, strategy="cp-sat")
    assert res.feasible
    text = "\n".join(res.explanation)
    assert "[skills] queue Q2" in text and "only 0 skilled agents" in text


def test_skill_gaps_are_sentences_for_people() -> None:
    """The skill-gap notes are said to people like the rest of the explanation: a
    ``Sentence`` per gap (the web page translates it and names the agents), the CLI
    keeping the terse lines."""
    p = small_problem(3, 2)
    # Q2: A0 and A2 are skilled; A0 is on leave both days, and the queue needs two
    p = replace(p, time_off=(TimeOff("A0", day(0)), TimeOff("A0", day(1))),
                requirements=tuple(replace(r, agents=2) if r.queue == "Q2" else r for r in p.requirements))
    said = coverage_sentences(p)
    res = solve(p, time_limit=5, num_workers=2, strategy="cp-sat")
    assert res.explanation_sentences == tuple(said)
    assert res.explanation == tuple(s.message for s in said)
    first = said[0]
    assert dict(first.params)["agents"] == ("A0", "A2")
    assert first.english() == ("Skill gap in Q2 on 2026-03-02 from 07:00. Agents needed: up to 2; skilled and "
                               "available: 1; intervals affected: 14. Skilled for Q2: A0, A2.")
    nobody = replace(p, agents=tuple(replace(a, skills=("Q1",)) for a in p.agents))
    assert coverage_sentences(nobody)[0].english().endswith("Nobody is skilled for Q2.")
    *_, more = coverage_sentences(p, limit=1)
    assert more.english() == "Skill gaps not listed here (one skill on one day each): 1."


def test_explanation_counts_read_right_for_one() -> None:
    """One supervisor, one exception: no "the 1 supervisors" or "1 exception(s)"."""
    res = solve(_supervisor_problem(), time_limit=10, num_workers=2, strategy="cp-sat")
    for s in _all(res.explanation_sentences):
        assert not re.search(r"\b1 \w+s\b|\(s\)", s.english()), s.english()
    gap = next(s for s in res.explanation_sentences if s.text.startswith("No supervisor can cover"))
    assert gap.english().endswith("Supervisors (3):")


def test_feasible_problem_has_no_relaxations() -> None:
    res = solve(one_agent(pinned=pins((0, "E"))), time_limit=5, num_workers=2, strategy="cp-sat")
    assert res.feasible and res.relaxations == () and res.conflicting_rules == ()


@pytest.mark.parametrize("cheap,dear", [("weekly_hours_min", "rest_and_rotation"), ("supervisor_on_duty", "time_off")])
def test_priority_order(cheap: str, dear: str) -> None:
    assert RELAX_COST[cheap] < RELAX_COST[dear]
