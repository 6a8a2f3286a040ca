"""Shifted-beta-geometric (sBG) retention, Fader & Hardie (2007), "How to project customer
retention", Journal of Interactive Marketing 21(1).

Time is in periods of the cohort data (years in the paper).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import betaln

from sim.analysis.clv._common import minimise, require

__all__ = ["SBGFit", "sbg_survival", "sbg_retention", "fit_sbg"]


@dataclass(frozen=True)
class SBGFit:
    """Maximum-likelihood sBG fit.

    Attributes
    ----------
    alpha, beta : float
        Parameters of the Beta distribution of the per-period churn probability.
    log_likelihood : float
        Maximised log-likelihood (natural log) of the cohort data.
    n_customers : float
        Cohort size at t = 0 (n_0).
    """

    alpha: float
    beta: float
    log_likelihood: float
    n_customers: float


def _check_sbg(alpha: np.ndarray, beta: np.ndarray) -> None:
    require(alpha > 0, "sBG alpha must be > 0")
    require(beta > 0, "sBG beta must be > 0")


def sbg_survival(t: npt.ArrayLike, alpha: float, beta: float) -> np.ndarray:
    """Share of a cohort still active after `t` periods, S(t) = B(alpha, beta+t) / B(alpha, beta).

    Parameters
    ----------
    t : array_like
        Number of renewal periods elapsed, >= 0 (need not be an integer).
    alpha, beta : float
        Beta-distribution parameters of the per-period churn probability, > 0.

    Returns
    -------
    numpy.ndarray
        S(t), dimensionless in (0, 1].
    """
    t, alpha, beta = np.asarray(t, float), np.asarray(alpha, float), np.asarray(beta, float)
    _check_sbg(alpha, beta)
    require(t >= 0, "t must be >= 0")
    # betaln avoids the overflow of B() itself for large arguments.
    return np.exp(betaln(alpha, beta + t) - betaln(alpha, beta))


def sbg_retention(t: npt.ArrayLike, alpha: float, beta: float) -> np.ndarray:
    """Aggregate retention rate in period `t`, r_t = (beta + t - 1) / (alpha + beta + t - 1).

    It rises with `t` although no customer's churn probability changes: high-churn customers
    leave first (sorting).

    Parameters
    ----------
    t : array_like
        Period index, >= 1.
    alpha, beta : float
        Beta-distribution parameters of the per-period churn probability, > 0.

    Returns
    -------
    numpy.ndarray
        S(t) / S(t-1), dimensionless in (0, 1).
    """
    t, alpha, beta = np.asarray(t, float), np.asarray(alpha, float), np.asarray(beta, float)
    _check_sbg(alpha, beta)
    require(t >= 1, "t must be >= 1")
    return (beta + t - 1.0) / (alpha + beta + t - 1.0)


def fit_sbg(active_counts: Sequence[float]) -> SBGFit:
    """Fit the sBG model to one cohort's survivor counts by maximum likelihood.

    The n_{t-1} - n_t customers lost in period t contribute ln P(T = t) with
    P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta), and the n_T still active at the end
    contribute ln S(T) (Fader & Hardie 2007).

    Parameters
    ----------
    active_counts : sequence of float
        Customers active at t = 0, 1, ..., T: n_0 (cohort size) first, then non-increasing,
        at least two values. Percentages work too (n_0 = 100) but the log-likelihood then
        describes a cohort of 100.

    Returns
    -------
    SBGFit

    Raises
    ------
    ValueError
        If the counts are not non-increasing and non-negative, or n_0 is 0.
    """
    counts = np.asarray(active_counts, float)
    require(counts.ndim == 1 and counts.size >= 2, "need counts for t = 0 and at least t = 1")
    require(counts >= 0, "active counts must be >= 0")
    require(counts[0] > 0, "n_0 must be > 0")
    require(np.diff(counts) <= 0, "active counts must be non-increasing")
    lost = -np.diff(counts)
    periods = np.arange(1, counts.size)

    def negative_ll(log_params: np.ndarray) -> float:
        alpha, beta = np.exp(log_params)
        log_p_churn = betaln(alpha + 1.0, beta + periods - 1.0) - betaln(alpha, beta)
        log_survive = betaln(alpha, beta + periods[-1]) - betaln(alpha, beta)
        return -(np.sum(lost * log_p_churn) + counts[-1] * log_survive) / counts[0]

    best = minimise(negative_ll, [np.zeros(2), np.array([-1.0, 1.0])])
    alpha, beta = np.exp(best.x)
    return SBGFit(float(alpha), float(beta), float(-best.fun * counts[0]), float(counts[0]))
