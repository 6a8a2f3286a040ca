"""Pareto/NBD purchasing, Schmittlein, Morrison & Colombo (1987), "Counting your customers: who
are they and what will they do next?", Management Science 33(1).

While alive, a customer buys at Poisson rate ``lambda ~ Gamma(r, alpha)`` per unit time; her
lifetime is exponential with rate ``mu ~ Gamma(s, beta)``. Time is in the caller's unit (weeks
on CDNOW); rates are per that unit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import expit, gammaln, hyp2f1

from sim.analysis.clv._common import minimise, positive_params, require
from sim.analysis.clv.bgnbd import _check_rft

__all__ = ["ParetoNBDFit", "pareto_nbd_survival", "pareto_nbd_expected_unconditional",
           "pareto_nbd_expected_per_period", "pareto_nbd_log_likelihood", "fit_pareto_nbd", "pareto_nbd_prob_alive",
           "pareto_nbd_expected_transactions"]


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


@dataclass(frozen=True)
class ParetoNBDFit:
    """Maximum-likelihood Pareto/NBD fit.

    Attributes
    ----------
    r, alpha : float
        Shape and rate of the Gamma distribution of purchase rates (alpha per unit of time).
    s, beta : float
        Shape and rate of the Gamma distribution of dropout rates (beta per unit of time).
    log_likelihood : float
        Maximised total log-likelihood (natural log).
    n_customers : int
        Number of customers fitted.
    """

    r: float
    alpha: float
    s: float
    beta: float
    log_likelihood: float
    n_customers: int

    @property
    def params(self) -> tuple[float, float, float, float]:
        """(r, alpha, s, beta), the form the other Pareto/NBD functions accept."""
        return (self.r, self.alpha, self.s, self.beta)


def _params(params: ParetoNBDFit | Sequence[float]) -> tuple[float, float, float, float]:
    return positive_params(params, ParetoNBDFit, "Pareto/NBD parameters r, alpha, s, beta")


def _log_a0(r, alpha, s, beta, x, t_x, T) -> np.ndarray:
    """log A0 of Fader & Hardie's note (2005, "A note on deriving the Pareto/NBD model and related
    expressions", eq. 19-20): the integral over dropout times between t_x and T."""
    m = r + s + x
    if alpha >= beta:
        b_arg, big = s + 1.0, alpha
    else:
        b_arg, big = r + x, beta
    gap = abs(alpha - beta)
    first = np.log(hyp2f1(m, b_arg, m + 1.0, gap / (big + t_x))) - m * np.log(big + t_x)
    second = np.log(hyp2f1(m, b_arg, m + 1.0, gap / (big + T))) - m * np.log(big + T)
    with np.errstate(divide="ignore", invalid="ignore"):
        return first + np.log(-np.expm1(second - first))


def pareto_nbd_log_likelihood(params: ParetoNBDFit | Sequence[float], x: npt.ArrayLike, t_x: npt.ArrayLike,
                              T: npt.ArrayLike) -> np.ndarray:
    """Per-customer Pareto/NBD log-likelihood of (x, t_x, T) (Fader & Hardie 2005 note, eq. 18).

    ``L = Gamma(r+x) alpha^r beta^s / Gamma(r) * [1 / ((alpha+T)^(r+x) (beta+T)^s)
    + s / (r+s+x) A0]``; same arguments as :func:`sim.analysis.clv.bgnbd_log_likelihood`.
    """
    r, alpha, s, beta = _params(params)
    x, t_x, T = _check_rft(x, t_x, T)
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    gone = np.log(s / (r + s + x)) + _log_a0(r, alpha, s, beta, x, t_x, T)
    return common + np.logaddexp(alive, np.where(t_x < T, gone, -np.inf))


def fit_pareto_nbd(x: npt.ArrayLike, t_x: npt.ArrayLike, T: npt.ArrayLike) -> ParetoNBDFit:
    """Fit the Pareto/NBD model by maximum likelihood (L-BFGS-B over log-parameters, several starts).

    On the CDNOW sample (39-week calibration, weeks) this gives the published r = 0.553,
    alpha = 10.578, s = 0.606, beta = 11.669, log-likelihood -9595.0 (Fader, Hardie & Lee 2005).
    """
    x, t_x, T = (v.ravel() for v in _check_rft(x, t_x, T))
    require(x.size > 0, "need at least one customer")
    mean_rate = max(x.sum(), 1.0) / max(T.sum(), 1e-12)
    starts = [np.zeros(4), np.log([1.0, 1.0 / mean_rate, 1.0, float(np.mean(T))]),
              np.log([0.5, 0.5 / mean_rate, 0.5, float(np.mean(T))])]

    def negative_ll(log_params: np.ndarray) -> float:
        value = -np.mean(pareto_nbd_log_likelihood(np.exp(log_params), x, t_x, T))
        return value if np.isfinite(value) else np.inf

    best = minimise(negative_ll, starts)
    r, alpha, s, beta = np.exp(best.x)
    return ParetoNBDFit(float(r), float(alpha), float(s), float(beta), float(-best.fun * x.size), int(x.size))


def pareto_nbd_prob_alive(params: ParetoNBDFit | Sequence[float], x: npt.ArrayLike, t_x: npt.ArrayLike,
                          T: npt.ArrayLike) -> np.ndarray:
    """P(alive at T | x, t_x, T) = 1 / (1 + s/(r+s+x) (alpha+T)^(r+x) (beta+T)^s A0)."""
    r, alpha, s, beta = _params(params)
    x, t_x, T = _check_rft(x, t_x, T)
    log_odds = (np.log(s / (r + s + x)) + (r + x) * np.log(alpha + T) + s * np.log(beta + T)
                + _log_a0(r, alpha, s, beta, x, t_x, T))
    return np.where(t_x < T, expit(-log_odds), 1.0)


def pareto_nbd_expected_transactions(t: npt.ArrayLike, params: ParetoNBDFit | Sequence[float], x: npt.ArrayLike,
                                     t_x: npt.ArrayLike, T: npt.ArrayLike) -> np.ndarray:
    """Expected transactions in (T, T + t] given (x, t_x, T) (Fader & Hardie 2005 note, eq. 22)."""
    r, alpha, s, beta = _params(params)
    t = np.asarray(t, dtype=np.float64)
    x, t_x, T = _check_rft(x, t_x, T)
    if abs(s - 1.0) < 1e-9:
        horizon = np.log1p(t / (beta + T))
    else:
        horizon = (1.0 - ((beta + T) / (beta + T + t)) ** (s - 1.0)) / (s - 1.0)
    return (r + x) * (beta + T) / (alpha + T) * horizon * pareto_nbd_prob_alive((r, alpha, s, beta), x, t_x, T)
