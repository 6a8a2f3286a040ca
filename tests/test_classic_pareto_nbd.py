"""``experiment=classic_pareto_nbd``: the agent engine configured as the Pareto/NBD model
(Schmittlein, Morrison & Colombo 1987) reproduces its closed forms.

The engine's clock is weekly: each week's purchases are drawn for the customers alive at its
start, so the expected cumulative purchases are the weekly sum of
:func:`pareto_nbd_expected_per_period` (within ``r / (2 alpha)`` of the continuous closed form).

Monte-Carlo error. Customers are independent: the share alive after t weeks is a binomial
proportion with mean ``(beta / (beta + t))^s``, and the mean cumulative purchases per customer is
a mean of n independent counts whose standard deviation the run's own customers estimate. Each
check allows 4.5 standard errors (a false alarm has probability 7e-6 per check).
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.analysis.clv import pareto_nbd_expected_per_period, pareto_nbd_expected_unconditional, pareto_nbd_survival
from sim.runner import run
from tests.conftest import compose_config

#: Fader, Hardie & Lee (2005), Table 1: Pareto/NBD fitted to CDNOW, in weeks.
CDNOW = (0.553, 10.578, 0.606, 11.669)


def simulate(r, alpha, s, beta, n, weeks, seed=0):
    return run(compose_config([
        "experiment=classic_pareto_nbd", "output.plots=false", f"classic.r={r}", f"classic.alpha={alpha}",
        f"classic.s={s}", f"classic.beta={beta}", f"customers.initial={n}", f"horizon.weeks={weeks}",
        f"seed={seed}"]))


def check_against_theory(result, r, alpha, s, beta, n, checkpoints):
    weeks = result.config.horizon.weeks
    alive = result.cohorts[result.cohorts["initial_base"]]["active"].to_numpy() / n
    theory = pareto_nbd_survival(np.arange(1, weeks + 1), s, beta)
    se = np.sqrt(theory * (1 - theory) / n)
    assert np.all(np.abs(alive - theory) <= 4.5 * se), (alive, theory)
    tx = result.transactions
    expected = pareto_nbd_expected_per_period(weeks, r, alpha, s, beta)
    for t in checkpoints:
        counts = np.zeros(n)
        upto = tx[tx["week"] < t].groupby("customer_id")["occasions"].sum()
        counts[upto.index.to_numpy()] = upto.to_numpy()
        se = counts.std(ddof=1) / np.sqrt(n)
        assert abs(counts.mean() - expected[t - 1]) <= 4.5 * se, (t, counts.mean(), expected[t - 1], se)


def test_cdnow_fit():
    """The published CDNOW fit, 20,000 customers over CDNOW's 78 weeks: survival and
    cumulative purchases after 1, 13, 39 and 78 weeks follow the closed forms, nobody new
    joins, and the weekly sum is within r / (2 alpha) = 0.026 purchases of the continuous
    E[X(78)] = 1.89."""
    r, alpha, s, beta = CDNOW
    result = simulate(*CDNOW, 20_000, 78)
    check_against_theory(result, *CDNOW, 20_000, (1, 13, 39, 78))
    assert result.summary["customers_acquired"] == 0
    gap = pareto_nbd_expected_per_period(78, *CDNOW)[-1] - pareto_nbd_expected_unconditional(78, *CDNOW)
    assert 0 < gap < r / (2 * alpha)


def random_parameters(seed):
    rng = np.random.default_rng(seed)
    return (float(rng.uniform(0.2, 2.0)), float(rng.uniform(2.0, 20.0)), float(rng.uniform(0.3, 2.0)),
            float(rng.uniform(3.0, 30.0)))


@pytest.mark.parametrize("seed", range(1, 21))
def test_random_parameters(seed):
    """r ~ U(0.2, 2), alpha ~ U(2, 20) per week, s ~ U(0.3, 2), beta ~ U(3, 30) per week;
    4,000 customers over 52 weeks, purchases checked after 4, 26 and 52 weeks."""
    params = random_parameters(seed)
    check_against_theory(simulate(*params, 4_000, 52, seed=seed), *params, 4_000, (4, 26, 52))


def test_satisfaction_does_not_leak_into_the_preset():
    """The preset switches off every other cause: a scenario that would otherwise change
    purchase and churn (a price rise, poor service) leaves the Pareto/NBD run unchanged."""
    base = simulate(*CDNOW, 2_000, 20)
    other = run(compose_config([
        "experiment=classic_pareto_nbd", "output.plots=false", "customers.initial=2000", "horizon.weeks=20",
        "pricing.list_price=80", "service.failure_prob=0.5", "customers.churn_satisfaction_effect=9"]))
    assert np.array_equal(base.cohorts["active"], other.cohorts["active"])
    assert np.array_equal(base.timeseries["purchase_occasions"], other.timeseries["purchase_occasions"])
