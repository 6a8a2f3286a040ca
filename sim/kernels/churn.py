"""Churn kernels: lapsing, fading attachment, the churn draw, where churners go, win-back targets.

Loops over customers that apply the rules of :mod:`sim.behaviour.churn` and
:mod:`sim.behaviour.choice`. A churn draw is settled by a bound where it can be: a customer
whose uniform is above an upper bound of her churn probability stays, and only the few the bound
leaves open take the exponential (:func:`sim.mathfn.undecided`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sim.behaviour import churn as rule
from sim.behaviour.choice import destination
from sim.behaviour.events import happens
from sim.jit import njit
from sim.mathfn import BLOCK, exp, exp_into, undecided
from sim.rng import uniform_into, unit

__all__ = ["ChurnParams", "churn_block", "churn_draw", "dropout_at_purchase", "decay_and_lapse", "rows_drawn",
           "rows_drawn_up_to", "destinations"]


class ChurnParams(NamedTuple):
    """The churn hazard's parameters (``customers.*``)."""

    neutral: float  # satisfaction_neutral
    effect: float  # churn_satisfaction_effect
    base: float  # churn_rate, per week
    lapsing_multiplier: float

    @classmethod
    def from_config(cls, c) -> ChurnParams:
        """From a ``CustomersConfig``."""
        return cls(float(c.satisfaction_neutral), float(c.churn_satisfaction_effect), float(c.churn_rate),
                   float(c.lapsing_churn_multiplier))


@njit(cache=True, nogil=True, error_model="numpy")
def churn_block(ids, sat_eff, lapse, key, neutral, effect, base, by_lapsing, ms, offset, out, k,
                scratch, cand):  # pragma: no cover - compiled
    """One block of churn draws: appends to ``out`` from ``k`` the positions (``offset`` + j) of
    those who churn and returns the new ``k``. ``lapse`` flags the lapsing (0 or 1), ``by_lapsing``
    is ``[1, lapsing multiplier]``, ``ms`` the block's multipliers (one row each, applied in
    order, possibly none); ``scratch`` has 4 rows of BLOCK at least, ``cand`` (int64) BLOCK."""
    m = ids.size
    u, x, b, p = scratch[0], scratch[1], scratch[2], scratch[3]
    # Each step a loop of its own: each vectorises, fused they would not.
    for j in range(m):
        u[j] = unit(ids[j], key)
        x[j] = rule.churn_exponent(sat_eff[j], neutral, effect)
    # The probability is at most b * exp(x), for b the base rate times the larger lapsing
    # multiplier and the multipliers m1, m2 (each cap at 1 only lowers it): a row with u at or
    # above that bound stays, and only the others (a few per cent) need the exponential.
    bmax = base * max(by_lapsing[0], by_lapsing[1])
    if ms.shape[0]:
        for j in range(m):
            b[j] = bmax
        for t in range(ms.shape[0]):
            for j in range(m):
                b[j] *= ms[t, j]
        for j in range(m):
            p[j] = undecided(u[j], b[j], x[j])
    else:
        for j in range(m):
            p[j] = undecided(u[j], bmax, x[j])
    nc = 0
    for j in range(m):  # the list apart from the tests, which then vectorise
        cand[nc] = j  # branch-free: written always, kept when undecided
        nc += p[j] != 0.0
    for i in range(nc):
        p[i] = x[np.uint64(cand[i])]
    exp_into(p[:nc], p[:nc])
    for i in range(nc):
        j = np.uint64(cand[i])
        q = rule.churn_probability(p[i], base, by_lapsing[np.uint64(lapse[j])])
        for t in range(ms.shape[0]):
            q = rule.churn_multiplied(q, ms[t, j])
        out[k] = offset + j
        k += happens(u[j], q)
    return k


@njit(cache=True, nogil=True, error_model="numpy")
def _churn_draw(at_risk, sat_eff, ids, key, neutral, effect, state, base, lapsing, lapsing_mult, ms,
                out):  # pragma: no cover - compiled
    k = 0
    scratch, cand = np.empty((4, BLOCK)), np.empty(BLOCK, dtype=np.int64)
    lapse = np.empty(BLOCK, dtype=np.uint8)
    by_lapsing = np.array([1.0, lapsing_mult])
    for lo in range(0, at_risk.size, BLOCK):
        hi = min(lo + BLOCK, at_risk.size)
        for i in range(lo, hi):
            lapse[i - lo] = state[np.uint64(at_risk[i])] == lapsing
        k = churn_block(ids[lo:hi], sat_eff[lo:hi], lapse, key, neutral, effect, base, by_lapsing, ms[:, lo:hi], lo,
                        out, k, scratch, cand)
    return k


def churn_draw(pop, at_risk: np.ndarray, sat_eff: np.ndarray, ids: np.ndarray, key: int, params: ChurnParams,
               lapsing: int, multipliers: tuple = ()) -> np.ndarray:
    """Positions in ``at_risk`` of the customers who churn this week.

    The probability is :func:`sim.behaviour.churn.churn_probability` from the customers'
    effective satisfaction ``sat_eff`` and whether their state is ``lapsing`` (the first
    ``at_risk.size`` values of ``sat_eff`` and ``ids`` are read), times each of the optional
    ``multipliers`` (each per row or one for all, None for none, each capped at 1 as applied in
    order); a customer churns when her uniform under stream ``key`` is below it.
    """
    given = [m for m in multipliers if m is not None]
    ms = np.empty((len(given), at_risk.size))
    for t, m in enumerate(given):
        ms[t] = m
    out = np.empty(at_risk.size + 1, dtype=np.int64)
    k = _churn_draw(at_risk, np.ascontiguousarray(sat_eff[:at_risk.size], dtype=np.float64), ids[:at_risk.size],
                    np.uint64(key), params.neutral, params.effect, pop.state, params.base, np.int8(lapsing),
                    params.lapsing_multiplier, ms, out)
    return out[:k]


@njit(cache=True, nogil=True, error_model="numpy")
def _dropout_at_purchase(ids, counts, sat_eff, key, neutral, effect, base, ms, n_risk,
                         out):  # pragma: no cover - compiled
    k = 0
    for j in range(ids.size):
        new = j >= n_risk  # her first purchase, on joining, is not a repeat purchase
        repeat = counts[j] - new
        if repeat <= 0:
            continue
        # She has just bought, so she is not lapsing: the lapsing multiplier is 1.
        q = rule.churn_probability(exp(rule.churn_exponent(sat_eff[j], neutral, effect)), base, 1.0)
        for t in range(ms.shape[0]):
            q = rule.churn_multiplied(q, ms[t, j])
        made, leaves = rule.purchases_before_dropout(unit(ids[j], key), q, repeat)
        counts[j] = made + new
        out[k] = j
        k += leaves
    return k


def dropout_at_purchase(ids: np.ndarray, counts: np.ndarray, sat_eff: np.ndarray, key: int, params: ChurnParams,
                        n_risk: int, multipliers: tuple = ()) -> np.ndarray:
    """Leaving right after a repeat purchase (``customers.churn_timing=at_purchase``): truncates
    ``counts`` in place to the occasions made and returns the positions of those who leave.

    After each repeat purchase a customer leaves with the churn rule's probability
    (:func:`sim.behaviour.churn.churn_probability` from her effective satisfaction ``sat_eff``,
    never lapsing, since she has just bought) times each of ``multipliers`` (per row or one for
    all, None for none, each capped at 1); of her ``counts`` occasions this week she makes
    :func:`sim.behaviour.churn.purchases_before_dropout`'s number under stream ``key``. Rows from
    position ``n_risk`` on joined this week: their first occasion is not a repeat purchase.
    """
    given = [m for m in multipliers if m is not None]
    ms = np.empty((len(given), ids.size))
    for t, m in enumerate(given):
        ms[t] = m
    out = np.empty(ids.size + 1, dtype=np.int64)
    k = _dropout_at_purchase(ids, counts, np.ascontiguousarray(sat_eff, dtype=np.float64), np.uint64(key),
                             params.neutral, params.effect, params.base, ms, int(n_risk), out)
    return out[:k].copy()


@njit(cache=True, nogil=True)
def _decay_and_lapse(alive, attachment, factor, last_purchase_week, threshold, state, lapsing,
                     active):  # pragma: no cover
    for i in range(alive.size):
        r = np.uint64(alive[i])
        attachment[r] = rule.faded_attachment(attachment[r], factor)
        state[r] = active + (lapsing - active) * rule.lapses(last_purchase_week[r], threshold)  # branch-free


def decay_and_lapse(pop, alive: np.ndarray, keep: np.float32, threshold: int, states: tuple[int, int]) -> None:
    """Attachment of ``alive`` fades by ``keep``; those who last bought at or before ``threshold``
    are lapsing (``states[0]``), the others active (``states[1]``)."""
    lapsing, active = states
    _decay_and_lapse(alive, pop.attachment, np.float32(keep), pop.last_purchase_week, threshold, pop.state,
                     np.int8(lapsing), np.int8(active))


@njit(cache=True, nogil=True)
def _rows_drawn(values, low, high, ids, key, p):  # pragma: no cover - compiled
    # Room for every row, but only the pages written (the drawn rows) are ever touched, so the
    # resident cost is that of the result.
    out = np.empty(values.size + 1, dtype=np.int64)
    rows, cand, u = np.empty(BLOCK, dtype=np.int64), np.empty(BLOCK, dtype=ids.dtype), np.empty(BLOCK)
    k = 0
    for lo in range(0, values.size, BLOCK):
        hi = min(lo + BLOCK, values.size)
        m = 0
        for r in range(lo, hi):
            # Branch-free: the rows in range are scattered, so a test per row would be
            # mispredicted half the time. Each row is written, and kept only if in range.
            rows[m] = r
            m += (values[r] >= low) & (values[r] <= high)
        for j in range(m):
            cand[j] = ids[np.uint64(rows[j])]
        uniform_into(cand[:m], key, u)  # only the rows in range are hashed
        for j in range(m):
            out[k] = rows[j]
            k += happens(u[j], p)
    return out[:k].copy()


def rows_drawn(state: np.ndarray, code: int, ids: np.ndarray, key: int, p: float) -> np.ndarray:
    """Rows in state ``code`` for whom an event of probability ``p`` happens under stream ``key``, ascending.

    One pass over the population instead of the list of every row in that state (millions of
    churned customers in a long run).
    """
    return _rows_drawn(state, np.int8(code), np.int8(code), ids, np.uint64(key), float(p))


def rows_drawn_up_to(values: np.ndarray, high: int, ids: np.ndarray, key: int, p: float) -> np.ndarray:
    """Rows whose ``values`` (an integer column) are at most ``high``, each kept with probability
    ``p`` under stream ``key``, ascending (as :func:`rows_drawn`)."""
    low = np.iinfo(values.dtype).min
    high = min(max(int(high), int(low)), int(np.iinfo(values.dtype).max))
    return _rows_drawn(values, values.dtype.type(low), values.dtype.type(high), ids, np.uint64(key), float(p))


@njit(cache=True, nogil=True)
def _destinations(u, share, rival_share, active, out):  # pragma: no cover - compiled
    for i in range(u.size):
        k = destination(u[i], share[i], rival_share[:, i])
        out[i] = 0 if k < 0 else active[k] + 1


def destinations(u: np.ndarray, share: np.ndarray, rival_share: np.ndarray, active: np.ndarray) -> np.ndarray:
    """Where churners go (int8): 0 leaves the category, k + 1 switches to rival k.

    ``u`` are their uniforms, ``share`` the firm's choice share of each and ``rival_share`` the
    active rivals' (one row per rival in ``active``, one column per churner).
    """
    out = np.zeros(u.size, dtype=np.int8)
    _destinations(u, np.ascontiguousarray(share, dtype=np.float64),
                  np.ascontiguousarray(rival_share, dtype=np.float64), active.astype(np.int64), out)
    return out
