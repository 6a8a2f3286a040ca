"""``experiment=classic_bgnbd``: fitting the exported log gives back the BG/NBD and Gamma-Gamma parameters.

Published values (Fader, Hardie & Lee 2005, CDNOW): r = 0.243, alpha = 4.414, a = 0.793,
b = 2.426; Gamma-Gamma spend (Fader, Hardie & Lee 2005b): p = 6.25, q = 3.74, gamma = 15.44.

The log's ``time`` column carries exact purchase times, so (x, t_x, T) are those of the
continuous-time model. Sampling error: each log-parameter must lie within 4 asymptotic standard
errors of the truth (inverse observed information at the fit; a false alarm has probability
about 6e-5 per parameter), and those errors must be small (< 0.25 in log terms) for the check to
mean something.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.analysis.clv import bgnbd_log_likelihood, fit_bgnbd, fit_gamma_gamma, gamma_gamma_log_likelihood
from sim.calibration.fit import log_parameter_covariance
from sim.classic.bgnbd import summarize_log
from sim.runner import run
from tests.conftest import compose_config

CDNOW = (0.243, 4.414, 0.793, 2.426)
CDNOW_SPEND = (6.25, 3.74, 15.44)


def simulate(params, spend, n, weeks=78, seed=0):
    r, alpha, a, b = params
    p, q, gamma = spend
    cfg = compose_config([
        "experiment=classic_bgnbd", "output.plots=false", f"classic.r={r}", f"classic.alpha={alpha}",
        f"classic.a={a}", f"classic.b={b}", f"classic.spend_p={p}", f"classic.spend_q={q}",
        f"classic.spend_gamma={gamma}", f"customers.initial={n}", f"horizon.weeks={weeks}", f"seed={seed}",
    ])
    return summarize_log(run(cfg).transactions, weeks)


def z_scores(fit_params, truth, log_likelihood):
    estimate = np.log(fit_params)
    se = np.sqrt(np.diag(log_parameter_covariance(lambda v: log_likelihood(np.exp(v)).sum(), estimate)))
    return (estimate - np.log(truth)) / se, se


def check_recovery(summary, params, spend):
    x, t_x, T = summary["x"], summary["t_x"], summary["T"]
    fit = fit_bgnbd(x, t_x, T)
    z, se = z_scores(fit.params, params, lambda v: bgnbd_log_likelihood(v, x, t_x, T))
    assert np.all(np.abs(z) < 4) and np.all(se < 0.25), (params, fit.params, se)
    spend_fit = fit_gamma_gamma(summary["purchases"], summary["mean_spend"])
    z, se = z_scores(spend_fit.params, spend,
                     lambda v: gamma_gamma_log_likelihood(v, summary["purchases"], summary["mean_spend"]))
    assert np.all(np.abs(z) < 4) and np.all(se < 0.25), (spend, spend_fit.params, se)


def test_cdnow_parameters():
    """The CDNOW fits, 20,000 customers over 78 weeks (log-parameter SEs about 0.03-0.15)."""
    check_recovery(simulate(CDNOW, CDNOW_SPEND, 20_000), CDNOW, CDNOW_SPEND)


@pytest.mark.parametrize("seed", [1, 2])
def test_random_parameters(seed):
    """r ~ U(0.2, 1.5), alpha ~ U(2, 12), a ~ U(0.4, 1.5), b ~ U(1, 5) and spend p ~ U(2, 10),
    q ~ U(2, 8), gamma ~ U(5, 50), 20,000 customers over 78 weeks."""
    rng = np.random.default_rng(seed)
    params = tuple(float(v) for v in (rng.uniform(0.2, 1.5), rng.uniform(2, 12), rng.uniform(0.4, 1.5),
                                      rng.uniform(1, 5)))
    spend = tuple(float(v) for v in (rng.uniform(2, 10), rng.uniform(2, 8), rng.uniform(5, 50)))
    check_recovery(simulate(params, spend, 20_000, seed=seed), params, spend)


def test_purchase_counts_follow_the_unconditional_expectation():
    """Mean repeat purchases in 78 weeks against E[X(t)] of FHL (2005) eq. 7: the standard
    error is the sample SD over sqrt(n); 4.5 of them."""
    from sim.analysis.clv import bgnbd_expected_unconditional

    summary = simulate(CDNOW, CDNOW_SPEND, 20_000, seed=3)
    expected = float(bgnbd_expected_unconditional(78.0, CDNOW))
    se = summary["x"].std() / np.sqrt(len(summary))
    assert abs(summary["x"].mean() - expected) < 4.5 * se


@pytest.mark.slow
@pytest.mark.parametrize("seed", [3, 4, 5])
def test_random_parameters_large(seed):
    """As above with 80,000 customers: standard errors halve, so the check is twice as sharp."""
    rng = np.random.default_rng(seed)
    params = tuple(float(v) for v in (rng.uniform(0.2, 1.5), rng.uniform(2, 12), rng.uniform(0.4, 1.5),
                                      rng.uniform(1, 5)))
    spend = tuple(float(v) for v in (rng.uniform(2, 10), rng.uniform(2, 8), rng.uniform(5, 50)))
    check_recovery(simulate(params, spend, 80_000, seed=seed), params, spend)
