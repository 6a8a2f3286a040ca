"""Which of this week's orders come back: :func:`sim.behaviour.returns.returns_order` per buyer."""

from __future__ import annotations

import numpy as np

from sim.behaviour.returns import returns_order
from sim.jit import njit
from sim.rng import unit

__all__ = ["returned"]


@njit(cache=True, nogil=True, error_model="numpy")
def _returned(buyers, ids, key, placed, occasions, propensity, habit, out):  # pragma: no cover - compiled
    for i in range(buyers.size):
        r = np.uint64(buyers[i])
        q = np.float64(propensity[r])
        n = np.float64(placed[r] + occasions[i])  # orders placed, this week's included
        out[i] = q > 0.0 and returns_order(unit(ids[i], key), q, n, habit)


def returned(pop, buyers: np.ndarray, ids: np.ndarray, occasions: np.ndarray, key: int, habit: float) -> np.ndarray:
    """Whether each buyer sends this week's order back (bool, one per buyer).

    Parameters
    ----------
    pop : Population
        Its ``return_propensity`` (first-order probability) and ``purchases`` (orders placed
        before this week) are read.
    buyers, ids : ndarray of int
        Rows and market ids of this week's buyers.
    occasions : ndarray of int
        Orders each placed this week.
    key : int
        Key of the ``returns`` stream for the week.
    habit : float
        ``customers.return_habit``.
    """
    out = np.empty(buyers.size, dtype=np.bool_)
    _returned(buyers, ids, np.uint64(key), pop.purchases, occasions, pop.return_propensity, float(habit), out)
    return out
