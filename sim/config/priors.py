"""Which parameters are assumptions: the behavioural ones with their prior ranges, and the rest by kind.

A *behavioural* parameter describes how customers respond (sensitivities, effects, memories,
attachment, word of mouth, satisfaction links, reward responses, win-back success). When data
cannot pin it down it is an assumption, and its field declares a prior range and the range's
source (``_p(..., prior=(low, high), source=...)``, :mod:`sim.config.fields`). Every other
numeric parameter is classified here (:data:`NOT_ASSUMED`) as fitted from the firm's data,
measured by the firm, the firm's decision, a cost, or a setting, so the split is explicit and a
test (``tests/test_priors.py``) fails when a new parameter is neither.

:func:`priors` lists the priors; :func:`inert` says when a prior cannot move a scenario (a
scheme that does not run, a network parameter under full mixing), so that a study over the
priors (``python -m sim.sensitivity --priors``) spends no runs on it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sim.config.schema import Config

__all__ = ["PRIOR_GROUPS", "KINDS", "NOT_ASSUMED", "DEFAULT_OUTSIDE_PRIOR", "Prior", "scalar_fields", "list_fields",
           "priors", "select", "inert"]

#: Config groups whose parameters are classified; the classical models' parameters are the
#: textbook model's own (set by each experiment), horizon, seed and output change no behaviour.
PRIOR_GROUPS = ("market", "customers", "product", "pricing", "service", "acquisition", "retention", "segments",
                "loyalty")

#: Kinds of numeric parameters that are not assumptions, with what each means.
KINDS = {
    "fitted": "fitted from a firm's transaction log (python -m sim.calibrate)",
    "measured": "measured by the firm (surveys, operations, cost records)",
    "decision": "the firm's decision",
    "cost": "a cost or amount the firm pays",
    "setting": "a size, definition or setting of the study",
}

_BY_KIND = {
    "fitted": ("customers.purchase_rate_mean", "customers.purchase_rate_shape", "customers.basket_units_mean",
               "customers.basket_sigma", "customers.churn_rate", "customers.churn_propensity_a",
               "customers.churn_propensity_b", "customers.recency_purchase_probs"),
    "measured": ("market.initially_aware", "pricing.reference_price", "service.quality_sd", "service.failure_prob",
                 "service.support_contact_rate", "customers.needs_shares",
                 "service.return_writeoff", "customers.return_propensity_mean"),
    "decision": ("customers.billing_period_weeks", "product.quality", "product.launch_week",
                 "product.introduction_marketing_multiplier", "pricing.list_price", "pricing.discount",
                 "pricing.new_customer_discount", "pricing.match_lag_weeks", "pricing.match_floor", "service.quality",
                 "service.complaint_handling_quality", "service.support_quality", "acquisition.media_budget_per_week",
                 "acquisition.winback_share", "acquisition.winback_after_weeks", "acquisition.ad_expectation_lift",
                 "retention.budget_per_week", "retention.min_risk", "retention.cooldown_weeks",
                 "retention.relief_weeks", "segments.platinum_share", "segments.gold_share",
                 "segments.silver_share", "segments.review_weeks", "loyalty.points.earn_rate",
                 "loyalty.points.threshold", "loyalty.points.expiry_weeks", "loyalty.points.endowed_points",
                 "loyalty.tiers.window_weeks", "loyalty.tiers.review_weeks", "loyalty.gamified.challenge_weeks",
                 "loyalty.gamified.challenge_target", "loyalty.gamified.instant_win_prob",
                 "loyalty.gamified.pack_price", "loyalty.gamified.pack_bonus", "loyalty.coalition.funding_share",
                 "loyalty.coalition.unlock_spend",
                 "loyalty.coalition.unlock_period_weeks", "loyalty.charity.donation_share",
                 "customers.billing_tenure_factors", "loyalty.tiers.thresholds", "loyalty.tiers.discounts",
                 "loyalty.tiers.service_bonuses", "loyalty.tiers.earn_multipliers"),
    "cost": ("product.unit_cost", "product.fixed_cost_per_week", "product.development_cost_per_week",
             "service.cost_per_customer_week", "service.cost_per_transaction", "service.cost_per_order_service",
             "service.cost_per_complaint",
             "service.cost_per_support_contact", "service.cost_per_return", "acquisition.offer_cost",
             "acquisition.winback_offer_cost",
             "acquisition.referral_reward", "retention.offer_cost", "loyalty.signup_offer_cost", "loyalty.setup_cost",
             "loyalty.fixed_cost_per_week", "loyalty.cost_per_member_week", "loyalty.points.reward_value",
             "loyalty.gamified.challenge_reward", "loyalty.gamified.instant_win_value",
             "loyalty.coalition.fee_per_member_week", "loyalty.tiers.service_costs"),
    # The firm's own estimates (prior_churn, expected_redemption) and what it can see are its
    # settings, not customers' behaviour.
    "setting": ("market.potential", "market.discount_rate_annual", "market.discount_rate_weekly",
                "market.network_draw", "customers.initial", "product.stage_window", "product.takeoff_share",
                "product.plateau_growth", "product.decline_share", "retention.anonymous_visibility",
                "retention.prior_churn", "loyalty.points.expected_redemption"),
}
#: Every numeric parameter (number or list of numbers) without a prior, by path, and its kind (a
#: key of :data:`KINDS`).
NOT_ASSUMED: dict[str, str] = {key: kind for kind, keys in _BY_KIND.items() for key in keys}

#: Defaults that lie outside their published prior, and why they are kept for now: the calibration
#: moves behavioural defaults into the published ranges; the test insists each entry is still
#: outside, so the list shrinks as defaults move.
DEFAULT_OUTSIDE_PRIOR: dict[str, str] = {}


@dataclass(frozen=True)
class Prior:
    """A behavioural parameter's prior: uniform over ``[low, high]`` in the parameter's unit.

    A list parameter (a ladder of tier effects) has a low and a high list: its prior is one
    uniform position ``u`` in [0, 1] between them, every element at ``low + u (high - low)``.

    Attributes
    ----------
    key : str
        Dotted path in the scenario (``"market.word_of_mouth"``).
    default : float or tuple of float
        The schema's default.
    low, high : float or tuple of float
        The prior range (tuples for a list parameter).
    source : str
        Where the range comes from.
    integer : bool
        Whether the parameter holds whole numbers (a study rounds its draws).
    """

    key: str
    default: Any
    low: Any
    high: Any
    source: str
    integer: bool = False

    @property
    def is_list(self) -> bool:
        """Whether the parameter is a list (its prior a position between two lists)."""
        return isinstance(self.low, tuple)

    @property
    def contains_default(self) -> bool:
        """Whether the default lies inside the prior range (element by element for a list)."""
        if self.is_list:
            return len(self.default) == len(self.low) and all(
                min(lo, hi) <= d <= max(lo, hi) for d, lo, hi in zip(self.default, self.low, self.high))
        return self.low <= self.default <= self.high

    def at(self, u: float) -> list[float]:
        """A list parameter's value at position ``u`` in [0, 1] between its low and high lists."""
        return [lo + u * (hi - lo) for lo, hi in zip(self.low, self.high)]

    def range_text(self) -> str:
        """The range as the parameter reference and the robustness table print it."""
        if self.is_list:
            return f"[{', '.join(f'{v:g}' for v in self.low)}] to [{', '.join(f'{v:g}' for v in self.high)}]"
        return f"{self.low:g} to {self.high:g}"


def scalar_fields(root: Any = None, groups: Sequence[str] = PRIOR_GROUPS) -> Iterator[tuple[str, Any, Any]]:
    """Every numeric (int or float, not bool) field of ``groups``, nested configs included.

    Yields
    ------
    tuple
        ``(key, dataclasses.Field, value)`` in field order.
    """
    root = Config() if root is None else root

    def walk(node: Any, prefix: str) -> Iterator[tuple[str, Any, Any]]:
        for f in dataclasses.fields(node):
            value = getattr(node, f.name)
            if dataclasses.is_dataclass(value):
                yield from walk(value, f"{prefix}{f.name}.")
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                yield f"{prefix}{f.name}", f, value

    for group in groups:
        yield from walk(getattr(root, group), f"{group}.")


def priors() -> list[Prior]:
    """The prior of every behavioural parameter that declares one (numbers, then lists), in field order."""
    lists = [Prior(key, tuple(map(float, value)), *f.metadata["prior"], f.metadata.get("source", ""))
             for key, f, value in list_fields() if "prior" in f.metadata]
    return [Prior(key, value, *f.metadata["prior"], f.metadata.get("source", ""), isinstance(value, int))
            for key, f, value in scalar_fields() if "prior" in f.metadata] + lists


def list_fields(root: Any = None, groups: Sequence[str] = PRIOR_GROUPS) -> Iterator[tuple[str, Any, list]]:
    """Every list-of-numbers field of ``groups``, nested configs included, as :func:`scalar_fields`."""
    root = Config() if root is None else root

    def walk(node: Any, prefix: str) -> Iterator[tuple[str, Any, list]]:
        for f in dataclasses.fields(node):
            value = getattr(node, f.name)
            if dataclasses.is_dataclass(value):
                yield from walk(value, f"{prefix}{f.name}.")
            elif str(f.type).replace(" ", "") in ("list[float]", "list[int]"):
                yield f"{prefix}{f.name}", f, value

    for group in groups:
        yield from walk(getattr(root, group), f"{group}.")


def select(prefixes: Sequence[str] = ()) -> list[Prior]:
    """The priors whose key equals or starts with one of ``prefixes`` (all of them when empty).

    A prefix names a group (``"customers"``), a part of one (``"loyalty.points"``) or one
    parameter (``"market.word_of_mouth"``).

    Raises
    ------
    KeyError
        With the first prefix that matches no prior.
    """
    every = priors()
    if not prefixes:
        return every
    for p in prefixes:
        if not any(_under(x.key, p) for x in every):
            raise KeyError(p)
    return [x for x in every if any(_under(x.key, p) for p in prefixes)]


def _under(key: str, prefix: str) -> bool:
    return key == prefix or key.startswith(prefix.rstrip(".") + ".")


def inert(key: str, cfg: Any) -> str | None:
    """Why the parameter ``key`` cannot move scenario ``cfg``, or None when it can.

    Parameters
    ----------
    key : str
        A prior's key.
    cfg : Config or DictConfig
        The composed scenario (attribute access).

    Returns
    -------
    str or None
        A reason such as ``"no loyalty programme"``, or None.
    """
    schemes = set(cfg.loyalty.schemes)
    parts = key.split(".")
    if parts[0] == "loyalty":
        if not schemes:
            return "no loyalty programme"
        # The coalition runs the points currency (sim/config/loyalty.py).
        if len(parts) == 3 and parts[1] not in schemes and not (parts[1] == "points" and "coalition" in schemes):
            return f"no {parts[1]} scheme"
    network = cfg.market.network
    needs = {"market.network_degree": ("random", "small_world", "scale_free"),
             "market.network_rewire": ("small_world",), "market.network_exponent": ("scale_free",)}
    if key in needs and network not in needs[key]:
        return f"network={network}"
    if key in ("retention.satisfaction_gain", "retention.churn_relief") and not cfg.retention.budget_per_week:
        return "no retention budget"
    if key == "market.innovation" and cfg.market.potential <= cfg.customers.initial:
        return "no prospects"  # a closed market: a calibrated firm whose log shows no arrivals
    if key.startswith("customers.return_") and not cfg.customers.return_propensity_mean:
        return "no product returns"
    winback = ("acquisition.winback_success_prob", "acquisition.winback_decay_weeks")
    if key in winback and not cfg.acquisition.winback_share:
        return "no win-back offers"
    return None
