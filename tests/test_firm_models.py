"""``python -m sim.calibrate --model``: the purchase model of a calibrated firm's scenario.

BG/NBD and its covariate version are run by the one engine as Pareto/NBD is: each customer of
``customers.parquet`` carries her posterior (alive with P(alive | x, t_x, T), purchase rate
Gamma(r + x, alpha_i + T), dropout probability after a repeat purchase Beta(a, b + x)) and the
scenario leaves only right after a purchase (``customers.churn_timing=at_purchase``). The
Pareto/NBD firm (the default) is tested in ``tests/test_firm.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.analysis.clv import bgnbd_expected_transactions, bgnbd_prob_alive
from sim.analysis.transactions import cdnow_sample_path, read_transactions
from sim.calibrate import calibrate_firm, prepare
from sim.calibrate.data import CalibrationError
from sim.calibrate.firm import MODELS, write_firm
from sim.calibration.fit import CovariateBGNBDFit, covariate_expected_transactions
from sim.report.firm import firm_parameter_lines
from sim.runner import FIRM_COLUMNS, firm_parameters, firm_posterior, run
from sim.scenario import compose_scenario

ROWS = {"bgnbd": "bgnbd", "covariate": "agent_model"}


@pytest.fixture(scope="module")
def cdnow():
    log = read_transactions(cdnow_sample_path())
    return log, prepare(log, 39)[0]


@pytest.fixture(scope="module", params=["bgnbd", "covariate"])
def firm(request, cdnow, tmp_path_factory):
    """CDNOW calibrated on 39 weeks with the firm's scenario on ``--model`` BG/NBD or covariate BG/NBD."""
    log, summary = cdnow
    report, values, customers = calibrate_firm(log, 39, replications=2, model=request.param)
    out = tmp_path_factory.mktemp(request.param)
    write_firm(out, values, customers, report["scenario"], "cdnow")
    return request.param, out, report, summary


def _fit(model, report):
    p = report["parameters"][ROWS[model]]
    return p, (p["r"], p["alpha"], p["a"], p["b"]), p.get("beta_first_amount", 0.0)


def test_the_scenario_is_the_chosen_fit_on_its_customers(firm):
    """scenario.yaml carries the chosen fit and leaves at a purchase with a Beta probability;
    customers.parquet holds each customer's BG/NBD posterior; calibration.json names the choice."""
    model, folder, report, summary = firm
    _, (r, alpha, a, b), beta = _fit(model, report)
    values = yaml.safe_load((folder / "scenario.yaml").read_text())
    c = values["customers"]
    assert (c["churn_propensity"], c["churn_timing"]) == ("beta", "at_purchase")
    assert (c["purchase_rate_shape"], c["churn_propensity_a"], c["churn_propensity_b"]) == (r, a, b)
    assert values["record"]["model"] == MODELS[model][0] and report["scenario"]["model"] == MODELS[model][0]
    assert report["model_choice"]["scenario"] == {"model": model, "row": ROWS[model]}
    customers = pd.read_parquet(folder / "customers.parquet")
    x, t_x, T, z = (summary[k].to_numpy(float) for k in ("x", "t_x", "T", "z"))
    alphas = alpha * np.exp(-beta * z)
    assert np.allclose(customers["rate_shape"], r + x) and np.allclose(customers["rate_rate"], alphas + T)
    assert np.allclose(customers["dropout_shape"], a) and np.allclose(customers["dropout_rate"], b + x)
    if model == "bgnbd":
        assert np.allclose(customers["p_alive"], bgnbd_prob_alive((r, alpha, a, b), x, t_x, T))
    assert (customers["p_alive"] < 1).any() and ((customers["p_alive"] > 0) & (customers["p_alive"] <= 1)).all()
    # The histories (with the covariate) give back the posterior at the estimates.
    estimate = report["sampling"][MODELS[model][0]]["estimate"]
    again = firm_posterior(tuple(estimate), {k: customers[k].to_numpy() for k in ("x", "t_x", "T", "spend_n",
                                                                                     "spend_mean", "z")},
                           tuple(report["sampling"]["gamma_gamma"]["estimate"]), MODELS[model][0])
    assert all(np.allclose(again[k], customers[k].to_numpy()) for k in FIRM_COLUMNS)
    fitted = report["scenario"]["fitted"]
    assert all(v["se"] > 0 for v in fitted.values() if "se" in v)


def test_no_strategy_change_forecasts_the_fitted_model(firm):
    """With the parameters at their estimates, the full engine started from the calibrated
    customers forecasts the holdout's repeat purchases as the fitted model's closed form
    E[Y(39) | x, t_x, T(, z)] does: the mean of 30 seeds within 4.5 standard errors (SD across
    seeds / sqrt(30)), and within 1 %."""
    model, folder, report, summary = firm
    p, params, beta = _fit(model, report)
    x, t_x, T, z = (summary[k].to_numpy(float) for k in ("x", "t_x", "T", "z"))
    weeks = report["scenario"]["forecast_weeks"]
    if model == "bgnbd":
        closed = float(bgnbd_expected_transactions(weeks, params, x, t_x, T).sum())
    else:
        fit = CovariateBGNBDFit(*params, beta, p["log_likelihood"], np.zeros((5, 5)))
        closed = float(covariate_expected_transactions(weeks, fit, x, t_x, T, z).sum())
    totals = np.array([run(compose_scenario([f"firm={folder}", "output.plots=false", f"seed={k}",
                                             f"horizon.weeks={weeks}", "firm_parameter_draws=false"]))
                       .timeseries["purchase_occasions"].sum() for k in range(30)])
    se = totals.std(ddof=1) / np.sqrt(totals.size)
    assert abs(totals.mean() - closed) <= 4.5 * se and abs(totals.mean() / closed - 1) < 0.01, (
        totals.mean(), closed, se)


def test_a_seed_draws_the_chosen_models_parameters(firm):
    """Seed k draws the chosen model's parameters from their sampling distribution (the covariate's
    slope on its own scale, so it may take either sign) and recomputes each posterior under them."""
    model, folder, report, _ = firm
    name = MODELS[model][0]
    sampling = report["sampling"]
    drawn = [firm_parameters(sampling, seed)[name] for seed in range(1, 41)]
    estimate = np.asarray(sampling[name]["estimate"])
    assert all(len(d) == estimate.size and not np.allclose(d, estimate) for d in drawn)
    assert np.all(np.asarray(drawn)[:, :4] > 0)
    result = run(compose_scenario([f"firm={folder}", "output.plots=false", "seed=3", "horizon.weeks=5"]))
    firm_json = result.extra["firm"]
    assert firm_json["parameters"][name] == firm_parameters(sampling, 3)[name]
    # The report's appendix names the model's own parameters and this run's draw of them.
    fitted, _ = firm_parameter_lines(firm_json, {}, one_run=True)
    label = "BG/NBD" if model == "bgnbd" else "Covariate BG/NBD"
    assert [line.split(":")[0] for line in fitted[:4]] == [f"{label} {k}" for k in ("r", "alpha (weeks)", "a", "b")]
    names = "r, alpha, a, b" + ("" if model == "bgnbd" else ", beta")
    assert any(line.startswith(f"This run's {names}: ") for line in fitted), fitted


def test_a_bgnbd_firm_refuses_a_weekly_hazard(firm):
    model, folder, _, _ = firm
    with pytest.raises(Exception, match="customers.churn_propensity"):
        run(compose_scenario([f"firm={folder}", "output.plots=false", "customers.churn_propensity=gamma_hazard"]))


def test_an_unknown_model_is_refused(cdnow):
    with pytest.raises(CalibrationError, match="'--model' argument must be one of paretonbd, bgnbd, covariate"):
        calibrate_firm(cdnow[0], 39, replications=1, model="pareto")


def test_the_command_line_chooses_the_model(tmp_path):
    """``--model covariate`` writes a firm that leaves at a purchase; a bad value is one line
    naming the flag, the value and what is allowed, with exit status 2 and nothing written."""
    cli = [sys.executable, "-m", "sim.calibrate", "--transactions", "cdnow", "--calibration-weeks", "39",
           "--replications", "2"]
    proc = subprocess.run([*cli, "--out", "out", "--model", "covariate"], cwd=tmp_path, capture_output=True,
                          text=True, env={**os.environ}, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "firm scenario (--model): covariate" in proc.stdout
    values = yaml.safe_load((tmp_path / "out" / "scenario.yaml").read_text())
    assert values["customers"]["churn_timing"] == "at_purchase"
    report = json.loads((tmp_path / "out" / "calibration.json").read_text())
    choice = report["model_choice"]
    assert choice["scenario"]["model"] == "covariate"
    for row in ("pareto_nbd", "bgnbd", "agent_model"):  # each model's fit and holdout error
        assert np.isfinite(choice["models"][row]["log_likelihood"])
        assert np.isfinite(choice["models"][row]["holdout_total_error_pct"])
    proc = subprocess.run([*cli, "--out", "bad", "--model", "nbd"], cwd=tmp_path, capture_output=True, text=True,
                          env={**os.environ}, timeout=300)
    assert proc.returncode == 2 and not (tmp_path / "bad").exists()
    errors = [line for line in proc.stderr.splitlines() if "error" in line]
    assert errors == ["python -m sim.calibrate: error: argument --model: must be one of paretonbd, bgnbd, covariate, "
                      "got 'nbd'"], proc.stderr
