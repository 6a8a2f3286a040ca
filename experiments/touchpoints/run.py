"""Regenerate the touchpoints comparison: run (or resume) its sweep, then print its table.

    python experiments/touchpoints/run.py [OVERRIDE ...]

Extra overrides go to the sweep, e.g. ``hydra.launcher.n_jobs=4``. Outputs, under
``multirun/touchpoints/``: one run directory per cell and seed, ``results.parquet`` and
``comparison.csv`` (the table printed; differences against the first cell: no support desk, no promise).
"""

import sys

from sim.sweep import run_named_experiment

KPIS = ("customers_acquired", "retention_rate_annual", "profit", "npv_profit", "cac")


if __name__ == "__main__":
    run_named_experiment("touchpoints", KPIS, sys.argv[1:])
