"""Regenerate the price x service grid: run (or resume) its sweep, then write and print its table.

    python experiments/price_service_grid/run.py [OVERRIDE ...]

Extra overrides go to the sweep, e.g. ``hydra.launcher.n_jobs=4``. Outputs, under
``multirun/price_service_grid/``: one run directory per cell and seed, ``results.parquet`` and
``comparison.csv`` (the table printed; differences against standard price and service).
"""

import subprocess
import sys
from pathlib import Path

from sim.analysis.collect import collect
from sim.report.table import comparison_table, format_table

NAME = "price_service_grid"
KPIS = ("npv_profit", "revenue", "customers_acquired", "retention_rate_annual", "share_profitable_customers")
ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str]) -> None:
    sweep_dir = ROOT / "multirun" / NAME
    subprocess.run([sys.executable, "-m", "sim", "--multirun", f"experiment={NAME}", f"hydra.sweep.dir={sweep_dir}",
                    *argv], cwd=ROOT, check=True)
    table = comparison_table(collect(sweep_dir), KPIS, baseline="pricing=standard,service=standard")
    table.to_csv(sweep_dir / "comparison.csv", index=False)
    print(format_table(table))


if __name__ == "__main__":
    main(sys.argv[1:])
