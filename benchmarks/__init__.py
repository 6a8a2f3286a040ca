"""Speed and memory benchmarks of customer-sim (``python -m benchmarks``; see README.md).

Importing this package is cheap on purpose: :func:`pin_threads` must run before numpy is
imported, so that every measured process computes on one core.
"""

from __future__ import annotations

import os

__all__ = ["THREAD_VARS", "pin_threads"]

#: Environment variables that cap the threads of BLAS/OpenMP back ends used by numpy and scipy.
THREAD_VARS = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


def pin_threads() -> None:
    """Set every variable of :data:`THREAD_VARS` to 1 in this process's environment.

    Child processes (subprocesses and process-pool workers) inherit it, so "one core" holds for
    every run the benchmarks measure.
    """
    for name in THREAD_VARS:
        os.environ[name] = "1"
