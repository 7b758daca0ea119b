"""Where to put a training session so that service suffers least.

Inputs are what the roster engine already knows, per interval of the planning grid:
the forecast (volume, handle time) and the requirement (agents to schedule) of every
queue, who is on duty (rostered, published, on the phone: not in a break or another
activity), and who may leave the phone for training.

Coverage of a multi-skilled agent is split over their queues in proportion to each
queue's requirement in that interval (routing sends agents where the work is); a
single-skilled agent counts fully for their queue.  The trainees' queues form the
"team" whose coverage matters: an interval is *under-covered* when any of those queues
has fewer agents than required, and its *spare* is the summed surplus over them.

Candidate slots start on every ``start_step``-th interval and last the course's duration;
the attendees of a slot are the (remaining) trainees free for the whole of it, up to the
capacity.  Slots are ranked, best first, by:

1. not touching an already under-covered interval (the rule the acceptance test checks);
2. staying covered after the attendees leave the phone;
3. more attendees (fewer sessions for the same people);
4. the smallest drop of the volume-weighted service level over the slot, projected with
   the queue's own Erlang model (``optimizer.staffing.projected_service_level``) for the
   coverage with and without the attendees;
5. the most spare staffing left; then the earliest start.

A greedy cover then proposes the best slot, removes its attendees (from the trainees
still to place, and from the coverage), forbids overlapping slots (one trainer), and
repeats until everyone is placed or the proposal budget is spent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from optimizer.staffing import StaffingConfig, projected_service_level

_EPS = 1e-9


@dataclass(frozen=True)
class QueueDemand:
    """One queue over the grid: forecast and requirement (agents to schedule)."""

    code: str
    volume: np.ndarray
    aht_seconds: np.ndarray
    required: np.ndarray
    config: StaffingConfig = field(default_factory=StaffingConfig)


@dataclass(frozen=True)
class PlacementProblem:
    """``on_duty[a, t]``: staff member ``a`` is on the phone in interval ``t`` (coverage);
    ``free[a, t]``: may be taken off the phone for training then (rostered, no other
    activity).  ``skills[a]``: indices into ``queues``.  ``trainees``: staff indices to
    train.  ``grid``: UTC start of each interval, consecutive."""

    grid: tuple[datetime, ...]
    interval_minutes: int
    queues: tuple[QueueDemand, ...]
    on_duty: np.ndarray
    free: np.ndarray
    skills: tuple[tuple[int, ...], ...]
    trainees: tuple[int, ...]
    duration_intervals: int
    capacity: int = 12
    min_attendees: int = 1
    max_proposals: int = 6
    start_step: int = 1

    def __post_init__(self) -> None:
        t = len(self.grid)
        a = len(self.skills)
        if self.on_duty.shape != (a, t) or self.free.shape != (a, t):
            raise ValueError(f"on_duty and free must be {a} x {t} (staff x intervals)")
        for q in self.queues:
            if not (len(q.volume) == len(q.aht_seconds) == len(q.required) == t):
                raise ValueError(f"queue {q.code}: series must have {t} intervals")
        if self.duration_intervals < 1:
            raise ValueError("the session must last at least one interval")
        if self.capacity < 1 or self.min_attendees < 1 or self.start_step < 1:
            raise ValueError("capacity, min_attendees and start_step must be >= 1")
        bad = [i for i in self.trainees if not 0 <= i < a]
        if bad:
            raise ValueError(f"trainee indices out of range: {bad}")


@dataclass(frozen=True)
class SlotProposal:
    start_index: int
    start: datetime
    end: datetime
    attendees: tuple[int, ...]
    #: Some interval of the slot is under-covered even before anyone leaves the phone.
    under_covered_before: bool
    #: Every interval stays covered after the attendees leave the phone.
    stays_covered: bool
    min_spare_before: float
    min_spare_after: float
    #: Volume-weighted service level over the slot and the team's queues.
    service_level_before: float
    service_level_after: float
    #: queue code -> (service level before, after), volume-weighted over the slot.
    by_queue: dict[str, tuple[float, float]]

    @property
    def service_level_drop(self) -> float:
        return self.service_level_before - self.service_level_after


@dataclass(frozen=True)
class PlacementResult:
    proposals: list[SlotProposal]
    #: Trainees no proposed slot could take (never free long enough, or budget spent).
    unplaced: tuple[int, ...]
    #: Per interval: the team's summed spare staffing before any proposal (for charts).
    spare: np.ndarray
    under_covered: np.ndarray


def split_weights(required: np.ndarray, skills: tuple[int, ...]) -> np.ndarray:
    """[T, Q] share of one agent per queue: proportional to the requirement among the
    agent's skills, an equal split where none of them needs anyone."""
    q_count, t_count = required.shape
    w = np.zeros((t_count, q_count))
    if not skills:
        return w
    idx = list(skills)
    sub = np.maximum(required[idx].T, 0.0)  # [T, k]
    total = sub.sum(axis=1, keepdims=True)
    share = np.where(total > 0, sub / np.where(total > 0, total, 1.0), 1.0 / len(idx))
    w[:, idx] = share
    return w


class _Coverage:
    """Coverage per queue and interval from who is on duty, grouped by skill set."""

    def __init__(self, problem: PlacementProblem) -> None:
        self.required = np.array([q.required for q in problem.queues], dtype=float)  # [Q, T]
        self.patterns: dict[tuple[int, ...], np.ndarray] = {}
        for sk in set(problem.skills):
            self.patterns[tuple(sorted(sk))] = split_weights(self.required, tuple(sorted(sk)))

    def weights(self, skills: tuple[int, ...]) -> np.ndarray:
        return self.patterns[tuple(sorted(skills))]

    def coverage(self, on_duty: np.ndarray, skills: tuple[tuple[int, ...], ...]) -> np.ndarray:
        """[Q, T] fractional heads on the phone per queue."""
        cov = np.zeros_like(self.required)
        by_pattern: dict[tuple[int, ...], np.ndarray] = {}
        for a, sk in enumerate(skills):
            key = tuple(sorted(sk))
            by_pattern[key] = by_pattern.get(key, 0) + on_duty[a].astype(float)
        for key, heads in by_pattern.items():
            cov += (self.patterns[key] * np.asarray(heads)[:, None]).T
        return cov


def _sl_frame(problem: PlacementProblem, q: int, t_idx: np.ndarray) -> pd.DataFrame:
    demand = problem.queues[q]
    return pd.DataFrame({
        "timestamp": pd.DatetimeIndex([problem.grid[i] for i in t_idx]),
        "queue": demand.code,
        "volume": demand.volume[t_idx],
        "aht_seconds": np.where(demand.aht_seconds[t_idx] > 0, demand.aht_seconds[t_idx], 1.0),
    })


def _service_level(problem: PlacementProblem, q: int, t_idx: np.ndarray, heads: np.ndarray) -> np.ndarray:
    if len(t_idx) == 0:
        return np.zeros(0)
    frame = _sl_frame(problem, q, t_idx)
    out = projected_service_level(frame, heads, problem.queues[q].config, interval_seconds=problem.interval_minutes * 60.0)
    return out["service_level"].to_numpy(dtype=float)


def _window_all(mask: np.ndarray, d: int) -> np.ndarray:
    """[A, T-d+1]: True where the row is True for all of t..t+d-1."""
    csum = np.concatenate([np.zeros((mask.shape[0], 1)), np.cumsum(mask, axis=1)], axis=1)
    return (csum[:, d:] - csum[:, :-d]) >= d - 0.5


def propose_slots(problem: PlacementProblem) -> PlacementResult:
    """Greedy cover of the trainees by the best-ranked slots (see module docstring)."""
    d = problem.duration_intervals
    t_count = len(problem.grid)
    cov_model = _Coverage(problem)
    team_queues = sorted({q for a in problem.trainees for q in problem.skills[a]})
    on_duty = problem.on_duty.astype(bool).copy()
    free = problem.free.astype(bool) & on_duty
    remaining = list(dict.fromkeys(problem.trainees))
    blocked = np.zeros(t_count, dtype=bool)
    proposals: list[SlotProposal] = []
    req = cov_model.required
    first_spare: np.ndarray | None = None
    first_under: np.ndarray | None = None
    if t_count < d:
        return PlacementResult([], tuple(remaining), np.zeros(t_count), np.zeros(t_count, dtype=bool))

    while remaining and len(proposals) < problem.max_proposals:
        cov = cov_model.coverage(on_duty, problem.skills)
        tq = team_queues or list(range(len(problem.queues)))
        under = np.any(cov[tq] < req[tq] - _EPS, axis=0)
        spare = (cov[tq] - req[tq]).sum(axis=0)
        if first_spare is None:
            first_spare, first_under = spare, under
        avail = _window_all(free[remaining], d)  # [R, S]
        starts = np.arange(0, t_count - d + 1, problem.start_step)
        blocked_win = _window_all(~blocked[None, :], d)[0]
        candidates = []
        for s in starts:
            if not blocked_win[s]:
                continue
            who = [remaining[i] for i in np.flatnonzero(avail[:, s])][: problem.capacity]
            if len(who) < problem.min_attendees:
                continue
            candidates.append((int(s), tuple(who)))
        if not candidates:
            break
        scored = _score(problem, cov_model, cov, under, spare, candidates, tq)
        best = min(scored, key=lambda p: (p.under_covered_before, not p.stays_covered, -len(p.attendees),
                                          round(p.service_level_drop, 6), -p.min_spare_after, p.start_index))
        proposals.append(best)
        window = slice(best.start_index, best.start_index + d)
        for a in best.attendees:
            on_duty[a, window] = False
            free[a, window] = False
        blocked[window] = True
        remaining = [a for a in remaining if a not in best.attendees]
    spare0 = first_spare if first_spare is not None else np.zeros(t_count)
    under0 = first_under if first_under is not None else np.zeros(t_count, dtype=bool)
    return PlacementResult(proposals, tuple(remaining), spare0, under0)


def _score(problem: PlacementProblem, cov_model: _Coverage, cov: np.ndarray, under: np.ndarray, spare: np.ndarray,
           candidates: list[tuple[int, tuple[int, ...]]], tq: list[int]) -> list[SlotProposal]:
    d = problem.duration_intervals
    req = cov_model.required
    c = len(candidates)
    offsets = np.arange(d)
    t_idx = np.array([s for s, _ in candidates])[:, None] + offsets[None, :]  # [C, d]
    # heads removed per queue: sum of the attendees' split weights over the window
    removed = np.zeros((len(problem.queues), c, d))
    for ci, (s, who) in enumerate(candidates):
        for a in who:
            removed[:, ci, :] += cov_model.weights(problem.skills[a])[s:s + d].T
    flat_t = t_idx.reshape(-1)
    before_sl: dict[int, np.ndarray] = {}
    after_sl: dict[int, np.ndarray] = {}
    for q in tq:
        before_all = _service_level(problem, q, np.arange(len(problem.grid)), cov[q])
        before_sl[q] = before_all[t_idx]
        after_heads = np.maximum(cov[q][flat_t] - removed[q].reshape(-1), 0.0)
        after_sl[q] = _service_level(problem, q, flat_t, after_heads).reshape(c, d)
    out: list[SlotProposal] = []
    for ci, (s, who) in enumerate(candidates):
        win = t_idx[ci]
        after_cov = cov[tq][:, win] - removed[tq][:, ci, :]
        vol_total = 0.0
        sl_b = sl_a = 0.0
        by_queue: dict[str, tuple[float, float]] = {}
        for q in tq:
            vol = problem.queues[q].volume[win]
            v = float(vol.sum())
            if v > 0:
                b = float((vol * before_sl[q][ci]).sum())
                a = float((vol * after_sl[q][ci]).sum())
                by_queue[problem.queues[q].code] = (b / v, a / v)
                sl_b, sl_a, vol_total = sl_b + b, sl_a + a, vol_total + v
            else:
                by_queue[problem.queues[q].code] = (1.0, 1.0)
        out.append(SlotProposal(
            start_index=s,
            start=problem.grid[s],
            end=problem.grid[s + d - 1] + timedelta(minutes=problem.interval_minutes),
            attendees=who,
            under_covered_before=bool(under[win].any()),
            stays_covered=bool(np.all(after_cov >= req[tq][:, win] - _EPS)),
            min_spare_before=float(spare[win].min()),
            min_spare_after=float(spare[win].min() - len(who)),
            service_level_before=sl_b / vol_total if vol_total > 0 else 1.0,
            service_level_after=sl_a / vol_total if vol_total > 0 else 1.0,
            by_queue=by_queue,
        ))
    return out


def evaluate_slot(problem: PlacementProblem, start_index: int, attendees: tuple[int, ...]) -> SlotProposal:
    """Impact of one given slot (a trainer's own choice, or a proposal being accepted)."""
    d = problem.duration_intervals
    if not 0 <= start_index <= len(problem.grid) - d:
        raise ValueError("the slot does not fit in the planning grid")
    cov_model = _Coverage(problem)
    tq = sorted({q for a in problem.trainees for q in problem.skills[a]}) or list(range(len(problem.queues)))
    cov = cov_model.coverage(problem.on_duty.astype(bool), problem.skills)
    req = cov_model.required
    under = np.any(cov[tq] < req[tq] - _EPS, axis=0)
    spare = (cov[tq] - req[tq]).sum(axis=0)
    return _score(problem, cov_model, cov, under, spare, [(start_index, tuple(attendees))], tq)[0]
