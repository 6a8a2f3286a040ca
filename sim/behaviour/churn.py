"""Lapsing and churn: the hazard of leaving falls with satisfaction and rises while a customer lapses.

A customer who has not bought for ``lapse_weeks`` weeks is lapsing. Each week a current customer
leaves with probability

    min(base * exp(-effect * (s - neutral)) * (lapsing multiplier if lapsing), 1)

further multiplied (each product capped at 1) by loyalty schemes' switching costs, by the
share of the customer's purchases lost to rivals, by the customer's own propensity, and for a
while after a retention offer by the offer's relief. With ``customers.churn_timing=at_purchase``
that probability applies after each repeat purchase instead of each week
(:func:`purchases_before_dropout`). Emotional attachment fades a little every week.

Each rule is a compiled scalar (numba), inlined by the loops of :mod:`sim.kernels`.
"""

from __future__ import annotations

import numpy as np

from sim.jit import njit
from sim.mathfn import log

__all__ = ["churn_exponent", "churn_probability", "churn_multiplied", "offer_relief", "lapses", "faded_attachment",
           "purchases_before_dropout"]

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


@_rule
def purchases_before_dropout(u, p, k):  # pragma: no cover - compiled
    """Repeat purchases made of ``k`` occasions when each is followed by dropout with probability
    ``p``, and whether she drops out: ``(min(k, J), J <= k)``.

    ``J``, the purchase after which she leaves, is geometric on 1, 2, ...: the smallest ``j``
    with ``u < 1 - (1 - p)^j`` for her uniform ``u``. So she leaves within the ``k`` occasions
    when ``u < 1 - (1 - p)^k`` (as :func:`sim.behaviour.events.happens` decides any event;
    ``u < p`` for one occasion), and the geometric is memoryless, so a fresh ``u`` each week
    gives the continuous-time process's weekly counts exactly. Logarithms compare, so no power
    underflows.
    """
    n = np.int64(k)
    if n <= 0 or p <= 0.0:
        return n, False
    if p >= 1.0:
        return np.int64(1), True
    log_stay = log(1.0 - p)  # < 0, or 0 when p is below the precision of 1 - p
    log_u = log(1.0 - u)  # <= 0
    if n * log_stay >= log_u:  # she survives all k
        return n, False
    j = np.int64(log_u / log_stay) + 1  # log_stay < 0 here, and the ratio below k
    return max(np.int64(1), min(j, n)), True
