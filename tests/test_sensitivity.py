"""Sensitivity analysis: indices of functions with known answers, and a small real Morris study
comparing two loyalty strategies."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from sim.errors import ArgumentError
from sim.sensitivity import Factor, analyse, main, parse_factor, sample_design, sensitivity

SMALL = ["customers.initial=300", "market.potential=1500", "horizon.weeks=26", "output.plots=false"]
UNIT = [Factor("a", 0.0, 1.0), Factor("b", 0.0, 1.0), Factor("c", 0.0, 1.0)]


def test_morris_ranks_factors_by_their_known_effects():
    X = sample_design(UNIT, "morris", n=20, levels=4, seed=1)
    assert X.shape == (20 * 4, 3)
    y = 10.0 * X[:, 0] + 1.0 * X[:, 1] + 0.0 * X[:, 2]
    idx = analyse(UNIT, X, y, "morris", levels=4).set_index("factor")
    # A linear effect over the unit range: mu* is the slope, sigma is 0.
    assert idx.loc["a", "mu_star"] == pytest.approx(10.0) and idx.loc["b", "mu_star"] == pytest.approx(1.0)
    assert idx.loc["c", "mu_star"] == pytest.approx(0.0) and idx["sigma"].max() == pytest.approx(0.0, abs=1e-9)


def test_sobol_indices_split_the_variance_of_an_additive_function():
    factors = UNIT[:2]
    X = sample_design(factors, "sobol", n=1024, seed=2)
    y = 3.0 * X[:, 0] + X[:, 1]  # variances 9/12 and 1/12: shares 0.9 and 0.1
    idx = analyse(factors, X, y, "sobol").set_index("factor")
    assert idx.loc["a", "S1"] == pytest.approx(0.9, abs=0.05) and idx.loc["b", "S1"] == pytest.approx(0.1, abs=0.05)
    assert idx.loc["a", "ST"] == pytest.approx(0.9, abs=0.05)


def test_parse_factor_and_its_errors():
    assert parse_factor("customers.churn_rate=0.002:0.01") == Factor("customers.churn_rate", 0.002, 0.01)
    for bad in ("customers.churn_rate=0.01:0.002", "customers.churn_rate=0.01", "=0:1", "x=a:b"):
        with pytest.raises(ArgumentError, match="The '--factor' argument must be KEY=LOW:HIGH"):
            parse_factor(bad)


def test_cli_rejects_factors_outside_the_allowed_range(capsys, tmp_path):
    assert main(["--factor", "customers.churn_rate=0.5:1.5", "--out", str(tmp_path), *SMALL]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Error: The '--factor' argument must be a range within the allowed values of "
                          "'customers.churn_rate' (a number in [0.0, 1.0])") and err.count("\n") == 1


def test_small_morris_study_compares_two_strategies(tmp_path):
    factors = [parse_factor("customers.churn_rate=0.0025:0.01"), parse_factor("market.word_of_mouth=0.05:0.3")]
    summary = sensitivity(factors, strategies=[["loyalty=none"], ["loyalty=points"]], overrides=SMALL, n=2,
                          out_dir=tmp_path, progress=False)
    targets = ["npv_profit [loyalty=none]", "npv_profit [loyalty=points]", "npv_profit: loyalty=points - loyalty=none"]
    # 2 x (2 + 1) design points and the reference point, for each strategy.
    assert summary["targets"] == targets and summary["runs"] == (6 + 1) * 2
    design = pd.read_parquet(tmp_path / "design.parquet")
    assert len(design) == 6
    assert np.allclose(design[targets[2]], design[targets[1]] - design[targets[0]])
    indices = pd.read_csv(tmp_path / "indices.csv")
    assert len(indices) == 6 and list(indices.columns) == ["target", "factor", "mu", "mu_star", "mu_star_conf", "sigma"]
    # More churn means less profit under either strategy.
    churn = indices[(indices["factor"] == "customers.churn_rate") & indices["target"].isin(targets[:2])]
    assert (churn["mu"] < 0).all()
    assert len(list(tmp_path.glob("morris_*.png"))) == 3
    ranking = json.loads((tmp_path / "summary.json").read_text())["ranking"]
    assert ranking["points"] == 6 and ranking["ranking_changes"] == (0 < ranking["b_better_points"] < 6)
    robustness = json.loads((tmp_path / "robustness.json").read_text())
    # The ranking of the design and the robustness record agree on the design points.
    b_best = robustness["best"] == "loyalty=points"
    assert robustness["best_holds"] == (ranking["b_better_points"] if b_best else 6 - ranking["b_better_points"])
