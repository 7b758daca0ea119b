"""The one progress-reporting mechanism shared by the CLI, the web pages and the job workers.

Long work (solves, forecasts, backtests, imports) calls a ``ProgressCallback`` with
``Progress`` snapshots and polls a ``CancelToken``.  The CLI prints them as lines, the
job runner stores them in the database for the page's progress bar; the producer never
knows which.
"""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Protocol, TextIO


@dataclass(frozen=True)
class Progress:
    """A snapshot of long-running work.

    ``fraction`` is the share done in [0, 1] when it is known (a backtest over N origins),
    else None; a solve knows its time budget, so it reports ``elapsed``/``time_limit``
    and the incumbent's ``objective`` and ``bound``.
    """

    stage: str
    message: str = ""
    fraction: float | None = None
    elapsed: float = 0.0
    time_limit: float | None = None
    solutions: int = 0
    objective: float | None = None
    bound: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def gap(self) -> float | None:
        """Relative gap between incumbent and bound, as CP-SAT and MIP solvers report it."""
        if self.objective is None or self.bound is None:
            return None
        denom = max(abs(self.objective), 1e-9)
        return abs(self.objective - self.bound) / denom

    @property
    def time_left(self) -> float | None:
        if self.time_limit is None:
            return None
        return max(0.0, self.time_limit - self.elapsed)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["gap"] = self.gap
        data["time_left"] = self.time_left
        return data


ProgressCallback = Callable[[Progress], None]


def no_progress(_: Progress) -> None:
    """Default callback: report nothing."""


class Cancellable(Protocol):
    def is_cancelled(self) -> bool: ...


class CancelToken:
    """Thread-safe cancellation flag; a job runner may subclass it to poll its database row."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    def is_cancelled(self) -> bool:
        return self._event.is_set()


NEVER_CANCELLED = CancelToken()


def format_progress(p: Progress) -> str:
    """One human-readable line; the CLI prints these."""
    parts = [f"[{p.stage}]"]
    if p.fraction is not None:
        parts.append(f"{100 * p.fraction:5.1f}%")
    if p.solutions:
        parts.append(f"solutions={p.solutions}")
    if p.objective is not None:
        parts.append(f"objective={p.objective:g}")
    if p.bound is not None:
        parts.append(f"bound={p.bound:g}")
    gap = p.gap
    if gap is not None:
        parts.append(f"gap={100 * gap:.2f}%")
    parts.append(f"elapsed={p.elapsed:.1f}s")
    if p.time_limit is not None:
        parts.append(f"left={p.time_left:.0f}s")
    if p.message:
        parts.append(p.message)
    return " ".join(parts)


class LinePrinter:
    """A ``ProgressCallback`` that prints lines, at most one per ``min_interval`` seconds
    unless the snapshot is final (fraction 1.0) — so a fast solver does not flood a terminal."""

    def __init__(self, stream: TextIO | None = None, min_interval: float = 0.5) -> None:
        self.stream = stream or sys.stderr
        self.min_interval = min_interval
        self._last = 0.0

    def __call__(self, p: Progress) -> None:
        now = time.monotonic()
        if p.fraction != 1.0 and now - self._last < self.min_interval:
            return
        self._last = now
        print(format_progress(p), file=self.stream, flush=True)
