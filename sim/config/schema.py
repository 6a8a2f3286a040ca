"""The root of a scenario: :class:`Config`, one field per config group, and the horizon.

Hydra registers :class:`Config` as ``base_config`` (``sim/config/store.py``) and composes the
YAML files under ``configs/`` on top of it; the field order here is the group order of the
composed config and of the run record.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.config.classic import ClassicConfig
from sim.config.customers import CustomersConfig
from sim.config.fields import Checked, _p
from sim.config.loyalty import LoyaltyConfig
from sim.config.market import MarketConfig
from sim.config.marketing import AcquisitionConfig, RetentionConfig, SegmentsConfig
from sim.config.output import OutputConfig
from sim.config.pricing import PricingConfig
from sim.config.product import ProductConfig
from sim.config.service import ServiceConfig

__all__ = ["Config", "HorizonConfig"]


@dataclass
class HorizonConfig(Checked):
    """How long the simulation runs."""

    weeks: int = _p(260, ge=1, le=5200)


@dataclass
class Config(Checked):
    """One scenario: a market, a firm's strategy, and how long and with which seed to run it.

    Attributes
    ----------
    seed : int
        The run's one seed: every random number is a function of it (common random numbers).
    label : str
        A business name for the scenario ("Points programme at premium prices"), shown by reports
        instead of its overrides; set in an experiment file or as ``label='...'``. It changes no
        number.
    firm : str
        Directory of a calibrated firm (``python -m sim.calibrate --out DIR``), empty for the
        invented default firm: its ``scenario.yaml`` holds the fitted and assumed values (applied
        before the command line's overrides, :func:`sim.scenario.firm_overrides`) and its
        ``customers.parquet`` the initial base, each customer drawn from her posterior.
    firm_parameter_draws : bool
        With a calibrated firm: each seed other than 0 draws the fitted parameters (Pareto/NBD r,
        alpha, s, beta; Gamma-Gamma p, q, gamma) from the asymptotic sampling distribution of
        their estimates, and its customers from their posterior under those parameters, so the
        spread across seeds includes parameter uncertainty. Seed 0 runs at the estimates. False:
        every seed runs at the estimates (process noise and the customers' posteriors only).
        No effect without ``firm``.
    """

    seed: int = _p(0, ge=0, le=2**63 - 1)  # the keyed streams take 63 bits
    label: str = ""
    horizon: HorizonConfig = field(default_factory=HorizonConfig)
    market: MarketConfig = field(default_factory=MarketConfig)
    customers: CustomersConfig = field(default_factory=CustomersConfig)
    product: ProductConfig = field(default_factory=ProductConfig)
    pricing: PricingConfig = field(default_factory=PricingConfig)
    service: ServiceConfig = field(default_factory=ServiceConfig)
    loyalty: LoyaltyConfig = field(default_factory=LoyaltyConfig)
    acquisition: AcquisitionConfig = field(default_factory=AcquisitionConfig)
    segments: SegmentsConfig = field(default_factory=SegmentsConfig)
    retention: RetentionConfig = field(default_factory=RetentionConfig)
    output: OutputConfig = field(default_factory=OutputConfig)
    classic: ClassicConfig = field(default_factory=ClassicConfig)
    firm: str = ""
    firm_parameter_draws: bool = True

