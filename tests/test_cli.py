"""``python -m sim`` end to end: the run-directory contract and bad input at the door."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.ledger import CATEGORIES
from sim.report.headline import headline_answer
from sim.results import KPI_NAMES

ROOT = Path(__file__).resolve().parent.parent
SMALL = ["customers.initial=500", "market.potential=5000", "horizon.weeks=40"]


def run_cli(args: list[str], cwd: Path, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True, env=env,
                          timeout=300)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("cli")
    proc = run_cli([*SMALL, "output.transactions=true", "seed=4", "hydra.run.dir=out/run"], tmp)
    assert proc.returncode == 0, proc.stderr
    assert "Run directory:" in proc.stdout and "profit" in proc.stdout
    # The KPI block, then the plain-words answer.
    assert proc.stdout.index("mean_clv") < proc.stdout.index("Winning a customer costs")
    assert "new customers brought" in proc.stdout and "the retained base" in proc.stdout
    run_dir = tmp / "out" / "run"
    # The answer's numbers are the run's KPIs (default currency: none).
    summary = json.loads((run_dir / "summary.json").read_text())
    assert proc.stdout.rstrip("\n").splitlines()[-3:] == headline_answer(summary)
    return run_dir


def test_run_directory_has_every_contract_file(run_dir):
    for name in ("summary.json", "timeseries.parquet", "cohorts.parquet", "customers.parquet",
                 "transactions.parquet", "run.json", ".hydra/config.yaml"):
        assert (run_dir / name).is_file(), name
    plots = {p.name for p in (run_dir / "plots").iterdir()}
    assert {"lifecycle_states.png", "profit_by_category.png", "cohort_retention.png",
            "acquisition_vs_retention.png"} <= plots
    assert not list(run_dir.rglob("*.tmp"))


def test_summary_has_every_kpi_and_identities(run_dir):
    s = json.loads((run_dir / "summary.json").read_text())
    assert list(s) == list(KPI_NAMES)
    assert s["profit"] == pytest.approx(s["gross_margin"] - s["acquisition_spend"] - s["retention_spend"]
                                        - s["other_costs"])
    assert s["customers_active_end"] == (s["customers_initial"] + s["customers_acquired"] - s["customers_churned"]
                                         + s["customers_won_back"])


def test_tables_have_contract_columns(run_dir):
    ts = pd.read_parquet(run_dir / "timeseries.parquet")
    required = {"week", "prospects", "aware", "active", "new", "churned", "won_back", "revenue", "gross_margin",
                "profit", "mean_satisfaction"} | {c.name for c in CATEGORIES if not c.declared}
    assert required <= set(ts.columns) and len(ts) == 40 and list(ts["week"]) == list(range(40))
    tx = pd.read_parquet(run_dir / "transactions.parquet")
    assert {"customer_id", "week", "amount"} <= set(tx.columns)
    assert tx["amount"].sum() == pytest.approx(ts["revenue"].sum())
    cust = pd.read_parquet(run_dir / "customers.parquet")
    assert set(cust["segment"]) <= {"platinum", "gold", "silver", "bronze", "lead"}
    cohorts = pd.read_parquet(run_dir / "cohorts.parquet")
    assert {"cohort", "age_weeks", "cohort_size", "active"} <= set(cohorts.columns)


def test_run_record(run_dir):
    rec = json.loads((run_dir / "run.json").read_text())
    assert rec["seed"] == 4 and rec["complete"] is True and rec["config_path"] == ".hydra/config.yaml"
    assert rec["package_version"] and rec["wall_seconds"] > 0 and "horizon.weeks=40" in rec["overrides"]


def test_same_config_same_tables_across_processes_and_hash_seeds(run_dir, tmp_path):
    proc = run_cli([*SMALL, "output.transactions=true", "seed=4", "output.plots=false", "hydra.run.dir=again"],
                   tmp_path, {"PYTHONHASHSEED": "123"})
    assert proc.returncode == 0, proc.stderr
    for name in ("timeseries", "cohorts", "customers", "transactions"):
        pd.testing.assert_frame_equal(pd.read_parquet(run_dir / f"{name}.parquet"),
                                      pd.read_parquet(tmp_path / "again" / f"{name}.parquet"), check_exact=True)


@pytest.mark.parametrize(
    "override, needle",
    [
        ("loyalty=doesnotexist", "'loyalty' override must be one of"),
        ("customers.initial=-5", "'customers.initial'"),
        ("horizon.weeks=0", "'horizon.weeks'"),
        ("customers.initial=abc", "customers.initial"),
        ("customers.nosuchkey=1", "nosuchkey"),
        ("market.initially_aware=2", "'market.initially_aware'"),
        ("+_target_=os.system", "'_target_' parameter must be absent"),
        ("+customers.tpyo=3", "'customers.tpyo' parameter must be absent"),
    ],
)
def test_bad_input_clear_message_nonzero_exit_nothing_left(tmp_path, override, needle):
    proc = run_cli([*SMALL, override, "hydra.run.dir=out/bad"], tmp_path)
    assert proc.returncode != 0
    assert needle in proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) <= 12
    assert not (tmp_path / "out").exists()


def test_bad_input_does_not_touch_an_existing_finished_run(run_dir):
    before = (run_dir / "summary.json").read_text()
    proc = run_cli([*SMALL, "horizon.weeks=0", f"hydra.run.dir={run_dir}"], ROOT)
    assert proc.returncode != 0
    assert (run_dir / "summary.json").read_text() == before and (run_dir / "run.json").exists()
