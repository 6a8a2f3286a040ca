"""Regenerate the price x service grid: run (or resume) its sweep, then write and print its table.

    python experiments/price_service_grid/run.py [OVERRIDE ...]

Extra overrides go to the sweep, e.g. ``hydra.launcher.n_jobs=4``. Outputs, under
``multirun/price_service_grid/``: one run directory per cell and seed, ``results.parquet`` and
``comparison.csv`` (the table printed; differences against standard price and service).
"""

import sys

from sim.sweep import run_named_experiment

KPIS = ("npv_profit", "revenue", "customers_acquired", "retention_rate_annual", "share_profitable_customers")


if __name__ == "__main__":
    run_named_experiment("price_service_grid", KPIS, sys.argv[1:], baseline="pricing=standard,service=standard")
