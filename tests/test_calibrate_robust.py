"""``python -m sim.calibrate`` never crashes on a log it accepted (issue 21, point 4).

Dates outside a sane range and absurd amounts are refused with the line named (they were OutOfBoundsDatetime
and "q must be > 1" tracebacks); degenerate fits (identical histories: a singular information matrix; very
regular purchases: BG/NBD at the edge of its parameters, whose closed form is not finite; a single customer;
no purchase in the holdout) complete with nulls and the reason, and ``calibration.json`` is strict JSON: no NaN
or infinity anywhere.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.calibration.fit import checked_covariance
from sim.io import finite_json


def run_calibrate(log: Path, weeks: float, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim.calibrate", "--transactions", str(log), "--calibration-weeks",
                           str(weeks), "--out", "out", "--replications", "3"], cwd=cwd, capture_output=True,
                          text=True, env={**os.environ}, timeout=300)


def strict_json(path: Path) -> dict:
    def refuse(constant: str):
        raise AssertionError(f"{path.name} holds {constant}")

    return json.loads(path.read_text(), parse_constant=refuse)


def _day(k: int) -> str:
    return (pd.Timestamp("2020-01-01") + pd.Timedelta(days=int(k))).strftime("%Y-%m-%d")


def write_log(path: Path, rows: list[tuple]) -> Path:
    pd.DataFrame(rows, columns=["customer_id", "date", "amount"]).to_csv(path, index=False)
    return path


def regular_log(scale: float = 30.0, customers: int = 200, gaps: tuple[int, int] = (5, 120)) -> list[tuple]:
    """Customers buying at regular intervals (``gaps`` days apart) and never dropping out: BG/NBD fits at its
    edge (r and b huge)."""
    rng = np.random.default_rng(0)
    rows = []
    for c in range(customers):
        d = int(rng.integers(0, 60))
        while d < 600:
            rows.append((c, _day(d), float(rng.gamma(3, scale / 3))))
            d += int(rng.integers(*gaps))
    return rows


@pytest.mark.parametrize("bad, needle", [
    ("1600-01-01", "'1600-01-01' is outside the dates allowed (1900-01-01 to 2199-12-31"),
    ("2300-05-01", "'2300-05-01' is outside the dates allowed"),
])
def test_dates_outside_the_sane_range_are_refused_with_the_line(tmp_path, bad, needle):
    log = tmp_path / "log.csv"
    log.write_text(f"customer_id,date,amount\n1,2020-01-01,10\n1,{bad},10\n2,2020-02-01,5\n")
    proc = run_calibrate(log, 4, tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert f"log.csv, line 3, column 'date': {needle}" in proc.stderr
    assert not (tmp_path / "out").exists()


def test_an_absurd_amount_is_refused_with_the_line(tmp_path):
    log = tmp_path / "log.csv"
    log.write_text("customer_id,date,amount\n1,2020-01-01,10\n1,2020-03-01,4.9e15\n")
    proc = run_calibrate(log, 4, tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "line 3, column 'amount': '4.9e15' is absurdly large; allowed: a number <= 1e+12" in proc.stderr


def test_large_amounts_fit_spend_in_their_own_unit(tmp_path):
    # Amounts in the billions (3e9 on average): the spend fit used to fail ("q must be > 1"). Purchases 10-19
    # days apart: BG/NBD's closed form is not finite at its fit (a -> 0 with alpha at the bound).
    rows = regular_log(scale=3e9, gaps=(10, 20))
    proc = run_calibrate(write_log(tmp_path / "log.csv", rows), 26, tmp_path)
    assert proc.returncode == 0, proc.stderr
    report = strict_json(tmp_path / "out" / "calibration.json")
    gg = report["spend"]["gamma_gamma"]
    population_mean = gg["p"] * gg["gamma"] / (gg["q"] - 1)
    assert 1e9 < population_mean < 1e10
    # The regular purchases put BG/NBD at its edge: its forecast is null, with the reason.
    assert report["holdout"]["bgnbd"]["total"] is None
    assert "not finite at the fitted" in report["notes"]["bgnbd"]
    assert report["holdout"]["agent_model"]["total"] > 0  # the agent model still forecasts


def test_identical_histories_give_no_parameter_uncertainty_and_say_why(tmp_path):
    rows = [(c, _day(0), 10.0) for c in range(30)] + [(c, _day(7), 10.0) for c in range(30)] + [(99, _day(729), 1.0)]
    proc = run_calibrate(write_log(tmp_path / "log.csv", rows), 26, tmp_path)
    assert proc.returncode == 0, proc.stderr
    report = strict_json(tmp_path / "out" / "calibration.json")
    assert "at the edge of the parameters" in report["notes"]["agent_model_parameter_uncertainty"]
    assert set(report["parameters"]["agent_model"]["standard_errors"].values()) == {None}
    # Nobody buys again in the holdout: no percentage error, and the reason.
    assert report["errors"]["agent_model"]["total_error_pct"] is None and "total_error_pct" in report["notes"]
    assert "n/a" in proc.stdout


def test_a_single_customer_completes_without_a_traceback(tmp_path):
    rows = [(1, _day(k), 10.0) for k in (0, 30, 75, 200, 400, 600, 729)]
    proc = run_calibrate(write_log(tmp_path / "log.csv", rows), 26, tmp_path)
    assert proc.returncode == 0, proc.stderr
    report = strict_json(tmp_path / "out" / "calibration.json")
    assert report["customers"] == 1 and "10 are needed" in report["notes"]["spend"]
    assert "Calibration:" in proc.stdout


def test_a_small_log_over_two_years_completes(tmp_path):
    rows = [(c, _day(c * 3), 20.0) for c in range(8)] + [(0, _day(40), 20.0), (5, _day(729), 5.0)]
    proc = run_calibrate(write_log(tmp_path / "log.csv", rows), 26, tmp_path)
    assert proc.returncode == 0, proc.stderr
    strict_json(tmp_path / "out" / "calibration.json")


def test_out_naming_a_file_is_one_line(tmp_path):
    (tmp_path / "out").write_text("x")
    rows = [(1, _day(0), 10.0), (1, _day(20), 10.0), (2, _day(90), 1.0)]
    proc = run_calibrate(write_log(tmp_path / "log.csv", rows), 4, tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "'--out' argument must be a directory" in proc.stderr and (tmp_path / "out").read_text() == "x"


def test_checked_covariance_of_a_flat_likelihood_is_none_with_the_reason():
    cov, reason = checked_covariance(lambda v: -float(v[0] ** 2), np.zeros(2))  # flat in v[1]
    assert cov is None and "singular" in reason
    cov, reason = checked_covariance(lambda v: -float(v @ v), np.zeros(2))
    np.testing.assert_allclose(cov, np.eye(2) / 2, rtol=1e-6) and reason is None


def test_finite_json_replaces_every_non_finite_number_and_lists_it():
    value, paths = finite_json({"a": [1.0, float("nan")], "b": {"c": np.float64("inf")}, "d": (2, None)})
    assert value == {"a": [1.0, None], "b": {"c": None}, "d": [2, None]}
    assert paths == ["a[1]", "b.c"]
    json.dumps(value, allow_nan=False)
