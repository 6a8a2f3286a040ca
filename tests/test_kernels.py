"""Behaviour rules alone: the direction of every effect and the bounds of every output.

The rules are compiled scalars (``sim/behaviour``); here each is called directly, one customer at
a time, as the kernels call it.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim import mathfn
from sim.behaviour import acquisition, churn, purchase, risk
from sim.behaviour import awareness as aw
from sim.behaviour.satisfaction import (
    EncounterParams,
    adapted_expectation,
    attachment_after,
    cumulative_satisfaction,
    experienced_value,
    felt_loss_aversion,
    transaction_satisfaction,
)
from sim.kernels import service

P = EncounterParams(neutral=0.6, reference_value=0.65, value_weight=0.8, disconfirmation_weight=0.5, loss_aversion=2.0,
                    memory=0.2, adaptation=0.1, recovery_transaction=0.9, attachment_growth=0.1,
                    attachment_threshold=0.7)
SHRINK = np.array([1.0, 1.0 - P.attachment_growth])


class _Customer:
    """A population of one, for the encounter kernel."""


def encounter(value, satisfaction, expectation, failures, attachment, failed, recovered, p, shrink_if=None):
    """One service encounter of experienced ``value`` through the engine's kernel; the new state.

    A quality sensitivity of 2 (halved in float32: exactly 1), product quality 0, no failure
    severity and the reference price make the experienced value ``value`` itself.
    """
    c = _Customer()
    c.quality_sensitivity, c.price_sensitivity = np.array([2.0], np.float32), np.array([1.0], np.float32)
    c.satisfaction, c.expectation = np.array([satisfaction], np.float32), np.array([expectation], np.float32)
    c.failures, c.attachment = np.array([failures], np.int8), np.array([attachment], np.float32)
    c.generation = np.zeros(1, np.int8)
    draws = (np.array([value]), np.array([failed]), np.array([recovered]))
    got = service.encounter(c, np.zeros(1, np.int64), draws, 1.0, np.zeros(1), (0.0, p))
    assert got[0] == value
    return c.satisfaction[0], c.expectation[0], c.failures[0], c.attachment[0]


def test_advertising_has_diminishing_returns_and_zero_at_zero():
    budgets = np.array([0, 5_000, 10_000, 20_000, 40_000, 80_000], dtype=float)
    h = np.array([aw.advertising_hazard(b, 0.05, 20_000) for b in budgets])
    assert h[0] == 0.0
    assert np.all(np.diff(h) > 0)
    gains = np.diff(h) / np.diff(budgets)
    assert np.all(np.diff(gains) < 0)
    assert h[-1] < -np.log1p(-0.05)


def test_awareness_hazard_is_bass_hazard():
    # p + q F with F = promoters / potential.
    assert aw.awareness_hazard(0.01, 0.4, 250, 1000) == pytest.approx(0.01 + 0.4 * 0.25)


def _rate(base, sat, price_ratio, ps, attach=0.0, slope=2.0):
    e_sat = mathfn.exp(purchase.satisfaction_exponent(sat, 0.6, 1.0))
    e_price = mathfn.exp(purchase.price_exponent(-np.log(price_ratio), ps))
    return purchase.purchase_rate(base, e_sat, e_price, purchase.attachment_multiplier(attach, slope))


def test_price_lowers_the_rate_more_for_the_price_sensitive():
    assert _rate(0.2, 0.6, 1.0, 2.0) == pytest.approx(0.2)  # at the reference price price does nothing
    up = [_rate(0.2, 0.6, 1.2, ps) for ps in (0.0, 1.0, 2.0)]
    assert up[0] == pytest.approx(0.2) and up[1] < 0.2 and up[2] < up[1]
    assert _rate(0.2, 0.6, 0.8, 1.0) > 0.2


def test_purchase_rate_rises_with_satisfaction_and_attachment():
    rates = [_rate(0.2, s, 1.0, 1.0) for s in (0.3, 0.6, 0.9)]
    assert rates[1] == pytest.approx(0.2) and rates[0] < rates[1] < rates[2]
    # A fully attached customer buys ``ratio`` = 3 times as often (emotional attachment, about 3x).
    assert _rate(0.2, 0.6, 1.0, 1.0, attach=1.0, slope=2.0) == pytest.approx(0.6)


def test_failures_erode_trust_and_attachment_relieves_price():
    assert purchase.effective_satisfaction(np.float32(0.7), np.int8(2), 0.08) == pytest.approx(0.54)
    assert purchase.effective_price_sensitivity(np.float32(2.0), 1.0, 0.5) == 1.0
    assert purchase.effective_price_sensitivity(np.float32(2.0), 0.0, 0.5) == 2.0


def test_basket_units_are_mean_preserving():
    z = np.random.default_rng(0).standard_normal(400_000)
    shock = mathfn.exp_array(np.array([purchase.basket_exponent(v, 0.5, 0.125) for v in z]))
    units = np.array([purchase.basket_units(1, 2.0, s) for s in shock])
    assert units.mean() == pytest.approx(2.0, rel=0.01)
    assert np.all(units > 0)


def test_conversion_probability_bounded_and_falling_with_price():
    p = [acquisition.conversion_probability(0.5, m) for m in (0.1, 1.0, 5.0)]
    assert all(0 <= x <= 1 for x in p) and p[2] == 1.0
    def multiplier(price_ratio, referral=1.0):
        price_factor = mathfn.exp(purchase.price_exponent(-np.log(price_ratio), 1.5))
        return acquisition.conversion_multiplier(price_factor, 1.0, 1.0, referral, 1.0)

    assert multiplier(0.9) > 1.0 > multiplier(1.1)
    assert multiplier(1.0, referral=1.5) == 1.5
    assert (acquisition.expectation_multiplier(0.75, 0.65, 2.0) > 1.0
            > acquisition.expectation_multiplier(0.55, 0.65, 2.0))


def test_experienced_value_quality_up_price_down():
    qs, ps = np.float32(1.0), np.float32(1.0)
    assert experienced_value(qs, 0.7, 0.8, ps, 1.0) > experienced_value(qs, 0.7, 0.5, ps, 1.0)
    assert experienced_value(qs, 0.7, 0.6, ps, 0.9) > experienced_value(qs, 0.7, 0.6, ps, 1.1)


def test_losses_weigh_more_than_gains():
    """Oliver (1980), Anderson & Sullivan (1993): a shortfall hurts more than a surplus helps."""
    up = encounter(0.75, np.float32(0.6), np.float32(0.65), np.int8(0), np.float32(0.0), False, False, P, SHRINK)
    down = encounter(0.55, np.float32(0.6), np.float32(0.65), np.int8(0), np.float32(0.0), False, False, P, SHRINK)
    gain, loss = up[0] - np.float32(0.6), np.float32(0.6) - down[0]
    assert gain > 0 and loss > gain


def test_satisfaction_bounded_and_expectations_follow_experience():
    rng = np.random.default_rng(1)
    for s0, e0, v in zip(rng.uniform(0, 1, 500), rng.uniform(-1, 2, 500), rng.uniform(-3, 3, 500)):
        t, surprise = transaction_satisfaction(v, 0.0, e0, 0.5, P)
        s, e, _, a = encounter(v, np.float32(s0), np.float32(e0), np.int8(0), np.float32(0.5), False, False, P, SHRINK)
        assert 0.0 <= t <= 1.0 and -1e-6 <= s <= 1.0 + 1e-6 and 0.0 <= a <= 1.0
        assert np.sign(e - np.float32(e0)) in (0.0, np.sign(v - e0))


def test_price_counts_in_satisfaction_only_as_a_surprise():
    """A price level acts on the rate and on conversion through the elasticity; in satisfaction it
    counts only against expectation, which adapts: a price rise disappoints at first, and after
    enough purchases the customer is as satisfied as at the old price (no second, permanent price
    effect on churn and word of mouth). Quality above the reference keeps a lasting effect."""
    def settle(price, quality_value, n=300):
        s, e = np.float32(0.6), np.float32(quality_value)  # expected the quality at the reference price
        first = None
        for _ in range(n):
            v = quality_value - price
            t, surprise = transaction_satisfaction(v, price, float(e), 0.0, P)
            s = cumulative_satisfaction(s, t, P)
            e = adapted_expectation(e, surprise, P)
            first = t if first is None else first
        return first, float(s)
    ref = P.reference_value
    first_hi, long_hi = settle(0.2, ref)
    _, long_ref = settle(0.0, ref)
    assert first_hi < P.neutral  # the rise disappoints at first
    assert abs(long_hi - long_ref) < 1e-3  # and is no lasting satisfaction effect
    _, long_q = settle(0.0, ref + 0.2)
    assert long_q > long_ref + 0.01  # better quality is


def test_a_well_handled_first_failure_leaves_the_customer_more_satisfied():
    """The recovery paradox: only a first failure, and only when the complaint is handled well."""
    poor = 0.3  # a failed encounter's value
    first = encounter(poor, np.float32(0.6), np.float32(0.65), np.int8(0), np.float32(0.3), True, True, P, SHRINK)
    unhandled = encounter(poor, np.float32(0.6), np.float32(0.65), np.int8(0), np.float32(0.3), True, False, P, SHRINK)
    again = encounter(poor, np.float32(0.6), np.float32(0.65), np.int8(2), np.float32(0.3), True, True, P, SHRINK)
    assert first[0] > np.float32(0.6) > unhandled[0] and again[0] == unhandled[0]
    assert first[2] == 1 and again[2] == 3  # failures met are counted either way
    assert encounter(poor, np.float32(0.6), np.float32(0.65), np.int8(127), np.float32(0.3), True, False, P,
                     SHRINK)[2] == 127  # and capped


def test_churn_falls_with_satisfaction_rises_when_lapsing():
    def p(sat, lapse, base=0.01, effect=4.0, mult=3.0):
        factor = mathfn.exp(churn.churn_exponent(sat, 0.6, effect))
        return churn.churn_probability(factor, base, mult if lapse else 1.0)

    probs = [p(s, False) for s in (0.2, 0.6, 0.9)]
    assert probs[1] == pytest.approx(0.01) and probs[0] > probs[1] > probs[2]
    assert p(0.2, True) == pytest.approx(3 * probs[0])
    assert p(0.0, True, base=0.9, effect=10.0, mult=5.0) == 1.0
    assert churn.churn_multiplied(0.4, 3.0) == 1.0 and churn.churn_multiplied(0.1, 0.5) == 0.05


def test_attachment_grows_with_delight_falls_with_disappointment_and_stays_bounded():
    after = [attachment_after(np.float32(a), t, P, SHRINK)
             for a, t in ((0.0, 0.9), (0.5, 0.9), (0.5, 0.3), (0.99, 1.0))]
    assert after[0] == pytest.approx(0.1) and after[1] > 0.5 and after[2] < 0.5 and after[3] <= 1.0
    assert attachment_after(np.float32(0.5), 0.65, P, SHRINK) == 0.5  # in between: unchanged
    assert churn.faded_attachment(np.float32(0.5), np.float32(0.99)) < 0.5


def test_attachment_multiplier_reaches_configured_ratio():
    assert [purchase.attachment_multiplier(a, 2.0) for a in (0.0, 0.5, 1.0)] == [1.0, 2.0, 3.0]


def test_churn_risk_reads_silence_relative_to_frequency():
    def score(seen, tenure, recency, complaints=0):
        return risk.churn_risk(seen, tenure, recency, complaints, 0.01, 1.0)

    # Frequent visitor (1 a week): one silent week is normal, eight are alarming.
    assert score(50, 50, 1) < 0.05 and score(50, 50, 8) > 0.9
    # The same eight silent weeks say little about an occasional visitor.
    assert score(2, 50, 8) < 0.2
    # Complaints raise the risk; everything stays in [0, 1].
    assert score(5, 20, 4, 3) > score(5, 20, 4, 0)
    assert all(0 <= score(i, 60, i % 30, i % 4) <= 1 for i in range(100))


def test_attachment_buffers_disappointment_only_when_switched_on():
    """Committed customers discount a shortfall (Ahluwalia, Burnkrant & Unnava 2000): with
    ``attachment_loss_buffer`` an attached customer's satisfaction falls less after a
    disappointing purchase; a surplus is felt alike; off (0), attachment changes nothing."""
    buffered = P._replace(attachment_loss_buffer=0.8)

    def satisfaction(value, attachment, p):
        return encounter(value, np.float32(0.6), np.float32(0.65), np.int8(0), np.float32(attachment), False, False,
                         p, SHRINK)[0]

    assert satisfaction(0.45, 1.0, buffered) > satisfaction(0.45, 0.0, buffered) == satisfaction(0.45, 0.0, P)
    assert satisfaction(0.45, 1.0, P) == satisfaction(0.45, 0.0, P)
    assert satisfaction(0.85, 1.0, buffered) == satisfaction(0.85, 0.0, buffered)  # gains are not buffered
    # Fully buffered, a shortfall weighs as a surplus does (loss aversion 1), never less.
    assert felt_loss_aversion(1.0, P._replace(attachment_loss_buffer=1.0)) == 1.0
    assert felt_loss_aversion(0.3, P) == P.loss_aversion
