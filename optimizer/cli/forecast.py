"""``wfm forecast`` and ``wfm staffing``: click commands, registered in the ``wfm`` group by webapp.cli.

User errors (bad file, bad option) end with a message naming the file, row, column or
option and exit code 1 or 2, never a traceback.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import click
import numpy as np
import pandas as pd

from optimizer.erlang import StaffingTarget
from optimizer.forecast.calendar import CalendarConfig, SpecialDay
from optimizer.forecast.engine import MAX_HORIZON_DAYS, OUTPUT_COLUMNS, ForecastConfig, forecast
from optimizer.forecast.history import HistoryImportError, HistoryOptions, read_history
from optimizer.forecast.methods import METHODS
from optimizer.progress import LinePrinter
from optimizer.timeutil import zone
from optimizer.staffing import REQUIREMENT_COLUMNS, ShrinkagePlan, StaffingConfig, requirements


def _iso_local(ts: pd.Series, tz: str) -> pd.Series:
    """ISO 8601 local time with offset, e.g. 2003-09-29T07:00:00-04:00: unambiguous across DST."""
    return pd.Series([t.isoformat() for t in ts.dt.tz_convert(tz)], index=ts.index)


def _check_tz(tz: str) -> None:
    try:
        zone(tz)
    except (KeyError, ValueError):
        raise click.BadParameter(f"unknown time zone {tz!r} (use an IANA name like Asia/Taipei)", param_hint="--tz") from None


def _special_day(text: str) -> SpecialDay:
    try:
        day, mult = text.split(":", 1) if text.count(":") == 1 else text.split("=", 1)
        return SpecialDay(date.fromisoformat(day.strip()), float(mult))
    except ValueError:
        raise click.BadParameter(f"expected DATE:MULTIPLIER like 2024-12-24:0.6, got {text!r}", param_hint="--special-day") from None


@click.command("forecast")
@click.option("--history", "history_path", required=True, type=click.Path(dir_okay=False, path_type=Path), help="History CSV/XLSX: timestamp,queue,offered[,aht_seconds].")
@click.option("--horizon-days", type=click.IntRange(1, MAX_HORIZON_DAYS), default=28, show_default=True)
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Forecast CSV to write.")
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable summary (method and accuracy per queue) on stdout.")
@click.option("--tz", default="UTC", show_default=True, help="Site time zone of naive timestamps (IANA name).")
@click.option("--country", default=None, help="ISO country code for public holidays (holidays package), e.g. TW, US, IL.")
@click.option("--subdivision", default=None, help="Holiday subdivision (state/province) code.")
@click.option("--queue", default=None, help="Queue name for files without a queue column; with one, forecast only this queue.")
@click.option("--resample", "resample_minutes", type=click.Choice(["15", "30", "60"]), default=None, help="Aggregate finer intervals (5, 6 min) to this length.")
@click.option("--allow-gaps", is_flag=True, help="History covers opening hours/days only: missing intervals are closed periods.")
@click.option("--method", "methods", multiple=True, type=click.Choice(sorted(METHODS)), help="Candidate methods (repeat); default: all, chosen by backtest.")
@click.option("--special-day", "special_days", multiple=True, help="DATE:MULTIPLIER, e.g. 2024-06-10:1.3 (campaign) or 2024-12-25:0 (closed).")
@click.option("--payday", "paydays", multiple=True, type=click.IntRange(1, 31), help="Day of month salaries are paid (repeat).")
@click.option("--payday-last-business-day", is_flag=True, help="The last business day of the month is a payday.")
@click.option("--default-aht", type=click.FloatRange(min=1), default=300.0, show_default=True, help="AHT (s) for queues without handle-time history.")
@click.option("--folds", type=click.IntRange(1, 8), default=3, show_default=True, help="Backtest folds (origins a week apart).")
def forecast_cmd(history_path: Path, horizon_days: int, out_path: Path, as_json: bool, tz: str, country: str | None,
                 subdivision: str | None, queue: str | None, resample_minutes: str | None, allow_gaps: bool,
                 methods: tuple[str, ...], special_days: tuple[str, ...], paydays: tuple[int, ...],
                 payday_last_business_day: bool, default_aht: float, folds: int) -> None:
    """Forecast volume and AHT per queue and interval from a history file."""
    printer = LinePrinter(sys.stderr)
    _check_tz(tz)
    try:
        options = HistoryOptions(tz=tz, queue=queue, resample_minutes=int(resample_minutes) if resample_minutes else None, allow_gaps=allow_gaps)
        calendar = CalendarConfig(country=country, subdivision=subdivision, special_days=tuple(_special_day(s) for s in special_days),
                                  paydays=paydays, payday_last_business_day=payday_last_business_day)
        config = ForecastConfig(horizon_days=horizon_days, calendar=calendar, methods=methods or ForecastConfig().methods,
                                backtest_folds=folds, default_aht_seconds=default_aht)
    except (ValueError, KeyError, NotImplementedError) as exc:
        raise click.UsageError(str(exc)) from None
    try:
        history = read_history(history_path, options)
    except HistoryImportError as exc:
        click.echo(str(exc), err=True)
        raise SystemExit(1) from None
    try:
        result = forecast(history, config, progress=printer)
    except (NotImplementedError, KeyError) as exc:  # e.g. an unknown holidays country code
        raise click.UsageError(f"--country/--subdivision: {exc}") from None
    out = result.frame.copy()
    out["timestamp"] = _iso_local(out["timestamp"], tz)
    out[OUTPUT_COLUMNS].to_csv(out_path, index=False, float_format="%.4f")
    if as_json:
        click.echo(json.dumps(result.summary() | {"out": str(out_path)}, indent=2))
    else:
        for q, acc in result.accuracy.items():
            m = acc.metrics.get(acc.method)
            figures = f"WAPE {m.wape:.1%}  MASE {m.mase:.3f}  bias {m.bias:+.1%}" if m else "no backtest (history too short)"
            click.echo(f"{q}: {acc.method:14s} {figures}")
            for name, other in acc.metrics.items():
                click.echo(f"    {name:14s} WAPE {other.wape:.1%}  MASE {other.mase:.3f}  bias {other.bias:+.1%}")
        click.echo(f"wrote {len(out)} rows to {out_path}")


@click.command("staffing")
@click.option("--forecast", "forecast_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Forecast CSV from `wfm forecast`.")
@click.option("--sl", "service_level", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=None, help="Target service level, e.g. 0.8.")
@click.option("--target-seconds", type=click.FloatRange(min=0), default=20.0, show_default=True, help="Answer within this many seconds.")
@click.option("--asa-seconds", type=click.FloatRange(min=0, min_open=True), default=None, help="Target average speed of answer.")
@click.option("--max-occupancy", type=click.FloatRange(0, 1, min_open=True), default=None, help="Cap on agent occupancy, e.g. 0.85.")
@click.option("--shrinkage", type=click.FloatRange(0, 1, max_open=True), default=0.0, show_default=True, help="Share of scheduled time off the phone.")
@click.option("--model", type=click.Choice(["erlang-c", "erlang-a"]), default="erlang-c", show_default=True)
@click.option("--patience-seconds", type=click.FloatRange(min=0, min_open=True), default=120.0, show_default=True, help="Mean caller patience (Erlang A).")
@click.option("--tz", default="UTC", show_default=True, help="Site time zone for the output timestamps.")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path))
def staffing_cmd(forecast_path: Path, service_level: float | None, target_seconds: float, asa_seconds: float | None,
                 max_occupancy: float | None, shrinkage: float, model: str, patience_seconds: float, tz: str, out_path: Path) -> None:
    """Agents on the phone and to schedule per queue and interval, from a forecast."""
    _check_tz(tz)
    if service_level is None and asa_seconds is None and max_occupancy is None:
        service_level = 0.8
    try:
        config = StaffingConfig(StaffingTarget(service_level, target_seconds, asa_seconds, max_occupancy), model,  # type: ignore[arg-type]
                                patience_seconds, ShrinkagePlan.flat(shrinkage), tz)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    frame = _read_forecast(forecast_path)
    try:
        req = requirements(frame, config)
    except ValueError as exc:
        click.echo(f"{forecast_path}: {exc}", err=True)
        raise SystemExit(1) from None
    req["timestamp"] = _iso_local(req["timestamp"], tz)
    req.to_csv(out_path, index=False, float_format="%.4f")
    click.echo(f"wrote {len(req)} rows to {out_path}: {int(req['agents_on_phone'].max())} agents on the phone at peak")


def _read_forecast(path: Path) -> pd.DataFrame:
    """Read a forecast CSV; a user error names the row and column and exits 1."""
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (ValueError, OSError) as exc:
        click.echo(f"{path}: cannot read file: {exc}", err=True)
        raise SystemExit(1) from None
    missing = [c for c in ("timestamp", "queue", "volume", "aht_seconds") if c not in raw.columns]
    if missing:
        click.echo(f"{path}: row 1: missing column(s) {', '.join(missing)}", err=True)
        raise SystemExit(1)
    problems: list[str] = []
    ts = pd.to_datetime(raw["timestamp"], utc=True, errors="coerce", format="ISO8601")
    for i in np.flatnonzero(ts.isna().to_numpy()):
        problems.append(f"row {i + 2}, column 'timestamp': unparsable date {raw['timestamp'].iat[i]!r}")
    values = {}
    for col in ("volume", "aht_seconds"):
        v = pd.to_numeric(raw[col], errors="coerce")
        for i in np.flatnonzero((v.isna() | (v < 0)).to_numpy()):
            problems.append(f"row {i + 2}, column {col!r}: not a non-negative number: {raw[col].iat[i]!r}")
        values[col] = v
    if problems:
        click.echo(f"{path}: {len(problems)} problem(s)\n  " + "\n  ".join(problems), err=True)
        raise SystemExit(1)
    return pd.DataFrame({"timestamp": ts, "queue": raw["queue"], "volume": values["volume"], "aht_seconds": values["aht_seconds"]})


__all__ = ["forecast_cmd", "staffing_cmd", "REQUIREMENT_COLUMNS"]
