"""Purchasing: how often a customer buys, how much, and whether a prospect converts."""

from __future__ import annotations

import numpy as np

from sim import mathfn

__all__ = ["price_multiplier", "purchase_rate", "basket_units", "conversion_probability"]


def price_multiplier(price_ratio: float, price_sensitivity: np.ndarray) -> np.ndarray:
    """Demand multiplier ``price_ratio ** -price_sensitivity`` (constant elasticity).

    Parameters
    ----------
    price_ratio : float
        Price paid over the market reference price.
    price_sensitivity : ndarray
        Each customer's price elasticity (>= 0).
    """
    return mathfn.exp(-np.log(price_ratio) * price_sensitivity)


def purchase_rate(
    base_rate: np.ndarray,
    satisfaction: np.ndarray,
    price_mult: np.ndarray,
    satisfaction_neutral: float,
    satisfaction_effect: float,
    extra_mult: np.ndarray | float = 1.0,
) -> np.ndarray:
    """Expected purchase occasions per week.

    ``base_rate * exp(effect * (satisfaction - neutral)) * price_mult * extra_mult``: satisfied
    customers buy more often (Anderson & Sullivan 1993), price works through the elasticity, and
    strategies (loyalty schemes) contribute ``extra_mult``.
    """
    rate = base_rate * mathfn.exp(satisfaction_effect * (satisfaction - satisfaction_neutral))
    rate *= price_mult
    rate *= extra_mult
    return rate


def basket_units(count: np.ndarray, basket_mean: np.ndarray, sigma: float, z: np.ndarray) -> np.ndarray:
    """Units bought in a week by customers with ``count`` occasions.

    A mean-one log-normal shock ``exp(sigma z - sigma^2 / 2)`` scales the customer's mean basket.
    """
    return count * basket_mean * mathfn.exp(sigma * z - 0.5 * sigma * sigma)


def conversion_probability(conversion_rate: float, price_mult: np.ndarray) -> np.ndarray:
    """Probability per week that an aware prospect becomes a customer (clipped to [0, 1])."""
    return np.minimum(conversion_rate * price_mult, 1.0)
