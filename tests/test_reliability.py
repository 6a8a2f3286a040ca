"""Reliability: many small valid scenarios across every config group keep every identity and give finite,
in-range outputs; a sweep killed several times at random points finishes with the uninterrupted table.

The property test builds scenarios from the typed dataclasses and the group YAML files (read once, applied
by hand, no Hydra composition per example) and then draws field values, so that 1,000 examples cover the
breadth of the config space in about a minute on one worker.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import os
import random
import signal
import subprocess
import sys
import time
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from omegaconf import OmegaConf

from sim import Config, run
from sim.config import (
    LOYALTY_SCHEMES,
    Campaign,
    Competitor,
    ConfigError,
    Outage,
    PriceChange,
    Promotion,
    Treatment,
    validate,
)
from sim.network import NETWORKS, SEEDINGS
from tests.test_engine import check_identities

CONFIG_DIR = Path(__file__).resolve().parent.parent / "configs"
GROUPS = ("market", "customers", "product", "pricing", "service", "loyalty", "acquisition", "segments", "retention")
SEGMENTS = ("platinum", "gold", "silver", "bronze", "lead")


def _apply(obj, values: dict) -> None:
    """Set the plain values of a YAML group file onto a dataclass (nested dicts onto nested dataclasses)."""
    for key, value in values.items():
        if key == "defaults":
            continue
        current = getattr(obj, key)  # an unknown key in a group file is an error here too
        if dataclasses.is_dataclass(current) and isinstance(value, dict):
            _apply(current, value)
        else:
            setattr(obj, key, copy.deepcopy(value))


@cache
def group_options() -> dict[str, dict[str, dict]]:
    """``{group: {option: values}}`` of every YAML file under configs/<group>/, read once."""
    return {
        g: {p.stem: OmegaConf.to_container(OmegaConf.load(p), resolve=True)
            for p in sorted((CONFIG_DIR / g).glob("*.yaml"))}
        for g in GROUPS
    }


@cache
def base_for(choice: tuple[tuple[str, str], ...]) -> Config:
    cfg = Config()
    for group, option in choice:
        _apply(getattr(cfg, group), group_options()[group][option])
    return cfg


prob = st.floats(0.0, 1.0)
small_prob = st.floats(0.0, 0.3)


def _windows(draw, weeks: int, make, n_max: int = 2) -> list:
    items = []
    for _ in range(draw(st.integers(0, n_max))):
        start = draw(st.integers(0, weeks))
        items.append(make(start, start + draw(st.integers(1, 8))))
    return items


@st.composite
def valid_configs(draw) -> Config:
    options = group_options()
    choice = tuple((g, draw(st.sampled_from(sorted(options[g])))) for g in GROUPS)
    cfg = copy.deepcopy(base_for(choice))
    weeks = draw(st.integers(1, 30))
    cfg.seed = draw(st.integers(0, 2**32))
    cfg.horizon.weeks = weeks
    cfg.output.plots = False
    cfg.output.cohort_weeks = draw(st.integers(1, 13))
    cfg.output.transactions = draw(st.integers(0, 3)) == 0

    # Market and customers: small populations.
    cfg.customers.initial = draw(st.integers(0, 200))
    cfg.market.potential = max(1, cfg.customers.initial + draw(st.integers(0, 1800)))
    cfg.market.initially_aware = draw(prob)
    cfg.market.word_of_mouth = draw(st.floats(0, 2))
    cfg.market.consideration_exit = draw(prob)
    cfg.market.detractor_effect = draw(st.floats(0, 5))
    cfg.customers.conversion_rate = draw(prob)
    cfg.customers.churn_rate = draw(st.floats(0, 0.5))
    cfg.customers.purchase_rate_mean = draw(st.floats(0.01, 3))
    cfg.customers.purchase_rate_shape = draw(st.floats(0.05, 5))
    cfg.customers.lapse_weeks = draw(st.integers(1, 20))
    cfg.customers.service_demand_sigma = draw(st.floats(0, 4))
    cfg.customers.basket_sigma = draw(st.floats(0, 3))
    cfg.customers.price_sensitivity_sd = draw(st.floats(0, 3))
    cfg.customers.complaint_propensity = draw(prob)
    cu = cfg.customers
    cu.basket_units_mean = draw(st.floats(0.01, 20))
    cu.price_sensitivity_mean = draw(st.floats(0, 6))
    cu.quality_sensitivity_mean = draw(st.floats(0, 4))
    cu.churn_satisfaction_effect = draw(st.floats(0, 20))
    cu.lapsing_churn_multiplier = draw(st.floats(1, 10))
    cu.satisfaction_neutral = draw(prob)
    cu.reference_value = draw(st.floats(-10, 10))
    cu.satisfaction_memory = draw(prob)
    cu.value_weight = draw(st.floats(0, 5))
    cu.loss_aversion = draw(st.floats(1, 10))
    cu.expectation_adaptation = draw(prob)
    cu.satisfaction_purchase_effect = draw(st.floats(0, 5))
    cu.attachment_growth = draw(prob)
    cu.attachment_decay = draw(prob)
    cu.attachment_purchase_ratio = draw(st.floats(1, 10))
    cu.attachment_price_relief = draw(prob)
    cu.choice_sensitivity = draw(st.floats(0, 50))
    cu.switching_inertia = draw(st.floats(0, 10))
    cu.competitor_churn_effect = draw(st.floats(0, 10))
    cu.recovery_gain = draw(prob)
    cu.failure_trust_penalty = draw(prob)
    # Word of mouth over a contact network (graph over all people), reviews and the advertising promise.
    if cfg.market.potential >= 2 and draw(st.booleans()):
        cfg.market.network = draw(st.sampled_from(NETWORKS[1:]))
        cfg.market.network_degree = draw(st.floats(0.1, min(30.0, cfg.market.potential - 0.5)))
        cfg.market.network_rewire = draw(prob)
        cfg.market.network_exponent = draw(st.floats(2.05, 5.0))
        cfg.market.network_seeding = draw(st.sampled_from(SEEDINGS))
        cfg.market.network_draw = draw(st.integers(0, 3))
    cfg.market.review_weight = draw(prob)
    cfg.acquisition.ad_expectation_lift = draw(st.floats(-1.0, 1.0))
    cu.expectation_conversion_effect = draw(st.floats(0, 50))
    cfg.market.discount_rate_annual = draw(prob)
    cfg.market.promoter_satisfaction = draw(prob)
    cfg.market.detractor_satisfaction = draw(prob)
    cfg.pricing.reference_price = draw(st.floats(1, 100))
    cfg.service.quality = draw(prob)
    cfg.service.failure_severity = draw(st.floats(0, 2))
    cfg.service.cost_per_transaction = draw(st.floats(0, 10))
    if draw(st.booleans()):
        raw = [draw(st.floats(0.0, 1.0)) for _ in range(4)]
        total = sum(raw)
        if total > 0:
            shares = [x / total for x in raw]
            shares[-1] = 1.0 - sum(shares[:-1])
            if 0.0 <= shares[-1] <= 1.0 and abs(sum(shares) - 1.0) <= 1e-12:
                cfg.customers.needs_shares = shares

    # Competitors: 0-2 rivals with entry weeks and price changes.
    rivals = []
    for i in range(draw(st.integers(0, 2))):
        rivals.append(Competitor(
            name=f"rival{i}", price=draw(st.floats(1, 60)), product_quality=draw(prob), service_quality=draw(prob),
            advertising_per_week=draw(st.sampled_from([0.0, 5000.0, 50000.0])),
            entry_week=draw(st.integers(0, weeks + 5)),
            price_changes=[PriceChange(week=draw(st.integers(0, weeks + 5)), list_price=draw(st.floats(1, 60)))
                           for _ in range(draw(st.integers(0, 2)))]))
    cfg.market.competitors = rivals

    # Product: launch week, obsolescence, initial stage.
    cfg.product.launch_week = draw(st.integers(0, weeks - 1)) if draw(st.booleans()) else 0
    cfg.product.development_cost_per_week = draw(st.sampled_from([0.0, 1000.0]))
    cfg.product.obsolescence_rate = draw(st.sampled_from([0.0, 0.3, 5.0]))
    cfg.product.initial_stage = draw(st.sampled_from(["introduction", "growth", "maturity", "decline"]))
    cfg.product.stage_window = draw(st.integers(1, 13))
    cfg.product.quality = draw(prob)
    cfg.product.unit_cost = draw(st.floats(0, 50))

    # Pricing: promotions, new-customer discount, price changes, price matching.
    cfg.pricing.list_price = draw(st.floats(1, 100))
    cfg.pricing.discount = draw(st.floats(0, 0.9))
    cfg.pricing.new_customer_discount = draw(st.floats(0, 0.9))
    cfg.pricing.changes = [PriceChange(week=draw(st.integers(0, weeks - 1)), list_price=draw(st.floats(1, 100)))
                           for _ in range(draw(st.integers(0, 2)))]
    cfg.pricing.promotions = _windows(draw, weeks,
                                      lambda s, e: Promotion(start=s, end=e, discount=draw(st.floats(0, 0.9))))
    if rivals and draw(st.booleans()):
        cfg.pricing.match_competitor = draw(st.sampled_from([r.name for r in rivals]))
        cfg.pricing.match_lag_weeks = draw(st.integers(0, 6))
        cfg.pricing.match_floor = draw(st.floats(0, 30))

    # Service levels and outages.
    cfg.service.failure_prob = draw(prob)
    cfg.service.complaint_handling_quality = draw(prob)
    cfg.service.quality_sd = draw(st.floats(0, 1))
    cfg.service.support_contact_rate = draw(st.sampled_from([0.0, 0.05, 1.0])) if draw(st.booleans()) else draw(prob)
    cfg.service.support_quality = draw(prob)
    cfg.service.cost_per_support_contact = draw(st.floats(0, 20))
    cfg.service.outages = _windows(draw, weeks, lambda s, e: Outage(start=s, end=e, failure_prob=draw(prob)))

    # Loyalty: every scheme and hybrids (any subset of schemes).
    lo = cfg.loyalty
    if draw(st.integers(0, 3)) == 0:
        lo.schemes = sorted(draw(st.sets(st.sampled_from(LOYALTY_SCHEMES), min_size=0, max_size=len(LOYALTY_SCHEMES))))
        lo.name = "+".join(lo.schemes) or "none"
    lo.paired_baseline = draw(st.integers(0, 4)) == 0
    lo.enrolment_prob = draw(prob)
    lo.signup_offer_cost = draw(st.sampled_from([0.0, 5.0]))
    lo.fixed_cost_per_week = draw(st.sampled_from([0.0, 250.0]))
    lo.cost_per_member_week = draw(st.sampled_from([0.0, 0.01, 1.0]))
    pts = lo.points
    pts.earn_rate = draw(st.floats(0, 20))
    pts.threshold = draw(st.integers(1, 600))
    pts.redemption_prob = draw(prob)
    pts.redeemer_share = draw(prob)
    pts.expiry_weeks = draw(st.integers(1, 30))
    pts.purchase_uplift = draw(st.floats(0, 1))
    pts.goal_gradient = draw(st.floats(0, 2))
    pts.endowed_points = draw(st.integers(0, 300))
    pts.reward_value = draw(st.floats(0, 50))
    pts.expected_redemption = draw(prob)
    tiers = lo.tiers
    tiers.promotion_attachment_gain = draw(prob)
    tiers.promotion_satisfaction_gain = draw(prob)
    tiers.demotion_attachment_loss = draw(prob)
    tiers.demotion_satisfaction_loss = draw(prob)
    tiers.demotion_churn_multiplier = draw(st.floats(1, 10))
    n_up = draw(st.integers(1, 3))
    steps = [draw(st.floats(1, 2000)) for _ in range(n_up)]
    tiers.thresholds = list(np.cumsum(steps).astype(float))
    if any(b <= a for a, b in zip(tiers.thresholds, tiers.thresholds[1:])):
        tiers.thresholds = [100.0 * (i + 1) for i in range(n_up)]
    tiers.thresholds = [float(x) for x in tiers.thresholds]
    n = n_up + 1
    tiers.names = [f"t{i}" for i in range(n)]
    tiers.discounts = [draw(st.floats(0, 0.5)) for _ in range(n)]
    tiers.service_bonuses = [draw(st.floats(0, 0.3)) for _ in range(n)]
    tiers.service_costs = [draw(st.floats(0, 2)) for _ in range(n)]
    tiers.earn_multipliers = [draw(st.floats(0, 3)) for _ in range(n)]
    tiers.purchase_multipliers = [draw(st.floats(0.5, 2)) for _ in range(n)]
    tiers.churn_multipliers = [draw(st.floats(0, 2)) for _ in range(n)]
    tiers.review_weeks = draw(st.integers(1, 8))
    tiers.window_weeks = tiers.review_weeks * draw(st.integers(1, 4))
    gam = lo.gamified
    gam.challenge_weeks = draw(st.integers(1, 8))
    gam.challenge_target = draw(st.integers(1, 8))
    gam.instant_win_prob = draw(prob)
    gam.engagement_uplift = draw(st.floats(0, 2))
    gam.novelty_half_life_weeks = draw(st.floats(0.5, 52))
    gam.pack_price = draw(st.floats(1, 100))
    gam.pack_bonus = draw(prob)
    gam.pack_uptake = draw(prob)
    co = lo.coalition
    co.partner_share = draw(prob)
    co.partner_points_per_week = draw(st.floats(0, 100))
    co.funding_share = draw(prob)
    co.unlock_spend = draw(st.floats(0, 500))
    co.unlock_period_weeks = draw(st.integers(1, 13))
    co.fee_per_member_week = draw(st.floats(0, 1))
    co.partner_engagement = draw(st.floats(0, 2))
    co.unlocked_purchase_multiplier = draw(st.floats(0.1, 5))
    co.unlocked_churn_multiplier = draw(st.floats(0, 5))
    gam.novelty_floor = draw(prob)
    gam.affinity_a = draw(st.floats(0.05, 10))
    gam.affinity_b = draw(st.floats(0.05, 10))
    gam.challenge_reward = draw(st.floats(0, 20))
    gam.instant_win_value = draw(st.floats(0, 20))
    lo.charity.donation_share = draw(st.floats(0, 0.5))
    lo.charity.attachment_lift = draw(prob)

    # Acquisition: media, campaigns, win-back, referrals.
    acq = cfg.acquisition
    acq.media_budget_per_week = draw(st.floats(0, 1e5))
    acq.reach_max = draw(prob)
    acq.winback_share = draw(prob)
    acq.winback_success_prob = draw(prob)
    acq.referral_reward = draw(st.sampled_from([0.0, 10.0]))
    acq.referral_conversion_boost = draw(st.floats(0, 3))
    acq.campaigns = _windows(draw, weeks,
                             lambda s, e: Campaign(start=s, end=e, budget_per_week=draw(st.floats(0, 1e5))))

    # Segments and their treatments.
    seg = cfg.segments
    seg.platinum_share = draw(st.floats(0, 0.5))
    seg.gold_share = draw(st.floats(0, 0.5 - seg.platinum_share)) if seg.platinum_share < 0.5 else 0.0
    seg.silver_share = draw(st.floats(0, max(0.0, 1.0 - seg.platinum_share - seg.gold_share - 1e-9)))
    seg.review_weeks = draw(st.integers(1, 13))
    seg.treatments = [Treatment(segment=s, price_factor=draw(st.floats(0.5, 2)),
                                service_bonus=draw(st.floats(-0.3, 0.3)), service_cost_per_week=draw(st.floats(0, 2)))
                      for s in draw(st.lists(st.sampled_from(SEGMENTS), max_size=3, unique=True))]

    # Retention targeting.
    ret = cfg.retention
    if draw(st.booleans()):
        ret.budget_per_week = draw(st.floats(0, 5000))
    ret.offer_cost = draw(st.floats(0.5, 50))
    ret.min_risk = draw(prob)
    ret.satisfaction_gain = draw(prob)
    ret.anonymous_visibility = draw(prob)
    ret.cooldown_weeks = draw(st.integers(1, 13))
    ret.prior_churn = draw(small_prob)
    return cfg


# Columns and KPIs that are rates or shares: each must lie in [0, 1].
UNIT_SUMMARY = ("retention_rate_annual", "share_profitable_customers", "member_sales_share", "points_redemption_rate",
                "points_breakage_ultimate", "points_breakage_settled", "members_rewarded_share",
                "partner_funding_share_of_rewards",
                "charity_attachment_values_driven", "charity_attachment_others")
UNIT_TIMESERIES = ("mean_satisfaction", "discount", "failure_prob", "share_of_wallet")
UNIT_CUSTOMERS = ("satisfaction", "attachment")
UNIT_SEGMENTS = ("share_of_customers",)


def _finite(df: pd.DataFrame | None, name: str) -> None:
    if df is None:
        return
    num = df.select_dtypes("number").to_numpy(dtype=float)
    bad = ~np.isfinite(num)
    assert not bad.any(), (f"non-finite values in {name}: "
                           f"columns {sorted(set(df.select_dtypes('number').columns[bad.any(axis=0)]))}")


def _in_unit(values, name: str) -> None:
    arr = np.asarray(values, dtype=float)
    assert ((arr >= -1e-12) & (arr <= 1 + 1e-12)).all(), f"{name} outside [0, 1]: {arr[(arr < 0) | (arr > 1)][:5]}"


def check_outputs(result) -> None:
    """Identities (tests/test_engine.py), no NaN or infinity anywhere, every rate and share in [0, 1]."""
    check_identities(result)
    s = result.summary
    if result.transactions is not None:
        assert result.transactions["amount"].sum() == pytest.approx(s["revenue"], rel=1e-9, abs=1e-6)
    for k, v in s.items():
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            assert math.isfinite(v), f"summary[{k!r}] = {v!r}"
    for name, df in (("timeseries", result.timeseries), ("cohorts", result.cohorts), ("customers", result.customers),
                     ("segments", result.segments), ("transactions", result.transactions)):
        _finite(df, name)
    for k in UNIT_SUMMARY:
        if s.get(k) is not None:
            _in_unit([s[k]], f"summary[{k!r}]")
    for col in UNIT_TIMESERIES:
        if col in result.timeseries:
            _in_unit(result.timeseries[col], f"timeseries.{col}")
    for col in UNIT_CUSTOMERS:
        if col in result.customers:
            _in_unit(result.customers[col], f"customers.{col}")
    if result.segments is not None:
        for col in UNIT_SEGMENTS:
            if col in result.segments:
                _in_unit(result.segments[col], f"segments.{col}")


@settings(max_examples=1000, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
@given(valid_configs())
def test_valid_random_configs_keep_identities_finite_outputs_and_unit_rates(cfg):
    validate(cfg)  # the generator must only produce valid scenarios
    check_outputs(run(cfg))


def test_overlapping_campaigns_with_no_base_budget_do_not_book_negative_media():
    cfg = Config()
    cfg.customers.initial, cfg.market.potential, cfg.horizon.weeks, cfg.output.plots = 10, 100, 3, False
    cfg.acquisition.media_budget_per_week = 0.0
    cfg.acquisition.campaigns = [Campaign(start=0, end=1, budget_per_week=0.3),
                                 Campaign(start=0, end=1, budget_per_week=0.6)]
    result = run(validate(cfg))
    check_outputs(result)
    assert (result.timeseries["media_budget"] >= 0).all()


@pytest.mark.parametrize("path, value", [
    ("service.quality_sd", 1e50),               # customers.satisfaction/expectation and mean_satisfaction NaN
    ("service.failure_severity", 1e50),         # same
    ("customers.basket_units_mean", 1e50),      # ValueError: Ledger amounts are magnitudes: discounts got nan
    ("loyalty.points.endowed_points", 10**18),  # ValueError: Point flows are magnitudes: issued got -5.3e18
                                                # (int64 overflow)
])
def test_extreme_values_are_refused_or_give_finite_outputs(path, value):
    cfg = Config()
    cfg.customers.initial, cfg.market.potential, cfg.horizon.weeks, cfg.output.plots = 100, 1000, 20, False
    cfg.loyalty.paired_baseline = False
    if path.startswith("loyalty."):
        cfg.loyalty.name, cfg.loyalty.schemes = "points", ["points"]
    obj = cfg
    *parents, leaf = path.split(".")
    for p in parents:
        obj = getattr(obj, p)
    setattr(obj, leaf, value)
    # Either the schema bounds the value (a clear ConfigError), or the run stays finite.
    try:
        validate(cfg)
    except ConfigError as err:
        assert err.field_path == path
        return
    check_outputs(run(cfg))


def test_every_group_option_loads_onto_the_schema():
    opts = group_options()
    assert set(opts["loyalty"]) >= {"none", "points", "tiers", "gamified", "coalition", "charity", "hybrid"}
    for group in GROUPS:
        for option in opts[group]:
            validate(base_for(((group, option),)))


# ---------------------------------------------------------------------------------------------- crash safety

SWEEP_SMALL = ["customers.initial=100", "market.potential=600", "horizon.weeks=12", "output.plots=false"]
SWEEP = ["loyalty=none,points", "seed=range(3)", *SWEEP_SMALL]
KILLS = 3


def _sweep_cmd(sweep_dir: Path) -> list[str]:
    return [sys.executable, "-m", "sim", "--multirun", *SWEEP, f"hydra.sweep.dir={sweep_dir}",
            "hydra.launcher.n_jobs=1"]


def _run_sweep(sweep_dir: Path) -> float:
    t0 = time.monotonic()
    proc = subprocess.run(_sweep_cmd(sweep_dir), capture_output=True, text=True, timeout=180, cwd=sweep_dir.parent)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return time.monotonic() - t0


def _job_dirs(sweep_dir: Path) -> list[Path]:
    return [p for p in sweep_dir.iterdir() if p.is_dir() and not p.name.startswith(".")]


def _snapshot(sweep_dir: Path) -> dict:
    if not sweep_dir.is_dir():
        return {}
    return {p.name: (p.stat().st_mtime_ns, (p / "run.json").exists()) for p in _job_dirs(sweep_dir)}


def test_sweep_killed_three_times_at_random_points_finishes_with_the_uninterrupted_table(tmp_path):
    (tmp_path / "ref").mkdir()
    (tmp_path / "killed").mkdir()
    ref_dir, sweep_dir = tmp_path / "ref" / "sweep", tmp_path / "killed" / "sweep"
    _run_sweep(ref_dir)
    reference = pd.read_parquet(ref_dir / "results.parquet")
    assert len(reference) == 6

    rng = random.Random(20261123)
    killed_while_running = 0
    for _ in range(KILLS):
        before = _snapshot(sweep_dir)
        proc = subprocess.Popen(_sweep_cmd(sweep_dir), cwd=sweep_dir.parent, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        # Wait until this restart makes progress (a job directory appears or changes), then kill after a
        # random delay: somewhere inside a job, between jobs, or while the table is being written.
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline and _snapshot(sweep_dir) == before:
            time.sleep(0.005)
        time.sleep(rng.uniform(0.0, 0.3))
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            killed_while_running += 1
        else:
            assert proc.returncode == 0
    assert killed_while_running >= 2, "the restarts finished before their kills; the test exercised too little"
    assert len([p for p in _job_dirs(sweep_dir) if (p / "run.json").exists()]) < 6

    _run_sweep(sweep_dir)
    final = pd.read_parquet(sweep_dir / "results.parquet")
    kpis = [c for c in reference.columns if c != "wall_seconds"]
    pd.testing.assert_frame_equal(final[kpis], reference[kpis])
    jobs = _job_dirs(sweep_dir)
    assert len(jobs) == 6
    assert [p.name for p in jobs if not (p / "run.json").is_file()] == []
    assert not list(sweep_dir.rglob("*.tmp")) and not list(sweep_dir.glob("*/.plots.*"))
