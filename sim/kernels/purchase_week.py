"""The fused customer week: state, purchase rate, Poisson occasions, fading, lapsing and churn in one pass.

When attachment alone multiplies the purchase rate (no loyalty scheme, no ageing product) and no
rival competes, nothing between the purchase draw and the churn draw reads what the other writes,
so one blocked pass does both and reads each row's state once a week. The numbers are those of
the separate kernels (:func:`sim.kernels.purchases.state_and_rate`,
:func:`~sim.kernels.purchases.poisson_bought`, :func:`~sim.kernels.churn.decay_and_lapse`,
:func:`~sim.kernels.churn.churn_draw`), with the same rules; most draws of no purchase are settled
by a bound and skip both exponentials (:func:`sim.mathfn.undecided`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sim.behaviour import churn as churn_rule
from sim.behaviour import purchase as rule
from sim.jit import njit
from sim.kernels.churn import ChurnParams, churn_block
from sim.kernels.purchases import PurchaseParams, select_bought
from sim.mathfn import BLOCK, exp_into, poisson_search, undecided
from sim.rng import unit

__all__ = ["WeekKeys", "LapseParams", "purchase_week"]

_NEAR_ONE = 2.0**-45  # below 1 - u: more than exp(-rate)'s rounding near 1


class WeekKeys(NamedTuple):
    """Stream keys of the week's purchase and churn draws."""

    purchase: int
    churn: int


class LapseParams(NamedTuple):
    """Fading and lapsing: attachment's weekly ``keep`` (float32), the lapse threshold week and
    the state codes of lapsing and active customers."""

    keep: np.float32
    threshold: int
    lapsing: int
    active: int


@njit(cache=True, nogil=True, error_model="numpy")
def _bought_block(rows, attachment, price_sensitivity, satisfaction, failures, ident, base, relief, penalty, nlp,
                  effect, neutral, slope, key, offset, n_risk, sat_eff, ids, counts, out, k, scratch, cand,
                  cnt):  # pragma: no cover - compiled
    """State, rate and Poisson draw of a block (draws of 0 a bound settles skip both exponentials): writes
    its effective satisfaction, ids and counts, appends positions with a purchase to ``out`` from ``k``,
    returns the new ``k``. ``scratch``: 8 rows of BLOCK; ``cand`` (int64), ``cnt`` (as ``counts``): BLOCK."""
    m = rows.size
    u, y, w, ep, xc, es, lam, pmf0 = (scratch[0], scratch[1], scratch[2], scratch[3], scratch[4], scratch[5],
                                      scratch[6], scratch[7])
    for j in range(m):  # every gather in this one loop
        r = np.uint64(rows[j])
        a = np.float64(attachment[r])
        x = rule.effective_satisfaction(satisfaction[r], failures[r], penalty)
        sat_eff[j] = x
        ids[j] = ident[r]
        y[j] = rule.satisfaction_exponent(x, neutral, effect)
        w[j] = np.float64(base[r]) * rule.attachment_multiplier(a, slope)  # the rate but for its exponentials
    if nlp != 0.0:  # else the price multiplier exp(0) is exactly 1, a product that changes nothing
        for j in range(m):
            r = np.uint64(rows[j])
            ep[j] = rule.price_exponent(nlp, rule.effective_price_sensitivity(price_sensitivity[r], attachment[r],
                                                                              relief))
        exp_into(ep[:m], ep[:m])
        for j in range(m):
            w[j] *= ep[j]
    for j in range(m):
        u[j] = unit(ids[j], key)
    # No purchase when u <= exp(-rate), which is at least 1 - rate: when 1 - u (less a margin for
    # the exponential's rounding near 1) is at least the rate, bounded by undecided.
    for j in range(m):
        xc[j] = undecided((1.0 - u[j]) - _NEAR_ONE, w[j], y[j])
    nc = 0
    for j in range(m):  # the list apart from the tests, which then vectorise
        cand[nc] = j  # branch-free: written always, kept when undecided
        nc += xc[j] != 0.0
    for j in range(m):
        counts[j] = 0
    for i in range(nc):
        xc[i] = y[np.uint64(cand[i])]
    exp_into(xc[:nc], es[:nc])
    if nlp != 0.0:
        for i in range(nc):
            j = np.uint64(cand[i])
            r = np.uint64(rows[j])
            lam[i] = rule.purchase_rate(np.float64(base[r]), es[i], ep[j],
                                        rule.attachment_multiplier(np.float64(attachment[r]), slope))
    else:
        for i in range(nc):
            r = np.uint64(rows[np.uint64(cand[i])])
            lam[i] = rule.purchase_rate(np.float64(base[r]), es[i], 1.0,
                                        rule.attachment_multiplier(np.float64(attachment[r]), slope))
    for i in range(nc):
        xc[i] = -lam[i]
        es[i] = u[np.uint64(cand[i])]
    exp_into(xc[:nc], pmf0[:nc])
    poisson_search(es[:nc], lam[:nc], pmf0[:nc], cnt[:nc])
    for i in range(nc):
        counts[np.uint64(cand[i])] = cnt[i]
    return select_bought(counts[:m], offset, n_risk, out, k)


@njit(cache=True, nogil=True, error_model="numpy")
def _purchase_week(rows, n_risk, attachment, price_sensitivity, satisfaction, failures, ident, base, relief,
                   penalty, nlp, effect, neutral, slope, key, last_purchase_week, state, decay, threshold,
                   lapsing, active, churn_key, churn_effect, churn_base, lapsing_mult, bought, buyers, occasions,
                   buyer_ids, leaving):  # pragma: no cover - compiled
    sat_eff = np.empty(BLOCK)
    ids = np.empty(BLOCK, dtype=ident.dtype)
    counts, cnt = np.empty(BLOCK, dtype=np.int32), np.empty(BLOCK, dtype=np.int32)
    lapse = np.empty(BLOCK, dtype=np.uint8)
    scratch, cand = np.empty((8, BLOCK)), np.empty(BLOCK, dtype=np.int64)
    by_lapsing, none = np.array([1.0, lapsing_mult]), np.empty((0, BLOCK))
    k = kc = 0
    for lo in range(0, rows.size, BLOCK):
        hi = min(lo + BLOCK, rows.size)
        m = hi - lo
        block = rows[lo:hi]
        # Purchases: the state and the rate, the Poisson draw.
        first = k
        k = _bought_block(block, attachment, price_sensitivity, satisfaction, failures, ident, base, relief,
                          penalty, nlp, effect, neutral, slope, key, lo, n_risk, sat_eff[:m], ids[:m], counts[:m],
                          bought, k, scratch, cand, cnt)
        for q in range(first, k):  # the buyers' rows, counts and ids
            j = bought[q] - lo
            buyers[q] = block[np.uint64(j)]
            occasions[q] = counts[j]
            buyer_ids[q] = ids[np.uint64(j)]
        # Attachment fades; those without a purchase since the threshold week lapse.
        for j in range(m):
            r = np.uint64(block[j])
            attachment[r] = churn_rule.faded_attachment(attachment[r], decay)
            lapsed = (counts[j] == 0) & churn_rule.lapses(last_purchase_week[r], threshold)
            lapse[j] = lapsed
            state[r] = active + (lapsing - active) * lapsed  # arithmetic, not a branch: lapsing rows are scattered
        # Churn of the rows at risk, from the satisfaction read before this week's encounters.
        mr = max(min(hi, n_risk) - lo, 0)
        kc = churn_block(ids[:mr], sat_eff[:mr], lapse, churn_key, neutral, churn_effect, churn_base, by_lapsing,
                         none, lo, leaving, kc, scratch, cand)
    return k, kc


def purchase_week(pop, rows: np.ndarray, n_risk: int, price_ratio: float, keys: WeekKeys,
                  params: tuple[PurchaseParams, ChurnParams, LapseParams]):
    """A week of purchases, lapsing and churn of ``rows`` in one pass, when only attachment multiplies the rate.

    Per block of rows: the state and purchase rate, the Poisson draw under ``keys.purchase``
    (rows from position ``n_risk`` on buy at least once); then fading and lapsing as they act
    once this week's purchases are booked; then the churn draw of the first ``n_risk`` rows
    under ``keys.churn``, from the effective satisfaction read before this week's encounters,
    without further multipliers. ``price_ratio`` is one number for all.

    Returns
    -------
    tuple
        ``bought`` (positions in ``rows`` with a purchase) and the ``rows``, occasions (int32)
        and ids at those positions, then ``leaving`` (positions of those who churn).
    """
    buy, churn, lapse = params
    n = rows.size
    bought, buyers = np.empty(n + 1, dtype=np.int64), np.empty(n + 1, dtype=rows.dtype)
    occasions, buyer_ids = np.empty(n + 1, dtype=np.int32), np.empty(n + 1, dtype=pop.id.dtype)
    leaving = np.empty(n + 1, dtype=np.int64)
    k, kc = _purchase_week(rows, int(n_risk), pop.attachment, pop.price_sensitivity, pop.satisfaction, pop.failures,
                           pop.id, pop.purchase_rate, buy.relief, buy.penalty, float(-np.log(float(price_ratio))),
                           buy.effect, buy.neutral, buy.slope, np.uint64(keys.purchase), pop.last_purchase_week,
                           pop.state, np.float32(lapse.keep), int(lapse.threshold), np.int8(lapse.lapsing),
                           np.int8(lapse.active), np.uint64(keys.churn), churn.effect, churn.base,
                           churn.lapsing_multiplier, bought, buyers, occasions, buyer_ids, leaving)
    # Copies: kept for the week, they should not hold buffers the size of every row.
    return bought[:k].copy(), buyers[:k].copy(), occasions[:k].copy(), buyer_ids[:k].copy(), leaving[:kc].copy()
