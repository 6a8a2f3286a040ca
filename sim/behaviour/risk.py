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
"""

from __future__ import annotations

import numpy as np

__all__ = ["churn_risk"]


def churn_risk(seen_purchases: np.ndarray, tenure_weeks: np.ndarray, recency_weeks: np.ndarray,
               complaints: np.ndarray, prior_churn: float = 0.01, complaint_weight: float = 1.0) -> np.ndarray:
    """Posterior probability in [0, 1] that each customer has left (see the module docstring).

    Parameters
    ----------
    seen_purchases : ndarray
        Purchases the firm attributed to each customer.
    tenure_weeks : ndarray
        Weeks since acquisition.
    recency_weeks : ndarray
        Weeks since the firm last saw each customer buy.
    complaints : ndarray
        Complaints each customer made.
    prior_churn : float
        The firm's prior churn probability per week.
    complaint_weight : float
        Relative rise of the prior churn probability per complaint.
    """
    rate = (np.asarray(seen_purchases, dtype=np.float64) + 1.0) / (np.asarray(tenure_weeks, dtype=np.float64) + 2.0)
    r = np.maximum(np.asarray(recency_weeks, dtype=np.float64), 0.0)
    h = np.minimum(prior_churn * (1.0 + complaint_weight * np.asarray(complaints, dtype=np.float64)), 1.0)
    stay = np.exp(r * np.log1p(-np.minimum(h, 1.0 - 1e-12)))
    gone = 1.0 - stay
    alive_unseen = stay * np.exp(-rate * r)
    total = gone + alive_unseen
    return np.where(total > 0, gone / np.where(total > 0, total, 1.0), 0.0)
