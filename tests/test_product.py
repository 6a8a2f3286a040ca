"""Product lifecycle: stage detection on synthetic curves, development, and stage costs."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from sim import run
from sim.analysis.clv import bass_cdf, bass_pdf
from sim.product import STAGES, detect_stages
from tests.conftest import compose_config, with_changes


def _runs(stages):
    return [(k, len(list(g))) for k, g in itertools.groupby(stages)]


@pytest.mark.parametrize("p, q", [(0.0104, 0.4186), (0.03, 0.38), (0.003, 0.8), (0.02, 0.2)])
def test_bass_curve_stages_in_order_with_documented_boundaries(p, q):
    t = np.arange(0, 1040) / 52
    launch = 20
    sales = np.r_[np.zeros(launch), bass_pdf(t, p, q)][:1040]
    adopted = np.r_[np.zeros(launch), bass_cdf(t, p, q)][:1040]
    st = detect_stages(sales, adopted, launch_week=launch)
    assert [k for k, _ in _runs(st)] == list(STAGES)
    first = {k: int(np.argmax(st == k)) for k in STAGES}
    assert first["introduction"] == launch
    # Take-off: the first week in which 2.5 % of the potential has adopted (Rogers' innovators).
    assert first["growth"] == int(np.argmax(adopted >= 0.025))
    peak = int(np.argmax(sales))
    assert first["maturity"] < peak + 13 < first["decline"] + 13  # maturity around the peak
    assert sales[first["decline"]] < sales[peak]


def test_flat_then_falling_sales():
    sales = np.r_[np.linspace(10, 100, 60), np.full(100, 100.0), np.linspace(100, 20, 80)]
    st = detect_stages(sales, np.ones_like(sales), initial_stage="growth")
    order = [k for k, _ in _runs(st)]
    assert order == ["growth", "maturity", "decline"]
    assert 60 <= int(np.argmax(st == "maturity")) < 100 and int(np.argmax(st == "decline")) > 160


def test_stages_never_go_back():
    rng = np.random.default_rng(0)
    sales = np.abs(rng.normal(100, 40, 400)).cumsum() % 500
    codes = [STAGES.index(s) for s in detect_stages(sales, np.linspace(0, 1, 400))]
    assert all(b >= a for a, b in zip(codes, codes[1:]))


@pytest.fixture(scope="module")
def launch_cfg():
    return compose_config(["customers.initial=0", "market.potential=30000", "horizon.weeks=312", "output.plots=false",
                           "product.launch_week=20", "product.development_cost_per_week=1000",
                           "product.initial_stage=introduction"])


def test_no_sales_in_development_and_its_cost_is_booked(launch_cfg):
    r = run(launch_cfg)
    ts = r.timeseries
    dev = ts.week < 20
    assert (ts.loc[dev, "product_stage"] == "development").all()
    assert (ts.loc[dev, ["revenue", "new", "acquisition_media"]] == 0).all().all()
    assert ts.loc[dev, "product_costs"].sum() == pytest.approx(20 * 1000.0)
    assert ts.loc[20, "product_stage"] == "introduction" and ts.loc[25, "revenue"] > 0
    assert ts["cumulative_adopters"].is_monotonic_increasing


def test_stage_costs_heavy_launch_and_rising_maturity_advertising(launch_cfg):
    ts = run(launch_cfg).timeseries
    budget = launch_cfg.acquisition.media_budget_per_week
    intro = ts[ts.product_stage == "introduction"]
    assert len(intro) > 0 and np.allclose(intro["acquisition_media"], 2.0 * budget)
    mature = ts[ts.product_stage.isin(["maturity", "decline"])]
    assert len(mature) > 10 and mature["acquisition_media"].is_monotonic_increasing
    assert mature["acquisition_media"].iloc[-1] > budget


def test_obsolescence_brings_decline(launch_cfg):
    fresh = run(launch_cfg).timeseries
    ageing = run(with_changes(launch_cfg, **{"product.obsolescence_rate": 1.0})).timeseries
    assert ageing["purchase_occasions"].iloc[-52:].sum() < 0.7 * fresh["purchase_occasions"].iloc[-52:].sum()


def test_classic_bass_runs_through_the_lifecycle():
    """In the Bass reduction the stages come from the adoption curve: introduction until 2.5 %
    of the market has adopted, then growth, maturity around the adoption peak, and decline."""
    cfg = compose_config(["experiment=classic_bass", "market.potential=200000", "horizon.weeks=780",
                          "output.plots=false", "classic.p=0.03", "classic.q=0.38"])
    ts = run(cfg).timeseries
    order = [k for k, _ in _runs(ts["product_stage"].astype(str))]
    assert order == ["introduction", "growth", "maturity", "decline"]
    takeoff = int(np.argmax((ts["product_stage"] == "growth").to_numpy()))
    share = ts["cumulative_adopters"].to_numpy() / 200_000
    assert share[takeoff] >= 0.025 and share[takeoff - 1] < 0.025


def test_new_generation_takes_over_adopters_of_the_old_one():
    """Norton & Bass (1987): a new generation substitutes for the old one among its adopters."""
    from sim.config import Generation

    base = compose_config(["customers.initial=3000", "market.potential=30000", "horizon.weeks=104",
                           "output.plots=false"])
    slow = run(with_changes(base, **{"product.generations": [Generation(launch_week=40, quality=0.85, unit_cost=14.0,
                                                                         substitution_rate=0.02)]}))
    fast = run(with_changes(base, **{"product.generations": [Generation(launch_week=40, quality=0.85, unit_cost=14.0,
                                                                         substitution_rate=0.2)]}))
    ts = slow.timeseries
    assert (ts.loc[ts.week < 40, "generation_1_customers"] == 0).all()
    assert (ts.loc[45, "generation_1_customers"] > 0
            and ts.loc[103, "generation_0_customers"] < ts.loc[39, "generation_0_customers"])
    # Everyone is on one generation or the other: the counts add up to last week's customers.
    both = ts["generation_0_customers"] + ts["generation_1_customers"]
    assert np.array_equal(both.to_numpy()[1:], ts["active"].to_numpy()[:-1])
    # A higher substitution rate takes over faster; customers acquired after launch get the new one.

    def share(r, w):
        return r.timeseries.loc[w, "generation_1_customers"] / (r.timeseries.loc[w, "generation_0_customers"]
                                                                + r.timeseries.loc[w, "generation_1_customers"])

    assert share(fast, 60) > share(slow, 60)
    late = slow.customers[slow.customers["acquired_week"] >= 40]
    assert len(late) > 0 and (late["generation"] == 1).all()
    # The new generation costs more per unit: gross margin per unit sold falls once it takes over.

    def per_unit(r, lo, hi):
        return r.timeseries.loc[lo:hi, "gross_margin"].sum() / r.timeseries.loc[lo:hi, "cogs"].sum()

    assert per_unit(fast, 80, 103) < per_unit(fast, 0, 39)


def test_generation_launch_must_follow_the_previous_one():
    from sim.config import ConfigError, Generation, validate

    cfg = with_changes(compose_config(["horizon.weeks=52"]), **{"product.generations": [Generation(launch_week=60)]})
    with pytest.raises(ConfigError, match=r"product.generations\[0\].launch_week"):
        validate(cfg)
