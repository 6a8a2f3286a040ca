"""A retention offer's direct churn relief (``retention.churn_relief``): the lever that still acts
when churn does not follow satisfaction (a calibrated firm)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.kernels.offers import offer_reliefs
from sim.population import Population
from sim.runner import run
from tests.conftest import compose_config

SMALL = ["output.plots=false", "customers.initial=3000", "market.potential=40000", "horizon.weeks=104",
         "retention=targeted"]


def test_relief_lasts_its_weeks_from_the_week_of_the_offer():
    pop = Population(4)
    pop.add(np.arange(4), offer_week=np.array([-10_000, 10, 7, 8], dtype=np.int16))
    np.testing.assert_array_equal(offer_reliefs(pop, np.arange(4), 10, 0.25, 3), [1.0, 0.75, 1.0, 0.75])


def _summary(*overrides):
    return run(compose_config([*SMALL, *overrides])).summary


def test_relief_lowers_churn_and_a_negative_one_raises_it_on_paired_runs():
    churned = {r: _summary(f"retention.churn_relief={r}")["customers_churned"] for r in (-0.2, 0.0, 0.4)}
    assert churned[0.4] < churned[0.0] < churned[-0.2], churned


def test_relief_without_a_retention_budget_changes_nothing():
    off = _summary("retention.budget_per_week=0")
    relief = _summary("retention.budget_per_week=0", "retention.churn_relief=0.4")
    assert relief == pytest.approx({**off, "wall_seconds": relief["wall_seconds"]})


def test_relief_acts_on_subscribers_at_their_renewals():
    """Contractual churn happens only at a renewal; an offer's relief covers the renewals in its weeks."""
    subs = ["customers.billing_period_weeks=4", "retention.min_risk=0", "retention.budget_per_week=5000"]
    churned = {r: _summary(*subs, f"retention.churn_relief={r}")["customers_churned"] for r in (0.0, 0.5)}
    assert churned[0.5] < churned[0.0], churned


def test_retention_offers_go_to_the_highest_scores_ties_to_the_first_customers():
    """The n offers go to the n highest churn-risk scores; where scores tie at the cut, to the
    first customers, whatever the CPU (``argpartition`` broke ties one way with AVX-512 and
    another without). Checked against a stable sort on tie-heavy scores."""
    from sim.engine.offers import _top

    rng = np.random.default_rng(71)
    for _ in range(3000):
        m = int(rng.integers(1, 80))
        n = int(rng.integers(1, m + 1))
        score = rng.integers(0, 4, m) / 3.0 if rng.random() < 0.8 else rng.random(m)
        assert np.array_equal(_top(score, n), np.sort(np.argsort(-score, kind="stable")[:n]))
