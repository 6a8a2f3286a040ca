"""Service encounters and satisfaction: expectation-disconfirmation with loss aversion.

A purchase (or a support contact) is a service encounter. It delivers an experienced value,
quality (product and service) minus price. Transaction satisfaction rises with the value itself
(relative to a market reference) and with its surprise against the customer's expectation, where
a shortfall weighs ``loss_aversion`` times an equal surplus (Oliver 1980; Anderson & Sullivan
1993). Cumulative satisfaction is an exponentially weighted memory of transactions, and
expectations adapt towards experience, so a lasting change of value is felt as a surprise at
first and as a level later. A first failure handled well leaves the customer more satisfied
than before (the recovery paradox). A delighting transaction builds emotional attachment, a
disappointing one erodes it.

What a customer expects at the first purchase comes from the market's norm, from other customers'
published reviews and from the firm's advertising promise (:func:`prior_expectation`); a promise
above what the firm delivers wins trials and then disappoints (Kopalle & Lehmann 2006).

Each rule is a compiled scalar (numba), inlined by the loops of :mod:`sim.kernels`; the
encounter's parameters travel as one :class:`EncounterParams` tuple. One encounter applies them
in this order (:func:`sim.kernels.service.encounter`): experienced value, transaction
satisfaction (with loss aversion, buffered by attachment), the recovery paradox, cumulative
satisfaction and expectation, failures met, attachment.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sim.jit import njit

__all__ = [
    "EncounterParams", "experienced_value", "price_cost", "felt_loss_aversion", "transaction_satisfaction",
    "recovered_transaction", "cumulative_satisfaction", "adapted_expectation", "failures_after", "attachment_after",
    "expectation_base", "prior_expectation", "satisfaction_after_offer",
]

_rule = njit(cache=True, nogil=True, inline="always")


class EncounterParams(NamedTuple):
    """The satisfaction kernel's parameters (``customers.*``; ``recovery_transaction`` derived)."""

    neutral: float
    reference_value: float
    value_weight: float
    disconfirmation_weight: float
    loss_aversion: float
    memory: float
    adaptation: float
    recovery_transaction: float  # min(1, neutral + recovery_gain)
    attachment_growth: float
    attachment_threshold: float
    attachment_loss_buffer: float = 0.0

    @classmethod
    def from_config(cls, c) -> EncounterParams:
        """From a ``CustomersConfig``."""
        return cls(float(c.satisfaction_neutral), float(c.reference_value), float(c.value_weight),
                   float(c.disconfirmation_weight), float(c.loss_aversion), float(c.satisfaction_memory),
                   float(c.expectation_adaptation), float(min(1.0, c.satisfaction_neutral + c.recovery_gain)),
                   float(c.attachment_growth), float(c.attachment_threshold), float(c.attachment_loss_buffer))


@_rule
def experienced_value(quality_sensitivity, product_quality, service_quality, price_sensitivity,
                      price_ratio):  # pragma: no cover - compiled
    """Customer value of one encounter: quality (product and service) minus price.

    ``qs * (product + service) / 2 - ps * (price_ratio - 1)`` on the 0-1 quality scale; a price
    at the reference costs nothing beyond it. ``qs / 2`` is taken in the sensitivities' float32.
    """
    value = np.float64(quality_sensitivity * np.float32(0.5)) * (product_quality + service_quality)
    return value - price_cost(price_sensitivity, price_ratio)


@_rule
def felt_loss_aversion(attachment, p):  # pragma: no cover - compiled
    """Loss aversion felt by a customer of ``attachment``: attachment buffers disappointment.

    ``1 + (loss_aversion - 1) * (1 - attachment_loss_buffer * a)``: committed customers discount
    a shortfall (Ahluwalia, Burnkrant & Unnava 2000). Exactly ``loss_aversion`` without a buffer.
    """
    return 1.0 + (p.loss_aversion - 1.0) * (1.0 - p.attachment_loss_buffer * attachment)


@_rule
def price_cost(price_sensitivity, price_ratio):  # pragma: no cover - compiled
    """The price part of experienced value: ``ps * (price_ratio - 1)``, 0 at the reference price."""
    return np.float64(price_sensitivity) * (price_ratio - 1.0)


@_rule
def transaction_satisfaction(value, price, expectation, attachment, p):  # pragma: no cover - compiled
    """Satisfaction with one transaction, in [0, 1], and its surprise ``value - expectation``.

    ``value`` is the experienced value and ``price`` its price part (:func:`price_cost`). The
    level term rewards quality above the market's reference (``value + price``); price counts only
    through the surprise against expectation, which adapts. A standing price level already acts on
    the purchase rate and on conversion through the customer's price elasticity; counted in the
    level as well it would act a second time on every satisfaction-driven behaviour (churn, word
    of mouth, attachment), which made the realised price elasticity several times the parameter.
    """
    surprise = value - expectation
    lossy = felt_loss_aversion(attachment, p) * surprise
    felt = surprise if surprise >= 0.0 else lossy
    t = p.neutral + p.value_weight * (value + price - p.reference_value) + p.disconfirmation_weight * felt
    return min(max(t, 0.0), 1.0), surprise


@_rule
def attachment_after(attachment, transaction, p, shrink_if):  # pragma: no cover - compiled
    """Emotional attachment after a transaction, in [0, 1].

    A delighting transaction (above ``attachment_threshold``) closes ``attachment_growth`` of
    the distance to full attachment; a disappointing one (below ``neutral``) loses that share of
    it; anything in between leaves it. ``shrink_if`` is ``[1, 1 - growth]``: factors by 0/1 flag
    instead of branches, which compiled to mispredicted ones (x + 0 and x * 1 are x).
    """
    grow = transaction > p.attachment_threshold
    fade = (transaction < p.neutral) & (transaction <= p.attachment_threshold)
    a = np.float64(attachment)
    return (a + p.attachment_growth * (1.0 - a) * grow) * shrink_if[np.uint64(fade)]


@_rule
def recovered_transaction(transaction, recovered, failures_before, p):  # pragma: no cover - compiled
    """The recovery paradox: a first failure (``failures_before == 0``) whose complaint was handled
    well gives the transaction satisfaction ``recovery_transaction``, whatever the value."""
    return p.recovery_transaction if recovered & (failures_before == 0) else transaction


@_rule
def cumulative_satisfaction(satisfaction, transaction, p):  # pragma: no cover - compiled
    """Satisfaction after a transaction: an exponentially weighted memory of transactions (float32)."""
    return np.float32((1.0 - p.memory) * np.float64(satisfaction) + p.memory * transaction)


@_rule
def adapted_expectation(expectation, surprise, p):  # pragma: no cover - compiled
    """Expectation after a transaction: it closes ``adaptation`` of its gap to experience (float32)."""
    return np.float32(np.float64(expectation) + p.adaptation * surprise)


@_rule
def failures_after(failures, failed):  # pragma: no cover - compiled
    """Service failures met, one more if this encounter ``failed``, at most 127."""
    return failures + (failed & (failures < 127))


@_rule
def expectation_base(reference_value, review_weight, review_value):  # pragma: no cover - compiled
    """What prospects expect before advertising: the norm, pulled towards published reviews."""
    return (1.0 - review_weight) * reference_value + review_weight * review_value


@_rule
def prior_expectation(base, ad_lift, referred):  # pragma: no cover - compiled
    """A prospect's expectation of the first purchase: ``base``, plus the advertising promise
    ``ad_lift`` for those who learned of the firm from its advertising (not ``referred``)."""
    return base if referred else base + ad_lift


@_rule
def satisfaction_after_offer(satisfaction, gain):  # pragma: no cover - compiled
    """Satisfaction after a retention offer: raised by ``gain``, at most 1 (float32 operands)."""
    return min(satisfaction + gain, np.float32(1.0))
