"""Measured engine and reference runs, each in a fresh interpreter (:mod:`benchmarks.child`).

Throughput (customer-weeks per second of the simulation loop), the 10 M customer run, and the
engine against the per-customer SimPy reference model.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks import pin_threads
from benchmarks.reference import reduced_model
from benchmarks.scenario import default_model

__all__ = ["ROOT", "log", "run_child", "bench_throughput", "bench_large", "bench_reference"]

ROOT = Path(__file__).resolve().parent.parent


def log(message: str) -> None:
    """A progress line on standard error (standard output holds the table)."""
    print(message, file=sys.stderr, flush=True)


def run_child(kind: str, overrides: list[str]) -> dict[str, Any]:
    """Run one measured task in a fresh interpreter and return its figures.

    Adds ``process_seconds`` (the child's wall time, interpreter start and imports included) and
    ``customer_weeks_per_s`` (customer-weeks over the time in the simulation loop) to the
    figures of :func:`benchmarks.child.measure`.

    Parameters
    ----------
    kind : {"engine", "reference"}
        Which model runs.
    overrides : list of str
        Hydra overrides of the scenario.
    """
    pin_threads()
    task = json.dumps({"kind": kind, "overrides": overrides})
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "benchmarks.child", task], cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode:
        raise RuntimeError(f"benchmark child {kind} {overrides} failed:\n{proc.stderr}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["process_seconds"] = elapsed
    out["customer_weeks_per_s"] = out["customer_weeks"] / out["engine_seconds"]
    return out


def bench_throughput(customers: tuple[int, ...], weeks: int, repeats: int = 1) -> dict[str, Any]:
    """Customer-weeks per second and peak memory of the full default model, one child per run.

    Each size runs ``repeats`` times, the sizes interleaved so that a slow spell of a shared
    machine touches every size alike; the fastest run of each size stands for the engine (as
    ``timeit`` takes the best of its repetitions: the others measured the neighbours too), with
    every run's rate kept beside it and the highest peak memory of its runs.

    Parameters
    ----------
    customers : tuple of int
        Initial customers of each run (the market holds twice as many people).
    weeks : int
        Horizon of each run.
    repeats : int
        Runs of each size.

    Returns
    -------
    dict
        ``runs`` (one dict of figures per size, with ``rates``: customer-weeks per second of
        each run) and the state bytes per customer: bytes per population row, market bytes per
        person, and their sum ``state_bytes_per_customer``.
    """
    by_size: dict[int, list[dict[str, Any]]] = {n: [] for n in customers}
    for k in range(repeats):
        for n in customers:
            log(f"throughput ({k + 1}/{repeats}): full default model, {n:,} customers x {weeks} weeks")
            by_size[n].append({"customers": n, "weeks": weeks, **run_child("engine", default_model(n, weeks))})
    runs = []
    for rs in by_size.values():
        best = dict(max(rs, key=lambda r: r["customer_weeks_per_s"]))
        best["rates"] = [r["customer_weeks_per_s"] for r in rs]
        best["peak_rss_bytes"] = max(r["peak_rss_bytes"] for r in rs)
        runs.append(best)
    row = runs[0].pop("population_bytes_per_row")
    market = runs[0].pop("market_bytes_per_person")
    for r in runs[1:]:
        del r["population_bytes_per_row"], r["market_bytes_per_person"]
    return {
        "runs": runs,
        "repeats": repeats,
        "population_bytes_per_row": row,
        "market_bytes_per_person": market,
        "state_bytes_per_customer": row + market,
    }


def bench_large(customers: int, weeks: int) -> dict[str, Any]:
    """Peak memory and minutes of one very large run of the full default model.

    Parameters
    ----------
    customers : int
        Initial customers (the market holds twice as many people).
    weeks : int
        Horizon.
    """
    log(f"large: full default model, {customers:,} customers x {weeks} weeks")
    out = run_child("engine", default_model(customers, weeks))
    del out["population_bytes_per_row"], out["market_bytes_per_person"]
    return {"customers": customers, "weeks": weeks, "minutes": out["process_seconds"] / 60.0, **out}


def bench_reference(customers: int, weeks: int, engine_customers: int, repeats: int = 3) -> dict[str, Any]:
    """The engine against the per-customer SimPy reference on the reduced model.

    The reference runs ``customers`` x ``weeks``; the engine runs the same reduced model at the
    same size and at ``engine_customers``. Each run is its own child process. The three runs are
    repeated ``repeats`` times, interleaved so that a slow spell of the machine touches all of
    them, and each keeps its fastest repetition (as ``timeit`` does): on a shared host a single
    run of the reference moved by a third from one invocation to the next.

    Returns
    -------
    dict
        Figures of the fastest of each run (``reference``, ``engine_same_size``,
        ``engine_at_scale``, each with ``rates``, its customer-weeks per second in every
        repetition), the speed-ups ``speedup_same_size`` and ``speedup_at_scale`` of the fastest
        runs, and ``speedup_at_scale_range``, the lowest and highest speed-up of a repetition's
        own pair of runs.
    """
    runs: dict[str, list[dict[str, Any]]] = {"reference": [], "engine_same_size": [], "engine_at_scale": []}
    for k in range(repeats):
        log(f"reference ({k + 1}/{repeats}): per-customer SimPy model, {customers:,} customers x {weeks} weeks; "
             f"engine on the reduced model, {customers:,} and {engine_customers:,} customers")
        runs["reference"].append(run_child("reference", reduced_model(customers, weeks)))
        runs["engine_same_size"].append(run_child("engine", reduced_model(customers, weeks)))
        runs["engine_at_scale"].append(run_child("engine", reduced_model(engine_customers, weeks)))
    best = {}
    for name, rs in runs.items():
        best[name] = dict(max(rs, key=lambda r: r["customer_weeks_per_s"]))
        best[name]["rates"] = [r["customer_weeks_per_s"] for r in rs]
        best[name].pop("population_bytes_per_row", None)
        best[name].pop("market_bytes_per_person", None)
    paired = [e / r for e, r in zip(best["engine_at_scale"]["rates"], best["reference"]["rates"])]
    return {
        "customers": customers,
        "weeks": weeks,
        "engine_customers": engine_customers,
        "repeats": repeats,
        **best,
        "speedup_same_size": (best["engine_same_size"]["customer_weeks_per_s"]
                              / best["reference"]["customer_weeks_per_s"]),
        "speedup_at_scale": best["engine_at_scale"]["customer_weeks_per_s"] / best["reference"]["customer_weeks_per_s"],
        "speedup_at_scale_range": [min(paired), max(paired)],
    }
