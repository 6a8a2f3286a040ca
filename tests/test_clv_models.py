"""Tests of sim.analysis.clv against published figures and against simulation.

Published figures come from the papers cited in each test.
Where a figure is printed rounded, the tolerance is half a unit in its last digit plus a small
margin for the optimiser; Monte-Carlo comparisons use a multiple of the estimated standard error.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import beta as beta_fn
from scipy.special import gamma as gamma_fn

from sim.analysis.clv import (
    BGNBDFit,
    GammaGammaFit,
    bass_cdf,
    bass_discrete,
    bass_pdf,
    bass_peak_time,
    bgnbd_expected_transactions,
    bgnbd_expected_unconditional,
    bgnbd_log_likelihood,
    bgnbd_prob_alive,
    clv_constant_retention,
    fit_bgnbd,
    fit_gamma_gamma,
    fit_sbg,
    gamma_gamma_expected_spend,
    gamma_gamma_log_likelihood,
    markov_clv,
    markov_transition_matrix,
    retention_elasticity,
    sample_bgnbd,
    sbg_retention,
    sbg_survival,
)
from sim.analysis.transactions import cdnow_sample_path, read_transactions, summarize_calibration

CDNOW_BGNBD = (0.243, 4.414, 0.793, 2.426)  # Fader, Hardie & Lee (2005a), 39-week calibration
REGULAR_COHORT = [1000, 631, 468, 382, 326, 289, 262, 241]  # Fader & Hardie (2007), % x 10


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    """Calibration/holdout summary of the CDNOW sample, 39 + 39 weeks."""
    return summarize_calibration(read_transactions(cdnow_sample_path()), calibration_weeks=39)


@pytest.fixture(scope="module")
def cdnow_fit(cdnow) -> BGNBDFit:
    """BG/NBD fitted to the CDNOW calibration period."""
    return fit_bgnbd(cdnow["x"], cdnow["t_x"], cdnow["T"])


# ------------------------------------------------------------------------------------------
# Bass
# ------------------------------------------------------------------------------------------

AIR_CONDITIONERS = (0.0104, 0.4186)


def test_bass_room_air_conditioners_peak():
    """Bass (1969) room air conditioners, p = 0.0104, q = 0.4186: t* = 8.61 years, F(t*) = 0.488.

    Tolerances are half a unit in the last printed digit. F(t*) must also equal the identity
    1/2 - p/(2q) to rounding error.
    """
    p, q = AIR_CONDITIONERS
    peak = bass_peak_time(p, q)
    assert peak == pytest.approx(8.61, abs=0.005)
    assert bass_cdf(peak, p, q) == pytest.approx(0.488, abs=0.0005)
    assert bass_cdf(peak, p, q) == pytest.approx(0.5 - p / (2 * q), abs=1e-12)


@pytest.mark.parametrize(("p", "q"), [AIR_CONDITIONERS, (0.03, 0.38)])
def test_bass_pdf_is_derivative_and_peaks_at_peak_time(p, q):
    """f = dF/dt (central differences, relative 1e-6) and f is maximal at t* (Bass 1969).

    The second pair is the Sultan, Farley & Lehmann (1990) meta-analysis mean.
    """
    t = np.linspace(0.5, 30, 200)
    h = 1e-5
    numeric = (bass_cdf(t + h, p, q) - bass_cdf(t - h, p, q)) / (2 * h)
    np.testing.assert_allclose(bass_pdf(t, p, q), numeric, rtol=1e-6)
    grid = np.linspace(0, 30, 300_001)
    assert grid[np.argmax(bass_pdf(grid, p, q))] == pytest.approx(bass_peak_time(p, q), abs=1e-4)


def test_bass_peak_is_at_launch_when_imitation_is_weak():
    """With q <= p, f only decreases, so the peak over t >= 0 is at t = 0."""
    assert bass_peak_time(0.2, 0.1) == 0.0
    assert bass_pdf(0.0, 0.2, 0.1) > bass_pdf(0.1, 0.2, 0.1)


def test_bass_discrete_converges_to_closed_form():
    """The Euler recursion starts at 0 and is first-order accurate in dt.

    Reference README: yearly steps are up to 0.13 away from F(t) for air conditioners; the
    error must shrink roughly in proportion to dt (halving dt halves it within 20 %).
    """
    p, q = AIR_CONDITIONERS
    yearly = bass_discrete(30, p, q)
    assert yearly.shape == (31,) and yearly[0] == 0.0
    assert np.all(np.diff(yearly) > 0)
    errors = []
    for dt in (1.0, 0.01, 0.005):
        n = round(30 / dt)
        errors.append(np.abs(bass_discrete(n, p, q, dt) - bass_cdf(np.arange(n + 1) * dt, p, q)).max())
    assert 0.10 < errors[0] < 0.13
    assert errors[1] < 2e-3
    assert errors[2] / errors[1] == pytest.approx(0.5, rel=0.2)


def test_bass_rejects_non_positive_innovation():
    with pytest.raises(ValueError, match="innovation"):
        bass_cdf(1.0, 0.0, 0.3)


# ------------------------------------------------------------------------------------------
# sBG
# ------------------------------------------------------------------------------------------


def test_sbg_survival_decreases_and_retention_rises():
    """Fader & Hardie (2007): S(t) falls from 1, and r_t = S(t)/S(t-1) rises with t (sorting)."""
    alpha, beta = 0.704, 1.182
    t = np.arange(0, 20)
    survival = sbg_survival(t, alpha, beta)
    assert survival[0] == pytest.approx(1.0)
    assert np.all(np.diff(survival) < 0)
    retention = sbg_retention(t[1:], alpha, beta)
    np.testing.assert_allclose(retention, survival[1:] / survival[:-1], rtol=1e-12)
    assert np.all(np.diff(retention) > 0)


def test_fit_sbg_regular_cohort():
    """Fader & Hardie (2007) "regular" cohort, 63.1 ... 24.1 % active: alpha = 0.704, beta = 1.182.

    Tolerance 0.001: half a unit in the third decimal plus optimiser slack. The fitted curve
    must also pass within 1 percentage point of each observed year, as in their figure.
    """
    fit = fit_sbg(REGULAR_COHORT)
    assert fit.alpha == pytest.approx(0.704, abs=1e-3)
    assert fit.beta == pytest.approx(1.182, abs=1e-3)
    fitted_pct = 100 * sbg_survival(np.arange(8), fit.alpha, fit.beta)
    np.testing.assert_allclose(fitted_pct, np.array(REGULAR_COHORT) / 10, atol=1.0)


def test_fit_sbg_rejects_increasing_counts():
    with pytest.raises(ValueError, match="non-increasing"):
        fit_sbg([100, 80, 90])


# ------------------------------------------------------------------------------------------
# Constant-retention and Markov CLV
# ------------------------------------------------------------------------------------------


def test_ameritrade_clv():
    """Gupta & Lehmann (2003), Ameritrade: m = 200, r = 0.95, i = 0.12 gives 1,117.6; net of the
    acquisition cost 203 it is 914.6. Tolerance 0.05, half the last printed digit.
    """
    clv = clv_constant_retention(200, 0.95, 0.12)
    assert clv == pytest.approx(1117.6, abs=0.05)
    assert clv - 203 == pytest.approx(914.6, abs=0.05)


def test_clv_closed_form_matches_series_and_elasticity():
    """m r/(1+i-r) is the sum over t >= 1 of m r^t/(1+i)^t, and its retention elasticity is
    (1+i)/(1+i-r) (checked by a 1e-6 relative bump in r)."""
    m, r, i = 200.0, 0.95, 0.12
    t = np.arange(1, 5000)
    assert clv_constant_retention(m, r, i) == pytest.approx(np.sum(m * r**t / (1 + i) ** t), rel=1e-12)
    bump = 1e-6
    numeric = (clv_constant_retention(m, r * (1 + bump), i) / clv_constant_retention(m, r, i) - 1) / bump
    assert retention_elasticity(r, i) == pytest.approx(numeric, rel=1e-4)


def test_markov_clv_pfeifer_carraway():
    """Pfeifer & Carraway (2000): d = 0.1, purchase probabilities (0.5, 0.2, 0.1, 0) in recency
    states 1..4+, reward 100 in state 1: V = (231.08, 57.29, 21.01, 0), to 2 decimals (tol 0.005).
    """
    np.testing.assert_allclose(markov_clv([0.5, 0.2, 0.1, 0.0], 100, 0.1), [231.08, 57.29, 21.01, 0.0], atol=0.005)


def test_markov_transition_matrix_and_series():
    """Rows are distributions with buyers sent to state 1, non-buyers one state on (last state
    absorbing for non-buyers), and V equals the discounted series sum_t P^t R / (1+d)^t."""
    probs = [0.5, 0.2, 0.1, 0.05]
    matrix = markov_transition_matrix(probs)
    np.testing.assert_allclose(matrix.sum(axis=1), 1.0)
    np.testing.assert_allclose(matrix[:, 0], [0.5, 0.2, 0.1, 0.05])
    assert matrix[0, 1] == 0.5 and matrix[2, 3] == 0.9 and matrix[3, 3] == 0.95
    rewards = np.array([100.0, 0, 0, 0])
    series, step = np.zeros(4), rewards.copy()
    for _ in range(400):
        series += step
        step = matrix @ step / 1.1
    np.testing.assert_allclose(markov_clv(probs, 100, 0.1), series, rtol=1e-10)


# ------------------------------------------------------------------------------------------
# BG/NBD
# ------------------------------------------------------------------------------------------


def test_bgnbd_log_likelihood_matches_direct_formula():
    """The log-space implementation equals FHL (2005a)'s likelihood evaluated directly."""
    r, alpha, a, b = CDNOW_BGNBD
    x = np.array([0, 1, 3, 7])
    t_x = np.array([0.0, 5.2, 20.1, 36.0])
    T = np.array([30.0, 38.0, 25.0, 38.86])
    head = gamma_fn(r + x) * alpha**r / gamma_fn(r)
    direct = head * (
        beta_fn(a, b + x) / beta_fn(a, b) / (alpha + T) ** (r + x)
        + (x > 0) * beta_fn(a + 1, b + np.maximum(x, 1) - 1) / beta_fn(a, b) / (alpha + t_x) ** (r + x)
    )
    np.testing.assert_allclose(bgnbd_log_likelihood(CDNOW_BGNBD, x, t_x, T), np.log(direct), rtol=1e-12)


def test_bgnbd_cdnow_published_fit(cdnow, cdnow_fit):
    """FHL (2005a) CDNOW, 39-week calibration: r = 0.243, alpha = 4.414, a = 0.793, b = 2.426,
    LL = -9582.4. Parameters within 1 % and LL within 0.5 (brief's tolerances, well above the
    rounding of the printed values). This implementation gives 0.2426, 4.4136, 0.7929, 2.4259 and
    -9582.43.
    """
    estimate = cdnow_fit.params
    np.testing.assert_allclose(estimate, CDNOW_BGNBD, rtol=0.01)
    assert cdnow_fit.log_likelihood == pytest.approx(-9582.4, abs=0.5)
    assert cdnow_fit.n_customers == 2357
    # The stored optimum must be the likelihood of the stored parameters.
    total = bgnbd_log_likelihood(cdnow_fit, cdnow["x"], cdnow["t_x"], cdnow["T"]).sum()
    assert total == pytest.approx(cdnow_fit.log_likelihood, abs=1e-6)


def test_bgnbd_cdnow_holdout_total(cdnow, cdnow_fit):
    """Sum over CDNOW customers of E[X(T, T+39) | x, t_x, T] against the actual holdout count.

    Actual repeat transactions in weeks 40-78, same-day purchases merged: 1,882 (1,959 lines
    before merging). The fitted model predicts 1,653.9, 12.1 % below. The brief quoted 1,788
    actual and about 1,880 predicted; neither can be reproduced from the sample, whose holdout
    count is a plain fact, so the test asserts the 1,882 count exactly and a prediction within
    15 %. The model's under-forecast here matches the holdout shortfall of its own unconditional
    forecast, sum_i E[X(T_i + 39)] - E[X(T_i)] (about 1,669).
    """
    actual = cdnow["x_holdout"].sum()
    assert actual == 1882
    predicted = bgnbd_expected_transactions(39, cdnow_fit, cdnow["x"], cdnow["t_x"], cdnow["T"]).sum()
    assert abs(predicted - actual) / actual < 0.15
    T = cdnow["T"].to_numpy()
    unconditional = (bgnbd_expected_unconditional(T + 39, cdnow_fit) - bgnbd_expected_unconditional(T, cdnow_fit)).sum()
    assert predicted == pytest.approx(unconditional, rel=0.02)


def _log_parameter_standard_errors(total_log_likelihood, params) -> np.ndarray:
    """Asymptotic standard errors of the log-parameters: inverse observed information, with the
    Hessian of the total log-likelihood taken by central differences (step 1e-4 in log space)."""
    centre = np.log(params)
    k, h = centre.size, 1e-4

    def total(log_params):
        return total_log_likelihood(np.exp(log_params)).sum()

    hessian = np.empty((k, k))
    for i in range(k):
        for j in range(k):
            e_i, e_j = np.eye(k)[i] * h, np.eye(k)[j] * h
            hessian[i, j] = (
                total(centre + e_i + e_j)
                - total(centre + e_i - e_j)
                - total(centre - e_i + e_j)
                + total(centre - e_i - e_j)
            ) / (4 * h * h)
    return np.sqrt(np.diag(np.linalg.inv(-hessian)))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fit_bgnbd_recovers_simulated_parameters(seed):
    """Fitting data drawn by sample_bgnbd recovers the true parameters.

    Parameters are drawn at random in a plausible range around CDNOW's; 20,000 customers with
    observation lengths uniform on 26-78 weeks. Each log-parameter must lie within 4 asymptotic
    standard errors (inverse observed information) of the truth: a false alarm has probability
    about 2.5e-4 per parameter. The errors must also be small enough (< 25 %) for the check to
    mean something.
    """
    rng = np.random.default_rng(seed)
    truth = (rng.uniform(0.2, 1.5), rng.uniform(2.0, 12.0), rng.uniform(0.4, 1.5), rng.uniform(1.0, 5.0))
    x, t_x, T = sample_bgnbd(20_000, rng.uniform(26, 78, size=20_000), truth, rng)
    fit = fit_bgnbd(x, t_x, T)
    se = _log_parameter_standard_errors(lambda params: bgnbd_log_likelihood(params, x, t_x, T), fit.params)
    z = (np.log(fit.params) - np.log(truth)) / se
    assert np.all(np.abs(z) < 4), (truth, fit.params, se)
    assert np.all(se < 0.25)


def test_sample_bgnbd_matches_unconditional_expectation():
    """The mean simulated x over (0, 39] equals E[X(39)] (FHL 2005a, eq. 7) within 4 standard
    errors of the sample mean, for CDNOW's parameters. The sampler and eq. 7 are derived
    independently, so each checks the other. Also x <= 0 implies t_x = 0 and 0 <= t_x <= T."""
    x, t_x, T = sample_bgnbd(200_000, 39.0, CDNOW_BGNBD, np.random.default_rng(7))
    assert np.all((t_x >= 0) & (t_x <= T)) and np.all(t_x[x == 0] == 0)
    expected = bgnbd_expected_unconditional(39.0, CDNOW_BGNBD)
    assert abs(x.mean() - expected) < 4 * x.std() / np.sqrt(x.size)


def test_conditional_expectation_averages_to_unconditional():
    """Law of total expectation: over a population drawn from the model, the mean of
    E[X(T, T+t) | x, t_x, T] (eq. 10) equals E[X(T+t)] - E[X(T)] (eq. 7). Tolerance: 4 standard
    errors of the mean of the conditional predictions."""
    params = (0.5, 6.0, 0.9, 3.0)
    x, t_x, T = sample_bgnbd(100_000, 30.0, params, np.random.default_rng(11))
    conditional = bgnbd_expected_transactions(20.0, params, x, t_x, T)
    increment = bgnbd_expected_unconditional(50.0, params) - bgnbd_expected_unconditional(30.0, params)
    assert abs(conditional.mean() - increment) < 4 * conditional.std() / np.sqrt(conditional.size)


def test_conditional_expectation_of_a_new_customer_is_unconditional():
    """With no history (x = 0, t_x = 0, T = 0) eq. 10 reduces to eq. 7 exactly."""
    t = np.array([1.0, 10.0, 52.0])
    new_customer = bgnbd_expected_transactions(t, CDNOW_BGNBD, 0, 0.0, 0.0)
    np.testing.assert_allclose(new_customer, bgnbd_expected_unconditional(t, CDNOW_BGNBD), rtol=1e-10)


def test_prob_alive_behaviour():
    """P(alive) is 1 without repeat purchases (drop-out only follows a purchase), falls as the
    silence since the last purchase grows, and is higher for a recent frequent buyer."""
    assert bgnbd_prob_alive(CDNOW_BGNBD, 0, 0.0, 38.0) == 1.0
    silence = bgnbd_prob_alive(CDNOW_BGNBD, 3, 10.0, np.array([10.0, 20.0, 38.0]))
    assert np.all(np.diff(silence) < 0) and np.all(silence > 0)
    assert bgnbd_prob_alive(CDNOW_BGNBD, 5, 37.0, 38.0) > bgnbd_prob_alive(CDNOW_BGNBD, 5, 5.0, 38.0)
    # A very frequent buyer long gone: the power overflows without log-space arithmetic.
    assert 0 <= bgnbd_prob_alive(CDNOW_BGNBD, 2000, 1.0, 500.0) < 1e-10


def test_bgnbd_rejects_inconsistent_data():
    with pytest.raises(ValueError, match="t_x"):
        fit_bgnbd([1, 2], [5.0, 40.0], [30.0, 30.0])
    with pytest.raises(ValueError, match="x = 0"):
        bgnbd_log_likelihood(CDNOW_BGNBD, [0], [3.0], [30.0])


# ------------------------------------------------------------------------------------------
# Gamma-Gamma
# ------------------------------------------------------------------------------------------


def test_gamma_gamma_cdnow_published_fit(cdnow):
    """Fader, Hardie & Lee (2005b) / Fader & Hardie (2013), CDNOW: p = 6.25, q = 3.74,
    gamma = 15.44, fitted to the 946 customers with repeat purchases in the 39-week calibration
    period, on the mean value of those repeat transactions (same-day purchases merged).
    Tolerance 2 % per parameter (brief); this implementation gives 6.2495, 3.7442, 15.4436.
    """
    repeaters = cdnow[cdnow["x"] > 0]
    fit = fit_gamma_gamma(repeaters["x"], repeaters["mean_repeat_spend"])
    assert fit.n_customers == 946
    np.testing.assert_allclose(fit.params, (6.25, 3.74, 15.44), rtol=0.02)
    total = gamma_gamma_log_likelihood(fit, repeaters["x"], repeaters["mean_repeat_spend"]).sum()
    assert total == pytest.approx(fit.log_likelihood, abs=1e-6)


def test_gamma_gamma_recovers_simulated_parameters():
    """Simulate the model (nu ~ Gamma(q, rate gamma), each transaction ~ Gamma(p, rate nu)), fit,
    and recover each log-parameter within 4 asymptotic standard errors (inverse observed
    information; about 11 %, 3 % and 13 % for p, q, gamma with 5,000 customers)."""
    rng = np.random.default_rng(5)
    truth = (6.0, 4.0, 15.0)
    n = 5_000
    frequency = rng.integers(1, 11, size=n)
    nu = rng.gamma(truth[1], 1 / truth[2], size=n)
    # The sum of x Gamma(p, nu) transactions is Gamma(p x, nu).
    mean_spend = rng.gamma(truth[0] * frequency, 1 / nu) / frequency
    fit = fit_gamma_gamma(frequency, mean_spend)
    se = _log_parameter_standard_errors(
        lambda params: gamma_gamma_log_likelihood(params, frequency, mean_spend), fit.params
    )
    assert np.all(np.abs(np.log(fit.params) - np.log(truth)) < 4 * se), (fit.params, se)


def test_gamma_gamma_expected_spend_shrinks_towards_population_mean():
    """E[M | m_x, x] is a weighted average of the population mean p gamma/(q-1) and the
    customer's mean m_x, with weight on m_x growing with x (Fader & Hardie 2013)."""
    fit = GammaGammaFit(6.25, 3.74, 15.44, 0.0, 0)
    population = fit.p * fit.gamma / (fit.q - 1)
    x = np.array([1, 5, 50, 5000])
    spend = gamma_gamma_expected_spend(fit, x, 100.0)
    assert np.all((spend > population) & (spend < 100.0))
    assert np.all(np.diff(spend) > 0)
    assert spend[-1] == pytest.approx(100.0, rel=1e-3)
    assert gamma_gamma_expected_spend(fit, 3, population) == pytest.approx(population)


def test_gamma_gamma_rejects_customers_without_repeats():
    with pytest.raises(ValueError, match="frequency"):
        fit_gamma_gamma([0, 2], [10.0, 12.0])


# ------------------------------------------------------------------------------------------
# Pareto/NBD
# ------------------------------------------------------------------------------------------
CDNOW_PARETO_NBD = (0.553, 10.578, 0.606, 11.669)  # Fader, Hardie & Lee (2005a), Table 1; LL -9595.0


def test_pareto_nbd_cdnow_published_fit(cdnow):
    """The published Pareto/NBD fit to the CDNOW calibration period, and its log-likelihood."""
    from sim.analysis.clv import fit_pareto_nbd

    fit = fit_pareto_nbd(cdnow["x"], cdnow["t_x"], cdnow["T"])
    assert np.allclose(fit.params, CDNOW_PARETO_NBD, atol=0.0006)
    assert fit.log_likelihood == pytest.approx(-9595.0, abs=0.05)


@pytest.mark.parametrize("x, t_x, T", [(0, 0.0, 38.86), (2, 10.0, 35.0), (5, 30.0, 38.0), (3, 20.0, 20.0)])
def test_pareto_nbd_conditional_forms_match_the_posterior(x, t_x, T):
    """P(alive) and E[Y(39) | x, t_x, T] against the individual-level model averaged over the
    posterior by importance sampling from the prior (800,000 draws; relative error under 2 %,
    about 5 Monte-Carlo standard errors here)."""
    from sim.analysis.clv import pareto_nbd_expected_transactions, pareto_nbd_prob_alive

    r, alpha, s, beta = CDNOW_PARETO_NBD
    rng = np.random.default_rng(7)
    lam, mu = rng.gamma(r, 1 / alpha, 800_000), rng.gamma(s, 1 / beta, 800_000)
    k = lam + mu
    alive = lam**x * np.exp(-k * T)
    likelihood = alive + mu / k * lam**x * (np.exp(-k * t_x) - np.exp(-k * T))
    w = likelihood / likelihood.sum()
    p_alive = float((w * alive / likelihood).sum())
    expected = float((w * alive / likelihood * lam / mu * -np.expm1(-mu * 39)).sum())
    assert float(pareto_nbd_prob_alive(CDNOW_PARETO_NBD, x, t_x, T)) == pytest.approx(p_alive, rel=0.02)
    assert float(pareto_nbd_expected_transactions(39, CDNOW_PARETO_NBD, x, t_x, T)) == pytest.approx(expected, rel=0.02)


def test_pareto_nbd_unconditional_is_the_integral_of_survival():
    """E[X(t)] = (r / alpha) * integral of (beta / (beta + u))^s over (0, t), at s != 1 and s = 1."""
    from scipy.integrate import quad

    from sim.analysis.clv import pareto_nbd_expected_unconditional, pareto_nbd_survival

    r, alpha, beta = 0.553, 10.578, 11.669
    for s in (0.606, 1.0, 2.5):
        integral = quad(lambda u, s=s: pareto_nbd_survival(u, s, beta), 0, 52)[0]
        assert float(pareto_nbd_expected_unconditional(52, r, alpha, s, beta)) == pytest.approx(r / alpha * integral)
