"""Loyalty programmes: enrolment and membership costs, composed from one or more schemes.

A scheme is a class in this package registered in :data:`SCHEMES` under the name used in
``loyalty.schemes``. It implements the :class:`LoyaltyScheme` protocol; the programme calls each
active scheme in turn, so a hybrid is simply several names in the list. Schemes are looked up
only in this registry: a config can never name an arbitrary class. docs/loyalty.md explains
each scheme and how to add one.
"""

from __future__ import annotations

from sim.config import validate_loyalty
from sim.strategy.loyalty.base import LoyaltyProgramme, LoyaltyScheme, SchemeBase
from sim.strategy.loyalty.charity import CharityScheme
from sim.strategy.loyalty.coalition import CoalitionScheme
from sim.strategy.loyalty.gamified import GamifiedScheme
from sim.strategy.loyalty.points import PointsScheme
from sim.strategy.loyalty.tiers import TiersScheme

__all__ = [
    "LoyaltyProgramme",
    "LoyaltyScheme",
    "SchemeBase",
    "SCHEMES",
    "build_programme",
    "PointsScheme",
    "TiersScheme",
    "GamifiedScheme",
    "CoalitionScheme",
    "CharityScheme",
]

SCHEMES: dict[str, type[SchemeBase]] = {
    "points": PointsScheme,
    "tiers": TiersScheme,
    "gamified": GamifiedScheme,
    "coalition": CoalitionScheme,
    "charity": CharityScheme,
}


def build_programme(cfg) -> LoyaltyProgramme:
    """The programme for ``cfg`` (a :class:`~sim.config.LoyaltyConfig`).

    Checks the rules across loyalty fields first (:func:`~sim.config.validate_loyalty`).
    """
    validate_loyalty(cfg)
    return LoyaltyProgramme(
        schemes=[SCHEMES[name].from_config(cfg) for name in cfg.schemes],
        enrolment_prob=cfg.enrolment_prob,
        signup_offer_cost=cfg.signup_offer_cost,
        fixed_cost_per_week=cfg.fixed_cost_per_week,
        cost_per_member_week=cfg.cost_per_member_week,
        setup_cost=cfg.setup_cost,
    )
