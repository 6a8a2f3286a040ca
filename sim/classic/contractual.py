"""Contractual retention in closed form: the value of a cohort that renews or leaves once per period.

The textbook setting of the sBG and constant-retention CLV models (run by the engine through
:mod:`sim.classic.presets`): the ``customers.initial`` customers of week 0 are one cohort; at the
end of each period every customer still active churns with her own probability ``theta`` or
renews and pays the period's margin. Discounted per period at ``i`` as seen from week 0,
``mean_clv_to_horizon`` is the value of a customer just acquired, ``sum_t m_t S(t) / (1 + i)^t`` (Gupta &
Lehmann 2003). These functions are the oracles the engine is tested against.
"""

from __future__ import annotations

import numpy as np

__all__ = ["lifetime_value_moments", "tenure_margins"]


def tenure_margins(margin: float, tenure_margin: list[float], periods: int) -> np.ndarray:
    """Margin earned at the end of periods 1 .. ``periods`` of a customer's tenure.

    Parameters
    ----------
    margin : float
        Base margin per period, currency units.
    tenure_margin : list of float
        Multipliers for periods 1, 2, ...; the last holds for later periods; empty: flat.
    periods : int
        Number of periods.

    Returns
    -------
    ndarray
        Length ``periods``, currency units per period.
    """
    factors = np.ones(periods)
    if tenure_margin:
        steps = np.asarray(tenure_margin, dtype=np.float64)
        factors = steps[np.minimum(np.arange(periods), steps.size - 1)]
    return margin * factors


def lifetime_value_moments(survival: np.ndarray, margins: np.ndarray, discount_rate: float) -> tuple[float, float]:
    """Mean and standard deviation of one customer's discounted value over a finite horizon.

    A customer who survives exactly ``l`` of the ``T`` periods is worth
    ``C_l = sum_{t <= l} m_t / (1 + i)^t``; she does so with probability ``S(l) - S(l + 1)``
    (``S(T)`` for surviving them all). These are exact for a cohort whose customers are
    independent, so ``sd / sqrt(n)`` is the Monte-Carlo standard error of a cohort's
    ``mean_clv_to_horizon``.

    Parameters
    ----------
    survival : ndarray
        S(1) .. S(T): probability of being active after each period.
    margins : ndarray
        m_1 .. m_T, currency units.
    discount_rate : float
        Discount rate per period.

    Returns
    -------
    mean, sd : float
        Currency units.
    """
    survival = np.asarray(survival, dtype=np.float64)
    periods = survival.size
    value_if = np.r_[0.0, np.cumsum(margins * (1.0 + discount_rate) ** -np.arange(1, periods + 1))]
    alive = np.r_[1.0, survival]
    prob = np.r_[alive[:-1] - alive[1:], alive[-1]]
    mean = float(prob @ value_if)
    return mean, float(np.sqrt(max(prob @ value_if**2 - mean**2, 0.0)))
