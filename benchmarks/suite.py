"""The benchmark suite: throughput, memory, the reference comparison, sweeps and CRN.

Each benchmark returns a dict of figures. :func:`main` runs the chosen ones, appends one JSON line
per invocation to ``history.jsonl``, rewrites ``latest.md`` (targets next to the figures) and
prints the same table. Engine runs that are timed or whose memory is measured run in a fresh
child process each (:mod:`benchmarks.child`); sweeps run through a process pool.
"""

from __future__ import annotations

import argparse
import copy
import json
import multiprocessing
import os
import platform
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import numpy as np

from benchmarks import pin_threads
from benchmarks.reference import reduced_model
from benchmarks.scenario import compose_config, default_model
from sim import run
from sim.config import Config
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
    "evaluate_targets",
    "format_table",
    "main",
]

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(__file__).resolve().parent / "results"
NAMES = ("throughput", "reference", "sweep", "crn", "large")
GB = 1e9


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
)


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- measured runs in fresh processes --------------------------------------------------------
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
            _log(f"throughput ({k + 1}/{repeats}): full default model, {n:,} customers x {weeks} weeks")
            by_size[n].append({"customers": n, "weeks": weeks, **run_child("engine", default_model(n, weeks))})
    runs = []
    for n, rs in by_size.items():
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
    _log(f"large: full default model, {customers:,} customers x {weeks} weeks")
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
        _log(f"reference ({k + 1}/{repeats}): per-customer SimPy model, {customers:,} customers x {weeks} weeks; "
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
        "speedup_same_size": best["engine_same_size"]["customer_weeks_per_s"] / best["reference"]["customer_weeks_per_s"],
        "speedup_at_scale": best["engine_at_scale"]["customer_weeks_per_s"] / best["reference"]["customer_weeks_per_s"],
        "speedup_at_scale_range": [min(paired), max(paired)],
    }


# -- sweeps through a process pool -----------------------------------------------------------
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
        _log(f"sweep: {runs} runs of {customers:,} customers x {weeks} weeks, {w} worker(s)")
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
    _log(f"crn: {replications} replications x 3 runs of {customers:,} customers x {weeks} weeks")
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


# -- targets and the table --------------------------------------------------------------------
def _si(x: float) -> str:
    for div, unit in ((1e9, " G"), (1e6, " M"), (1e3, " k")):
        if abs(x) >= div:
            return f"{x / div:.3g}{unit}"
    return f"{x:.3g}"


def _count(n: int) -> str:
    return f"{n / 1e6:g} M" if n >= 1e6 else f"{n / 1e3:g} k" if n >= 1e3 else str(n)


def _gb(x: float) -> str:
    return f"{x / GB:.2f} GB"


def _completed(results: dict[str, Any]) -> dict[str, Any]:
    """The results of the benchmarks that did not fail."""
    return {k: v for k, v in results.items() if "error" not in v}


def evaluate_targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target of the performance issue with the figure that decides it and its status.

    A target is "not measured" when its benchmark did not run, failed, or ran at other sizes
    than the target names (the 1 M and 10 M customer targets under ``--quick``).

    Returns
    -------
    list of dict
        ``target``, ``goal``, ``measured`` (text), ``value`` (number or None) and ``status``
        ("met", "not met" or "not measured").
    """
    res = _completed(results)
    tp, ref, large, sw, crn = (res.get(k) for k in ("throughput", "reference", "large", "sweep", "crn"))
    at_1m = [r for r in tp["runs"] if r["customers"] == 1_000_000] if tp else []
    rows: list[dict[str, Any]] = []

    def add(target: str, goal: str, value: float | None, fmt: Callable[[float], str],
            meets: Callable[[float], bool]) -> None:
        measured, status = ("-", "not measured") if value is None else (fmt(value), "met" if meets(value) else "not met")
        rows.append({"target": target, "goal": goal, "measured": measured, "value": value, "status": status})

    add("Full default model, 1 M customers, one core", ">= 10 M customer-weeks/s",
        at_1m[0]["customer_weeks_per_s"] if at_1m else None, lambda v: f"{_si(v)}/s", lambda v: v >= 10e6)
    add("Engine vs per-customer SimPy reference, reduced model", ">= 100x",
        ref["speedup_at_scale"] if ref else None,
        lambda v: f"{v:.0f}x ({_count(ref['engine_customers'])} vs {_count(ref['customers'])} customers)",
        lambda v: v >= 100)
    add("Customer state", "<= 100 bytes per customer", tp["state_bytes_per_customer"] if tp else None,
        lambda v: f"{v:.1f} bytes", lambda v: v <= 100)
    add("10 M customers x 520 weeks, peak memory", "< 2 GB", large["peak_rss_bytes"] if large else None,
        _gb, lambda v: v < 2 * GB)
    add("10 M customers x 520 weeks, time", "< 10 minutes", large["minutes"] if large else None,
        lambda v: f"{v:.1f} min", lambda v: v < 10)
    add("Sweep, 2 workers vs 1", ">= 1.8x", sw["speedup"] if sw else None, lambda v: f"{v:.2f}x", lambda v: v >= 1.8)
    add("CRN variance reduction (points vs none)", ">= 10x", crn["variance_ratio"] if crn else None,
        lambda v: f"{v:.1f}x (R = {crn['replications']})", lambda v: v >= 10)
    return rows


def _figure_rows(results: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(benchmark, figure, value) rows of every figure worth reading, and of every failure."""
    rows = [(name, "FAILED", r["error"].strip().splitlines()[-1]) for name, r in results.items() if "error" in r]
    load = ", ".join(f"{name} {r['load_average_before']:.2f}" for name, r in results.items())
    results = _completed(results)
    if tp := results.get("throughput"):
        for r in tp["runs"]:
            size = f"{_count(r['customers'])} x {r['weeks']} wk"
            rows += [
                ("throughput", f"{size}: customer-weeks/s", _si(r["customer_weeks_per_s"])),
            ]
            if len(r.get("rates", ())) > 1:
                rows.append(("throughput", f"{size}: customer-weeks/s of each of {len(r['rates'])} runs",
                             ", ".join(_si(x) for x in r["rates"])))
            rows += [
                ("throughput", f"{size}: engine / process seconds", f"{r['engine_seconds']:.1f} / {r['process_seconds']:.1f}"),
                ("throughput", f"{size}: peak RSS (baseline after imports)",
                 f"{_gb(r['peak_rss_bytes'])} ({_gb(r['baseline_rss_bytes'])})"),
            ]
        rows += [
            ("state", "population bytes per customer row", f"{tp['population_bytes_per_row']}"),
            ("state", "market bytes per person", f"{tp['market_bytes_per_person']:.1f}"),
        ]
    if lg := results.get("large"):
        size = f"{_count(lg['customers'])} x {lg['weeks']} wk"
        rows += [
            ("large", f"{size}: customer-weeks/s", _si(lg["customer_weeks_per_s"])),
            ("large", f"{size}: minutes (engine / process)", f"{lg['engine_seconds'] / 60:.1f} / {lg['minutes']:.1f}"),
            ("large", f"{size}: peak RSS", _gb(lg["peak_rss_bytes"])),
        ]
    if ref := results.get("reference"):
        w = ref["weeks"]
        for key, n in (("reference", ref["customers"]), ("engine_same_size", ref["customers"]),
                       ("engine_at_scale", ref["engine_customers"])):
            model = "SimPy per customer" if key == "reference" else "engine"
            r = ref[key]
            rows.append(("reference", f"{model}, {_count(n)} x {w} wk: customer-weeks/s", _si(r["customer_weeks_per_s"])))
            rows.append(("reference", f"{model}, {_count(n)} x {w} wk: purchases per customer-week / share churned",
                         f"{r['purchases_per_customer_week']:.4f} / {r['share_churned']:.3f}"))
        rows += [
            ("reference", "speed-up at the same size", f"{ref['speedup_same_size']:.1f}x"),
            ("reference", "speed-up, engine at scale", f"{ref['speedup_at_scale']:.1f}x"),
        ]
        if "speedup_at_scale_range" in ref:
            lo, hi = ref["speedup_at_scale_range"]
            rows.append(("reference", f"speed-up at scale within each of {ref['repeats']} repetitions",
                         f"{lo:.1f}-{hi:.1f}x"))
    if sw := results.get("sweep"):
        size = f"{sw['runs']} runs of {_count(sw['customers'])} x {sw['weeks']} wk"
        for w, r in sw["workers"].items():
            rows.append(("sweep", f"{size}, {w} worker(s): runs/minute", f"{r['runs_per_minute']:.1f}"))
        rows.append(("sweep", "same NPVs whatever the workers", "yes" if sw["identical_results"] else "NO"))
    if crn := results.get("crn"):
        size = f"R = {crn['replications']}, {_count(crn['customers'])} x {crn['weeks']} wk"
        rows += [
            ("crn", f"{size}: NPV difference, paired (CRN)",
             f"{crn['mean_difference_paired']:,.0f} +/- {crn['se_paired']:,.0f}"),
            ("crn", f"{size}: NPV difference, independent seeds",
             f"{crn['mean_difference_independent']:,.0f} +/- {crn['se_independent']:,.0f}"),
            ("crn", "var(independent) / var(paired)", f"{crn['variance_ratio']:.1f}"),
        ]
    rows.append(("all", "1-minute load average before each benchmark", load))
    return rows


def format_table(record: dict[str, Any]) -> str:
    """The Markdown report of one benchmark record: provenance, targets, figures."""
    m = record["machine"]
    lines = [
        "# Benchmark results",
        "",
        f"Latest run {record['date']} ({record['mode']} sizes), customer-sim {record['package_version']}, "
        f"git {record['git_revision']}.",
        f"Machine: {m['cpu']}, {m['cores']} cores, {_gb(m['memory_bytes'])} memory, {m['platform']}; "
        f"Python {record['python']}, numpy {record['numpy']}.",
        "",
        "| Target | Goal | Measured | Status |",
        "|---|---|---|---|",
    ]
    lines += [f"| {t['target']} | {t['goal']} | {t['measured']} | {t['status']} |" for t in record["targets"]]
    lines += ["", "| Benchmark | Figure | Value |", "|---|---|---|"]
    lines += [f"| {b} | {f} | {v} |" for b, f, v in _figure_rows(record["results"])]
    return "\n".join(lines) + "\n"


# -- provenance and files ---------------------------------------------------------------------
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
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
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
    names = args.only or [n for n in NAMES if n != "large" or args.large]
    sz = QUICK if args.quick else DEFAULT
    runners: dict[str, Callable[[], dict[str, Any]]] = {
        "throughput": lambda: bench_throughput(sz.throughput_customers, sz.throughput_weeks, sz.throughput_repeats),
        "reference": lambda: bench_reference(sz.reference_customers, sz.reference_weeks, sz.reference_engine_customers),
        "sweep": lambda: bench_sweep(sz.sweep_runs, sz.sweep_customers, sz.sweep_weeks),
        "crn": lambda: bench_crn(sz.crn_replications, sz.crn_customers, sz.crn_weeks),
        "large": lambda: bench_large(sz.large_customers, sz.large_weeks),
    }
    # numba compiles each kernel at its first call in a fresh checkout and caches it on disk:
    # one small untimed run first, so no measured run includes compiling.
    _log("warm-up: compiling the engine's kernels if they are not cached yet")
    run_child("engine", default_model(1_000, 4))
    results: dict[str, Any] = {}
    for name in (n for n in NAMES if n in names):
        load = os.getloadavg()[0]  # other work on the machine skews timings: keep a trace of it
        try:
            results[name] = runners[name]()
        except Exception as exc:  # keep the figures of the other benchmarks of a long session
            _log(f"{name}: FAILED: {exc}")
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
