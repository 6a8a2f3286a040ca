"""Validation at the boundary: every range, then the rules that involve several fields.

:func:`validate` is what every entry point calls before any work starts. It checks the ranges
declared next to each field (``sim/config/ranges.py``), then the rules across fields, one small
function per group, in a fixed order so that a scenario with several breaches always reports
the same first one. :func:`validate_loyalty` and :func:`validate_classic` are also called on
their own (by the loyalty programme and the classical models).
"""

from __future__ import annotations

import dataclasses

from sim.config.classic import COHORT_MODELS
from sim.config.loyalty import PLUGIN_CONFIGS, LoyaltyConfig
from sim.config.market import MAX_TIES
from sim.config.ranges import check_ranges
from sim.config.schema import Config
from sim.errors import ConfigError

__all__ = ["plugin_settings", "validate", "validate_loyalty", "validate_classic"]

# The lists of TiersConfig that hold one value per tier, base tier first.
_TIER_LISTS = ("discounts", "service_bonuses", "service_costs", "earn_multipliers", "purchase_multipliers",
               "churn_multipliers")
# Recency states of the Markov model; more would be a lookup table, not a recency chain.
_MAX_RECENCY_STATES = 64


def validate_loyalty(cfg: LoyaltyConfig, prefix: str = "loyalty.") -> LoyaltyConfig:
    """Check the rules across loyalty fields; raise ``ConfigError`` on the first breach.

    Field ranges are checked by ``sim.config.validate``; this adds the rules that involve
    several fields (one value per tier, thresholds rising, the window a multiple of reviews).

    Parameters
    ----------
    cfg : LoyaltyConfig
        The loyalty part of a scenario.
    prefix : str
        Path of ``cfg`` in the scenario, for error messages.

    Returns
    -------
    LoyaltyConfig
        ``cfg`` unchanged, so that calls can be chained.

    Raises
    ------
    sim.errors.ConfigError
        On the first breach, naming the field, the value and what is allowed.
    """
    t, p = cfg.tiers, f"{prefix}tiers."
    th = list(t.thresholds)
    if not 1 <= len(th) <= 100 or any(b <= a for a, b in zip(th, th[1:])):
        raise ConfigError(f"{p}thresholds", th, "a list of 1 to 100 strictly increasing spends")
    n = len(th) + 1
    names = list(t.names)
    if len(names) != n or len(set(names)) != n or not all(isinstance(x, str) and x.isidentifier() for x in names):
        raise ConfigError(f"{p}names", names, f"{n} distinct identifiers (one per tier: len(thresholds) + 1)")
    for name in _TIER_LISTS:
        values = list(getattr(t, name))
        if len(values) != n:
            raise ConfigError(f"{p}{name}", values, f"a list of {n} values (one per tier: len(thresholds) + 1)")
    if t.window_weeks % t.review_weeks:
        raise ConfigError(f"{p}window_weeks", t.window_weeks,
                          f"an integer multiple of review_weeks ({t.review_weeks})")
    for name in cfg.plugins:
        plugin_settings(cfg, name, prefix)
    return cfg


def plugin_settings(cfg: LoyaltyConfig, name: str, prefix: str = "loyalty."):
    """The settings of registered scheme ``name`` (its config dataclass), from ``loyalty.plugins.<name>``.

    Missing settings take the dataclass's defaults; each given one is checked for its name,
    type and range like every other field.
    """
    path = f"{prefix}plugins.{name}"
    config = PLUGIN_CONFIGS.get(name)
    if config is None:
        raise ConfigError(path, cfg.plugins[name],
                          "settings of a registered scheme, one of " + repr(tuple(PLUGIN_CONFIGS)))
    values = cfg.plugins.get(name) or {}
    if not isinstance(values, dict):
        raise ConfigError(path, values, "a mapping of setting names to values")
    known = {f.name for f in dataclasses.fields(config)}
    for key in values:
        if key not in known:
            raise ConfigError(f"{path}.{key}", values[key], "absent: not a setting of the scheme (one of "
                              + ", ".join(sorted(known)) + ")")
    settings = config(**values)
    check_ranges(settings, path + ".")
    return settings


def validate_classic(cfg: Config) -> Config:
    """Check the rules of a classical configuration that involve other parts of the scenario.

    Call it after the per-field ranges are checked (:func:`sim.config.validate` does both).

    Parameters
    ----------
    cfg : Config
        The scenario.

    Returns
    -------
    Config
        ``cfg`` unchanged, so that calls can be chained.

    Raises
    ------
    sim.errors.ConfigError
        On the first breach, naming the field, the value and what is allowed.
    """
    c = cfg.classic
    if c.model == "none":
        return cfg
    if cfg.market.network != "full":
        raise ConfigError("market.network", cfg.market.network,
                          f"'full' with classic.model={c.model!r} (the textbook model assumes full mixing)")
    if cfg.loyalty.schemes:
        raise ConfigError("loyalty.schemes", list(cfg.loyalty.schemes),
                          f"empty with classic.model={c.model!r} (the textbook model has no loyalty programme)")
    if c.model in COHORT_MODELS and c.period_weeks > cfg.horizon.weeks:
        raise ConfigError("classic.period_weeks", c.period_weeks,
                          f"an integer <= horizon.weeks ({cfg.horizon.weeks}) so that at least one period ends")
    if c.model == "markov" and not 1 <= len(c.purchase_probs) <= _MAX_RECENCY_STATES:
        raise ConfigError("classic.purchase_probs", list(c.purchase_probs),
                          f"a list of 1 to {_MAX_RECENCY_STATES} probabilities (one per recency state)")
    if c.model == "bgnbd" and c.spend_q <= 1.0:
        raise ConfigError("classic.spend_q", c.spend_q, "a number > 1 with classic.model='bgnbd' (the Gamma-Gamma "
                          "mean spend per purchase, spend_p spend_gamma / (spend_q - 1), is finite only then)")
    if c.model == "bass" and cfg.customers.initial >= cfg.market.potential:
        raise ConfigError("customers.initial", cfg.customers.initial,
                          f"an integer < market.potential ({cfg.market.potential}) so that someone is left to adopt")
    return cfg


def _initial_within_market(cfg: Config) -> None:
    """The initial customers are part of the market potential."""
    if cfg.customers.initial > cfg.market.potential:
        raise ConfigError(
            "customers.initial",
            cfg.customers.initial,
            f"an integer <= market.potential ({cfg.market.potential})",
        )


def _network_fits(cfg: Config) -> None:
    """A contact graph needs fewer contacts per person than people, and ties within the memory bound."""
    m = cfg.market
    if m.network == "full":
        return
    if m.network_degree >= m.potential:
        raise ConfigError("market.network_degree", m.network_degree,
                          f"a number in (0, market.potential) = (0, {m.potential}) with a contact network")
    if m.potential * m.network_degree / 2.0 > MAX_TIES:
        raise ConfigError("market.network_degree", m.network_degree,
                          f"a number with market.potential x degree / 2 <= {MAX_TIES:,} ties")


def _recency_chain_has_periods(cfg: Config) -> None:
    """Purchases by recency are decided once a period, so they need one; leaving at a purchase
    needs purchase occasions, which subscribers do not have."""
    c = cfg.customers
    if c.recency_purchase_probs and not c.billing_period_weeks:
        raise ConfigError("customers.recency_purchase_probs", list(c.recency_purchase_probs),
                          "empty unless customers.billing_period_weeks is set (the period of the purchase decisions)")
    if c.churn_timing == "at_purchase" and c.billing_period_weeks:
        raise ConfigError("customers.churn_timing", c.churn_timing,
                          "'weekly' with customers.billing_period_weeks (subscribers leave at a renewal)")
    if len(c.recency_purchase_probs) > _MAX_RECENCY_STATES:
        raise ConfigError("customers.recency_purchase_probs", list(c.recency_purchase_probs),
                          f"a list of at most {_MAX_RECENCY_STATES} probabilities (one per recency state)")


def _needs_shares_sum_to_one(cfg: Config) -> None:
    """One share per needs segment, summing to 1."""
    shares = cfg.customers.needs_shares
    if len(shares) != 4 or abs(sum(shares) - 1.0) > 1e-9:
        raise ConfigError("customers.needs_shares", list(shares),
                          "four shares (price seekers, quality seekers, values-driven, balanced) summing to 1")


def _schemes_distinct(cfg: Config) -> None:
    """A scheme runs once: naming it twice would double its effects and costs."""
    if len(set(cfg.loyalty.schemes)) != len(cfg.loyalty.schemes):
        raise ConfigError("loyalty.schemes", list(cfg.loyalty.schemes), "a list without repeats")


def _schedule_within_horizon(cfg: Config) -> None:
    """Product generations launch in order, and launches and price changes fall inside the run."""
    weeks = cfg.horizon.weeks
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


def _competitors_named(cfg: Config) -> None:
    """Rivals have distinct names (output columns), and price matching names one of them."""
    names = [comp.name for comp in cfg.market.competitors]
    if len(set(names)) != len(names):
        raise ConfigError("market.competitors", names, "competitors with distinct names")
    if cfg.pricing.match_competitor and cfg.pricing.match_competitor not in names:
        raise ConfigError("pricing.match_competitor", cfg.pricing.match_competitor,
                          "'' or the name of a competitor in market.competitors " + str(names))


def _windows_not_empty(cfg: Config) -> None:
    """Outages, campaigns and promotions end after they start."""
    for group, items in (("service.outages", cfg.service.outages), ("acquisition.campaigns", cfg.acquisition.campaigns),
                         ("pricing.promotions", cfg.pricing.promotions)):
        for i, item in enumerate(items):
            if item.end <= item.start:
                raise ConfigError(f"{group}[{i}].end", item.end, f"an integer > start ({item.start})")


def _segment_shares_fit(cfg: Config) -> None:
    """The top three value segments together hold at most all profitable customers."""
    seg = cfg.segments
    if seg.platinum_share + seg.gold_share + seg.silver_share > 1.0 + 1e-12:
        raise ConfigError(
            "segments.silver_share",
            seg.silver_share,
            "a share such that platinum + gold + silver <= 1 "
            f"(platinum + gold = {seg.platinum_share + seg.gold_share})",
        )


def _start_date_is_a_date(cfg: Config) -> None:
    """Week 0 has a calendar date, and the last week's date is one pandas can hold."""
    import datetime

    text = cfg.output.start_date
    try:
        start = datetime.date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        start = None
    if start is None or not 1900 <= start.year <= 2200:
        raise ConfigError("output.start_date", text, "a date YYYY-MM-DD from 1900-01-01 to 2200-12-31")


# The order in which breaches are reported: keep it, so that a scenario with several breaches
# always names the same field.
_CROSS_FIELD_RULES = (
    _initial_within_market,
    _network_fits,
    _needs_shares_sum_to_one,
    _recency_chain_has_periods,
    _schemes_distinct,
    _schedule_within_horizon,
    _competitors_named,
    _windows_not_empty,
    _segment_shares_fit,
    _start_date_is_a_date,
)


def validate(cfg: Config) -> Config:
    """Check every range and cross-field rule; raise :class:`ConfigError` on the first breach.

    Parameters
    ----------
    cfg : Config
        The scenario.

    Returns
    -------
    Config
        ``cfg`` unchanged, so that calls can be chained.

    Raises
    ------
    sim.errors.ConfigError
        On the first breach, naming the field, the value and what is allowed.
    """
    check_ranges(cfg, "")
    validate_loyalty(cfg.loyalty)
    for rule in _CROSS_FIELD_RULES:
        rule(cfg)
    validate_classic(cfg)
    return cfg
