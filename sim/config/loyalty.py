"""Loyalty-programme configuration: membership and the parameters of each scheme.

One dataclass per scheme, held by :class:`LoyaltyConfig` under the scheme's name; the names
allowed in ``loyalty.schemes`` are :data:`LOYALTY_SCHEMES`. Amounts are in currency units,
rates per week, probabilities in [0, 1]. Ranges are declared next to each field (``_p``);
rules across fields (tier thresholds rising, one value per tier, ...) are checked by
:func:`sim.config.validate_loyalty` (in ``sim/config/rules.py``), which
:func:`sim.config.validate` calls before any run starts.

Defaults describe a plausible programme of each kind for the default scenario (a customer
spends about 50 per visit and visits about once a month); the sources are cited per class.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sim.config.fields import NONNEG, PROB, Checked, _p

__all__ = [
    "PLUGIN_CONFIGS",
    "SCHEME_NAMES",
    "register_plugin_config",
    "LOYALTY_SCHEMES",
    "LoyaltyConfig",
    "PointsConfig",
    "TiersConfig",
    "GamifiedConfig",
    "CoalitionConfig",
    "CharityConfig",
]

LOYALTY_SCHEMES = ("points", "tiers", "gamified", "coalition", "charity")

#: Config dataclasses of schemes registered beyond the built-in ones, by name
#: (:func:`sim.strategy.loyalty.register_scheme` adds them); their settings live under
#: ``loyalty.plugins.<name>``.
PLUGIN_CONFIGS: dict[str, type] = {}


class _SchemeNames:
    """The scheme names a config may use: the built-in ones and those registered since."""

    def __contains__(self, name: object) -> bool:
        return name in LOYALTY_SCHEMES or name in PLUGIN_CONFIGS

    def __iter__(self):
        return iter((*LOYALTY_SCHEMES, *PLUGIN_CONFIGS))

    def __repr__(self) -> str:
        return repr(tuple(self))


SCHEME_NAMES = _SchemeNames()


def register_plugin_config(name: str, config: type) -> None:
    """Let ``loyalty.schemes`` name scheme ``name``, with its settings of type ``config`` (a
    dataclass with ``_p`` ranges) under ``loyalty.plugins.<name>``."""
    if name in LOYALTY_SCHEMES:
        raise ValueError(f"{name!r} is a built-in scheme; its settings live under loyalty.{name}.")
    PLUGIN_CONFIGS[name] = config


@dataclass
class PointsConfig(Checked):
    """Points scheme: earn with spend, redeem for rewards, lose to expiry.

    The defaults are a grocery-style "1 %" programme: 1 point per currency unit, 500 points buy
    a reward costing the firm 5 (Tesco's Clubcard launched in 1995 as "equivalent to a 1 per
    cent discount", The Independent, 1995). About a third of points issued are never redeemed
    (COLLOQUY and Swift Exchange 2011: USD 16 bn of the USD 48 bn of rewards earned a year in
    the US go unused), so such a programme costs about 0.7-0.8 % of member sales in rewards
    (docs/loyalty.md shows the default reproduces both figures).

    Attributes
    ----------
    earn_rate : float
        Points per currency unit paid (points / currency unit).
    threshold : int
        Points needed for one reward (points).
    reward_value : float
        Cost to the firm of one reward (currency units).
    redemption_prob : float
        Probability per week that a member holding enough points redeems them.
    redeemer_share : float
        Share of members who ever redeem (fixed per member, keyed by id); the others let their
        points sit until they expire and are not drawn by the goal (COLLOQUY's 2011 census: the
        average US household belongs to 18 programmes but is active in only 8). With the
        default 0.75, about a third of points go unredeemed over five years.
    expiry_weeks : int
        A member's points expire after this many weeks without earning (weeks).
    purchase_uplift : float
        Relative rise of every member's purchase rate, whatever the balance.
    goal_gradient : float
        Rise of a member's purchase rate from an empty card to a full one (balance at the
        threshold), linear in between and centred on a half-full card (``1 + g x (progress -
        1/2)``): purchases are pulled forward before a reward and pause after it, without a
        lasting lift. 0.25 shortens the time between visits by about 20 % from the first step
        to the last, as on the coffee card of Kivetz, Urminsky & Zheng (2006). The default is
        smaller: a 1 % rebate 40 visits away pulls less than a free coffee 10 visits away.
    endowed_points : int
        Head-start points given at enrolment (points); with the threshold raised by the same
        amount the effort is unchanged but members start part-way (Nunes & Dreze 2006).
    expected_redemption : float
        Share of outstanding points expected to be redeemed, used to value the liability.
    """

    earn_rate: float = _p(1.0, ge=0.0, le=1000.0)
    threshold: int = _p(500, ge=1)
    reward_value: float = _p(5.0, **NONNEG)
    redemption_prob: float = _p(0.5, **PROB, prior=(0.1, 0.9), source=(
        "modelling choice, wide prior"))
    redeemer_share: float = _p(0.75, **PROB, prior=(0.4, 0.9), source=(
        "about a third of points earned go unused (COLLOQUY and Swift Exchange 2011)"))
    expiry_weeks: int = _p(52, ge=1)
    purchase_uplift: float = _p(0.02, ge=0.0, le=5.0, prior=(0.0, 0.05), source=(
        "loyalty programmes lift members' buying by a few per cent at most once self-selection is removed "
        "(Leenheer, van Heerde, Bijmolt & Smidts 2007; Liu 2007; Taylor & Neslin 2005); 0.02 in the low part of "
        "that range, beside the goal gradient's pull before a reward"))
    # At most 2: the rate stays >= 0.
    goal_gradient: float = _p(0.1, ge=0.0, le=2.0, prior=(0.0, 0.25), source=(
        "goal gradient: purchases accelerate towards a reward; 0.25 gives the 20 % shorter times between visits "
        "of a 10-stamp coffee card (Kivetz, Urminsky & Zheng 2006), a rebate far away pulls less; 0 allows none"))
    endowed_points: int = _p(0, ge=0, le=10**9)
    expected_redemption: float = _p(0.67, **PROB)


@dataclass
class TiersConfig(Checked):
    """Tier (status) scheme: spend over a window qualifies a member for a tier with benefits.

    Tier 0 is the base tier every member starts in; ``thresholds`` holds the qualifying spend
    of tiers 1, 2, ...; every per-tier list has one value per tier, base tier first. At the end
    of each review period every member moves to the highest tier whose threshold their spend
    over the last ``window_weeks`` reaches (promotion or demotion). Demotion hurts loyalty more
    than promotion helps (Wagner, Hennig-Thurau & Rudolph 2009): the one-off losses of a
    demotion are larger than the gains of a promotion, and a member below the best tier they
    ever held churns faster than the tier alone implies, so demoted customers end less loyal
    than customers never promoted. Status itself is valued (Dreze & Nunes 2009).

    Attributes
    ----------
    names : list of str
        Tier names, base tier first (used in output column names).
    thresholds : list of float
        Spend over the window that qualifies for tiers 1, 2, ... (currency units; strictly
        increasing, one fewer than ``names``).
    window_weeks : int
        Qualification window (weeks): spend over the last ``window_weeks`` counts (rolling);
        equal to ``review_weeks`` for a calendar window that restarts at each review. A
        multiple of ``review_weeks``.
    review_weeks : int
        Tiers are reviewed at the end of every period of this many weeks (weeks).
    discounts : list of float
        Price discount of each tier (share of the price).
    service_bonuses : list of float
        Service-quality upgrade of each tier, added to experienced service (0-1 scale).
    service_costs : list of float
        Cost of a tier's service upgrade per member and week (currency units / week). The
        defaults price quality at about 10 per unit of quality per member-week, roughly what
        the premium service level costs over the standard one (``configs/service/``) for a
        customer who buys every other week.
    earn_multipliers : list of float
        Multiplier on points earned when a points currency runs alongside (bonus earn).
    purchase_multipliers : list of float
        Multiplier on the purchase rate of each tier (status utility).
    churn_multipliers : list of float
        Multiplier on the churn hazard of each tier (status utility, switching cost).
    promotion_attachment_gain : float
        Share of the distance to full attachment gained on promotion.
    promotion_satisfaction_gain : float
        Satisfaction gained on promotion (0-1 scale).
    demotion_attachment_loss : float
        Share of attachment lost on demotion.
    demotion_satisfaction_loss : float
        Satisfaction lost on demotion (0-1 scale).
    demotion_churn_multiplier : float
        Churn hazard multiplier while below the best tier ever held (resentment).
    """

    names: list[str] = field(default_factory=lambda: ["base", "silver", "gold"])
    thresholds: list[float] = _p(factory=lambda: [1200.0, 3000.0], each={"gt": 0.0})
    window_weeks: int = _p(52, ge=1, le=520)
    review_weeks: int = _p(13, ge=1, le=520)
    discounts: list[float] = _p(factory=lambda: [0.0, 0.01, 0.03], each={"ge": 0.0, "lt": 1.0})
    service_bonuses: list[float] = _p(factory=lambda: [0.0, 0.03, 0.08], each=PROB)
    service_costs: list[float] = _p(factory=lambda: [0.0, 0.3, 0.85], each=NONNEG)
    earn_multipliers: list[float] = _p(factory=lambda: [1.0, 1.25, 1.5], each={"ge": 0.0, "le": 100.0})
    purchase_multipliers: list[float] = _p(
        factory=lambda: [1.0, 1.01, 1.02], each={"gt": 0.0, "le": 10.0}, prior=([1.0, 1.0, 1.0], [1.0, 1.03, 1.06]),
        source="status lifts buying by a few per cent at most, little among heavy buyers (Liu 2007; Leenheer, van "
               "Heerde, Bijmolt & Smidts 2007); the ladder's size is a modelling choice, wide prior")
    churn_multipliers: list[float] = _p(
        factory=lambda: [1.0, 0.95, 0.9], each={"ge": 0.0, "le": 10.0}, prior=([1.0, 1.0, 1.0], [1.0, 0.85, 0.7]),
        source="members of a programme stay longer (Meyer-Waarden 2007; Bolton, Kannan & Bramlett 2000); the "
               "ladder's size is a modelling choice, wide prior")
    promotion_attachment_gain: float = _p(0.05, **PROB, prior=(0.0, 0.15), source=(
        "status is valued (Dreze & Nunes 2009); size modelling choice, wide prior"))
    promotion_satisfaction_gain: float = _p(0.02, **PROB, prior=(0.0, 0.05), source=(
        "status is valued (Dreze & Nunes 2009); size modelling choice, wide prior"))
    demotion_attachment_loss: float = _p(0.15, **PROB, prior=(0.0, 0.3), source=(
        "demotion hurts loyalty more than promotion helps (Wagner, Hennig-Thurau & Rudolph 2009); size modelling "
        "choice, wide prior"))
    demotion_satisfaction_loss: float = _p(0.06, **PROB, prior=(0.0, 0.12), source=(
        "demotion hurts more than promotion helps (Wagner, Hennig-Thurau & Rudolph 2009); size modelling choice, "
        "wide prior"))
    demotion_churn_multiplier: float = _p(1.3, ge=1.0, le=10.0, prior=(1.0, 2.0), source=(
        "demoted customers end less loyal than never-promoted ones (Wagner, Hennig-Thurau & Rudolph 2009); size "
        "modelling choice, wide prior"))


@dataclass
class GamifiedConfig(Checked):
    """Game-based scheme: challenges, random instant wins and prepaid credit packs.

    Each member has a game affinity in [0, 1], drawn once from a Beta distribution keyed by
    customer id, that scales every engagement effect; the engagement wears off with weeks since
    enrolment towards ``novelty_floor`` (novelty effects of gamification: Hamari, Koivisto &
    Sarsa 2014; Koivisto & Hamari 2014). Credit packs are paid in advance and carry bonus
    credit; the cash is a liability until spent (see docs/loyalty.md for the accounting). The
    effect sizes and the 10 % pack bonus are assumptions, not measured figures: vary them.

    Attributes
    ----------
    challenge_weeks : int
        Length of one challenge period (weeks); progress restarts with each period.
    challenge_target : int
        Weeks with a purchase within a period that complete the challenge (weeks).
    challenge_reward : float
        Cost of the reward for a completed challenge (currency units).
    instant_win_prob : float
        Probability that a member's week with a purchase wins an instant reward.
    instant_win_value : float
        Cost of one instant reward (currency units).
    engagement_uplift : float
        Relative rise of the purchase rate of a member of full affinity at enrolment.
    novelty_half_life_weeks : float
        Weeks after enrolment in which the novelty part of the engagement halves (weeks).
    novelty_floor : float
        Share of the engagement that never wears off.
    affinity_a, affinity_b : float
        Beta parameters of game affinity across members (mean ``a / (a + b)``).
    pack_price : float
        Price of one credit pack (currency units).
    pack_bonus : float
        Bonus credit as a share of the pack price (a pack buys ``pack_price * (1 + pack_bonus)``
        of goods).
    pack_uptake : float
        Probability that a member of full affinity with no credit left buys a pack in a week
        in which they buy.
    """

    challenge_weeks: int = _p(4, ge=1, le=520)
    challenge_target: int = _p(3, ge=1, le=100)
    challenge_reward: float = _p(3.0, **NONNEG)
    instant_win_prob: float = _p(0.02, **PROB)
    instant_win_value: float = _p(5.0, **NONNEG)
    engagement_uplift: float = _p(0.15, ge=0.0, le=5.0, prior=(0.0, 0.3), source=(
        "gamification works, with novelty effects (Hamari, Koivisto & Sarsa 2014); size modelling choice, wide "
        "prior"))
    novelty_half_life_weeks: float = _p(26.0, gt=0.0, prior=(8.0, 52.0), source=(
        "novelty effects of gamification (Koivisto & Hamari 2014); speed modelling choice, wide prior"))
    novelty_floor: float = _p(0.3, **PROB, prior=(0.0, 0.6), source=(
        "modelling choice, wide prior"))
    affinity_a: float = _p(1.0, gt=0.0, prior=(0.5, 3.0), source=(
        "modelling choice, wide prior"))
    affinity_b: float = _p(2.0, gt=0.0, prior=(0.5, 4.0), source=(
        "modelling choice, wide prior"))
    pack_price: float = _p(50.0, gt=0.0)
    pack_bonus: float = _p(0.1, ge=0.0, le=1.0)
    pack_uptake: float = _p(0.1, **PROB, prior=(0.02, 0.3), source=(
        "modelling choice, wide prior"))


@dataclass
class CoalitionConfig(Checked):
    """Partner coalition: members earn the programme's points at partners too.

    The points currency is the points scheme's (``loyalty.points``): with ``points`` also in
    ``loyalty.schemes`` the coalition adds partners to it, alone it runs that currency itself.
    Partners fund a share of every reward (``partner_funding``), the firm pays the coalition a
    fee per member, and members whose spend in a period reaches a threshold unlock partner
    discounts (funded by the partners) for the next period, which makes them stay and buy a
    little more. Coalitions such as Nectar or Payback work this way (Dorotic, Bijmolt &
    Verhoef 2012 review the evidence).

    Attributes
    ----------
    partner_share : float
        Share of members who also shop at partners (fixed per member, keyed by id).
    partner_points_per_week : float
        Mean points a partner shopper earns at partners per week (points / week, Poisson).
    funding_share : float
        Share of the cost of every reward that partners pay.
    fee_per_member_week : float
        Coalition fee the firm pays per member and week (currency units / week).
    partner_engagement : float
        Relative rise of the purchase rate of members who shop at partners.
    unlock_spend : float
        Spend with the firm within one period that unlocks partner discounts for the next
        period (currency units).
    unlock_period_weeks : int
        Length of the unlock period (weeks).
    unlocked_purchase_multiplier : float
        Purchase-rate multiplier of members with partner discounts unlocked.
    unlocked_churn_multiplier : float
        Churn-hazard multiplier of members with partner discounts unlocked.
    """

    partner_share: float = _p(0.4, **PROB, prior=(0.1, 0.7), source=(
        "coalition programmes (Dorotic, Bijmolt & Verhoef 2012 review); share modelling choice, wide prior"))
    partner_points_per_week: float = _p(6.0, ge=0.0, le=1000.0, prior=(1.0, 15.0), source=(
        "modelling choice, wide prior"))
    funding_share: float = _p(0.25, **PROB)
    fee_per_member_week: float = _p(0.01, **NONNEG)
    partner_engagement: float = _p(0.02, ge=0.0, le=5.0, prior=(0.0, 0.06), source=(
        "programme effects are small (Dorotic, Bijmolt & Verhoef 2012 review); modelling choice, wide prior"))
    unlock_spend: float = _p(250.0, **NONNEG)
    unlock_period_weeks: int = _p(13, ge=1, le=520)
    unlocked_purchase_multiplier: float = _p(1.02, gt=0.0, le=10.0, prior=(1.0, 1.06), source=(
        "programme effects are small (Dorotic, Bijmolt & Verhoef 2012 review); modelling choice, wide prior"))
    unlocked_churn_multiplier: float = _p(0.95, ge=0.0, le=10.0, prior=(0.85, 1.0), source=(
        "programme effects are small (Dorotic, Bijmolt & Verhoef 2012 review); modelling choice, wide prior"))


@dataclass
class CharityConfig(Checked):
    """Values scheme: a share of members' spend goes to charity.

    Giving appeals to customers who identify with the firm's values (Bhattacharya & Sen 2003):
    each purchase week of a values-driven member (``needs == values_driven``) closes
    ``attachment_lift`` of the distance to full attachment; other members are not moved. The
    cost is the donation.

    Attributes
    ----------
    donation_share : float
        Share of member spend donated (currency units per currency unit).
    attachment_lift : float
        Share of the distance to full attachment a values-driven member gains per week with a
        purchase.
    """

    donation_share: float = _p(0.01, ge=0.0, le=0.5)
    attachment_lift: float = _p(0.03, **PROB, prior=(0.0, 0.08), source=(
        "customers who identify with a firm's values grow attached (Bhattacharya & Sen 2003); size modelling "
        "choice, wide prior"))


@dataclass
class LoyaltyConfig(Checked):
    """Loyalty programme: which schemes run and what membership costs.

    Several schemes at once make a hybrid with one membership and one set of programme costs.

    Attributes
    ----------
    schemes : list of str
        Active schemes (empty for no programme).
    enrolment_prob : float
        Probability that a customer joins when acquired (or at week 0).
    signup_offer_cost : float
        Cost of the welcome offer per new member (currency units).
    setup_cost : float
        One-off cost of launching the programme, booked in week 0 (currency units).
    fixed_cost_per_week : float
        Programme running cost per week (currency units / week).
    cost_per_member_week : float
        Programme cost per member per week (currency units / week).
    paired_baseline : bool
        Also run the same scenario without the programme (same seed, so the same customers meet
        the same luck) to report its incremental profit and ROI.
    plugins : dict
        Settings of schemes registered beyond the built-in ones, by scheme name (plain values,
        checked against the scheme's own config: see docs/loyalty.md, "Adding a scheme").
    """

    name: str = "none"
    schemes: list[str] = _p(factory=list, each={"choices": SCHEME_NAMES})
    enrolment_prob: float = _p(0.5, **PROB, prior=(0.2, 0.8), source=(
        "take-up of a programme: US households hold 18 memberships and use 8 (COLLOQUY 2011 census); modelling "
        "choice, wide prior"))
    signup_offer_cost: float = _p(0.0, **NONNEG)
    setup_cost: float = _p(0.0, **NONNEG)
    fixed_cost_per_week: float = _p(0.0, **NONNEG)
    cost_per_member_week: float = _p(0.0, **NONNEG)
    paired_baseline: bool = True
    points: PointsConfig = field(default_factory=PointsConfig)
    tiers: TiersConfig = field(default_factory=TiersConfig)
    gamified: GamifiedConfig = field(default_factory=GamifiedConfig)
    coalition: CoalitionConfig = field(default_factory=CoalitionConfig)
    charity: CharityConfig = field(default_factory=CharityConfig)
    plugins: dict[str, Any] = field(default_factory=dict)
