"""Loyalty programmes: every scheme's books balance, configs are checked, hybrids are unions.

Behavioural mechanisms (goal gradient, demotion, charity, ...) are in test_loyalty_behaviour.py.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from sim import run
from sim.config import LOYALTY_SCHEMES, ConfigError, LoyaltyConfig, validate, validate_loyalty
from sim.engine import Simulation
from sim.population import CHURNED
from sim.strategy.loyalty import SCHEMES, build_programme
from tests.conftest import CONFIG_DIR, SMALL, compose_config, with_changes
from tests.test_engine import check_identities

YAMLS = sorted(p.stem for p in Path(CONFIG_DIR, "loyalty").glob("*.yaml"))


@pytest.fixture(scope="module")
def results() -> dict:
    """Each real loyalty config on the small scenario (2,000 customers, 104 weeks), seed 0."""
    return {name: run(compose_config([f"loyalty={name}", *SMALL])) for name in YAMLS}


def test_registries_and_yaml_files_agree():
    assert set(SCHEMES) == set(LOYALTY_SCHEMES)
    assert {"none", "hybrid", *LOYALTY_SCHEMES} <= set(YAMLS)
    for name in YAMLS:
        cfg = compose_config([f"loyalty={name}"]).loyalty
        assert cfg.name == name and set(cfg.schemes) <= set(SCHEMES)
    assert len(compose_config(["loyalty=hybrid"]).loyalty.schemes) >= 2


@pytest.mark.parametrize("name", YAMLS)
def test_every_scheme_balances_its_books(results, name):
    """Points conservation and the money identities hold for every scheme and the hybrid."""
    r = results[name]
    check_identities(r)
    s = r.summary
    if name == "none":
        assert s["loyalty_cost"] == 0.0 and s["points_liability"] == 0.0 and s["loyalty_net_roi"] is None
        return
    assert s["loyalty_cost"] > 0
    assert s["loyalty_incremental_profit"] is not None and "loyalty_net_roi" in s
    assert s["members_end"] > 0 and 0 < s["members_active_end"] <= s["members_end"]
    assert 0 < s["member_sales"] <= s["revenue"]
    # Cost by category adds up to the loyalty cost (partner funding and the release of the points
    # provision offset it).
    by_cat = {k[len("loyalty_"):]: v for k, v in s.items() if k.startswith("loyalty_") and isinstance(v, float)
              and k not in ("loyalty_cost", "loyalty_net_roi", "loyalty_incremental_profit", "loyalty_incremental_npv",
                            "loyalty_cost_share_of_member_sales", "loyalty_prepaid_received",
                            "loyalty_prepaid_released")}
    offsets = ("partner_funding", "points_released")
    assert sum(-v if k in offsets else v for k, v in by_cat.items()) == pytest.approx(s["loyalty_cost"])
    ts = r.timeseries
    assert (ts["members_active"] <= ts["members"]).all()
    assert ts["member_sales"].sum() == pytest.approx(s["member_sales"])


def test_all_schemes_at_once_balance(small_config):
    cfg = with_changes(small_config, **{"loyalty.name": "all", "loyalty.schemes": list(LOYALTY_SCHEMES),
                                         "loyalty.fixed_cost_per_week": 100.0, "loyalty.paired_baseline": False})
    r = run(cfg)
    check_identities(r)
    s = r.summary
    for cat in ("reward_cost", "discounts", "tier_benefits", "game_rewards", "prepaid_bonus", "partner_fees",
                "charity", "partner_funding"):
        assert s[f"loyalty_{cat}"] > 0, cat
    # One currency: points earned at the firm and at partners share one balance and liability.
    assert s["points_issued"] == s["points_redeemed"] + s["points_expired"] + s["points_outstanding"]
    assert s["points_liability"] == pytest.approx(
        s["points_outstanding"] * cfg.loyalty.points.reward_value / cfg.loyalty.points.threshold
        * cfg.loyalty.points.expected_redemption + s["prepaid_liability"])


def test_members_are_maintained(results):
    """Membership is agent state: set at enrolment, kept through churn and win-back."""
    cust, cfg = results["points"].customers, results["points"].config
    share = cust.loc[cust.initial_base, "member"].mean()
    assert abs(share - cfg.loyalty.enrolment_prob) < 0.05
    assert not results["none"].customers["member"].any()
    ts = results["points"].timeseries
    assert ts["members"].iloc[-1] == results["points"].summary["members_end"]


def test_programme_costs_once_setup_in_week_zero(small_config):
    """A hybrid has one membership and one set of programme costs; set-up is booked in week 0."""
    changes = {"loyalty.enrolment_prob": 0.5, "loyalty.setup_cost": 10_000.0, "loyalty.fixed_cost_per_week": 100.0,
               "loyalty.cost_per_member_week": 0.1, "loyalty.signup_offer_cost": 2.0, "loyalty.paired_baseline": False}
    week0 = {}
    for schemes in (["points"], ["points", "tiers", "charity"]):
        r = run(with_changes(small_config, **{"loyalty.schemes": schemes, **changes}))
        ts = r.timeseries
        week0[len(schemes)] = ts.loc[0, "programme_cost"]
        members0 = ts.loc[0, "members"]
        # Initial members' welcome offers + set-up + running cost + per-member cost.
        assert ts.loc[0, "programme_cost"] >= 10_000 + 100 + 0.1 * members0 + 2.0 * members0 - 1e-6
        assert (ts.loc[1:, "programme_cost"] < 10_000).all()
    assert week0[1] == pytest.approx(week0[3])


def test_hybrid_is_the_union_of_its_parts(small_config):
    """Hooks combine (multipliers multiply, bonuses add), outputs are the union, bonus earn applies."""
    cfg = with_changes(small_config, **{"loyalty.schemes": ["points", "tiers"], "loyalty.enrolment_prob": 1.0,
                                         "horizon.weeks": 60, "loyalty.paired_baseline": False})
    sim = Simulation(cfg)
    sim.run()
    prog, ctx = sim.programme, sim.ctx  # the hooks see the run's narrow context, not the engine
    points, tiers = prog.get("points"), prog.get("tiers")
    rows = np.arange(sim.pop.n)
    assert (sim.pop.tier[rows] > 0).any()
    for hook, op in (("purchase_multiplier", np.multiply), ("price_factor", np.multiply),
                     ("churn_multiplier", np.multiply), ("service_bonus", np.add)):
        parts = op(getattr(points, hook)(ctx, rows), getattr(tiers, hook)(ctx, rows))
        assert np.array_equal(getattr(prog, hook)(ctx, rows), np.broadcast_to(parts, rows.shape)), hook
    assert set(prog.weekly(ctx)) >= set(points.weekly(ctx)) | set(tiers.weekly(ctx))
    assert set(prog.kpis(ctx)) >= set(points.kpis(ctx)) | set(tiers.kpis(ctx))
    # Bonus earn: a member of tier k earns floor(paid x price factor x earn rate x multiplier k).
    ctx.week = sim.weeks - 1
    alive = rows[sim.pop.state[rows] != CHURNED]
    before = sim.pop.points[alive].copy()
    paid = np.full(alive.size, 100.0)
    prog.on_purchases(ctx, alive, paid)
    tier = sim.pop.tier[alive]
    expected = np.floor(100.0 * (1 - np.asarray(cfg.loyalty.tiers.discounts)[tier])
                        * np.asarray(cfg.loyalty.tiers.earn_multipliers)[tier])
    assert np.array_equal(sim.pop.points[alive] - before, expected.astype(np.int64))


def test_coalition_shares_the_points_currency(small_config):
    """points + coalition is the coalition alone: one balance, no double earning or costs."""
    base = {"loyalty.paired_baseline": False, "loyalty.fixed_cost_per_week": 100.0}
    alone = run(with_changes(small_config, **{"loyalty.schemes": ["coalition"], **base})).summary
    both = run(with_changes(small_config, **{"loyalty.schemes": ["points", "coalition"], **base})).summary
    for k in ("profit", "points_issued", "points_redeemed", "points_expired", "loyalty_cost", "points_liability",
              "loyalty_partner_funding", "partner_points"):
        assert alone[k] == pytest.approx(both[k], rel=1e-12), k
    assert alone["loyalty_partner_funding"] == pytest.approx(
        small_config.loyalty.coalition.funding_share * alone["loyalty_reward_cost"])
    assert alone["partner_points"] > 0


# -- configuration ---------------------------------------------------------------------------


def test_none_yaml_is_the_schema_default():
    assert dataclasses.asdict(compose_config(["loyalty=none"]).loyalty) == dataclasses.asdict(LoyaltyConfig())


@pytest.mark.parametrize(
    "path, value, field, fragment",
    [
        ("loyalty.points.redeemer_share", 1.5, "loyalty.points.redeemer_share", "[0.0, 1.0]"),
        ("loyalty.points.threshold", 0, "loyalty.points.threshold", ">= 1"),
        ("loyalty.setup_cost", -1.0, "loyalty.setup_cost", ">= 0.0"),
        ("loyalty.tiers.discounts", [0.0, 0.1, 1.0], "loyalty.tiers.discounts[2]", "[0.0, 1.0)"),
        ("loyalty.gamified.pack_bonus", 2.0, "loyalty.gamified.pack_bonus", "[0.0, 1.0]"),
        ("loyalty.gamified.novelty_half_life_weeks", 0.0, "loyalty.gamified.novelty_half_life_weeks", "> 0.0"),
        ("loyalty.coalition.funding_share", -0.1, "loyalty.coalition.funding_share", "[0.0, 1.0]"),
        ("loyalty.charity.donation_share", 0.9, "loyalty.charity.donation_share", "[0.0, 0.5]"),
        ("loyalty.schemes", ["points", "loyalty"], "loyalty.schemes[1]", "'charity'"),
    ],
)
def test_bad_values_name_field_value_and_rule(path, value, field, fragment):
    cfg = with_changes(compose_config(["loyalty=hybrid"]), **{path: value})
    with pytest.raises(ConfigError) as info:
        validate(cfg)
    assert info.value.field_path == field
    assert f"'{field}'" in str(info.value) and fragment in str(info.value) and "Got" in str(info.value)


@pytest.mark.parametrize(
    "path, value, field, fragment",
    [
        ("tiers.thresholds", [3000.0, 1200.0], "loyalty.tiers.thresholds", "strictly increasing"),
        ("tiers.thresholds", [1200.0, 1200.0], "loyalty.tiers.thresholds", "strictly increasing"),
        ("tiers.thresholds", [1200.0], "loyalty.tiers.names", "2 distinct identifiers"),
        ("tiers.names", ["base", "base", "gold"], "loyalty.tiers.names", "3 distinct identifiers"),
        ("tiers.names", ["base", "silver", "gold card"], "loyalty.tiers.names", "identifiers"),
        ("tiers.discounts", [0.0, 0.01], "loyalty.tiers.discounts", "a list of 3 values"),
        ("tiers.churn_multipliers", [1.0, 0.9, 0.8, 0.7], "loyalty.tiers.churn_multipliers", "a list of 3 values"),
        ("tiers.window_weeks", 50, "loyalty.tiers.window_weeks", "multiple of review_weeks (13)"),
    ],
)
def test_cross_field_rules_name_field_value_and_rule(path, value, field, fragment):
    cfg = with_changes(compose_config(["loyalty=tiers"]), **{f"loyalty.{path}": value})
    with pytest.raises(ConfigError) as info:
        validate(cfg)  # the run-start validation applies the loyalty cross-field rules
    with pytest.raises(ConfigError):
        validate_loyalty(cfg.loyalty)
    named = getattr(cfg.loyalty.tiers, field.rsplit(".", 1)[1])
    assert info.value.field_path == field and fragment in str(info.value) and f"Got {named!r}" in str(info.value)
    with pytest.raises(ConfigError):  # refused before any week is simulated
        build_programme(cfg.loyalty)


def test_every_yaml_passes_validation():
    for name in YAMLS:
        cfg = compose_config([f"loyalty={name}"])
        assert validate_loyalty(validate(cfg).loyalty) is cfg.loyalty


def test_calendar_window_is_the_one_bucket_case(small_config):
    """A calendar window (window = review period) restarts qualification at every review."""
    cfg = with_changes(small_config, **{"loyalty.schemes": ["tiers"], "loyalty.tiers.window_weeks": 13,
                                         "loyalty.tiers.review_weeks": 13, "loyalty.paired_baseline": False})
    rolling = run(with_changes(cfg, **{"loyalty.tiers.window_weeks": 52})).summary
    calendar = run(cfg).summary
    # Only a quarter's spend counts: fewer members reach the upper tiers.
    assert calendar["tier_base_members_end"] > rolling["tier_base_members_end"]
    assert calendar["tier_demotions"] > 0 and calendar["tier_promotions"] > 0
