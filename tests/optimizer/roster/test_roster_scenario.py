"""Scenario folders: round trip, and import errors that name file, row and column."""

from __future__ import annotations

from pathlib import Path

import pytest
from roster_factories import small_problem

from optimizer.roster.generate import contact_center
from optimizer.roster.scenario import ScenarioError, read_roster_rows, read_scenario, write_outputs, write_scenario
from optimizer.roster.solve import solve


def test_round_trip_keeps_the_problem(tmp_path: Path) -> None:
    p = contact_center(12, 2, 7, 60, seed=3)
    write_scenario(tmp_path, p)
    q = read_scenario(tmp_path)
    assert q.agents == p.agents
    assert q.templates == p.templates
    assert q.requirements == p.requirements
    assert q.time_off == p.time_off and q.preferences == p.preferences and q.activities == p.activities
    assert q.rules == p.rules and q.timezone == p.timezone and q.start_date == p.start_date


def test_errors_name_file_row_and_column_and_are_all_collected(tmp_path: Path) -> None:
    write_scenario(tmp_path, small_problem())
    agents = (tmp_path / "agents.csv").read_text().splitlines()
    agents[2] = agents[2].replace("true", "maybe", 1).replace("40", "forty", 1)
    (tmp_path / "agents.csv").write_text("\n".join(agents) + "\n")
    (tmp_path / "time_off.csv").write_text("agent_id,date\nA0,2026-13-01\nnobody,2026-03-03\n")
    with pytest.raises(ScenarioError) as exc:
        read_scenario(tmp_path)
    text = str(exc.value)
    assert "agents.csv, row 3, column max_hours_week" in text
    assert "agents.csv, row 3, column night_ok" in text
    assert "time_off.csv, row 2, column date" in text
    assert "time_off.csv, row 3, column agent_id: unknown agent 'nobody'" in text


def test_missing_files_and_columns(tmp_path: Path) -> None:
    (tmp_path / "rules.toml").write_text('start_date = "2026-03-02"\ndays = 7\nmax_nights_in_row = "x"\n')
    (tmp_path / "agents.csv").write_text("agent_id,team\nA0,T\n")
    with pytest.raises(ScenarioError) as exc:
        read_scenario(tmp_path)
    text = str(exc.value)
    assert "agents.csv, row 1, column skills,min_hours_week" in text
    assert "shift_templates.csv: file is missing" in text
    assert "rules.toml, column max_nights_in_row" in text


def test_outputs_and_roster_reader(tmp_path: Path) -> None:
    p = small_problem(n_agents=3, days=3)
    r = solve(p, time_limit=3)
    write_outputs(tmp_path, p, r)
    header = (tmp_path / "roster.csv").read_text().splitlines()[0]
    assert header == "agent_id,date,shift_code,start,end,breaks"
    assert (tmp_path / "coverage.csv").read_text().startswith("timestamp,queue,required,scheduled")
    rows = read_roster_rows(tmp_path / "roster.csv")
    assert len(rows) == len(r.assignments)
    assert all(len(row.breaks) == 1 for row in rows)
