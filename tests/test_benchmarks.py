"""Tests of the benchmark suite: a fair reference, a valid history record, a working CRN figure."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # `benchmarks` is a top-level folder of the repository, not installed

from benchmarks.reference import compare, reduced_model, run_reference  # noqa: E402
from benchmarks.scenario import compose_config  # noqa: E402
from benchmarks.suite import NAMES, OPT_IN, bench_crn  # noqa: E402
from sim import run  # noqa: E402

RECORD_KEYS = {"date", "mode", "machine", "python", "numpy", "package_version", "git_revision", "results", "targets"}


@pytest.mark.parametrize("seeds", [(1, 2), (3, 4)])
def test_reference_and_engine_agree_on_reduced_model(seeds):
    # Independent seeds: the two models must agree in distribution, not draw for draw.
    n, weeks = 2_000, 52
    ref = run_reference(compose_config(reduced_model(n, weeks, seed=seeds[0])))
    engine = run(compose_config(reduced_model(n, weeks, seed=seeds[1])))
    assert ref.customer_weeks > 0.5 * n * weeks
    assert engine.summary["customers_acquired"] == 0
    assert engine.summary["customers_won_back"] == 0
    for name, stat in compare(ref, engine).items():
        assert abs(stat["z"]) < 4.0, (name, stat)


def test_quick_benchmark_appends_one_valid_record(tmp_path):
    out = tmp_path / "results"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    lines = (out / "history.jsonl").read_text().splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert RECORD_KEYS <= record.keys()
    assert record["mode"] == "quick"
    assert {"platform", "cpu", "cores", "memory_bytes"} <= record["machine"].keys()
    assert set(record["results"]) == set(NAMES) - set(OPT_IN)
    for r in record["results"]["throughput"]["runs"]:
        assert r["customer_weeks"] > 0 and r["customer_weeks_per_s"] > 0
        assert len(r["rates"]) == 2 and r["customer_weeks_per_s"] == max(r["rates"])  # the best of the repeats
        assert r["peak_rss_bytes"] >= r["baseline_rss_bytes"] > 0
    assert record["results"]["sweep"]["identical_results"]
    assert len(record["targets"]) == 8
    assert {t["status"] for t in record["targets"]} <= {"met", "not met", "not measured"}
    latest = (out / "latest.md").read_text()
    assert "| Target | Goal | Measured | Status |" in latest
    assert latest in proc.stdout


def test_crn_reduces_variance_of_paired_difference():
    res = bench_crn(replications=4, customers=1_000, weeks=26, workers=1)
    assert res["var_paired"] >= 0.0
    assert res["variance_ratio"] > 1.0
