"""``experiment=classic_sbg`` reproduces shifted-beta-geometric retention (Fader & Hardie 2007).

Monte-Carlo error. Customers churn independently and each one's probability of still being
active after t periods is exactly S(t) = B(alpha, beta + t)/B(alpha, beta), so the number still
active is Binomial(n, S(t)): the tests allow 4.5 binomial standard errors sqrt(S(1 - S)/n) per
period (a false alarm has probability 7e-6 per check). The retention rate of period t,
S(t)/S(t-1), is a binomial proportion among the S(t-1) n survivors, and ``mean_clv_to_horizon`` a mean of
independent customer values whose standard deviation :func:`lifetime_value_moments` gives
exactly; both get 4.5 standard errors too.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.analysis.clv import sbg_retention, sbg_survival
from sim.classic.contractual import lifetime_value_moments, tenure_margins
from sim.runner import run
from tests.conftest import compose_config

REGULAR = (0.704, 1.182)
#: Fader & Hardie (2007), "regular" cohort: % still active after years 1..7.
REGULAR_ACTIVE_PERCENT = np.array([63.1, 46.8, 38.2, 32.6, 28.9, 26.2, 24.1])


def simulate(alpha, beta, n, periods, period_weeks=52, seed=0, margin=100.0, discount_rate=0.1):
    cfg = compose_config([
        "experiment=classic_sbg", "output.plots=false", f"classic.alpha={alpha}", f"classic.beta={beta}",
        f"customers.initial={n}", f"classic.period_weeks={period_weeks}", f"horizon.weeks={periods * period_weeks}",
        f"classic.margin={margin}", f"classic.discount_rate={discount_rate}", f"seed={seed}",
    ])
    result = run(cfg)
    active = result.timeseries["active"].to_numpy()[period_weeks - 1 :: period_weeks]
    return active / n, result


def check_against_theory(survival, result, alpha, beta, n, margin, discount_rate):
    periods = survival.size
    theory = sbg_survival(np.arange(1, periods + 1), alpha, beta)
    se = np.sqrt(theory * (1 - theory) / n)
    assert np.all(np.abs(survival - theory) <= 4.5 * se), (survival, theory)
    retention = survival / np.r_[1.0, survival[:-1]]
    r_theory = sbg_retention(np.arange(1, periods + 1), alpha, beta)
    r_se = np.sqrt(r_theory * (1 - r_theory) / (n * np.r_[1.0, theory[:-1]]))
    assert np.all(np.abs(retention - r_theory) <= 4.5 * r_se), (retention, r_theory)
    mean, sd = lifetime_value_moments(theory, tenure_margins(margin, [], periods), discount_rate)
    clv = result.summary["mean_clv_to_horizon"]
    assert abs(clv - mean) <= 4.5 * sd / np.sqrt(n), (clv, mean)
    return retention


def test_regular_cohort():
    """The published fit alpha = 0.704, beta = 1.182 for 7 yearly renewals, 100,000 customers
    (binomial SE at most 0.0016): survival follows S(t), retention rises with the cohort's age
    (from 0.63 in year 1 to 0.91 in year 7; SE at most 0.002) and mean_clv_to_horizon is the sBG value of
    a margin of 100 a year at 10 %. The fitted curve itself is within 1 point of the published
    percentages."""
    alpha, beta = REGULAR
    assert np.abs(100 * sbg_survival(np.arange(1, 8), alpha, beta) - REGULAR_ACTIVE_PERCENT).max() < 1.0
    survival, result = simulate(alpha, beta, 100_000, 7)
    retention = check_against_theory(survival, result, alpha, beta, 100_000, 100.0, 0.1)
    assert np.all(np.diff(retention) > 0)
    base = result.cohorts[result.cohorts["initial_base"]]
    assert np.array_equal(base["active"].to_numpy(), result.timeseries["active"].to_numpy())


@pytest.mark.parametrize("seed", range(1, 17))  # with the slow ones below, 20 random sets or more
def test_random_parameters(seed):
    """alpha ~ U(0.2, 3), beta ~ U(0.2, 5), margin ~ U(10, 500), i the weekly rate of an annual
    rate ~ U(0, 1); one decision a week (period_weeks = 1) for 15 periods, 30,000 customers."""
    rng = np.random.default_rng(seed)
    alpha, beta = float(rng.uniform(0.2, 3)), float(rng.uniform(0.2, 5))
    margin, rate = float(rng.uniform(10, 500)), (1 + float(rng.uniform(0, 1))) ** (1 / 52) - 1
    survival, result = simulate(alpha, beta, 30_000, 15, period_weeks=1, seed=seed, margin=margin,
                                discount_rate=rate)
    check_against_theory(survival, result, alpha, beta, 30_000, margin, rate)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [4, 5, 6, 7])
def test_random_parameters_yearly_large(seed):
    """As above with yearly periods, 10 years and 200,000 customers (SE at most 0.0011)."""
    rng = np.random.default_rng(seed)
    alpha, beta = float(rng.uniform(0.2, 3)), float(rng.uniform(0.2, 5))
    survival, result = simulate(alpha, beta, 200_000, 10, seed=seed)
    retention = check_against_theory(survival, result, alpha, beta, 200_000, 100.0, 0.1)
    assert np.all(np.diff(retention) > 0)
