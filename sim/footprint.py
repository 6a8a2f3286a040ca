"""Knowing the cost of a run before paying it: peak memory and run time estimated from the scenario.

A run's memory is set by a few sizes of its scenario, each with a cost per unit measured on the
engine (``python -m benchmarks`` and the peaks behind docs/performance.md; the figures are peaks,
with the temporaries of building the market and writing the tables):

=====================  ==========================  ===========================================
what                   bytes each (peak)           how many
=====================  ==========================  ===========================================
customer row           :data:`CUSTOMER_BYTES`      ``customers.initial`` (at most everyone in
                                                   the market, for the upper bound)
market person          :data:`PERSON_BYTES`        ``market.potential``
contact tie            :data:`TIE_BYTES`           ``potential x network_degree / 2`` with a
                                                   contact network
transaction row        :data:`TRANSACTION_BYTES`   customer-weeks with a purchase, when
                                                   ``output.transactions`` keeps them
the process itself     :data:`BASELINE_BYTES`      once
=====================  ==========================  ===========================================

Two sums, each multiplied by :data:`SAFETY`: the *estimate* counts the initial customers and the
transactions they are expected to make, what any run of the scenario pays; the *upper bound*
assumes the run acquires the whole market and every customer buys at three times the base rate.
Measured against them: 0.42 GB at 1 M customers x 260 weeks (estimate 0.62, bound 0.85), 1.85 GB
at 10 M x 520 (2.9 and 4.8), 0.66 GB for a market of 2 M that is acquired entirely (0.44 and
0.81). :func:`check_fits` refuses a scenario whose estimate exceeds the memory available
(:func:`available_memory`) and warns when only the bound does. Run time is estimated from the
initial customers' customer-weeks at :data:`CUSTOMER_WEEKS_PER_SECOND` and the market's size:
a rough figure for one core like the benchmark machine's.

This module reads only the scenario (:mod:`sim.config`): it never loads the engine.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

from sim.config import Config
from sim.errors import ConfigError

__all__ = ["Footprint", "footprint", "available_memory", "check_fits", "describe", "notice", "SAFETY"]

#: Bytes per customer row at peak: 96 bytes of state (benchmarks), the arrays' growth slack and
#: the customer table written at the end (120-130 measured at 1-5 M customers).
CUSTOMER_BYTES = 150.0
#: Bytes per market person at peak: 3.1 bytes held (benchmarks), 24 while the market is built.
PERSON_BYTES = 24.0
#: Bytes per contact tie at peak: 8 bytes held (two int32 ends), 24-38 measured while the graph is built.
TIE_BYTES = 40.0
#: Bytes per transaction row kept (customer id, week, amount, and the table's temporaries; 46 measured).
TRANSACTION_BYTES = 50.0
#: The process before any scenario: interpreter, numpy, pandas, numba, Hydra (0.19-0.27 GB measured).
BASELINE_BYTES = 0.3e9
#: Margin on each sum for what the table does not model (allocator, fragmentation).
SAFETY = 1.25
#: Customer-weeks simulated per second on one core (benchmarks: 10.5-22 M at 1-10 M customers).
CUSTOMER_WEEKS_PER_SECOND = 15e6
#: Seconds per market person to build the market (drawing and sorting thresholds).
SECONDS_PER_PERSON = 0.5e-6


@dataclass(frozen=True)
class Footprint:
    """The estimated cost of one run.

    Attributes
    ----------
    bytes : float
        Peak resident memory the scenario needs whatever it acquires, with :data:`SAFETY` (bytes).
    upper_bytes : float
        Peak resident memory if the run acquires the whole market, with :data:`SAFETY` (bytes).
    seconds : float
        Run time on one core, a rough estimate (seconds).
    parts : dict of str to float
        Bytes of the estimate by cause, before the safety factor: ``baseline``, ``customers``,
        ``market``, ``network``, ``transactions``.
    """

    bytes: float
    upper_bytes: float
    seconds: float
    parts: dict[str, float]


def footprint(cfg: Config) -> Footprint:
    """Estimate the peak memory and run time of ``cfg`` from its sizes alone.

    Parameters
    ----------
    cfg : Config
        A scenario (validated or not: only its sizes are read).

    Returns
    -------
    Footprint
        The estimate, the upper bound (bytes, with :data:`SAFETY`) and seconds.
    """
    initial = float(cfg.customers.initial)
    people = float(max(cfg.market.potential, cfg.customers.initial))
    weeks = float(cfg.horizon.weeks)
    ties = people * cfg.market.network_degree / 2.0 if cfg.market.network != "full" else 0.0
    rate = cfg.customers.purchase_rate_mean
    kept = 1.0 if cfg.output.transactions else 0.0
    parts = {
        "baseline": BASELINE_BYTES,
        "customers": initial * CUSTOMER_BYTES,
        "market": people * PERSON_BYTES,
        "network": ties * TIE_BYTES,
        # A customer-week has a purchase with probability 1 - exp(-rate).
        "transactions": kept * initial * weeks * -math.expm1(-rate) * TRANSACTION_BYTES,
    }
    extra = ((people - initial) * CUSTOMER_BYTES
             + kept * (people * -math.expm1(-3.0 * rate) - initial * -math.expm1(-rate)) * weeks * TRANSACTION_BYTES)
    total = sum(parts.values())
    seconds = initial * weeks / CUSTOMER_WEEKS_PER_SECOND + people * SECONDS_PER_PERSON
    return Footprint(total * SAFETY, (total + extra) * SAFETY, seconds, parts)


def available_memory() -> int | None:
    """Bytes of memory the system can give a new process now, or None where it cannot tell.

    ``MemAvailable`` of ``/proc/meminfo`` (Linux: free memory plus what the page cache can give
    back); elsewhere the physical memory (``os.sysconf``).
    """
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, OSError, ValueError):
        return None


def describe(estimate: Footprint) -> str:
    """The estimate in words, e.g. ``'about 2.9 GB of memory (up to 4.8 GB) and 6 min'``."""
    s = estimate.seconds
    time = f"{s:.0f} s" if s < 90 else f"{s / 60:.0f} min" if s < 5400 else f"{s / 3600:.1f} h"
    return (f"about {estimate.bytes / 1e9:.1f} GB of memory (up to {estimate.upper_bytes / 1e9:.1f} GB if it "
            f"acquires the whole market) and {time}")


def notice(estimate: Footprint, available: int | None = None) -> str | None:
    """A line worth printing before a run starts: a long run, or one that may outgrow the memory.

    Returns None for a run expected to take under a minute and to fit whatever it acquires.
    """
    available = available_memory() if available is None else available
    if available is not None and estimate.upper_bytes > available:
        return (f"Warning: this run needs {describe(estimate)}; {available / 1e9:.1f} GB is available, so it may "
                "run out of memory if it acquires most of its market.")
    if estimate.seconds >= 60:
        return f"Estimated cost: {describe(estimate)}."
    return None


_FIELDS = {"customers": "customers.initial", "market": "market.potential", "network": "market.network_degree",
           "transactions": "output.transactions"}


def check_fits(cfg: Config, available: int | None = None) -> Footprint:
    """Refuse a scenario whose estimated peak memory exceeds the memory available.

    ``output.allow_large=true`` runs it anyway (the system may have swap, or the estimate's
    per-unit costs may not hold on another machine).

    Parameters
    ----------
    cfg : Config
        The scenario.
    available : int, optional
        Bytes available (default :func:`available_memory`).

    Returns
    -------
    Footprint
        The estimate; compare its ``upper_bytes`` with the memory available to warn.

    Raises
    ------
    ConfigError
        Naming the size that weighs most, its value, the estimate, the memory available and the
        override.
    """
    estimate = footprint(cfg)
    available = available_memory() if available is None else available
    if cfg.output.allow_large or available is None or estimate.bytes <= available:
        return estimate
    field = _FIELDS[max(_FIELDS, key=lambda k: estimate.parts[k])]
    value = {"customers.initial": cfg.customers.initial, "market.potential": cfg.market.potential,
             "market.network_degree": cfg.market.network_degree, "output.transactions": cfg.output.transactions}[field]
    raise ConfigError(field, value, f"small enough for the run to fit in memory: this scenario needs "
                      f"{describe(estimate)}, and {available / 1e9:.1f} GB is available; make it smaller, or set "
                      "output.allow_large=true to run it anyway")
