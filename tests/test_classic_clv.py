"""``experiment=classic_clv`` reproduces lifetime value with constant retention (Gupta & Lehmann 2003).

A customer just acquired earns the margin m at the end of each period she survives (probability
r each), discounted at i per period: m r/(1 + i - r) over an infinite horizon. Ameritrade, as
reported by Gupta, Lehmann & Stuart (2004): m = 200, r = 0.95, i = 0.12 give 1,117.6 (914.6
net of the acquisition cost of 203).

Monte-Carlo error. Customers are independent; over the T simulated periods a customer's value
is C_L = sum_{t <= L} m_t/(1 + i)^t with L her number of periods survived, whose distribution
is known (:func:`lifetime_value_moments` gives the exact mean and standard deviation). The
tests allow 4.5 standard errors sd/sqrt(n) around the finite-horizon mean, and check that the
horizon's tail (r/(1 + i))^T m r/(1 + i - r) is below a tenth of a standard error, so the
simulation equals the closed form within Monte-Carlo error.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.analysis.clv import clv_constant_retention
from sim.classic.contractual import lifetime_value_moments, tenure_margins
from sim.runner import run
from tests.conftest import compose_config


def simulate(margin, retention, rate, n, periods, period_weeks=52, seed=0, tenure=None):
    overrides = ["experiment=classic_clv", "output.plots=false", f"classic.margin={margin}",
                 f"classic.retention={retention}", f"classic.discount_rate={rate}", f"customers.initial={n}",
                 f"classic.period_weeks={period_weeks}", f"horizon.weeks={periods * period_weeks}", f"seed={seed}"]
    if tenure:
        overrides.append(f"classic.tenure_margin=[{','.join(map(str, tenure))}]")
    return run(compose_config(overrides)).summary


def check(summary, margin, retention, rate, n, periods, tenure=()):
    survival = retention ** np.arange(1, periods + 1)
    mean, sd = lifetime_value_moments(survival, tenure_margins(margin, list(tenure), periods), rate)
    se = sd / math.sqrt(n)
    assert abs(summary["mean_clv_to_horizon"] - mean) <= 4.5 * se, (summary["mean_clv_to_horizon"], mean, se)
    return mean, se


def test_ameritrade():
    """m = 200, r = 0.95, i = 0.12 with yearly periods for 60 years, 100,000 customers:
    closed form 1,117.6 (SE of the simulation about 1.7; tail beyond 60 years 0.06)."""
    m, r, i, n, periods = 200.0, 0.95, 0.12, 100_000, 60
    closed = float(clv_constant_retention(m, r, i))
    assert closed == pytest.approx(1117.6, abs=0.05) and closed - 203 == pytest.approx(914.6, abs=0.05)
    summary = simulate(m, r, i, n, periods)
    mean, se = check(summary, m, r, i, n, periods)
    assert closed - mean < 0.1 * se
    assert summary["customers_churned"] + summary["customers_active_end"] == n


def draw(seed):
    """m ~ U(10, 500), r ~ U(0.3, 0.97) and i the rate per 4-week period of an annual rate
    ~ U(0.01, 1) (the engine discounts at most 100 % a year)."""
    rng = np.random.default_rng(seed)
    m, r, annual = float(rng.uniform(10, 500)), float(rng.uniform(0.3, 0.97)), float(rng.uniform(0.01, 1.0))
    return m, r, (1 + annual) ** (PERIOD / 52) - 1


#: Weeks per period in the random tests.
PERIOD = 4


@pytest.mark.parametrize("seed", range(1, 17))  # with the slow ones below, 20 random sets or more
def test_random_parameters(seed):
    """Random m, r, i (:func:`draw`); as many 4-week periods as make the tail 1e-5 of the value;
    50,000 customers."""
    m, r, i = draw(seed)
    periods = math.ceil(math.log(1e-5) / math.log(r / (1 + i)))
    summary = simulate(m, r, i, 50_000, periods, period_weeks=PERIOD, seed=seed)
    mean, se = check(summary, m, r, i, 50_000, periods)
    assert float(clv_constant_retention(m, r, i)) - mean < 0.1 * se


def test_margins_growing_with_tenure():
    """A tenure schedule (Reichheld & Sasser's credit-card profile, see
    experiments/retention_economics) is valued period by period."""
    tenure = (1.0, 1.4, 1.47, 1.63, 1.83)
    summary = simulate(30.0, 0.9, 0.01, 50_000, 120, period_weeks=PERIOD, tenure=tenure)
    mean, _ = check(summary, 30.0, 0.9, 0.01, 50_000, 120, tenure)
    assert mean > float(clv_constant_retention(30.0, 0.9, 0.01)) * 1.5


@pytest.mark.slow
@pytest.mark.parametrize("seed", [4, 5, 6, 7, 8])
def test_random_parameters_large(seed):
    """As the fast random test with 400,000 customers (standard errors halved twice over)."""
    m, r, i = draw(seed)
    periods = math.ceil(math.log(1e-6) / math.log(r / (1 + i)))
    summary = simulate(m, r, i, 400_000, periods, period_weeks=PERIOD, seed=seed)
    mean, se = check(summary, m, r, i, 400_000, periods)
    assert float(clv_constant_retention(m, r, i)) - mean < 0.1 * se


def test_undiscounted_whatever_the_scenario_rate():
    """i = 0 is no discounting at all, whatever ``market.discount_rate_annual`` the scenario had:
    m r/(1 - r) = 40 for m = 10, r = 0.8 (tail after 80 periods 1.8e-7 of it)."""
    summary = run(compose_config([
        "experiment=classic_clv", "output.plots=false", "classic.margin=10", "classic.retention=0.8",
        "classic.discount_rate=0", "market.discount_rate_annual=0.5", "customers.initial=50000",
        "classic.period_weeks=1", "horizon.weeks=80"])).summary
    check(summary, 10.0, 0.8, 0.0, 50_000, 80)
    assert summary["npv_profit"] == pytest.approx(summary["profit"], rel=1e-12)
