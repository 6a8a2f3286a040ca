"""Sweeps: stable job directories, one results table whatever the launcher or worker count, and
resume after SIGKILL without re-running finished runs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from hydra import compose, initialize_config_dir

from sim.analysis.collect import collect, find_runs
from sim.cli import has_complete_run
from sim.config import register_configs
from sim.errors import ArgumentError
from sim.report.__main__ import main as report_main
from sim.results import KPI_INFO, KPI_NAMES
from sim.rundir import write_run_dir
from sim.runner import run
from sim.sweep import CONFIG_DIR, check_group_overrides, compose_scenario, expected_jobs, job_dir_name

SMALL = ["customers.initial=300", "market.potential=1500", "horizon.weeks=26", "output.plots=false"]
SWEEP = ["loyalty=none,points", "pricing=standard,premium", "seed=range(3)", *SMALL]


def run_sweep(sweep_dir: Path, *extra: str, timeout: float = 120) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "sim", "--multirun", *SWEEP, f"hydra.sweep.dir={sweep_dir}", *extra],
                          capture_output=True, text=True, timeout=timeout, cwd=sweep_dir.parent)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def assert_same_results(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a.drop(columns="wall_seconds"), b.drop(columns="wall_seconds"))


@pytest.fixture(scope="module")
def reference_dir(tmp_path_factory) -> Path:
    """The 2 x 2 x 3-seed sweep on the default launcher (joblib) with 2 workers."""
    sweep_dir = tmp_path_factory.mktemp("reference") / "sweep"
    run_sweep(sweep_dir, "hydra.launcher.n_jobs=2")
    return sweep_dir


@pytest.fixture(scope="module")
def reference(reference_dir) -> pd.DataFrame:
    return pd.read_parquet(reference_dir / "results.parquet")


def test_sweep_table_has_one_row_per_run_with_parameters_seed_and_every_kpi(reference):
    assert len(reference) == 12
    assert list(reference.columns[:7]) == ["job", "customers.initial", "horizon.weeks", "loyalty", "market.potential",
                                           "output.plots", "pricing"]
    assert list(reference.columns[7:8 + len(KPI_NAMES)]) == ["seed", *KPI_NAMES]  # further KPIs may follow
    # Rows follow the sweep definition: loyalty, then pricing, then seed.
    assert list(reference["loyalty"]) == ["none"] * 6 + ["points"] * 6
    assert list(reference["pricing"][:6]) == ["standard"] * 3 + ["premium"] * 3
    assert list(reference["seed"][:3]) == [0, 1, 2]
    assert reference["job"].iloc[0] == job_dir_name(["loyalty=none", "pricing=standard", "seed=0", *SMALL[:3],
                                                     "output.plots=False"])
    assert (reference["customers_initial"] == 300).all()


def test_the_sweep_run_again_with_one_worker_instead_of_two_gives_the_same_table(reference, tmp_path):
    sweep_dir = tmp_path / "sweep"
    run_sweep(sweep_dir, "hydra.launcher.n_jobs=1")
    assert_same_results(collect(sweep_dir), reference)


def test_report_prints_the_comparison_table_of_the_sweep(reference_dir, capsys):
    assert report_main([str(reference_dir), "--kpi", "npv_profit", "--no-charts"]) == 0
    out = capsys.readouterr().out
    assert "differences are paired by seed against the baseline 'loyalty=none, pricing=standard'" in out
    rows = [line.split() for line in out.splitlines() if line.startswith("  loyalty=")]
    assert [r[:2] for r in rows] == [["loyalty=none,", "pricing=standard"], ["loyalty=none,", "pricing=premium"],
                                     ["loyalty=points,", "pricing=standard"], ["loyalty=points,", "pricing=premium"]]
    assert rows[0][-1] == "baseline" and all(r[-2].endswith("x") for r in rows[1:])  # variance reduction


def test_killed_sweep_resumes_without_rerunning_finished_runs(reference, tmp_path):
    sweep_dir = tmp_path / "sweep"
    cmd = [sys.executable, "-m", "sim", "--multirun", *SWEEP, f"hydra.sweep.dir={sweep_dir}", "hydra.launcher.n_jobs=1"]
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + 60
    while not list(sweep_dir.glob("*/run.json")):
        assert proc.poll() is None and time.monotonic() < deadline, "the sweep ended before a run finished"
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = {p: p.stat().st_mtime_ns for p in sweep_dir.glob("*/run.json")}
    assert 0 < len(finished) < 12

    run_sweep(sweep_dir, "hydra.launcher.n_jobs=1")
    assert {p: p.stat().st_mtime_ns for p in finished} == finished
    log = (sweep_dir / "sweep.log").read_text(encoding="utf-8")
    assert log.count("already complete, not run again") == len(finished)
    assert not list(sweep_dir.glob("*/.*.tmp"))
    assert_same_results(pd.read_parquet(sweep_dir / "results.parquet"), reference)


@pytest.mark.slow
def test_submitit_local_launcher_gives_the_same_table(reference, tmp_path):
    sweep_dir = tmp_path / "sweep"
    run_sweep(sweep_dir, "hydra/launcher=submitit_local", timeout=300)
    assert_same_results(collect(sweep_dir), reference)


def test_job_dir_name_depends_only_on_the_set_of_overrides():
    a = job_dir_name(["seed=1", "loyalty=points", "pricing.list_price=27.5"])
    assert a == "loyalty=points,pricing.list_price=27.5,seed=1"
    assert job_dir_name(["pricing.list_price=27.5", "seed=1", "loyalty=points"]) == a
    assert job_dir_name([]) == "default"


def test_job_dir_name_is_safe_and_unique_for_awkward_values():
    slash, underscore = job_dir_name(["market.name=a/b"]), job_dir_name(["market.name=a_b"])
    assert "/" not in slash and slash != underscore
    long = job_dir_name([f"loyalty.points.earn_rate={'1' * 300}"])
    assert len(long.encode()) <= 200
    assert long != job_dir_name([f"loyalty.points.earn_rate={'1' * 299}"])


def _fake_run(run_dir: Path, overrides: list[str], seed: int, npv: float | None, job_num: int | None = None) -> None:
    (run_dir / ".hydra").mkdir(parents=True)
    summary = dict.fromkeys(KPI_NAMES, 1) | {"npv_profit": npv}
    (run_dir / "summary.json").write_text(json.dumps(summary))
    record = {"seed": seed, "overrides": overrides} | ({"job_num": job_num} if job_num is not None else {})
    (run_dir / "run.json").write_text(json.dumps(record))


def test_collect_types_parameters_orders_by_job_and_skips_unfinished_runs(tmp_path):
    _fake_run(tmp_path / "b", ["pricing.list_price=30", "loyalty=points", "seed=1"], 1, 2.5, job_num=1)
    _fake_run(tmp_path / "a", ["pricing.list_price=27.5", "loyalty=none", "seed=0"], 0, None, job_num=0)
    (tmp_path / "c" / ".hydra").mkdir(parents=True)  # started, never finished
    complete, incomplete = find_runs(tmp_path)
    assert [p.name for p in complete] == ["a", "b"] and [p.name for p in incomplete] == ["c"]
    df = collect(tmp_path)
    assert list(df["job"]) == ["a", "b"]
    assert df["pricing.list_price"].dtype == "float64" and list(df["pricing.list_price"]) == [27.5, 30.0]
    assert list(df["loyalty"]) == ["none", "points"]
    assert df["seed"].dtype == "int64"
    assert df["npv_profit"].isna().iloc[0] and df["npv_profit"].iloc[1] == 2.5
    assert_same_results(pd.read_parquet(tmp_path / "results.parquet"), df)


def test_collect_of_a_missing_directory_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="'sweep_dir'.*nope"):
        collect(tmp_path / "nope")


def test_unknown_experiment_is_one_clear_error_without_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "sim", "experiment=nope"], capture_output=True, text=True,
                          cwd=tmp_path, timeout=60)
    assert proc.returncode != 0
    assert "'experiment' override" in proc.stderr and "'nope'" in proc.stderr and "loyalty_shootout" in proc.stderr
    assert "Traceback" not in proc.stderr
    with pytest.raises(ArgumentError, match="'experiment' override must be one of 'acquisition_vs_retention'.*'nope'"):
        check_group_overrides(["experiment=nope"])


@pytest.mark.parametrize("name", ["loyalty_shootout", "acquisition_vs_retention", "price_service_grid",
                                  "word_of_mouth_network", "touchpoints"])
def test_experiments_define_sweeps_of_valid_scenarios(name):
    register_configs()
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose("config", overrides=[f"experiment={name}"], return_hydra_config=True)
    assert str(cfg.hydra.sweep.dir) == f"multirun/{name}"
    jobs = expected_jobs(cfg)
    assert len(jobs) >= 20
    cells = [j for j in jobs if "seed=0" in j]
    for job in cells:
        compose_scenario([f"experiment={name}", *job, "output.plots=false"])
    assert len({job_dir_name(j) for j in jobs}) == len(jobs)


def test_slurm_launcher_extends_the_submitit_plugin_with_defaults():
    register_configs()
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose("config", overrides=["hydra/launcher=slurm"], return_hydra_config=True)
        default = compose("config", return_hydra_config=True)
    assert cfg.hydra.launcher._target_.endswith("SlurmLauncher")
    assert cfg.hydra.launcher.cpus_per_task == 1 and cfg.hydra.launcher.partition is None
    assert default.hydra.launcher._target_.endswith("JoblibLauncher")


def test_a_run_counts_as_done_only_when_complete_and_of_the_same_scenario(tmp_path):
    scenario = compose_scenario(SMALL)
    assert not has_complete_run(tmp_path, scenario)
    write_run_dir(run(scenario), tmp_path)
    assert has_complete_run(tmp_path, scenario)
    assert not has_complete_run(tmp_path, replace(scenario, seed=1))
    (tmp_path / "run.json").unlink()
    assert not has_complete_run(tmp_path, scenario)


def test_collect_keeps_further_kpis_after_the_contract_ones(tmp_path):
    _fake_run(tmp_path / "a", ["loyalty=none"], 0, 1.0)
    summary = json.loads((tmp_path / "a" / "summary.json").read_text()) | {"tier_upgrades": 7, "note": "text"}
    (tmp_path / "a" / "summary.json").write_text(json.dumps(summary))
    df = collect(tmp_path, write=False)
    assert list(df.columns) == ["job", "loyalty", "seed", *KPI_NAMES, "tier_upgrades"]
    assert df["tier_upgrades"].iloc[0] == 7.0 and not (tmp_path / "results.parquet").exists()


def test_results_table_has_integer_counts_and_documents_every_column(tmp_path, capsys):
    _fake_run(tmp_path / "a", ["loyalty=none", "seed=0"], 0, 1.5, job_num=0)
    _fake_run(tmp_path / "b", ["loyalty=points", "seed=0"], 0, 2.5, job_num=1)
    summary = json.loads((tmp_path / "b" / "summary.json").read_text()) | {"payback_weeks": None,
                                                                             "customers_acquired": 120}
    (tmp_path / "b" / "summary.json").write_text(json.dumps(summary))
    df = collect(tmp_path)
    schema = pq.read_schema(tmp_path / "results.parquet")
    assert {k: str(schema.field(k).type) for k in ("customers_acquired", "customer_weeks", "points_issued",
                                                   "payback_weeks", "seed", "profit", "cac")} == {
        "customers_acquired": "int64", "customer_weeks": "int64", "points_issued": "int64",
        "payback_weeks": "int64", "seed": "int64", "profit": "double", "cac": "double"}
    read = pd.read_parquet(tmp_path / "results.parquet")
    assert read["customers_acquired"].dtype == "int64" and list(read["customers_acquired"]) == [1, 120]
    assert read["payback_weeks"].isna().tolist() == [False, True]  # a null count: NaN in pandas
    assert_same_results(read, df)
    meta = {f.name: {k.decode(): v.decode() for k, v in f.metadata.items()} for f in schema}
    assert all(m["description"] for m in meta.values())
    assert meta["profit"]["unit"] == "currency unit" and meta["customers_acquired"]["unit"] == "customers"
    assert meta["retention_rate_annual"]["unit"] == "share per year" and "loyalty" in meta["loyalty"]["description"]
    assert list(KPI_INFO) == list(KPI_NAMES)  # every KPI documented, none that is not one

    assert report_main([str(tmp_path), "--describe"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["column", "type", "unit", "description"]
    row = next(line for line in lines if line.startswith("customers_acquired "))
    assert row.split()[:3] == ["customers_acquired", "int64", "customers"] and "prospects who became" in row
    assert report_main([str(tmp_path / "nope"), "--describe"]) == 2
    assert "The 'PATH' argument must be a Parquet file" in capsys.readouterr().err
    # A run directory is not collected into a table of its own: its tables are named instead.
    assert report_main([str(tmp_path / "a"), "--describe"]) == 2
    assert "a/transactions.parquet" in capsys.readouterr().err and not (tmp_path / "a" / "results.parquet").exists()


def test_named_experiment_runner_writes_its_comparison(tmp_path, capsys):
    """The experiment scripts' shared runner: sweep, derived columns, table against the baseline."""
    import pandas as pd

    from sim.sweep import run_named_experiment

    out = run_named_experiment(
        "loyalty_shootout", ("npv_profit", "double_npv"),
        ["customers.initial=150", "market.potential=1500", "horizon.weeks=6", "output.plots=false",
         "loyalty.paired_baseline=false", "seed=range(2)", "hydra.launcher.n_jobs=1"],
        baseline="loyalty=none", derive=lambda r: r.assign(double_npv=2 * r["npv_profit"]),
        sweep_dir=tmp_path / "shootout")
    table = pd.read_csv(out / "comparison.csv")
    assert set(zip(table["kpi"], table["scenario"])) == {(k, s) for k in ("npv_profit", "double_npv")
                                                         for s in ("loyalty=none", "loyalty=points")}
    by = table.set_index(["kpi", "scenario"])["mean"]
    assert by[("double_npv", "loyalty=points")] == pytest.approx(2 * by[("npv_profit", "loyalty=points")])
    assert "baseline" in capsys.readouterr().out
    results = pd.read_parquet(out / "results.parquet")
    assert len(results) == 4
