"""``experiment=classic_markov`` reproduces Markov-chain customer value (Pfeifer & Carraway 2000).

V = (I - P/(1+d))^-1 R for the recency chain; the paper's example (d = 0.1, purchase
probabilities 0.5, 0.2, 0.1, 0 in recency states 1-4, reward 100 in state 1) gives
V = (231.08, 57.29, 21.01, 0). The chain is a configuration of the one engine
(``customers.recency_purchase_probs`` with ``billing_period_weeks``, :mod:`sim.classic.presets`):
the cohort has just bought (week -1), so ``mean_clv_to_horizon`` estimates V1 - R, the value
after that purchase, over the T periods simulated (V1 of T + 1 periods less R).

Monte-Carlo error. Customers are independent and the first two moments of one customer's
discounted value follow from the chain (:func:`markov_value_moments`, exact for the simulated
number of periods; the purchase already made shifts the mean, not the spread); the tests allow
4.5 standard errors sd/sqrt(n) and check that the value beyond the horizon is below a tenth of
one.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.analysis.clv import markov_clv
from sim.classic.markov import markov_value_moments
from sim.runner import run
from tests.conftest import compose_config

PAPER = ([0.5, 0.2, 0.1, 0.0], 100.0, 0.1)


def simulate(probs, reward, rate, n, periods, period_weeks=52, seed=0):
    cfg = compose_config([
        "experiment=classic_markov", "output.plots=false", f"classic.purchase_probs=[{','.join(map(str, probs))}]",
        f"classic.reward={reward}", f"classic.discount_rate={rate}", f"customers.initial={n}",
        f"classic.period_weeks={period_weeks}", f"horizon.weeks={periods * period_weeks}", f"seed={seed}",
    ])
    return run(cfg)


def check(result, probs, reward, rate, n, periods):
    mean, sd = markov_value_moments(probs, reward, rate, periods + 1)
    se = sd / math.sqrt(n)
    clv = result.summary["mean_clv_to_horizon"]
    assert abs(clv - (mean - reward)) <= 4.5 * se, (clv, mean - reward, se)
    infinite, _ = markov_value_moments(probs, reward, rate)
    assert infinite - mean < 0.1 * se
    return infinite


def test_moments_match_the_closed_form_and_a_direct_sum():
    probs, reward, rate = PAPER
    mean, sd = markov_value_moments(probs, reward, rate)
    assert mean == pytest.approx(markov_clv(probs, reward, rate)[0], rel=1e-12)
    assert mean == pytest.approx(231.08, abs=0.005)
    finite, _ = markov_value_moments(probs, reward, rate, periods=200)
    assert finite == pytest.approx(mean, rel=1e-12) and sd > 0


def test_pfeifer_carraway_example():
    """The paper's chain with yearly periods over 30 years, 100,000 customers (SE about 0.5):
    mean_clv_to_horizon = 231.08 - 100. State 4 is absorbing with no purchases, so customers who reach it are
    churned: after three periods without buying nobody is left who can come back."""
    probs, reward, rate = PAPER
    result = simulate(probs, reward, rate, 100_000, 30)
    assert check(result, probs, reward, rate, 100_000, 30) == pytest.approx(231.08, abs=0.005)
    ts = result.timeseries
    # First churn possible at the third decision (states 1 -> 2 -> 3 -> 4 without buying): the
    # cohort bought in week -1, so its decisions fall in weeks 51, 103, 155, ...
    assert ts["churned"].iloc[: 3 * 52 - 1].sum() == 0 and ts["churned"].iloc[3 * 52 - 1] > 0
    assert result.summary["customers_active_end"] < 100


@pytest.mark.parametrize("seed", [1, 2, 3, *range(8, 21)])
def test_random_chains(seed):
    """2 to 6 recency states with probabilities U(0, 0.9) (the last possibly 0), reward
    U(10, 500), d U(0.02, 0.3); one period a week for as long as the tail needs, 40,000 customers.
    With the four large chains below, 20 random chains in all."""
    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 7))
    probs = [round(float(v), 4) for v in rng.uniform(0, 0.9, size=k)]
    if rng.random() < 0.5:
        probs[-1] = 0.0
    reward, rate = float(rng.uniform(10, 500)), float(rng.uniform(0.02, 0.3))
    periods = math.ceil(math.log(1e-7) / -math.log1p(rate))
    check(simulate(probs, reward, rate, 40_000, periods, period_weeks=1, seed=seed),
          probs, reward, rate, 40_000, periods)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [4, 5, 6, 7])
def test_random_chains_large(seed):
    """As above with 200,000 customers, d ~ U(0.05, 0.3) and no absorbing state."""
    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 7))
    probs = [round(float(v), 4) for v in rng.uniform(0.05, 0.9, size=k)]
    reward, rate = float(rng.uniform(10, 500)), float(rng.uniform(0.05, 0.3))
    periods = math.ceil(math.log(1e-7) / -math.log1p(rate))
    check(simulate(probs, reward, rate, 200_000, periods, period_weeks=1, seed=seed),
          probs, reward, rate, 200_000, periods)
