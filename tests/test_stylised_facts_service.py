"""Stylised facts of the cost to serve and of satisfaction's strength in the default scenario
(docs/behaviour.md, "Stylised facts"), measured as in tests/test_stylised_facts.py: the whole
five-year horizon, two seeds, paired runs on common random numbers where a lever is compared.

Monte-Carlo error: each run holds about 65,000 customers ever acquired; the seed-to-seed spread
of the share of profitable customers is about 0.005 and of the whale curve's top 20 % about 0.05
(158 % and 167 % at seeds 0 and 1: a few demanding heavy buyers move it), so the published bands
(tens of points wide) are the tolerances.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

from sim.analysis.segments import whale_curve
from sim.runner import run
from tests.conftest import compose_config

pytestmark = pytest.mark.slow
SEEDS = (0, 1)


@functools.cache
def customers(seed: int, *overrides: str):
    """The customer snapshot (everyone ever acquired, the initial base included) of one run."""
    return run(compose_config(["output.plots=false", f"seed={seed}", *overrides])).customers


def top_share(contribution: np.ndarray, top: float = 0.2) -> float:
    """Share of total customer profit earned by the most profitable ``top`` of customers."""
    share_customers, share_profit = whale_curve(contribution)
    return float(np.interp(top, share_customers, share_profit))


def test_whale_curve_top_fifth_earns_150_to_300_percent_of_customer_profit():
    """Customers ranked by lifetime contribution (margin less cost to serve, fixed cost allocated):
    the most profitable 20 % earn 150-300 % of total customer profit, the rest break even or lose
    money through the service they demand (Kaplan & Narayanan 2001; Cooper & Kaplan 1991 report
    about 225 %). Measured about 163 % (158 % and 167 %); before the cost to serve followed the
    service customers ask for with their orders, about 89 %."""
    shares = [top_share(customers(s)["contribution"].to_numpy()) for s in SEEDS]
    assert all(1.5 <= x <= 3.0 for x in shares), shares


def test_share_of_profitable_customers_with_and_without_allocated_fixed_cost():
    """Between 60 % and 85 % of customers ever acquired are profitable, both with the weekly fixed
    cost allocated equally over the week's customers (the ``contribution`` column) and without it,
    measured on the paired run with ``product.fixed_cost_per_week=0``: the fixed cost moves no
    customer's behaviour, so the pair differs only by each customer's share of it (checked on
    the purchases). Kaplan & Narayanan (2001): most customers are profitable, a sizable minority
    is not."""
    for s in SEEDS:
        with_fixed, without = customers(s), customers(s, "product.fixed_cost_per_week=0")
        assert (with_fixed["purchases"].to_numpy() == without["purchases"].to_numpy()).all()
        allocated = with_fixed["contribution"].to_numpy()
        own = without["contribution"].to_numpy()
        assert (own >= allocated - 1e-6).all()
        assert 0.60 <= (allocated > 0).mean() <= 0.85, (s, (allocated > 0).mean())
        assert 0.60 <= (own > 0).mean() <= 0.85, (s, (own > 0).mean())
        assert (own > 0).mean() > (allocated > 0).mean()  # the allocation makes some customers lose money


def satisfaction_and_profit(seed: int, *overrides: str) -> tuple[np.ndarray, float]:
    """Weekly mean satisfaction of current customers and profit over the horizon of one run."""
    ts = run(compose_config(["output.plots=false", f"seed={seed}", *overrides])).timeseries
    return ts["mean_satisfaction"].to_numpy(dtype=float), float(ts["profit"].sum())


def test_profit_per_point_of_satisfaction_is_in_the_published_range():
    """Experienced service quality raised by 0.1 (0.6 to 0.7, at purchases and support contacts
    alike), costs unchanged, on paired runs: the change in customers' mean satisfaction (index
    points on 0-100, averaged over the weekly measurements of the horizon) and the relative
    change in profit over the horizon give profit's change per point of satisfaction sustained.

    Anderson, Fornell & Lehmann (1994): a one-point rise of a satisfaction index each year for
    five years is worth about +11.4 % of return on investment. The index then averages about 3
    points above its start over the five years (1, 2, ..., 5) and ends 5 above: about 2.3-3.8 %
    of profit per point sustained. The band [1 %, 5 %] per point adds the spread of their
    estimate and this measurement's Monte-Carlo error (seed-to-seed spread about 0.7 %: profit
    moves with a few demanding customers buying a little more or less).
    Before this calibration (churn link 4, purchase link 1, attachment tripling purchases,
    detractors' effect 2) it was about 8.6 % per point (7.4 % once the cost to serve followed
    contacts): satisfaction amplified everything; 4.0 % after the recalibration, 5.3 % (four
    seeds) once the cost to serve followed service demand and profit fell to a third; with
    attachment raising purchases by half (the published average) about 4.4 % (4.9 % and 4.0 %)."""
    better = ("service.quality=0.7", "service.support_quality=0.7")
    per_point = []
    for s in SEEDS:
        sat, profit = satisfaction_and_profit(s)
        sat_hi, profit_hi = satisfaction_and_profit(s, *better)
        points = 100 * float(np.mean(sat_hi - sat))
        assert points > 1.0  # better service raises satisfaction
        per_point.append(100 * (profit_hi / profit - 1) / points)
    assert 1.0 <= float(np.mean(per_point)) <= 5.0, per_point
