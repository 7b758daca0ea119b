"""Flexible shift templates in scenario files: the engine chooses the concrete shifts."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from optimizer.roster.generate import contact_center
from optimizer.roster.scenario import ScenarioError, read_scenario, write_scenario


def _rewrite_templates(folder: Path, rows: list[dict]) -> None:
    with (folder / "shift_templates.csv").open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def test_flexible_row_expands_into_concrete_candidates(tmp_path: Path) -> None:
    write_scenario(tmp_path, contact_center(n_agents=6, days=7, seed=1, extras=False))
    _rewrite_templates(tmp_path, [
        {"code": "E", "start": "06:00", "length_minutes": "480", "unpaid_break_minutes": "0",
         "start_latest": "08:00", "start_step_minutes": "60", "length_max_minutes": "540", "length_step_minutes": "60"},
        {"code": "N", "start": "22:00", "length_minutes": "480", "unpaid_break_minutes": "0",
         "start_latest": "", "start_step_minutes": "", "length_max_minutes": "", "length_step_minutes": ""},
    ])
    problem = read_scenario(tmp_path)
    codes = sorted(t.code for t in problem.templates)
    assert codes == ["E.0600.480", "E.0600.540", "E.0700.480", "E.0700.540", "E.0800.480", "E.0800.540", "N"]
    starts = {t.code: (t.start_minute, t.length_minutes) for t in problem.templates}
    assert starts["E.0700.540"] == (420, 540)


def test_bad_flexible_row_names_file_row_and_column(tmp_path: Path) -> None:
    write_scenario(tmp_path, contact_center(n_agents=6, days=7, seed=1, extras=False))
    _rewrite_templates(tmp_path, [
        {"code": "E", "start": "06:00", "length_minutes": "480", "unpaid_break_minutes": "0",
         "start_latest": "8 o'clock", "start_step_minutes": "60", "length_max_minutes": "540", "length_step_minutes": "60"},
    ])
    with pytest.raises(ScenarioError) as err:
        read_scenario(tmp_path)
    assert "shift_templates.csv" in str(err.value) and "start_latest" in str(err.value)
