"""Pareto/NBD purchasing, Schmittlein, Morrison & Colombo (1987), "Counting your customers: who
are they and what will they do next?", Management Science 33(1).

While alive, a customer buys at Poisson rate ``lambda ~ Gamma(r, alpha)`` per unit time; her
lifetime is exponential with rate ``mu ~ Gamma(s, beta)``. Time is in the caller's unit (weeks
on CDNOW); rates are per that unit.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["pareto_nbd_survival", "pareto_nbd_expected_unconditional", "pareto_nbd_expected_per_period"]


def pareto_nbd_survival(t: npt.ArrayLike, s: float, beta: float) -> np.ndarray:
    """Share of a cohort alive at time ``t``: ``E[exp(-mu t)] = (beta / (beta + t))^s``."""
    t = np.asarray(t, dtype=np.float64)
    return (beta / (beta + t)) ** s


def pareto_nbd_expected_unconditional(t: npt.ArrayLike, r: float, alpha: float, s: float, beta: float) -> np.ndarray:
    """Expected purchases of a random customer in ``(0, t]``, ``E[X(t)]`` (the paper's eq. 17).

    ``r beta / (alpha (s - 1)) [1 - (beta / (beta + t))^(s - 1)]``, and its limit
    ``r beta / alpha * log(1 + t / beta)`` at ``s = 1``.
    """
    t = np.asarray(t, dtype=np.float64)
    if abs(s - 1.0) < 1e-9:
        return r * beta / alpha * np.log1p(t / beta)
    return r * beta / (alpha * (s - 1.0)) * (1.0 - (beta / (beta + t)) ** (s - 1.0))


def pareto_nbd_expected_per_period(periods: int, r: float, alpha: float, s: float, beta: float) -> np.ndarray:
    """Cumulative expected purchases at the end of periods ``1 .. periods`` on a period clock.

    A simulation that draws each period's purchases for the customers alive at its start (and
    their deaths at its end) counts ``r / alpha`` purchases in period ``k`` times the share alive
    at its start, ``(beta / (beta + k))^s``: the left Riemann sum of the integral behind
    :func:`pareto_nbd_expected_unconditional`, above it by less than ``r / (2 alpha)``.
    """
    k = np.arange(periods, dtype=np.float64)
    return np.cumsum(r / alpha * pareto_nbd_survival(k, s, beta))
