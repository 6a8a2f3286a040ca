"""Regenerate the loyalty shoot-out: run (or resume) its sweep, then write and print its table.

    python experiments/loyalty_shootout/run.py [OVERRIDE ...]

Extra overrides go to the sweep, e.g. ``hydra.launcher.n_jobs=4``. Outputs, under
``multirun/loyalty_shootout/``: one run directory per arm and seed, ``results.parquet`` (one row
per run) and ``comparison.csv`` (the table printed).
"""

import subprocess
import sys
from pathlib import Path

from sim.analysis.collect import collect
from sim.report.table import comparison_table, format_table

NAME = "loyalty_shootout"
KPIS = ("npv_profit", "profit", "loyalty_cost", "retention_rate_annual", "customers_active_end", "mean_clv")
ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str]) -> None:
    sweep_dir = ROOT / "multirun" / NAME
    subprocess.run([sys.executable, "-m", "sim", "--multirun", f"experiment={NAME}", f"hydra.sweep.dir={sweep_dir}",
                    *argv], cwd=ROOT, check=True)
    table = comparison_table(collect(sweep_dir), KPIS, baseline="loyalty=none")
    table.to_csv(sweep_dir / "comparison.csv", index=False)
    print(format_table(table))


if __name__ == "__main__":
    main(sys.argv[1:])
