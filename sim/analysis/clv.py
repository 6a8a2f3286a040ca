"""Closed forms and maximum-likelihood fits of the classical customer-base models.

The simulator is validated by configuring it as one of these models and checking that it
reproduces the published figures, so the formulas here are written straight from the papers:

* Bass (1969) diffusion of a new product.
* Shifted-beta-geometric (sBG) retention, Fader & Hardie (2007), "How to project customer
  retention", Journal of Interactive Marketing 21(1).
* Customer lifetime value with constant retention, Gupta & Lehmann (2003), "Customers as assets",
  Journal of Interactive Marketing 17(1).
* Markov-chain customer value, Pfeifer & Carraway (2000), "Modeling customer relationships as
  Markov chains", Journal of Interactive Marketing 14(2).
* BG/NBD purchasing, Fader, Hardie & Lee (2005a), "Counting your customers the easy way: an
  alternative to the Pareto/NBD model", Marketing Science 24(2).
* Gamma-Gamma spend, Fader, Hardie & Lee (2005b), "RFM and CLV: using iso-value curves for
  customer base analysis", Journal of Marketing Research 42(4), and Fader & Hardie (2013),
  "The Gamma-Gamma model of monetary value".

Time is in whatever unit the caller uses (years for Bass and sBG in the papers, weeks for
BG/NBD on CDNOW); rates are per that unit. Money is in the caller's currency.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import OptimizeResult, minimize
from scipy.special import betaln, expit, gammaln, hyp2f1

__all__ = [
    "BGNBDFit",
    "GammaGammaFit",
    "SBGFit",
    "bass_cdf",
    "bass_discrete",
    "bass_pdf",
    "bass_peak_time",
    "bgnbd_expected_transactions",
    "bgnbd_expected_unconditional",
    "bgnbd_log_likelihood",
    "bgnbd_prob_alive",
    "clv_constant_retention",
    "fit_bgnbd",
    "fit_gamma_gamma",
    "fit_sbg",
    "gamma_gamma_expected_spend",
    "gamma_gamma_log_likelihood",
    "markov_clv",
    "markov_transition_matrix",
    "retention_elasticity",
    "sample_bgnbd",
    "sbg_retention",
    "sbg_survival",
]

# Fits search over log-parameters in this box: it keeps exp() finite, and a parameter that ends on
# the edge (about 6e-6 or 1.6e5) signals a degenerate data set rather than an estimate.
_LOG_BOUND = 12.0


def _require(condition: object, message: str) -> None:
    """Raise ``ValueError(message)`` unless every element of `condition` is true."""
    if not np.all(condition):
        raise ValueError(message)


def _minimise(negative_ll: Callable[[np.ndarray], float], starts: Sequence[np.ndarray]) -> OptimizeResult:
    """Minimise over log-parameters from several starts, return the best finite optimum."""
    best = None
    for start in starts:
        bounds = [(-_LOG_BOUND, _LOG_BOUND)] * len(start)
        result = minimize(
            negative_ll, start, method="L-BFGS-B", bounds=bounds, options={"ftol": 1e-13, "gtol": 1e-9}
        )
        if np.isfinite(result.fun) and (best is None or result.fun < best.fun):
            best = result
    if best is None:
        raise RuntimeError("likelihood is not finite at any starting point")
    return best


# --------------------------------------------------------------------------------------------
# Bass diffusion
# --------------------------------------------------------------------------------------------


def _check_bass(p: np.ndarray, q: np.ndarray) -> None:
    _require(p > 0, "Bass coefficient of innovation p must be > 0")
    _require(q >= 0, "Bass coefficient of imitation q must be >= 0")


def bass_cdf(t: npt.ArrayLike, p: float, q: float) -> np.ndarray:
    """Cumulative fraction of the market that has adopted by time `t` (Bass 1969).

    F(t) = (1 - exp(-(p+q) t)) / (1 + (q/p) exp(-(p+q) t)).

    Parameters
    ----------
    t : array_like
        Time since launch, >= 0, in the unit the coefficients are expressed in (years in
        Bass 1969).
    p : float
        Coefficient of innovation, per unit of time, > 0.
    q : float
        Coefficient of imitation, per unit of time, >= 0.

    Returns
    -------
    numpy.ndarray
        F(t), dimensionless fraction of the market potential in [0, 1).
    """
    t, p, q = np.asarray(t, float), np.asarray(p, float), np.asarray(q, float)
    _check_bass(p, q)
    decay = np.exp(-(p + q) * t)
    return (1.0 - decay) / (1.0 + (q / p) * decay)


def bass_pdf(t: npt.ArrayLike, p: float, q: float) -> np.ndarray:
    """Adoption density f(t) = dF/dt of the Bass model.

    f(t) = ((p+q)^2 / p) exp(-(p+q) t) / (1 + (q/p) exp(-(p+q) t))^2.

    Parameters
    ----------
    t : array_like
        Time since launch, >= 0, in the unit of the coefficients.
    p : float
        Coefficient of innovation, per unit of time, > 0.
    q : float
        Coefficient of imitation, per unit of time, >= 0.

    Returns
    -------
    numpy.ndarray
        f(t), fraction of the market potential adopting per unit of time. Multiply by the
        market potential m for adopters per unit of time.
    """
    t, p, q = np.asarray(t, float), np.asarray(p, float), np.asarray(q, float)
    _check_bass(p, q)
    decay = np.exp(-(p + q) * t)
    return (p + q) ** 2 / p * decay / (1.0 + (q / p) * decay) ** 2


def bass_peak_time(p: float, q: float) -> np.ndarray:
    """Time at which Bass adoptions peak, t* = ln(q/p) / (p+q).

    Parameters
    ----------
    p : float
        Coefficient of innovation, per unit of time, > 0.
    q : float
        Coefficient of imitation, per unit of time, >= 0.

    Returns
    -------
    numpy.ndarray
        t*, in the unit of the coefficients. When q <= p the density only decreases after
        launch, so the peak over t >= 0 is at launch and 0 is returned.
    """
    p, q = np.asarray(p, float), np.asarray(q, float)
    _check_bass(p, q)
    with np.errstate(divide="ignore"):  # q = 0 gives log(0) = -inf, clipped to launch below
        return np.maximum(np.log(q / p) / (p + q), 0.0)


def bass_discrete(n_steps: int, p: float, q: float, dt: float = 1.0) -> np.ndarray:
    """Discrete-time Bass recursion F_{k+1} = F_k + (p + q F_k)(1 - F_k) dt.

    This is what an agent model that updates once per step produces; it converges to
    :func:`bass_cdf` as `dt` goes to 0 (the air-conditioner curve is up to 0.13 away with
    yearly steps), so compare an agent model with this recursion at its own step size.

    Parameters
    ----------
    n_steps : int
        Number of steps, >= 0.
    p : float
        Coefficient of innovation, per unit of time, > 0.
    q : float
        Coefficient of imitation, per unit of time, >= 0.
    dt : float, default 1.0
        Step length in units of time, > 0. Keep (p + q) dt <= 1 or the recursion overshoots 1.

    Returns
    -------
    numpy.ndarray
        Array of length ``n_steps + 1``: cumulative adopted fraction at times 0, dt, 2 dt, ...,
        starting at 0.
    """
    _check_bass(np.asarray(p), np.asarray(q))
    _require(n_steps >= 0, "n_steps must be >= 0")
    _require(dt > 0, "dt must be > 0")
    cdf = np.zeros(n_steps + 1)
    for k in range(n_steps):  # each step depends on the previous one: no closed vectorization
        cdf[k + 1] = cdf[k] + (p + q * cdf[k]) * (1.0 - cdf[k]) * dt
    return cdf


# --------------------------------------------------------------------------------------------
# Shifted-beta-geometric retention
# --------------------------------------------------------------------------------------------


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
    _require(alpha > 0, "sBG alpha must be > 0")
    _require(beta > 0, "sBG beta must be > 0")


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
    _require(t >= 0, "t must be >= 0")
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
    _require(t >= 1, "t must be >= 1")
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
    _require(counts.ndim == 1 and counts.size >= 2, "need counts for t = 0 and at least t = 1")
    _require(counts >= 0, "active counts must be >= 0")
    _require(counts[0] > 0, "n_0 must be > 0")
    _require(np.diff(counts) <= 0, "active counts must be non-increasing")
    lost = -np.diff(counts)
    periods = np.arange(1, counts.size)

    def negative_ll(log_params: np.ndarray) -> float:
        alpha, beta = np.exp(log_params)
        log_p_churn = betaln(alpha + 1.0, beta + periods - 1.0) - betaln(alpha, beta)
        log_survive = betaln(alpha, beta + periods[-1]) - betaln(alpha, beta)
        return -(np.sum(lost * log_p_churn) + counts[-1] * log_survive) / counts[0]

    best = _minimise(negative_ll, [np.zeros(2), np.array([-1.0, 1.0])])
    alpha, beta = np.exp(best.x)
    return SBGFit(float(alpha), float(beta), float(-best.fun * counts[0]), float(counts[0]))


# --------------------------------------------------------------------------------------------
# Constant-retention CLV and Markov-chain CLV
# --------------------------------------------------------------------------------------------


def clv_constant_retention(
    margin: npt.ArrayLike, retention: npt.ArrayLike, discount_rate: npt.ArrayLike
) -> np.ndarray:
    """Lifetime value with a constant margin and retention, m r / (1 + i - r).

    Gupta & Lehmann (2003): the first margin is earned one period after acquisition if the
    customer is retained, so the value is sum_{t>=1} m r^t / (1+i)^t. Acquisition cost is not
    subtracted.

    Parameters
    ----------
    margin : array_like
        Margin m per period, in currency units.
    retention : array_like
        Retention probability r per period, in [0, 1].
    discount_rate : array_like
        Discount rate i per period, > -1 and such that 1 + i > r.

    Returns
    -------
    numpy.ndarray
        Customer lifetime value, in currency units.
    """
    m, r, i = (np.asarray(v, float) for v in (margin, retention, discount_rate))
    _require((r >= 0) & (r <= 1), "retention must be in [0, 1]")
    _require(1 + i > r, "need 1 + discount_rate > retention for the sum to converge")
    return m * r / (1.0 + i - r)


def retention_elasticity(retention: npt.ArrayLike, discount_rate: npt.ArrayLike) -> np.ndarray:
    """Elasticity of :func:`clv_constant_retention` with respect to retention, (1+i)/(1+i-r).

    A 1 % rise in retention raises lifetime value by this many percent (about 5 % across the
    five firms of Gupta, Lehmann & Stuart 2004).

    Parameters
    ----------
    retention : array_like
        Retention probability r per period, in [0, 1].
    discount_rate : array_like
        Discount rate i per period, with 1 + i > r.

    Returns
    -------
    numpy.ndarray
        d ln CLV / d ln r, dimensionless.
    """
    r, i = np.asarray(retention, float), np.asarray(discount_rate, float)
    _require((r >= 0) & (r <= 1), "retention must be in [0, 1]")
    _require(1 + i > r, "need 1 + discount_rate > retention")
    return (1.0 + i) / (1.0 + i - r)


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
    _require(probs.ndim == 1 and probs.size >= 1, "purchase_probs must be a non-empty 1-d sequence")
    _require((probs >= 0) & (probs <= 1), "purchase probabilities must be in [0, 1]")
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
    _require(discount_rate > -1, "discount_rate must be > -1")
    rewards = np.zeros(matrix.shape[0])
    rewards[0] = reward
    return np.linalg.solve(np.eye(matrix.shape[0]) - matrix / (1.0 + discount_rate), rewards)


# --------------------------------------------------------------------------------------------
# BG/NBD
# --------------------------------------------------------------------------------------------


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
    r, alpha, a, b = params.params if isinstance(params, BGNBDFit) else params
    _require(np.array([r, alpha, a, b]) > 0, "BG/NBD parameters r, alpha, a, b must all be > 0")
    return float(r), float(alpha), float(a), float(b)


def _check_rft(
    x: npt.ArrayLike, t_x: npt.ArrayLike, T: npt.ArrayLike
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x, t_x, T = np.broadcast_arrays(np.asarray(x, float), np.asarray(t_x, float), np.asarray(T, float))
    _require(np.isfinite(x) & np.isfinite(t_x) & np.isfinite(T), "x, t_x and T must be finite")
    _require((x >= 0) & (x == np.round(x)), "x (repeat transactions) must be a non-negative integer")
    _require((t_x >= 0) & (t_x <= T), "need 0 <= t_x <= T")
    _require((x > 0) | (t_x == 0), "t_x must be 0 when x = 0")
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
) -> BGNBDFit:
    """Fit the BG/NBD model by maximum likelihood.

    The total log-likelihood (:func:`bgnbd_log_likelihood` summed) is maximised over the
    log-parameters with L-BFGS-B, from the default start (1, 1, 1, 1), from a start whose
    alpha matches the mean purchase rate, and from `initial` if given; the best optimum wins.

    On the CDNOW sample (39-week calibration, same-day purchases merged, weeks) this gives
    r = 0.2426, alpha = 4.4136, a = 0.7929, b = 2.4259, log-likelihood -9582.43, the published
    0.243, 4.414, 0.793, 2.426 and -9582.4. That needs T measured to the last calibration day
    (38.86 weeks for a first purchase on 1 January, as
    :func:`sim.analysis.transactions.summarize_calibration` does); measuring to the day after
    gives -9589.9 and a = 0.814, b = 2.477.

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

    Returns
    -------
    BGNBDFit
        Parameters on the time unit of the data (alpha is per unit of time).

    Raises
    ------
    ValueError
        If the data are inconsistent (negative or non-integer x, t_x outside [0, T], t_x > 0
        with x = 0) or empty.
    """
    x, t_x, T = (v.ravel() for v in _check_rft(x, t_x, T))
    _require(x.size > 0, "need at least one customer")
    mean_rate = max(x.sum(), 1.0) / max(T.sum(), 1e-12)
    starts = [np.zeros(4), np.log([1.0, 1.0 / mean_rate, 1.0, 1.0])]
    if initial is not None:
        starts.append(np.log(_bgnbd_params(initial)))

    def negative_ll(log_params: np.ndarray) -> float:
        # Mean rather than sum keeps the optimiser's tolerances independent of sample size.
        return -np.mean(bgnbd_log_likelihood(np.exp(log_params), x, t_x, T))

    best = _minimise(negative_ll, starts)
    r, alpha, a, b = np.exp(best.x)
    return BGNBDFit(float(r), float(alpha), float(a), float(b), float(-best.fun * x.size), int(x.size))


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
    _require(a != 1, "the closed form is undefined at a = 1")
    t = np.asarray(t, float)
    _require(t >= 0, "t must be >= 0")
    z = t / (alpha + t)
    return (a + b - 1.0) / (a - 1.0) * (1.0 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1.0, z))


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
    _require(a != 1, "the closed form is undefined at a = 1")
    t = np.asarray(t, float)
    _require(t >= 0, "t must be >= 0")
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
    _require(n_customers >= 0, "n_customers must be >= 0")
    T = np.broadcast_to(np.asarray(T, float), (n_customers,)).copy()
    _require(T > 0, "T must be > 0")
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


# --------------------------------------------------------------------------------------------
# Gamma-Gamma spend
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GammaGammaFit:
    """Maximum-likelihood Gamma-Gamma spend fit.

    Attributes
    ----------
    p : float
        Shape of the Gamma distribution of a transaction's value around the customer's mean.
    q, gamma : float
        Shape and rate of the Gamma distribution of the customers' transaction-scale parameter
        (gamma in currency units).
    log_likelihood : float
        Maximised total log-likelihood (natural log, densities in 1/currency).
    n_customers : int
        Number of customers fitted (those with at least one repeat transaction).
    """

    p: float
    q: float
    gamma: float
    log_likelihood: float
    n_customers: int

    @property
    def params(self) -> tuple[float, float, float]:
        """(p, q, gamma), the form the other Gamma-Gamma functions accept."""
        return (self.p, self.q, self.gamma)


def _gamma_gamma_params(params: GammaGammaFit | Sequence[float]) -> tuple[float, float, float]:
    p, q, gamma = params.params if isinstance(params, GammaGammaFit) else params
    _require(np.array([p, q, gamma]) > 0, "Gamma-Gamma parameters p, q, gamma must all be > 0")
    return float(p), float(q), float(gamma)


def _check_spend(frequency: npt.ArrayLike, mean_spend: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    x, m = np.broadcast_arrays(np.asarray(frequency, float), np.asarray(mean_spend, float))
    _require((x >= 1) & (x == np.round(x)), "frequency must be an integer >= 1 (customers with repeat purchases)")
    _require(np.isfinite(m) & (m > 0), "mean_spend must be finite and > 0")
    return x, m


def gamma_gamma_log_likelihood(
    params: GammaGammaFit | Sequence[float], frequency: npt.ArrayLike, mean_spend: npt.ArrayLike
) -> np.ndarray:
    """Per-customer Gamma-Gamma log-likelihood of the mean transaction value.

    Density of the mean m_x of x transactions (Fader & Hardie 2013):
    f(m_x) = Gamma(px+q)/(Gamma(px) Gamma(q)) * gamma^q m_x^(px-1) x^(px) / (gamma + m_x x)^(px+q).

    Parameters
    ----------
    params : GammaGammaFit or sequence of 3 floats
        (p, q, gamma).
    frequency : array_like
        Number of transactions averaged, integer >= 1.
    mean_spend : array_like
        Mean value of those transactions, > 0, in currency units.

    Returns
    -------
    numpy.ndarray
        Natural-log density of each customer's mean spend, in log(1/currency).
    """
    p, q, gamma = _gamma_gamma_params(params)
    x, m = _check_spend(frequency, mean_spend)
    return (
        gammaln(p * x + q)
        - gammaln(p * x)
        - gammaln(q)
        + q * np.log(gamma)
        + (p * x - 1.0) * np.log(m)
        + p * x * np.log(x)
        - (p * x + q) * np.log(gamma + m * x)
    )


def fit_gamma_gamma(frequency: npt.ArrayLike, mean_spend: npt.ArrayLike) -> GammaGammaFit:
    """Fit the Gamma-Gamma spend model by maximum likelihood.

    Only customers with at least one repeat transaction carry information; pass their number
    of repeat transactions and the mean value of those repeat transactions (the first
    purchase is excluded, as in Fader, Hardie & Lee 2005b).

    On the CDNOW sample this reproduces the published p = 6.25, q = 3.74, gamma = 15.44 when
    the repeat transactions are those of the 39-week calibration period (946 customers,
    same-day purchases merged and their amounts summed): 6.2496, 3.7442, 15.4435. The full
    78 weeks give a different fit (about 4.68, 4.19, 24.4).

    Parameters
    ----------
    frequency : array_like
        Repeat transactions per customer, integer >= 1.
    mean_spend : array_like
        Mean value of each customer's repeat transactions, > 0, in currency units.

    Returns
    -------
    GammaGammaFit

    Raises
    ------
    ValueError
        If a frequency is below 1 or a mean spend is not positive.
    """
    x, m = (v.ravel() for v in _check_spend(frequency, mean_spend))
    _require(x.size > 0, "need at least one customer")

    def negative_ll(log_params: np.ndarray) -> float:
        return -np.mean(gamma_gamma_log_likelihood(np.exp(log_params), x, m))

    # Second start puts the population mean spend gamma p / (q - 1) near the sample mean.
    starts = [np.zeros(3), np.log([1.0, 2.0, float(np.mean(m))])]
    best = _minimise(negative_ll, starts)
    p, q, gamma = np.exp(best.x)
    return GammaGammaFit(float(p), float(q), float(gamma), float(-best.fun * x.size), int(x.size))


def gamma_gamma_expected_spend(
    params: GammaGammaFit | Sequence[float], frequency: npt.ArrayLike, mean_spend: npt.ArrayLike
) -> np.ndarray:
    """Expected value of a customer's future transaction given x transactions averaging m_x.

    E[M | p, q, gamma, m_x, x] = p (gamma + m_x x) / (p x + q - 1)   (Fader & Hardie 2013),
    a weighted average of the population mean p gamma / (q - 1) and the customer's own mean.

    Parameters
    ----------
    params : GammaGammaFit or sequence of 3 floats
        (p, q, gamma), with q > 1 so that the population mean exists.
    frequency : array_like
        Number of observed repeat transactions, integer >= 1.
    mean_spend : array_like
        Their mean value, > 0, in currency units.

    Returns
    -------
    numpy.ndarray
        Expected spend per future transaction, in currency units.
    """
    p, q, gamma = _gamma_gamma_params(params)
    _require(q > 1, "q must be > 1 for the expected spend to exist")
    x, m = _check_spend(frequency, mean_spend)
    return p * (gamma + m * x) / (p * x + q - 1.0)
