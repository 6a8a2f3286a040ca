"""Markov-chain customer value (Pfeifer & Carraway 2000): a recency chain with a reward per purchase.

The customer's state in a period is its recency: k periods since the last purchase (k = 1 for a
purchase in the period before), the last of the K states meaning "K or more". At the start of
each period of ``classic.period_weeks`` weeks, a customer in state k buys with probability
``purchase_probs[k - 1]``; a buyer returns to state 1 and earns ``reward``, a non-buyer moves one
state on (and stays in the last). The state is not stored: it is read from the week of the last
purchase in the population arrays.

The cohort starts just after a purchase (the reward of period 0 is earned in week 0), so
``mean_clv_to_horizon``, discounted at ``classic.discount_rate`` per period, estimates the first element of
``V = (I - P / (1 + d))^-1 R``: 231.08 for d = 0.1, probabilities (0.5, 0.2, 0.1, 0) and a reward
of 100. A customer who reaches a state from which no purchase is possible any more (every
later state has probability 0) is recorded as churned; others who did not buy last period are
lapsing.
"""

from __future__ import annotations

import numpy as np

from sim.analysis.clv import markov_transition_matrix
from sim.classic.base import ClassicSimulation
from sim.config import Config
from sim.population import ACTIVE, LAPSING

__all__ = ["MarkovSimulation", "markov_value_moments"]


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


class MarkovSimulation(ClassicSimulation):
    """The agent model reduced to the Pfeifer-Carraway recency chain (``classic.model=markov``).

    Parameters
    ----------
    cfg : Config
        Uses ``customers.initial`` (cohort size), ``classic.purchase_probs``,
        ``classic.reward``, ``classic.period_weeks`` and ``classic.discount_rate``.
    """

    def __init__(self, cfg: Config):
        super().__init__(cfg)
        c = cfg.classic
        self._probs = np.asarray(c.purchase_probs, dtype=np.float64)
        self._period = c.period_weeks
        # First recency state (1-based) from which every later state has purchase probability 0.
        buying = np.flatnonzero(self._probs > 0)
        self._lost_state = int(buying[-1]) + 2 if buying.size else 1
        self._discount = 1.0 + c.discount_rate

    def step(self) -> None:
        """At the start of each period every customer buys, or not, by her recency state."""
        week, pop, reward = self.week, self.pop, self.cfg.classic.reward
        alive = self._alive()
        if week % self._period:
            self._record(alive=alive)
            return
        t = week // self._period
        if t == 0:
            buyers, churned = alive, self._none
        else:
            n_states = self._probs.size
            recency = np.minimum(t - pop.last_purchase_week[alive] // self._period, n_states)
            buys = self.streams.uniform("purchase", week, pop.id[alive]) < self._probs[recency - 1]
            buyers = alive[buys]
            lost = ~buys & (np.minimum(recency + 1, n_states) >= self._lost_state)
            churned = alive[lost]
            pop.state[alive[~buys & ~lost]] = LAPSING
            pop.state[buyers] = ACTIVE
            self._churn(churned)
        paid = np.full(buyers.size, reward)
        margin = self._sell(buyers, paid, 1, self._discount**-t)
        self._record(alive=alive, churned=churned, buyers=buyers, paid=paid, margin=margin, occasions=1)
