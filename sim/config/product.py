"""The firm's product: quality, costs, lifecycle stages and later generations.

Amounts are in currency units, weeks count from the start of the run, quality is on a 0-1 scale.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.config.fields import NONNEG, PROB, Checked, _p

__all__ = ["ProductConfig", "Generation"]


@dataclass
class ProductConfig(Checked):
    """The firm's product.

    Attributes
    ----------
    quality : float
        Product quality on a 0-1 scale.
    unit_cost : float
        Cost of goods per unit sold (currency units).
    fixed_cost_per_week : float
        Fixed operating cost per week (currency units), shared over active customers.
    launch_week : int
        Week the product launches; before it the product is in development (no sales).
    development_cost_per_week : float
        Cost per week of development until launch (currency units).
    initial_stage : str
        Lifecycle stage at launch (``introduction`` for a new product; the default scenario is an
        established product still growing).
    stage_window : int
        Weeks in the trailing mean of sales used to read the stage.
    takeoff_share : float
        Adopted share of the market potential that marks take-off (Rogers' innovators, 2.5 %).
    plateau_growth : float
        Annual sales growth at or below which the product is mature.
    decline_share : float
        Share of peak sales below which the product is in decline.
    introduction_marketing_multiplier : float
        Media spend multiplier while in introduction (heavy launch marketing).
    maturity_advertising_growth : float
        Yearly rise of the media spend needed in maturity, as competitors' advertising rises
        (share of the base budget per year in maturity).
    obsolescence_rate : float
        Yearly log-decline of the purchase and conversion rates with the age of the generation a
        customer has (technology moves on).
    generations : list of Generation
        Later generations of the product, in launch order.
    """

    name: str = "default"
    quality: float = _p(0.7, **PROB)
    unit_cost: float = _p(12.0, **NONNEG)
    fixed_cost_per_week: float = _p(5_000.0, **NONNEG)
    launch_week: int = _p(0, ge=0)
    development_cost_per_week: float = _p(0.0, **NONNEG)
    initial_stage: str = _p("growth", choices=("introduction", "growth", "maturity", "decline"))
    stage_window: int = _p(13, ge=1)
    takeoff_share: float = _p(0.025, **PROB)
    plateau_growth: float = _p(0.05, ge=-1.0)
    decline_share: float = _p(0.8, **PROB)
    introduction_marketing_multiplier: float = _p(2.0, ge=0.0)
    maturity_advertising_growth: float = _p(0.2, ge=0.0, prior=(0.0, 0.4), source=(
        "rivals' advertising rises in maturity: modelling choice, wide prior"))
    obsolescence_rate: float = _p(0.0, ge=0.0, prior=(0.0, 0.3), source=(
        "modelling choice, wide prior"))
    generations: list[Generation] = field(default_factory=list)


@dataclass
class Generation(Checked):
    """A new generation of the product, launched at ``launch_week``.

    From its launch, new customers get the new generation, and each week a share
    ``substitution_rate`` of the customers still on an older generation upgrade (Norton & Bass
    1987: successive generations substitute for earlier ones).

    Attributes
    ----------
    launch_week : int
        Week the generation launches.
    quality : float
        Product quality of the generation (0-1 scale).
    unit_cost : float
        Cost of goods per unit of the generation (currency units).
    substitution_rate : float
        Probability per week that a customer on an older generation upgrades.
    """

    launch_week: int = _p(52, ge=1)
    quality: float = _p(0.8, **PROB)
    unit_cost: float = _p(12.0, **NONNEG)
    substitution_rate: float = _p(0.05, **PROB)

