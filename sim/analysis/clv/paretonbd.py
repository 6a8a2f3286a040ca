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

from sim.analysis.clv._common import check_counts, minimise, positive_params, require
from sim.analysis.clv.bgnbd import _check_rft
from sim.analysis.clv.histories import Histories, distinct_histories, levels

__all__ = ["ParetoNBDFit", "ParetoNBDLikelihood", "pareto_nbd_survival", "pareto_nbd_expected_unconditional",
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


def _log_a0_part(r, alpha, s, beta, x, t) -> np.ndarray:
    """One end of the integral in :func:`_log_a0`, at ``t`` (``t_x`` or ``T``): it depends on (x, t) alone."""
    m = r + s + x
    if alpha >= beta:
        b_arg, big = s + 1.0, alpha
    else:
        b_arg, big = r + x, beta
    gap = abs(alpha - beta)
    return np.log(hyp2f1(m, b_arg, m + 1.0, gap / (big + t))) - m * np.log(big + t)


def _a0_from_parts(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return first + np.log(-np.expm1(second - first))


def _log_a0(r, alpha, s, beta, x, t_x, T) -> np.ndarray:
    """log A0 of Fader & Hardie's note (2005, "A note on deriving the Pareto/NBD model and related
    expressions", eq. 19-20): the integral over dropout times between t_x and T."""
    return _a0_from_parts(_log_a0_part(r, alpha, s, beta, x, t_x), _log_a0_part(r, alpha, s, beta, x, T))


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


class ParetoNBDLikelihood:
    """Pareto/NBD log-likelihood of distinct histories, each costly term once per distinct value.

    Per history, the same numbers as :func:`pareto_nbd_log_likelihood` (the same operations on
    the same values), with the hypergeometric functions computed once per distinct (x, t) pair,
    t being t_x or T, the logarithms once per distinct T and the gamma functions once per x
    (:mod:`sim.analysis.clv.histories`).

    Parameters
    ----------
    histories : Histories
        Distinct ``(x, t_x, T)`` with counts.
    """

    def __init__(self, histories: Histories):
        self.histories = h = histories
        self._x, self._T = levels(h.x), levels(h.T)
        pairs = levels(np.r_[h.x, h.x], np.r_[h.t_x, h.T])  # one table for both ends of the integral
        self._pairs, self._at_t_x, self._at_T = pairs.values, pairs.index[:h.x.size], pairs.index[h.x.size:]
        self._can_leave = h.t_x < h.T

    def per_history(self, params: ParetoNBDFit | Sequence[float]) -> np.ndarray:
        """Each distinct history's log-likelihood (of one customer)."""
        r, alpha, s, beta = _params(params)
        h, ix, iT = self.histories, self._x.index, self._T.index
        ux, uT = self._x.values, self._T.values
        part = _log_a0_part(r, alpha, s, beta, *self._pairs)
        common = (gammaln(r + ux) - gammaln(r))[ix] + r * np.log(alpha) + s * np.log(beta)
        alive = -(r + h.x) * np.log(alpha + uT)[iT] - s * np.log(beta + uT)[iT]
        gone = np.log(s / (r + s + ux))[ix] + _a0_from_parts(part[self._at_t_x], part[self._at_T])
        return common + np.logaddexp(alive, np.where(self._can_leave, gone, -np.inf))

    def __call__(self, params: ParetoNBDFit | Sequence[float]) -> float:
        """The total log-likelihood: the count-weighted sum over histories."""
        return float(self.histories.counts @ self.per_history(params))


def fit_pareto_nbd(x: npt.ArrayLike, t_x: npt.ArrayLike, T: npt.ArrayLike,
                   counts: npt.ArrayLike | None = None) -> ParetoNBDFit:
    """Fit the Pareto/NBD model by maximum likelihood (L-BFGS-B over log-parameters, several starts).

    The likelihood is computed on the distinct histories (:class:`ParetoNBDLikelihood`); a
    history given with count k (``counts``, positive, one each by default) fits exactly as k
    customers with that history.

    On the CDNOW sample (39-week calibration, weeks) this gives the published r = 0.553,
    alpha = 10.578, s = 0.606, beta = 11.669, log-likelihood -9595.0 (Fader, Hardie & Lee 2005).
    """
    x, t_x, T = (v.ravel() for v in _check_rft(x, t_x, T))
    require(x.size > 0, "need at least one customer")
    h = distinct_histories(x, t_x, T, counts=check_counts(counts, x.size))
    n = h.customers
    mean_rate = max(float(h.counts @ h.x), 1.0) / max(float(h.counts @ h.T), 1e-12)
    mean_T = float(h.counts @ h.T) / n
    starts = [np.zeros(4), np.log([1.0, 1.0 / mean_rate, 1.0, mean_T]), np.log([0.5, 0.5 / mean_rate, 0.5, mean_T])]
    likelihood = ParetoNBDLikelihood(h)

    def negative_ll(log_params: np.ndarray) -> float:
        value = -likelihood(np.exp(log_params)) / n
        return value if np.isfinite(value) else np.inf

    best = minimise(negative_ll, starts)
    r, alpha, s, beta = np.exp(best.x)
    return ParetoNBDFit(float(r), float(alpha), float(s), float(beta), float(-best.fun * n), int(round(n)))


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
