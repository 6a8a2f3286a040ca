"""CDNOW: which strategy for a real firm's customers? Calibrate, compare four strategies, test the ranking.

    python experiments/cdnow_strategies/run.py [--out DIR] [--runs DIR]

1. Calibrates the shipped CDNOW sample on its first 39 weeks (``python -m sim.calibrate``):
   ``RUNS/firm/`` holds the calibrated firm (scenario.yaml, customers.parquet, calibration.json).
2. Runs four strategies from the study's own library (``library/experiment/``, on
   ``hydra.searchpath``) on those customers for the 78 weeks after calibration, 20 seeds each,
   common random numbers across strategies: no action, a points programme, a win-back budget,
   targeted retention (``python -m sim --multirun``), then the comparison table and the deck
   (``python -m sim.report``).
3. Checks whether the ranking of the four holds over the priors of the behavioural assumptions
   declared in the config schema (``python -m sim.sensitivity --priors``, Morris, 2 trajectories),
   with the assumed win-back offer cost as one more factor; parameters the calibrated firm sets
   (mechanisms switched off) are held, as the study's ``robustness.md`` lists.

Writes ``table.md`` (the report's comparison), ``sensitivity.md`` (the study's ``robustness.md``)
and ``figure.png`` (the NPV chart) here, and the deck, whose takeaway says whether the verdict
holds over the priors, to ``RUNS/report/deck.pptx``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd

from sim.analysis.transactions import cdnow_sample_path, read_transactions
from sim.calibrate import calibrate_firm
from sim.calibrate.firm import write_firm
from sim.study import study_arguments

HERE = Path(__file__).resolve().parent
STRATEGIES = ("cdnow_none", "cdnow_points", "cdnow_winback", "cdnow_retention")
SEEDS, WEEKS = 20, 78
#: Costs a transaction log does not show, at CDNOW's scale (assumed; README): cost of goods 12 per
#: unit of 25 as in the default firm, no fixed costs, 0.05 a customer-week and 1 per order to serve (no
#: service beyond handling).
COSTS = ["product.fixed_cost_per_week=0", "service.cost_per_customer_week=0.05", "service.cost_per_transaction=1",
         "service.cost_per_order_service=0",
         "service.cost_per_complaint=1", "service.cost_per_support_contact=0.5"]
#: Assumptions varied beside the behavioural priors: what a win-back offer costs, and the churn relief the
#: calibrated firm assumes for a retention offer (its own prior; README).
EXTRA_FACTORS = ["acquisition.winback_offer_cost=2:10", "retention.churn_relief=-0.1:0.4"]


def _relative(text: str, runs: Path) -> str:
    """``text`` with the machine's paths of the study's run folder and of this folder written as ``RUNS``, ``HERE``."""
    return text.replace(str(runs), "RUNS").replace(str(HERE), "HERE")


def sim(*args: str) -> None:
    subprocess.run([sys.executable, "-m", *args], check=True)


def main() -> None:
    args = study_arguments(__doc__, HERE)
    runs = args.runs.resolve()
    firm = runs / "firm"
    report, values, customers = calibrate_firm(read_transactions(cdnow_sample_path()), 39, replications=100)
    write_firm(firm, values, customers, report["scenario"], "cdnow")
    (firm / "calibration.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    base = [f"firm={firm}", f"hydra.searchpath=[file://{HERE / 'library'}]", f"horizon.weeks={WEEKS}", *COSTS]
    sweep = runs / "sweep"
    sim("sim", "--multirun", *base, f"experiment={','.join(STRATEGIES)}", f"seed=range({SEEDS})",
        f"hydra.sweep.dir={sweep}")
    # The study over the priors beside the sweep: the report's takeaway says whether its verdict holds.
    where = sweep / "robustness"
    sim("sim.sensitivity", *base, "--priors", *(a for s in STRATEGIES for a in ("--strategy", f"experiment={s}")),
        *(a for f in EXTRA_FACTORS for a in ("--factor", f)), "--out", str(where), "--no-progress", "--jobs", "2")
    text = (where / "robustness.md").read_text(encoding="utf-8")
    out = runs / "report"
    table = subprocess.run([sys.executable, "-m", "sim.report", str(sweep), "--out", str(out), "--currency", "$",
                            "--title", "CDNOW: where the next dollar goes", "--baseline", "experiment=cdnow_none",
                            "--kpi", "npv_profit", "--kpi", "revenue", "--kpi", "customers_won_back",
                            "--kpi", "loyalty_cost"], check=True, capture_output=True, text=True).stdout
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "table.md").write_text("```\n" + _relative(table.strip(), runs) + "\n```\n", encoding="utf-8")
    charts = sorted((out / "charts").glob("02_paired_differences.png"))
    if charts:
        shutil.copy(charts[0], args.out / "figure.png")
    (args.out / "sensitivity.md").write_text(_relative(text, runs), encoding="utf-8")
    print(table)


if __name__ == "__main__":
    pd.set_option("display.width", 160)
    main()
