"""Behaviour kernels alone: direction of every effect and bounds of every output."""

from __future__ import annotations

import numpy as np
import pytest

from sim import behaviour as bh

SAT = dict(neutral=0.6, reference_value=0.65, value_weight=0.8, disconfirmation_weight=0.5,
           loss_aversion=2.0, memory=0.2, adaptation=0.1)


def test_advertising_has_diminishing_returns_and_zero_at_zero():
    budgets = np.array([0, 5_000, 10_000, 20_000, 40_000, 80_000], dtype=float)
    h = np.array([bh.advertising_hazard(b, 0.05, 20_000) for b in budgets])
    assert h[0] == 0.0
    assert np.all(np.diff(h) > 0)
    gains = np.diff(h) / np.diff(budgets)
    assert np.all(np.diff(gains) < 0)
    assert h[-1] < -np.log1p(-0.05)


def test_awareness_hazard_is_bass_hazard():
    # p + q F with F = promoters / potential.
    assert bh.awareness_hazard(0.01, 0.4, 250, 1000) == pytest.approx(0.01 + 0.4 * 0.25)


def test_price_multiplier_direction():
    ps = np.array([0.0, 1.0, 2.0])
    assert np.allclose(bh.price_multiplier(1.0, ps), 1.0)
    up = bh.price_multiplier(1.2, ps)
    assert up[0] == 1.0 and up[1] > up[2] and up[1] < 1.0
    assert np.all(bh.price_multiplier(0.8, ps[1:]) > 1.0)


def test_purchase_rate_rises_with_satisfaction():
    rate = bh.purchase_rate(np.full(3, 0.2), np.array([0.3, 0.6, 0.9]), np.ones(3), 0.6, 1.0)
    assert rate[1] == pytest.approx(0.2) and rate[0] < rate[1] < rate[2]


def test_basket_units_are_mean_preserving():
    z = np.random.default_rng(0).standard_normal(400_000)
    units = bh.basket_units(np.ones(z.size), np.full(z.size, 2.0), 0.5, z)
    assert units.mean() == pytest.approx(2.0, rel=0.01)
    assert np.all(units > 0)


def test_conversion_probability_bounded():
    p = bh.conversion_probability(0.5, np.array([0.1, 1.0, 5.0]))
    assert np.all((p >= 0) & (p <= 1)) and p[2] == 1.0


def test_experienced_value_quality_up_price_down():
    qs, ps = np.ones(2), np.ones(2)
    v = bh.experienced_value(qs, 0.7, np.array([0.5, 0.8]), ps, 1.0)
    assert v[1] > v[0]
    cheap = bh.experienced_value(qs, 0.7, np.full(2, 0.6), ps, 0.9)
    dear = bh.experienced_value(qs, 0.7, np.full(2, 0.6), ps, 1.1)
    assert np.all(cheap > dear)


def test_losses_weigh_more_than_gains():
    """Oliver (1980), Anderson & Sullivan (1993): a shortfall hurts more than a surplus helps."""
    s0, e = np.full(2, 0.6), np.full(2, 0.65)
    s, _, t = bh.update_satisfaction(s0, e, np.array([0.75, 0.55]), **SAT)
    gain, loss = s[0] - 0.6, 0.6 - s[1]
    assert gain > 0 and loss > gain
    assert t[0] > 0.6 > t[1]


def test_satisfaction_bounded_and_inputs_untouched():
    rng = np.random.default_rng(1)
    s0, e0 = rng.uniform(0, 1, 1000), rng.uniform(-1, 2, 1000)
    v = rng.uniform(-3, 3, 1000)
    s, e, t = bh.update_satisfaction(s0.copy(), e0.copy(), v, **SAT)
    assert np.all((s >= 0) & (s <= 1)) and np.all((t >= 0) & (t <= 1))
    assert np.all(np.sign(e - e0) == np.sign(v - e0))
    s_copy = s0.copy()
    bh.update_satisfaction(s_copy, e0, v, **SAT)
    assert np.array_equal(s_copy, s0)


def test_churn_falls_with_satisfaction_rises_when_lapsing():
    sat = np.array([0.2, 0.6, 0.9])
    p = bh.churn_probability(sat, np.zeros(3, bool), 0.01, 0.6, 4.0, 3.0)
    assert p[1] == pytest.approx(0.01) and p[0] > p[1] > p[2]
    lapsing = bh.churn_probability(sat, np.ones(3, bool), 0.01, 0.6, 4.0, 3.0)
    assert np.allclose(lapsing, 3 * p)
    assert np.all(bh.churn_probability(np.zeros(3), np.ones(3, bool), 0.9, 0.6, 10.0, 5.0) <= 1.0)


def test_attachment_grows_with_delight_falls_with_disappointment_and_stays_bounded():
    a0 = np.array([0.0, 0.5, 0.5, 0.99])
    a = bh.update_attachment(a0, np.array([0.9, 0.9, 0.3, 1.0]), growth=0.1, threshold=0.7, neutral=0.6)
    assert a[0] == pytest.approx(0.1) and a[1] > 0.5 and a[2] < 0.5 and a[3] <= 1.0
    same = bh.update_attachment(a0, np.full(4, 0.65), growth=0.1, threshold=0.7, neutral=0.6)
    assert np.array_equal(same, a0)


def test_attachment_multiplier_reaches_configured_ratio():
    assert np.allclose(bh.attachment_multiplier(np.array([0.0, 0.5, 1.0]), 3.0), [1.0, 2.0, 3.0])


def test_churn_risk_reads_silence_relative_to_frequency():
    from sim.behaviour.risk import churn_risk

    # Frequent visitor (1 a week): one silent week is normal, eight are alarming.
    r = churn_risk(np.array([50, 50]), np.array([50, 50]), np.array([1, 8]), np.zeros(2))
    assert r[0] < 0.05 and r[1] > 0.9
    # The same eight silent weeks say little about an occasional visitor.
    occasional = churn_risk(np.array([2]), np.array([50]), np.array([8]), np.zeros(1))
    assert occasional[0] < 0.2
    # Complaints raise the risk; everything stays in [0, 1].
    assert churn_risk(np.array([5]), np.array([20]), np.array([4]), np.array([3]))[0] > churn_risk(
        np.array([5]), np.array([20]), np.array([4]), np.array([0]))[0]
    grid = churn_risk(np.arange(100), np.full(100, 60), np.arange(100) % 30, np.arange(100) % 4)
    assert np.all((grid >= 0) & (grid <= 1))
