"""Regenerate acquisition vs retention: run (or resume) its sweep, then write and print its table.

    python experiments/acquisition_vs_retention/run.py [OVERRIDE ...]

Extra overrides go to the sweep, e.g. ``hydra.launcher.n_jobs=4``. Outputs, under
``multirun/acquisition_vs_retention/``: one run directory per cell and seed, ``results.parquet``
and ``comparison.csv`` (the table printed, with ``total_spend = acquisition_spend +
retention_spend`` to check that the equal-budget cells really spend the same); then whether the
acquisition-led vs retention-led verdict holds over the priors of the behavioural assumptions
(``robustness/``, Morris). ``table.md`` and ``robustness.md`` here are what the README quotes.
"""

import sys
from pathlib import Path

from sim.sweep import run_named_experiment

KPIS = ("npv_profit", "total_spend", "acquisition_spend", "retention_spend", "customers_acquired",
        "customers_won_back", "customers_active_end")


#: The equal-budget comparison: the acquisition-led firm against the retention-led one (the
#: diagonal of the design; configs/experiment/acquisition_vs_retention.yaml).
ACQUISITION_LED = "acquisition.media_budget_per_week=10000.0 acquisition.winback_share=0.02"
RETENTION_LED = "acquisition.media_budget_per_week=5000.0 acquisition.winback_share=0.09"


def with_total_spend(results):
    """Add ``total_spend``, to check that the equal-budget cells really spend the same."""
    return results.assign(total_spend=results["acquisition_spend"] + results["retention_spend"])


if __name__ == "__main__":
    run_named_experiment("acquisition_vs_retention", KPIS, sys.argv[1:], derive=with_total_spend,
                         compare=(ACQUISITION_LED, RETENTION_LED), out=Path(__file__).resolve().parent)
