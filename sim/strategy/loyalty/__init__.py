"""Loyalty programmes: enrolment and membership costs, composed from one or more schemes.

A scheme is a class registered in :data:`SCHEMES` (by :func:`register_scheme`) under the name
used in ``loyalty.schemes``. It implements the :class:`LoyaltyScheme` protocol and declares what
it adds to a run (population fields, ledger categories, stream draws, weekly columns; see
:mod:`sim.strategy.loyalty.base`); the programme calls each active scheme in turn, so a hybrid
is simply several names in the list. Schemes are looked up only in this registry: a config can
never name an arbitrary class. docs/loyalty.md explains each scheme and how to add one.
"""

from __future__ import annotations

import importlib
import pkgutil

from sim.config import validate_loyalty
from sim.strategy.loyalty.base import LoyaltyProgramme, LoyaltyScheme, SchemeBase
from sim.strategy.loyalty.charity import CharityScheme
from sim.strategy.loyalty.coalition import CoalitionScheme
from sim.strategy.loyalty.gamified import GamifiedScheme
from sim.strategy.loyalty.points import PointsScheme
from sim.strategy.loyalty.registry import SCHEMES, register_scheme
from sim.strategy.loyalty.tiers import TiersScheme

__all__ = [
    "LoyaltyProgramme",
    "LoyaltyScheme",
    "SchemeBase",
    "SCHEMES",
    "register_scheme",
    "build_programme",
    "PointsScheme",
    "TiersScheme",
    "GamifiedScheme",
    "CoalitionScheme",
    "CharityScheme",
]


# Every scheme module of this package registers its scheme when imported: adding a scheme is
# adding a module.
for _module in pkgutil.iter_modules(__path__):
    if _module.name not in ("base", "registry"):
        importlib.import_module(f"{__name__}.{_module.name}")


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
