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
The optional head-count caps (``max_workers``, ``max_cover``) are hard: each unit over a
cap costs ``CAP_PENALTY``, more than any schedule can gain, so from a schedule within the
caps no accepted move leaves them.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from optimizer.shiftdesign.flexible import MINUTES_PER_DAY
from optimizer.shiftdesign.problem import ShiftDesignInstance

_EPS = 1e-7
#: Cost of one employee over a head-count cap (per slot for ``max_cover``).
CAP_PENALTY = 10**9


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
        big = np.iinfo(np.int64).max // 4  # "no cap", still safe to add to
        self.max_x = big if instance.max_workers is None else instance.max_workers
        self.max_cover = big if instance.max_cover is None else instance.max_cover
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
        src, dst, offsets, pair_offset = [], [], [], []
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
                pair_offset.append(o)
                offsets.append(a - self.A[k2])  # absolute shift so the two intervals align
        self.src = np.array(src, dtype=np.int64)
        self.dst = np.array(dst, dtype=np.int64)
        shift = np.array(offsets, dtype=np.int64)
        self.dA = self.A[self.dst] + shift  # destination interval in the source's coordinates
        self.dB = self.B[self.dst] + shift
        self._build_edges(radius, C, np.array(pair_offset, dtype=np.int64))
        self.x = np.zeros(self.K, dtype=np.int64)
        self.cover = np.zeros(n, dtype=np.int64)
        self.total = np.zeros(C, dtype=np.int64)
        self.duty_count = self.work = 0
        self.stats = LocalSearchStats()
        self.walk = 0.0  # chance of walking on from a worse local optimum (0.05-0.3 tried: no gain)

    def _build_edges(self, radius: int, C: int, pair_offset: np.ndarray) -> None:
        """Slots where a transfer from ``src`` to ``dst`` changes cover (+1 gained, -1 lost).

        The two intervals differ only at their ends, at most ``2 * radius`` slots each; kept
        flat (``edge_pair``, ``edge_slot``, ``edge_sign``) so that all whole-shift moves are
        scored with a few array operations (``_best_shift_move``).
        """
        a, b = self.A[self.src], self.B[self.src]
        a2, b2 = self.dA, self.dB
        windows = [
            (a2, np.minimum(a, b2), 1), (np.maximum(b, a2), b2, 1),
            (a, np.minimum(a2, b), -1), (np.maximum(b2, a), b, -1),
        ]
        pairs, slots, signs = [], [], []
        ids = np.arange(self.src.size)
        for lo, hi, sign in windows:
            for j in range(2 * radius):
                mask = lo + j < hi
                pairs.append(ids[mask])
                slots.append((lo + j)[mask])
                signs.append(np.full(int(mask.sum()), sign, dtype=np.int64))
        pair = np.concatenate(pairs) if pairs else np.zeros(0, np.int64)
        slot = np.concatenate(slots) if slots else np.zeros(0, np.int64)
        sign = np.concatenate(signs) if signs else np.zeros(0, np.int64)
        if self.cyclic:
            slot = slot % self.n
        else:
            keep = (slot >= 0) & (slot < self.n)
            pair, slot, sign = pair[keep], slot[keep], sign[keep]
        self.edge_pair, self.edge_slot, self.edge_sign = pair, slot, sign
        n_off = len(self.offsets)
        self.group = self.cand[self.src] * n_off + pair_offset  # (shift, offset) of each pair
        self.n_groups = C * n_off
        self.group_target = np.full(self.n_groups, -1, dtype=np.int64)
        self.group_target[self.group] = self.cand[self.dst]

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
        self.duty_count = int(self.x.sum())
        self.work = int((self.x * self.minutes).sum())

    def _change(self, k: int, amount: int) -> None:
        self.x[k] += amount
        self.cover[self.slots[k]] += amount
        self.total[self.cand[k]] += amount
        self.duty_count += amount
        self.work += amount * int(self.minutes[k])

    def _duty(self, duties: int, work: int) -> float:
        """Scalar ``_duties``: the hot path of the exact whole-shift evaluation."""
        if not self.duties_weight or duties <= 0 or work <= 0:
            return 0.0
        avg = self.hours60 * duties / work
        return self.duties_weight * max(0.0, self.low - avg, avg - self.high)

    def _duties(self, duties: int | np.ndarray, work: int | np.ndarray) -> float | np.ndarray:
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
        return self.duty_count, self.work

    def deviation(self, cover: np.ndarray) -> int:
        """Shortage and excess, plus the penalty of employees over ``max_cover``."""
        gap = cover - self.demand
        over_cap = np.maximum(cover - self.max_cover, 0).sum()
        return int(self.over * gap[gap > 0].sum() - self.under * gap[gap < 0].sum() + CAP_PENALTY * over_cap)

    def _worker_penalty(self, x: np.ndarray) -> int:
        return int(CAP_PENALTY * np.maximum(x - self.max_x, 0).sum())

    def cost(self) -> float:
        duties, work = self._sums()
        return (self.deviation(self.cover) + self._worker_penalty(self.x)
                + self.per_shift * int((self.total > 0).sum()) + self._duty(duties, work))

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
        add = self._prefix(np.where(gap >= 0, self.over, -self.under)
                           + CAP_PENALTY * (self.cover >= self.max_cover))
        rem = self._prefix(np.where(gap > 0, -self.over, self.under)
                           - CAP_PENALTY * (self.cover > self.max_cover))
        full = CAP_PENALTY * (self.x >= self.max_x)  # one more on this entry breaks max_workers
        duties, work = self._sums()
        base = self._duty(duties, work)
        best = (0.0, "", -1, -1)
        d_add = self._seg(add, self.A, self.B) + self.per_shift * (self.total[self.cand] == 0) + full
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
            delta = delta + full[t]
            delta = delta + self._duties(duties, work - self.minutes[s] + self.minutes[t]) - base
            i = int(np.argmin(delta))
            if delta[i] < best[0] - _EPS:
                best = (float(delta[i]), "transfer", int(s[i]), int(t[i]))
        return best

    def _shift_moves(self) -> list[list[tuple[int, int]]]:
        """Whole-shift moves as lists of (entry, change): every used shift to each neighbour, or deleted."""
        return [move for c in np.nonzero(self.total)[0] for move in self._moves_of(int(c))]

    def _removal(self, c: int) -> list[tuple[int, int]]:
        return [(k, -int(self.x[k])) for k in range(c * self.days, (c + 1) * self.days) if self.x[k]]

    def _moves_of(self, c: int) -> list[list[tuple[int, int]]]:
        """Moves of used shift ``c``: its deletion first, then a move to each neighbour."""
        entries = [c * self.days + d for d in range(self.days) if self.x[c * self.days + d]]
        removal = [(k, -int(self.x[k])) for k in entries]
        moves = [removal]
        for o in range(len(self.offsets)):
            targets = [int(self.neighbour[k, o]) for k in entries]
            if min(targets) >= 0:
                moves.append(removal + [(t, int(self.x[k])) for k, t in zip(entries, targets)])
        return moves

    def _kick(self, rng: random.Random) -> bool:
        """Perturb: delete a random used shift (half the time) or move it to a random neighbour."""
        used = np.nonzero(self.total)[0]
        if not used.size:
            return False
        moves = self._moves_of(int(rng.choice(list(used))))
        move = moves[0] if len(moves) == 1 or rng.random() < 0.5 else rng.choice(moves[1:])
        for entry, amount in move:
            self._change(entry, amount)
        return True

    def _deviation_change(self, gap: np.ndarray, amount: np.ndarray, room: np.ndarray) -> np.ndarray:
        """Change of the slot costs when ``amount`` employees join slots with ``gap`` (cover -
        demand) and ``room`` (cap - demand)."""
        def f(g: np.ndarray) -> np.ndarray:
            return self.over * np.maximum(g, 0) + self.under * np.maximum(-g, 0) + CAP_PENALTY * np.maximum(g - room, 0)

        return f(gap + amount) - f(gap)

    def _best_shift_move(self) -> tuple[float, list[tuple[int, int]] | None]:
        """Best move of a whole used shift to a neighbour (vectorised, then checked exactly)."""
        if not self.edge_pair.size:
            return 0.0, None
        amount = self.x[self.src]
        live = amount > 0
        gap = self.cover - self.demand
        edge_amount = self.edge_sign * amount[self.edge_pair]
        room = self.max_cover - self.demand[self.edge_slot]
        contrib = self._deviation_change(gap[self.edge_slot], edge_amount, room)
        pair_delta = np.bincount(self.edge_pair, contrib, minlength=self.src.size)
        group_delta = np.bincount(self.group, pair_delta * live, minlength=self.n_groups)
        group_live = np.bincount(self.group, live, minlength=self.n_groups)
        days_on = np.bincount(self.cand, self.x > 0, minlength=self.total.size)
        n_off = len(self.offsets)
        need = np.repeat(days_on, n_off)
        source = np.repeat(np.arange(self.total.size), n_off)
        valid = (need > 0) & (group_live == need) & (self.group_target >= 0)
        if not valid.any():
            return 0.0, None
        idx = np.nonzero(valid)[0]
        target = self.group_target[idx]
        src_c = source[idx]
        delta = group_delta[idx] + self.per_shift * ((self.total[target] == 0).astype(np.int64) - 1)
        if self.duties_weight:
            length = self.minutes[:: self.days]
            work = self.work + self.total[src_c] * (length[target] - length[src_c])
            delta = delta + self._duties(self.duty_count, work) - self._duty(self.duty_count, self.work)
        best = int(np.argmin(delta))
        if delta[best] >= -_EPS:
            return 0.0, None
        c, o = divmod(int(idx[best]), n_off)
        entries = [c * self.days + d for d in range(self.days) if self.x[c * self.days + d]]
        move = [(k, -int(self.x[k])) for k in entries] + [(int(self.neighbour[k, o]), int(self.x[k])) for k in entries]
        return float(delta[best]), move

    def _evaluate(self, move: list[tuple[int, int]], current: float) -> float:
        cover = self.cover.copy()
        total = self.total.copy()
        x = self.x.copy()
        duties, work = self._sums()
        for k, amount in move:
            cover[self.slots[k]] += amount
            total[self.cand[k]] += amount
            x[k] += amount
            duties += amount
            work += amount * int(self.minutes[k])
        value = (self.deviation(cover) + self._worker_penalty(x) + self.per_shift * int((total > 0).sum())
                 + self._duty(duties, work))
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
                _, best_move = self._best_shift_move()
                best = self._evaluate(best_move, current) if best_move else 0.0
                if best >= -_EPS:  # no (verified) improving shift move: try deletions, then all moves exactly
                    best, best_move = -_EPS, None
                    used = np.nonzero(self.total)[0]
                    candidates = [self._removal(int(c)) for c in used]
                    for move in candidates:
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

    def run(
        self,
        x: np.ndarray,
        deadline: float,
        seed: int = 0,
        on_improve: Callable[[np.ndarray, float], None] | None = None,
        target: float | None = None,
        stop: Callable[[], bool] | None = None,
    ) -> tuple[np.ndarray, float]:
        """Descend from ``x``, then kick and descend again (iterated local search) until the deadline.

        A kick moves one random used shift to a random neighbour (or deletes it); the
        result is kept when it is no worse than the best (ties walk plateaus).
        ``on_improve(x, cost)`` is called at every new best.  The search stops early once
        the cost is at or below ``target`` (a lower bound: nothing better exists), and between
        descents when ``stop()`` is true (cancellation).
        """
        t0 = time.monotonic()
        rng = random.Random(seed)
        self.load(x)
        best_cost = current = self.descend(deadline)
        best_x = self.x.copy()
        if on_improve:
            on_improve(best_x, best_cost)
        while time.monotonic() < deadline and (target is None or best_cost > target + _EPS):
            if stop is not None and stop():
                break
            if not any([self._kick(rng) for _ in range(rng.randint(1, 2))]):
                break
            self.stats.kicks += 1
            value = self.descend(deadline)
            if value < best_cost - _EPS:
                best_cost, best_x, current = value, self.x.copy(), value
                if on_improve:
                    on_improve(best_x, best_cost)
            elif value <= current + _EPS or rng.random() < self.walk:
                current = value  # walk on: plateaus, and now and then a worse local optimum
            else:
                self.load(best_x)
                current = best_cost
        self.stats.seconds += time.monotonic() - t0
        return best_x, best_cost
