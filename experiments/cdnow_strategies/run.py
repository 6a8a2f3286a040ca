"""CDNOW: which strategy for a real firm's customers? Calibrate, compare four strategies, test the ranking.

    python experiments/cdnow_strategies/run.py [--out DIR] [--runs DIR]

1. Calibrates the shipped CDNOW sample on its first 39 weeks (``python -m sim.calibrate``):
   ``RUNS/firm/`` holds the calibrated firm (scenario.yaml, customers.parquet, calibration.json).
2. Runs four strategies from the study's own library (``library/experiment/``, on
   ``hydra.searchpath``) on those customers for the 78 weeks after calibration, 20 seeds each,
   common random numbers across strategies: no action, a points programme, a win-back budget,
   targeted retention (``python -m sim --multirun``), then the comparison table and the deck
   (``python -m sim.report``).
3. Checks whether the ranking against no action holds over the assumed response parameters
   (``python -m sim.sensitivity``, Morris): points programme and win-back budget.

Writes ``table.md`` (the report's comparison), ``sensitivity.md`` and ``figure.png`` (the NPV
chart) here, and the deck to ``RUNS/report/deck.pptx``.
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
#: unit of 25 as in the default firm, no fixed costs, 0.05 a customer-week and 1 per order to serve.
COSTS = ["product.fixed_cost_per_week=0", "service.cost_per_customer_week=0.05", "service.cost_per_transaction=1",
         "service.cost_per_complaint=1", "service.cost_per_support_contact=0.5"]
#: The assumptions each comparison may hang on, over their prior ranges (README).
FACTORS = {
    "cdnow_points": ["customers.attachment_purchase_ratio=1:3", "loyalty.points.goal_gradient=0:0.2",
                     "loyalty.enrolment_prob=0.2:0.8", "customers.price_sensitivity_mean=0.75:2.25"],
    "cdnow_winback": ["acquisition.winback_success_prob=0.03:0.15", "acquisition.winback_offer_cost=2:10",
                      "customers.price_sensitivity_mean=0.75:2.25"],
}


def _relative(text: str, runs: Path) -> str:
    """``text`` with the machine's paths of the study's run folder written as ``RUNS``."""
    return text.replace(str(runs), "RUNS")


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
    lines = ["Morris screening (8 trajectories, seed 0 per design point) of the NPV difference against no action",
             "over each assumption's prior range; mu* is the mean absolute elementary effect (currency units).", ""]
    for strategy, factors in FACTORS.items():
        where = runs / f"sensitivity_{strategy}"
        sim("sim.sensitivity", *base, "--compare", "experiment=cdnow_none", f"experiment={strategy}",
            *(a for f in factors for a in ("--factor", f)), "--trajectories", "8", "--out", str(where), "--no-progress")
        ranking = json.loads((where / "summary.json").read_text())["ranking"]
        indices = pd.read_csv(where / "indices.csv")
        diff = indices[indices["target"].str.contains(" - ")].sort_values("mu_star", ascending=False)
        lines += [f"## {strategy} against cdnow_none", "",
                  f"{strategy} beats no action at {ranking['b_better_points']} of {ranking['points']} design points "
                  f"({100 * ranking['share_b_better']:.0f} %): the ranking "
                  f"{'changes' if ranking['ranking_changes'] else 'holds'} over the priors.", "",
                  "| assumption (prior range) | mu* | mu | sigma |", "|---|---|---|---|"]
        ranges = dict(f.split("=") for f in factors)
        lines += [f"| `{r.factor}` ({ranges[r.factor].replace(':', ' to ')}) | {r.mu_star:,.0f} | {r.mu:,.0f} | "
                  f"{r.sigma:,.0f} |" for r in diff.itertuples()]
        lines.append("")
    (args.out / "sensitivity.md").write_text("\n".join(lines), encoding="utf-8")
    print(table)


if __name__ == "__main__":
    pd.set_option("display.width", 160)
    main()
