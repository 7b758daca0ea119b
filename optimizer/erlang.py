"""Erlang C (M/M/n) and Erlang A (M/M/n+M) queue formulas, vectorised over intervals.

Every function takes numpy arrays (or scalars) of per-interval inputs and returns arrays,
so a year of 15-minute intervals (35,040) is one call, not 35,040 Python loops.

Numerical stability, up to thousands of Erlangs:

* Erlang B is never built from factorials.  Its starting value at ``n`` agents is
  ``pmf(n; A) / cdf(n; A)`` of a Poisson(A) variable, computed in log space
  (``gammaln``) with the regularised incomplete gamma function (``cdf(n; A) =
  Q(n+1, A)``); every further agent uses the classical recursion
  ``B(n) = A B(n-1) / (n + A B(n-1))``, i.e. ``1/B(n) = 1 + (n/A)/B(n-1)``, whose
  terms stay in (0, 1] and so neither overflow nor lose precision.
* Erlang C follows from Erlang B: ``C = n B / (n - A (1 - B))``.
* Erlang A uses the Mandelbaum & Zeltyn closed forms (Garnett, Mandelbaum & Reiman
  2002; Mandelbaum & Zeltyn 2007, "Service engineering in action: the Palm/Erlang-A
  queue").  With ``a = n mu / theta``, ``y = lambda / theta``, their function
  ``A(a, y) = a e^y y^-a gamma(a, y)`` equals Kummer's ``M(1, a+1, y)``; we keep it in
  log space (``hyp1f1`` while ``y < a``, where it is bounded, and the incomplete gamma
  above), because ``e^y`` alone overflows for a few hundred Erlangs.

Definitions used throughout (one place, so the CLI, the web chart and the roster agree):

* ``traffic`` (Erlangs) = volume x AHT / interval length.
* service level = share of *offered* calls answered within ``target_seconds``
  (abandoned calls count against it; with Erlang C nobody abandons).
* ``asa_seconds``: Erlang C: mean wait of all calls; Erlang A: mean time in queue of all
  offered calls (answered or abandoned), ``P(abandon) / theta`` by Little's law.
* occupancy = carried traffic / agents (Erlang A carries only the calls not abandoned).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import gammainc, gammaincc, gammaln, hyp1f1

ArrayLike = np.ndarray | float | int


@dataclass(frozen=True)
class QueueMetrics:
    """Per-interval queue performance for a given number of agents on the phone."""

    #: probability that an arriving call has to wait
    p_wait: np.ndarray
    #: share of offered calls answered within the target time
    service_level: np.ndarray
    #: mean wait in seconds (see module docstring for the exact definition)
    asa_seconds: np.ndarray
    #: carried traffic per agent
    occupancy: np.ndarray
    #: share of offered calls that abandon (always 0 for Erlang C)
    p_abandon: np.ndarray


@dataclass(frozen=True)
class StaffingTarget:
    """What "enough agents" means; any combination of the three, all must hold.

    ``service_level`` is the share of calls to answer within ``target_seconds``
    (e.g. 0.8 within 20 s); ``asa_seconds`` caps the mean wait; ``max_occupancy`` caps
    the carried traffic per agent (burn-out guard, typically 0.85-0.90).
    """

    service_level: float | None = 0.8
    target_seconds: float = 20.0
    asa_seconds: float | None = None
    max_occupancy: float | None = None

    def __post_init__(self) -> None:
        if self.service_level is not None and not 0.0 < self.service_level < 1.0:
            raise ValueError(f"service_level must be in (0, 1), got {self.service_level}")
        if self.target_seconds < 0:
            raise ValueError(f"target_seconds must be >= 0, got {self.target_seconds}")
        if self.asa_seconds is not None and self.asa_seconds <= 0:
            raise ValueError(f"asa_seconds must be > 0, got {self.asa_seconds}")
        if self.max_occupancy is not None and not 0.0 < self.max_occupancy <= 1.0:
            raise ValueError(f"max_occupancy must be in (0, 1], got {self.max_occupancy}")
        if self.service_level is None and self.asa_seconds is None and self.max_occupancy is None:
            raise ValueError("a staffing target needs a service level, an ASA or a maximum occupancy")


def traffic_erlangs(volume: ArrayLike, aht_seconds: ArrayLike, interval_seconds: float) -> np.ndarray:
    """Offered load in Erlangs: calls x handle time / interval length."""
    return np.asarray(volume, dtype=float) * np.asarray(aht_seconds, dtype=float) / float(interval_seconds)


def _as_arrays(*values: ArrayLike) -> list[np.ndarray]:
    arrays = np.broadcast_arrays(*[np.asarray(v, dtype=float) for v in values])
    return [np.array(a, dtype=float, copy=True).reshape(-1) for a in arrays]


def _log_poisson_pmf(n: np.ndarray, a: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 0, n * np.log(a), 0.0) - a - gammaln(n + 1.0)


def erlang_b(agents: ArrayLike, traffic: ArrayLike) -> np.ndarray:
    """Blocking probability of M/M/n/n, ``pmf(n; A) / cdf(n; A)`` for Poisson(A).

    Exact to double precision for n > A (where Erlang C needs it) at any size; for
    n << A the ratio underflows and the result tends to its limit 1 - n/A only loosely.
    """
    n, a = _as_arrays(agents, traffic)
    out = np.ones_like(a)
    live = a > 0
    with np.errstate(under="ignore", over="ignore", divide="ignore", invalid="ignore"):
        cdf = gammaincc(n[live] + 1.0, a[live])
        b = np.exp(_log_poisson_pmf(n[live], a[live])) / cdf
    out[live] = np.where(np.isfinite(b), np.minimum(b, 1.0), 1.0)
    return out


def _erlang_c_from_b(n: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return n * b / (n - a * (1.0 - b))


def erlang_c_metrics(
    volume: ArrayLike,
    aht_seconds: ArrayLike,
    agents: ArrayLike,
    interval_seconds: float,
    target_seconds: float = 20.0,
) -> QueueMetrics:
    """Erlang C performance with ``agents`` on the phone in each interval.

    Where agents <= traffic the queue is unstable: every call waits forever, so the
    service level is 0, the wait infinite and the occupancy 1.  Zero volume gives a
    perfect interval (SL 1, no wait, occupancy 0).
    """
    vol, aht, n = _as_arrays(volume, aht_seconds, agents)
    a = traffic_erlangs(vol, aht, interval_seconds)
    p_wait = np.ones_like(a)
    sl = np.zeros_like(a)
    asa = np.full_like(a, np.inf)
    occ = np.ones_like(a)
    idle = a <= 0
    p_wait[idle], sl[idle], asa[idle], occ[idle] = 0.0, 1.0, 0.0, 0.0
    stable = (~idle) & (n > a)
    if stable.any():
        ns, as_, hs = n[stable], a[stable], aht[stable]
        c = _erlang_c_from_b(ns, as_, erlang_b(ns, as_))
        p_wait[stable] = c
        with np.errstate(under="ignore"):
            sl[stable] = 1.0 - c * np.exp(-(ns - as_) * target_seconds / hs)
        asa[stable] = c * hs / (ns - as_)
        occ[stable] = as_ / ns
    return QueueMetrics(p_wait, sl, asa, occ, np.zeros_like(a))


def _meets(target: StaffingTarget, sl: np.ndarray, asa: np.ndarray, occ: np.ndarray) -> np.ndarray:
    ok = np.ones(sl.shape, dtype=bool)
    if target.service_level is not None:
        ok &= sl >= target.service_level
    if target.asa_seconds is not None:
        ok &= asa <= target.asa_seconds
    if target.max_occupancy is not None:
        ok &= occ <= target.max_occupancy
    return ok


def erlang_c_agents(
    volume: ArrayLike,
    aht_seconds: ArrayLike,
    interval_seconds: float,
    target: StaffingTarget,
) -> np.ndarray:
    """Smallest number of agents on the phone meeting ``target`` in each interval (Erlang C).

    Starts every interval at the first stable count (floor(A) + 1, or A / max occupancy)
    and steps all unmet intervals up together with the Erlang B recursion; the number of
    steps is the largest gap above the start, about a few sqrt(A), whatever the size.
    """
    vol, aht = _as_arrays(volume, aht_seconds)
    a = traffic_erlangs(vol, aht, interval_seconds)
    result = np.zeros(a.shape, dtype=np.int64)
    idx = np.flatnonzero(a > 0)
    if idx.size == 0:
        return result
    a_act, h_act = a[idx], aht[idx]
    n = np.floor(a_act) + 1.0
    if target.max_occupancy is not None:
        n = np.maximum(n, np.ceil(a_act / target.max_occupancy))
        # ceil may land on a count whose ratio rounds just above the cap
        n = np.where(a_act / n > target.max_occupancy, n + 1.0, n)
    b = erlang_b(n, a_act)
    t = target.target_seconds
    while idx.size:
        c = _erlang_c_from_b(n, a_act, b)
        with np.errstate(under="ignore"):
            sl = 1.0 - c * np.exp(-(n - a_act) * t / h_act)
        asa = c * h_act / (n - a_act)
        ok = _meets(target, sl, asa, a_act / n)
        result[idx[ok]] = n[ok].astype(np.int64)
        keep = ~ok
        idx, a_act, h_act, n, b = idx[keep], a_act[keep], h_act[keep], n[keep] + 1.0, b[keep]
        with np.errstate(under="ignore"):
            b = a_act * b / (n + a_act * b)
    return result


# ----------------------------------------------------------------------------- Erlang A


def _log_kummer(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """log M(1, a+1, x) = log of Mandelbaum-Zeltyn's A(a, x), for a > 0, x >= 0.

    Below ``x < a`` the series is bounded by 1/(1 - x/(a+1)), so ``hyp1f1`` is safe;
    above it, ``M = a e^x x^-a Gamma(a) P(a, x)`` with P(a, x) >= about 1/2, so its log
    is finite even where ``e^x`` would overflow.
    """
    out = np.empty_like(x)
    low = x < a
    out[low] = np.log(hyp1f1(1.0, a[low] + 1.0, x[low]))
    hi = ~low
    ah, xh = a[hi], x[hi]
    out[hi] = np.log(ah) + xh - ah * np.log(xh) + gammaln(ah) + np.log(gammainc(ah, xh))
    return out


def erlang_a_metrics(
    volume: ArrayLike,
    aht_seconds: ArrayLike,
    agents: ArrayLike,
    interval_seconds: float,
    target_seconds: float = 20.0,
    patience_seconds: ArrayLike = 120.0,
) -> QueueMetrics:
    """Erlang A (M/M/n+M, exponential patience of mean ``patience_seconds``) performance.

    Derivation of the service-level term (the others are Mandelbaum & Zeltyn's): with
    j calls ahead, the virtual wait V is the time of the (j+1)-th death among a+j
    Exp(theta) lives, so ``P(V > t) = P(W > 0) gamma(a, y u) / gamma(a, y)`` with
    ``u = e^(-theta t)``; a call is answered iff its patience exceeds V, which weights
    V's density by e^(-theta V) and integrates to
    ``P(answered, 0 < V <= t) = P(W>0) (a/y) [1 - g - 1/M(y) + e^(-n mu t + y(1-u)) / M(y)]``
    where ``g = P(V > t) / P(W > 0)`` and ``M`` is Kummer's function above.
    """
    vol, aht, n, pat = _as_arrays(volume, aht_seconds, agents, patience_seconds)
    lam = vol / float(interval_seconds)
    p_wait = np.ones_like(lam)
    sl = np.zeros_like(lam)
    p_ab = np.ones_like(lam)
    occ = np.zeros_like(lam)
    idle = lam <= 0
    p_wait[idle], sl[idle], p_ab[idle] = 0.0, 1.0, 0.0
    asa = np.where(idle, 0.0, pat)
    live = (~idle) & (n >= 1)
    if live.any():
        ln, nn, mu, theta = lam[live], n[live], 1.0 / aht[live], 1.0 / pat[live]
        r = ln / mu
        a = nn * mu / theta
        y = ln / theta
        with np.errstate(under="ignore", divide="ignore", over="ignore"):
            log_m = _log_kummer(a, y)
            # log(1/B - 1) = log P(Pois(R) <= n-1) - log P(Pois(R) = n)
            log_inv_b = np.log(gammaincc(nn, r)) - _log_poisson_pmf(nn, r)
            pw = 1.0 / (1.0 + np.exp(log_inv_b - log_m))
            inv_m = np.exp(-log_m)
            p_ab_given_wait = 1.0 - (a / y) * (1.0 - inv_m)
            t = float(target_seconds)
            u = np.exp(-theta * t)
            decay = -nn * mu * t + y * (1.0 - u)
            g = np.exp(decay + _log_kummer(a, y * u) - log_m)
            answered_late_share = (a / y) * (1.0 - g - inv_m + np.exp(decay - log_m))
        p_ab_live = np.clip(pw * p_ab_given_wait, 0.0, 1.0)
        p_wait[live] = pw
        p_ab[live] = p_ab_live
        sl[live] = np.clip(1.0 - pw + pw * answered_late_share, 0.0, 1.0)
        asa[live] = p_ab_live / theta
        occ[live] = np.minimum(r * (1.0 - p_ab_live) / nn, 1.0)
    return QueueMetrics(p_wait, sl, asa, occ, p_ab)


def erlang_a_agents(
    volume: ArrayLike,
    aht_seconds: ArrayLike,
    interval_seconds: float,
    target: StaffingTarget,
    patience_seconds: ArrayLike = 120.0,
) -> np.ndarray:
    """Smallest number of agents meeting ``target`` per interval under Erlang A.

    Every target is monotone in the agent count, so a vectorised bisection finds it: an
    upper bound is doubled until it holds everywhere, then ~log2(bound) halvings.
    Abandonment makes counts below the traffic feasible, so the search starts at zero.
    """
    vol, aht, pat = _as_arrays(volume, aht_seconds, patience_seconds)
    a = traffic_erlangs(vol, aht, interval_seconds)
    result = np.zeros(a.shape, dtype=np.int64)
    idx = np.flatnonzero(a > 0)
    if idx.size == 0:
        return result

    def ok(nv: np.ndarray) -> np.ndarray:
        m = erlang_a_metrics(vol[idx], aht[idx], nv, interval_seconds, target.target_seconds, pat[idx])
        good = _meets(target, m.service_level, m.asa_seconds, m.occupancy)
        return good & (nv >= 1)

    hi = np.ceil(a[idx] + 3.0 * np.sqrt(a[idx]) + 3.0)
    for _ in range(60):
        bad = ~ok(hi)
        if not bad.any():
            break
        hi = np.where(bad, hi * 2.0, hi)
    lo = np.zeros_like(hi)  # never enough: zero agents answer nobody
    while np.any(hi - lo > 1):
        mid = np.floor((lo + hi) / 2.0)
        good = ok(mid)
        hi = np.where(good, mid, hi)
        lo = np.where(good, lo, mid)
    result[idx] = hi.astype(np.int64)
    return result
