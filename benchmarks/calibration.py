"""The calibration benchmark: ``python -m sim.calibrate`` end to end on a large synthetic log.

The log (:mod:`benchmarks.calibration_log`, 5 M lines by default) is written as CSV to a
temporary folder, untimed; the command then runs in a fresh interpreter with the default
replications, and its ``calibration.json`` gives the seconds of each stage.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import pin_threads
from benchmarks.calibration_log import synthetic_log
from benchmarks.measure import ROOT, log

__all__ = ["CALIBRATION_WEEKS", "bench_calibrate"]

#: Weeks of the synthetic 78-week log used to fit; the 39 after them are forecast.
CALIBRATION_WEEKS = 39


def bench_calibrate(rows: int, seed: int = 0) -> dict[str, Any]:
    """Time ``python -m sim.calibrate`` on a synthetic log of ``rows`` lines.

    Parameters
    ----------
    rows : int
        Lines of the log.
    seed : int
        Seed of the log.

    Returns
    -------
    dict
        ``rows``, ``customers``, ``replications``, ``process_seconds`` (the command's wall time,
        interpreter start and writing included), ``stage_seconds`` (from ``calibration.json``),
        ``peak_rss_bytes`` of the command and ``generate_seconds`` (writing the log, untimed in
        the rest).
    """
    pin_threads()
    with tempfile.TemporaryDirectory(prefix="bench-calibrate-") as tmp:
        path = Path(tmp) / "log.csv"
        log(f"calibrate: writing a synthetic log of {rows:,} lines")
        start = time.perf_counter()
        synthetic_log(rows, seed).to_csv(path, index=False)
        generated = time.perf_counter() - start
        log(f"calibrate: python -m sim.calibrate on {rows:,} lines, {CALIBRATION_WEEKS} calibration weeks")
        command = [sys.executable, "-m", "sim.calibrate", "--transactions", str(path), "--calibration-weeks",
                   str(CALIBRATION_WEEKS), "--out", str(Path(tmp) / "out")]
        start = time.perf_counter()
        proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own peak memory, not every child's
        elapsed = time.perf_counter() - start
        out, err = proc.stdout.read(), proc.stderr.read()
        proc.stdout.close()
        proc.stderr.close()
        if os.waitstatus_to_exitcode(status):
            raise RuntimeError(f"python -m sim.calibrate failed:\n{err}{out}")
        report = json.loads((Path(tmp) / "out" / "calibration.json").read_text())
    return {
        "rows": rows,
        "customers": report["customers"],
        "replications": report["holdout"]["agent_model"]["replications"],
        "process_seconds": elapsed,
        "stage_seconds": report["stage_seconds"],
        "peak_rss_bytes": usage.ru_maxrss * 1024,
        "generate_seconds": generated,
    }
