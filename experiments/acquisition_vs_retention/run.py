"""Regenerate acquisition vs retention: run (or resume) its sweep, then write and print its table.

    python experiments/acquisition_vs_retention/run.py [OVERRIDE ...]

Extra overrides go to the sweep, e.g. ``hydra.launcher.n_jobs=4``. Outputs, under
``multirun/acquisition_vs_retention/``: one run directory per cell and seed, ``results.parquet``
and ``comparison.csv`` (the table printed, with ``total_spend = acquisition_spend +
retention_spend`` to check that the equal-budget cells really spend the same).
"""

import subprocess
import sys
from pathlib import Path

from sim.analysis.collect import collect
from sim.report.table import comparison_table, format_table

NAME = "acquisition_vs_retention"
KPIS = ("npv_profit", "total_spend", "acquisition_spend", "retention_spend", "customers_acquired",
        "customers_won_back", "customers_active_end")
ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str]) -> None:
    sweep_dir = ROOT / "multirun" / NAME
    subprocess.run([sys.executable, "-m", "sim", "--multirun", f"experiment={NAME}", f"hydra.sweep.dir={sweep_dir}",
                    *argv], cwd=ROOT, check=True)
    results = collect(sweep_dir)
    results["total_spend"] = results["acquisition_spend"] + results["retention_spend"]
    table = comparison_table(results, KPIS)
    table.to_csv(sweep_dir / "comparison.csv", index=False)
    print(format_table(table))


if __name__ == "__main__":
    main(sys.argv[1:])
