"""Bass diffusion from the one agent engine (the ``bass`` preset) against Bass (1969): table and figure.

    python experiments/classic_bass/run.py [--out DIR] [--runs DIR]

Runs ``experiment=classic_bass`` for room air conditioners, the meta-analysis means and one
random pair of coefficients, each in a market of 10^6 for 20 years, and writes ``table.csv``,
``table.md`` and ``figure.png`` to ``--out`` (default: this folder) and the run directories to
``--runs`` (default ``outputs/classic_bass``).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy.ndimage import gaussian_filter1d

from sim.analysis.clv import bass_cdf, bass_held_hazard, bass_held_hazard_sd, bass_peak_time
from sim.classic.presets import WEEKS_PER_YEAR
from sim.report.style import HIGHLIGHT, PALETTE, deck_figure, deck_style, footnote
from sim.study import simulate, study_arguments, write_table

POTENTIAL = 1_000_000
WEEKS = 1040
SMOOTHING_WEEKS = 26  # Gaussian kernel SD for the smoothed adoption curve


def cases() -> list[tuple[str, float, float]]:
    rng = np.random.default_rng(2024)  # the random case is fixed so that the table is reproducible
    return [
        ("room air conditioners (Bass 1969)", 0.0104, 0.4186),
        ("meta-analysis means (Sultan et al. 1990)", 0.03, 0.38),
        ("random", round(float(rng.uniform(0.005, 0.05)), 4), round(float(rng.uniform(0.1, 0.8)), 4)),
    ]


def main() -> None:
    args = study_arguments(__doc__, Path(__file__).resolve().parent)
    rows, curves = [], []
    for i, (label, p, q) in enumerate(cases()):
        result = simulate(["experiment=classic_bass", f"classic.p={p}", f"classic.q={q}",
                           f"market.potential={POTENTIAL}", f"horizon.weeks={WEEKS}", f"seed={i + 1}"],
                          args.runs / f"case{i}")
        ts = result.timeseries
        share = ts["cumulative_adopters"].to_numpy() / POTENTIAL
        years = (ts["week"].to_numpy() + 1) / WEEKS_PER_YEAR
        continuous = bass_cdf(years, p, q)
        # The engine holds each week's hazard over the week: its closed form is the weekly recursion.
        weekly = bass_held_hazard(WEEKS, p / WEEKS_PER_YEAR, q / WEEKS_PER_YEAR)
        theory = weekly[1:]
        sd = bass_held_hazard_sd(WEEKS, p / WEEKS_PER_YEAR, q / WEEKS_PER_YEAR, POTENTIAL)[1:]
        expected = np.diff(weekly) * POTENTIAL
        adoptions = ts["adoptions"].to_numpy()
        smoothed = gaussian_filter1d(adoptions.astype(float), SMOOTHING_WEEKS, mode="nearest")
        k_star = int(np.argmax(expected))
        # The smoothed peak of the path: where it first reaches the expected share mid-way through week k*.
        crossing = int(np.argmax(share >= theory[k_star] - expected[k_star] / POTENTIAL / 2)) if q > p else 0
        rows.append({
            "case": label, "p": p, "q": q, "potential": POTENTIAL,
            "max dev F_sim - F_weekly": float(np.abs(share - theory).max()),
            "max MC SD": float(sd.max()),
            "max dev / SD": float(np.max(np.abs(share - theory) / sd)),
            "max F_weekly - F(t)": float(np.abs(theory - continuous).max()),
            "max dev F_sim - F(t)": float(np.abs(share - continuous).max()),
            "t* (weeks)": float(WEEKS_PER_YEAR * bass_peak_time(p, q)),
            "expected peak week": k_star,
            "simulated peak week": crossing,
            "smoothed argmax week": int(np.argmax(smoothed)),
            "timing SD (weeks)": float(sd[k_star] / (expected[k_star] / POTENTIAL)),
            "peak adoptions/week theory": float(POTENTIAL * (p + q) ** 2 / (4 * q) / WEEKS_PER_YEAR),
            "peak adoptions/week smoothed": float(smoothed.max()),
            "revenue per adopter": float(result.summary["revenue"] / result.summary["customers_acquired"]),
        })
        curves.append((label, years, share, theory, sd, adoptions, smoothed, expected, continuous))
    table = pd.DataFrame(rows)
    write_table(table, args.out, "table")

    with deck_style():
        fig, axes = deck_figure(1, 3)
        for i, (label, years, share, theory, sd, adoptions, smoothed, expected, _) in enumerate(curves):
            colour = PALETTE[i] if i else HIGHLIGHT
            axes[0].plot(years, theory, color=colour, lw=1.5)
            axes[0].plot(years[::26], share[::26], "o", color=colour, ms=4, label=label)
            axes[1].fill_between(years, -2 * sd, 2 * sd, color=colour, alpha=0.15, lw=0)
            axes[1].plot(years, share - theory, color=colour, lw=1)
            axes[2].plot(years, adoptions, color=colour, lw=0.5, alpha=0.35)
            axes[2].plot(years, smoothed, color=colour, lw=2)
            axes[2].plot(years, expected, color="#333333", lw=1, ls=":")
        label, years, _, theory, *_, continuous = curves[0]
        axes[1].plot(years, theory - continuous, color=HIGHLIGHT, ls="--", lw=1.5,
                     label="weekly form - continuous F(t) (AC)")
        axes[0].set(xlabel="years since launch", ylabel="adopted share", title="Simulated (dots) vs weekly Bass")
        axes[0].legend(loc="upper left", fontsize=9)
        axes[1].set(xlabel="years since launch", ylabel="simulated - weekly form",
                    title="Deviation, band = 2 MC SD")
        axes[1].legend(loc="lower right", fontsize=9)
        axes[2].set(xlabel="years since launch", ylabel="adoptions per week", title="Weekly adoptions")
        axes[2].text(0.98, 0.97, f"thin: weekly; thick: smoothed ({SMOOTHING_WEEKS} wk)\ndotted: expected",
                     transform=axes[2].transAxes, ha="right", va="top", fontsize=9)
        footnote(fig, f"experiment=classic_bass, market.potential={POTENTIAL:,}, {WEEKS} weeks, seeds 1-3")
        fig.savefig(args.out / "figure.png")
        plt.close(fig)
    print((args.out / "table.md").read_text())


if __name__ == "__main__":
    main()
