"""Staffing: shrinkage, zero volume, projected service level, and the CLI round trip."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from optimizer.cli.forecast import forecast_cmd, staffing_cmd
from optimizer.erlang import StaffingTarget
from optimizer.staffing import (
    REQUIREMENT_COLUMNS,
    ShrinkagePlan,
    ShrinkageRule,
    StaffingConfig,
    projected_service_level,
    requirements,
)

from tests.shared_data import SHARED_ROOT, needs

SHARED = SHARED_ROOT / "data" / "call-volume"


def _forecast() -> pd.DataFrame:
    ts = pd.date_range("2024-01-08 08:00", periods=4, freq="30min", tz="UTC")
    return pd.DataFrame({"timestamp": ts, "queue": ["A", "A", "A", "B"], "volume": [100.0, 0.0, 200.0, 100.0], "aht_seconds": [180.0] * 4})


def test_requirements_with_shrinkage_and_zero_volume():
    plan = ShrinkagePlan(ShrinkageRule(planned=0.2, unplanned=0.1), rules=(ShrinkageRule(planned=0.5, queue="B"),))
    req = requirements(_forecast(), StaffingConfig(StaffingTarget(0.8, 20), shrinkage=plan), interval_seconds=1800)
    assert list(req.columns) == REQUIREMENT_COLUMNS
    assert req["agents_on_phone"].tolist()[:2] == [14, 0]
    assert req["agents_scheduled"].tolist() == [20, 0, int(np.ceil(req["agents_on_phone"][2] / 0.7)), 28]
    assert req["service_level"][1] == 1.0 and req["occupancy"][1] == 0.0


def test_shrinkage_window_and_validation():
    plan = ShrinkagePlan(ShrinkageRule(0.3), rules=(ShrinkageRule(0.1, start=time(9), end=time(12), weekdays=(0,)),))
    local = pd.DatetimeIndex(["2024-01-08 08:30", "2024-01-08 09:00", "2024-01-09 09:00"])
    assert plan.for_intervals(np.array(["A"] * 3), local).tolist() == [0.3, 0.1, 0.3]
    with pytest.raises(ValueError):
        ShrinkageRule(planned=0.6, unplanned=0.5)


def test_projected_service_level_inverts_requirements():
    cfg = StaffingConfig(StaffingTarget(0.8, 20), shrinkage=ShrinkagePlan.flat(0.25))
    req = requirements(_forecast(), cfg, interval_seconds=1800)
    proj = projected_service_level(_forecast(), req["agents_scheduled"].to_numpy(), cfg, interval_seconds=1800)
    assert (proj["service_level"] >= 0.8).all()
    assert (proj["agents_on_phone"] >= req["agents_on_phone"]).all()
    fewer = projected_service_level(_forecast(), np.maximum(req["agents_scheduled"].to_numpy() - 3, 0), cfg, interval_seconds=1800)
    assert (fewer["service_level"][[0, 2, 3]] < 0.8).all()
    erlang_a = StaffingConfig(StaffingTarget(0.8, 20), model="erlang-a", patience_seconds=60)
    assert (requirements(_forecast(), erlang_a, 1800)["agents_on_phone"] <= req["agents_on_phone"]).all()


@needs(SHARED)
def test_cli_round_trip_on_a_slice_of_a_shared_file(tmp_path):
    src = pd.read_csv(SHARED / "anonymous_bank_1999_agent/agent_30min.csv")
    src[src["queue"].isin(["PS", "NE"])].to_csv(tmp_path / "hist.csv", index=False)
    runner = CliRunner()
    r = runner.invoke(forecast_cmd, ["--history", str(tmp_path / "hist.csv"), "--horizon-days", "7", "--country", "IL",
                                     "--out", str(tmp_path / "fc.csv"), "--json", "--method", "seasonal_naive", "--method", "profile"])
    assert r.exit_code == 0, r.output
    summary = r.output[r.output.index("{"):]
    import json

    data = json.loads(summary)
    assert set(data["queues"]) == {"PS", "NE"} and "wape" in data["queues"]["PS"]["metrics"]["profile"]
    fc = pd.read_csv(tmp_path / "fc.csv")
    assert list(fc.columns) == ["timestamp", "queue", "volume", "aht_seconds", "volume_p10", "volume_p90"]
    assert len(fc) == 2 * 7 * 48
    r = runner.invoke(staffing_cmd, ["--forecast", str(tmp_path / "fc.csv"), "--sl", "0.8", "--target-seconds", "20",
                                     "--max-occupancy", "0.85", "--shrinkage", "0.3", "--out", str(tmp_path / "req.csv")])
    assert r.exit_code == 0, r.output
    req = pd.read_csv(tmp_path / "req.csv")
    assert list(req.columns) == REQUIREMENT_COLUMNS and len(req) == len(fc)
    assert (req.loc[req["volume"] == 0, "agents_scheduled"] == 0).all()
    assert (req["agents_scheduled"] >= req["agents_on_phone"]).all()


def test_cli_reports_bad_file_without_traceback(tmp_path):
    (tmp_path / "bad.csv").write_text("timestamp,offered\n2024-01-01 00:00,1\n2024-01-01 00:30,-2\n")
    r = CliRunner().invoke(forecast_cmd, ["--history", str(tmp_path / "bad.csv"), "--out", str(tmp_path / "o.csv")])
    assert r.exit_code == 1 and "row 3, column 'offered'" in r.output and not (tmp_path / "o.csv").exists()
    (tmp_path / "fc.csv").write_text("timestamp,queue,volume,aht_seconds\nxx,A,1,100\n")
    r = CliRunner().invoke(staffing_cmd, ["--forecast", str(tmp_path / "fc.csv"), "--out", str(tmp_path / "r.csv")])
    assert r.exit_code == 1 and "row 2, column 'timestamp'" in r.output
