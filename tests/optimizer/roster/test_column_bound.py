"""The column-generation bound (``optimizer.roster.column_bound``) and ``wfm roster bound``."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from click.testing import CliRunner

from optimizer.cli.roster import roster_group
from optimizer.roster.agent_bound import agent_bound
from optimizer.roster.column_bound import _Master, column_bound
from optimizer.roster.generate import contact_center
from optimizer.roster.large import coverage_bound, queue_groups, sub_problem
from optimizer.roster.model.timeline import Timeline
from optimizer.roster.problem import Agent, Assignment, Problem
from optimizer.roster.scenario import write_outputs, write_scenario
from optimizer.roster.solve import solve

from test_agent_bound import _exact, _five_nights


def _roster(p: Problem, seconds: float = 20) -> list[Assignment]:
    res = solve(p, time_limit=seconds, num_workers=2, strategy="cp-sat", explain=False)
    assert res.feasible
    return [Assignment(s.agent_id, s.date, s.shift_code) for s in res.assignments]


def test_reaches_the_optimum_where_the_lp_cannot() -> None:
    """Five short nights, at most four in a row: the LP says 2,400 agent-minutes, the
    optimum is 2,880, and the column bound converges to it."""
    p = _five_nights(4)
    res = column_bound(p, _roster(p), time_limit=30)
    assert res is not None and res.converged
    assert coverage_bound(p) == pytest.approx(5 * 32 * 15)
    assert res.bound == pytest.approx(_exact(p), abs=1.0) == 6 * 32 * 15
    assert res.master == pytest.approx(res.bound, abs=1.0)


@pytest.mark.parametrize("seed", [1, 2])
def test_between_the_other_bounds_and_any_roster(seed: int) -> None:
    """Every rule on (supervisors, breaks, leave, activities): the column bound is not
    below the LP nor (up to price rounding) the agent bound at the LP's prices, and not
    above the under-coverage of a roster."""
    p = contact_center(24, 2, 7, 60, start=date(2026, 3, 16), seed=seed, load=1.3)
    duals: dict = {}
    lp = coverage_bound(p, duals=duals)
    ab = agent_bound(p, duals, time_limit=30)
    res = solve(p, time_limit=20, num_workers=2, strategy="cp-sat", explain=False)
    assert res.feasible and lp is not None and ab is not None
    cb = column_bound(p, [Assignment(s.agent_id, s.date, s.shift_code) for s in res.assignments], time_limit=60)
    assert cb is not None and cb.converged
    slack = 0.01 * p.interval_minutes * len(p.agents) * p.days  # price rounding
    assert cb.bound >= lp - slack and cb.bound >= ab - slack
    assert cb.bound <= sum(res.under_minutes().values()) + 1e-6


def test_groups_that_share_no_queue_are_bounded_apart() -> None:
    """Two copies of the five-nights center on different queues: two groups, and the
    bound is the sum of the two (one with the rule, one without)."""
    four, free = _five_nights(4), _five_nights(None)
    other = tuple(replace(r, queue="Q2") for r in free.requirements)
    agent = Agent("B0", skills=("Q2",), night_ok=True, max_consecutive_days=None)
    both = replace(four, agents=(*four.agents, agent), requirements=(*four.requirements, *other),
                   rules=replace(four.rules, max_nights_in_row=4))
    assert sorted(map(sorted, queue_groups(both))) == [["A0"], ["B0"]]
    res = column_bound(both, _roster(both), time_limit=30)
    assert res is not None and res.groups == 2
    # both agents are held to four nights in a row here: 2 x 2,880
    assert res.bound == pytest.approx(2 * 6 * 32 * 15, abs=2.0)


def test_supervisors_join_one_group_under_the_supervisor_rule() -> None:
    p = contact_center(12, 2, 7, 60, start=date(2026, 3, 16), seed=1)
    sups = [a.id for a in p.agents if a.supervisor]
    assert len(sups) > 1
    group = next(g for g in queue_groups(p) if sups[0] in g)
    assert set(sups) <= set(group)


def test_cli_bound(tmp_path) -> None:
    p = _five_nights(4)
    res = solve(p, time_limit=20, num_workers=2, strategy="cp-sat", explain=False)
    write_scenario(tmp_path / "scn", p)
    write_outputs(tmp_path / "out", p, res)
    r = CliRunner().invoke(roster_group, ["bound", "--scenario", str(tmp_path / "scn"), "--roster",
                                          str(tmp_path / "out" / "roster.csv"), "--time-limit", "30"])
    assert r.exit_code == 0, r.output
    assert "lp bound 2,400  column bound 2,880 agent-minutes  (converged" in r.output


def test_cli_bound_refuses_an_invalid_roster(tmp_path) -> None:
    p = _five_nights(4)
    write_scenario(tmp_path / "scn", p)
    bad = tmp_path / "roster.csv"
    # five nights in a row, one more than the rule allows
    bad.write_text("agent_id,date,shift_code,start,end\n" + "".join(
        f"A0,2026-03-{16 + d},N,2026-03-{16 + d}T22:00,2026-03-{17 + d}T06:00\n" for d in range(5)))
    r = CliRunner().invoke(roster_group, ["bound", "--scenario", str(tmp_path / "scn"), "--roster", str(bad)])
    assert r.exit_code == 2
    assert "hard rules" in r.output


def test_price_and_dive_keeps_every_rule_and_covers_better() -> None:
    """From a roster built without coverage in view, price and dive lowers the coverage
    cost (its own count and the exact one after breaks are placed), keeps the
    supervisors' shifts, and every rule holds (independent validator)."""
    from optimizer.roster.column_bound import roster_from_columns
    from optimizer.roster.coverage_search import coverage_cost
    from optimizer.roster.large import _coverage_cost

    from test_coverage_search import _valid

    p = contact_center(30, 2, 7, 60, start=date(2026, 3, 16), seed=3, load=1.1)
    blind = solve(replace(p, requirements=()), time_limit=10, num_workers=2, strategy="cp-sat", explain=False)
    assert blind.feasible
    start = [Assignment(s.agent_id, s.date, s.shift_code) for s in blind.assignments]
    ticks: list = []
    made = roster_from_columns(p, start, queues={q: 1.0 for q in p.queues}, time_limit=60, progress=ticks.append)
    assert made.roster is not None and ticks
    assert coverage_cost(p, made.roster) < coverage_cost(p, start)
    sups = {a.id for a in p.agents if a.supervisor}
    assert sups and {x for x in made.roster if x.agent_id in sups} == {x for x in start if x.agent_id in sups}
    _, cov_start = _valid(p, start)
    _, cov_new = _valid(p, made.roster)
    assert _coverage_cost(p, cov_new) < _coverage_cost(p, cov_start)
    # the supervisors' group was frozen, so only the other groups' figures bound
    assert 0 <= made.bound <= sum(max(0, c.required - c.scheduled) for c in cov_new) * p.interval_minutes


@pytest.mark.parametrize("workers", [1, 2])
def test_pipeline_runs_price_and_dive_and_stays_valid(monkeypatch, workers: int) -> None:
    """Given the time (here forced), ``solve_large`` searches the queue groups side by
    side (one after another with one worker) with price and dive on the short ones;
    the roster passes the validator and the bound it reports is not above its
    under-coverage."""
    import optimizer.roster.large as large
    from optimizer.roster.scenario import roster_rows
    from optimizer.roster.validator import validate

    import optimizer.roster.column_bound as column_bound_module

    monkeypatch.setattr(large, "GROUPS_FROM", 0.0)
    monkeypatch.setattr(large, "COLUMNS_FROM", 0.0)
    monkeypatch.setattr(column_bound_module, "MIN_SECONDS_PER_AGENT", 0.0)
    p = contact_center(40, 4, 7, 60, start=date(2026, 3, 16), seed=1, load=1.3)
    res = large.solve_large(p, time_limit=60, num_workers=workers, block_size=20)
    assert res.feasible
    assert res.stats["groups_side_by_side"] == min(workers, len(queue_groups(p))) and "columns_bound" in res.stats
    assert validate(p, roster_rows(res, p.timezone)) == []
    assert res.stats["bound_under_agent_minutes"] <= sum(res.under_minutes().values()) + 1e-6


def test_the_pool_enters_the_master_before_pricing() -> None:
    """Schedules the coverage search's pricings offered (``extra``) wait in the pool;
    those that price out enter the master first, and the master's value drops below
    that of the roster's columns alone without a round of pricing."""
    from optimizer.progress import NEVER_CANCELLED, no_progress
    from optimizer.roster.coverage_search import improve_coverage

    p = contact_center(24, 2, 7, 60, start=date(2026, 3, 16), seed=2, load=1.3)
    p = replace(p, rules=replace(p.rules, supervisor_always_on_duty=False))
    group = queue_groups(p)[0]
    sub = sub_problem(p, group, p.requirements, False)
    blind = solve(replace(sub, requirements=()), time_limit=10, num_workers=2, strategy="cp-sat", explain=False)
    start = [Assignment(s.agent_id, s.date, s.shift_code) for s in blind.assignments]
    found = improve_coverage(sub, start, time_limit=5, seed=0)
    alone = _Master(sub, Timeline(sub), start, seed=0)
    fed = _Master(sub, Timeline(sub), start, seed=0,
                  extra=[(a, schedule) for a, schedules in found.seen.items() for schedule in schedules])
    assert fed.pool and len(fed.lam) == len(alone.lam)
    pooled = len(fed.pool)
    # one round: the first solve, then the pool's columns, then one more solve
    first = alone.run(time_limit=30, cancel=NEVER_CANCELLED, progress=no_progress, label="alone", max_rounds=0)
    after = fed.run(time_limit=30, cancel=NEVER_CANCELLED, progress=no_progress, label="fed", max_rounds=1)
    assert first is not None and after is not None
    assert len(fed.pool) < pooled and len(fed.lam) > len(alone.lam)
    assert after[1] < first[1] - 1e-6


def test_price_and_dive_leaves_an_optimal_roster_alone() -> None:
    """Nothing counts less than the optimum, so the dive's schedules are not kept (the
    master's count of both decides), and the group's figure is the optimum."""
    from optimizer.roster.column_bound import roster_from_columns

    p = _five_nights(4)
    made = roster_from_columns(p, _roster(p), queues={"Q1": 1.0}, time_limit=30)
    assert made.roster is None
    assert made.bound == pytest.approx(6 * 32 * 15, abs=1.0)


def test_rounding_puts_every_agent_of_a_class_on_a_schedule() -> None:
    """A class with more agents than columns (alike agents on one schedule) still gets a
    schedule per agent when the master is rounded, even from a solution of zeros (a
    master never solved; it used to come back short, and the dive's roster was lost)."""
    p = contact_center(24, 2, 7, 60, start=date(2026, 3, 16), seed=1, load=1.3)
    p = replace(p, rules=replace(p.rules, supervisor_always_on_duty=False))
    roster = _roster(p)
    group = queue_groups(p)[0]
    sub = sub_problem(p, group, p.requirements, False)
    # every agent of the group on the first agent's schedule: one column a class
    first = [x for x in roster if x.agent_id == group[0]]
    same = [Assignment(a, x.date, x.shift_code) for a in group for x in first]
    cg = _Master(sub, Timeline(sub), same, seed=0)
    assert any(len(members) > 1 for members in cg.classes)
    chosen = cg._rounded([0.0] * len(cg.lam))
    assert {c: len(v) for c, v in chosen.items()} == {c: len(m) for c, m in enumerate(cg.classes)}
    columns = {(c, schedule) for c, schedule, _ in cg.lam}
    assert all((c, schedule) in columns for c, v in chosen.items() for schedule in v)


def test_the_master_is_left_solved_for_the_dive() -> None:
    """Stopped by its time limit, column generation leaves the master solved, so the
    dive starts from a solution and ends on whole schedules, one per agent, each a
    column of its class."""
    from optimizer.progress import NEVER_CANCELLED, no_progress

    p = contact_center(24, 2, 7, 60, start=date(2026, 3, 16), seed=2, load=1.3)
    # without supervisors' rows, which a dive can round into infeasibility (then it rounds)
    p = replace(p, rules=replace(p.rules, supervisor_always_on_duty=False))
    roster = _roster(p)
    group = queue_groups(p)[0]
    sub = sub_problem(p, group, p.requirements, False)
    cg = _Master(sub, Timeline(sub), [x for x in roster if x.agent_id in set(group)], seed=0)
    res = cg.run(time_limit=3.0, cancel=NEVER_CANCELLED, progress=no_progress, label="test")
    assert res is not None
    chosen = cg.dive(time_limit=60)
    assert chosen is not None and not cg.dive_rounded and cg.dive_rounds >= 0
    columns = {(c, schedule) for c, schedule, _ in cg.lam}
    for c, members in enumerate(cg.classes):
        assert len(chosen[c]) == len(members)
        assert all((c, schedule) in columns for schedule in chosen[c])
