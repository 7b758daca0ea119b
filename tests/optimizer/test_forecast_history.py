"""History import: every problem named by row and column, nothing half-parsed, DST-safe."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from optimizer.forecast.history import HistoryImportError, HistoryOptions, history_from_rows, read_history

from tests.shared_data import SHARED_ROOT, needs

SHARED = SHARED_ROOT / "data" / "call-volume"


def _write(tmp_path: Path, text: str, name: str = "h.csv") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def _problems(path: Path, **kw) -> list[tuple[int | None, str | None, str]]:
    with pytest.raises(HistoryImportError) as exc:
        read_history(path, HistoryOptions(**kw))
    return [(p.row, p.column, p.message) for p in exc.value.problems]


def test_every_error_kind_is_named_with_row_and_column(tmp_path):
    csv = (
        "timestamp,queue,offered,aht_seconds\n"
        "2024-03-04 08:00,A,10,200\n"       # row 2
        "2024-03-04 08:30,A,-3,200\n"       # row 3 negative
        "2024-03-04 08:30,A,4,200\n"        # row 4 duplicate
        "2024-03-04 09:00,A,abc,200\n"      # row 5 non-numeric
        "not a date,A,5,200\n"              # row 6 unparsable
        "2024-03-04 09:30,A,5,x\n"          # row 7 non-numeric aht
        "2024-03-04 10:45,A,5,200\n"        # row 8 off the 30-minute grid (mixed lengths)
        "2024-03-04 12:00,A,5,200\n"        # row 9 after a gap
    )
    problems = _problems(_write(tmp_path, csv))
    kinds = {(row, col): msg for row, col, msg in problems}
    assert "negative" in kinds[(3, "offered")]
    assert "duplicate" in kinds[(4, "timestamp")]
    assert "not a number" in kinds[(5, "offered")]
    assert "unparsable" in kinds[(6, "timestamp")]
    assert "not a number" in kinds[(7, "aht_seconds")]
    assert "mixed interval" in kinds[(8, "timestamp")]
    assert any(r == 9 and "missing interval" in m for r, c, m in problems)


def test_declared_mixed_interval_lengths(tmp_path):
    csv = "timestamp,interval_minutes,offered\n2024-01-01 00:00,30,1\n2024-01-01 00:30,15,1\n2024-01-01 01:00,30,1\n"
    assert (3, "interval_minutes") in [(r, c) for r, c, _ in _problems(_write(tmp_path, csv))]


def test_missing_column_and_gaps_allowed(tmp_path):
    assert _problems(_write(tmp_path, "time,offered\n"))[0][1] == "timestamp"
    csv = "timestamp,offered\n2024-01-01 08:00,1\n2024-01-01 08:30,2\n2024-01-02 08:00,3\n"
    h = read_history(_write(tmp_path, csv), HistoryOptions(allow_gaps=True, queue="Q"))
    assert h.queues == ["Q"] and len(h.frame) == 3 and h.interval_minutes == 30


def test_dst_fall_back_and_spring_forward_keep_every_interval(tmp_path):
    tz = "Europe/Berlin"
    # 2024-10-27: 02:00-03:00 happens twice; a 24 h local export lists 02:00 and 02:30 twice
    local = pd.date_range("2024-10-27 00:00", "2024-10-27 23:30", freq="30min")
    stamps = [t for t in local if t.hour < 2] + [t for t in local if t.hour == 2] * 2 + [t for t in local if t.hour > 2]
    csv = "timestamp,offered\n" + "".join(f"{t:%Y-%m-%d %H:%M},1\n" for t in stamps)
    h = read_history(_write(tmp_path, csv), HistoryOptions(tz=tz))
    assert len(h.frame) == 50 and h.frame["interval_start"].is_unique
    assert (h.frame["interval_start"].diff().dropna() == pd.Timedelta("30min")).all()
    # 2024-03-31: 02:00-03:00 does not exist; the export skips it and that is no gap
    local = [t for t in pd.date_range("2024-03-31 00:00", "2024-03-31 23:30", freq="30min") if t.hour != 2]
    csv = "timestamp,offered\n" + "".join(f"{t:%Y-%m-%d %H:%M},1\n" for t in local)
    h = read_history(_write(tmp_path, csv, "s.csv"), HistoryOptions(tz=tz))
    assert len(h.frame) == 46 and (h.frame["interval_start"].diff().dropna() == pd.Timedelta("30min")).all()


def test_resample_and_rows_from_web_app(tmp_path):
    csv = "timestamp,offered,aht_seconds\n" + "".join(f"2024-01-01 00:{m:02d},{m // 5},100\n" for m in range(0, 60, 5))
    h = read_history(_write(tmp_path, csv), HistoryOptions(resample_minutes=30))
    assert h.interval_minutes == 30 and h.frame["offered"].tolist() == [15.0, 51.0]
    with pytest.raises(HistoryImportError, match="resample"):
        read_history(_write(tmp_path, csv, "b.csv"))
    rows = [(pd.Timestamp("2024-01-01 00:00", tz="UTC"), "A", 5, 180.0), (pd.Timestamp("2024-01-01 00:15", tz="UTC"), "A", 6, None)]
    h = history_from_rows(rows)
    assert h.interval_minutes == 15 and h.frame["offered"].tolist() == [5.0, 6.0]
    with pytest.raises(HistoryImportError) as exc:
        history_from_rows([rows[0], (rows[1][0], "A", -1, 1.0)])
    assert exc.value.problems[0].column == "offered"


def test_xlsx_import(tmp_path):
    df = pd.DataFrame({"timestamp": ["2024-01-01 00:00", "2024-01-01 01:00"], "queue": ["A", "A"], "offered": [3, 4]})
    path = tmp_path / "h.xlsx"
    df.to_excel(path, index=False)
    assert read_history(path).interval_minutes == 60


@needs(SHARED)
def test_shared_files_are_accepted_with_documented_options():
    us = read_history(SHARED / "us_bank_2003/calls_30min.csv", HistoryOptions(tz="America/New_York", queue="us", allow_gaps=True))
    assert len(us.frame) == 4060
    us5 = read_history(SHARED / "us_bank_2003/calls_5min.csv", HistoryOptions(tz="America/New_York", allow_gaps=True, resample_minutes=30))
    assert us5.interval_minutes == 30
    anon = read_history(SHARED / "anonymous_bank_1999/arrivals_6min.csv", HistoryOptions(resample_minutes=30))
    assert len(anon.frame) == 16176
    agent = read_history(SHARED / "anonymous_bank_1999_agent/agent_30min.csv")
    assert len(agent.queues) == 6 and agent.frame["aht_seconds"].notna().any()
    with pytest.raises(HistoryImportError, match="missing interval"):
        read_history(SHARED / "us_bank_2003/calls_30min.csv")
