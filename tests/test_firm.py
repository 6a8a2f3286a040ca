"""A calibrated firm as a scenario: ``python -m sim.calibrate`` writes ``scenario.yaml`` and
``customers.parquet``; ``firm=DIR`` runs any strategy on those customers with the one engine.

Monte-Carlo error: the forecast checks average independent replications (seeds 0..59); their
standard error is the replications' own standard deviation over sqrt(60): about 0.5 % of the total
at the estimates (the check allows 1 % and 3.5 standard errors), about 1.2 % with the parameters
drawn from their sampling distribution (the check allows 3.5 standard errors).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.analysis.clv import pareto_nbd_expected_transactions
from sim.analysis.transactions import cdnow_sample_path, read_transactions
from sim.calibrate import calibrate_firm, prepare
from sim.calibrate.firm import write_firm
from sim.errors import ConfigError
from sim.runner import FIRM_COLUMNS, HISTORY_COLUMNS, SAMPLED_MODELS, firm_parameters, firm_posterior, run
from sim.scenario import FIRM_DATA_KEYS, compose_scenario
from tests.test_engine import check_identities


@pytest.fixture(scope="module")
def firm(tmp_path_factory):
    """CDNOW calibrated on 39 weeks: the firm's directory, the report and the calibration summary."""
    log = read_transactions(cdnow_sample_path())
    report, values, customers = calibrate_firm(log, 39, replications=2)
    out = tmp_path_factory.mktemp("firm")
    write_firm(out, values, customers, report["scenario"], "cdnow")
    (out / "calibration.json").write_text(json.dumps(report))
    return out, report, prepare(log, 39)[0]


def firm_run(folder, *overrides: str):
    return run(compose_scenario([f"firm={folder}", "output.plots=false", *overrides]))


def test_the_firm_is_the_fitted_model_on_its_customers(firm):
    """scenario.yaml carries the Pareto/NBD fit of calibration.json; customers.parquet holds each
    customer's posterior: P(alive), purchase rate Gamma(r + x, alpha + T), dropout Gamma(s, beta + T)."""
    folder, report, summary = firm
    values = yaml.safe_load((folder / "scenario.yaml").read_text())
    fit = report["parameters"]["pareto_nbd"]
    c = values["customers"]
    assert c["initial"] == len(summary) == 2357 and values["market"]["potential"] == 2357
    fitted = (c["purchase_rate_shape"], c["churn_propensity_a"], c["churn_propensity_b"])
    assert fitted == (fit["r"], fit["s"], fit["beta"])
    assert c["purchase_rate_mean"] == pytest.approx(fit["r"] / fit["alpha"])
    customers = pd.read_parquet(folder / "customers.parquet")
    assert list(customers["customer_id"]) == list(summary.index)
    assert np.allclose(customers["rate_shape"], fit["r"] + summary["x"])
    assert np.allclose(customers["rate_rate"], fit["alpha"] + summary["T"])
    assert ((customers["p_alive"] > 0) & (customers["p_alive"] <= 1)).all()
    # The histories give back the posterior at the estimates (what a seed's draw recomputes).
    again = firm_posterior(tuple(report["sampling"]["pareto_nbd"]["estimate"]),
                           {c: customers[c].to_numpy() for c in HISTORY_COLUMNS},
                           tuple(report["sampling"]["gamma_gamma"]["estimate"]))
    assert all(np.array_equal(again[c], customers[c].to_numpy()) for c in FIRM_COLUMNS)
    # Every value is either fitted (with a standard error where estimated) or assumed (with a reason or source).
    record = report["scenario"]
    assert all(v["se"] > 0 for v in record["fitted"].values() if "se" in v)
    assert all(v["reason"] for v in record["assumed_off"].values())
    assert all(v["source"] for v in record["assumed_defaults"].values())
    flat = {f"{g}.{k}" for g, d in values.items() if g not in ("groups", *FIRM_DATA_KEYS) for k in d}
    assert flat <= set(record["fitted"]) | set(record["assumed_off"]) | set(record["assumed_on"]) | {
        "customers.churn_propensity", "customers.churn_rate"}
    assert all(v["source"] for v in record["assumed_on"].values())
    assert set(values["groups"]) == set(record["groups"]) and all(v["reason"] for v in record["groups"].values())


def holdout_forecast(folder, weeks: int, seeds: range, draws: bool) -> np.ndarray:
    """Purchase occasions over ``weeks`` with no strategy change, one total per seed."""
    return np.array([firm_run(folder, f"seed={k}", f"horizon.weeks={weeks}",
                              f"firm_parameter_draws={str(draws).lower()}").timeseries["purchase_occasions"].sum()
                     for k in seeds])


@pytest.fixture(scope="module")
def forecasts(firm):
    """The holdout forecast of seeds 0..59 at the estimates and with parameters drawn, and the
    fitted model's closed form."""
    folder, report, summary = firm
    fit = report["parameters"]["pareto_nbd"]
    x, t_x, T = (summary[c].to_numpy(float) for c in ("x", "t_x", "T"))
    closed = float(pareto_nbd_expected_transactions(39, (fit["r"], fit["alpha"], fit["s"], fit["beta"]),
                                                    x, t_x, T).sum())
    weeks = report["scenario"]["forecast_weeks"]
    return {"off": holdout_forecast(folder, weeks, range(60), False),
            "on": holdout_forecast(folder, weeks, range(60), True), "closed": closed}


@pytest.mark.slow
def test_no_strategy_change_forecasts_the_fitted_model(firm, forecasts):
    """With no strategy change and the parameters at their estimates, the engine, started from
    the calibrated customers, forecasts the holdout's repeat purchases within 1 % (and 3.5 SE) of
    the fitted model's closed form, and at least as accurately as BG/NBD on the same split
    (actual 1,882)."""
    report = firm[1]
    totals, closed = forecasts["off"], forecasts["closed"]
    se = totals.std(ddof=1) / np.sqrt(totals.size)
    assert abs(totals.mean() - closed) <= min(0.01 * closed, 3.5 * se), (totals.mean(), closed, se)
    actual, bgnbd = report["holdout"]["actual"]["total"], report["holdout"]["bgnbd"]["total"]
    assert abs(totals.mean() - actual) <= abs(bgnbd - actual)


@pytest.mark.slow
def test_drawn_parameters_widen_the_forecast_interval(forecasts):
    """With the parameters drawn from their sampling distribution (the default), the spread of
    the holdout forecast across seeds is wider than at the estimates (process noise and posterior
    draws only): by a standard deviation at least 1.5 times as large (measured on CDNOW: about 2.5;
    an F test of the two variances at 1.5^2 rejects equality far beyond chance with 60 seeds each),
    while the mean stays within 3.5 standard errors of the closed form at the estimates."""
    on, off, closed = forecasts["on"], forecasts["off"], forecasts["closed"]
    assert on.std(ddof=1) >= 1.5 * off.std(ddof=1), (on.std(ddof=1), off.std(ddof=1))
    se = on.std(ddof=1) / np.sqrt(on.size)
    assert abs(on.mean() - closed) <= 3.5 * se, (on.mean(), closed, se)
    assert on[0] == off[0]  # seed 0 runs at the estimates either way


def test_parameter_draws_follow_the_sampling_distribution(firm):
    """Each seed's draw is a pure function of the seed; seed 0 takes the estimates; over many
    seeds the logs of the draws have the estimates as mean and the recorded covariance (Monte-Carlo
    tolerance: 4 standard errors of a mean, and 20 % on each variance with 2,000 draws, whose
    standard error is 3 %)."""
    sampling = yaml.safe_load((firm[0] / "scenario.yaml").read_text())["sampling"]
    assert sampling == firm[1]["sampling"]  # calibration.json holds the same numbers
    models = [m for m in SAMPLED_MODELS if m in sampling]  # the firm's purchase model and spend
    assert models == ["pareto_nbd", "gamma_gamma"]
    assert firm_parameters(sampling, 0) == {m: sampling[m]["estimate"] for m in models}
    assert firm_parameters(sampling, 7) == firm_parameters(sampling, 7) != firm_parameters(sampling, 8)
    for model in models:
        estimate, cov = np.log(sampling[model]["estimate"]), np.array(sampling[model]["log_covariance"])
        logs = np.log([firm_parameters(sampling, k)[model] for k in range(1, 2001)])
        sd = np.sqrt(np.diag(cov))
        assert np.all(np.abs(logs.mean(axis=0) - estimate) <= 4 * sd / np.sqrt(len(logs))), model
        assert np.allclose(logs.var(axis=0, ddof=1), np.diag(cov), rtol=0.2), model


def test_a_firm_without_a_sampling_record_runs_only_at_its_estimates(firm, tmp_path):
    """A firm written before parameter draws (no sampling record, no histories) still runs with
    ``firm_parameter_draws=false``; with draws on, a seed other than 0 is one clear error."""
    folder = firm[0]
    values = yaml.safe_load((folder / "scenario.yaml").read_text())
    for key in FIRM_DATA_KEYS:
        values.pop(key)
    (tmp_path / "scenario.yaml").write_text(yaml.safe_dump(values))
    old = pd.read_parquet(folder / "customers.parquet").iloc[:, :8]
    old.to_parquet(tmp_path / "customers.parquet")
    assert firm_run(tmp_path, "seed=1", "horizon.weeks=4", "firm_parameter_draws=false").summary["revenue"] > 0
    with pytest.raises(ConfigError, match=r"firm_parameter_draws.*calibrate it again"):
        firm_run(tmp_path, "seed=1", "horizon.weeks=4")


@pytest.mark.parametrize("seed, strategy", list(enumerate([
    ["loyalty=points"], ["loyalty=tiers"], ["acquisition.winback_share=0.3"], ["retention=targeted"],
    ["pricing=premium"], ["pricing=discount", "loyalty=hybrid"]])))
def test_identities_hold_on_a_calibrated_firm(firm, seed, strategy):
    """Cash, customers and points add up on calibrated customers under each kind of strategy;
    customers drawn as gone before week 0 are counted apart from the initial base."""
    result = firm_run(firm[0], f"seed={seed}", "horizon.weeks=20", *strategy)
    check_identities(result)
    s = result.summary
    assert s["customers_initial"] + s["customers_gone_before_start"] == 2357
    assert s["customers_initial"] == result.cohorts[result.cohorts["initial_base"]]["active"].iloc[0] + \
        result.timeseries["churned"].iloc[0] - result.timeseries["won_back"].iloc[0]


def test_strategies_move_the_firm_the_way_they_should(firm):
    """Same seed, same customers: a 20 % price rise sells fewer purchases (price sensitivity,
    assumed) at a higher price each; a win-back budget wins customers back and sells more."""
    folder = firm[0]
    base, premium = firm_run(folder, "seed=3", "horizon.weeks=39"), firm_run(folder, "seed=3", "horizon.weeks=39",
                                                                             "pricing=premium")
    winback = firm_run(folder, "seed=3", "horizon.weeks=39", "acquisition.winback_share=0.2")
    occasions = {k: r.timeseries["purchase_occasions"].sum() for k, r in
                 (("base", base), ("premium", premium), ("winback", winback))}
    assert occasions["premium"] < occasions["base"] < occasions["winback"]
    assert premium.summary["revenue"] / occasions["premium"] > base.summary["revenue"] / occasions["base"]
    assert winback.summary["customers_won_back"] > 0 == base.summary["customers_won_back"]
    assert base.summary["customers_acquired"] == 0  # a log has no prospects: the market is closed


def test_targeted_retention_keeps_calibrated_customers_through_its_assumed_relief(firm):
    """Satisfaction's effects are off on a calibrated firm, so a retention offer acts through its
    churn relief (assumed 0.15, recorded with its source): targeted offers keep more customers
    than no offers on the same seed, and none when the relief is set to 0."""
    folder = firm[0]
    runs = {k: firm_run(folder, "seed=4", "horizon.weeks=52", *o).summary for k, o in (
        ("none", []), ("targeted", ["retention=targeted", "retention.budget_per_week=200", "retention.min_risk=0"]),
        ("no_relief", ["retention=targeted", "retention.budget_per_week=200", "retention.min_risk=0",
                       "retention.churn_relief=0"]))}
    assert runs["targeted"]["customers_churned"] < runs["none"]["customers_churned"]
    assert runs["no_relief"]["customers_churned"] == runs["none"]["customers_churned"]
    assert firm[1]["scenario"]["assumed_on"]["retention.churn_relief"]["value"] == 0.15


def test_command_line_values_win_and_bad_firms_are_refused(firm, tmp_path):
    """Overrides given with firm=DIR win over the firm's values; a directory that is not a
    calibrated firm, or a scenario that does not fit its customers, is one clear error."""
    folder = firm[0]
    cfg = compose_scenario([f"firm={folder}", "customers.churn_propensity_b=5", "horizon.weeks=10"])
    assert cfg.customers.churn_propensity_b == 5 and cfg.horizon.weeks == 10 and cfg.customers.initial == 2357
    with pytest.raises(ConfigError, match=r"'firm'.*python -m sim.calibrate"):
        compose_scenario([f"firm={tmp_path}"])
    with pytest.raises(ConfigError, match=r"customers.initial.*2357"):
        firm_run(folder, "customers.initial=100", "market.potential=100")
    (tmp_path / "scenario.yaml").write_text("customers:\n  initial: ${oc.env:HOME}\n")
    (tmp_path / "customers.parquet").write_bytes(b"")
    with pytest.raises(ConfigError, match="no interpolation"):
        compose_scenario([f"firm={tmp_path}"])


def test_a_strategy_library_on_the_searchpath_works_on_the_firm(firm, tmp_path):
    """The firm starts from acquisition=none; an experiment file of the firm's own library (on
    hydra.searchpath) and a group chosen on the command line replace that choice, while the
    fitted customers stay the firm's."""
    (tmp_path / "experiment").mkdir()
    (tmp_path / "experiment" / "winback.yaml").write_text(
        "# @package _global_\nlabel: Win-back budget\nacquisition:\n  winback_share: 0.2\n")
    lib = f"hydra.searchpath=[file://{tmp_path}]"
    plain = compose_scenario([f"firm={firm[0]}"])
    assert plain.acquisition.name == "none" and plain.acquisition.winback_share == 0.0
    cfg = compose_scenario([f"firm={firm[0]}", lib, "experiment=winback"])
    assert cfg.acquisition.winback_share == 0.2 and cfg.label == "Win-back budget"
    assert cfg.customers.initial == 2357 and cfg.customers.churn_propensity == "gamma_hazard"
    assert compose_scenario([f"firm={firm[0]}", "acquisition=aggressive"]).acquisition.media_budget_per_week > 0


def test_python_m_sim_runs_a_strategy_on_the_firm(firm, tmp_path):
    """`python -m sim firm=DIR loyalty=points` runs; run.json records the firm and its values."""
    folder = firm[0]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.run([sys.executable, "-m", "sim", f"firm={folder}", "loyalty=points", "horizon.weeks=8",
                           "output.plots=false", f"hydra.run.dir={tmp_path / 'run'}"], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stderr
    record = json.loads((tmp_path / "run" / "run.json").read_text())
    config = record.get("config", record)
    assert config["firm"] == str(folder) and config["customers"]["initial"] == 2357
    assert config["loyalty"]["schemes"] == ["points"]
    # The answer warns that costs the log cannot show are another firm's, naming those left so.
    note = next(line for line in proc.stdout.splitlines() if line.startswith("Costs a transaction log"))
    assert "product.fixed_cost_per_week=" in note and "service.cost_per_transaction=" in note
    own = subprocess.run([sys.executable, "-m", "sim", f"firm={folder}", "horizon.weeks=4", "output.plots=false",
                          "product.fixed_cost_per_week=0", "service.cost_per_customer_week=0",
                          "service.cost_per_transaction=1", "service.cost_per_order_service=0",
                          "service.cost_per_complaint=2",
                          f"hydra.run.dir={tmp_path / 'own'}"], capture_output=True, text=True, env=env, cwd=tmp_path,
                         timeout=300)
    assert own.returncode == 0, own.stderr
    assert "Costs a transaction log" not in own.stdout
    bad = subprocess.run([sys.executable, "-m", "sim", f"firm={tmp_path / 'nope'}"], capture_output=True, text=True,
                         env=env, cwd=tmp_path, timeout=300)
    assert bad.returncode == 2 and "'firm'" in bad.stderr and "Traceback" not in bad.stderr


def test_the_deck_of_a_firm_run_lists_every_parameter_as_fitted_or_assumed(firm, tmp_path):
    """`python -m sim.report` on a run of a calibrated firm adds an appendix slide: each Pareto/NBD
    parameter with its value and standard error, each assumption with its value and source or
    reason; the firm's record travels in the run directory (firm.json), so the report needs
    nothing outside it: it works after the firm's own directory is gone."""
    from pptx import Presentation

    from sim.report.__main__ import main
    from sim.report.firm import FIRM_TITLE
    from sim.rundir import write_run_dir

    folder, report = tmp_path / "firm", firm[1]
    shutil.copytree(firm[0], folder)
    run_dir = write_run_dir(firm_run(folder, "seed=2", "horizon.weeks=8", "customers.lapse_weeks=6"), tmp_path / "run")
    shutil.rmtree(folder)
    assert main([str(run_dir), "--out", str(tmp_path / "report")]) == 0
    slides = [s for s in Presentation(str(tmp_path / "report" / "deck.pptx")).slides
              if s.shapes.title is not None and s.shapes.title.text == FIRM_TITLE]
    assert len(slides) == 1
    text = "\n".join(p.text for shape in slides[0].shapes if shape.has_text_frame and shape != slides[0].shapes.title
                     for p in shape.text_frame.paragraphs)
    fitted = report["scenario"]["fitted"]
    r = fitted["customers.purchase_rate_shape"]
    assert f"Pareto/NBD r: {r['value']:.4g} (SE {r['se']:.4g})" in text
    beta = fitted["customers.churn_propensity_b"]
    assert f"Pareto/NBD beta (weeks): {beta['value']:.4g} (SE {beta['se']:.4g})" in text
    source = report["scenario"]["assumed_defaults"]["customers.price_sensitivity_mean"]["source"]
    assert f"customers.price_sensitivity_mean = 1.5: {source[:40]}" in text
    reason = report["scenario"]["assumed_off"]["customers.churn_satisfaction_effect"]["reason"]
    assert f"customers.churn_satisfaction_effect = 0: {reason[:40]}" in text
    # A value set for the run is shown as set; the run's own parameter draw (seed 2) is listed.
    assert "customers.lapse_weeks = 6 (set; the firm assumes" not in text  # an assumed default: shown as run
    assert "customers.lapse_weeks = 6:" in text
    drawn = json.loads((run_dir / "firm.json").read_text())["parameters"]["pareto_nbd"]
    assert drawn != report["sampling"]["pareto_nbd"]["estimate"]
    assert "This run's r, alpha, s, beta: " + ", ".join(f"{v:.4g}" for v in drawn) in text


def test_a_run_without_a_firm_has_no_firm_slide(tmp_path):
    """The default firm's deck has no calibrated-firm appendix (and its run no firm.json)."""
    from sim.report.firm import firm_parameter_lines

    assert firm_parameter_lines(None, {}) == ([], [])
