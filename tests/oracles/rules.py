"""Numpy oracles of the behaviour rules (``sim/behaviour``), vectorised over customers.

These are the rules as the engine stated them in numpy before they were compiled: each compiled
rule, applied by its kernel, must give these numbers bit for bit.
"""

from __future__ import annotations

import numpy as np

from tests.oracles.numerics import exp_numpy, log_numpy


def price_multiplier(price_ratio: float, price_sensitivity: np.ndarray) -> np.ndarray:
    """Demand multiplier ``price_ratio ** -price_sensitivity`` (constant elasticity).

    Parameters
    ----------
    price_ratio : float
        Price paid over the market reference price.
    price_sensitivity : ndarray
        Each customer's price elasticity (>= 0).
    """
    return exp_numpy(-np.log(price_ratio) * price_sensitivity)


def purchase_rate(
    base_rate: np.ndarray,
    satisfaction: np.ndarray,
    price_mult: np.ndarray,
    satisfaction_neutral: float,
    satisfaction_effect: float,
    extra_mult: np.ndarray | float = 1.0,
) -> np.ndarray:
    """Expected purchase occasions per week.

    ``base_rate * exp(effect * (satisfaction - neutral)) * price_mult * extra_mult``: satisfied
    customers buy more often (Anderson & Sullivan 1993), price works through the elasticity, and
    strategies (loyalty schemes) contribute ``extra_mult``.
    """
    rate = base_rate * exp_numpy(satisfaction_effect * (satisfaction - satisfaction_neutral))
    rate *= price_mult
    rate *= extra_mult
    return rate


def basket_units(count: np.ndarray, basket_mean: np.ndarray, sigma: float, z: np.ndarray) -> np.ndarray:
    """Units bought in a week by customers with ``count`` occasions.

    A mean-one log-normal shock ``exp(sigma z - sigma^2 / 2)`` scales the customer's mean basket.
    """
    return count * basket_mean * exp_numpy(sigma * z - 0.5 * sigma * sigma)


def conversion_probability(conversion_rate: float, price_mult: np.ndarray) -> np.ndarray:
    """Probability per week that an aware prospect becomes a customer (clipped to [0, 1])."""
    return np.minimum(conversion_rate * price_mult, 1.0)


def satisfaction_factor(satisfaction: np.ndarray, neutral: float, satisfaction_effect: float) -> np.ndarray:
    """``exp(-effect * (satisfaction - neutral))``: how satisfaction scales the churn hazard."""
    x = satisfaction - neutral
    if np.ndim(x) == 0:
        return exp_numpy(x * -satisfaction_effect)
    x *= -satisfaction_effect  # a fresh array
    return exp_numpy(x)


def churn_probability(
    satisfaction: np.ndarray,
    lapsing: np.ndarray,
    base_rate: float,
    neutral: float,
    satisfaction_effect: float,
    lapsing_multiplier: float,
) -> np.ndarray:
    """Churn probability this week, in [0, 1].

    ``base_rate * exp(-effect * (satisfaction - neutral))``, times ``lapsing_multiplier`` for
    lapsing customers, capped at 1.
    """
    p = satisfaction_factor(satisfaction, neutral, satisfaction_effect)
    p *= base_rate
    lapsing = np.asarray(lapsing)
    if lapsing.dtype == np.bool_:
        # A factor looked up by the mask, not np.where: lapsing rows are scattered, and a
        # branch per row mispredicted costs several times the multiplication (x 1.0 is exact).
        p *= np.array([1.0, lapsing_multiplier])[lapsing.view(np.uint8)]
    else:
        p = np.where(lapsing, p * lapsing_multiplier, p)
    return np.minimum(p, 1.0, out=p)


def experienced_value(
    quality_sensitivity: np.ndarray,
    product_quality: float,
    service_quality: np.ndarray,
    price_sensitivity: np.ndarray,
    price_ratio: float,
) -> np.ndarray:
    """Customer value of one purchase: quality (product and service) minus price.

    ``quality_sensitivity * (product + service) / 2 - price_sensitivity * (price_ratio - 1)``,
    on the 0-1 quality scale; a price at the reference costs nothing beyond it.
    """
    value = quality_sensitivity * 0.5 * (product_quality + service_quality)
    value -= price_sensitivity * (price_ratio - 1.0)
    return value


def prior_expectation(
    reference_value: float, review_weight: float, review_value: float, ad_lift: float, referred: np.ndarray
) -> np.ndarray:
    """Experienced value prospects expect of their first purchase.

    ``(1 - review_weight) * reference_value + review_weight * review_value``, plus ``ad_lift``
    for prospects who learned of the firm from its advertising rather than from a customer
    (``referred`` False): reviews pull expectations towards what customers actually get, the
    advertising promise lifts them (or lowers them, if negative).

    Parameters
    ----------
    reference_value : float
        The market's normal experienced value (``customers.reference_value``).
    review_weight : float
        Weight of reviews, in [0, 1].
    review_value : float
        Mean experienced value published by recent buyers.
    ad_lift : float
        Expected value added by the advertising promise (value units).
    referred : ndarray of bool
        Whether each prospect heard of the firm from a customer.

    Returns
    -------
    ndarray
        Each prospect's expectation (a fresh array, same length as ``referred``).
    """
    base = (1.0 - review_weight) * reference_value + review_weight * review_value
    return np.where(referred, base, base + ad_lift)


def update_satisfaction(
    satisfaction: np.ndarray,
    expectation: np.ndarray,
    value: np.ndarray,
    *,
    neutral: float,
    reference_value: float,
    value_weight: float,
    disconfirmation_weight: float,
    loss_aversion: float,
    memory: float,
    adaptation: float,
    price: np.ndarray | float = 0.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Satisfaction after one purchase each.

    ``price`` is the price part of each experienced value (``ps * (price_ratio - 1)``): the level
    term rewards the value without it, so price counts only through the surprise.

    Returns
    -------
    satisfaction, expectation, transaction : ndarray
        New cumulative satisfaction in [0, 1], new expectation, and the satisfaction with this
        transaction alone, in [0, 1] (fresh arrays; the inputs are not modified).
    """
    surprise = value - expectation
    felt = np.where(surprise >= 0.0, surprise, loss_aversion * surprise)
    transaction = neutral + value_weight * (value + price - reference_value) + disconfirmation_weight * felt
    np.clip(transaction, 0.0, 1.0, out=transaction)
    new_satisfaction = (1.0 - memory) * satisfaction + memory * transaction
    new_expectation = expectation + adaptation * surprise
    return new_satisfaction, new_expectation, transaction


def update_attachment(
    attachment: np.ndarray, transaction: np.ndarray, *, growth: float, threshold: float, neutral: float
) -> np.ndarray:
    """Emotional attachment after a purchase, in [0, 1].

    A delighting transaction (satisfaction above ``threshold``) closes ``growth`` of the distance
    to full attachment; a disappointing one (below ``neutral``) loses ``growth`` of the
    attachment; anything in between leaves it as it was. Returns a fresh array.
    """
    up = transaction > threshold
    down = transaction < neutral
    return np.where(up, attachment + growth * (1.0 - attachment),
                    np.where(down, attachment * (1.0 - growth), attachment))


def attachment_multiplier(attachment: np.ndarray, ratio: float) -> np.ndarray:
    """``1 + (ratio - 1) * attachment``: a fully attached customer does ``ratio`` times as much."""
    return 1.0 + (ratio - 1.0) * attachment


def churn_risk(seen_purchases: np.ndarray, tenure_weeks: np.ndarray, recency_weeks: np.ndarray,
               complaints: np.ndarray, prior_churn: float = 0.01, complaint_weight: float = 1.0) -> np.ndarray:
    """Posterior probability in [0, 1] that each customer has left (see the module docstring).

    Parameters
    ----------
    seen_purchases : ndarray
        Purchases the firm attributed to each customer.
    tenure_weeks : ndarray
        Weeks since acquisition.
    recency_weeks : ndarray
        Weeks since the firm last saw each customer buy.
    complaints : ndarray
        Complaints each customer made.
    prior_churn : float
        The firm's prior churn probability per week.
    complaint_weight : float
        Relative rise of the prior churn probability per complaint.
    """
    rate = (np.asarray(seen_purchases, dtype=np.float64) + 1.0) / (np.asarray(tenure_weeks, dtype=np.float64) + 2.0)
    r = np.maximum(np.asarray(recency_weeks, dtype=np.float64), 0.0)
    h = np.minimum(prior_churn * (1.0 + complaint_weight * np.asarray(complaints, dtype=np.float64)), 1.0)
    stay = exp_numpy(r * np.log1p(-np.minimum(h, 1.0 - 1e-12)))
    gone = 1.0 - stay
    alive_unseen = stay * exp_numpy(-rate * r)
    total = gone + alive_unseen
    return np.where(total > 0, gone / np.where(total > 0, total, 1.0), 0.0)


def firm_share(
    rivals,
    week: int,
    firm_quality: float,
    firm_price_ratio: np.ndarray | float,
    quality_sensitivity: np.ndarray,
    price_sensitivity: np.ndarray,
    reference_price: float,
    choice_sensitivity: float,
    inertia: float,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Choice probability of the firm, and of each active rival, per customer.

    Parameters
    ----------
    firm_quality : float
        Mean of the firm's product and service quality (0-1 scale).
    firm_price_ratio : float or ndarray
        The firm's price paid over the reference price, per customer or for all.
    quality_sensitivity, price_sensitivity : ndarray
        The customers' sensitivities.
    inertia : float
        Utility bonus of the firm (switching inertia of its own customers; 0 for prospects).

    Returns
    -------
    firm : ndarray
        The firm's share of each customer's purchase occasions.
    rivals : ndarray of shape (n_active, n_customers) or None
        Each active rival's share (None when no rival is active).
    """
    act = rivals.active(week)
    if act.size == 0:
        return np.ones(np.shape(quality_sensitivity)), None
    firm_u = choice_sensitivity * (quality_sensitivity * firm_quality
                                   - price_sensitivity * (np.asarray(firm_price_ratio) - 1.0)) + inertia
    rival_u = choice_sensitivity * (
        quality_sensitivity[None, :] * rivals.quality[act, None]
        - price_sensitivity[None, :] * (rivals.prices[act, week, None] / reference_price - 1.0)
    )
    top = np.maximum(firm_u, rival_u.max(axis=0))  # subtract the maximum for a stable softmax
    e_firm = exp_numpy(firm_u - top)
    e_rivals = exp_numpy(rival_u - top)
    total = e_firm + e_rivals.sum(axis=0)
    return e_firm / total, e_rivals / total


def churn_destination(u: np.ndarray, share: np.ndarray, rival_share: np.ndarray, active: np.ndarray) -> np.ndarray:
    """Where churners go: 0 leaves the category, k + 1 switches to rival k (see sim.behaviour.choice)."""
    dest = np.zeros(u.size, dtype=np.int8)
    cum = np.cumsum(rival_share, axis=0)  # shape (active rivals, churners)
    switched = u < 1.0 - share
    pick = (u[None, :] > cum).sum(axis=0)  # rival index whose cumulative share passes u
    dest[switched] = active[np.minimum(pick[switched], active.size - 1)] + 1
    return dest


def purchases_before_dropout(u: np.ndarray, p: np.ndarray, k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Repeat purchases made of ``k`` occasions when each is followed by dropout with probability
    ``p``, and whether she drops out, for uniforms ``u``: ``(min(k, J), J <= k)`` with J the
    smallest j such that ``u < 1 - (1 - p)^j``, compared on logarithms."""
    u, p, k = np.asarray(u, float), np.asarray(p, float), np.asarray(k, np.int64)
    active = (k > 0) & (p > 0.0)
    certain = active & (p >= 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_stay = np.log(1.0 - np.where(p < 1.0, p, 0.5))  # rows with p >= 1 are settled apart
        log_u = np.log(1.0 - u)
        survives = k * log_stay >= log_u
        j = np.where(survives, 1.0, log_u / np.where(log_stay < 0, log_stay, -1.0)).astype(np.int64) + 1
    made = np.where(~active, k, np.where(certain, 1, np.where(survives, k, np.clip(j, 1, k))))
    return made, active & (certain | ~survives)


def return_probability(q: np.ndarray, n: np.ndarray, habit: float) -> np.ndarray:
    """Probability of returning the ``n``-th order for first-order probabilities ``q``: odds times ``n ** habit``."""
    grown = q * exp_numpy(habit * log_numpy(n))
    return grown / (grown + (1.0 - q))
