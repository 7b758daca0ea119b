"""Queue groups re-rostered side by side (``optimizer.roster.group_search``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from optimizer.roster.coverage_search import coverage_cost
from optimizer.roster.generate import contact_center
from optimizer.roster.group_search import Done, Job, jobs_for, run_lanes, short_groups
from optimizer.roster.large import _coverage_cost, coverage_bound
from optimizer.roster.problem import Assignment, Problem
from optimizer.roster.solve import solve

from test_coverage_search import _valid


def _two_groups() -> Problem:
    """40 agents, 7 days: Q1/Q2 (24 agents, supervisors among them) and Q3/Q4 (16)."""
    return contact_center(40, 4, 7, 60, start=date(2026, 3, 16), seed=1, load=1.3)


def _blind(p: Problem) -> list[Assignment]:
    """A valid roster built without coverage in view."""
    res = solve(replace(p, requirements=()), time_limit=10, num_workers=2, strategy="cp-sat", explain=False)
    assert res.feasible
    return [Assignment(s.agent_id, s.date, s.shift_code) for s in res.assignments]


def test_lanes_and_which_groups_dive() -> None:
    """One lane per group with two workers, each the whole time; one lane with one
    worker, the time split by size; price and dive only where the LP leaves a group short."""
    p = _two_groups()
    lanes = jobs_for(p, [], {"Q3": 10_000.0}, 100.0, 2)
    assert [[(j.label, j.dive, j.seconds, len(j.problem.agents)) for j in lane] for lane in lanes] == [
        [("Q1/Q2", False, 100.0, 24)], [("Q3/Q4", True, 100.0, 16)]]
    lane, = jobs_for(p, [], {}, 100.0, 1)
    assert [(j.label, j.dive, j.seconds) for j in lane] == [("Q1/Q2", False, 60.0), ("Q3/Q4", False, 40.0)]
    # each group's sub-problem holds its own queues' requirements only
    assert {r.queue for r in lane[1].problem.requirements} == {"Q3", "Q4"}
    # the pipeline runs the groups side by side only when one is short
    assert short_groups(p, {"Q3": 10_000.0}) == ["Q3/Q4"] and short_groups(p, {"Q1": 0.5}) == []


@pytest.mark.parametrize("workers", [1, 2])
def test_groups_side_by_side_keep_every_rule_and_cover_better(workers: int) -> None:
    """Side by side (spawned processes) or one after another: every group comes back,
    the merged roster passes the independent validator and covers better than the
    start, the supervisors keep their shifts, and the short group ran price and dive."""
    p = _two_groups()
    start = _blind(p)
    short: dict[str, float] = {}
    assert coverage_bound(p, short=short) is not None and short["Q3"] > 0
    lanes = jobs_for(p, start, short, 30.0, workers)
    assert len(lanes) == workers
    ticks: list = []
    done = run_lanes(lanes, seed=0, progress=ticks.append)
    assert sorted(d.label for d in done) == ["Q1/Q2", "Q3/Q4"]
    assert all(not d.error for d in done)
    assert {t.message.split(":")[0] for t in ticks} == {"Q1/Q2", "Q3/Q4"}
    changed = {a.id for d in done if d.roster is not None
               for j in (job for lane in lanes for job in lane if job.label == d.label) for a in j.problem.agents}
    assert changed
    merged = [x for x in start if x.agent_id not in changed] + [x for d in done if d.roster for x in d.roster]
    sups = {a.id for a in p.agents if a.supervisor}
    assert {x for x in merged if x.agent_id in sups} == {x for x in start if x.agent_id in sups}
    assert coverage_cost(p, merged) < coverage_cost(p, start)
    _, before = _valid(p, start)
    _, after = _valid(p, merged)
    assert _coverage_cost(p, after) < _coverage_cost(p, before)
    dived = [d for d in done if "columns_bound" in d.stats]
    assert dived and all(d.stats["columns_bound"] >= 0 for d in dived)


def test_a_group_that_fails_keeps_its_roster() -> None:
    """A lane whose work raises reports the error and changes nothing; the other lane's
    group is still re-rostered."""
    p = _two_groups()
    start = _blind(p)
    good, bad = jobs_for(p, start, {}, 10.0, 2)
    broken = replace(bad[0], roster=[*bad[0].roster, Assignment("nobody", p.dates[0], "X")])
    done = {d.label: d for d in run_lanes([good, [broken]], seed=0)}
    assert isinstance(done[broken.label], Done) and done[broken.label].roster is None
    assert "KeyError" in done[broken.label].error
    assert not done[good[0].label].error and done[good[0].label].roster is not None


def test_a_job_is_plain_data() -> None:
    """What crosses to a spawned process pickles both ways."""
    import pickle

    p = _two_groups()
    job = jobs_for(p, [], {}, 5.0, 1)[0][0]
    assert isinstance(job, Job) and pickle.loads(pickle.dumps(job)) == job


def test_without_processes_the_lanes_run_here(monkeypatch) -> None:
    """Where no process can start (a daemonic job worker), every group still runs, here,
    one after another, sharing the one window the lanes had side by side."""
    import time

    import optimizer.roster.group_search as group_search

    def refuse(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise AssertionError("daemonic processes are not allowed to have children")

    given: list[tuple[float, float]] = []  # (when, seconds) of each group's run
    real = group_search.run_group

    def spy(job, **kwargs):  # noqa: ANN001, ANN003, ANN202
        given.append((time.monotonic(), job.seconds))
        return real(job, **kwargs)

    monkeypatch.setattr(group_search, "_side_by_side", refuse)
    monkeypatch.setattr(group_search, "run_group", spy)
    p = _two_groups()
    lanes = jobs_for(p, _blind(p), {}, 6.0, 2)
    assert [job.seconds for lane in lanes for job in lane] == [6.0, 6.0]
    done = run_lanes(lanes, seed=0)
    assert sorted(d.label for d in done) == ["Q1/Q2", "Q3/Q4"] and not any(d.error for d in done)
    (first, share), (second, rest) = given
    assert share == pytest.approx(3.0, abs=0.5)  # half of the window: the groups' lanes were alike
    assert second + rest <= first + 6.0 + 0.05  # the second ends within the window
