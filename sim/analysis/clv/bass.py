"""Bass (1969) diffusion of a new product: adoption curve, density, peak, discrete steps, and its fit.

Time is in the caller's unit (years in the paper); ``p`` and ``q`` are rates per that unit.

Two discrete forms. :func:`bass_discrete` is Bass's own recursion, the form he estimated.
:func:`bass_held_hazard` is what a simulation does when every prospect still to adopt meets the
hazard ``p + q F`` of the start of the step, held over the step (the engine's week,
``experiment=classic_bass``); :func:`bass_held_hazard_sd` is the Monte-Carlo spread of such a
simulation around it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import gammaln

from sim.analysis.clv._common import minimise, require

__all__ = ["bass_cdf", "bass_pdf", "bass_peak_time", "bass_discrete", "bass_held_hazard", "bass_held_hazard_sd",
           "BassFit", "bass_log_likelihood", "fit_bass"]


def _check_bass(p: np.ndarray, q: np.ndarray) -> None:
    require(p > 0, "Bass coefficient of innovation p must be > 0")
    require(q >= 0, "Bass coefficient of imitation q must be >= 0")


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
    require(n_steps >= 0, "n_steps must be >= 0")
    require(dt > 0, "dt must be > 0")
    cdf = np.zeros(n_steps + 1)
    for k in range(n_steps):  # each step depends on the previous one: no closed vectorization
        cdf[k + 1] = cdf[k] + (p + q * cdf[k]) * (1.0 - cdf[k]) * dt
    return cdf


def _held_hazard_steps(n_steps: int, p: float, q: float, dt: float, start: float):
    """Each step's share at its start ``F_k``, adoption probability ``pi_k`` and slope ``G'(F_k)``
    of the one-step map ``G(F) = 1 - (1 - F) exp(-(p + q F) dt)``."""
    _check_bass(np.asarray(p), np.asarray(q))
    require(n_steps >= 0, "n_steps must be >= 0")
    require(dt > 0, "dt must be > 0")
    require(0.0 <= start < 1.0, "start must be in [0, 1)")
    share, adopt, slope = np.empty(n_steps + 1), np.empty(n_steps), np.empty(n_steps)
    share[0] = start
    for k in range(n_steps):  # each step depends on the previous one: a recursion in time
        stay = math.exp(-(p + q * share[k]) * dt)
        adopt[k] = 1.0 - stay
        slope[k] = stay * (1.0 + q * dt * (1.0 - share[k]))
        share[k + 1] = 1.0 - (1.0 - share[k]) * stay
    return share, adopt, slope


def bass_held_hazard(n_steps: int, p: float, q: float, dt: float = 1.0, start: float = 0.0) -> np.ndarray:
    """Expected adopted share when the Bass hazard of the start of each step is held over it.

    ``F_{k+1} = F_k + (1 - F_k) (1 - exp(-(p + q F_k) dt))``: each prospect still to adopt
    adopts in the step with the probability its constant hazard gives. It lags :func:`bass_cdf`,
    whose hazard grows within the step, by O(dt): at most 0.0033 for room air conditioners
    (p = 0.0104, q = 0.4186 per year) in weekly steps, dt = 1/52 year.

    Parameters
    ----------
    n_steps : int
        Number of steps, >= 0.
    p : float
        Coefficient of innovation, per unit of time, > 0.
    q : float
        Coefficient of imitation, per unit of time, >= 0.
    dt : float, default 1.0
        Step length in units of time, > 0.
    start : float, default 0.0
        Adopted share at time 0 (the firm's customers at launch over the market potential).

    Returns
    -------
    numpy.ndarray
        Length ``n_steps + 1``: expected adopted share at times 0, dt, 2 dt, ... (dimensionless).
    """
    return _held_hazard_steps(n_steps, p, q, dt, start)[0]


def bass_held_hazard_sd(n_steps: int, p: float, q: float, potential: int, dt: float = 1.0,
                        start: float = 0.0) -> np.ndarray:
    """Monte-Carlo standard deviation of a simulated adopted share under :func:`bass_held_hazard`.

    Linear-noise approximation: given ``F_k``, the adopters of step k are binomial among the
    ``potential (1 - F_k)`` still to adopt with probability ``pi_k = 1 - exp(-(p + q F_k) dt)``,
    and a deviation is carried into the next step with the slope
    ``G'(F_k) = exp(-(p + q F_k) dt) (1 + q dt (1 - F_k))`` of the one-step map. So
    ``V_{k+1} = G'(F_k)^2 V_k + (1 - F_k) pi_k (1 - pi_k)`` along the expected path, and the
    standard deviation is ``sqrt(V / potential)``. Imitation carries early luck forward, so this
    is larger than the binomial ``sqrt(F (1 - F) / potential)`` (about 3.5 times at the peak for
    room air conditioners).

    Parameters
    ----------
    n_steps : int
        Number of steps, >= 0.
    p, q : float
        Coefficients of innovation (> 0) and imitation (>= 0), per unit of time.
    potential : int
        Market potential (people), >= 1.
    dt : float, default 1.0
        Step length in units of time, > 0.
    start : float, default 0.0
        Adopted share at time 0, known without error.

    Returns
    -------
    numpy.ndarray
        Length ``n_steps + 1``: standard deviation of the adopted share at times 0, dt, 2 dt, ...
        (dimensionless; 0 at time 0).
    """
    require(potential >= 1, "potential must be >= 1")
    share, adopt, slope = _held_hazard_steps(n_steps, p, q, dt, start)
    variance = np.zeros(n_steps + 1)
    for k in range(n_steps):  # a recursion in time
        variance[k + 1] = slope[k] ** 2 * variance[k] + (1.0 - share[k]) * adopt[k] * (1.0 - adopt[k])
    return np.sqrt(variance / potential)


@dataclass(frozen=True)
class BassFit:
    """Maximum-likelihood Bass arrival curve (Schmittlein & Mahajan 1982).

    Attributes
    ----------
    p, q : float
        Coefficients of innovation and imitation, per period of the counts (per week for weekly
        first purchases).
    m : float
        Market potential: everyone who will ever adopt (customers), adopters so far included.
    log_likelihood : float
        Maximised log-likelihood (multinomial over the periods, plus those not adopted by the
        last one).
    """

    p: float
    q: float
    m: float
    log_likelihood: float


def bass_log_likelihood(counts: npt.ArrayLike, p: float, q: float, m: float) -> float:
    """Log-likelihood of adoption counts per period under the Bass model.

    Each of ``m`` eventual adopters adopts in period ``t`` (from ``t - 1`` to ``t``) with
    probability ``F(t) - F(t - 1)``; those not seen by the last period ``T`` have not adopted yet
    (probability ``1 - F(T)``): a multinomial (Schmittlein & Mahajan 1982).

    Parameters
    ----------
    counts : array_like
        New adopters in periods 1..T (customers per period).
    p, q : float
        Bass coefficients per period.
    m : float
        Market potential (customers), at least the adopters counted.

    Returns
    -------
    float
    """
    counts = np.asarray(counts, dtype=float)
    adopted = counts.sum()
    f = bass_cdf(np.arange(counts.size + 1), p, q)
    probs = np.diff(f)
    waiting = m - adopted
    if waiting < 0 or np.any(probs[counts > 0] <= 0):
        return -np.inf
    ll = float(np.sum(counts[counts > 0] * np.log(probs[counts > 0])))
    ll += waiting * float(np.log1p(-f[-1])) if waiting > 0 else 0.0
    return ll + float(gammaln(m + 1) - gammaln(waiting + 1) - np.sum(gammaln(counts + 1)))


def fit_bass(counts: npt.ArrayLike) -> BassFit:
    """Fit the Bass model to adoption counts per period by maximum likelihood.

    Searched over ``log p``, ``log q`` and ``log(m - adopters)`` from several starts.

    Parameters
    ----------
    counts : array_like
        New adopters in periods 1..T (customers per period), at least 3 periods and 1 adopter.

    Returns
    -------
    BassFit
    """
    counts = np.asarray(counts, dtype=float)
    require(counts.ndim == 1 and counts.size >= 3, "Bass fit needs counts for at least 3 periods")
    require(np.isfinite(counts) & (counts >= 0), "Bass counts must be finite and >= 0")
    adopted = counts.sum()
    require(adopted > 0, "Bass fit needs at least one adopter")

    def negative(v: np.ndarray) -> float:
        ll = bass_log_likelihood(counts, math.exp(v[0]), math.exp(v[1]), adopted + math.exp(v[2]))
        return -ll if np.isfinite(ll) else 1e300

    starts = [np.log([p0, q0, adopted * k]) for p0 in (1e-3, 1e-2) for q0 in (0.02, 0.2) for k in (0.5, 5.0)]
    best = minimise(negative, starts)
    p, q, waiting = np.exp(best.x)
    return BassFit(float(p), float(q), float(adopted + waiting), -float(best.fun))
