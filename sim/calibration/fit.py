"""Fitting purchase histories: sampling errors, and BG/NBD with a covariate on the purchase rate.

The covariate model is BG/NBD (Fader, Hardie & Lee 2005) in which the Gamma rate of a customer's
purchase rate depends on what she spent at her first purchase, ``alpha_i = alpha exp(-beta z_i)``
with ``z_i`` the centred log of (1 + first amount); ``beta = 0`` is plain BG/NBD. This is how
Fader & Hardie (2007, "Incorporating time-invariant covariates into the Pareto/NBD and BG/NBD
models") add customer traits; a customer's rate is then Gamma(r, alpha_i), so everything that
holds for BG/NBD holds customer by customer with her own alpha.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import betaln, gammaln, hyp2f1

from sim.analysis.clv import BGNBDFit, bgnbd_prob_alive_each, fit_bgnbd
from sim.analysis.clv._common import LOG_BOUND
from sim.analysis.clv.bgnbd import BGNBDLikelihood
from sim.analysis.clv.histories import Histories, distinct_histories, levels

__all__ = [
    "CovariateBGNBDFit",
    "covariate_log_likelihood",
    "CovariateLikelihood",
    "covariate_prob_alive",
    "covariate_expected_transactions",
    "fit_covariate_bgnbd",
    "log_parameter_covariance",
    "checked_covariance",
]


def log_parameter_covariance(total_log_likelihood: Callable[[np.ndarray], float], log_params: np.ndarray,
                             step: float = 1e-4) -> np.ndarray:
    """Asymptotic covariance of maximum-likelihood estimates: the inverse observed information.

    The Hessian of the total log-likelihood is taken by central differences at the optimum.

    Parameters
    ----------
    total_log_likelihood : callable
        Total log-likelihood as a function of the (log-)parameter vector.
    log_params : ndarray
        The maximum-likelihood estimate, in the same parametrisation.
    step : float
        Finite-difference step in that parametrisation.

    Returns
    -------
    ndarray
        Covariance matrix; the square roots of its diagonal are the standard errors.
    """
    centre = np.asarray(log_params, dtype=np.float64)
    k = centre.size
    eye = np.eye(k) * step
    hessian = np.empty((k, k))
    for i in range(k):  # over parameters, not customers
        for j in range(i, k):
            hessian[i, j] = hessian[j, i] = (
                total_log_likelihood(centre + eye[i] + eye[j]) - total_log_likelihood(centre + eye[i] - eye[j])
                - total_log_likelihood(centre - eye[i] + eye[j]) + total_log_likelihood(centre - eye[i] - eye[j])
            ) / (4 * step * step)
    return np.linalg.inv(-hessian)


def checked_covariance(total_log_likelihood: Callable[[np.ndarray], float],
                       log_params: np.ndarray) -> tuple[np.ndarray | None, str | None]:
    """:func:`log_parameter_covariance`, or None and the reason when the fit's curvature gives none.

    A fit at the edge of the parameter space (a log too small or too regular for some parameter)
    has a singular or indefinite information matrix: no sampling distribution to draw from.

    Returns
    -------
    covariance : ndarray or None
        Symmetric positive definite, with finite entries; None if there is none.
    reason : str or None
        Why there is none, for the report.
    """
    try:
        cov = log_parameter_covariance(total_log_likelihood, log_params)
    except np.linalg.LinAlgError:
        return None, "the information matrix is singular (a parameter is not identified by this log)"
    if not np.all(np.isfinite(cov)):
        return None, "the information matrix is not finite at the fit"
    cov = (cov + cov.T) / 2
    if np.linalg.eigvalsh(cov).min() <= 0:
        return None, "the information matrix is not positive definite (the fit is at the edge of the parameters)"
    return cov, None


@dataclass(frozen=True)
class CovariateBGNBDFit:
    """Maximum-likelihood fit of BG/NBD with a covariate on the purchase-rate scale.

    Attributes
    ----------
    r, alpha, a, b : float
        BG/NBD parameters at ``z = 0`` (alpha per week).
    beta : float
        Effect of the covariate: ``alpha_i = alpha exp(-beta z_i)``, so ``beta > 0`` means
        customers with larger ``z`` buy more often.
    log_likelihood : float
        Maximised total log-likelihood.
    covariance : ndarray
        Asymptotic covariance of ``(ln r, ln alpha, ln a, ln b, beta)``; zeros when it does not
        exist (then :attr:`covariance_note` says why).
    covariance_note : str or None
        Why there is no covariance, if there is none.
    """

    r: float
    alpha: float
    a: float
    b: float
    beta: float
    log_likelihood: float
    covariance: np.ndarray
    covariance_note: str | None = None

    @property
    def vector(self) -> np.ndarray:
        """``(ln r, ln alpha, ln a, ln b, beta)``, the parametrisation of :attr:`covariance`."""
        return np.array([np.log(self.r), np.log(self.alpha), np.log(self.a), np.log(self.b), self.beta])

    def alphas(self, z: np.ndarray) -> np.ndarray:
        """Each customer's Gamma rate, per week."""
        return self.alpha * np.exp(-self.beta * np.asarray(z, dtype=np.float64))


def _unpack(vector: np.ndarray, z: np.ndarray) -> tuple[float, np.ndarray, float, float]:
    r, alpha, a, b = np.exp(vector[:4])
    return r, alpha * np.exp(-vector[4] * z), a, b


def covariate_log_likelihood(vector: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray,
                             z: np.ndarray) -> np.ndarray:
    """Per-customer log-likelihood of the covariate BG/NBD model.

    The BG/NBD likelihood of Fader, Hardie & Lee (2005) with each customer's own alpha.

    Parameters
    ----------
    vector : ndarray
        ``(ln r, ln alpha, ln a, ln b, beta)``.
    x, t_x, T : ndarray
        Repeat purchases, time of the last (weeks since the first purchase), and time observed.
    z : ndarray
        Covariate per customer.

    Returns
    -------
    ndarray
        Natural-log likelihood per customer.
    """
    r, alpha, a, b = _unpack(vector, z)
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) - betaln(a, b)
    alive = betaln(a, b + x) - (r + x) * np.log(alpha + T)
    dropped = np.where(x > 0, betaln(a + 1.0, b + np.maximum(x, 1.0) - 1.0) - (r + x) * np.log(alpha + t_x), -np.inf)
    return common + np.logaddexp(alive, dropped)


def covariate_prob_alive(fit: CovariateBGNBDFit, x, t_x, T, z) -> np.ndarray:
    """Probability that each customer is still active at T (1 for x = 0), as in BG/NBD."""
    r, alpha, a, b = _unpack(fit.vector, np.asarray(z, dtype=np.float64))
    return bgnbd_prob_alive_each(r, alpha, a, b, np.asarray(x, dtype=np.float64), t_x, T)


def covariate_expected_transactions(t: float, fit: CovariateBGNBDFit, x, t_x, T, z) -> np.ndarray:
    """Expected purchases of each customer in (T, T + t], FHL (2005) eq. 10 with her own alpha.

    Parameters
    ----------
    t : float
        Length of the forecast period, weeks.
    fit : CovariateBGNBDFit
        The fitted model.
    x, t_x, T, z : ndarray
        Calibration history and covariate per customer.

    Returns
    -------
    ndarray
        Expected purchases per customer.
    """
    r, alpha, a, b = _unpack(fit.vector, np.asarray(z, dtype=np.float64))
    x = np.asarray(x, dtype=np.float64)
    end = alpha + T + t
    bracket = 1.0 - ((alpha + T) / end) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1.0, t / end)
    return (a + b + x - 1.0) / (a - 1.0) * bracket * covariate_prob_alive(fit, x, t_x, T, z)


class CovariateLikelihood:
    """Total log-likelihood of the covariate model over distinct histories, with its gradient.

    The sum over customers of :func:`covariate_log_likelihood`, computed by
    :class:`~sim.analysis.clv.BGNBDLikelihood` with each history's own alpha (each customer's
    exponential computed once per distinct covariate value).

    Parameters
    ----------
    histories : Histories
        Distinct ``(x, t_x, T, z)`` with counts; ``z`` is the first covariate.
    """

    def __init__(self, histories: Histories):
        self._bgnbd = BGNBDLikelihood(histories)
        self._z = levels(histories.covariates[0])
        self._zs = histories.covariates[0]

    def __call__(self, vector: np.ndarray) -> tuple[float, np.ndarray]:
        """The total and its gradient in ``(ln r, ln alpha, ln a, ln b, beta)``."""
        r, alpha, a, b = np.exp(vector[:4])
        alphas = (alpha * np.exp(-vector[4] * self._z.values))[self._z.index]
        total, gradient, by_log_alpha = self._bgnbd((r, alpha, a, b), alphas)
        # d ln alpha_i / d beta = -z_i
        return total, np.r_[gradient, -(by_log_alpha @ self._zs)]

    def total(self, vector: np.ndarray) -> float:
        """The total log-likelihood alone."""
        return self(vector)[0]


def _covariance(likelihood: CovariateLikelihood, vector: np.ndarray, free_beta: bool) -> tuple[np.ndarray, str | None]:
    """The covariance of a covariate fit (zeros without one) and why there is none, if there is none."""
    covariance = np.zeros((5, 5))
    edge = np.abs(vector[:4]) >= LOG_BOUND * (1 - 1e-9)
    if edge.any():
        # The maximum is on the search box, not inside it: the curvature there is no sampling distribution.
        names = [n for n, e in zip(("r", "alpha", "a", "b"), edge) if e]
        return covariance, (f"the fit is at the edge of the parameters ({', '.join(names)} at the search bound, "
                            f"exp(+-{LOG_BOUND:g})): the log does not identify them")
    if free_beta:
        cov5, note = checked_covariance(likelihood.total, vector)
        return (covariance if cov5 is None else cov5), note
    cov4, note = checked_covariance(lambda v: likelihood.total(np.r_[v, 0.0]), vector[:4])
    if cov4 is not None:
        covariance[:4, :4] = cov4
    return covariance, note


def fit_covariate_bgnbd(x, t_x, T, z, plain: BGNBDFit | None = None) -> CovariateBGNBDFit:
    """Fit BG/NBD with ``alpha_i = alpha exp(-beta z_i)`` by maximum likelihood.

    Starts from the plain BG/NBD fit with ``beta = 0`` (so the fit can only improve on it) and
    maximises with L-BFGS-B on the exact gradient (:class:`CovariateLikelihood`, over the
    distinct histories). With a constant covariate ``beta`` is fixed at 0.

    Parameters
    ----------
    x, t_x, T : array_like
        Repeat purchases, time of the last one and time observed per customer, weeks.
    z : array_like
        Covariate per customer (centred).
    plain : BGNBDFit, optional
        The plain BG/NBD fit of the same histories, if already made.

    Returns
    -------
    CovariateBGNBDFit
    """
    x, t_x, T, z = (np.asarray(v, dtype=np.float64) for v in (x, t_x, T, z))
    plain = fit_bgnbd(x, t_x, T) if plain is None else plain
    start = np.r_[np.log(plain.params), 0.0]
    likelihood = CovariateLikelihood(distinct_histories(x, t_x, T, z))
    n = x.size
    if np.ptp(z) == 0:
        vector = start
    else:
        def negative_mean(vector: np.ndarray) -> tuple[float, np.ndarray]:
            total, gradient = likelihood(vector)
            return (-total / n, -gradient / n) if np.isfinite(total) else (np.inf, np.zeros(5))

        bounds = [(-LOG_BOUND, LOG_BOUND)] * 4 + [(None, None)]
        found = minimize(negative_mean, start, method="L-BFGS-B", jac=True, bounds=bounds,
                         options={"ftol": 1e-13, "gtol": 1e-9, "maxiter": 20_000})
        vector = found.x if found.fun <= negative_mean(start)[0] else start
    covariance, note = _covariance(likelihood, vector, free_beta=bool(np.ptp(z) > 0))
    total = likelihood.total(vector)
    r, alpha, a, b = np.exp(vector[:4])
    return CovariateBGNBDFit(float(r), float(alpha), float(a), float(b), float(vector[4]), total, covariance, note)
