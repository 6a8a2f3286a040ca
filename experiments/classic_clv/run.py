"""Constant-retention CLV from the agent engine against m r / (1 + i - r): table and figure.

    python experiments/classic_clv/run.py [--out DIR] [--runs DIR]

Runs ``experiment=classic_clv`` (100,000 customers, yearly periods, 60 years) for Ameritrade
(m = 200, r = 0.95, i = 0.12; Gupta, Lehmann & Stuart 2004), for retention 0.5 to 0.9 at the
same margin and rate, and for two random parameter sets; writes ``table.csv``/``table.md`` and
``figure.png`` (value against retention, and how the discounted value accumulates by year).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.analysis.clv import clv_constant_retention
from sim.classic.contractual import lifetime_value_moments, tenure_margins
from sim.report.style import HIGHLIGHT, PALETTE, deck_figure, deck_style, footnote
from sim.study import simulate, study_arguments, write_table

N, YEARS = 100_000, 60


def cases() -> list[tuple[str, float, float, float]]:
    rng = np.random.default_rng(11)  # fixed: the table is reproducible
    out = [("Ameritrade (GLS 2004)", 200.0, 0.95, 0.12)]
    out += [(f"r = {r}", 200.0, r, 0.12) for r in (0.5, 0.7, 0.8, 0.9)]
    out += [(f"random {k}", round(float(rng.uniform(10, 500)), 2), round(float(rng.uniform(0.3, 0.97)), 3),
             round(float(rng.uniform(0.01, 0.3)), 3)) for k in (1, 2)]
    return out


def main() -> None:
    args = study_arguments(__doc__, Path(__file__).resolve().parent)
    rows, paths = [], []
    for i, (label, m, r, rate) in enumerate(cases()):
        result = simulate(["experiment=classic_clv", f"classic.margin={m}", f"classic.retention={r}",
                           f"classic.discount_rate={rate}", f"customers.initial={N}", f"horizon.weeks={52 * YEARS}",
                           f"seed={i + 1}"], args.runs / f"case{i}")
        mean, sd = lifetime_value_moments(r ** np.arange(1, YEARS + 1), tenure_margins(m, [], YEARS), rate)
        closed = float(clv_constant_retention(m, r, rate))
        se = sd / np.sqrt(N)
        clv = result.summary["mean_clv_to_horizon"]
        rows.append({"case": label, "margin": m, "retention": r, "discount rate": rate,
                     "closed form m r/(1+i-r)": closed, "mean_clv simulated": clv, "MC SE": se,
                     "z": (clv - mean) / se, "tail beyond horizon": closed - mean})
        # Discounted margin per customer accumulated year by year (revenue booked at each year's end).
        yearly = result.timeseries["revenue"].to_numpy()[51::52] / N
        paths.append((label, np.cumsum(yearly * (1 + rate) ** -np.arange(1, YEARS + 1)), closed))
    table = pd.DataFrame(rows)
    write_table(table, args.out, "table")

    with deck_style():
        fig, axes = deck_figure(1, 2)
        grid = np.linspace(0.3, 0.97, 200)
        axes[0].plot(grid, clv_constant_retention(200.0, grid, 0.12), color=PALETTE[0], lw=2,
                     label="m r/(1+i-r), m=200, i=0.12")
        same = table[(table["margin"] == 200.0) & (table["discount rate"] == 0.12)]
        axes[0].errorbar(same["retention"], same["mean_clv simulated"], yerr=2 * same["MC SE"], fmt="o",
                         color=HIGHLIGHT, label="simulated mean_clv (+-2 SE)")
        axes[0].annotate("Ameritrade 1,117.6", (0.95, table["closed form m r/(1+i-r)"].iloc[0]), xytext=(0.6, 1000),
                         arrowprops={"arrowstyle": "->"})
        axes[0].set(xlabel="retention per year", ylabel="value of a new customer", title="Value vs retention")
        axes[0].legend(loc="upper left", fontsize=10)
        for i, (label, path, closed) in enumerate(paths[:1] + paths[-2:]):
            colour = HIGHLIGHT if i == 0 else PALETTE[i]
            axes[1].plot(np.arange(1, YEARS + 1), path, color=colour, lw=2, label=label)
            axes[1].axhline(closed, color=colour, ls=":", lw=1)
        axes[1].set(xlabel="years since acquisition", ylabel="discounted margin per customer so far",
                    title="Accumulation to the closed form (dotted)")
        axes[1].legend(loc="lower right", fontsize=10)
        footnote(fig, f"experiment=classic_clv, {N:,} customers, yearly periods, {YEARS} years, one seed per case")
        fig.savefig(args.out / "figure.png")
        plt.close(fig)
    print((args.out / "table.md").read_text())


if __name__ == "__main__":
    main()
