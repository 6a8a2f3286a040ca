"""Loyalty programmes: enrolment and membership costs, composed from one or more schemes.

A scheme is a class in this package registered in :data:`SCHEMES` under the name used in
``loyalty.schemes``. It implements the :class:`LoyaltyScheme` protocol; the programme calls each
active scheme in turn, so a hybrid is simply several names in the list. Schemes are looked up
only in this registry: a config can never name an arbitrary class.
"""

from __future__ import annotations

from sim.strategy.loyalty.base import LoyaltyProgramme, LoyaltyScheme, SchemeBase
from sim.strategy.loyalty.points import PointsScheme

__all__ = ["LoyaltyProgramme", "LoyaltyScheme", "SchemeBase", "SCHEMES", "build_programme"]

SCHEMES: dict[str, type] = {"points": PointsScheme}


def build_programme(cfg) -> LoyaltyProgramme:
    """The programme for ``cfg.loyalty`` (a :class:`~sim.config.LoyaltyConfig`)."""
    schemes = [SCHEMES[name](getattr(cfg, name)) for name in cfg.schemes]
    return LoyaltyProgramme(
        schemes=schemes,
        enrolment_prob=cfg.enrolment_prob,
        signup_offer_cost=cfg.signup_offer_cost,
        fixed_cost_per_week=cfg.fixed_cost_per_week,
        cost_per_member_week=cfg.cost_per_member_week,
    )
