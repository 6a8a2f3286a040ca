"""Churn-risk score: what the firm can infer from the visits it sees.

The firm estimates a customer's weekly visit rate from the visits it attributed to them,
``rate = (n + 1) / (tenure + 2)`` (a smoothed frequency), and holds a prior belief that a
customer leaves with probability ``prior_churn`` per week, raised by each complaint. After
``recency`` silent weeks, Bayes' rule gives the probability that the customer has left,

    risk = D / (D + A),   D = 1 - (1 - h)^r,   A = (1 - h)^r exp(-rate r),

where ``A`` is the chance of still being a customer and yet unseen for ``r`` weeks: the
"P(alive)" reasoning of the BG/NBD model (Fader, Hardie & Lee 2005). A frequent visitor gone
quiet scores high; an occasional one does not. The fewer visits the firm sees (anonymous
customers), the less a silence tells it: that is the data value of a loyalty programme.

A compiled scalar (numba); :func:`sim.kernels.offers.churn_risks` applies it to arrays.
"""

from __future__ import annotations

import numpy as np

from sim.jit import njit
from sim.mathfn import exp

__all__ = ["churn_risk"]


@njit(cache=True, nogil=True, inline="always")
def churn_risk(seen_purchases, tenure_weeks, recency_weeks, complaints, prior_churn,
               complaint_weight):  # pragma: no cover - compiled
    """Posterior probability in [0, 1] that a customer has left (see the module docstring).

    Parameters
    ----------
    seen_purchases : float
        Purchases the firm attributed to the customer.
    tenure_weeks : float
        Weeks since acquisition.
    recency_weeks : float
        Weeks since the firm last saw the customer buy.
    complaints : float
        Complaints the customer made.
    prior_churn : float
        The firm's prior churn probability per week.
    complaint_weight : float
        Relative rise of the prior churn probability per complaint.
    """
    rate = (np.float64(seen_purchases) + 1.0) / (np.float64(tenure_weeks) + 2.0)
    r = max(np.float64(recency_weeks), 0.0)
    h = min(prior_churn * (1.0 + complaint_weight * np.float64(complaints)), 1.0)
    stay = exp(r * np.log1p(-min(h, 1.0 - 1e-12)))
    gone = 1.0 - stay
    alive_unseen = stay * exp(-rate * r)
    total = gone + alive_unseen
    return gone / total if total > 0 else 0.0
