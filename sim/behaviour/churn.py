"""Churn: the hazard of leaving falls with satisfaction and rises while a customer lapses."""

from __future__ import annotations

import numpy as np

from sim import mathfn

__all__ = ["churn_probability", "satisfaction_factor"]


def satisfaction_factor(satisfaction: np.ndarray, neutral: float, satisfaction_effect: float) -> np.ndarray:
    """``exp(-effect * (satisfaction - neutral))``: how satisfaction scales the churn hazard."""
    x = satisfaction - neutral
    if np.ndim(x) == 0:
        return mathfn.exp(x * -satisfaction_effect)
    x *= -satisfaction_effect  # a fresh array
    return mathfn.exp(x)


def churn_probability(
    satisfaction: np.ndarray,
    lapsing: np.ndarray,
    base_rate: float,
    neutral: float,
    satisfaction_effect: float,
    lapsing_multiplier: float,
) -> np.ndarray:
    """Churn probability this week, in [0, 1].

    ``base_rate * exp(-effect * (satisfaction - neutral))``, times ``lapsing_multiplier`` for
    lapsing customers, capped at 1.
    """
    p = satisfaction_factor(satisfaction, neutral, satisfaction_effect)
    p *= base_rate
    lapsing = np.asarray(lapsing)
    if lapsing.dtype == np.bool_:
        # A factor looked up by the mask, not np.where: lapsing rows are scattered, and a
        # branch per row mispredicted costs several times the multiplication (x 1.0 is exact).
        p *= np.array([1.0, lapsing_multiplier])[lapsing.view(np.uint8)]
    else:
        p = np.where(lapsing, p * lapsing_multiplier, p)
    return np.minimum(p, 1.0, out=p)
