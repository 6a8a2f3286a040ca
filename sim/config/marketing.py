"""How the firm wins, ranks and keeps customers: acquisition, value segments and retention.

Amounts are in currency units, budgets per week, probabilities and shares in [0, 1].
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.config.fields import NONNEG, PROB, Checked, _p

__all__ = ["Campaign", "AcquisitionConfig", "SEGMENT_NAMES", "SegmentsConfig", "Treatment", "RetentionConfig"]


@dataclass
class Campaign(Checked):
    """An acquisition campaign burst adding media budget per week from ``start`` to ``end``."""

    start: int = _p(0, ge=0)
    end: int = _p(1, ge=1)
    budget_per_week: float = _p(0.0, **NONNEG)


@dataclass
class AcquisitionConfig(Checked):
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
        Share, each week, of the customers the firm has not seen buy for ``winback_after_weeks``
        who are sent a win-back offer (the firm cannot see who has really left).
    winback_after_weeks : int
        Weeks without a purchase the firm has seen after which it counts a customer as lost.
    winback_offer_cost : float
        Cost of one win-back offer (currency units).
    winback_success_prob : float
        Probability that an offer wins back a customer who left just now at neutral
        satisfaction; it falls with the time since her last purchase (``winback_decay_weeks``)
        and with her dissatisfaction (by ``customers.churn_satisfaction_effect``).
    winback_decay_weeks : float
        Weeks since the last purchase over which the chance of a win-back falls by a factor e.
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
    reach_max: float = _p(0.02, **PROB, prior=(0.005, 0.05), source=(
        "advertising response with diminishing returns (Little 1979); the sales elasticity it should give, 0.12 "
        "short-term and 0.24 long-term (Sethuraman, Tellis & Briesch 2011), is an emergent target, so the reach "
        "curve itself is a modelling choice, wide prior"))
    reach_half_budget: float = _p(20_000.0, gt=0.0, prior=(5000.0, 60000.0), source=(
        "diminishing returns to advertising (Little 1979); see reach_max: modelling choice, wide prior"))
    offer_cost: float = _p(40.0, **NONNEG)
    winback_share: float = _p(0.02, **PROB)
    winback_offer_cost: float = _p(5.0, **NONNEG)
    winback_success_prob: float = _p(0.1, **PROB, prior=(0.01, 0.15), source=(
        "reacquisition falls with time since the lapse (Thomas, Blattberg & Fox 2004); 10 % for a fresh leaver is "
        "a modelling choice, wide prior"))
    winback_after_weeks: int = _p(26, ge=1, le=1040)
    winback_decay_weeks: float = _p(52.0, gt=0.0, prior=(13.0, 104.0), source=(
        "lost customers are easier to regain sooner (Thomas, Blattberg & Fox 2004; Kumar, Bhagwat & Zhang 2015); "
        "the year is a modelling choice, wide prior"))
    referral_reward: float = _p(0.0, **NONNEG)
    referral_conversion_boost: float = _p(1.5, ge=0.0, prior=(1.0, 2.5), source=(
        "referred customers convert and stay better (Schmitt, Skiera & Van den Bulte 2011); size modelling "
        "choice, wide prior"))
    campaigns: list[Campaign] = field(default_factory=list)
    ad_expectation_lift: float = _p(0.0, ge=-1.0, le=1.0)


#: Value segments from the top; ``lead`` holds the customers who lost the firm money.
SEGMENT_NAMES = ("platinum", "gold", "silver", "bronze", "lead")


@dataclass
class SegmentsConfig(Checked):
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
class Treatment(Checked):
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
class RetentionConfig(Checked):
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
    churn_relief : float
        Share by which an offer lowers its receiver's churn hazard while it lasts (negative: the
        offer reminds her to leave); acts beside ``satisfaction_gain``, for firms whose churn
        does not follow satisfaction (a calibrated firm). 0 switches it off.
    relief_weeks : int
        Weeks an offer's churn relief lasts, the week of the offer first (weeks).
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
    satisfaction_gain: float = _p(0.15, **PROB, prior=(0.02, 0.25), source=(
        "a retention offer's lift of satisfaction: modelling choice, wide prior"))
    churn_relief: float = _p(0.0, ge=-1.0, le=1.0, prior=(-0.1, 0.4), source=(
        "targeted retention campaigns lower churn among receivers by up to about a third, not at all for many, and "
        "can raise it (Ascarza 2018; Ascarza, Iyengar & Schleicher 2016); modelling choice, wide prior"))
    relief_weeks: int = _p(13, ge=1, le=520)
    anonymous_visibility: float = _p(0.3, **PROB)
    cooldown_weeks: int = _p(13, ge=1)
    prior_churn: float = _p(0.01, **PROB)

