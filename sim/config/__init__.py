"""Scenario configuration: typed schemas, defaults, and validation at the boundary.

A scenario is described by plain dataclasses. Hydra composes the YAML files under ``configs/``
on top of these schemas (registered in its ConfigStore), so types are enforced while composing.
Ranges and cross-field rules are declared once, next to each field (``_p(...)`` metadata), and
checked in one place, :func:`validate`, which every entry point calls before any work starts.

Every amount is in currency units of the scenario, every rate is per week unless its name says
otherwise, and every probability is in [0, 1].
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

from sim.errors import ConfigError
from sim.config_classic import CLASSIC_MODELS, ClassicConfig, validate_classic
from sim.config_loyalty import LOYALTY_SCHEMES, LoyaltyConfig, PointsConfig, validate_loyalty
from sim.network import MAX_TIES, NETWORKS, SEEDINGS
from sim.config.fields import NONNEG, POS, PROB, _p

__all__ = [
    "Config",
    "ConfigError",
    "Competitor",
    "Generation",
    "Promotion",
    "RetentionConfig",
    "Treatment",
    "validate",
    "register_configs",
    "LOYALTY_SCHEMES",
    "LoyaltyConfig",
    "PointsConfig",
    "CLASSIC_MODELS",
]





@dataclass
class HorizonConfig:
    """How long the simulation runs."""

    weeks: int = _p(260, ge=1, le=5200)


@dataclass
class MarketConfig:
    """The people who could ever become customers, and how news about the firm spreads.

    Attributes
    ----------
    potential : int
        Market potential: people who could ever buy, initial customers included (Bass ``m``).
    initially_aware : float
        Share of prospects who know the firm at week 0.
    word_of_mouth : float
        Awareness hazard per week that one promoter adds, scaled by ``1 / potential``
        (the Bass imitation coefficient ``q`` per week under full mixing).
    promoter_satisfaction : float
        Satisfaction above which an active customer spreads positive word of mouth.
    consideration_exit : float
        Probability per week that an aware prospect who has not bought stops considering the
        firm for good.
    discount_rate_annual : float
        Discount rate per year for NPV and customer lifetime value.
    detractor_satisfaction : float
        Satisfaction below which a customer speaks ill of the firm.
    detractor_effect : float
        Log conversion-rate ratio per unit share of detractors among customers: dissatisfied
        customers deter prospects.
    competitors : list of Competitor
        Rival firms the customers can buy from instead.
    network : str
        Who hears whom: ``full`` (full mixing, the Bass model: every promoter reaches every
        prospect alike), or word of mouth over a contact graph among all people in the market:
        ``random`` (Erdos-Renyi), ``small_world`` (Watts-Strogatz) or ``scale_free`` (Chung-Lu
        power-law degrees); see sim/network.py. Over a graph a prospect's word-of-mouth hazard is
        ``word_of_mouth x (promoter weight among its contacts) / mean degree`` per week.
    network_degree : float
        Mean contacts per person (people one talks to about purchases); must be < ``potential``.
        ``small_world`` rounds it to the nearest even number (at least 2).
    network_rewire : float
        Probability per lattice tie that its far end is moved to a random person
        (``small_world`` only): near 0 a clustered ring, 1 a random graph.
    network_exponent : float
        Power-law exponent of the degree distribution (``scale_free`` only), > 2.
    network_seeding : str
        Where the initial customers sit in the graph: ``random`` positions, or ``hubs`` (the
        best-connected people are the firm's initial customers).
    network_draw : int
        Which graph: another value draws another graph from the same seed, leaving every other
        random number of the run unchanged.
    review_weight : float
        Weight, in [0, 1], of published reviews in a prospect's expectation: a new customer
        expects ``(1 - w) x reference_value + w x`` the mean experienced value of last week's
        purchases (plus the advertising lift); 0 ignores reviews.
    """

    name: str = "default"
    potential: int = _p(300_000, ge=1, le=2_000_000_000)  # market ids are int32
    initially_aware: float = _p(0.05, **PROB)
    word_of_mouth: float = _p(0.08, **NONNEG)
    promoter_satisfaction: float = _p(0.6, **PROB)
    consideration_exit: float = _p(0.05, **PROB)
    discount_rate_annual: float = _p(0.10, ge=0.0, le=1.0)
    detractor_satisfaction: float = _p(0.4, **PROB)
    detractor_effect: float = _p(2.0, **NONNEG)
    competitors: list[Competitor] = field(default_factory=list)
    network: str = _p("full", choices=NETWORKS)
    network_degree: float = _p(10.0, gt=0.0)
    network_rewire: float = _p(0.1, **PROB)
    network_exponent: float = _p(2.5, gt=2.0, le=10.0)
    network_seeding: str = _p("random", choices=SEEDINGS)
    network_draw: int = _p(0, ge=0)
    review_weight: float = _p(0.0, **PROB)


@dataclass
class CustomersConfig:
    """Customer traits (heterogeneous, drawn at birth) and baseline behaviour.

    Attributes
    ----------
    initial : int
        Customers of the firm at week 0 (the retained base).
    purchase_rate_mean : float
        Mean purchase occasions per week across customers.
    purchase_rate_shape : float
        Gamma shape of purchase-rate heterogeneity (smaller: more unequal customers).
    service_demand_sigma : float
        Log-normal spread of how much service a customer needs (support, returns, advice): a
        mean-one multiplier on the customer's service costs. Unequal cost to serve is what bends
        the whale curve above 100 % (Kaplan & Cooper 1998).
    basket_units_mean : float
        Mean units per purchase occasion.
    basket_sigma : float
        Log-normal spread of units per occasion, within and across customers.
    price_sensitivity_mean, price_sensitivity_sd : float
        Price elasticity of the purchase rate (normal across customers, floored at 0).
    quality_sensitivity_mean, quality_sensitivity_sd : float
        Weight of quality in experienced value (normal across customers, floored at 0).
    conversion_rate : float
        Probability per week that an aware prospect at the reference price becomes a customer.
    lapse_weeks : int
        Weeks without a purchase after which an active customer is lapsing.
    churn_rate : float
        Churn probability per week of a customer at neutral satisfaction.
    churn_satisfaction_effect : float
        Log hazard ratio of churn per unit of satisfaction below neutral.
    lapsing_churn_multiplier : float
        Churn hazard multiplier while lapsing.
    satisfaction_neutral : float
        Satisfaction of a customer whose experience exactly meets expectations at reference value.
    reference_value : float
        Experienced value (quality minus price, 0-1 quality scale) that the market regards as
        normal; also a new customer's expectation.
    satisfaction_memory : float
        Weight of the latest experience in cumulative satisfaction (exponential smoothing).
    value_weight : float
        Transaction satisfaction per unit of experienced value above the reference value.
    disconfirmation_weight : float
        Transaction satisfaction per unit of value above expectation.
    loss_aversion : float
        How much more a shortfall against expectation weighs than an equal surplus
        (Anderson & Sullivan 1993).
    expectation_adaptation : float
        Share of the gap between experience and expectation closed per purchase.
    satisfaction_purchase_effect : float
        Log purchase-rate ratio per unit of satisfaction above neutral.
    needs_shares : list of float
        Shares of price seekers, quality seekers, values-driven and balanced customers (sum 1).
    price_seeker_price_factor, quality_seeker_quality_factor : float
        How much more price-sensitive price seekers are, and how much more quality-sensitive
        quality seekers are, than the population means (the other sensitivity is divided by it).
    attachment_growth : float
        Share of the remaining distance to full attachment gained per delighting purchase.
    attachment_threshold : float
        Transaction satisfaction above which a purchase delights (builds attachment).
    attachment_decay : float
        Share of attachment lost per week.
    attachment_purchase_ratio, attachment_advocacy_ratio : float
        Purchase rate and word of mouth of a fully attached customer relative to an unattached
        one (about 3x each in practice; see docs/behaviour.md).
    attachment_price_relief : float
        Share of price sensitivity a fully attached customer no longer has.
    choice_sensitivity : float
        Utility per unit of customer value in the choice between the firm and its competitors
        (multinomial logit scale).
    switching_inertia : float
        Extra utility of staying with the firm one already buys from (switching costs, habit).
    competitor_churn_effect : float
        Relative rise of the churn hazard per unit of purchase share lost to competitors.
    complaint_propensity : float
        Probability that a customer who meets a service failure complains.
    recovery_gain : float
        Transaction satisfaction above neutral after a first failure handled well (the service
        recovery paradox; de Matos, Henrique & Rossi 2007).
    failure_trust_penalty : float
        Satisfaction units by which each failure met lowers repurchase and raises churn, however
        well it was handled (the paradox does not reach repurchase).
    expectation_conversion_effect : float
        Log conversion-rate ratio per unit of expected value above ``reference_value``:
        prospects whom reviews or advertising lead to expect more try the firm more readily.
        Acts only with ``market.review_weight`` > 0 or ``acquisition.ad_expectation_lift`` != 0.
    """

    name: str = "default"
    initial: int = _p(20_000, ge=0)
    purchase_rate_mean: float = _p(0.25, gt=0.0, le=50.0)
    purchase_rate_shape: float = _p(0.45, gt=0.0)
    service_demand_sigma: float = _p(3.0, ge=0.0, le=4.0)
    basket_units_mean: float = _p(2.0, gt=0.0, le=1e6)
    basket_sigma: float = _p(0.5, ge=0.0, le=3.0)
    price_sensitivity_mean: float = _p(1.5, **NONNEG)
    price_sensitivity_sd: float = _p(0.5, **NONNEG)
    quality_sensitivity_mean: float = _p(1.0, **NONNEG)
    quality_sensitivity_sd: float = _p(0.3, **NONNEG)
    conversion_rate: float = _p(0.008, **PROB)
    lapse_weeks: int = _p(8, ge=1, le=1040)  # weeks are int16 in the population
    churn_rate: float = _p(0.003, **PROB)
    churn_satisfaction_effect: float = _p(4.0, **NONNEG)
    lapsing_churn_multiplier: float = _p(3.0, ge=1.0)
    satisfaction_neutral: float = _p(0.6, **PROB)
    reference_value: float = _p(0.65, ge=-10.0, le=10.0)
    satisfaction_memory: float = _p(0.2, **PROB)
    value_weight: float = _p(0.8, **NONNEG)
    disconfirmation_weight: float = _p(0.5, **NONNEG)
    loss_aversion: float = _p(2.0, ge=1.0)
    expectation_adaptation: float = _p(0.1, **PROB)
    satisfaction_purchase_effect: float = _p(1.0, **NONNEG)
    needs_shares: list[float] = _p(factory=lambda: [0.3, 0.25, 0.15, 0.3], each=PROB)
    price_seeker_price_factor: float = _p(1.6, ge=1.0)
    quality_seeker_quality_factor: float = _p(1.5, ge=1.0)
    attachment_growth: float = _p(0.05, **PROB)
    attachment_threshold: float = _p(0.7, **PROB)
    attachment_decay: float = _p(0.005, **PROB)
    attachment_purchase_ratio: float = _p(3.0, ge=1.0)
    attachment_advocacy_ratio: float = _p(3.0, ge=1.0)
    attachment_price_relief: float = _p(0.5, **PROB)
    choice_sensitivity: float = _p(6.0, **NONNEG)
    switching_inertia: float = _p(1.0, **NONNEG)
    competitor_churn_effect: float = _p(2.0, **NONNEG)
    complaint_propensity: float = _p(0.4, **PROB)
    recovery_gain: float = _p(0.3, **PROB)
    failure_trust_penalty: float = _p(0.08, **PROB)
    expectation_conversion_effect: float = _p(2.0, ge=0.0, le=50.0)


@dataclass
class ProductConfig:
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
    maturity_advertising_growth: float = _p(0.2, ge=0.0)
    obsolescence_rate: float = _p(0.0, ge=0.0)
    generations: list[Generation] = field(default_factory=list)


@dataclass
class Generation:
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


@dataclass
class PriceChange:
    """A scheduled change of the list price from ``week`` on."""

    week: int = _p(0, ge=0)
    list_price: float = _p(25.0, gt=0.0)


@dataclass
class Competitor:
    """A rival firm.

    Attributes
    ----------
    name : str
        Label used in outputs (``churned_to_<name>``).
    price : float
        Price per unit (currency units).
    product_quality, service_quality : float
        Quality on the 0-1 scale.
    advertising_per_week : float
        Media spend per week (currency units); it dilutes the firm's share of voice.
    entry_week : int
        Week from which the rival is in the market.
    price_changes : list of PriceChange
        Scheduled changes of the rival's price.
    """

    name: str = "rival"
    price: float = _p(25.0, gt=0.0)
    product_quality: float = _p(0.7, **PROB)
    service_quality: float = _p(0.6, **PROB)
    advertising_per_week: float = _p(0.0, **NONNEG)
    entry_week: int = _p(0, ge=0)
    price_changes: list[PriceChange] = field(default_factory=list)


@dataclass
class Promotion:
    """A price promotion: ``discount`` off the list price from ``start`` to ``end`` (exclusive)."""

    start: int = _p(0, ge=0)
    end: int = _p(1, ge=1)
    discount: float = _p(0.1, ge=0.0, lt=1.0)


@dataclass
class PricingConfig:
    """Pricing policy.

    Attributes
    ----------
    list_price : float
        Price per unit before discounts (currency units).
    reference_price : float
        Price customers regard as normal in the market (currency units); value and demand are
        measured against it.
    discount : float
        Standing discount off the list price for every purchase.
    changes : list of PriceChange
        Scheduled list-price changes.
    promotions : list of Promotion
        Promotion calendar (replaces the standing discount while it runs, if larger).
    new_customer_discount : float
        Discount on a new customer's first purchase (booked as an acquisition offer).
    match_competitor : str
        Name of a competitor whose price is matched ("" for none): the list price follows the
        rival's price of ``match_lag_weeks`` ago whenever it is lower, down to ``match_floor``.
    match_lag_weeks : int
        Weeks the firm needs to react to a rival's price.
    match_floor : float
        Lowest list price the firm will match (currency units).
    """

    name: str = "standard"
    list_price: float = _p(25.0, gt=0.0)
    reference_price: float = _p(25.0, gt=0.0)
    discount: float = _p(0.0, ge=0.0, lt=1.0)
    changes: list[PriceChange] = field(default_factory=list)
    promotions: list[Promotion] = field(default_factory=list)
    new_customer_discount: float = _p(0.0, ge=0.0, lt=1.0)
    match_competitor: str = ""
    match_lag_weeks: int = _p(4, ge=0)
    match_floor: float = _p(0.0, **NONNEG)


@dataclass
class Outage:
    """A service outage: from ``start`` to ``end`` (exclusive) the failure probability is raised."""

    start: int = _p(0, ge=0)
    end: int = _p(1, ge=1)
    failure_prob: float = _p(0.5, **PROB)


@dataclass
class ServiceConfig:
    """Service-quality level.

    Attributes
    ----------
    quality : float
        Mean experienced service quality on a 0-1 scale.
    quality_sd : float
        Spread of experienced service quality per purchase.
    failure_prob : float
        Probability that a purchase meets a service failure.
    failure_severity : float
        Experienced quality lost in a failure.
    cost_per_customer_week : float
        Cost of serving one active customer for a week (currency units).
    cost_per_transaction : float
        Cost of serving one purchase occasion (currency units).
    complaint_handling_quality : float
        Probability that a complaint is handled well (the customer is recovered).
    cost_per_complaint : float
        Cost of handling one complaint (currency units).
    outages : list of Outage
        Scheduled outage windows.
    support_contact_rate : float
        Probability per week that a current customer (lapsing ones included) contacts the firm
        for support or information without buying: a service encounter that can fail like a
        purchase (``failure_prob``, outages), may lead to a complaint, and updates satisfaction
        and expectation as a purchase does. 0 switches support contacts off.
    support_quality : float
        Mean experienced service quality of a support contact on a 0-1 scale (spread
        ``quality_sd``).
    cost_per_support_contact : float
        Cost of handling one support contact (currency units), booked as ``service_cost``.
    """

    name: str = "standard"
    quality: float = _p(0.6, **PROB)
    quality_sd: float = _p(0.15, ge=0.0, le=10.0)
    failure_prob: float = _p(0.03, **PROB)
    failure_severity: float = _p(0.5, ge=0.0, le=10.0)
    cost_per_customer_week: float = _p(1.2, **NONNEG)
    cost_per_transaction: float = _p(3.0, **NONNEG)
    complaint_handling_quality: float = _p(0.6, **PROB)
    cost_per_complaint: float = _p(15.0, **NONNEG)
    outages: list[Outage] = field(default_factory=list)
    support_contact_rate: float = _p(0.0, **PROB)
    support_quality: float = _p(0.6, **PROB)
    cost_per_support_contact: float = _p(6.0, **NONNEG)


@dataclass
class Campaign:
    """An acquisition campaign burst adding media budget per week from ``start`` to ``end``."""

    start: int = _p(0, ge=0)
    end: int = _p(1, ge=1)
    budget_per_week: float = _p(0.0, **NONNEG)


@dataclass
class AcquisitionConfig:
    """Acquisition and win-back policy.

    Attributes
    ----------
    media_budget_per_week : float
        Advertising spend per week (currency units).
    reach_max : float
        Share of unaware prospects that advertising could reach in a week at saturation.
    reach_half_budget : float
        Budget per week that reaches half of ``reach_max`` (diminishing returns).
    offer_cost : float
        Cost of the sign-up offer per new customer (currency units).
    winback_share : float
        Share of churned customers sent a win-back offer each week.
    winback_offer_cost : float
        Cost of one win-back offer (currency units).
    winback_success_prob : float
        Probability that an offer wins the customer back.
    referral_reward : float
        Paid to the referring customer per prospect who became aware by word of mouth and then
        bought (currency units).
    referral_conversion_boost : float
        Conversion-rate multiplier of prospects who heard of the firm from a customer.
    campaigns : list of Campaign
        Scheduled campaign bursts.
    ad_expectation_lift : float
        Experienced value the advertising promises above ``customers.reference_value`` (value
        units, 0-1 quality scale): added to the expectation of prospects who learned of the firm
        from advertising rather than from a customer. Raises trial, and disappoints when the firm
        delivers less than it promised; 0 promises the market norm.
    """

    name: str = "default"
    media_budget_per_week: float = _p(12_000.0, **NONNEG)
    reach_max: float = _p(0.02, **PROB)
    reach_half_budget: float = _p(20_000.0, gt=0.0)
    offer_cost: float = _p(40.0, **NONNEG)
    winback_share: float = _p(0.02, **PROB)
    winback_offer_cost: float = _p(5.0, **NONNEG)
    winback_success_prob: float = _p(0.1, **PROB)
    referral_reward: float = _p(0.0, **NONNEG)
    referral_conversion_boost: float = _p(1.5, ge=0.0)
    campaigns: list[Campaign] = field(default_factory=list)
    ad_expectation_lift: float = _p(0.0, ge=-1.0, le=1.0)


SEGMENT_NAMES = ("platinum", "gold", "silver", "bronze", "lead")


@dataclass
class SegmentsConfig:
    """Value segments by lifetime contribution.

    Customers who lost money are ``lead``; the profitable ones are ranked by contribution and the
    top ``platinum_share`` are platinum, the next ``gold_share`` gold, the next ``silver_share``
    silver and the rest bronze (shares of profitable customers).

    Attributes
    ----------
    platinum_share, gold_share, silver_share : float
        Shares of the profitable customers in the top three segments, from the top.
    review_weeks : int
        Weeks between reviews in which the firm re-ranks customers (for treatments).
    treatments : list of Treatment
        How each segment is treated (price factor, service bonus and its cost).
    """

    name: str = "value_pyramid"
    platinum_share: float = _p(0.05, **PROB)
    gold_share: float = _p(0.15, **PROB)
    silver_share: float = _p(0.30, **PROB)
    review_weeks: int = _p(13, ge=1)
    treatments: list[Treatment] = field(default_factory=list)


@dataclass
class Treatment:
    """How the firm treats one value segment, from the segment review on.

    Attributes
    ----------
    segment : str
        One of platinum, gold, silver, bronze, lead.
    price_factor : float
        Multiplier on the price the segment pays (e.g. 1.1 to make lead customers pay their way).
    service_bonus : float
        Added to experienced service quality (0-1 scale), e.g. a dedicated line for platinum.
    service_cost_per_week : float
        Extra cost of serving one customer of the segment for a week (currency units).
    """

    segment: str = _p("lead", choices=("platinum", "gold", "silver", "bronze", "lead"))
    price_factor: float = _p(1.0, gt=0.0, le=10.0)
    service_bonus: float = _p(0.0, ge=-1.0, le=1.0)
    service_cost_per_week: float = _p(0.0, **NONNEG)


@dataclass
class RetentionConfig:
    """Churn-risk scoring and targeted retention offers.

    The firm scores each customer's churn risk from what it can see: recency and frequency of
    observed visits (every visit of a loyalty member, a share ``anonymous_visibility`` of the
    others) and complaints. Each week it sends offers to the customers with the highest
    ``risk x observed value``, among those whose risk is at least ``min_risk``, within the budget.

    Attributes
    ----------
    budget_per_week : float
        Spend on retention offers per week (currency units); 0 switches targeting off.
    offer_cost : float
        Cost of one offer (currency units).
    min_risk : float
        Lowest risk score worth an offer, in [0, 1].
    satisfaction_gain : float
        Rise in satisfaction of a customer who receives an offer.
    anonymous_visibility : float
        Share of a non-member's visits the firm can attribute to them (card payments, logins).
    cooldown_weeks : int
        Weeks before the same customer can receive another offer.
    prior_churn : float
        The firm's prior belief of the churn probability per week, used by the risk score.
    """

    name: str = "none"
    budget_per_week: float = _p(0.0, **NONNEG)
    offer_cost: float = _p(10.0, gt=0.0)
    min_risk: float = _p(0.5, **PROB)
    satisfaction_gain: float = _p(0.15, **PROB)
    anonymous_visibility: float = _p(0.3, **PROB)
    cooldown_weeks: int = _p(13, ge=1)
    prior_churn: float = _p(0.01, **PROB)


@dataclass
class OutputConfig:
    """What a run writes.

    Attributes
    ----------
    transactions : bool
        Write ``transactions.parquet`` (one row per customer and week with a purchase).
    plots : bool
        Draw the standard plots into ``plots/``.
    cohort_weeks : int
        Width of an acquisition cohort in weeks.
    """

    transactions: bool = False
    plots: bool = True
    cohort_weeks: int = _p(13, ge=1)


@dataclass
class Config:
    """One scenario: a market, a firm's strategy, and how long and with which seed to run it."""

    seed: int = _p(0, ge=0)
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


def _describe(rule: dict[str, Any], kind: str) -> str:
    if "choices" in rule:
        return "one of " + ", ".join(repr(c) for c in rule["choices"])
    lo = "[" if "ge" in rule else "(" if "gt" in rule else None
    hi = "]" if "le" in rule else ")" if "lt" in rule else None
    lo_v = rule.get("ge", rule.get("gt"))
    hi_v = rule.get("le", rule.get("lt"))
    if lo and hi:
        return f"{kind} in {lo}{lo_v}, {hi_v}{hi}"
    if lo:
        return f"{kind} {'>=' if lo == '[' else '>'} {lo_v}"
    if hi:
        return f"{kind} {'<=' if hi == ']' else '<'} {hi_v}"
    return kind


def _check(path: str, value: Any, rule: dict[str, Any]) -> None:
    kind = "an integer" if isinstance(value, int) and not isinstance(value, bool) else "a number"
    if "choices" in rule:
        if value not in rule["choices"]:
            raise ConfigError(path, value, _describe(rule, kind))
        return
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(path, value, _describe(rule, "a finite " + kind[2:]))
    ok = (
        ("ge" not in rule or value >= rule["ge"])
        and ("gt" not in rule or value > rule["gt"])
        and ("le" not in rule or value <= rule["le"])
        and ("lt" not in rule or value < rule["lt"])
    )
    if not ok:
        raise ConfigError(path, value, _describe(rule, kind))


_TYPE_NAMES = {"int": "an integer", "float": "a number", "str": "a string", "bool": "true or false"}


def _check_type(path: str, value: Any, declared: Any) -> None:
    """Values set from Python (not through Hydra) must still have the declared scalar type."""
    name = declared if isinstance(declared, str) else getattr(declared, "__name__", "")
    if name not in _TYPE_NAMES:
        return
    ok = {
        "int": isinstance(value, int) and not isinstance(value, bool),
        "float": isinstance(value, (int, float)) and not isinstance(value, bool),
        "str": isinstance(value, str),
        "bool": isinstance(value, bool),
    }[name]
    if not ok:
        raise ConfigError(path, value, _TYPE_NAMES[name])


def _walk(obj: Any, prefix: str) -> None:
    for f in dataclasses.fields(obj):
        path = f"{prefix}{f.name}"
        value = getattr(obj, f.name)
        _check_type(path, value, f.type)
        rule = dict(f.metadata.get("rule", {}))
        each = rule.pop("each", None)
        if dataclasses.is_dataclass(value):
            _walk(value, path + ".")
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if dataclasses.is_dataclass(item):
                    _walk(item, f"{path}[{i}].")
                elif each:
                    _check(f"{path}[{i}]", item, each)
        elif rule:
            _check(path, value, rule)


def validate(cfg: Config) -> Config:
    """Check every range and cross-field rule; raise :class:`ConfigError` on the first breach.

    Returns the config unchanged so that calls can be chained.
    """
    _walk(cfg, "")
    validate_loyalty(cfg.loyalty)
    weeks = cfg.horizon.weeks
    if cfg.customers.initial > cfg.market.potential:
        raise ConfigError(
            "customers.initial",
            cfg.customers.initial,
            f"an integer <= market.potential ({cfg.market.potential})",
        )
    m = cfg.market
    if m.network != "full":
        if m.network_degree >= m.potential:
            raise ConfigError("market.network_degree", m.network_degree,
                              f"a number in (0, market.potential) = (0, {m.potential}) with a contact network")
        if m.potential * m.network_degree / 2.0 > MAX_TIES:
            raise ConfigError("market.network_degree", m.network_degree,
                              f"a number with market.potential x degree / 2 <= {MAX_TIES:,} ties")
    shares = cfg.customers.needs_shares
    if len(shares) != 4 or abs(sum(shares) - 1.0) > 1e-9:
        raise ConfigError("customers.needs_shares", list(shares),
                          "four shares (price seekers, quality seekers, values-driven, balanced) summing to 1")
    if len(set(cfg.loyalty.schemes)) != len(cfg.loyalty.schemes):
        raise ConfigError("loyalty.schemes", list(cfg.loyalty.schemes), "a list without repeats")
    last = cfg.product.launch_week
    for i, gen in enumerate(cfg.product.generations):
        if not last < gen.launch_week < weeks:
            raise ConfigError(f"product.generations[{i}].launch_week", gen.launch_week,
                              f"an integer after the previous launch ({last}) and < horizon.weeks ({weeks})")
        last = gen.launch_week
    if cfg.product.launch_week >= weeks:
        raise ConfigError("product.launch_week", cfg.product.launch_week, f"an integer < horizon.weeks ({weeks})")
    for i, change in enumerate(cfg.pricing.changes):
        if change.week >= weeks:
            raise ConfigError(f"pricing.changes[{i}].week", change.week, f"an integer < horizon.weeks ({weeks})")
    names = [comp.name for comp in cfg.market.competitors]
    if len(set(names)) != len(names):
        raise ConfigError("market.competitors", names, "competitors with distinct names")
    if cfg.pricing.match_competitor and cfg.pricing.match_competitor not in names:
        raise ConfigError("pricing.match_competitor", cfg.pricing.match_competitor,
                          "'' or the name of a competitor in market.competitors " + str(names))
    for group, items in (("service.outages", cfg.service.outages), ("acquisition.campaigns", cfg.acquisition.campaigns),
                         ("pricing.promotions", cfg.pricing.promotions)):
        for i, item in enumerate(items):
            if item.end <= item.start:
                raise ConfigError(f"{group}[{i}].end", item.end, f"an integer > start ({item.start})")
    seg = cfg.segments
    if seg.platinum_share + seg.gold_share + seg.silver_share > 1.0 + 1e-12:
        raise ConfigError(
            "segments.silver_share",
            seg.silver_share,
            f"a share such that platinum + gold + silver <= 1 (platinum + gold = {seg.platinum_share + seg.gold_share})",
        )
    validate_classic(cfg)
    return cfg


def register_configs() -> None:
    """Register the schema in Hydra's ConfigStore as ``base_config`` (idempotent)."""
    from hydra.core.config_store import ConfigStore

    ConfigStore.instance().store(name="base_config", node=Config)
