"""``design-benchmark``: writes the documented JSON, prints progress, fails cleanly on bad input."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from optimizer.cli.design import design_benchmark_cmd
from optimizer.shiftdesign.problem import DesignedShift
from optimizer.shiftdesign.scoring import score
from optimizer.shiftdesign.tuwien import read_instance
from tests.optimizer.shiftdesign.test_tuwien import GOOD
from tests.optimizer.shiftdesign.tuwien_files import ROOT, needs_data


@needs_data
def test_writes_solution_json_and_progress(tmp_path: Path) -> None:
    path = ROOT / "DataSet1" / "RandomExample3.txt"
    out = tmp_path / "solution.json"
    result = CliRunner().invoke(design_benchmark_cmd, [str(path), "--time-limit", "5", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "[shift-design]" in result.output and "done:" in result.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert set(doc) == {"instance", "objective", "shifts"}
    assert doc["instance"] == "DataSet1/RandomExample3"
    shifts = []
    for s in doc["shifts"]:
        assert set(s) == {"start", "length_minutes", "workers"}
        hh, mm = s["start"].split(":")
        assert len(hh) == len(mm) == 2 and len(s["workers"]) == 7 and any(s["workers"])
        shifts.append(DesignedShift(int(hh) * 60 + int(mm), s["length_minutes"], tuple(s["workers"])))
    assert doc["objective"] == score(read_instance(path), shifts).objective


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(design_benchmark_cmd, [str(tmp_path / "none.txt"), "--out", str(tmp_path / "o.json")])
    assert result.exit_code == 2
    assert "no such file" in result.output and "Traceback" not in result.output


def test_bad_file_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text(GOOD.replace("#MinuteInterval:\n60", "#MinuteInterval:\nsixty"), encoding="utf-8")
    result = CliRunner().invoke(design_benchmark_cmd, [str(bad), "--out", str(tmp_path / "o.json")])
    assert result.exit_code == 1
    assert "bad.txt:2: MinuteInterval: not a number: 'sixty'" in result.output
    assert not (tmp_path / "o.json").exists()
