"""BG/NBD purchasing, Fader, Hardie & Lee (2005a), "Counting your customers the easy way: an
alternative to the Pareto/NBD model", Marketing Science 24(2).

Time is in the caller's unit (weeks on CDNOW); rates are per that unit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import betaln, expit, gammaln, hyp2f1

from sim.analysis.clv._common import check_counts, minimise, positive_params, require
from sim.analysis.clv.bgnbd_likelihood import BGNBDLikelihood
from sim.analysis.clv.histories import distinct_histories

__all__ = ["BGNBDFit", "BGNBDLikelihood", "bgnbd_log_likelihood", "fit_bgnbd", "bgnbd_expected_unconditional",
           "bgnbd_prob_alive", "bgnbd_expected_transactions", "sample_bgnbd", "bgnbd_prob_no_repeat",
           "bgnbd_survival", "bgnbd_prob_alive_each"]


@dataclass(frozen=True)
class BGNBDFit:
    """Maximum-likelihood BG/NBD fit.

    Attributes
    ----------
    r, alpha : float
        Shape and rate of the Gamma distribution of purchase rates (alpha in the time unit of
        the data, e.g. weeks).
    a, b : float
        Parameters of the Beta distribution of the drop-out probability after each purchase.
    log_likelihood : float
        Maximised total log-likelihood (natural log).
    n_customers : int
        Number of customers fitted.
    """

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    n_customers: int

    @property
    def params(self) -> tuple[float, float, float, float]:
        """(r, alpha, a, b), the form the other BG/NBD functions accept."""
        return (self.r, self.alpha, self.a, self.b)


def _bgnbd_params(params: BGNBDFit | Sequence[float]) -> tuple[float, float, float, float]:
    return positive_params(params, BGNBDFit, "BG/NBD parameters r, alpha, a, b")


def _check_rft(
    x: npt.ArrayLike, t_x: npt.ArrayLike, T: npt.ArrayLike
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x, t_x, T = np.broadcast_arrays(np.asarray(x, float), np.asarray(t_x, float), np.asarray(T, float))
    require(np.isfinite(x) & np.isfinite(t_x) & np.isfinite(T), "x, t_x and T must be finite")
    require((x >= 0) & (x == np.round(x)), "x (repeat transactions) must be a non-negative integer")
    require((t_x >= 0) & (t_x <= T), "need 0 <= t_x <= T")
    require((x > 0) | (t_x == 0), "t_x must be 0 when x = 0")
    return x, t_x, T


def bgnbd_log_likelihood(
    params: BGNBDFit | Sequence[float],
    x: npt.ArrayLike,
    t_x: npt.ArrayLike,
    T: npt.ArrayLike,
) -> np.ndarray:
    """Per-customer BG/NBD log-likelihood (Fader, Hardie & Lee 2005a).

    L = B(a, b+x)/B(a, b) * Gamma(r+x) alpha^r / (Gamma(r) (alpha+T)^(r+x))
        + [x > 0] B(a+1, b+x-1)/B(a, b) * Gamma(r+x) alpha^r / (Gamma(r) (alpha+t_x)^(r+x)).

    Parameters
    ----------
    params : BGNBDFit or sequence of 4 floats
        (r, alpha, a, b).
    x : array_like
        Repeat transactions in the calibration period (non-negative integers).
    t_x : array_like
        Time of the last repeat transaction, measured from the first purchase (0 if x = 0).
    T : array_like
        Time from the first purchase to the end of the calibration period, same unit as t_x.

    Returns
    -------
    numpy.ndarray
        Natural-log likelihood of each customer's (x, t_x, T).
    """
    r, alpha, a, b = _bgnbd_params(params)
    x, t_x, T = _check_rft(x, t_x, T)
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) - betaln(a, b)
    still_alive = betaln(a, b + x) - (r + x) * np.log(alpha + T)
    # x = 0 customers cannot have dropped out (drop-out only follows a purchase); the max()
    # keeps betaln's argument positive where the term is discarded anyway.
    dropped = np.where(
        x > 0,
        betaln(a + 1.0, b + np.maximum(x, 1.0) - 1.0) - (r + x) * np.log(alpha + t_x),
        -np.inf,
    )
    return common + np.logaddexp(still_alive, dropped)


def fit_bgnbd(
    x: npt.ArrayLike,
    t_x: npt.ArrayLike,
    T: npt.ArrayLike,
    initial: Sequence[float] | None = None,
    counts: npt.ArrayLike | None = None,
) -> BGNBDFit:
    """Fit the BG/NBD model by maximum likelihood.

    The total log-likelihood (:func:`bgnbd_log_likelihood` summed, computed on the distinct
    histories with its exact gradient by :class:`~sim.analysis.clv.bgnbd_likelihood.BGNBDLikelihood`)
    is maximised over the log-parameters with L-BFGS-B, from the default start (1, 1, 1, 1), from a start whose
    alpha matches the mean purchase rate, and from `initial` if given; the best optimum wins.

    On the CDNOW sample (39-week calibration, same-day purchases merged, weeks) this gives
    r = 0.2426, alpha = 4.4136, a = 0.7929, b = 2.4259, log-likelihood -9582.43, the published
    0.243, 4.414, 0.793, 2.426 and -9582.4, with T measured to the last calibration day (as
    :func:`sim.analysis.transactions.summarize_calibration` does; to the day after: -9589.9).

    Parameters
    ----------
    x : array_like
        Repeat transactions per customer in the calibration period.
    t_x : array_like
        Time of each customer's last repeat transaction since the first purchase (0 if x = 0).
    T : array_like
        Time from each customer's first purchase to the end of calibration, same unit as t_x.
    initial : sequence of 4 floats, optional
        Extra starting point (r, alpha, a, b).
    counts : array_like, optional
        Customers with each history (positive; one each by default): count k fits as k customers.

    Returns
    -------
    BGNBDFit
        Parameters on the time unit of the data (alpha is per unit of time).

    Raises
    ------
    ValueError
        If the data are inconsistent (negative or non-integer x, t_x outside [0, T], t_x > 0
        with x = 0, counts not positive) or empty.
    """
    x, t_x, T = (v.ravel() for v in _check_rft(x, t_x, T))
    require(x.size > 0, "need at least one customer")
    h = distinct_histories(x, t_x, T, counts=check_counts(counts, x.size))
    n = h.customers
    mean_rate = max(float(h.counts @ h.x), 1.0) / max(float(h.counts @ h.T), 1e-12)
    starts = [np.zeros(4), np.log([1.0, 1.0 / mean_rate, 1.0, 1.0])]
    if initial is not None:
        starts.append(np.log(_bgnbd_params(initial)))
    likelihood = BGNBDLikelihood(h)

    def negative_mean(log_params: np.ndarray) -> tuple[float, np.ndarray]:  # the mean: tolerances hold at any size
        total, gradient, _ = likelihood(np.exp(log_params))
        return (-total / n, -gradient / n) if np.isfinite(total) else (np.inf, np.zeros(4))

    best = minimise(negative_mean, starts, jac=True)
    r, alpha, a, b = np.exp(best.x)
    return BGNBDFit(float(r), float(alpha), float(a), float(b), float(-best.fun * n), int(round(n)))


def bgnbd_expected_unconditional(t: npt.ArrayLike, params: BGNBDFit | Sequence[float]) -> np.ndarray:
    """Expected repeat transactions of a new customer in (0, t], E[X(t)] (FHL 2005a, eq. 7).

    E[X(t)] = (a+b-1)/(a-1) * [1 - (alpha/(alpha+t))^r 2F1(r, b; a+b-1; t/(alpha+t))].

    Parameters
    ----------
    t : array_like
        Time since the first purchase, >= 0, in the unit alpha refers to.
    params : BGNBDFit or sequence of 4 floats
        (r, alpha, a, b); a must not equal 1 (the formula is 0/0 there).

    Returns
    -------
    numpy.ndarray
        Expected number of repeat transactions.
    """
    r, alpha, a, b = _bgnbd_params(params)
    require(a != 1, "the closed form is undefined at a = 1")
    t = np.asarray(t, float)
    require(t >= 0, "t must be >= 0")
    z = t / (alpha + t)
    return (a + b - 1.0) / (a - 1.0) * (1.0 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1.0, z))


def bgnbd_prob_no_repeat(t: npt.ArrayLike, params: BGNBDFit | Sequence[float]) -> np.ndarray:
    """Probability that a new customer makes no repeat purchase in (0, t], P(X(t) = 0) (FHL 2005a,
    eq. 8 at x = 0): ``(alpha / (alpha + t))^r``. Dropout follows a purchase, so only the rate matters.

    Parameters
    ----------
    t : array_like
        Time since the first purchase, >= 0, in the unit alpha refers to.
    params : BGNBDFit or sequence of 4 floats
        (r, alpha, a, b).

    Returns
    -------
    numpy.ndarray
        Probability in (0, 1].
    """
    r, alpha, _, _ = _bgnbd_params(params)
    t = np.asarray(t, float)
    require(t >= 0, "t must be >= 0")
    return (alpha / (alpha + t)) ** r


def bgnbd_survival(t: npt.ArrayLike, params: BGNBDFit | Sequence[float]) -> np.ndarray:
    """Probability that a new customer has not dropped out by t (unconditional P(alive at t)).

    Given her rate lambda and dropout probability p she is alive while her Poisson purchases
    stay below her geometric number of purchases until dropout, with probability
    ``sum_n P(N(t) = n) (1 - p)^n = exp(-lambda p t)``. Over lambda ~ Gamma(r, alpha) this is
    ``(1 + p t / alpha)^-r``, and over p ~ Beta(a, b) (Euler's integral, then Pfaff's
    transformation to an argument in [0, 1)):
    ``(alpha / (alpha + t))^r 2F1(r, b; a + b; t / (alpha + t))``.

    Parameters
    ----------
    t : array_like
        Time since the first purchase, >= 0, in the unit alpha refers to.
    params : BGNBDFit or sequence of 4 floats
        (r, alpha, a, b).

    Returns
    -------
    numpy.ndarray
        Probability in (0, 1].
    """
    r, alpha, a, b = _bgnbd_params(params)
    t = np.asarray(t, float)
    require(t >= 0, "t must be >= 0")
    return (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b, t / (alpha + t))


def bgnbd_prob_alive(
    params: BGNBDFit | Sequence[float],
    x: npt.ArrayLike,
    t_x: npt.ArrayLike,
    T: npt.ArrayLike,
) -> np.ndarray:
    """Probability that a customer is still active at T (FHL 2005a; their note "Computing P(alive)").

    P(alive | x, t_x, T) = 1 / (1 + [x > 0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)).

    Parameters
    ----------
    params : BGNBDFit or sequence of 4 floats
        (r, alpha, a, b).
    x, t_x, T : array_like
        Repeat transactions, time of the last one and length of the observation period, as in
        :func:`bgnbd_log_likelihood`.

    Returns
    -------
    numpy.ndarray
        Probability in (0, 1]; exactly 1 for x = 0, who cannot have dropped out.
    """
    r, alpha, a, b = _bgnbd_params(params)
    x, t_x, T = _check_rft(x, t_x, T)
    return bgnbd_prob_alive_each(r, alpha, a, b, x, t_x, T)


def bgnbd_prob_alive_each(r: float, alpha: npt.ArrayLike, a: float, b: float, x: np.ndarray, t_x: np.ndarray,
                          T: np.ndarray) -> np.ndarray:
    """:func:`bgnbd_prob_alive` with a Gamma rate ``alpha`` of each customer's own (per unit of
    time; a covariate model's ``alpha exp(-beta z)``), for checked histories x, t_x, T."""
    alpha = np.asarray(alpha, dtype=np.float64)
    # Work with the log-odds of having dropped out: the power overflows for frequent buyers.
    log_odds_dead = (
        np.log(a) - np.log(b + np.maximum(x, 1.0) - 1.0) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
    )
    return np.where(x > 0, expit(-log_odds_dead), 1.0)


def bgnbd_expected_transactions(
    t: npt.ArrayLike,
    params: BGNBDFit | Sequence[float],
    x: npt.ArrayLike,
    t_x: npt.ArrayLike,
    T: npt.ArrayLike,
) -> np.ndarray:
    """Expected transactions in (T, T+t] given the history, E[Y(t) | x, t_x, T] (FHL 2005a, eq. 10).

    E = (a+b+x-1)/(a-1) * [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; t/(alpha+T+t))]
        * P(alive | x, t_x, T).

    Parameters
    ----------
    t : array_like
        Length of the forecast period, >= 0, in the unit alpha refers to.
    params : BGNBDFit or sequence of 4 floats
        (r, alpha, a, b); a must not equal 1.
    x, t_x, T : array_like
        Calibration repeat transactions, time of the last one and calibration length per
        customer, as in :func:`bgnbd_log_likelihood`.

    Returns
    -------
    numpy.ndarray
        Expected number of transactions per customer in the next `t` units of time.
    """
    r, alpha, a, b = _bgnbd_params(params)
    require(a != 1, "the closed form is undefined at a = 1")
    t = np.asarray(t, float)
    require(t >= 0, "t must be >= 0")
    x, t_x, T = _check_rft(x, t_x, T)
    horizon_end = alpha + T + t
    bracket = 1.0 - ((alpha + T) / horizon_end) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1.0, t / horizon_end)
    return (a + b + x - 1.0) / (a - 1.0) * bracket * bgnbd_prob_alive((r, alpha, a, b), x, t_x, T)


def sample_bgnbd(
    n_customers: int,
    T: npt.ArrayLike,
    params: BGNBDFit | Sequence[float],
    rng: np.random.Generator | int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Simulate the calibration summary (x, t_x, T) of a BG/NBD customer base.

    Each customer makes a first purchase at time 0, then buys as a Poisson process with rate
    lambda ~ Gamma(r, rate alpha) and drops out right after each repeat purchase with
    probability p ~ Beta(a, b). Exact and vectorised: the number of repeat purchases before
    dropping out is Geometric(p), the number of Poisson events in (0, T] is Poisson(lambda T),
    and given n events the x-th event time is T times the x-th order statistic of n uniforms,
    which is Beta(x, n - x + 1).

    Parameters
    ----------
    n_customers : int
        Number of customers, >= 0.
    T : array_like
        Observation length per customer (scalar or shape ``(n_customers,)``), > 0, in the
        unit alpha refers to (weeks for the CDNOW parameters).
    params : BGNBDFit or sequence of 4 floats
        (r, alpha, a, b).
    rng : numpy.random.Generator, int or None
        Random generator or seed.

    Returns
    -------
    x : numpy.ndarray of int
        Repeat transactions in (0, T].
    t_x : numpy.ndarray of float
        Time of the last repeat transaction (0 if none).
    T : numpy.ndarray of float
        Observation length per customer.
    """
    r, alpha, a, b = _bgnbd_params(params)
    rng = np.random.default_rng(rng)
    require(n_customers >= 0, "n_customers must be >= 0")
    T = np.broadcast_to(np.asarray(T, float), (n_customers,)).copy()
    require(T > 0, "T must be > 0")
    rates = rng.gamma(shape=r, scale=1.0 / alpha, size=n_customers)
    # Beta draws can underflow to exactly 0 for tiny a; geometric() rejects p = 0.
    drop_prob = np.clip(rng.beta(a, b, size=n_customers), np.finfo(float).tiny, 1.0)
    purchases_until_drop = rng.geometric(drop_prob)
    events = rng.poisson(rates * T)
    x = np.minimum(events, purchases_until_drop)
    has_repeat = x > 0
    # Beta needs positive shapes; customers without repeats get t_x = 0 regardless of the draw.
    fraction = rng.beta(np.where(has_repeat, x, 1), np.where(has_repeat, events - x + 1, 1))
    t_x = np.where(has_repeat, T * fraction, 0.0)
    return x.astype(np.int64), t_x, T
