"""The comparison table: per-scenario confidence intervals and paired differences, as a DataFrame,
as text, and from the command line ``python -m sim.report``."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from sim.report.__main__ import main
from sim.report.table import comparison_table, format_table
from sim.results import KPI_NAMES

NONE = [100.0, 110.0, 90.0, 104.0]
POINTS = [103.0, 114.0, 92.0, 107.0]  # baseline + 3, 4, 2, 3 seed by seed


def results() -> pd.DataFrame:
    n = len(NONE)
    return pd.DataFrame({
        "job": [f"j{i}" for i in range(2 * n)], "loyalty": ["none"] * n + ["points"] * n, "horizon.weeks": 26,
        "seed": list(range(n)) * 2, "npv_profit": NONE + POINTS,
        "retention_rate_annual": [0.7] * n + [0.72, 0.71, 0.73, 0.72],
    })


def test_table_has_intervals_and_paired_differences_against_the_first_scenario():
    t = comparison_table(results(), ["npv_profit", "retention_rate_annual"])
    assert t.attrs == {"level": 0.95, "baseline": "loyalty=none"}
    npv = t[t["kpi"] == "npv_profit"].set_index("scenario")
    assert list(npv.index) == ["loyalty=none", "loyalty=points"]
    assert npv.loc["loyalty=none", "is_baseline"] and math.isnan(npv.loc["loyalty=none", "diff"])
    lo, hi = sps.t.interval(0.95, 3, loc=np.mean(NONE), scale=sps.sem(NONE))
    assert npv.loc["loyalty=none", "mean"] == 101.0
    assert npv.loc["loyalty=none", ["ci_low", "ci_high"]].tolist() == pytest.approx([lo, hi])
    d = np.subtract(POINTS, NONE)
    dlo, dhi = sps.t.interval(0.95, 3, loc=d.mean(), scale=sps.sem(d))
    row = npv.loc["loyalty=points"]
    assert row["diff"] == 3.0 and [row["diff_ci_low"], row["diff_ci_high"]] == pytest.approx([dlo, dhi])
    assert row["variance_reduction"] > 100 and row["n_to_resolve"] == 3  # t(2) * 0.82 / sqrt(3) < 3


def test_table_text_lists_every_scenario_with_interval_and_difference():
    text = format_table(comparison_table(results(), ["npv_profit", "retention_rate_annual"], baseline="loyalty=points"))
    assert "paired by seed against the baseline 'loyalty=points'" in text
    lines = text.splitlines()
    npv_block = lines[lines.index("npv_profit") + 1: lines.index("npv_profit") + 4]
    assert "95% CI of diff" in npv_block[0] and "var. red." in npv_block[0]
    assert npv_block[1].split()[:4] == ["loyalty=none", "4", "101.00", "[87.62,"]  # 101 - t(3) * 8.41 / 2
    assert "-3.00" in npv_block[1] and npv_block[2].split()[-1] == "baseline"
    assert "72.0%" in text and "-2.0%" in text  # rates as percentages


def _write_sweep(sweep_dir: Path) -> None:
    df = results()
    for i, row in df.iterrows():
        run_dir = sweep_dir / f"loyalty={row['loyalty']},seed={row['seed']}"
        (run_dir / ".hydra").mkdir(parents=True)
        summary = dict.fromkeys(KPI_NAMES, 0) | {"npv_profit": row["npv_profit"],
                                                "retention_rate_annual": row["retention_rate_annual"]}
        (run_dir / "summary.json").write_text(json.dumps(summary))
        overrides = [f"loyalty={row['loyalty']}", f"seed={row['seed']}"]
        (run_dir / "run.json").write_text(json.dumps({"seed": int(row["seed"]), "job_num": i, "overrides": overrides}))


def test_report_command_collects_a_sweep_and_prints_the_table(tmp_path, capsys):
    _write_sweep(tmp_path)
    assert main([str(tmp_path), "--kpi", "npv_profit", "--no-charts"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"8 runs from {tmp_path}")
    assert "loyalty=points" in out and "+3.00" in out
    assert len(pd.read_parquet(tmp_path / "results.parquet")) == 8
    assert len(pd.read_csv(tmp_path / "comparison.csv")) == 2
    assert main([str(tmp_path / "loyalty=none,seed=0"), "--no-charts"]) == 0  # a single run: its headline KPIs
    assert "npv_profit" in capsys.readouterr().out
    assert not (tmp_path / "report").exists()


@pytest.mark.parametrize(("args", "message"), [
    (["--baseline", "loyalty=tiers"], "The '--baseline' argument must be exactly one scenario of the sweep: one of "
                                      "'loyalty=none', 'loyalty=points'. Got 'loyalty=tiers' instead."),
    (["--kpi", "profitt"], "The '--kpi' argument must be one of customers_initial,"),
    (["--level", "95"], "The '--level' argument must be a number in (0, 1). Got 95.0 instead."),
])
def test_report_command_rejects_bad_options_with_one_message(tmp_path, capsys, args, message):
    _write_sweep(tmp_path)
    assert main([str(tmp_path), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_report_on_a_missing_or_empty_directory_fails_cleanly(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "sim.report", str(tmp_path / "nope")], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr == (f"Error: The 'PATH' argument must be an existing run or sweep directory. "
                           f"Got '{tmp_path / 'nope'}' instead.\n")
    assert main([str(tmp_path)]) == 2
