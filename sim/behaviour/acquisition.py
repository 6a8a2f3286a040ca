"""Acquisition and win-back: whether an aware prospect buys for the first time, whether a lost
customer returns.

An aware prospect converts in a week with probability ``min(conversion_rate * m, 1)``, where
``m`` multiplies price's effect (the prospect's own elasticity), the firm's choice share among
rivals, the product's age, a referral's boost, the deterrence of detractors and, with reviews or
an advertising promise, what the prospect expects. A churned customer reached by a win-back offer
returns with a probability that falls with the time since her last purchase and depends on why she
left, as her satisfaction remembers it (:func:`winback_probability`): lost customers are the
easier to win back the sooner they are approached (Thomas, Blattberg & Fox 2004) and the less
dissatisfied they left (Kumar, Bhagwat & Zhang 2015).

Each rule is a compiled scalar (numba), inlined by the loops of :mod:`sim.kernels`.
"""

from __future__ import annotations

import numpy as np

from sim.jit import njit

__all__ = ["conversion_multiplier", "expectation_multiplier", "conversion_probability", "winback_probability"]

_rule = njit(cache=True, nogil=True, inline="always")


@_rule
def conversion_multiplier(price_factor, share, age, referral, deterrence):  # pragma: no cover - compiled
    """Price's multiplier (``exp`` of :func:`sim.behaviour.purchase.price_exponent`, the same constant
    elasticity as for purchases) times, in this order, the firm's choice ``share``, the product's
    ``age`` factor, the ``referral`` boost (1 for prospects who were not referred) and the
    ``deterrence`` of detractors."""
    return price_factor * share * age * referral * deterrence


@_rule
def expectation_multiplier(expectation, reference_value, effect):  # pragma: no cover - compiled
    """``exp(effect * (expectation - norm))``, the exponent capped at 50: expecting more, more try."""
    return np.exp(min(effect * (expectation - reference_value), 50.0))


@_rule
def conversion_probability(conversion_rate, multiplier):  # pragma: no cover - compiled
    """Probability this week that an aware prospect becomes a customer, at most 1."""
    return min(conversion_rate * multiplier, 1.0)


@_rule
def winback_probability(base, weeks_since_purchase, decay_weeks, satisfaction, neutral,
                        satisfaction_effect):  # pragma: no cover - compiled
    """Probability that a churned customer takes a win-back offer.

    ``base * exp(-weeks_since_purchase / decay_weeks) * exp(satisfaction_effect * (satisfaction
    - neutral))``, at most 1: ``base`` for a customer who just left at neutral satisfaction, less
    the longer ago she last bought (``decay_weeks``, weeks), and less if she left dissatisfied by
    the same log ratio per unit of satisfaction as churn rises (``customers.churn_satisfaction_effect``).
    """
    p = base * np.exp(-weeks_since_purchase / decay_weeks + satisfaction_effect * (satisfaction - neutral))
    return min(p, 1.0)
