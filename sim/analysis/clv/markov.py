"""Markov-chain customer value, Pfeifer & Carraway (2000), "Modeling customer relationships as
Markov chains", Journal of Interactive Marketing 14(2).

States are periods since the last purchase; money is in the caller's currency, the discount rate
per period.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.analysis.clv._common import require

__all__ = ["markov_transition_matrix", "markov_clv"]


def markov_transition_matrix(purchase_probs: Sequence[float]) -> np.ndarray:
    """Transition matrix of the Pfeifer & Carraway (2000) recency chain.

    State k (k = 1..K, row k-1) is "k periods since the last purchase", the last state meaning
    "K or more". In state k the customer buys with probability purchase_probs[k-1] and goes to
    state 1; otherwise moves to state k+1, or stays in state K.

    Parameters
    ----------
    purchase_probs : sequence of float
        Purchase probability per period in each recency state, each in [0, 1].

    Returns
    -------
    numpy.ndarray
        K x K row-stochastic matrix P, P[j, l] = Pr(state l+1 next period | state j+1 now).
    """
    probs = np.asarray(purchase_probs, float)
    require(probs.ndim == 1 and probs.size >= 1, "purchase_probs must be a non-empty 1-d sequence")
    require((probs >= 0) & (probs <= 1), "purchase probabilities must be in [0, 1]")
    n_states = probs.size
    matrix = np.zeros((n_states, n_states))
    matrix[:, 0] = probs
    # "+=" because in a one-state chain the non-buyer's destination is also state 1.
    next_state = np.minimum(np.arange(n_states) + 1, n_states - 1)
    np.add.at(matrix, (np.arange(n_states), next_state), 1.0 - probs)
    return matrix


def markov_clv(purchase_probs: Sequence[float], reward: float, discount_rate: float) -> np.ndarray:
    """Expected discounted value by recency state, V = (I - P/(1+d))^{-1} R.

    Pfeifer & Carraway (2000): the reward is earned in state 1, i.e. in the period of a
    purchase, so V[0] includes the current period's reward and later periods are discounted.

    Parameters
    ----------
    purchase_probs : sequence of float
        Purchase probability per period in recency states 1..K (see
        :func:`markov_transition_matrix`).
    reward : float
        Net contribution of a purchase, in currency units.
    discount_rate : float
        Discount rate d per period, > 0 unless some state leads to certain lapse.

    Returns
    -------
    numpy.ndarray
        Length-K expected present value of a customer currently in each state, in currency units.
    """
    matrix = markov_transition_matrix(purchase_probs)
    require(discount_rate > -1, "discount_rate must be > -1")
    rewards = np.zeros(matrix.shape[0])
    rewards[0] = reward
    return np.linalg.solve(np.eye(matrix.shape[0]) - matrix / (1.0 + discount_rate), rewards)
