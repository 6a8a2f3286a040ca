"""``customers.churn_timing=at_purchase``: a customer leaves only right after a repeat purchase.

The rule (:func:`sim.behaviour.churn.purchases_before_dropout`) is checked at the edges of its
uniform's intervals; the engine on the full default scenario; the model's closed forms in
``tests/test_classic_bgnbd.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.behaviour.churn import purchases_before_dropout
from sim.errors import ConfigError
from sim.runner import run
from tests.conftest import compose_config


@pytest.mark.parametrize("p", [0.05, 0.3, 0.9])
@pytest.mark.parametrize("k", [1, 2, 7])
def test_rule_makes_min_of_occasions_and_geometric_purchases(p, k):
    """She makes j < k purchases and leaves exactly when u lies in [1 - (1-p)^(j-1), 1 - (1-p)^j),
    and all k (leaving after the k-th when u is just below 1 - (1-p)^k) otherwise."""
    for j in range(1, k + 1):
        low, high = 1.0 - (1.0 - p) ** (j - 1), 1.0 - (1.0 - p) ** j
        for u in (low + 1e-9 * (high - low), 0.5 * (low + high), high - 1e-9 * (high - low)):
            assert purchases_before_dropout(u, p, k) == (j, True), (u, j)
    above = 1.0 - (1.0 - p) ** k
    for u in (above + 1e-9, 0.5 * (above + 1.0), 1.0 - 1e-12):
        assert purchases_before_dropout(u, p, k) == (k, False)


def test_rule_edges():
    """No occasion or no probability: nothing changes; certain dropout: one purchase, then gone."""
    assert purchases_before_dropout(0.3, 0.5, 0) == (0, False)
    assert purchases_before_dropout(0.0, 0.0, 4) == (4, False)
    assert purchases_before_dropout(0.99, 1.0, 4) == (1, True)
    assert purchases_before_dropout(0.5, 1e-300, 4) == (4, False)  # 1 - p rounds to 1


def _run(*overrides):
    return run(compose_config(["output.plots=false", "customers.initial=3000", "market.potential=30000",
                               "horizon.weeks=30", "acquisition.winback_share=0", *overrides]))


def test_certain_dropout_after_the_first_repeat_purchase():
    """With a churn probability of 1 per purchase (rate 1, satisfaction's effect off), in the full
    default scenario (acquisition, service, satisfaction on), every customer makes at most one
    repeat purchase and has left exactly when she made one; a new customer's first purchase is
    not a repeat purchase."""
    result = _run("customers.churn_timing=at_purchase", "customers.churn_rate=1",
                  "customers.churn_satisfaction_effect=0", "customers.lapsing_churn_multiplier=1")
    c = result.customers
    repeat = c["purchases"] - (~c["initial_base"]).astype(int)
    assert repeat.max() == 1 and (~c["initial_base"]).any()
    assert np.array_equal(c["state"] == "churned", repeat == 1)
    assert (repeat == 1).sum() > 100


def test_nobody_leaves_without_a_purchase():
    """Churn only at a purchase: a customer who never bought again never leaves, however quiet
    (the weekly rule would take some of them at 3x while lapsing)."""
    result = _run("customers.churn_timing=at_purchase", "customers.churn_rate=0.3")
    c = result.customers
    repeat = c["purchases"] - (~c["initial_base"]).astype(int)
    assert not (c["state"] == "churned")[repeat == 0].any()
    assert (c["state"] == "churned").sum() > 50


def test_subscriptions_leave_at_renewals_only():
    with pytest.raises(ConfigError, match="customers.churn_timing"):
        _run("customers.churn_timing=at_purchase", "customers.billing_period_weeks=4")
