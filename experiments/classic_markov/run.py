"""Pfeifer-Carraway Markov customer value from the agent engine: table and figure.

    python experiments/classic_markov/run.py [--out DIR] [--runs DIR]

Runs ``experiment=classic_markov`` (100,000 customers who have just bought, yearly periods,
30 years) for the paper's example (d = 0.1, purchase probabilities 0.5, 0.2, 0.1, 0, reward
100: V1 = 231.08) and two random chains; writes ``table.csv``/``table.md`` and ``figure.png``
(how the discounted value per customer accumulates, and where the cohort is each year). The
cohort bought in week -1 (the reward of period 0) and decides at the end of each of the 30
periods, so the reward plus the simulated ``mean_clv_to_horizon`` is compared with V1 over 31
periods (exact, by backward recursion); the infinite-horizon V1 is shown too (the paper's chain
loses everyone, so the two agree there).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.analysis.clv import markov_clv
from sim.classic.markov import markov_value_moments
from sim.report.style import HIGHLIGHT, PALETTE, deck_figure, deck_style, footnote
from sim.study import simulate, study_arguments, write_table

N, YEARS = 100_000, 30


def cases() -> list[tuple[str, list[float], float, float]]:
    rng = np.random.default_rng(5)  # fixed: the table is reproducible
    out = [("Pfeifer & Carraway (2000)", [0.5, 0.2, 0.1, 0.0], 100.0, 0.1)]
    for k in (1, 2):
        states = int(rng.integers(3, 6))
        out.append((f"random {k}", [round(float(v), 3) for v in rng.uniform(0.05, 0.8, size=states)],
                    round(float(rng.uniform(20, 300)), 1), round(float(rng.uniform(0.1, 0.25)), 3)))
    return out


def main() -> None:
    args = study_arguments(__doc__, Path(__file__).resolve().parent)
    rows, curves = [], []
    for i, (label, probs, reward, rate) in enumerate(cases()):
        result = simulate(["experiment=classic_markov", f"classic.purchase_probs=[{','.join(map(str, probs))}]",
                           f"classic.reward={reward}", f"classic.discount_rate={rate}", f"customers.initial={N}",
                           f"horizon.weeks={52 * YEARS}", f"seed={i + 1}"], args.runs / f"case{i}")
        closed = markov_clv(probs, reward, rate)
        # The cohort bought in week -1 (the reward of period 0) and decides at the end of each
        # of the YEARS periods simulated: V1 over YEARS + 1 periods.
        mean, sd = markov_value_moments(probs, reward, rate, YEARS + 1)
        se = sd / np.sqrt(N)
        clv = reward + result.summary["mean_clv_to_horizon"]
        rows.append({"case": label, "purchase probs": " ".join(map(str, probs)), "reward": reward, "d": rate,
                     "V (all states)": " ".join(f"{v:.2f}" for v in closed), "V1 closed form": float(closed[0]),
                     f"V1 over {YEARS + 1} periods": mean, "R + mean_clv simulated": clv, "MC SE": se,
                     "z": (clv - mean) / se})
        ts = result.timeseries
        yearly = ts["revenue"].to_numpy()[51::52] / N  # the decisions fall in weeks 51, 103, ...
        path = reward + np.cumsum(np.concatenate([[0.0], yearly * (1 + rate) ** -np.arange(1, YEARS + 1)]))
        partial = [markov_value_moments(probs, reward, rate, k)[0] for k in range(1, YEARS + 2)]
        curves.append((label, path, np.array(partial),
                       ts["active"].to_numpy()[::52] - ts["lapsing"].to_numpy()[::52], ts["lapsing"].to_numpy()[::52]))
    table = pd.DataFrame(rows)
    write_table(table, args.out, "table")

    with deck_style():
        fig, axes = deck_figure(1, 2)
        years = np.arange(YEARS + 1)
        for i, (label, sim_path, theory_path, _bought, _lapsing) in enumerate(curves):
            colour = HIGHLIGHT if i == 0 else PALETTE[i]
            axes[0].plot(years, theory_path, color=colour, lw=1.5)
            axes[0].plot(years, sim_path, "o", color=colour, ms=4, label=label)
        label, _, _, bought, lapsing = curves[0]
        axes[1].stackplot(years[:10], bought[:10] / N, lapsing[:10] / N, labels=["bought last period", "lapsing"],
                          colors=[PALETTE[0], PALETTE[1]])
        axes[0].set(xlabel="period", ylabel="discounted value per customer so far",
                    title="Simulated (dots) vs finite-horizon V1 (lines)")
        axes[0].legend(loc="lower right", fontsize=10)
        axes[1].set(xlabel="period", ylabel="share of the cohort", ylim=(0, 1), title=f"{label}: cohort by state")
        axes[1].legend(loc="upper right", fontsize=10)
        footnote(fig, f"experiment=classic_markov, {N:,} customers, yearly periods, {YEARS} years, one seed per case")
        fig.savefig(args.out / "figure.png")
        plt.close(fig)
    print((args.out / "table.md").read_text())


if __name__ == "__main__":
    main()
