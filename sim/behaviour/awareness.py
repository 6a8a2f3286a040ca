"""Awareness: prospects learn of the firm from advertising (innovation) and from customers who
talk about it (imitation), the two forces of the Bass (1969) diffusion model.

Under full mixing every prospect hears every promoter alike (:func:`awareness_hazard`); over a
contact network a prospect hears only its own contacts (:func:`sim.network.contact_exposure`).
These are market-level rules, evaluated once a week, so plain Python.
"""

from __future__ import annotations

import math

__all__ = ["advertising_hazard", "awareness_hazard"]


def advertising_hazard(budget: float, reach_max: float, reach_half_budget: float) -> float:
    """Awareness hazard per week from advertising, with diminishing returns in spend.

    The share of unaware prospects reached in a week is ``reach_max * B / (B + B_half)``
    (a saturating response curve); the hazard is ``-log(1 - reach)``.

    Parameters
    ----------
    budget : float
        Media spend this week (currency units).
    reach_max : float
        Largest weekly reach share at saturation, in [0, 1].
    reach_half_budget : float
        Spend per week that reaches half of ``reach_max`` (currency units).
    """
    reach = reach_max * budget / (budget + reach_half_budget) if budget > 0 else 0.0
    return -math.log1p(-min(reach, 1.0 - 1e-12))


def awareness_hazard(ad_hazard: float, word_of_mouth: float, promoters: float, potential: int) -> float:
    """Total awareness hazard per week for an unaware prospect under full mixing.

    ``ad_hazard + word_of_mouth * promoters / potential``: with ``ad_hazard`` the outside hazard
    (advertising plus ``market.innovation``) and ``promoters`` equal to the adopters this is the
    Bass hazard ``p + q F(t)`` per week.
    """
    return ad_hazard + word_of_mouth * promoters / potential
