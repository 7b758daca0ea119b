"""Property: every roster the solver returns passes the independent validator."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from roster_factories import START, TEMPLATES, small_problem

from optimizer import timeutil
from optimizer.roster.problem import Assignment, FixedActivity, Preference, Rules, TimeOff
from optimizer.roster.scenario import roster_rows
from optimizer.roster.solve import solve
from optimizer.roster.validator import validate


@st.composite
def scenarios(draw):  # noqa: ANN201
    days = draw(st.integers(3, 9))
    n = draw(st.integers(2, 5))
    tz = draw(st.sampled_from(["UTC", "Europe/Madrid"]))
    start = draw(st.sampled_from([START, START.replace(day=27)]))  # the second spans a DST change
    rules = Rules(
        min_rest_hours=draw(st.sampled_from([0, 8, 11])),
        max_consecutive_days=draw(st.sampled_from([None, 3, 5])),
        min_consecutive_days=draw(st.sampled_from([None, 2])),
        min_consecutive_days_off=draw(st.sampled_from([None, 2])),
        min_days_off_per_week=draw(st.sampled_from([None, 1, 2])),
        max_nights_in_row=draw(st.sampled_from([None, 1, 2])),
        max_weekends_per_window=draw(st.sampled_from([None, 1])),
        weekend_window_weeks=draw(st.sampled_from([None, 4])),
        supervisor_always_on_duty=draw(st.sampled_from([False, False, True])),
    )
    p = small_problem(n_agents=n, days=days, supervisors=draw(st.integers(n - 1, n)), rules=rules, tz=tz, start=start)
    agents = tuple(
        replace(a, night_ok=draw(st.booleans()), min_hours_week=draw(st.sampled_from([0, 0, 8])),
                max_hours_week=draw(st.sampled_from([24, 40])),
                max_shifts=draw(st.sampled_from([(), (("N", 1),)])))
        for a in p.agents
    )
    dates = p.dates
    ids = [a.id for a in agents]
    time_off = draw(st.lists(st.builds(TimeOff, st.sampled_from(ids), st.sampled_from(dates)), max_size=3))
    prefs = draw(st.lists(st.builds(Preference, st.sampled_from(ids), st.sampled_from(dates),
                                    st.sampled_from([None, "E", "L", "N"]), st.sampled_from(["want", "avoid"]),
                                    st.integers(1, 5)), max_size=4))
    prev = draw(st.lists(st.builds(Assignment, st.sampled_from(ids),
                                   st.sampled_from([start - timedelta(days=k) for k in (1, 2, 3)]),
                                   st.sampled_from(["E", "L", "N"])), max_size=3, unique_by=lambda a: (a.agent_id, a.date)))
    acts = []
    if draw(st.booleans()):
        d = draw(st.sampled_from(dates))
        s = timeutil.to_utc(datetime.combine(d, datetime.min.time()) + timedelta(hours=10), tz)
        acts.append(FixedActivity(draw(st.sampled_from(ids)), s, s + timedelta(hours=1), "training"))
    return replace(p, agents=agents, time_off=tuple(time_off), preferences=tuple(prefs),
                   previous=tuple(prev), activities=tuple(acts), templates=TEMPLATES)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_solver_rosters_pass_the_validator(problem) -> None:  # noqa: ANN001
    result = solve(problem, time_limit=1.0, num_workers=2, strategy="cp-sat")
    event(result.status)
    assert result.status in ("OPTIMAL", "FEASIBLE", "INFEASIBLE", "UNKNOWN")
    if result.feasible:
        violations = validate(problem, roster_rows(result, problem.timezone))
        assert violations == [], [str(v) for v in violations]
