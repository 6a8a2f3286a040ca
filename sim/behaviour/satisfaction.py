"""Satisfaction and expectations: expectation-disconfirmation with loss aversion.

A purchase delivers an experienced value. Transaction satisfaction rises with the value itself
(relative to a market reference) and with its surprise against the customer's expectation, where a
shortfall weighs ``loss_aversion`` times an equal surplus (Oliver 1980; Anderson & Sullivan 1993).
Cumulative satisfaction is an exponentially weighted memory of transactions, and expectations
adapt towards experience, so a lasting change of value is felt as a surprise at first and as a
level later.

What a customer expects at the first purchase comes from the market's norm, from other customers'
published reviews and from the firm's advertising promise (:func:`prior_expectation`); a
promise above what the firm delivers wins trials and then disappoints (Kopalle & Lehmann 2006).
"""

from __future__ import annotations

import numpy as np

__all__ = ["experienced_value", "prior_expectation", "update_satisfaction", "update_attachment", "attachment_multiplier"]


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
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Satisfaction after one purchase each.

    Returns
    -------
    satisfaction, expectation, transaction : ndarray
        New cumulative satisfaction in [0, 1], new expectation, and the satisfaction with this
        transaction alone, in [0, 1] (fresh arrays; the inputs are not modified).
    """
    surprise = value - expectation
    felt = np.where(surprise >= 0.0, surprise, loss_aversion * surprise)
    transaction = neutral + value_weight * (value - reference_value) + disconfirmation_weight * felt
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
    return np.where(up, attachment + growth * (1.0 - attachment), np.where(down, attachment * (1.0 - growth), attachment))


def attachment_multiplier(attachment: np.ndarray, ratio: float) -> np.ndarray:
    """``1 + (ratio - 1) * attachment``: a fully attached customer does ``ratio`` times as much."""
    return 1.0 + (ratio - 1.0) * attachment
