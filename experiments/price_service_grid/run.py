"""Regenerate the price x service grid: run (or resume) its sweep, then write and print its table.

    python experiments/price_service_grid/run.py [OVERRIDE ...]

Extra overrides go to the sweep, e.g. ``hydra.launcher.n_jobs=4``. Outputs, under
``multirun/price_service_grid/``: one run directory per cell and seed, ``results.parquet`` and
``comparison.csv`` (the table printed; differences against standard price and service); then
whether the best cell stays ahead of the runner-up over the priors of the behavioural
assumptions (``robustness/``, Morris). ``table.md`` and ``robustness.md`` here are what the
README quotes.
"""

import sys
from pathlib import Path

from sim.sweep import run_named_experiment

KPIS = ("npv_profit", "revenue", "customers_acquired", "retention_rate_annual", "share_profitable_customers")


def best_two(results) -> tuple[str, str]:
    """The two cells with the highest mean NPV profit, best first, as override lists."""
    means = results.groupby(["pricing", "service"])["npv_profit"].mean().sort_values(ascending=False)
    return tuple(f"pricing={p} service={s}" for p, s in means.index[:2])


if __name__ == "__main__":
    run_named_experiment("price_service_grid", KPIS, sys.argv[1:], baseline="pricing=standard,service=standard",
                         compare=best_two, out=Path(__file__).resolve().parent)
