"""One measured run in a fresh process: ``python -m benchmarks.child '<task as JSON>'``.

A fresh interpreter per measurement keeps runs from polluting each other's peak memory (the
high-water mark of a process never goes down) and caches. The task is
``{"kind": "engine" | "reference", "overrides": [...]}``; the process prints one JSON object
with the figures of the run on its last line of standard output.
"""

from __future__ import annotations

import json
import resource
import sys
import time

import numpy as np

from benchmarks.reference import run_reference
from benchmarks.scenario import compose_config
from sim.engine import Simulation

__all__ = ["measure", "rss_bytes"]


def rss_bytes(field: str) -> int:
    """A memory figure of this process from ``/proc/self/status`` in bytes.

    Parameters
    ----------
    field : str
        ``"VmHWM"`` (peak resident set) or ``"VmRSS"`` (current resident set). Where
        ``/proc`` is missing, the peak from ``getrusage`` is returned for either.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kB on Linux


def _state_bytes(sim: Simulation) -> dict[str, float]:
    """Bytes of state per customer row and per person in the market, at build time."""
    market = sum(v.nbytes for v in vars(sim.market).values() if isinstance(v, np.ndarray))
    return {
        "population_bytes_per_row": sim.pop.nbytes_per_row(),
        "market_bytes_per_person": market / sim.market.potential,
    }


def measure(task: dict) -> dict:
    """Run one task in this process and return its figures.

    Parameters
    ----------
    task : dict
        ``kind`` ("engine": the engine's :class:`~sim.engine.Simulation`; "reference": the
        per-customer SimPy reference) and ``overrides`` (Hydra overrides of the scenario).

    Returns
    -------
    dict
        ``customer_weeks``, ``engine_seconds`` (time in the simulation loop), ``run_seconds``
        (build and run), ``purchases_per_customer_week``, ``share_churned``,
        ``baseline_rss_bytes`` (after imports, before the run), ``peak_rss_bytes``, and for the
        engine the state bytes per customer row and per person in the market.
    """
    cfg = compose_config(task["overrides"])
    out: dict = {"baseline_rss_bytes": rss_bytes("VmRSS")}
    start = time.perf_counter()
    if task["kind"] == "engine":
        sim = Simulation(cfg)
        out.update(_state_bytes(sim))
        result = sim.run()
        s = result.summary
        out["customer_weeks"] = s["customer_weeks"]
        out["engine_seconds"] = s["wall_seconds"]
        out["purchases_per_customer_week"] = int(result.timeseries["purchase_occasions"].sum()) / s["customer_weeks"]
        out["share_churned"] = s["customers_churned"] / max(s["customers_initial"] + s["customers_acquired"], 1)
    elif task["kind"] == "reference":
        ref = run_reference(cfg)
        out["customer_weeks"] = ref.customer_weeks
        out["engine_seconds"] = ref.wall_seconds
        out["purchases_per_customer_week"] = int(ref.purchases.sum()) / ref.customer_weeks
        out["share_churned"] = float(ref.churned.mean())
    else:
        raise ValueError(f"The 'kind' parameter must be 'engine' or 'reference'. Got {task['kind']!r} instead.")
    out["run_seconds"] = time.perf_counter() - start
    out["peak_rss_bytes"] = rss_bytes("VmHWM")
    return out


if __name__ == "__main__":
    print(json.dumps(measure(json.loads(sys.argv[1]))))
