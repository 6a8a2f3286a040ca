"""Lapsing and churn: the hazard of leaving falls with satisfaction and rises while a customer lapses.

A customer who has not bought for ``lapse_weeks`` weeks is lapsing. Each week a current customer
leaves with probability

    min(base * exp(-effect * (s - neutral)) * (lapsing multiplier if lapsing), 1)

further multiplied (each product capped at 1) by loyalty schemes' switching costs, by the
share of the customer's purchases lost to rivals, by the customer's own propensity, and for a
while after a retention offer by the offer's relief. Emotional attachment fades a little every week.

Each rule is a compiled scalar (numba), inlined by the loops of :mod:`sim.kernels`.
"""

from __future__ import annotations

from sim.jit import njit

__all__ = ["churn_exponent", "churn_probability", "churn_multiplied", "offer_relief", "lapses", "faded_attachment"]

_rule = njit(cache=True, nogil=True, inline="always")


@_rule
def churn_exponent(sat_eff, neutral, effect):  # pragma: no cover - compiled
    """Log of satisfaction's multiplier on the churn hazard: ``-effect * (s - neutral)``."""
    return (sat_eff - neutral) * -effect


@_rule
def churn_probability(satisfaction_factor, base, lapse_factor):  # pragma: no cover - compiled
    """Churn probability this week: base rate times satisfaction's and lapsing's factors, capped at 1."""
    return min(satisfaction_factor * base * lapse_factor, 1.0)


@_rule
def churn_multiplied(p, multiplier):  # pragma: no cover - compiled
    """A churn probability times a strategy's multiplier, capped at 1."""
    return min(p * multiplier, 1.0)


@_rule
def offer_relief(weeks_since_offer, relief, relief_weeks):  # pragma: no cover - compiled
    """Multiplier of the churn hazard of a customer ``weeks_since_offer`` weeks after a retention
    offer: ``1 - relief`` for ``relief_weeks`` weeks (the week of the offer first), 1 after."""
    return 1.0 - relief if weeks_since_offer < relief_weeks else 1.0


@_rule
def lapses(last_purchase_week, threshold_week):  # pragma: no cover - compiled
    """Whether a customer whose last purchase was in ``last_purchase_week`` is lapsing.

    ``threshold_week`` is this week less ``customers.lapse_weeks``.
    """
    return last_purchase_week <= threshold_week


@_rule
def faded_attachment(attachment, keep):  # pragma: no cover - compiled
    """Attachment after a week's fading: times ``keep = 1 - attachment_decay`` (float32)."""
    return attachment * keep
