"""``wfm roster`` commands and the Curtois & Qu benchmark adapter."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from roster_factories import small_problem

from optimizer.cli.roster import roster_group
from optimizer.roster.nrp import DAY0, check_solution, read_instance, solve_instance, to_problem
from optimizer.roster.scenario import write_scenario

from tests.shared_data import SHARED_ROOT, needs

ROOT = Path(__file__).resolve().parents[3]
INSTANCES = SHARED_ROOT / "benchmarks" / "rostering" / "curtois-nrp"
needs_data = needs(INSTANCES / "Instance1.txt")


def test_cli_solve_then_validate(tmp_path: Path) -> None:
    write_scenario(tmp_path / "sc", small_problem(n_agents=3, days=3))
    runner = CliRunner()
    res = runner.invoke(roster_group, ["solve", "--scenario", str(tmp_path / "sc"), "--time-limit", "3",
                                       "--out", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    assert "validator: valid" in res.output
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert {"status", "objective", "best_bound", "gap", "under_covered_agent_minutes",
            "over_covered_agent_minutes", "soft_violations", "solve_seconds"} <= set(summary)
    res = runner.invoke(roster_group, ["validate", "--scenario", str(tmp_path / "sc"),
                                       "--roster", str(tmp_path / "out" / "roster.csv")])
    assert res.exit_code == 0 and res.output.strip() == "valid"
    # break the roster by hand: the same shift twice for one agent on one day
    lines = (tmp_path / "out" / "roster.csv").read_text().splitlines()
    (tmp_path / "bad.csv").write_text("\n".join(lines + [lines[1]]) + "\n")
    res = runner.invoke(roster_group, ["validate", "--scenario", str(tmp_path / "sc"),
                                       "--roster", str(tmp_path / "bad.csv")])
    assert res.exit_code == 1 and "one_shift_per_day" in res.output


def test_cli_reports_scenario_errors_without_traceback(tmp_path: Path) -> None:
    res = CliRunner().invoke(roster_group, ["solve", "--scenario", str(tmp_path / "none"), "--out", str(tmp_path)])
    assert res.exit_code == 2
    assert "scenario folder not found" in res.output
    assert "Traceback" not in res.output


@needs_data
def test_instance1_reaches_its_optimum_and_is_valid(tmp_path: Path) -> None:
    out = tmp_path / "sol.json"
    res = CliRunner().invoke(roster_group, ["solve-benchmark", str(INSTANCES / "Instance1.txt"),
                                            "--time-limit", "20", "--out", str(out)])
    assert res.exit_code == 0, res.output
    sol = json.loads(out.read_text())
    assert sol["instance"] == "Instance1" and sol["objective"] == 607
    inst = read_instance(INSTANCES / "Instance1.txt")
    errors, obj = check_solution(inst, [(a["employee"], a["day"], a["shift"]) for a in sol["assignments"]])
    assert errors == [] and obj == 607


@needs_data
def test_engine_objective_equals_the_benchmark_objective() -> None:
    inst = read_instance(INSTANCES / "Instance2.txt")
    sol = solve_instance(inst, time_limit=3, strategy="cp-sat")
    assert sol.errors == []
    assert sol.engine_objective == sol.objective
    # the engine's lower bound is a bound: never above the proven optimum (828)
    assert sol.bound is not None and sol.bound <= 828 <= sol.objective


@needs_data
def test_benchmark_script_reports_each_instance(tmp_path: Path) -> None:
    """bench/rostering.py: objective re-scored by the checker, best known, gap, validity."""
    out = tmp_path / "rows.json"
    res = subprocess.run([sys.executable, str(ROOT / "bench" / "rostering.py"), "--instances", "1",
                          "--time-limit", "5", "--data", str(INSTANCES), "--json", str(out)],
                         capture_output=True, text=True, check=False)
    assert res.returncode == 0, res.stderr
    (row,) = json.loads(out.read_text())
    assert row["instance"] == "Instance1" and row["valid"] is True and row["best_known"] == 607
    assert row["objective"] >= 607 and row["gap_pct"] == pytest.approx(100 * (row["objective"] - 607) / 607)
    assert row["bound"] <= 607
    assert "load average" in res.stdout and "Instance1" in res.stdout


@needs_data
def test_checker_catches_each_benchmark_rule() -> None:
    inst = read_instance(INSTANCES / "Instance1.txt")
    p = to_problem(inst)
    assert p.days == 14 and len(p.agents) == 8 and p.start_date == DAY0
    # A works every day: too many consecutive shifts, too many minutes, day off (day 0), weekends
    errors, _ = check_solution(inst, [("A", d, "D") for d in range(14)])
    text = " ".join(errors)
    assert "consecutive shifts" in text and "minutes outside" in text and "works on a day off" in text
    assert "weekends" in text
    errors, _ = check_solution(inst, [("B", 1, "D"), ("B", 3, "D")])
    assert any("only 1 consecutive shifts" in e for e in errors)
    assert any("only 1 days off" in e for e in errors)
