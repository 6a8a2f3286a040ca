"""Purchasing: how often a customer buys and how much.

A customer's purchase occasions in a week are Poisson with mean

    rate = base * exp(effect * (s - neutral)) * exp(-ln(price ratio) * ps) * (1 + (ratio - 1) a)

(further multiplied by loyalty schemes and ageing): satisfied customers buy more often (Anderson
& Sullivan 1993), price works through each customer's constant elasticity ``ps``, relieved by
emotional attachment ``a``, and a fully attached customer buys ``ratio`` times as often.
Satisfaction ``s`` is the customer's, less a trust penalty per service failure met. Each
occasion buys a log-normal basket around the customer's mean.

Each rule below is a compiled scalar (numba), inlined by the loops of :mod:`sim.kernels`.
"""

from __future__ import annotations

import numpy as np

from sim.jit import njit

__all__ = [
    "effective_satisfaction", "effective_price_sensitivity", "attachment_multiplier", "satisfaction_exponent",
    "price_exponent", "purchase_rate", "basket_exponent", "basket_units",
]

_rule = njit(cache=True, nogil=True, inline="always")


@_rule
def effective_satisfaction(satisfaction, failures, penalty):  # pragma: no cover - compiled
    """Satisfaction less ``penalty`` per service failure met (each failure erodes trust), float64."""
    return np.float64(satisfaction) - penalty * np.float64(failures)


@_rule
def effective_price_sensitivity(price_sensitivity, attachment, relief):  # pragma: no cover - compiled
    """Price elasticity after attachment's relief: ``ps * (1 - relief * a)`` (attached customers care less)."""
    return np.float64(price_sensitivity) * (1.0 - relief * np.float64(attachment))


@_rule
def attachment_multiplier(attachment, slope):  # pragma: no cover - compiled
    """``1 + slope * a`` with ``slope = ratio - 1``: a fully attached customer does ``ratio`` times as much.

    The product is taken in the precision of its operands (float32 attachment and slope give
    a float32 product, as the word-of-mouth weights are kept).
    """
    return 1.0 + slope * attachment


@_rule
def satisfaction_exponent(sat_eff, neutral, effect):  # pragma: no cover - compiled
    """Log of satisfaction's multiplier on the purchase rate: ``effect * (s - neutral)``."""
    return effect * (sat_eff - neutral)


@_rule
def price_exponent(neg_log_price_ratio, price_sensitivity):  # pragma: no cover - compiled
    """Log of price's multiplier on the purchase rate: ``-ln(price ratio) * ps`` (constant elasticity)."""
    return neg_log_price_ratio * price_sensitivity


@_rule
def purchase_rate(base, satisfaction_factor, price_factor, multiplier):  # pragma: no cover - compiled
    """Expected purchase occasions per week: the base rate times its multipliers, in this order."""
    return base * satisfaction_factor * price_factor * multiplier


@_rule
def basket_exponent(z, sigma, half_variance):  # pragma: no cover - compiled
    """Log of the mean-one log-normal basket shock for normal ``z``: ``sigma z - sigma^2 / 2``."""
    return sigma * z - half_variance


@_rule
def basket_units(occasions, basket_mean, shock):  # pragma: no cover - compiled
    """Units bought in a week: occasions times the customer's mean basket times the shock."""
    return np.float64(occasions) * np.float64(basket_mean) * shock
