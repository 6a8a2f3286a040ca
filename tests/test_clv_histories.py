"""Fits on distinct histories with their counts (sim.analysis.clv.histories): the same fit as over every customer.

The likelihood objects must equal the per-customer formulas summed, their gradients the finite differences of
those sums, and each fit must land where a plain optimiser of the per-customer likelihood lands: on the CDNOW
sample (whose published estimates test_clv_models.py and test_calibrate.py check) and on a random log dated
by days, where many customers share a history.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize

from sim.analysis.clv import (
    BGNBDLikelihood,
    GammaGammaLikelihood,
    ParetoNBDLikelihood,
    bgnbd_log_likelihood,
    fit_bgnbd,
    fit_gamma_gamma,
    fit_pareto_nbd,
    gamma_gamma_log_likelihood,
    pareto_nbd_log_likelihood,
    sample_bgnbd,
)
from sim.analysis.clv.histories import distinct_histories, levels
from sim.analysis.transactions import cdnow_sample_path, read_transactions
from sim.calibrate.data import prepare
from sim.calibration.fit import CovariateLikelihood, covariate_log_likelihood, fit_covariate_bgnbd


@pytest.fixture(scope="module")
def cdnow() -> tuple[np.ndarray, ...]:
    summary, _, _ = prepare(read_transactions(cdnow_sample_path()), 39)
    return tuple(summary[c].to_numpy(dtype=float) for c in ("x", "t_x", "T", "z"))


@pytest.fixture(scope="module")
def daily_log() -> tuple[np.ndarray, ...]:
    """3,000 BG/NBD customers whose times are whole days (as a dated log gives them), with a covariate."""
    rng = np.random.default_rng(7)
    T = rng.integers(7, 273, size=3000) / 7
    x, t_x, T = sample_bgnbd(3000, T, (0.4, 3.0, 0.9, 2.5), rng)
    t_x = np.floor(t_x * 7) / 7
    z = np.round(rng.normal(size=3000), 1)  # few distinct values, so some customers share (x, t_x, T, z)
    return x.astype(float), t_x, T, z


def _central(f, v: np.ndarray, step: float = 1e-6) -> np.ndarray:
    return np.array([(f(v + step * e) - f(v - step * e)) / (2 * step) for e in np.eye(v.size)])


@pytest.mark.parametrize("data", ["cdnow", "daily_log"])
def test_likelihoods_on_distinct_histories_equal_the_per_customer_sums(data, request):
    x, t_x, T, z = request.getfixturevalue(data)
    h = distinct_histories(x, t_x, T)
    assert h.x.size < x.size and h.customers == x.size  # customers do share histories
    np.testing.assert_array_equal(h.x[h.inverse], x)
    np.testing.assert_array_equal(h.t_x[h.inverse], t_x)
    bgnbd, pareto = BGNBDLikelihood(h), ParetoNBDLikelihood(h)
    for params in ((0.243, 4.414, 0.793, 2.426), (1.7, 0.6, 2.5, 0.4)):
        total, gradient, _ = bgnbd(params)
        assert total == pytest.approx(bgnbd_log_likelihood(params, x, t_x, T).sum(), rel=1e-12)
        plain = lambda v: bgnbd_log_likelihood(np.exp(v), x, t_x, T).sum()  # noqa: E731
        np.testing.assert_allclose(gradient, _central(plain, np.log(params)), rtol=1e-5, atol=1e-6)
        # Pareto/NBD: the same operations on the same values, history by history.
        np.testing.assert_array_equal(pareto.per_history(params)[h.inverse],
                                      pareto_nbd_log_likelihood(params, x, t_x, T))
    covariate = CovariateLikelihood(distinct_histories(x, t_x, T, z))
    vector = np.array([-1.2, 1.4, -0.3, 0.8, 0.35])
    total, gradient = covariate(vector)
    assert total == pytest.approx(covariate_log_likelihood(vector, x, t_x, T, z).sum(), rel=1e-12)
    np.testing.assert_allclose(
        gradient, _central(lambda v: covariate_log_likelihood(v, x, t_x, T, z).sum(), vector), rtol=1e-5, atol=1e-6)


def test_gamma_gamma_likelihood_and_gradient_equal_the_per_customer_sums(daily_log):
    rng = np.random.default_rng(3)
    n = rng.integers(1, 12, size=500).astype(float)
    mean = rng.gamma(3.0, 10.0, size=500)
    likelihood = GammaGammaLikelihood(n, mean)
    params = np.array([6.25, 3.74, 15.44])
    total, gradient = likelihood(params)
    assert total == pytest.approx(gamma_gamma_log_likelihood(params, n, mean).sum(), rel=1e-12)
    plain = lambda v: gamma_gamma_log_likelihood(np.exp(v), n, mean).sum()  # noqa: E731
    np.testing.assert_allclose(gradient, _central(plain, np.log(params)), rtol=1e-5)
    fit = fit_gamma_gamma(n, mean)
    reference = minimize(lambda v: -plain(v) / n.size, np.log(fit.params) + 0.3, method="Nelder-Mead",
                         options={"xatol": 1e-10, "fatol": 1e-13, "maxiter": 20_000})
    np.testing.assert_allclose(fit.params, np.exp(reference.x), rtol=1e-5)


def _reference(per_customer, start: np.ndarray) -> np.ndarray:
    """Maximise the plain per-customer likelihood with a derivative-free optimiser: no shared history, no gradient."""
    def negative_mean(v: np.ndarray) -> float:
        value = -np.mean(per_customer(v))
        return value if np.isfinite(value) else np.inf

    return minimize(negative_mean, start, method="Nelder-Mead",
                    options={"xatol": 1e-10, "fatol": 1e-13, "maxiter": 40_000, "maxfev": 40_000}).x


@pytest.mark.parametrize("data", ["cdnow", pytest.param("daily_log", marks=pytest.mark.slow)])
def test_fits_on_distinct_histories_are_the_fits_over_every_customer(data, request):
    x, t_x, T, z = request.getfixturevalue(data)
    h = distinct_histories(x, t_x, T)
    bgnbd = fit_bgnbd(x, t_x, T)
    weighted = fit_bgnbd(h.x, h.t_x, h.T, counts=h.counts)  # histories with counts: the same customers
    np.testing.assert_allclose(weighted.params, bgnbd.params, rtol=1e-12)
    assert weighted.n_customers == x.size and weighted.log_likelihood == pytest.approx(bgnbd.log_likelihood, abs=1e-9)
    reference = _reference(lambda v: bgnbd_log_likelihood(np.exp(v), x, t_x, T), np.log(bgnbd.params) + 0.2)
    np.testing.assert_allclose(bgnbd.params, np.exp(reference), rtol=2e-5)

    pareto = fit_pareto_nbd(x, t_x, T)
    np.testing.assert_allclose(fit_pareto_nbd(h.x, h.t_x, h.T, counts=h.counts).params, pareto.params, rtol=1e-12)
    reference = _reference(lambda v: pareto_nbd_log_likelihood(np.exp(v), x, t_x, T), np.log(pareto.params) + 0.2)
    assert pareto.log_likelihood >= pareto_nbd_log_likelihood(np.exp(reference), x, t_x, T).sum() - 1e-6
    np.testing.assert_allclose(pareto.params, np.exp(reference), rtol=1e-3)

    covariate = fit_covariate_bgnbd(x, t_x, T, z)
    reference = _reference(lambda v: covariate_log_likelihood(v, x, t_x, T, z), covariate.vector + 0.1)
    assert covariate.log_likelihood >= covariate_log_likelihood(reference, x, t_x, T, z).sum() - 1e-6
    np.testing.assert_allclose(covariate.vector, reference, rtol=1e-4, atol=1e-5)


def test_counts_must_be_one_positive_number_per_history():
    with pytest.raises(ValueError, match="counts must be finite and > 0"):
        fit_bgnbd([1, 0], [2.0, 0.0], [5.0, 5.0], counts=[3, 0])
    with pytest.raises(ValueError, match="one entry per history"):
        fit_pareto_nbd([1, 0], [2.0, 0.0], [5.0, 5.0], counts=[3])


def test_levels_and_distinct_histories_merge_equal_rows_only():
    lv = levels(np.array([1, 0, 1, 2]), np.array([0.5, 0.0, 0.5, 0.5]))
    assert [v.tolist() for v in lv.values] == [[0, 1, 2], [0.0, 0.5, 0.5]] and lv.index.tolist() == [1, 0, 1, 2]
    h = distinct_histories(np.array([2, 2, 2, 0]), np.array([1.0, 1.0, 1.5, 0.0]), np.full(4, 3.0),
                           np.array([0.1, 0.1, 0.1, 0.1]), counts=np.array([1, 2, 1, 5]))
    frame = pd.DataFrame({"x": h.x, "t_x": h.t_x, "count": h.counts})
    assert frame.to_dict("list") == {"x": [0.0, 2.0, 2.0], "t_x": [0.0, 1.0, 1.5], "count": [5.0, 3.0, 1.0]}
    assert h.inverse.tolist() == [1, 1, 2, 0]
