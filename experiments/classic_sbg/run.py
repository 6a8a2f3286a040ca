"""sBG retention from the agent engine against Fader & Hardie (2007): table and figure.

    python experiments/classic_sbg/run.py [--out DIR] [--runs DIR]

Runs ``experiment=classic_sbg`` (100,000 customers, yearly renewals for 10 years) for the
published "regular" cohort fit and two random parameter pairs; refits the sBG model to each
simulated cohort; writes ``table.csv``/``table.md`` (survival and retention by year),
``fits.csv``/``fits.md`` (parameters and customer value) and ``figure.png``.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.analysis.clv import fit_sbg, sbg_retention, sbg_survival
from sim.classic.contractual import lifetime_value_moments, tenure_margins
from sim.report.style import HIGHLIGHT, PALETTE, deck_figure, deck_style, footnote
from sim.study import simulate, study_arguments, write_table

N, YEARS, MARGIN, RATE = 100_000, 10, 100.0, 0.10
REGULAR_ACTIVE_PERCENT = [63.1, 46.8, 38.2, 32.6, 28.9, 26.2, 24.1]  # Fader & Hardie (2007), years 1-7


def cases() -> list[tuple[str, float, float]]:
    rng = np.random.default_rng(7)  # fixed: the table is reproducible
    return [("regular (F&H 2007)", 0.704, 1.182)] + [
        (f"random {k}", round(float(rng.uniform(0.2, 3)), 3), round(float(rng.uniform(0.2, 5)), 3)) for k in (1, 2)
    ]


def main() -> None:
    args = study_arguments(__doc__, Path(__file__).resolve().parent)
    t = np.arange(1, YEARS + 1)
    rows, fits, curves = [], [], []
    for i, (label, alpha, beta) in enumerate(cases()):
        result = simulate(["experiment=classic_sbg", f"classic.alpha={alpha}", f"classic.beta={beta}",
                           f"customers.initial={N}", f"horizon.weeks={52 * YEARS}", f"classic.margin={MARGIN}",
                           f"classic.discount_rate={RATE}", f"seed={i + 1}"], args.runs / f"case{i}")
        active = result.timeseries["active"].to_numpy()[51::52]
        survival = active / N
        theory = sbg_survival(t, alpha, beta)
        retention, r_theory = survival / np.r_[1.0, survival[:-1]], sbg_retention(t, alpha, beta)
        for k in range(YEARS):
            rows.append({
                "case": label, "year": int(t[k]),
                "published %": REGULAR_ACTIVE_PERCENT[k] if i == 0 and k < 7 else np.nan,
                "S(t) theory %": 100 * theory[k], "S(t) simulated %": 100 * survival[k],
                "SE %": 100 * np.sqrt(theory[k] * (1 - theory[k]) / N),
                "retention theory": r_theory[k], "retention simulated": retention[k],
            })
        refit = fit_sbg(np.r_[N, active])
        value, sd = lifetime_value_moments(theory, tenure_margins(MARGIN, [], YEARS), RATE)
        fits.append({
            "case": label, "alpha": alpha, "beta": beta, "alpha refit": refit.alpha, "beta refit": refit.beta,
            "value theory": value, "mean_clv simulated": result.summary["mean_clv_to_horizon"],
            "value SE": sd / np.sqrt(N),
        })
        curves.append((label, survival, theory, retention, r_theory))
    write_table(pd.DataFrame(rows), args.out, "table")
    write_table(pd.DataFrame(fits), args.out, "fits")

    with deck_style():
        fig, axes = deck_figure(1, 2)
        for i, (label, survival, theory, retention, r_theory) in enumerate(curves):
            colour = HIGHLIGHT if i == 0 else PALETTE[i]
            axes[0].plot(np.r_[0, t], np.r_[1, theory], color=colour, lw=1.5)
            axes[0].plot(t, survival, "o", color=colour, label=label)
            axes[1].plot(t, r_theory, color=colour, lw=1.5)
            axes[1].plot(t, retention, "o", color=colour, label=label)
        axes[0].plot(np.arange(1, 8), np.array(REGULAR_ACTIVE_PERCENT) / 100, "x", color="#333333", ms=9,
                     label="published data (regular)")
        axes[0].set(xlabel="years since acquisition", ylabel="share still active", ylim=(0, 1.02),
                    title="Survival: simulated (dots) vs S(t)")
        axes[0].legend(loc="upper right", fontsize=10)
        axes[1].set(xlabel="year", ylabel="retention rate S(t)/S(t-1)", title="Retention rises with cohort age")
        footnote(fig, f"experiment=classic_sbg, {N:,} customers, yearly periods, one seed per case")
        fig.savefig(args.out / "figure.png")
        plt.close(fig)
    print((args.out / "fits.md").read_text())


if __name__ == "__main__":
    main()
