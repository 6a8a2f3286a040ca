"""The Bass arrival curve fitted to weekly first purchases (issue 19, point 3).

Recovery: 20 logs drawn from a known curve (multinomial over the weeks, Schmittlein & Mahajan
1982); each 95 % interval (estimate +- 1.96 SE) should cover the true value about 95 % of the
time: with true coverage 0.95, fewer than 16 of 20 happens with probability about 1.6 %.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.analysis.clv import bass_cdf, fit_bass
from sim.analysis.transactions import cdnow_sample_path, read_transactions
from sim.calibrate.arrivals import arrival_curve

P, Q, M, WEEKS = 0.01, 0.08, 5000, 60
START = pd.Timestamp("2020-01-06")


def _first_purchases(rng: np.random.Generator) -> pd.Series:
    f = bass_cdf(np.arange(WEEKS + 1), P, Q)
    counts = rng.multinomial(M, np.append(np.diff(f), 1.0 - f[-1]))[:-1]
    days = np.repeat(7 * np.arange(WEEKS), counts) + rng.integers(0, 7, counts.sum())
    return pd.Series(START + pd.to_timedelta(days, unit="D"))


def test_fitted_intervals_cover_the_true_curve_in_at_least_16_of_20_logs():
    rng = np.random.default_rng(2026)
    covered = {"p": 0, "q": 0, "m": 0}
    for _ in range(20):
        fit = arrival_curve(_first_purchases(rng), START, WEEKS)
        assert fit["identified"]
        for name, true in (("p", P), ("q", Q), ("m", M)):
            covered[name] += abs(fit[name] - true) <= 1.96 * fit["standard_errors"][name]
    assert min(covered.values()) >= 16, covered


def test_fit_is_the_maximum_of_the_likelihood_and_refuses_no_data():
    f = bass_cdf(np.arange(WEEKS + 1), P, Q)
    expected = M * np.diff(f)  # the expected counts: the fit returns the curve itself
    fit = fit_bass(expected)
    assert (fit.p, fit.q, fit.m) == pytest.approx((P, Q, M), rel=2e-3)
    with pytest.raises(ValueError, match="at least one adopter"):
        fit_bass(np.zeros(10))


def test_a_cohort_log_does_not_identify_arrivals_and_says_why():
    """CDNOW's sample is one cohort (first purchases in the first 12 of 39 weeks only)."""
    log = read_transactions(cdnow_sample_path())
    curve = arrival_curve(log.groupby("customer_id")["date"].min(), log["date"].min(), 39)
    assert curve == {"identified": False, "reason": curve["reason"]}
    assert "0 of 2357 first purchases fall in the last quarter" in curve["reason"]
