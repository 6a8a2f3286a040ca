"""Subscriptions (``customers.billing_period_weeks``) and heterogeneous churn
(``customers.churn_propensity``) in the agent engine, the mechanisms the classical presets use.

Monte-Carlo error: survival counts of independent customers are binomial; the tests allow 4.5
binomial standard errors (a false alarm has probability 7e-6 per check).
"""

from __future__ import annotations

import numpy as np

from sim.runner import run
from tests.conftest import compose_config

PERIOD = 4


def subscription_run(*overrides: str):
    return run(compose_config([
        "output.plots=false", "output.transactions=true", "customers.initial=3000", "market.potential=30000",
        "horizon.weeks=40", f"customers.billing_period_weeks={PERIOD}", *overrides]))


def test_subscribers_pay_and_leave_only_at_renewals():
    """With the whole agent model on (satisfaction, acquisition, service), every payment and every
    churn of a subscriber falls on her renewal weeks, each payment is one list price, and a new
    subscriber pays in her week of joining."""
    r = subscription_run("acquisition.winback_share=0")
    tx, cust = r.transactions, r.customers.set_index("customer_id")
    since = tx["week"].to_numpy() - cust.loc[tx["customer_id"], "acquired_week"].to_numpy()
    assert (since % PERIOD == 0).all() and (tx["occasions"] == 1).all()
    assert np.allclose(tx["amount"], r.config.pricing.list_price, rtol=1e-12)  # one plan at the list price
    new = cust[~cust["initial_base"]]
    first = tx.groupby("customer_id")["week"].min()
    assert (first.loc[new.index] == new["acquired_week"]).all()
    # Churn only at renewals: the base (joined in week -1) loses customers only in weeks 3, 7, ...
    base = r.cohorts[r.cohorts["initial_base"]]["active"].to_numpy()
    drops = np.flatnonzero(np.diff(np.r_[r.summary["customers_initial"], base]) < 0)
    assert drops.size and ((drops + 1) % PERIOD == 0).all()
    assert (r.timeseries["lapsing"] == 0).all()  # paying every period, never quiet long enough


def test_won_back_subscriber_starts_a_new_billing_cycle():
    """A subscriber won back in week w pays in week w + 1 and then every period: a new
    subscription, not the rest of the old one (which would leave her up to P - 1 weeks free and
    keep her payments on the old cycle). Win-back success is certain here, so everyone offered returns."""
    period = 13
    r = subscription_run(f"customers.billing_period_weeks={period}", "horizon.weeks=60",
                         "acquisition.winback_share=0.2", "acquisition.winback_success_prob=1",
                         "acquisition.winback_decay_weeks=1e9")
    tx, cust = r.transactions, r.customers.set_index("customer_id")
    back = cust[cust["won_back_count"] > 0]
    assert len(back) > 40  # enough returners to check (49 on this scenario)
    # Payments of customers never won back stay on the cycle of their acquisition.
    never = tx[~tx["customer_id"].isin(back.index)]
    assert ((never["week"] - cust.loc[never["customer_id"], "acquired_week"].to_numpy()) % period == 0).all()
    # Every win-back event is followed by a payment the next week (those of the last week excepted).
    returns = r.timeseries["won_back"].to_numpy()
    paid_by_back = tx[tx["customer_id"].isin(back.index)].groupby("week").size().reindex(
        range(r.config.horizon.weeks), fill_value=0).to_numpy()
    for w in np.flatnonzero(returns[:-1] > 0):
        due = paid_by_back[w + 1]
        assert due >= returns[w], (w, returns[w], due)  # returners pay at once (old subscribers may add)
    # After a return, most payments are off the old cycle: a new subscription started.
    after = tx[tx["customer_id"].isin(back.index)]
    off = (after["week"] - cust.loc[after["customer_id"], "acquired_week"].to_numpy()) % period != 0
    assert off.mean() > 0.3


def test_gamma_dropout_hazard_gives_pareto_nbd_survival():
    """Each customer's weekly dropout hazard h ~ Gamma(a, rate b) and no other cause of churn:
    she is alive after t weeks with probability exp(-h t), so the share alive is
    E[exp(-h t)] = (b / (b + t))^a, the Pareto/NBD survival (Schmittlein, Morrison & Colombo 1987)."""
    a, b, n, weeks = 0.55, 10.6, 20_000, 39
    r = run(compose_config([
        "output.plots=false", f"customers.initial={n}", f"market.potential={n}", "market.initially_aware=0",
        "acquisition.media_budget_per_week=0", "acquisition.winback_share=0", f"horizon.weeks={weeks}",
        "customers.churn_propensity=gamma_hazard", f"customers.churn_propensity_a={a}",
        f"customers.churn_propensity_b={b}", "customers.churn_rate=1", "customers.churn_satisfaction_effect=0",
        "customers.lapsing_churn_multiplier=1"]))
    base = r.cohorts[r.cohorts["initial_base"]]["active"].to_numpy()
    t = np.arange(1, weeks + 1)
    theory = (b / (b + t)) ** a
    se = np.sqrt(theory * (1 - theory) / n)
    assert np.all(np.abs(base / n - theory) <= 4.5 * se), (base / n, theory)


def test_beta_propensity_spreads_churn_but_keeps_its_mean():
    """Beta(a, b) propensities times a weekly churn rate c: the first week's churn share is
    c a/(a + b) on average, and retention rises with age as the most churn-prone leave first."""
    a, b, c, n = 0.5, 1.5, 0.2, 30_000
    common = ["output.plots=false", f"customers.initial={n}", f"market.potential={n}", "market.initially_aware=0",
              "acquisition.media_budget_per_week=0", "acquisition.winback_share=0", "horizon.weeks=30",
              f"customers.churn_rate={c}", "customers.churn_satisfaction_effect=0",
              "customers.lapsing_churn_multiplier=1"]
    r = run(compose_config([*common, "customers.churn_propensity=beta", f"customers.churn_propensity_a={a}",
                            f"customers.churn_propensity_b={b}"]))
    active = r.cohorts[r.cohorts["initial_base"]]["active"].to_numpy()
    p1 = c * a / (a + b)
    assert abs((n - active[0]) / n - p1) <= 4.5 * np.sqrt(p1 * (1 - p1) / n)
    retention = active[1:] / active[:-1]
    assert retention[-5:].mean() > retention[:5].mean() + 0.02
    flat = run(compose_config([*common, f"customers.churn_rate={p1}"]))
    flat_ret = flat.cohorts[flat.cohorts["initial_base"]]["active"].to_numpy()
    flat_retention = flat_ret[1:] / flat_ret[:-1]  # the same churn on average, no trend
    assert abs(flat_retention[-5:].mean() - flat_retention[:5].mean()) < 0.01
