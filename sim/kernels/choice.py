"""Choice kernel: the firm's multinomial-logit share of each customer's purchase occasions.

Applies :func:`sim.behaviour.choice.utility` to the firm and each active rival, for each
customer (or prospect), and returns the shares (a softmax with the largest utility subtracted,
for stability).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sim.behaviour.choice import utility
from sim.jit import njit
from sim.mathfn import exp

__all__ = ["Offer", "firm_shares"]


class Offer(NamedTuple):
    """What the firm offers, and the rivals in the market, in utility terms.

    ``firm_quality`` and ``firm_gap`` (price over the reference, less 1) are one value for all
    customers or one per customer; ``rival_quality`` and ``rival_gap`` one value per active rival.
    """

    firm_quality: np.ndarray
    firm_gap: np.ndarray
    rival_quality: np.ndarray
    rival_gap: np.ndarray
    sensitivity: float  # customers.choice_sensitivity
    inertia: float  # utility bonus of the firm a customer already buys from


@njit(cache=True, nogil=True)
def _firm_shares(qs, ps, firm_quality, firm_gap, rival_quality, rival_gap, sensitivity, inertia, firm_out,
                 rivals_out):  # pragma: no cover - compiled
    n, k = qs.size, rival_quality.size
    fq_step, fg_step = np.intp(firm_quality.size > 1), np.intp(firm_gap.size > 1)
    u = np.empty(k)
    for i in range(n):
        fu = utility(sensitivity, qs[i], firm_quality[i * fq_step], ps[i], firm_gap[i * fg_step]) + inertia
        top = u[0] = utility(sensitivity, qs[i], rival_quality[0], ps[i], rival_gap[0])
        for j in range(1, k):
            u[j] = utility(sensitivity, qs[i], rival_quality[j], ps[i], rival_gap[j])
            top = max(top, u[j])
        top = max(fu, top)
        e_firm = exp(fu - top)
        rivals = 0.0
        for j in range(k):  # in rival order, as numpy sums over the rivals' axis
            e = exp(u[j] - top)
            rivals_out[j, i] = e
            rivals = rivals + e if j else e
        total = e_firm + rivals
        firm_out[i] = e_firm / total
        for j in range(k):
            rivals_out[j, i] = rivals_out[j, i] / total


def firm_shares(quality_sensitivity: np.ndarray, price_sensitivity: np.ndarray,
                offer: Offer) -> tuple[np.ndarray, np.ndarray]:
    """The firm's choice share of each customer's occasions (float64), and each active rival's
    (shape ``(rivals, customers)``), for customers of the given sensitivities (float64)."""
    n, k = quality_sensitivity.size, offer.rival_quality.size
    firm, rivals = np.empty(n), np.empty((k, n))
    _firm_shares(np.ascontiguousarray(quality_sensitivity, dtype=np.float64),
                 np.ascontiguousarray(price_sensitivity, dtype=np.float64),
                 np.ascontiguousarray(np.asarray(offer.firm_quality, dtype=np.float64).reshape(-1)),
                 np.ascontiguousarray(np.asarray(offer.firm_gap, dtype=np.float64).reshape(-1)),
                 np.ascontiguousarray(offer.rival_quality, dtype=np.float64),
                 np.ascontiguousarray(offer.rival_gap, dtype=np.float64), float(offer.sensitivity),
                 float(offer.inertia), firm, rivals)
    return firm, rivals
