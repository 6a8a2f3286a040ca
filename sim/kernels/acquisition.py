"""Conversion kernel: the probability that each aware prospect buys for the first time this week.

Applies :func:`sim.behaviour.acquisition.conversion_multiplier` and, when reviews or the
advertising promise set what prospects expect, :func:`sim.behaviour.satisfaction.prior_expectation`
and :func:`sim.behaviour.acquisition.expectation_multiplier`, then
:func:`sim.behaviour.acquisition.conversion_probability`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sim.behaviour import acquisition as rule
from sim.behaviour.purchase import price_exponent
from sim.behaviour.satisfaction import prior_expectation
from sim.jit import njit
from sim.mathfn import BLOCK, exp_into

__all__ = ["ConversionTerms", "conversion_probabilities"]


class ConversionTerms(NamedTuple):
    """This week's terms of conversion, the same for every prospect.

    ``expect`` switches on expectations (reviews or an advertising promise); ``base`` is then
    what prospects expect before the promise, ``ad_lift`` the promise.
    """

    rate: float  # customers.conversion_rate, per week
    neg_log_price_ratio: float
    age: float  # the product's ageing factor
    boost: float  # acquisition.referral_conversion_boost
    deterrence: float  # exp(-detractor_effect * share of detractors)
    expect: bool
    base: float
    ad_lift: float
    reference_value: float
    expectation_effect: float  # customers.expectation_conversion_effect


@njit(cache=True, nogil=True, error_model="numpy")
def _conversion(ps, share, referred, t, p_out, e_out):  # pragma: no cover - compiled
    step = np.intp(share.size > 1)
    x, f = np.empty(BLOCK), np.empty(BLOCK)
    for lo in range(0, ps.size, BLOCK):
        hi = min(lo + BLOCK, ps.size)
        for i in range(lo, hi):  # the exponentials in a loop of their own, which vectorises
            x[i - lo] = price_exponent(t.neg_log_price_ratio, ps[i])
        exp_into(x[:hi - lo], f[:hi - lo])
        for i in range(lo, hi):
            referral = t.boost if referred[i] else 1.0
            m = rule.conversion_multiplier(f[i - lo], share[i * step], t.age, referral, t.deterrence)
            if t.expect:
                e = prior_expectation(t.base, t.ad_lift, referred[i])
                e_out[i] = e
                m = m * rule.expectation_multiplier(e, t.reference_value, t.expectation_effect)
            p_out[i] = rule.conversion_probability(t.rate, m)


def conversion_probabilities(price_sensitivity: np.ndarray, referred: np.ndarray, share: np.ndarray | None,
                             terms: ConversionTerms) -> tuple[np.ndarray, np.ndarray | None]:
    """Each prospect's conversion probability, and what each expects (None without expectations).

    ``share`` is the firm's choice share of each prospect among rivals (None without rivals).
    """
    n = price_sensitivity.size
    p, e = np.empty(n), np.empty(n if terms.expect else 0)
    _conversion(np.ascontiguousarray(price_sensitivity, dtype=np.float64),
                np.ones(1) if share is None else np.ascontiguousarray(share, dtype=np.float64), referred, terms, p, e)
    return p, (e if terms.expect else None)
