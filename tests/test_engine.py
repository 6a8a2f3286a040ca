"""The engine end to end in memory: identities, determinism, interventions, common random numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import Config, run
from sim.config import Campaign, Outage, PriceChange
from tests.conftest import with_changes


def check_identities(result) -> None:
    """The accounting identities of the KPI contract (README) that must hold in every run."""
    s, ts, cust = result.summary, result.timeseries, result.customers
    scale = max(1.0, abs(s["gross_margin"]), s["acquisition_spend"], s["retention_spend"], s["other_costs"])
    assert s["profit"] == pytest.approx(
        s["gross_margin"] - s["acquisition_spend"] - s["retention_spend"] - s["other_costs"], abs=1e-9 * scale)
    assert s["customers_active_end"] == (
        s["customers_initial"] + s["customers_acquired"] - s["customers_churned"] + s["customers_won_back"])
    assert s["points_issued"] == s["points_redeemed"] + s["points_expired"] + s["points_outstanding"]
    assert int(cust["points"].sum()) == s["points_outstanding"]
    # The weekly flow of customers adds up, week by week.
    prev = np.r_[s["customers_initial"], ts["active"].to_numpy()[:-1]]
    assert np.array_equal(ts["active"], prev + ts["new"] - ts["churned"] + ts["won_back"])
    # Every sale and margin is attributed to exactly one customer.
    assert cust["revenue"].sum() == pytest.approx(s["revenue"], rel=1e-9, abs=1e-6)
    assert cust["gross_margin"].sum() == pytest.approx(s["gross_margin"], rel=1e-9, abs=1e-6)
    # A calibrated firm's customers drawn as gone before week 0 are rows too, but not the base.
    assert len(cust) == s["customers_initial"] + s["customers_acquired"] + s.get("customers_gone_before_start", 0)
    assert cust["customer_id"].is_unique
    for df in (ts, result.cohorts, cust):
        num = df.select_dtypes("number")
        assert np.isfinite(num.to_numpy(dtype=float)).all()
    assert 0.0 <= s["retention_rate_annual"] <= 1.0 and 0.0 <= s["share_profitable_customers"] <= 1.0


def test_default_scenario_small_identities(small_config):
    result = run(small_config)
    check_identities(result)
    assert result.summary["customers_acquired"] > 0 and result.summary["customers_churned"] > 0


@st.composite
def random_configs(draw) -> Config:
    cfg = Config()
    cfg.seed = draw(st.integers(0, 2**32))
    cfg.horizon.weeks = draw(st.integers(1, 40))
    cfg.customers.initial = draw(st.integers(0, 300))
    cfg.market.potential = max(1, cfg.customers.initial + draw(st.integers(0, 3000)))
    cfg.market.initially_aware = draw(st.floats(0, 1))
    cfg.market.word_of_mouth = draw(st.floats(0, 2))
    cfg.market.consideration_exit = draw(st.floats(0, 1))
    cfg.customers.conversion_rate = draw(st.floats(0, 1))
    cfg.customers.churn_rate = draw(st.floats(0, 0.5))
    cfg.customers.purchase_rate_mean = draw(st.floats(0.01, 3))
    cfg.customers.lapse_weeks = draw(st.integers(1, 20))
    cfg.pricing.list_price = draw(st.floats(1, 100))
    cfg.pricing.discount = draw(st.floats(0, 0.9))
    cfg.service.failure_prob = draw(st.floats(0, 1))
    cfg.acquisition.media_budget_per_week = draw(st.floats(0, 1e5))
    cfg.acquisition.winback_share = draw(st.floats(0, 1))
    cfg.acquisition.winback_success_prob = draw(st.floats(0, 1))
    if draw(st.booleans()):
        cfg.loyalty.name, cfg.loyalty.schemes = "points", ["points"]
        cfg.loyalty.enrolment_prob = draw(st.floats(0, 1))
        cfg.loyalty.points.threshold = draw(st.integers(1, 500))
        cfg.loyalty.points.expiry_weeks = draw(st.integers(1, 30))
        cfg.loyalty.points.redemption_prob = draw(st.floats(0, 1))
        cfg.loyalty.fixed_cost_per_week = draw(st.floats(0, 1000))
        cfg.loyalty.cost_per_member_week = draw(st.floats(0, 1))
    w = cfg.horizon.weeks
    if draw(st.booleans()):
        cfg.pricing.changes = [PriceChange(week=draw(st.integers(0, w - 1)), list_price=draw(st.floats(1, 100)))]
    if draw(st.booleans()):
        start = draw(st.integers(0, w))
        cfg.acquisition.campaigns = [Campaign(start=start, end=start + draw(st.integers(1, 10)),
                                              budget_per_week=draw(st.floats(0, 1e5)))]
    if draw(st.booleans()):
        start = draw(st.integers(0, w))
        cfg.service.outages = [Outage(start=start, end=start + draw(st.integers(1, 10)),
                                      failure_prob=draw(st.floats(0, 1)))]
    cfg.output.plots = False
    cfg.output.cohort_weeks = draw(st.integers(1, 13))
    return cfg


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_configs())
def test_identities_hold_for_random_configs(cfg):
    check_identities(run(cfg))


def _tables(result):
    return [result.timeseries, result.cohorts, result.customers]


def test_same_seed_bit_identical_and_other_seed_differs(small_config):
    a, b = run(small_config), run(small_config)
    for x, y in zip(_tables(a), _tables(b)):
        pd.testing.assert_frame_equal(x, y, check_exact=True)
    assert ({k: v for k, v in a.summary.items() if k != "wall_seconds"}
            == {k: v for k, v in b.summary.items() if k != "wall_seconds"})
    c = run(with_changes(small_config, seed=small_config.seed + 1))
    assert not a.timeseries["revenue"].equals(c.timeseries["revenue"])


def test_common_random_numbers_across_strategies(small_config):
    """Two strategies: each shared customer has the same traits, and week-0 luck is shared."""
    a = run(small_config)
    b = run(with_changes(small_config, **{"pricing.list_price": 27.0}))
    both = a.customers.merge(b.customers, on="customer_id", suffixes=("_a", "_b"))
    assert len(both) >= small_config.customers.initial
    for trait in ("purchase_rate", "basket_mean", "price_sensitivity", "quality_sensitivity"):
        assert np.array_equal(both[f"{trait}_a"], both[f"{trait}_b"])


def test_price_change_takes_effect_in_its_week(small_config):
    cfg = with_changes(small_config, **{"pricing.changes": [PriceChange(week=30, list_price=30.0)]})
    ts = run(cfg).timeseries
    assert (ts.loc[ts.week < 30, "list_price"] == 25.0).all() and (ts.loc[ts.week >= 30, "list_price"] == 30.0).all()


def test_campaign_burst_buys_awareness_and_customers(small_config):
    base = run(small_config).timeseries
    cfg = with_changes(small_config,
                       **{"acquisition.campaigns": [Campaign(start=10, end=20, budget_per_week=50_000.0)]})
    ts = run(cfg).timeseries
    window = (ts.week >= 10) & (ts.week < 20)
    assert np.allclose(ts.loc[window, "media_budget"], small_config.acquisition.media_budget_per_week + 50_000)
    assert np.allclose(ts.loc[~window, "media_budget"], small_config.acquisition.media_budget_per_week)
    # The campaign's budget is spent like the standing one, times the lifecycle stage's media
    # multiplier (which rises in maturity; the product matures in the window in both runs alike).
    assert (ts.loc[window, "product_stage"] == base.loc[window, "product_stage"]).all()
    budget = small_config.acquisition.media_budget_per_week
    assert ts.loc[window, "acquisition_media"].sum() == pytest.approx(
        (base.loc[window, "acquisition_media"] * (budget + 50_000) / budget).sum())
    assert (ts.loc[(ts.week >= 10) & (ts.week < 40), "new"].sum()
            > base.loc[(base.week >= 10) & (base.week < 40), "new"].sum())


def test_outage_hurts_satisfaction(small_config):
    base = run(small_config).timeseries
    cfg = with_changes(small_config, **{"service.outages": [Outage(start=20, end=30, failure_prob=0.9)]})
    ts = run(cfg).timeseries
    assert (ts.loc[(ts.week >= 20) & (ts.week < 30), "failure_prob"] == 0.9).all()
    assert ts.loc[29, "mean_satisfaction"] < base.loc[29, "mean_satisfaction"] - 0.02
    assert ts.loc[:19, "mean_satisfaction"].equals(base.loc[:19, "mean_satisfaction"])


def test_higher_price_fewer_purchases_more_margin_per_purchase(small_config):
    low = run(small_config)
    high = run(with_changes(small_config, **{"pricing.list_price": 30.0}))

    def occ(r):
        return r.timeseries["purchase_occasions"].sum()

    assert occ(high) < occ(low)
    assert high.summary["gross_margin"] / occ(high) > low.summary["gross_margin"] / occ(low)


def test_more_media_more_customers_higher_cac(small_config):
    low = run(small_config).summary
    high = run(with_changes(small_config, **{"acquisition.media_budget_per_week": 60_000.0})).summary
    assert high["customers_acquired"] > low["customers_acquired"]
    assert high["cac"] > low["cac"]  # diminishing returns of reach


def test_news_from_outside_the_firm_makes_prospects_aware_without_media(small_config):
    """``market.innovation`` alone: a prospect is still unaware after week k with probability
    exp(-h (k + 1)), so the unaware are binomial around that; none of them is a referral."""
    h = 0.01
    cfg = with_changes(small_config, **{"acquisition.media_budget_per_week": 0.0, "market.word_of_mouth": 0.0,
                                        "market.initially_aware": 0.0, "market.innovation": h,
                                        "market.reconsideration": 0.0})  # the unaware only fall
    result = run(cfg)
    ts, prospects = result.timeseries, cfg.market.potential - cfg.customers.initial
    survive = np.exp(-h * (ts["week"].to_numpy() + 1))
    aware_ever = prospects - ts["unaware"].to_numpy()
    sd = np.sqrt(prospects * survive * (1 - survive))
    assert np.all(np.abs(aware_ever - prospects * (1 - survive)) <= 5 * sd + 1)
    assert ts["referrals"].sum() == 0 and result.summary["customers_acquired"] > 0
    silent = run(with_changes(cfg, **{"market.innovation": 0.0})).timeseries
    assert (silent["unaware"] == prospects).all()  # nobody else tells them


def test_purchase_rate_zero_customers_buy_once_when_acquired(small_config):
    """A durable: a new customer buys in her first week only; the initial base never buys."""
    cfg = with_changes(small_config, **{"customers.purchase_rate_mean": 0.0})
    result = run(cfg)
    cust, ts = result.customers, result.timeseries
    new = cust["acquired_week"] >= 0
    assert new.sum() > 0
    assert (cust.loc[new, "purchases"] == 1).all() and (cust.loc[~new, "purchases"] == 0).all()
    assert np.array_equal(ts["purchase_occasions"], ts["new"])
    check_identities(result)


def test_points_programme_costs_money_and_conserves_points(small_config):
    cfg = with_changes(small_config, **{"loyalty.name": "points", "loyalty.schemes": ["points"],
                                         "loyalty.fixed_cost_per_week": 100.0})
    r = run(cfg)
    s = r.summary
    assert s["loyalty_cost"] > 0 and s["points_issued"] > 0 and s["points_redeemed"] > 0 and s["points_expired"] >= 0
    assert s["points_liability"] > 0
    assert run(small_config).summary["loyalty_cost"] == 0.0


def test_no_customers_no_market_is_still_consistent():
    cfg = Config()
    cfg.customers.initial, cfg.market.potential, cfg.horizon.weeks, cfg.output.plots = 0, 1, 5, False
    r = run(cfg)
    check_identities(r)
    assert r.summary["cac"] is None and r.summary["profit"] < 0


def test_on_week_hook_called_once_per_week_in_order(small_config):
    seen = []
    cfg = with_changes(small_config, **{"horizon.weeks": 12})
    run(cfg, on_week=seen.append)
    assert seen == list(range(12))


def test_customers_in_blocks_give_the_same_run(monkeypatch):
    """The weekly kernels run in blocks of CHUNK_ROWS customers: a block size that splits the
    base changes nothing but the order of floating-point sums (customers' accounts stay exact)."""
    import pandas as pd

    from benchmarks.scenario import compose_config
    from sim import engine
    from sim.runner import run

    cfg = compose_config(["customers.initial=3000", "market.potential=10000", "horizon.weeks=40", "loyalty=hybrid",
                          "retention=targeted", "service.support_contact_rate=0.05", "seed=8", "output.plots=false",
                          "output.transactions=true"])
    whole = run(cfg)
    monkeypatch.setattr(engine, "CHUNK_ROWS", 500)
    blocks = run(cfg)
    pd.testing.assert_frame_equal(blocks.customers, whole.customers, check_exact=True)
    pd.testing.assert_frame_equal(blocks.transactions, whole.transactions, check_exact=True)
    ts, ref = blocks.timeseries, whole.timeseries
    counts = [k for k in ref.columns if pd.api.types.is_integer_dtype(ref[k])]
    pd.testing.assert_frame_equal(ts[counts], ref[counts], check_exact=True)
    pd.testing.assert_frame_equal(ts, ref, check_exact=False, rtol=1e-9)
    assert blocks.summary["profit"] == pytest.approx(whole.summary["profit"], rel=1e-12)
