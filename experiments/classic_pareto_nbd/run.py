"""Pareto/NBD from the agent engine: simulated purchases and survival against the closed forms.

    python experiments/classic_pareto_nbd/run.py [--out DIR] [--runs DIR]

Runs ``experiment=classic_pareto_nbd`` (20,000 customers, 78 weeks) with the published CDNOW fit
and three random parameter sets; compares, after 13, 39 and 78 weeks, the mean cumulative
purchases per customer with the weekly sum (:func:`pareto_nbd_expected_per_period`) and the
continuous closed form (:func:`pareto_nbd_expected_unconditional`), and the share alive with
``(beta / (beta + t))^s``; writes ``table.csv``/``table.md`` and ``figure.png``.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.analysis.clv import pareto_nbd_expected_per_period, pareto_nbd_expected_unconditional, pareto_nbd_survival
from sim.report.style import HIGHLIGHT, PALETTE, deck_figure, deck_style, footnote
from sim.study import simulate, study_arguments, write_table

N, WEEKS, CHECKPOINTS = 20_000, 78, (13, 39, 78)
NAMES = ("r", "alpha", "s", "beta")


def cases() -> list[tuple[str, tuple[float, ...]]]:
    rng = np.random.default_rng(5)  # fixed: the table is reproducible
    out = [("CDNOW (FHL 2005)", (0.553, 10.578, 0.606, 11.669))]
    for k in (1, 2, 3):
        out.append((f"random {k}", tuple(round(float(v), 3) for v in (
            rng.uniform(0.2, 2.0), rng.uniform(2, 20), rng.uniform(0.3, 2.0), rng.uniform(3, 30)))))
    return out


def main() -> None:
    args = study_arguments(__doc__, Path(__file__).resolve().parent)
    rows, curves = [], []
    for i, (label, truth) in enumerate(cases()):
        overrides = ["experiment=classic_pareto_nbd", f"customers.initial={N}", f"horizon.weeks={WEEKS}",
                     f"seed={i + 1}", *(f"classic.{k}={v}" for k, v in zip(NAMES, truth))]
        result = simulate(overrides, args.runs / f"case{i}")
        per_week = result.transactions.groupby("week")["occasions"].sum().reindex(range(WEEKS), fill_value=0)
        simulated = np.cumsum(per_week.to_numpy()) / N
        alive = result.cohorts[result.cohorts["initial_base"]]["active"].to_numpy() / N
        weekly = pareto_nbd_expected_per_period(WEEKS, *truth)
        weeks = np.arange(1, WEEKS + 1)
        continuous = pareto_nbd_expected_unconditional(weeks, *truth)
        tx = result.transactions
        for t in CHECKPOINTS:
            counts = np.zeros(N)
            upto = tx[tx["week"] < t].groupby("customer_id")["occasions"].sum()
            counts[upto.index.to_numpy()] = upto.to_numpy()
            se = counts.std(ddof=1) / np.sqrt(N)  # customers are independent
            rows.append({"case": label, **dict(zip(NAMES, truth)), "week": t,
                         "purchases simulated": simulated[t - 1], "SE": se,
                         "z vs weekly": (simulated[t - 1] - weekly[t - 1]) / se, "purchases weekly E[X]": weekly[t - 1],
                         "purchases continuous E[X]": continuous[t - 1], "alive simulated": alive[t - 1],
                         "alive (beta/(beta+t))^s": float(pareto_nbd_survival(t, truth[2], truth[3]))})
        curves.append((label, simulated, continuous, alive, pareto_nbd_survival(weeks, truth[2], truth[3])))
    write_table(pd.DataFrame(rows), args.out, "table")

    with deck_style():
        fig, axes = deck_figure(1, 2)
        weeks = np.arange(1, WEEKS + 1)
        for i, (label, simulated, continuous, alive, survival) in enumerate(curves):
            colour = HIGHLIGHT if i == 0 else PALETTE[i]
            axes[0].plot(weeks, continuous, color=colour, lw=1.5)
            axes[0].plot(weeks[::3], simulated[::3], "o", color=colour, ms=4, label=label)
            axes[1].plot(weeks, survival, color=colour, lw=1.5)
            axes[1].plot(weeks[::3], alive[::3], "o", color=colour, ms=4, label=label)
        axes[0].set(xlabel="weeks", ylabel="purchases per customer", title="Simulated (dots) vs E[X(t)] (lines)")
        axes[1].set(xlabel="weeks", ylabel="share alive", title="Simulated vs (beta / (beta + t))^s")
        axes[0].legend(loc="upper left", fontsize=10)
        footnote(fig, f"experiment=classic_pareto_nbd, {N:,} customers, {WEEKS} weeks, seeds 1-4")
        fig.savefig(args.out / "figure.png")
        plt.close(fig)
    print((args.out / "table.md").read_text())


if __name__ == "__main__":
    main()
