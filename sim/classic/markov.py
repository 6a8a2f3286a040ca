"""Markov-chain customer value in closed form (Pfeifer & Carraway 2000): the oracle of the recency chain.

The engine runs the chain through :mod:`sim.classic.presets` (``classic.model=markov``): a cohort
whose customers decide every ``classic.period_weeks`` weeks after their last purchase whether
to buy again, with the probability of their recency state (periods since the last purchase, the
last state for that many or more), earning ``reward`` per purchase; one who reaches a state
from which no purchase can follow has left. The cohort has just bought (in week -1, before the
run), so ``mean_clv_to_horizon``, discounted at ``classic.discount_rate`` per period, estimates
the value after that purchase: the first element of ``V = (I - P / (1 + d))^-1 R`` less ``R``
(231.08 - 100 for d = 0.1, probabilities (0.5, 0.2, 0.1, 0) and a reward of 100).
"""

from __future__ import annotations

import numpy as np

from sim.analysis.clv import markov_transition_matrix

__all__ = ["markov_value_moments"]


def markov_value_moments(purchase_probs: list[float], reward: float, discount_rate: float,
                         periods: int | None = None) -> tuple[float, float]:
    """Mean and standard deviation of the discounted value of a customer who just bought.

    With ``X_k`` the value from state k, ``X_k = R [k = 1] + X' / (1 + d)`` where ``X'`` is the
    value from the next state, so the first two moments obey
    ``V = R e_1 + P V / (1 + d)`` and ``W = R^2 e_1 + 2 R e_1 (P V)_1 / (1 + d) + P W / (1 + d)^2``.
    ``sd / sqrt(n)`` is the Monte-Carlo standard error of the ``mean_clv_to_horizon`` of ``n`` customers.

    Parameters
    ----------
    purchase_probs : list of float
        Purchase probability per period in each recency state.
    reward : float
        Contribution of a purchase, currency units.
    discount_rate : float
        Discount rate per period, >= 0 (> 0 unless ``periods`` is given).
    periods : int, optional
        Number of periods valued, the current one included; None: an infinite horizon.

    Returns
    -------
    mean, sd : float
        Currency units.
    """
    matrix = markov_transition_matrix(purchase_probs)
    n = matrix.shape[0]
    rewards = np.zeros(n)
    rewards[0] = reward
    factor = 1.0 / (1.0 + discount_rate)
    if periods is None:
        eye = np.eye(n)
        mean = np.linalg.solve(eye - factor * matrix, rewards)
        second = np.linalg.solve(eye - factor**2 * matrix, rewards**2 + 2.0 * rewards * factor * (matrix @ mean))
    else:
        mean, second = np.zeros(n), np.zeros(n)
        for _ in range(periods):  # backwards over periods, not over customers
            mean, second = (rewards + factor * (matrix @ mean),
                            rewards**2 + 2.0 * rewards * factor * (matrix @ mean) + factor**2 * (matrix @ second))
    return float(mean[0]), float(np.sqrt(max(second[0] - mean[0] ** 2, 0.0)))
