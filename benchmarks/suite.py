"""The benchmark suite: throughput, memory, the reference comparison, sweeps and CRN.

Each benchmark returns a dict of figures (:mod:`benchmarks.measure`, :mod:`benchmarks.sweeps`).
:func:`main` runs the chosen ones, appends one JSON line per invocation to ``history.jsonl``,
rewrites ``latest.md`` (targets next to the figures) and prints the same table. Engine runs that
are timed or whose memory is measured run in a fresh child process each
(:mod:`benchmarks.child`); sweeps run through a process pool.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import pin_threads
from benchmarks.calibration import bench_calibrate
from benchmarks.measure import bench_large, bench_reference, bench_throughput, log, run_child
from benchmarks.scenario import default_model
from benchmarks.sweeps import bench_crn, bench_sweep
from benchmarks.table import evaluate_targets, format_table
from sim.io import atomic_write, git_revision, package_version

__all__ = [
    "Sizes",
    "DEFAULT",
    "QUICK",
    "NAMES",
    "run_child",
    "bench_throughput",
    "bench_large",
    "bench_reference",
    "bench_sweep",
    "bench_crn",
    "bench_calibrate",
    "evaluate_targets",
    "format_table",
    "main",
]

RESULTS_DIR = Path(__file__).resolve().parent / "results"
NAMES = ("throughput", "reference", "sweep", "crn", "large", "calibrate")
#: Benchmarks that run only when named (``--only``) or asked for (``--large``: the large case).
OPT_IN = ("large", "calibrate")


@dataclass(frozen=True)
class Sizes:
    """Problem sizes of one benchmark mode (customers, weeks, runs)."""

    throughput_customers: tuple[int, ...]
    throughput_weeks: int
    throughput_repeats: int
    reference_customers: int
    reference_weeks: int
    reference_engine_customers: int
    sweep_runs: int
    sweep_customers: int
    sweep_weeks: int
    crn_replications: int
    crn_customers: int
    crn_weeks: int
    large_customers: int = 10_000_000
    large_weeks: int = 520
    calibrate_rows: int = 5_000_000


DEFAULT = Sizes(
    throughput_customers=(100_000, 1_000_000),
    throughput_weeks=260,
    throughput_repeats=3,
    reference_customers=10_000,
    reference_weeks=52,
    reference_engine_customers=1_000_000,
    sweep_runs=16,
    sweep_customers=20_000,
    sweep_weeks=104,
    crn_replications=20,
    crn_customers=10_000,
    crn_weeks=104,
)

QUICK = Sizes(
    throughput_customers=(10_000, 50_000),
    throughput_weeks=52,
    throughput_repeats=2,
    reference_customers=1_000,
    reference_weeks=26,
    reference_engine_customers=20_000,
    sweep_runs=4,
    sweep_customers=5_000,
    sweep_weeks=26,
    crn_replications=6,
    crn_customers=2_000,
    crn_weeks=26,
    calibrate_rows=50_000,
)


def machine() -> dict[str, Any]:
    """Platform, CPU model, logical cores and total memory (bytes) of this machine."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            cpu = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), cpu)
    except OSError:
        pass
    return {
        "platform": platform.platform(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_bytes": os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"),
    }


def _record(mode: str, results: dict[str, Any]) -> dict[str, Any]:
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "mode": mode,
        "machine": machine(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "package_version": package_version(),
        "git_revision": git_revision(),
        "results": results,
        "targets": evaluate_targets(results),
    }


def _names(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    bad = [n for n in names if n not in NAMES]
    if bad or not names:
        raise argparse.ArgumentTypeError(f"must be a comma-separated list of {', '.join(NAMES)}; got {text!r}")
    return names


def main(argv: list[str] | None = None) -> int:
    """Command line: run the benchmarks, record them, print the table.

    Parameters
    ----------
    argv : list of str, optional
        Arguments (default: ``sys.argv[1:]``); see ``python -m benchmarks --help``.
    """
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (CI smoke test)")
    parser.add_argument("--large", action="store_true", help="also run 10 M customers x 520 weeks")
    parser.add_argument("--only", type=_names, metavar="NAME[,NAME]", help=f"run only these of: {', '.join(NAMES)}")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR, metavar="DIR",
                        help="directory of history.jsonl and latest.md (default: benchmarks/results)")
    args = parser.parse_args(argv)
    pin_threads()
    names = args.only or [n for n in NAMES if n not in OPT_IN or (n == "large" and args.large)]
    sz = QUICK if args.quick else DEFAULT
    runners: dict[str, Callable[[], dict[str, Any]]] = {
        "throughput": lambda: bench_throughput(sz.throughput_customers, sz.throughput_weeks, sz.throughput_repeats),
        "reference": lambda: bench_reference(sz.reference_customers, sz.reference_weeks, sz.reference_engine_customers),
        "sweep": lambda: bench_sweep(sz.sweep_runs, sz.sweep_customers, sz.sweep_weeks),
        "crn": lambda: bench_crn(sz.crn_replications, sz.crn_customers, sz.crn_weeks),
        "large": lambda: bench_large(sz.large_customers, sz.large_weeks),
        "calibrate": lambda: bench_calibrate(sz.calibrate_rows),
    }
    # numba compiles each kernel at its first call in a fresh checkout and caches it on disk:
    # one small untimed run first, so no measured run includes compiling.
    log("warm-up: compiling the engine's kernels if they are not cached yet")
    run_child("engine", default_model(1_000, 4))
    results: dict[str, Any] = {}
    for name in (n for n in NAMES if n in names):
        load = os.getloadavg()[0]  # other work on the machine skews timings: keep a trace of it
        try:
            results[name] = runners[name]()
        except Exception as exc:  # keep the figures of the other benchmarks of a long session
            log(f"{name}: FAILED: {exc}")
            results[name] = {"error": f"{type(exc).__name__}: {exc}"}
        results[name]["load_average_before"] = load
    record = _record("quick" if args.quick else "default", results)
    args.out.mkdir(parents=True, exist_ok=True)
    with open(args.out / "history.jsonl", "a", encoding="utf-8") as fh:
        fh.write(json.dumps(record) + "\n")
    table = format_table(record)
    atomic_write(args.out / "latest.md", lambda p: p.write_text(table, encoding="utf-8"))
    print(table, end="")
    return 1 if any("error" in r for r in results.values()) else 0
