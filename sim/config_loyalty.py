"""Loyalty-programme configuration: membership and the parameters of each scheme.

One dataclass per scheme, held by :class:`LoyaltyConfig` under the scheme's name; the names
allowed in ``loyalty.schemes`` are :data:`LOYALTY_SCHEMES`. Amounts are in currency units,
rates per week, probabilities in [0, 1].
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.params import NONNEG, PROB, _p

__all__ = ["LOYALTY_SCHEMES", "LoyaltyConfig", "PointsConfig"]

LOYALTY_SCHEMES = ("points",)


@dataclass
class PointsConfig:
    """Points scheme: earn with spend, redeem for rewards, lose to expiry.

    Attributes
    ----------
    earn_rate : float
        Points per currency unit paid.
    threshold : int
        Points needed for one reward.
    reward_value : float
        Cost to the firm of one reward (currency units).
    redemption_prob : float
        Probability per week that a member holding enough points redeems.
    expiry_weeks : int
        Points expire after this many weeks without a purchase.
    purchase_uplift : float
        Relative rise of a member's purchase rate.
    expected_redemption : float
        Share of outstanding points expected to be redeemed, used to value the liability.
    """

    earn_rate: float = _p(1.0, **NONNEG)
    threshold: int = _p(250, ge=1)
    reward_value: float = _p(5.0, **NONNEG)
    redemption_prob: float = _p(0.5, **PROB)
    expiry_weeks: int = _p(52, ge=1)
    purchase_uplift: float = _p(0.05, ge=0.0, le=5.0)
    expected_redemption: float = _p(0.67, **PROB)


@dataclass
class LoyaltyConfig:
    """Loyalty programme: which schemes run and what membership costs.

    Attributes
    ----------
    schemes : list of str
        Active schemes (empty for no programme).
    enrolment_prob : float
        Probability that a customer joins when acquired (or at week 0).
    signup_offer_cost : float
        Cost of the welcome offer per new member (currency units).
    fixed_cost_per_week : float
        Programme running cost per week (currency units).
    cost_per_member_week : float
        Programme cost per member per week (currency units).
    paired_baseline : bool
        Also run the same scenario without the programme (same seed, so the same customers meet
        the same luck) to report its incremental profit and ROI.
    """

    name: str = "none"
    schemes: list[str] = _p(factory=list, each={"choices": LOYALTY_SCHEMES})
    enrolment_prob: float = _p(0.5, **PROB)
    signup_offer_cost: float = _p(0.0, **NONNEG)
    fixed_cost_per_week: float = _p(0.0, **NONNEG)
    cost_per_member_week: float = _p(0.0, **NONNEG)
    paired_baseline: bool = True
    points: PointsConfig = field(default_factory=PointsConfig)
