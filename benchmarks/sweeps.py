"""Sweeps through a process pool: runs per minute by worker count, and common random numbers."""

from __future__ import annotations

import copy
import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np

from benchmarks import pin_threads
from benchmarks.measure import log
from benchmarks.scenario import compose_config, default_model
from sim.config import Config
from sim.runner import run

__all__ = ["bench_sweep", "bench_crn"]


def _warm_up(cfg: Config, seconds: float) -> int:
    """Warm-up task: one untimed run of ``cfg``, hold the worker a moment so that each worker
    takes one, then say who ran it.

    The run loads each compiled kernel from numba's cache (done at a kernel's first call) and
    grows the worker's heap to the size of the batch's runs: a real sweep of hundreds of runs
    pays both once per worker, so neither belongs in the timed batch.
    """
    run(cfg)
    time.sleep(seconds)
    return os.getpid()


def _run_summary(cfg: Config) -> dict[str, float]:
    """Run one scenario in a pool worker and return the few figures the sweeps need."""
    s = run(cfg).summary
    return {"npv_profit": s["npv_profit"], "customer_weeks": s["customer_weeks"], "wall_seconds": s["wall_seconds"]}


def _pool_map(fn: Callable, items: list[Config], workers: int) -> tuple[list, float]:
    """``map(fn, items)`` through a fresh ``spawn`` process pool; also the seconds it took.

    The pool is started, and every worker has imported the package and made one untimed run of
    the first scenario (with another seed) before the clock starts, so the time is that of the
    runs, not of starting interpreters.
    """
    pin_threads()
    ctx = multiprocessing.get_context("spawn")
    warm = _seeded(items[0], 2**31 - 1)
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        seen: set[int] = set()
        for _ in range(100):
            seen.update(pool.map(_warm_up, [warm] * workers, [0.1] * workers))
            if len(seen) == workers:
                break
        start = time.perf_counter()
        out = list(pool.map(fn, items))
        return out, time.perf_counter() - start


def _seeded(cfg: Config, seed: int) -> Config:
    new = copy.deepcopy(cfg)
    new.seed = int(seed)
    return new


def bench_sweep(runs: int, customers: int, weeks: int, workers: tuple[int, ...] = (1, 2)) -> dict[str, Any]:
    """Throughput of a batch of small runs through a process pool, by number of workers.

    Parameters
    ----------
    runs : int
        Runs in the batch (seeds ``0 .. runs - 1`` of the full default model).
    customers, weeks : int
        Size of each run.
    workers : tuple of int
        Pool sizes to compare; the speed-up is that of the last over the first.

    Returns
    -------
    dict
        Per pool size: ``seconds`` and ``runs_per_minute``; ``speedup``; and
        ``identical_results``, whether every pool size gave the same NPVs bit for bit.
    """
    base = compose_config(default_model(customers, weeks))
    batch = [_seeded(base, s) for s in range(runs)]
    by_workers, npvs = {}, []
    for w in workers:
        log(f"sweep: {runs} runs of {customers:,} customers x {weeks} weeks, {w} worker(s)")
        out, seconds = _pool_map(_run_summary, batch, w)
        npvs.append([o["npv_profit"] for o in out])
        by_workers[str(w)] = {"seconds": seconds, "runs_per_minute": 60.0 * runs / seconds}
    first, last = by_workers[str(workers[0])], by_workers[str(workers[-1])]
    return {
        "runs": runs,
        "customers": customers,
        "weeks": weeks,
        "workers": by_workers,
        "speedup": last["runs_per_minute"] / first["runs_per_minute"],
        "identical_results": all(n == npvs[0] for n in npvs),
    }


def bench_crn(replications: int, customers: int, weeks: int, root_seed: int = 2024, workers: int = 2) -> dict[str, Any]:
    """Variance of the paired difference in NPV, loyalty "points" minus "none", with and without CRN.

    Replication ``r`` runs "none" with seed ``a_r`` and "points" with seed ``a_r`` (common random
    numbers) and with seed ``b_r`` (independent); all ``a_r, b_r`` are distinct and derived from
    ``numpy.random.SeedSequence(root_seed)``. The "none" run is shared by both designs.

    Parameters
    ----------
    replications : int
        Replications R (>= 2).
    customers, weeks : int
        Size of each run of the full default model.
    root_seed : int
        Root of the seed derivation.
    workers : int
        Pool workers that run the 3 R runs.

    Returns
    -------
    dict
        Mean and standard error of the difference and its variance under each design, and
        ``variance_ratio = var_independent / var_paired``.
    """
    seeds = np.random.SeedSequence(root_seed).generate_state(2 * replications).tolist()
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"The 'root_seed' parameter gives repeated seeds. Got {root_seed} instead.")
    a, b = seeds[:replications], seeds[replications:]
    base = default_model(customers, weeks)
    none = compose_config(base + ["loyalty=none"])
    points = compose_config(base + ["loyalty=points"])
    batch = [_seeded(none, s) for s in a] + [_seeded(points, s) for s in a] + [_seeded(points, s) for s in b]
    log(f"crn: {replications} replications x 3 runs of {customers:,} customers x {weeks} weeks")
    out, seconds = _pool_map(_run_summary, batch, workers)
    npv = np.array([o["npv_profit"] for o in out]).reshape(3, replications)
    paired = npv[1] - npv[0]
    independent = npv[2] - npv[0]
    var_p, var_i = float(paired.var(ddof=1)), float(independent.var(ddof=1))
    return {
        "replications": replications,
        "customers": customers,
        "weeks": weeks,
        "root_seed": root_seed,
        "mean_difference_paired": float(paired.mean()),
        "se_paired": (var_p / replications) ** 0.5,
        "mean_difference_independent": float(independent.mean()),
        "se_independent": (var_i / replications) ** 0.5,
        "var_paired": var_p,
        "var_independent": var_i,
        "variance_ratio": var_i / var_p if var_p > 0 else float("inf"),
        "seconds": seconds,
    }
