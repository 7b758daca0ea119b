"""The one import path for contact history: CSV/XLSX files and rows from the web app's database.

Format (one row per queue and interval)::

    timestamp,queue,offered[,aht_seconds]

``timestamp`` is the ISO start of the interval, local clock time of the site unless it
carries an offset (``+08:00`` or ``Z``).  Extra columns are ignored, except
``aht_calls`` (the number of calls behind ``aht_seconds``, used as its weight) and
``interval_minutes`` (checked against the spacing of the timestamps).

Validation collects *every* problem (row and column, rows numbered as in a spreadsheet:
the header is row 1) and raises them together, so a planner fixes a file in one pass;
nothing half-parsed is ever returned.

Closed periods: a contact center that is closed at night, at weekends or on holidays
has no rows then.  With ``allow_gaps`` those gaps are accepted and the model treats
them as closed (a time of week never seen open is forecast as zero; a whole missing
day of a normally open weekday is treated as unknown, not as zero).  Without it, a gap
is reported as an error, because in a 24/7 export it means lost data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from optimizer.timeutil import localize_naive_series, to_local

SUPPORTED_INTERVALS = (15, 30, 60)
_OFFSET = re.compile(r"(?:Z|[+-]\d\d:?\d\d)$")


@dataclass(frozen=True)
class ImportProblem:
    """One thing wrong with the input; ``row`` is the spreadsheet row (header = 1)."""

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        return (", ".join(where) + ": " if where else "") + self.message


class HistoryImportError(ValueError):
    """The input was rejected; ``problems`` lists every problem found."""

    def __init__(self, source: str, problems: Sequence[ImportProblem]) -> None:
        self.source = source
        self.problems = list(problems)
        lines = [f"{source}: {len(self.problems)} problem(s)"] + [f"  {p}" for p in self.problems]
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class HistoryOptions:
    """How to read a history.

    ``tz``: the site's IANA zone, for timestamps without an offset.
    ``queue``: name for files without a queue column; with a queue column, keep only
    this queue.  ``resample_minutes``: aggregate finer intervals (5, 6 minutes: the
    shared data sets) to 15, 30 or 60.  ``allow_gaps``: the history covers opening
    hours/days only; missing intervals are closed periods, not errors.
    """

    tz: str = "UTC"
    queue: str | None = None
    resample_minutes: int | None = None
    allow_gaps: bool = False

    def __post_init__(self) -> None:
        if self.resample_minutes is not None and self.resample_minutes not in SUPPORTED_INTERVALS:
            raise ValueError(f"resample_minutes must be one of {SUPPORTED_INTERVALS}, got {self.resample_minutes}")


@dataclass(frozen=True)
class History:
    """Validated history: ``frame`` has one row per queue and interval, sorted, with
    ``interval_start`` (UTC-aware), ``queue``, ``offered``, ``aht_seconds`` (NaN when
    unknown) and ``aht_weight`` (calls behind the AHT)."""

    frame: pd.DataFrame
    interval_minutes: int
    tz: str

    @property
    def queues(self) -> list[str]:
        return sorted(self.frame["queue"].unique().tolist())

    def series(self, queue: str) -> pd.DataFrame:
        return self.frame[self.frame["queue"] == queue].reset_index(drop=True)


# ----------------------------------------------------------------------------- entry points


def read_history(path: str | Path, options: HistoryOptions = HistoryOptions()) -> History:
    """Read and validate a CSV or XLSX history file; raise HistoryImportError listing every problem."""
    path = Path(path)
    source = str(path)
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            raw = pd.read_excel(path, dtype=str, keep_default_na=False)
        else:
            raw = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except FileNotFoundError:
        raise HistoryImportError(source, [ImportProblem(None, None, "file not found")]) from None
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise HistoryImportError(source, [ImportProblem(None, None, f"cannot read file: {exc}")]) from None
    raw.columns = [str(c).strip().lower() for c in raw.columns]
    return parse_history_frame(raw, options, source=source)


def history_from_rows(
    rows: pd.DataFrame | Iterable[Sequence],
    options: HistoryOptions = HistoryOptions(),
    source: str = "history rows",
) -> History:
    """Validate history handed over by the web app.

    ``rows`` is a DataFrame with ``interval_start_utc, queue, offered, aht_seconds`` (or
    the same as tuples); instants are UTC (naive ones are taken as UTC).
    """
    if isinstance(rows, pd.DataFrame):
        frame = rows.copy()
    else:
        frame = pd.DataFrame(list(rows), columns=["interval_start_utc", "queue", "offered", "aht_seconds"])
    frame = frame.rename(columns={"interval_start_utc": "timestamp"})
    ts = pd.to_datetime(frame["timestamp"], utc=True, errors="coerce")
    frame["timestamp"] = [t.isoformat() if not pd.isna(t) else str(orig) for t, orig in zip(ts, frame["timestamp"])]
    for col in frame.columns:
        if col != "timestamp":
            frame[col] = [("" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)) for v in frame[col]]
    return parse_history_frame(frame, options, source=source)


# ----------------------------------------------------------------------------- validation


def parse_history_frame(raw: pd.DataFrame, options: HistoryOptions, source: str = "history") -> History:
    """Validate a frame of raw strings (one column per file column) into a History."""
    problems: list[ImportProblem] = []
    raw = raw.reset_index(drop=True)
    missing = [c for c in ("timestamp", "offered") if c not in raw.columns]
    if missing:
        raise HistoryImportError(
            source, [ImportProblem(1, c, "required column is missing (need timestamp, offered[, queue, aht_seconds])") for c in missing]
        )
    if raw.empty:
        raise HistoryImportError(source, [ImportProblem(None, None, "no data rows")])

    df = pd.DataFrame({"row": np.arange(len(raw)) + 2})
    if "queue" in raw.columns:
        df["queue"] = raw["queue"].astype(str).str.strip().to_numpy()
        for i in np.flatnonzero(df["queue"].to_numpy() == ""):
            problems.append(ImportProblem(int(df["row"].iat[i]), "queue", "empty queue name"))
        if options.queue is not None:
            keep = df["queue"].to_numpy() == options.queue
            if not keep.any():
                raise HistoryImportError(source, [ImportProblem(None, "queue", f"no rows for queue {options.queue!r}")])
            df, raw = df[keep].reset_index(drop=True), raw[keep].reset_index(drop=True)
    else:
        df["queue"] = options.queue or "default"

    df["offered"] = _numbers(raw["offered"], df["row"], "offered", problems, required=True)
    if "aht_seconds" in raw.columns:
        df["aht_seconds"] = _numbers(raw["aht_seconds"], df["row"], "aht_seconds", problems, required=False)
    else:
        df["aht_seconds"] = np.nan
    if "aht_calls" in raw.columns:
        weight = _numbers(raw["aht_calls"], df["row"], "aht_calls", problems, required=False)
        df["aht_weight"] = np.where(np.isnan(weight), df["offered"], weight)
    else:
        df["aht_weight"] = df["offered"]

    df["interval_start"] = _timestamps(raw["timestamp"], df, options.tz, problems)
    declared = None
    if "interval_minutes" in raw.columns:
        declared = _numbers(raw["interval_minutes"], df["row"], "interval_minutes", problems, required=False)

    good = df["interval_start"].notna().to_numpy()
    step = _infer_step(df[good], declared[good] if declared is not None else None)
    if step is None:
        problems.append(ImportProblem(None, "timestamp", "cannot infer the interval length (need at least two intervals of a queue)"))
    else:
        _check_grid(df[good], step, declared[good] if declared is not None else None, options, problems)

    if problems:
        raise HistoryImportError(source, sorted(problems, key=lambda p: (p.row or 0, p.column or "")))

    frame = df[["interval_start", "queue", "offered", "aht_seconds", "aht_weight"]]
    frame = frame.sort_values(["queue", "interval_start"]).reset_index(drop=True)
    minutes = int(step.total_seconds() // 60)
    return _resample(frame, minutes, options, source)


def _numbers(col: pd.Series, rows: pd.Series, name: str, problems: list[ImportProblem], *, required: bool) -> np.ndarray:
    text = col.fillna("").astype(str).str.strip()
    values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
    blank = (text == "").to_numpy(dtype=bool)
    for i in np.flatnonzero(np.isnan(values)):
        if blank[i]:
            if required:
                problems.append(ImportProblem(int(rows.iat[i]), name, "missing value"))
        else:
            problems.append(ImportProblem(int(rows.iat[i]), name, f"not a number: {text.iat[i]!r}"))
    for i in np.flatnonzero(values < 0):
        problems.append(ImportProblem(int(rows.iat[i]), name, f"negative value {values[i]:g}"))
    for i in np.flatnonzero(np.isinf(values)):
        problems.append(ImportProblem(int(rows.iat[i]), name, "not a finite number"))
    return values


def _timestamps(col: pd.Series, df: pd.DataFrame, tz: str, problems: list[ImportProblem]) -> pd.Series:
    """Parse ISO timestamps; naive ones are local time at ``tz`` (DST-aware, see timeutil)."""
    text = col.astype(str).str.strip()
    has_offset = text.str.contains(_OFFSET).to_numpy()
    out = pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns, UTC]")
    reported: set[int] = set()

    def report(i: int, message: str) -> None:
        reported.add(i)
        problems.append(ImportProblem(int(df["row"].at[i]), "timestamp", message))

    if has_offset.any():
        out[has_offset] = pd.to_datetime(text[has_offset], utc=True, errors="coerce", format="ISO8601")
    if (~has_offset).any():
        naive = pd.to_datetime(text[~has_offset], errors="coerce", format="ISO8601")
        sub = naive[naive.notna()]
        if len(sub):
            # the 2nd time a queue lists the same wall-clock time is the repeated DST hour
            occurrence = df.loc[sub.index].assign(t=sub).groupby(["queue", "t"]).cumcount().to_numpy()
            utc = localize_naive_series(sub, tz, np.minimum(occurrence, 1))
            for i in sub.index[utc.isna().to_numpy()]:
                report(i, f"{text.at[i]} does not exist in {tz} (clocks go forward)")
            for k, i in enumerate(sub.index):
                if occurrence[k] > 0 and not pd.isna(utc.at[i]) and (occurrence[k] > 1 or _is_unambiguous(sub.at[i], tz)):
                    report(i, f"duplicate timestamp {text.at[i]} for queue {df['queue'].at[i]!r}")
                    utc.at[i] = pd.NaT
            out[sub.index] = utc
    for i in df.index[out.isna().to_numpy()]:
        if i not in reported:
            report(i, f"unparsable date {text.at[i]!r}")
    # duplicates among offset-aware stamps
    dup = out.notna() & pd.DataFrame({"q": df["queue"], "t": out}).duplicated(keep="first")
    for i in df.index[dup.to_numpy()]:
        report(i, f"duplicate timestamp {text.at[i]} for queue {df['queue'].at[i]!r}")
    out[dup] = pd.NaT
    return out


def _is_unambiguous(naive: pd.Timestamp, tz: str) -> bool:
    first = pd.Timestamp(naive).tz_localize(tz, ambiguous=True, nonexistent="NaT")
    second = pd.Timestamp(naive).tz_localize(tz, ambiguous=False, nonexistent="NaT")
    return first == second


def _infer_step(df: pd.DataFrame, declared: np.ndarray | None) -> pd.Timedelta | None:
    if declared is not None and np.isfinite(declared).any():
        vals, counts = np.unique(declared[np.isfinite(declared)], return_counts=True)
        return pd.Timedelta(minutes=float(vals[np.argmax(counts)]))
    diffs = df.sort_values(["queue", "interval_start"]).groupby("queue")["interval_start"].diff().dropna()
    diffs = diffs[diffs > pd.Timedelta(0)]
    if diffs.empty:
        return None
    return diffs.mode().iloc[0]


def _check_grid(df: pd.DataFrame, step: pd.Timedelta, declared: np.ndarray | None, options: HistoryOptions, problems: list[ImportProblem]) -> None:
    minutes = step.total_seconds() / 60
    if minutes <= 0 or 1440 % minutes:
        problems.append(ImportProblem(None, "timestamp", f"interval length {minutes:g} minutes does not divide a day"))
        return
    if declared is not None:
        for i in np.flatnonzero(np.isfinite(declared) & (declared != minutes)):
            problems.append(ImportProblem(int(df["row"].iat[i]), "interval_minutes", f"mixed interval lengths: {declared[i]:g} minutes where the file uses {minutes:g}"))
    # every start must sit on the grid of the (local) day: a 30-minute file starting at 07:10 is mixed
    local_minutes = df["interval_start"].dt.tz_convert(options.tz).dt.hour * 60 + df["interval_start"].dt.tz_convert(options.tz).dt.minute
    offgrid = (local_minutes.to_numpy() % minutes) != 0
    for i in np.flatnonzero(offgrid):
        problems.append(ImportProblem(int(df["row"].iat[i]), "timestamp", f"mixed interval lengths: {df['interval_start'].iat[i]} is not on the {minutes:g}-minute grid"))
    if options.allow_gaps:
        return
    ordered = df[~offgrid].sort_values(["queue", "interval_start"])
    for queue, g in ordered.groupby("queue", sort=True):
        t = g["interval_start"]
        gaps = np.flatnonzero((t.diff() > step).to_numpy())
        for j in gaps:
            before, after = t.iat[j - 1], t.iat[j]
            n_missing = int((after - before) / step) - 1
            first = to_local((before + step).to_pydatetime(), options.tz)
            problems.append(
                ImportProblem(
                    int(g["row"].iat[j]),
                    "timestamp",
                    f"{n_missing} missing interval(s) for queue {queue!r} before this row, from {first:%Y-%m-%d %H:%M} "
                    "(use allow_gaps / --allow-gaps if the center is closed then)",
                )
            )


def _resample(frame: pd.DataFrame, minutes: int, options: HistoryOptions, source: str) -> History:
    target = options.resample_minutes
    if target is None:
        if minutes not in SUPPORTED_INTERVALS:
            raise HistoryImportError(
                source,
                [ImportProblem(None, "timestamp", f"{minutes}-minute intervals: pass resample_minutes (--resample) of 15, 30 or 60")],
            )
        return History(frame, minutes, options.tz)
    if target == minutes:
        return History(frame, minutes, options.tz)
    if target % minutes:
        raise HistoryImportError(
            source, [ImportProblem(None, "timestamp", f"cannot resample {minutes}-minute intervals to {target} minutes (not a multiple)")]
        )
    local = frame["interval_start"].dt.tz_convert(options.tz)
    # bucket on the local clock, so 30-minute buckets start at :00/:30 local even in odd-offset zones
    bucket_local = local.dt.floor(f"{target}min", ambiguous="NaT", nonexistent="NaT")
    offset = local - bucket_local
    bucket = frame["interval_start"] - offset
    work = frame.assign(
        interval_start=bucket,
        aht_mass=frame["aht_seconds"].fillna(0.0) * frame["aht_weight"].where(frame["aht_seconds"].notna(), 0.0),
        aht_w=frame["aht_weight"].where(frame["aht_seconds"].notna(), 0.0),
    )
    agg = work.groupby(["queue", "interval_start"], sort=True).agg(
        offered=("offered", "sum"), aht_mass=("aht_mass", "sum"), aht_w=("aht_w", "sum")
    )
    agg = agg.reset_index()
    agg["aht_seconds"] = np.where(agg["aht_w"] > 0, agg["aht_mass"] / agg["aht_w"].where(agg["aht_w"] > 0, 1.0), np.nan)
    agg["aht_weight"] = np.where(agg["aht_w"] > 0, agg["aht_w"], agg["offered"])
    out = agg[["interval_start", "queue", "offered", "aht_seconds", "aht_weight"]]
    return History(out.sort_values(["queue", "interval_start"]).reset_index(drop=True), target, options.tz)
