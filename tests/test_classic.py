"""The classical configurations as engines: registry, validation, contract outputs, reproducibility."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.classic.presets import PRESETS, configure
from sim.config import CLASSIC_MODELS, ConfigError, validate, validate_classic
from sim.engine import Simulation
from sim.results import KPI_NAMES
from sim.runner import run
from tests.conftest import compose_config, with_changes

ROOT = Path(__file__).resolve().parent.parent

#: Each experiment file scaled down to a few seconds in all.
SMALL = {
    "bass": ["market.potential=20000", "horizon.weeks=300"],
    "sbg": ["customers.initial=3000", "horizon.weeks=156"],
    "clv": ["customers.initial=3000", "horizon.weeks=520"],
    "markov": ["customers.initial=3000", "horizon.weeks=520"],
    "bgnbd": ["customers.initial=3000", "horizon.weeks=52"],
    "paretonbd": ["customers.initial=3000", "horizon.weeks=52"],
}
#: The experiment file of each model, where its name is not ``classic_<model>``.
EXPERIMENT = {"paretonbd": "classic_pareto_nbd"}


def small(model: str, *overrides: str):
    experiment = EXPERIMENT.get(model, f"classic_{model}")
    return compose_config([f"experiment={experiment}", "output.plots=false", *SMALL[model], *overrides])


def check_identities(result) -> None:
    """The contract's identities (README, KPIs) and the weekly customer flow, as for the agent model."""
    s, ts, cust = result.summary, result.timeseries, result.customers
    assert list(s)[: len(KPI_NAMES)] == list(KPI_NAMES)
    assert s["profit"] == pytest.approx(
        s["gross_margin"] - s["acquisition_spend"] - s["retention_spend"] - s["other_costs"], rel=1e-12, abs=1e-6)
    assert s["customers_active_end"] == (
        s["customers_initial"] + s["customers_acquired"] - s["customers_churned"] + s["customers_won_back"])
    prev = np.r_[s["customers_initial"], ts["active"].to_numpy()[:-1]]
    assert np.array_equal(ts["active"], prev + ts["new"] - ts["churned"] + ts["won_back"])
    assert cust["revenue"].sum() == pytest.approx(s["revenue"], rel=1e-9, abs=1e-6)
    assert cust["gross_margin"].sum() == pytest.approx(s["gross_margin"], rel=1e-9, abs=1e-6)
    assert len(cust) == s["customers_initial"] + s["customers_acquired"] and cust["customer_id"].is_unique
    for df in (ts, result.cohorts, cust):
        assert np.isfinite(df.select_dtypes("number").to_numpy(dtype=float)).all()


def test_every_classical_model_is_a_preset_of_the_one_engine():
    """Each classical model is a preset of the agent engine, and nothing in the package subclasses
    the engine to replace its weekly step."""
    import importlib
    import pkgutil

    import sim

    assert set(PRESETS) == set(CLASSIC_MODELS) - {"none"}
    for info in pkgutil.walk_packages(sim.__path__, "sim."):
        if info.name.endswith("__main__"):
            continue  # running a command's main module is not importing it
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Simulation):
                assert value is Simulation, f"{info.name} defines an engine subclass {value.__name__}"


@pytest.mark.parametrize("model", ["sbg", "clv", "paretonbd", "bgnbd", "bass"])
def test_a_preset_is_an_ordinary_scenario(model):
    """The preset's scenario, run as an agent scenario with no classical model, is the same run."""
    cfg = configure(small(model))
    plain = dataclasses.replace(cfg, classic=dataclasses.replace(cfg.classic, model="none"))
    a, b = run(cfg), run(plain)
    assert a.summary["profit"] == b.summary["profit"]
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries)


@pytest.mark.parametrize("model", sorted(SMALL))
def test_contract_outputs_and_identities(model):
    result = run(small(model))
    check_identities(result)
    s = result.summary
    assert s["revenue"] > 0 and s["mean_clv"] > 0
    if model == "bass":
        assert s["customers_acquired"] > 0 and s["customers_churned"] == 0
        ts = result.timeseries
        assert np.array_equal(ts["cumulative_adopters"], np.cumsum(ts["adoptions"]))
        assert np.array_equal(ts["adoptions"], ts["new"])
    else:
        assert s["customers_initial"] == 3000 and s["customers_acquired"] == 0 and s["customers_churned"] > 0


def test_same_seed_same_run_and_purpose_keyed_luck():
    """A run is a pure function of its config; changing the spend model leaves purchases alone."""
    a, b = run(small("bgnbd")), run(small("bgnbd"))
    pd.testing.assert_frame_equal(a.transactions, b.transactions)
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries)
    other_spend = run(small("bgnbd", "classic.spend_p=2.0"))
    pd.testing.assert_series_equal(a.transactions["occasions"], other_spend.transactions["occasions"])
    assert not np.allclose(a.transactions["amount"], other_spend.transactions["amount"])
    c = run(small("sbg", "seed=1"))
    assert c.summary["customers_churned"] != run(small("sbg")).summary["customers_churned"]


@pytest.mark.parametrize(
    "model, change, field",
    [
        ("sbg", {"loyalty.schemes": ["points"]}, "loyalty.schemes"),
        ("clv", {"classic.period_weeks": 600}, "classic.period_weeks"),
        ("markov", {"classic.purchase_probs": []}, "classic.purchase_probs"),
        ("bass", {"customers.initial": 20000}, "customers.initial"),
        ("bgnbd", {"classic.spend_q": 0.9}, "classic.spend_q"),
    ],
)
def test_validate_classic_names_the_field(model, change, field):
    cfg = with_changes(small(model), **change)
    with pytest.raises(ConfigError, match=f"'{field}' parameter must be"):
        validate_classic(cfg)
    with pytest.raises(ConfigError, match=f"'{field}'"):
        run(cfg)


@pytest.mark.parametrize(
    "change, field",
    [({"classic.alpha": 0.0}, "classic.alpha"), ({"classic.retention": 1.5}, "classic.retention"),
     ({"classic.purchase_probs": [0.5, 1.2]}, "classic.purchase_probs[1]"),
     ({"classic.model": "pareto"}, "classic.model"),
     ({"classic.tenure_margin": [1.0, -1.0]}, "classic.tenure_margin[1]")],
)
def test_field_ranges_are_declared(change, field):
    with pytest.raises(ConfigError, match=re.escape(f"'{field}' parameter must be")):
        validate(with_changes(small("sbg"), **change))


def test_command_line_run_writes_a_normal_run_directory(tmp_path):
    """The brief's example command, scaled down, with plots."""
    args = ["experiment=classic_sbg", "classic.alpha=0.7", "classic.beta=1.2", "customers.initial=2000",
            "horizon.weeks=156", "hydra.run.dir=out/sbg"]
    proc = subprocess.run([sys.executable, "-m", "sim", *args], cwd=tmp_path, capture_output=True, text=True,
                          env={**os.environ}, timeout=300)
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "out" / "sbg"
    for name in ("summary.json", "timeseries.parquet", "cohorts.parquet", "customers.parquet", "run.json"):
        assert (out / name).is_file(), name
    assert any((out / "plots").glob("*.png"))
    summary = json.loads((out / "summary.json").read_text())
    assert summary["customers_initial"] == 2000
    record = json.loads((out / "run.json").read_text())
    assert record["config"]["classic"]["alpha"] == 0.7 and record["config"]["market"]["potential"] == 2000
