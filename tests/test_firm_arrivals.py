"""A calibrated firm whose log identifies a Bass arrival curve keeps acquiring customers from it.

The log is simulated: M people first buy at Bass times (p, q per week), then buy again as
Pareto/NBD customers (Poisson rates lambda ~ Gamma(r, alpha), exponential lifetimes with
mu ~ Gamma(s, beta)). ``python -m sim.calibrate`` fits the curve to the first purchases of the
calibration weeks; the firm's runs then acquire at the fitted curve's rate.
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.analysis.clv import bass_cdf
from sim.calibrate import calibrate_firm
from sim.calibrate.firm import ARRIVALS_ASSUMED, write_firm
from sim.report.firm import firm_parameter_lines
from sim.runner import drawn_arrivals, run
from sim.scenario import compose_scenario

P, Q, M = 0.004, 0.06, 6000  # per week; 63 % adopted by week 52, 90 % by week 78
R, ALPHA, S, BETA = 1.0, 10.0, 0.5, 20.0  # 0.1 purchases a week, dropout hazard 0.025 a week on average
CALIBRATION_WEEKS, LOG_WEEKS, RUN_WEEKS = 52, 78, 26
START = pd.Timestamp("2021-01-04")


def simulated_log(seed: int, cohort_weeks: float | None = None) -> pd.DataFrame:
    """Transactions of M people: first purchases on the Bass curve (or, with ``cohort_weeks``, uniform
    over that many weeks: one cohort), then Pareto/NBD repeat purchases until the log ends."""
    rng = np.random.default_rng(seed)
    u = rng.uniform(size=M)
    if cohort_weeks is None:  # inverse of F(t) = (1 - e) / (1 + (q/p) e), e = exp(-(p + q) t)
        first = -np.log((1 - u) / (1 + Q / P * u)) / (P + Q)
    else:
        first = cohort_weeks * u
    rate, dropout = rng.gamma(R, 1 / ALPHA, M), rng.gamma(S, 1 / BETA, M)
    end = np.minimum(first + rng.exponential(1 / dropout), LOG_WEEKS)
    rows = [(i, t) for i in np.flatnonzero(first < LOG_WEEKS) for t in
            (first[i], *(first[i] + np.cumsum(rng.exponential(1 / rate[i], 200)))) if t < end[i] or t == first[i]]
    ids, weeks = np.array(rows).T
    return pd.DataFrame({"customer_id": ids.astype(int).astype(str),
                         "date": START + pd.to_timedelta(np.floor(weeks * 7), unit="D"),
                         "amount": np.round(rng.gamma(4.0, 10.0, ids.size), 2)})


def calibrated(tmp_path, log: pd.DataFrame):
    report, values, customers = calibrate_firm(log, CALIBRATION_WEEKS, replications=2)
    write_firm(tmp_path, values, customers, report["scenario"], "simulated")
    (tmp_path / "calibration.json").write_text(json.dumps(report))
    return report, yaml.safe_load((tmp_path / "scenario.yaml").read_text())


@pytest.fixture(scope="module")
def ongoing(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ongoing")
    return folder, *calibrated(folder, simulated_log(1))


def test_an_identified_curve_opens_the_market_as_the_bass_preset(ongoing):
    """scenario.yaml: the potential is the fitted m, innovation p and word of mouth q (per week)
    scaled by customers over their expected active number; the preset's settings are recorded as
    assumed with their reason, the curve as fitted with standard errors."""
    _, report, values = ongoing
    curve, n = report["acquisition_curve"], report["customers"]
    assert curve["identified"]
    market, record = values["market"], values["record"]
    assert market["potential"] == round(curve["m"]) > n
    assert market["innovation"] == curve["p"]
    assert market["word_of_mouth"] > curve["q"]  # some of the customers have left: fewer voices, each louder
    for key, (value, _) in ARRIVALS_ASSUMED.items():
        group, name = key.split(".")
        assert values[group][name] == value and record["assumed_on"][key]["source"]
    assert {"market.potential", "market.innovation", "market.word_of_mouth"} <= set(record["fitted"])
    assert "market.potential" not in record["assumed_off"]
    assert "acquisition.offer_cost" in record["unknown_costs"]
    # The deck's appendix shows the curve among the fitted values, and the preset's settings among the assumed.
    fitted, assumed = firm_parameter_lines({"record": record}, {})
    assert any(line.startswith("Bass arrivals, per week: p ") for line in fitted)
    assert any(line.startswith("customers.conversion_rate = 1") for line in assumed)
    # The fit recovers the true curve (its own recovery is tests/test_bass_fit.py).
    for name, true in (("p", P), ("q", Q), ("m", M)):
        assert abs(curve[name] - true) <= 4 * curve["standard_errors"][name], (name, curve[name], true)


def test_the_firm_keeps_acquiring_at_the_fitted_curves_rate(ongoing):
    """Four seeds of 26 weeks after the log: the new customers of the first 13 weeks and of all 26
    are the fitted curve's expected m (F(52 + w) - F(52)) within 10 % (Monte-Carlo SD of the mean
    about 1 %; the rest is the engine hearing active customers only, whose share drifts as the run
    goes on)."""
    folder, report, values = ongoing
    curve = report["acquisition_curve"]
    f = bass_cdf(CALIBRATION_WEEKS + np.array([0, 13, RUN_WEEKS]), curve["p"], curve["q"])
    expected = curve["m"] * (f[1:] - f[0])  # after 13 and 26 weeks
    # At the curve's estimates (its per-seed draws are the next test's).
    runs = [run(compose_scenario([f"firm={folder}", "output.plots=false", f"horizon.weeks={RUN_WEEKS}",
                                  f"seed={seed}", "firm_parameter_draws=false"])) for seed in range(4)]
    acquired = np.mean([r.summary["customers_acquired"] for r in runs])
    first13 = np.mean([r.timeseries["new"].iloc[:13].sum() for r in runs])
    assert first13 == pytest.approx(expected[0], rel=0.10), (first13, expected)
    assert acquired == pytest.approx(expected[1], rel=0.10), (acquired, expected)
    # New customers buy and leave as the fitted Pareto/NBD prior says: some buy again within the run.
    new = runs[0].customers.query("acquired_week >= 0")
    assert (new["purchases"] >= 1).all() and (new["purchases"] > 1).mean() > 0.2


def test_each_seed_draws_the_arrival_curve_from_its_sampling_distribution(ongoing):
    """Seed 0 runs at the estimates; other seeds draw p, q and the customers still to come from the
    fit's log covariance (mean of the logs within 4 standard errors, variances within 20 % over
    1,000 seeds: SE of a variance about 4.5 %); values set on the command line stand."""
    folder, report, values = ongoing
    block = values["sampling"]["bass_arrivals"]
    base = [f"firm={folder}", "output.plots=false"]
    at0 = drawn_arrivals(compose_scenario([*base, "seed=0"])).market
    assert (at0.potential, at0.innovation, at0.word_of_mouth) == (
        values["market"]["potential"], values["market"]["innovation"], values["market"]["word_of_mouth"])
    template = compose_scenario([*base, "seed=1"])
    draws = []
    for seed in range(1, 1001):
        m = drawn_arrivals(dataclasses.replace(template, seed=seed)).market
        draws.append((m.innovation, m.word_of_mouth / block["word_of_mouth_per_q"], m.potential - block["adopted"]))
    logs, cov = np.log(np.array(draws)), np.array(block["log_covariance"])
    sd = np.sqrt(np.diag(cov))
    assert np.all(np.abs(logs.mean(axis=0) - np.log(block["estimate"])) <= 4 * sd / np.sqrt(len(logs)))
    assert np.allclose(logs.var(axis=0, ddof=1), np.diag(cov), rtol=0.2)
    kept = drawn_arrivals(compose_scenario([*base, "seed=3", "market.potential=9000"])).market
    assert kept.potential == 9000 and kept.innovation == values["market"]["innovation"]


def test_a_cohort_log_leaves_the_market_closed(tmp_path):
    """One cohort (first purchases in the first 8 weeks): no curve, no new customer in a run."""
    report, values = calibrated(tmp_path, simulated_log(2, cohort_weeks=8))
    assert not report["acquisition_curve"]["identified"]
    assert values["market"]["potential"] == report["customers"] and "innovation" not in values["market"]
    result = run(compose_scenario([f"firm={tmp_path}", "output.plots=false", "horizon.weeks=13"]))
    assert result.summary["customers_acquired"] == 0
