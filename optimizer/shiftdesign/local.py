"""Local search over a schedule: cheap, incremental moves that polish a rounded LP solution.

Why: on a loaded 2-core machine CP-SAT gets a few CPU-seconds per instance, and the LP dive
lands a few shifts away from the optimum (one shift too many, a start one slot off).  Those
last steps are single moves, and each move's cost change is a handful of prefix-sum lookups:
adding one employee to a shift on one day changes the deviation only on that shift's slots,
by ``+over`` where the slot is already covered and ``-under`` where it is short.

State: ``x[k]`` employees on entry ``k = candidate * days + day``; ``cover[t]`` per slot.
Moves, best improvement first:

* add or remove one employee on one entry;
* transfer one employee to a neighbouring shift (start and/or length a few slots away) on
  the same day: the cost changes only on the symmetric difference of the two intervals;
* move a whole shift (every day at once) to a neighbouring shift, or onto one already in
  use (a merge, which saves the per-shift cost), or delete it: evaluated exactly.

The objective here is the scorer's (deviation in employee-minutes, per-shift cost, the
duties-per-week term with floats); ``solve`` still re-scores every result with ``scoring``.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

import numpy as np

from optimizer.shiftdesign.flexible import MINUTES_PER_DAY
from optimizer.shiftdesign.problem import ShiftDesignInstance

_EPS = 1e-7


@dataclass
class LocalSearchStats:
    moves: int = 0
    kicks: int = 0
    seconds: float = 0.0


class LocalSearch:
    """Incremental evaluator and hill climber for one instance and candidate list."""

    def __init__(
        self, instance: ShiftDesignInstance, candidates: list[tuple[int, int]], radius: int = 2
    ) -> None:
        self.instance = instance
        self.candidates = candidates
        slot = instance.slot_minutes
        self.days = days = instance.days
        self.n = n = instance.num_slots
        self.per_day = MINUTES_PER_DAY // slot
        self.demand = np.asarray(instance.requirements, dtype=np.int64)
        w = instance.weights
        self.under = w.under * slot
        self.over = w.over * slot
        self.per_shift = w.per_shift
        self.duties_weight = float(w.duties_per_week)
        self.hours60 = 60.0 * float(instance.hours_per_week)
        self.low, self.high = float(instance.duties_low), float(instance.duties_high)
        C = len(candidates)
        self.K = C * days
        starts = np.array([s // slot for s, _ in candidates], dtype=np.int64)
        lens = np.array([length // slot for _, length in candidates], dtype=np.int64)
        self.minutes = np.repeat(np.array([length for _, length in candidates], dtype=np.int64), days)
        self.cand = np.repeat(np.arange(C), days)
        self.A = np.repeat(starts, days) + np.tile(np.arange(days) * self.per_day, C)
        self.B = self.A + np.repeat(lens, days)
        self.cyclic = instance.cyclic
        self.slots = [self._slots(a, b) for a, b in zip(self.A, self.B)]
        # neighbours: same absolute start +- radius slots, length +- radius slots
        index = {(s // slot, length // slot): c for c, (s, length) in enumerate(candidates)}
        src, dst, offsets = [], [], []
        offset_list = [(ds, dl) for ds in range(-radius, radius + 1) for dl in range(-radius, radius + 1) if ds or dl]
        self.offsets = offset_list
        self.neighbour = np.full((self.K, len(offset_list)), -1, dtype=np.int64)
        for k in range(self.K):
            c, d = divmod(k, days)
            s, length = starts[c], lens[c]
            for o, (ds, dl) in enumerate(offset_list):
                a = d * self.per_day + s + ds
                day, start = divmod(a, self.per_day)
                if not self.cyclic and not 0 <= day < days:
                    continue
                c2 = index.get((start, length + dl))
                if c2 is None:
                    continue
                k2 = c2 * days + day % days
                self.neighbour[k, o] = k2
                src.append(k)
                dst.append(k2)
                offsets.append(a - self.A[k2])  # absolute shift so the two intervals align
        self.src = np.array(src, dtype=np.int64)
        self.dst = np.array(dst, dtype=np.int64)
        shift = np.array(offsets, dtype=np.int64)
        self.dA = self.A[self.dst] + shift  # destination interval in the source's coordinates
        self.dB = self.B[self.dst] + shift
        self.x = np.zeros(self.K, dtype=np.int64)
        self.cover = np.zeros(n, dtype=np.int64)
        self.total = np.zeros(C, dtype=np.int64)
        self.stats = LocalSearchStats()

    def _slots(self, a: int, b: int) -> np.ndarray:
        idx = np.arange(a, b)
        if self.cyclic:
            return idx % self.n
        return idx[idx < self.n]

    # state -----------------------------------------------------------------------------

    def load(self, x: np.ndarray) -> None:
        self.x = np.asarray(x, dtype=np.int64).copy()
        self.cover = np.zeros(self.n, dtype=np.int64)
        for k in np.nonzero(self.x)[0]:
            self.cover[self.slots[k]] += self.x[k]
        self.total = self.x.reshape(-1, self.days).sum(axis=1)

    def _change(self, k: int, amount: int) -> None:
        self.x[k] += amount
        self.cover[self.slots[k]] += amount
        self.total[self.cand[k]] += amount

    def _duties(self, duties, work):
        """Duties-per-week violation times its weight (vectorised, floats)."""
        if not self.duties_weight:
            return 0.0
        duties = np.asarray(duties, dtype=float)
        work = np.asarray(work, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            avg = np.where(work > 0, self.hours60 * duties / np.maximum(work, 1), 0.0)
        viol = np.maximum(0.0, np.maximum(self.low - avg, avg - self.high))
        viol = np.where((duties > 0) & (work > 0), viol, 0.0)
        return self.duties_weight * viol

    def _sums(self) -> tuple[int, int]:
        return int(self.x.sum()), int((self.x * self.minutes).sum())

    def deviation(self, cover: np.ndarray) -> int:
        gap = cover - self.demand
        return int(self.over * gap[gap > 0].sum() - self.under * gap[gap < 0].sum())

    def cost(self) -> float:
        duties, work = self._sums()
        return self.deviation(self.cover) + self.per_shift * int((self.total > 0).sum()) + float(
            self._duties(duties, work)
        )

    # moves -----------------------------------------------------------------------------

    def _prefix(self, gain: np.ndarray) -> np.ndarray:
        ext = np.tile(gain, 3) if self.cyclic else np.concatenate([np.zeros(self.n, gain.dtype), gain, np.zeros(self.n, gain.dtype)])
        return np.concatenate([[0], np.cumsum(ext)])

    def _seg(self, P: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        hi = np.maximum(hi, lo)
        return P[hi + self.n] - P[lo + self.n]

    def _best_entry_move(self) -> tuple[float, str, int, int]:
        """Best single-employee move: ('add', k), ('remove', k) or ('transfer', src, dst)."""
        gap = self.cover - self.demand
        add = self._prefix(np.where(gap >= 0, self.over, -self.under))
        rem = self._prefix(np.where(gap > 0, -self.over, self.under))
        duties, work = self._sums()
        base = float(self._duties(duties, work))
        best = (0.0, "", -1, -1)
        d_add = self._seg(add, self.A, self.B) + self.per_shift * (self.total[self.cand] == 0)
        d_add = d_add + self._duties(duties + 1, work + self.minutes) - base
        k = int(np.argmin(d_add))
        if d_add[k] < best[0] - _EPS:
            best = (float(d_add[k]), "add", k, -1)
        on = np.nonzero(self.x)[0]
        if on.size:
            d_rem = self._seg(rem, self.A[on], self.B[on]) - self.per_shift * (self.total[self.cand[on]] == 1)
            d_rem = d_rem + self._duties(duties - 1, work - self.minutes[on]) - base
            i = int(np.argmin(d_rem))
            if d_rem[i] < best[0] - _EPS:
                best = (float(d_rem[i]), "remove", int(on[i]), -1)
        live = self.x[self.src] > 0
        if live.any():
            s, t = self.src[live], self.dst[live]
            a, b, a2, b2 = self.A[s], self.B[s], self.dA[live], self.dB[live]
            delta = (
                self._seg(add, a2, np.minimum(a, b2)) + self._seg(add, np.maximum(b, a2), b2)
                + self._seg(rem, a, np.minimum(a2, b)) + self._seg(rem, np.maximum(b2, a), b)
            )
            delta = delta + self.per_shift * ((self.total[self.cand[t]] == 0).astype(np.int64) - (self.total[self.cand[s]] == 1))
            delta = delta + self._duties(duties, work - self.minutes[s] + self.minutes[t]) - base
            i = int(np.argmin(delta))
            if delta[i] < best[0] - _EPS:
                best = (float(delta[i]), "transfer", int(s[i]), int(t[i]))
        return best

    def _shift_moves(self) -> list[tuple[list[tuple[int, int]], int]]:
        """Whole-shift moves as lists of (entry, change): every used shift to each neighbour, or deleted."""
        moves = []
        days = self.days
        for c in np.nonzero(self.total)[0]:
            entries = [int(c) * days + d for d in range(days) if self.x[int(c) * days + d]]
            moves.append([(k, -int(self.x[k])) for k in entries])
            for o in range(len(self.offsets)):
                targets = [int(self.neighbour[k, o]) for k in entries]
                if min(targets) < 0:
                    continue
                move = [(k, -int(self.x[k])) for k in entries] + [(t, int(self.x[k])) for k, t in zip(entries, targets)]
                moves.append(move)
        return moves

    def _evaluate(self, move: list[tuple[int, int]], current: float) -> float:
        cover = self.cover.copy()
        total = self.total.copy()
        duties, work = self._sums()
        for k, amount in move:
            cover[self.slots[k]] += amount
            total[self.cand[k]] += amount
            duties += amount
            work += amount * int(self.minutes[k])
        value = self.deviation(cover) + self.per_shift * int((total > 0).sum()) + float(self._duties(duties, work))
        return value - current

    def descend(self, deadline: float) -> float:
        """Apply improving moves until none is left or the deadline passes; returns the cost."""
        current = self.cost()
        while time.monotonic() < deadline:
            delta, kind, k, k2 = self._best_entry_move()
            if kind == "add":
                self._change(k, 1)
            elif kind == "remove":
                self._change(k, -1)
            elif kind == "transfer":
                self._change(k, -1)
                self._change(k2, 1)
            else:
                best, best_move = -_EPS, None
                for move in self._shift_moves():
                    value = self._evaluate(move, current)
                    if value < best:
                        best, best_move = value, move
                if best_move is None:
                    break
                for entry, amount in best_move:
                    self._change(entry, amount)
            self.stats.moves += 1
            current = self.cost()
        return current

    def run(self, x: np.ndarray, deadline: float, seed: int = 0, on_improve=None) -> tuple[np.ndarray, float]:
        """Descend from ``x``, then kick and descend again (iterated local search) until the deadline.

        A kick moves one random used shift to a random neighbour (or deletes it); the
        result is kept when it is no worse than the best (ties walk plateaus).
        ``on_improve(x, cost)`` is called at every new best.
        """
        t0 = time.monotonic()
        rng = random.Random(seed)
        self.load(x)
        best_cost = self.descend(deadline)
        best_x = self.x.copy()
        if on_improve:
            on_improve(best_x, best_cost)
        while time.monotonic() < deadline:
            moves = self._shift_moves()
            if not moves:
                break
            for _ in range(rng.randint(1, 2)):
                for entry, amount in rng.choice(moves):
                    self._change(entry, amount)
                moves = self._shift_moves() or moves
            self.stats.kicks += 1
            value = self.descend(deadline)
            if value < best_cost - _EPS:
                best_cost, best_x = value, self.x.copy()
                if on_improve:
                    on_improve(best_x, best_cost)
            elif value <= best_cost + _EPS:
                best_x = self.x.copy()
            else:
                self.load(best_x)
        self.stats.seconds += time.monotonic() - t0
        return best_x, best_cost
