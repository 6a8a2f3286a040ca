"""``experiment=classic_bgnbd``: the one engine configured as the BG/NBD model (Fader, Hardie & Lee
2005) reproduces its closed forms.

The preset (:mod:`sim.classic.presets`) gives each customer of a cohort a Poisson rate
``lambda ~ Gamma(r, alpha)`` a week and a dropout probability ``p ~ Beta(a, b)`` applied right
after each repeat purchase (``customers.churn_timing=at_purchase``). Every purchase in the run is
a repeat purchase (the first one is at time 0), and a week's occasions are min(k, J) of the
continuous process's k, so the weekly counts are those of continuous BG/NBD exactly: the mean
cumulative purchases after t weeks estimate E[X(t)] (FHL 2005 eq. 7) with no discretisation gap,
the share with none ``P(X(t) = 0) = (alpha / (alpha + t))^r`` and the share not yet gone the
survival ``(alpha / (alpha + t))^r 2F1(r, b; a + b; t / (alpha + t))``.

Monte-Carlo error. Customers are independent: the two shares are binomial proportions (standard
error ``sqrt(P (1 - P) / n)`` from the closed form), the mean purchases a mean of n independent
counts whose standard deviation the run's own customers estimate. Each check allows 4.5 standard
errors (a false alarm has probability 7e-6 per check, about 1e-3 over the 156 weekly checks of a run).
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.analysis.clv import bgnbd_expected_unconditional, bgnbd_prob_no_repeat, bgnbd_survival
from sim.runner import run
from tests.conftest import compose_config

#: Fader, Hardie & Lee (2005), Marketing Science 24(2): BG/NBD fitted to CDNOW, in weeks.
CDNOW = (0.243, 4.414, 0.793, 2.426)
#: Gamma-Gamma spend on CDNOW (Fader, Hardie & Lee 2005, JMR 42(4)): p, q, gamma.
CDNOW_SPEND = (6.25, 3.74, 15.44)
Z = 4.5


def simulate(params, n, weeks, seed=0, extra=()):
    r, alpha, a, b = params
    return run(compose_config([
        "experiment=classic_bgnbd", "output.plots=false", f"classic.r={r}", f"classic.alpha={alpha}",
        f"classic.a={a}", f"classic.b={b}", f"customers.initial={n}", f"horizon.weeks={weeks}", f"seed={seed}",
        *extra]))


def cumulative_counts(result, n, t):
    """Purchases of each of the ``n`` customers in weeks 0 .. t - 1."""
    tx = result.transactions
    counts = np.zeros(n)
    upto = tx[tx["week"] < t].groupby("customer_id")["occasions"].sum()
    counts[upto.index.to_numpy()] = upto.to_numpy()
    return counts


def check_against_theory(result, params, n, checkpoints):
    weeks = result.config.horizon.weeks
    t = np.arange(1, weeks + 1)
    alive = result.cohorts[result.cohorts["initial_base"]]["active"].to_numpy() / n
    theory = bgnbd_survival(t, params)
    assert np.all(np.abs(alive - theory) <= Z * np.sqrt(theory * (1 - theory) / n)), (alive, theory)
    first = result.transactions.groupby("customer_id")["week"].min()
    none = 1.0 - np.searchsorted(np.sort(first.to_numpy()), t, side="left") / n  # no purchase in weeks < t
    theory = bgnbd_prob_no_repeat(t, params)
    assert np.all(np.abs(none - theory) <= Z * np.sqrt(theory * (1 - theory) / n)), (none, theory)
    expected = bgnbd_expected_unconditional(t, params)
    for week in checkpoints:
        counts = cumulative_counts(result, n, week)
        se = counts.std(ddof=1) / np.sqrt(n)
        assert abs(counts.mean() - expected[week - 1]) <= Z * se, (week, counts.mean(), expected[week - 1], se)


def test_cdnow_fit():
    """The published CDNOW fit, 20,000 customers over CDNOW's 78 weeks: survival and no-repeat
    shares every week, E[X(t)] after 1, 13, 39 and 78 weeks (1.45 purchases at 78); nobody new
    joins; every purchase is worth the Gamma-Gamma mean spend p gamma / (q - 1)."""
    result = simulate(CDNOW, 20_000, 78)
    check_against_theory(result, CDNOW, 20_000, (1, 13, 39, 78))
    assert result.summary["customers_acquired"] == 0
    p, q, gamma = CDNOW_SPEND
    tx = result.transactions
    assert np.allclose(tx["amount"], tx["occasions"] * p * gamma / (q - 1))


def random_parameters(seed):
    rng = np.random.default_rng(seed)
    return (float(rng.uniform(0.2, 2.0)), float(rng.uniform(2.0, 20.0)), float(rng.uniform(0.4, 3.0)),
            float(rng.uniform(1.0, 8.0)))


@pytest.mark.parametrize("seed", range(1, 21))
def test_random_parameters(seed):
    """r ~ U(0.2, 2), alpha ~ U(2, 20) per week, a ~ U(0.4, 3), b ~ U(1, 8); 4,000 customers over
    52 weeks, purchases checked after 4, 26 and 52 weeks."""
    params = random_parameters(seed)
    check_against_theory(simulate(params, 4_000, 52, seed=seed), params, 4_000, (4, 26, 52))


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(21, 26))
def test_random_parameters_large(seed):
    """As above with 100,000 customers over 104 weeks: standard errors a fifth as large."""
    params = random_parameters(seed)
    check_against_theory(simulate(params, 100_000, 104, seed=seed), params, 100_000, (4, 26, 52, 104))


def test_other_causes_do_not_leak_into_the_preset():
    """The preset switches off every other cause: a scenario that would otherwise change purchase
    and churn (a price rise, poor service, a strong satisfaction effect) leaves the run unchanged."""
    base = simulate(CDNOW, 2_000, 20)
    other = simulate(CDNOW, 2_000, 20, extra=("pricing.list_price=80", "service.failure_prob=0.5",
                                              "customers.churn_satisfaction_effect=9"))
    assert np.array_equal(base.cohorts["active"], other.cohorts["active"])
    assert np.array_equal(base.timeseries["purchase_occasions"], other.timeseries["purchase_occasions"])


def test_dropout_only_at_a_purchase():
    """A customer who never bought in the run is still there at the end."""
    result = simulate(CDNOW, 2_000, 30)
    c = result.customers
    assert not (c["state"] == "churned")[c["purchases"] == 0].any()
    assert (c["state"] == "churned").sum() > 0
