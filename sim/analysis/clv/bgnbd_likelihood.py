"""The BG/NBD likelihood over distinct histories with their counts, and its exact gradient.

Fader, Hardie & Lee (2005a); the per-customer formula is :func:`sim.analysis.clv.bgnbd_log_likelihood`.
Each costly term is computed once per distinct value of what it depends on
(:mod:`sim.analysis.clv.histories`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.special import betaln, digamma, gammaln

from sim.analysis.clv.histories import Histories, levels

__all__ = ["BGNBDLikelihood"]


def _x_terms(r: float, a: float, b: float, x: np.ndarray) -> tuple[np.ndarray, ...]:
    """The terms of the BG/NBD likelihood that depend on x alone, and their derivatives.

    Returns, per value of ``x``: ``ln Gamma(r+x) - ln Gamma(r)`` and its derivative in r; the
    beta-function ratio of the still-active branch, ``ln B(a, b+x) - ln B(a, b)``, and its
    derivatives in a and b; the same three of the dropped-out branch, ``ln B(a+1, b+x-1) - ln
    B(a, b)`` (minus infinity and zeros at x = 0, which cannot have dropped out).
    """
    has = x > 0
    xm = np.maximum(x, 1.0)  # keeps the arguments positive where the dropped branch is discarded
    base, psi_ab, psi_abx = betaln(a, b), digamma(a + b), digamma(a + b + x)
    gamma_x = gammaln(r + x) - gammaln(r)
    d_gamma_r = digamma(r + x) - digamma(r)
    alive = betaln(a, b + x) - base
    alive_a = psi_ab - psi_abx
    alive_b = digamma(b + x) - psi_abx - digamma(b) + psi_ab
    dropped = np.where(has, betaln(a + 1.0, b + xm - 1.0) - base, -np.inf)
    dropped_a = np.where(has, digamma(a + 1.0) - psi_abx - digamma(a) + psi_ab, 0.0)
    dropped_b = np.where(has, digamma(b + xm - 1.0) - psi_abx - digamma(b) + psi_ab, 0.0)
    return gamma_x, d_gamma_r, alive, alive_a, alive_b, dropped, dropped_a, dropped_b


class BGNBDLikelihood:
    """Total BG/NBD log-likelihood of distinct histories weighted by their counts, with its gradient.

    The sum over customers of :func:`bgnbd_log_likelihood`, computed on
    :class:`~sim.analysis.clv.histories.Histories` with each costly term once per distinct value
    of what it depends on: ``x`` for the gamma and beta functions, ``T`` and ``t_x`` for the
    logarithms. With a Gamma rate per history (``alphas``) it is the likelihood of BG/NBD with a
    covariate on the purchase-rate scale (:mod:`sim.calibration.fit`).

    Parameters
    ----------
    histories : Histories
        Distinct ``(x, t_x, T)`` (and covariates) with counts.
    """

    def __init__(self, histories: Histories):
        self.histories = h = histories
        self._x, self._T, self._t = levels(h.x), levels(h.T), levels(h.t_x)
        self._x_counts = np.bincount(self._x.index, weights=h.counts, minlength=self._x.values.size)

    def _logs(self, alpha: float, times: np.ndarray, lv) -> tuple[np.ndarray, np.ndarray]:
        """``ln(alpha + t)`` and ``alpha / (alpha + t)`` per history, computed per distinct t."""
        return np.log(alpha + lv.values)[lv.index], (alpha / (alpha + lv.values))[lv.index]

    def __call__(self, params: Sequence[float],
                 alphas: np.ndarray | None = None) -> tuple[float, np.ndarray, np.ndarray]:
        """The total log-likelihood and its gradient.

        Parameters
        ----------
        params : sequence of 4 floats
            (r, alpha, a, b); alpha per unit of time, ignored when ``alphas`` is given.
        alphas : ndarray, optional
            Each history's own Gamma rate.

        Returns
        -------
        total : float
            Count-weighted sum of the log-likelihoods.
        gradient : ndarray
            Of ``total`` with respect to ``(ln r, ln alpha, ln a, ln b)``; with ``alphas``, the
            second entry is the sum over histories of the derivative in ``ln alphas``.
        by_log_alpha : ndarray
            Each history's count times the derivative of its log-likelihood in its ``ln alpha``.
        """
        r, alpha, a, b = (float(v) for v in params)
        h, xl, c = self.histories, self._x, self.histories.counts
        gamma_x, d_gamma_r, alive, alive_a, alive_b, dropped, dropped_a, dropped_b = _x_terms(r, a, b, xl.values)
        if alphas is None:
            log_alpha = np.log(alpha)
            (log_T, share_T), (log_t, share_t) = self._logs(alpha, h.T, self._T), self._logs(alpha, h.t_x, self._t)
            weighted_log_alpha = log_alpha * h.customers
        else:
            log_alpha = np.log(alphas)
            log_T, log_t = np.log(alphas + h.T), np.log(alphas + h.t_x)
            share_T, share_t = alphas / (alphas + h.T), alphas / (alphas + h.t_x)
            weighted_log_alpha = float(c @ log_alpha)
        rx = r + h.x
        branch_a = alive[xl.index] - rx * log_T
        branch_b = dropped[xl.index] - rx * log_t
        both = np.logaddexp(branch_a, branch_b)
        total = float(self._x_counts @ gamma_x + r * weighted_log_alpha + c @ both)
        c_a, c_b = c * np.exp(branch_a - both), c * np.exp(branch_b - both)  # weights of the two branches
        by_x_a, by_x_b = (np.bincount(xl.index, weights=w, minlength=xl.values.size) for w in (c_a, c_b))
        by_log_alpha = r * c - rx * (c_a * share_T + c_b * share_t)
        gradient = np.array([
            r * (self._x_counts @ d_gamma_r + weighted_log_alpha - c_a @ log_T - c_b @ log_t),
            by_log_alpha.sum(),
            a * (by_x_a @ alive_a + by_x_b @ dropped_a),
            b * (by_x_a @ alive_b + by_x_b @ dropped_b),
        ])
        return total, gradient, by_log_alpha
