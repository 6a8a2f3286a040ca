"""Regenerate acquisition vs retention: run (or resume) its sweep, then write and print its table.

    python experiments/acquisition_vs_retention/run.py [OVERRIDE ...]

Extra overrides go to the sweep, e.g. ``hydra.launcher.n_jobs=4``. Outputs, under
``multirun/acquisition_vs_retention/``: one run directory per cell and seed, ``results.parquet``
and ``comparison.csv`` (the table printed, with ``total_spend = acquisition_spend +
retention_spend`` to check that the equal-budget cells really spend the same).
"""

import sys

from sim.sweep import run_named_experiment

KPIS = ("npv_profit", "total_spend", "acquisition_spend", "retention_spend", "customers_acquired",
        "customers_won_back", "customers_active_end")


def with_total_spend(results):
    """Add ``total_spend``, to check that the equal-budget cells really spend the same."""
    return results.assign(total_spend=results["acquisition_spend"] + results["retention_spend"])


if __name__ == "__main__":
    run_named_experiment("acquisition_vs_retention", KPIS, sys.argv[1:], derive=with_total_spend)
