"""Regenerate the loyalty shoot-out: run (or resume) its sweep, then write and print its table.

    python experiments/loyalty_shootout/run.py [OVERRIDE ...]

Extra overrides go to the sweep, e.g. ``hydra.launcher.n_jobs=4``. Outputs, under
``multirun/loyalty_shootout/``: one run directory per arm and seed, ``results.parquet`` (one row
per run) and ``comparison.csv`` (the table printed); then whether the verdict holds over the priors of
the behavioural assumptions (``robustness/``, Morris). ``table.md`` and ``robustness.md`` here are
what the README quotes.
"""

import sys
from pathlib import Path

from sim.sweep import run_named_experiment

KPIS = ("npv_profit", "profit", "loyalty_cost", "retention_rate_annual", "customers_active_end", "mean_clv")


if __name__ == "__main__":
    run_named_experiment("loyalty_shootout", KPIS, sys.argv[1:], baseline="loyalty=none",
                         compare=("loyalty=none", "loyalty=points"), out=Path(__file__).resolve().parent)
