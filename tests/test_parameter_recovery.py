"""The calibration's Pareto/NBD fitter recovers known parameters, and its standard errors are honest.

Twenty purchase logs are simulated from Pareto/NBD with known parameters (CDNOW-like: r = 0.55,
alpha = 10.58 weeks, s = 0.61, beta = 11.67 weeks; 2,357 customers observed 27 to 39 weeks since
their first purchase), each fitted as ``python -m sim.calibrate`` fits a log
(:func:`sim.analysis.clv.fit_pareto_nbd`, standard errors by the delta method from the inverse
observed information, :func:`sim.calibrate.firm.pareto_nbd_sampling`).

The logs come directly from the model's continuous-time process, not from the engine's
transaction export: the engine is weekly (one date per customer-week with purchases, dropout at
week boundaries), so its export is a discretised Pareto/NBD, and the test would measure the
discretisation rather than the fitter (the engine's agreement with the fitted model's forecast is
checked in tests/test_firm.py).

Monte-Carlo error: if the intervals estimate +- 1.96 SE cover with probability 0.95, the number
of the 20 replicates they cover is Binomial(20, 0.95): P(fewer than 16) = 0.26 % for each
parameter (1 % that one of the four falls short by chance), and P(16 or fewer) = 1.6 %. Intervals
that covered 85 % would fail it with probability 0.17 for each parameter. The replicates'
seeds are fixed, so the test is deterministic; measured: 19, 19, 18 and 18 of 20.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.analysis.clv import fit_pareto_nbd
from sim.calibrate.firm import pareto_nbd_sampling, standard_errors

TRUE = (0.55, 10.58, 0.61, 11.67)
NAMES = ("r", "alpha", "s", "beta")


def simulate_log(rng: np.random.Generator, customers: int, params: tuple[float, ...]) -> tuple[np.ndarray, ...]:
    """Pareto/NBD histories (x, t_x, T in weeks since the first purchase) drawn from the model's process.

    Each customer buys at a Gamma(r, alpha) rate while alive and leaves after an exponential time
    with a Gamma(s, beta) rate; she is observed for T weeks, uniform over a 12-week cohort.
    """
    r, alpha, s, beta = params
    T = rng.uniform(27.0, 39.0, customers)
    rate, hazard = rng.gamma(r, 1.0 / alpha, customers), rng.gamma(s, 1.0 / beta, customers)
    alive_for = np.minimum(rng.exponential(1.0 / hazard), T)
    x = rng.poisson(rate * alive_for)
    # The last of x Poisson events on [0, a] is a times the largest of x uniforms.
    t_x = np.where(x > 0, alive_for * rng.uniform(size=customers) ** (1.0 / np.maximum(x, 1)), 0.0)
    return x.astype(np.float64), t_x, T


def test_the_simulated_process_is_pareto_nbd():
    """The simulator itself: mean repeat purchases match the model's E[X(T)] over the cohort
    (Fader, Hardie & Lee 2005 note, eq. 17; within 4 standard errors of 200,000 customers)."""
    r, alpha, s, beta = TRUE
    x, _, T = simulate_log(np.random.default_rng(99), 200_000, TRUE)
    expected = r * beta / (alpha * (s - 1)) * (1 - (beta / (beta + T)) ** (s - 1))
    assert abs(x.mean() - expected.mean()) <= 4 * x.std() / np.sqrt(x.size)


@pytest.mark.slow
def test_the_95_percent_intervals_cover_the_true_parameters():
    """Estimate +- 1.96 SE covers the true value in at least 16 of 20 simulated logs for each of
    r, alpha, s and beta, and in at least 90 % of the 80 intervals together (the acceptance
    criterion; pooled, Binomial(80, 0.95) falls below 72 with probability about 2 %)."""
    covered = np.zeros(4, dtype=int)
    for replicate in range(20):
        x, t_x, T = simulate_log(np.random.default_rng(replicate), 2357, TRUE)
        block = pareto_nbd_sampling(fit_pareto_nbd(x, t_x, T), x, t_x, T)
        assert block["log_covariance"] is not None, block["note"]
        se = np.array([standard_errors(block, NAMES)[k] for k in NAMES])
        covered += np.abs(np.array(block["estimate"]) - TRUE) <= 1.96 * se
    assert np.all(covered >= 16), dict(zip(NAMES, covered))
    assert covered.sum() >= 0.9 * 80, dict(zip(NAMES, covered))
