"""Purchase kernels: customers' state and purchase rate, Poisson occasions, baskets, the books of a sale.

Loops over this week's customers that apply the rules of :mod:`sim.behaviour.purchase` to every
row. Each loop gathers a row's state once, and splits its work into steps that each vectorise
(the exponentials, hashes and normal quantiles are inlined from :mod:`sim.mathfn` and
:mod:`sim.rng`). Row indices are cast to ``np.uint64`` where they index: numba then drops the
wraparound of a negative index from every gather and scatter.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sim.behaviour import purchase as rule
from sim.behaviour.service import observed
from sim.jit import njit
from sim.mathfn import BLOCK, exp_into, poisson_search
from sim.rng import normals_into, uniform_into, unit

__all__ = [
    "PurchaseParams", "state_of", "customer_state", "purchase_rate", "attachment_multipliers", "state_and_rate",
    "poisson_bought", "select_bought", "basket_units", "book_purchases", "book_seen",
]


class PurchaseParams(NamedTuple):
    """The purchase rate's parameters (``customers.*``)."""

    relief: float  # attachment_price_relief
    penalty: float  # failure_trust_penalty
    neutral: float  # satisfaction_neutral
    effect: float  # satisfaction_purchase_effect
    slope: float  # attachment_purchase_ratio - 1

    @classmethod
    def from_config(cls, c) -> PurchaseParams:
        """From a ``CustomersConfig``."""
        return cls(float(c.attachment_price_relief), float(c.failure_trust_penalty), float(c.satisfaction_neutral),
                   float(c.satisfaction_purchase_effect), float(c.attachment_purchase_ratio - 1.0))


@njit(cache=True, nogil=True, inline="always")
def state_of(r, attachment, price_sensitivity, satisfaction, failures, relief, penalty):  # pragma: no cover
    """Row ``r``'s attachment, effective price sensitivity and effective satisfaction (float64)."""
    a = np.float64(attachment[r])
    return (a, rule.effective_price_sensitivity(price_sensitivity[r], a, relief),
            rule.effective_satisfaction(satisfaction[r], failures[r], penalty))


@njit(cache=True, nogil=True)
def _customer_state(rows, attachment, price_sensitivity, satisfaction, failures, ident, relief, penalty,
                    attach, ps, sat_eff, ids):  # pragma: no cover - compiled
    for i in range(rows.size):
        r = np.uint64(rows[i])
        attach[i], ps[i], sat_eff[i] = state_of(r, attachment, price_sensitivity, satisfaction, failures, relief,
                                                penalty)
        ids[i] = ident[r]


def customer_state(pop, rows: np.ndarray, params: PurchaseParams):
    """What this week's purchase and churn kernels read of ``rows``, gathered once.

    Returns
    -------
    attach, price_sensitivity, effective_satisfaction : ndarray of float64
        Attachment; price sensitivity after attachment's relief; satisfaction less the trust
        penalty per failure met.
    ids : ndarray
        The customers' ids.
    """
    n = rows.size
    attach, ps, sat_eff, ids = np.empty(n), np.empty(n), np.empty(n), np.empty(n, dtype=pop.id.dtype)
    _customer_state(rows, pop.attachment, pop.price_sensitivity, pop.satisfaction, pop.failures, pop.id,
                    params.relief, params.penalty, attach, ps, sat_eff, ids)
    return attach, ps, sat_eff, ids


@njit(cache=True, nogil=True)
def _attachment_multipliers(attach, slope, out):  # pragma: no cover - compiled
    for i in range(attach.size):
        out[i] = rule.attachment_multiplier(attach[i], slope)


def attachment_multipliers(attach: np.ndarray, slope: float) -> np.ndarray:
    """:func:`sim.behaviour.purchase.attachment_multiplier` of float64 ``attach`` (float64)."""
    out = np.empty(attach.size)
    _attachment_multipliers(np.ascontiguousarray(attach, dtype=np.float64), float(slope), out)
    return out


@njit(cache=True, nogil=True, error_model="numpy")
def _rate(rows, base, sat_eff, ps, nlp, effect, neutral, attach, slope, extra, out):  # pragma: no cover
    xs, xp, es, ep = np.empty(BLOCK), np.empty(BLOCK), np.empty(BLOCK), np.empty(BLOCK)
    for lo in range(0, rows.size, BLOCK):
        hi = min(lo + BLOCK, rows.size)
        m = hi - lo
        if nlp.size > 1:  # one price ratio per row
            for i in range(lo, hi):
                xs[i - lo] = rule.satisfaction_exponent(sat_eff[i], neutral, effect)
                xp[i - lo] = rule.price_exponent(nlp[i], ps[i])
        else:
            for i in range(lo, hi):
                xs[i - lo] = rule.satisfaction_exponent(sat_eff[i], neutral, effect)
                xp[i - lo] = rule.price_exponent(nlp[0], ps[i])
        exp_into(xs[:m], es[:m])
        if nlp.size > 1 or nlp[0] != 0.0:
            exp_into(xp[:m], ep[:m])
        else:  # price at the reference: exp(0) is exactly 1
            ep[:m] = 1.0
        if extra.size:
            for i in range(lo, hi):
                out[i] = rule.purchase_rate(np.float64(base[np.uint64(rows[i])]), es[i - lo], ep[i - lo], extra[i])
        else:
            for i in range(lo, hi):
                out[i] = rule.purchase_rate(np.float64(base[np.uint64(rows[i])]), es[i - lo], ep[i - lo],
                                            rule.attachment_multiplier(attach[i], slope))


def purchase_rate(pop, rows: np.ndarray, state: tuple, price_ratio, params: PurchaseParams,
                  extra: np.ndarray | None = None) -> np.ndarray:
    """Expected purchase occasions per week of ``rows`` (:func:`sim.behaviour.purchase.purchase_rate`).

    ``state`` is ``(effective satisfaction, effective price sensitivity, attachment)`` of the
    rows; ``price_ratio`` one number for all or one per row. The multiplier is attachment's, or
    ``extra`` when strategies add to it (``extra`` then holds the whole product, attachment's
    multiplier included).
    """
    sat_eff, ps, attach = state
    n = rows.size
    out = np.empty(n)
    nlp = np.ascontiguousarray(-np.log(np.asarray(price_ratio, dtype=np.float64)).reshape(-1))
    _rate(rows, pop.purchase_rate, sat_eff, ps, nlp, params.effect, params.neutral, attach, params.slope,
          np.empty(0) if extra is None else np.ascontiguousarray(np.broadcast_to(extra, (n,)), dtype=np.float64), out)
    return out


@njit(cache=True, nogil=True, error_model="numpy")
def _state_rate_block(rows, attachment, price_sensitivity, satisfaction, failures, ident, base, relief, penalty,
                      nlp, effect, neutral, slope, attach, ps, sat_eff, ids, rate, scratch):  # pragma: no cover
    """One block of _state_and_rate: the outputs are the block's slices, ``scratch`` is (4, BLOCK)."""
    m = rows.size
    xs, xp, es, ep = scratch[0], scratch[1], scratch[2], scratch[3]
    for j in range(m):  # _customer_state and _rate's exponents: every gather in this one loop
        r = np.uint64(rows[j])
        a, p, x = state_of(r, attachment, price_sensitivity, satisfaction, failures, relief, penalty)
        attach[j], ps[j], sat_eff[j] = a, p, x
        ids[j] = ident[r]
        rate[j] = np.float64(base[r])
        xs[j] = rule.satisfaction_exponent(x, neutral, effect)
        xp[j] = rule.price_exponent(nlp, p)
    exp_into(xs[:m], es[:m])
    if nlp == 0.0:  # price at the reference: its multiplier exp(0) is exactly 1
        for j in range(m):
            rate[j] = rule.purchase_rate(rate[j], es[j], 1.0, rule.attachment_multiplier(attach[j], slope))
        return
    exp_into(xp[:m], ep[:m])
    for j in range(m):
        rate[j] = rule.purchase_rate(rate[j], es[j], ep[j], rule.attachment_multiplier(attach[j], slope))


@njit(cache=True, nogil=True, error_model="numpy")
def _state_and_rate(rows, attachment, price_sensitivity, satisfaction, failures, ident, base, relief, penalty,
                    nlp, effect, neutral, slope, attach, ps, sat_eff, ids, out):  # pragma: no cover - compiled
    scratch = np.empty((4, BLOCK))
    for lo in range(0, rows.size, BLOCK):
        hi = min(lo + BLOCK, rows.size)
        _state_rate_block(rows[lo:hi], attachment, price_sensitivity, satisfaction, failures, ident, base, relief,
                          penalty, nlp, effect, neutral, slope, attach[lo:hi], ps[lo:hi], sat_eff[lo:hi],
                          ids[lo:hi], out[lo:hi], scratch)


def state_and_rate(pop, rows: np.ndarray, price_ratio: float, params: PurchaseParams):
    """:func:`customer_state` and :func:`purchase_rate` (attachment's multiplier alone) in one pass.

    ``price_ratio`` is one number for all. Returns ``attach, price_sensitivity,
    effective_satisfaction, ids, rate``.
    """
    n = rows.size
    attach, ps, sat_eff, rate = np.empty(n), np.empty(n), np.empty(n), np.empty(n)
    ids = np.empty(n, dtype=pop.id.dtype)
    _state_and_rate(rows, pop.attachment, pop.price_sensitivity, pop.satisfaction, pop.failures, pop.id,
                    pop.purchase_rate, params.relief, params.penalty, float(-np.log(float(price_ratio))),
                    params.effect, params.neutral, params.slope, attach, ps, sat_eff, ids, rate)
    return attach, ps, sat_eff, ids, rate


@njit(cache=True, nogil=True, inline="always")
def select_bought(counts, offset, n_risk, out, k):  # pragma: no cover - compiled
    """Rows acquired this week (positions from ``n_risk`` on) buy at least once; appends the
    positions (``offset`` + j) with a purchase to ``out`` from ``k`` and returns the new ``k``."""
    for j in range(counts.size):
        c = counts[j]
        c = c if offset + j < n_risk or c > 0 else 1
        counts[j] = c
        out[k] = offset + j  # branch-free: written always, kept when there is a purchase
        k += c > 0
    return k


@njit(cache=True, nogil=True, error_model="numpy")
def _poisson_select_block(ids, key, lam, offset, n_risk, counts, out, k, scratch):  # pragma: no cover
    """One block of _poisson_bought: appends to ``out`` from ``k`` the positions (``offset`` + j)
    with a purchase and returns the new ``k``; ``scratch`` has 3 rows of BLOCK at least."""
    m = ids.size
    u, x, pmf0 = scratch[0], scratch[1], scratch[2]
    for j in range(m):  # each step a loop of its own: each vectorises, fused they would not
        u[j] = unit(ids[j], key)
    for j in range(m):
        x[j] = -lam[j]
    exp_into(x[:m], pmf0[:m])
    poisson_search(u[:m], lam, pmf0[:m], counts)
    return select_bought(counts[:m], offset, n_risk, out, k)


@njit(cache=True, nogil=True, error_model="numpy")
def _poisson_bought(ids, key, lam, n_risk, counts, out):  # pragma: no cover - compiled
    k = 0
    scratch = np.empty((3, BLOCK))
    for lo in range(0, ids.size, BLOCK):
        hi = min(lo + BLOCK, ids.size)
        k = _poisson_select_block(ids[lo:hi], key, lam[lo:hi], lo, n_risk, counts[lo:hi], out, k, scratch)
    return k


def poisson_bought(ids: np.ndarray, key: int, lam: np.ndarray, n_risk: int) -> tuple[np.ndarray, np.ndarray]:
    """Purchase counts of ``ids`` (at least 1 from position ``n_risk`` on) and the positions with one.

    The counts are :meth:`sim.rng.Streams.poisson`'s with means ``lam`` under stream ``key``,
    drawn block by block in one pass.
    """
    counts = np.empty(ids.size, dtype=np.int32)
    out = np.empty(ids.size + 1, dtype=np.int64)
    k = _poisson_bought(ids, np.uint64(key), np.ascontiguousarray(lam, dtype=np.float64), int(n_risk), counts, out)
    return counts, out[:k].copy()  # kept for the week: not the buffer of every row


@njit(cache=True, nogil=True, error_model="numpy")
def _basket(ids, key, counts, buyers, basket_mean, sigma, half_var, units, gen_cost, generation,
            cogs):  # pragma: no cover - compiled
    u, z, x, e = np.empty(BLOCK), np.empty(BLOCK), np.empty(BLOCK), np.empty(BLOCK)
    for lo in range(0, ids.size, BLOCK):
        hi = min(lo + BLOCK, ids.size)
        m = hi - lo
        normals_into(ids[lo:hi], key, u, z)
        for j in range(m):
            x[j] = rule.basket_exponent(z[j], sigma, half_var)
        exp_into(x[:m], e[:m])
        for i in range(lo, hi):
            units[i] = rule.basket_units(counts[i], basket_mean[np.uint64(buyers[i])], e[i - lo])
        for i in range(lo, hi):  # units times the unit cost of each buyer's product generation
            cogs[i] = units[i] * gen_cost[np.uint64(generation[np.uint64(buyers[i])])]


def basket_units(pop, buyers: np.ndarray, counts: np.ndarray, ids: np.ndarray, key: int, sigma: float,
                 gen_cost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Units bought by ``buyers`` and their cost of goods (currency units).

    ``counts`` are the buyers' purchase occasions and ``ids`` their ids; the basket shocks are
    their normals under stream ``key``. ``gen_cost`` is the unit cost by product generation.
    """
    units, cogs = np.empty(buyers.size), np.empty(buyers.size)
    _basket(ids, np.uint64(key), counts, buyers, pop.basket_mean, float(sigma), 0.5 * sigma * sigma, units,
            np.ascontiguousarray(gen_cost, dtype=np.float64), pop.generation, cogs)
    return units, cogs


@njit(cache=True, nogil=True)
def _book_purchases(buyers, paid, occasions, week, revenue, purchases, last_purchase_week):  # pragma: no cover
    for i in range(buyers.size):
        r = np.uint64(buyers[i])
        revenue[r] += paid[i]
        purchases[r] += occasions[i]
        last_purchase_week[r] = week


def book_purchases(pop, buyers: np.ndarray, paid: np.ndarray, occasions: np.ndarray, week: int) -> None:
    """Add this week's purchases to the buyers' revenue (currency units) and occasions; stamp the week."""
    _book_purchases(buyers, paid, occasions.astype(pop.purchases.dtype, copy=False), week, pop.revenue,
                    pop.purchases, pop.last_purchase_week)


@njit(cache=True, nogil=True)
def _book_seen(buyers, occasions, ids, key, visibility, member, week, seen_purchases,
               seen_week):  # pragma: no cover - compiled
    u = np.empty(BLOCK)
    for lo in range(0, buyers.size, BLOCK):
        hi = min(lo + BLOCK, buyers.size)
        uniform_into(ids[lo:hi], key, u)  # a loop of its own vectorises
        for i in range(lo, hi):  # branch-free: whether a buyer is seen is a coin toss per buyer
            r = np.uint64(buyers[i])
            seen = observed(member[r], u[i - lo], visibility)
            seen_purchases[r] += occasions[i] * seen
            seen_week[r] += (week - seen_week[r]) * seen


def book_seen(pop, buyers: np.ndarray, occasions: np.ndarray, ids: np.ndarray, key: int, visibility: float,
              week: int) -> None:
    """Record the purchases the firm sees (:func:`sim.behaviour.service.observed`).

    The uniforms are those of the buyers' ``ids`` under stream ``key``.
    """
    _book_seen(buyers, occasions.astype(pop.seen_purchases.dtype, copy=False), ids, np.uint64(key),
               float(visibility), pop.member, week, pop.seen_purchases, pop.seen_week)

