"""Scenario configuration: typed schemas, defaults, and validation at the boundary.

A scenario is described by plain dataclasses. Hydra composes the YAML files under ``configs/``
on top of these schemas (registered in its ConfigStore), so types are enforced while composing.
Ranges and cross-field rules are declared once, next to each field (``_p(...)`` metadata), and
checked in one place, :func:`validate`, which every entry point calls before any work starts.

Every amount is in currency units of the scenario, every rate is per week unless its name says
otherwise, and every probability is in [0, 1].

The package is the bottom layer of ``sim``: it imports nothing from ``sim`` but ``sim.errors``.
Its modules, each importing only those listed before it:

=============  ================================================================================
fields         ``_p`` (a field with its allowed range) and the common ranges
pricing        list price, changes, promotions, price matching
market         market potential, word of mouth, contact network kinds, competitors
customers      customer traits and baseline behaviour
product        product, lifecycle stages, generations
service        service level, outages, support contacts
marketing      acquisition, value segments and their treatments, targeted retention
output         what a run writes
loyalty        the loyalty programme and the parameters of each scheme
classic        the classical textbook models
schema         the root :class:`Config` and the horizon
priors         which parameters are assumptions: prior ranges and sources; the others by kind
ranges         checking every field against its range
rules          :func:`validate`: the ranges, then the rules across fields
store          :func:`register_configs` for Hydra
=============  ================================================================================

``sim/config/doc.py`` writes the parameter reference in docs/behaviour.md from these schemas.
Import the names below from ``sim.config`` itself; the module layout may change.
"""

from __future__ import annotations

from sim.config.classic import CLASSIC_MODELS, COHORT_MODELS, ClassicConfig
from sim.config.customers import CustomersConfig
from sim.config.loyalty import (
    LOYALTY_SCHEMES,
    PLUGIN_CONFIGS,
    SCHEME_NAMES,
    CharityConfig,
    CoalitionConfig,
    GamifiedConfig,
    LoyaltyConfig,
    PointsConfig,
    TiersConfig,
    register_plugin_config,
)
from sim.config.market import MAX_TIES, NETWORKS, SEEDINGS, Competitor, MarketConfig
from sim.config.marketing import (
    SEGMENT_NAMES,
    AcquisitionConfig,
    Campaign,
    RetentionConfig,
    SegmentsConfig,
    Treatment,
)
from sim.config.output import OutputConfig
from sim.config.pricing import PriceChange, PricingConfig, Promotion
from sim.config.product import Generation, ProductConfig
from sim.config.rules import plugin_settings, validate, validate_classic, validate_loyalty
from sim.config.schema import Config, HorizonConfig
from sim.config.service import Outage, ServiceConfig
from sim.config.store import register_configs
from sim.errors import ConfigError

__all__ = [
    "Config",
    "ConfigError",
    "validate",
    "register_configs",
    # groups of the root config, in its field order
    "HorizonConfig",
    "MarketConfig",
    "CustomersConfig",
    "ProductConfig",
    "PricingConfig",
    "ServiceConfig",
    "LoyaltyConfig",
    "AcquisitionConfig",
    "SegmentsConfig",
    "RetentionConfig",
    "OutputConfig",
    "ClassicConfig",
    # items of lists in the groups
    "Competitor",
    "PriceChange",
    "Generation",
    "Promotion",
    "Outage",
    "Campaign",
    "Treatment",
    # loyalty schemes
    "LOYALTY_SCHEMES",
    "PointsConfig",
    "TiersConfig",
    "GamifiedConfig",
    "CoalitionConfig",
    "CharityConfig",
    "validate_loyalty",
    "plugin_settings",
    "register_plugin_config",
    "SCHEME_NAMES",
    "PLUGIN_CONFIGS",
    # classical models
    "CLASSIC_MODELS",
    "COHORT_MODELS",
    "validate_classic",
    # allowed values
    "NETWORKS",
    "SEEDINGS",
    "MAX_TIES",
    "SEGMENT_NAMES",
]
