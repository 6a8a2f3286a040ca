"""Win-back as a non-contractual firm can run it: offers go to the customers it has not seen buy
for a while (it cannot see who has left), and a lost customer's chance of returning falls with
the time since she left and with how dissatisfied she left (Thomas, Blattberg & Fox 2004;
Kumar, Bhagwat & Zhang 2015)."""

from __future__ import annotations

import numpy as np

from sim.behaviour.acquisition import winback_probability
from sim.runner import run
from tests.conftest import compose_config


def test_winback_probability_falls_with_time_and_dissatisfaction():
    base, decay, neutral, effect = 0.1, 52.0, 0.6, 4.0
    assert winback_probability(base, 0.0, decay, neutral, neutral, effect) == base
    weeks = np.arange(0, 200, 10.0)
    p = [winback_probability(base, w, decay, neutral, neutral, effect) for w in weeks]
    assert np.all(np.diff(p) < 0)
    assert np.isclose(p[-1] / p[0], np.exp(-190 / decay))
    sat = np.linspace(0.0, 1.0, 11)
    q = [winback_probability(base, 26.0, decay, s, neutral, effect) for s in sat]
    assert np.all(np.diff(q) > 0)
    assert winback_probability(0.9, 0.0, decay, 1.0, neutral, effect) == 1.0  # a probability


def _run(*overrides):
    return run(compose_config(["output.plots=false", "customers.initial=3000", "market.potential=30000",
                               "horizon.weeks=80", "acquisition.winback_offer_cost=1", *overrides]))


def test_offers_go_to_the_silent_not_to_the_churned():
    """With offers to every silent customer and certain success for the churned, more offers are
    sent than customers return: the firm also reaches customers who are still active but have not
    bought for ``winback_after_weeks`` (it cannot tell them apart). And with a silence that nobody
    reaches within the horizon (the base last bought at most 80 weeks before week 0), nobody
    is offered anything, however many have churned."""
    sure = ["acquisition.winback_share=1", "acquisition.winback_success_prob=1", "acquisition.winback_decay_weeks=1e9",
            "customers.churn_satisfaction_effect=0"]
    r = _run(*sure, "acquisition.winback_after_weeks=26")
    offers, back = r.timeseries["winback_offers"].sum(), r.summary["customers_won_back"]
    assert back > 100 and offers > 1.5 * back
    never = _run(*sure, "acquisition.winback_after_weeks=200")
    assert never.summary["customers_churned"] > 100
    assert never.timeseries["winback_offers"].sum() == 0 and never.summary["customers_won_back"] == 0


def test_returners_are_fewer_the_longer_ago_they_left():
    """The same offers to the same silent customers (paired runs): when the chance of a return
    fades over 13 weeks since the last purchase rather than never, far fewer come back."""
    runs = [_run("acquisition.winback_share=0.5", f"acquisition.winback_decay_weeks={d}") for d in (1e9, 13)]
    back = [x.summary["customers_won_back"] for x in runs]
    assert back[0] > 100 and back[1] < 0.5 * back[0], back
