"""BG/NBD from the agent engine: simulated purchases, no-repeat share and survival against the closed forms.

    python experiments/classic_bgnbd/run.py [--out DIR] [--runs DIR]

Runs ``experiment=classic_bgnbd`` (20,000 customers, 78 weeks) with the published CDNOW fit and
three random parameter sets; compares, after 13, 39 and 78 weeks, the mean cumulative repeat
purchases per customer with E[X(t)] (:func:`bgnbd_expected_unconditional`), the share with no
repeat purchase with ``(alpha / (alpha + t))^r`` (:func:`bgnbd_prob_no_repeat`) and the share not
yet gone with :func:`bgnbd_survival`; writes ``table.csv``/``table.md`` and ``figure.png``.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.analysis.clv import bgnbd_expected_unconditional, bgnbd_prob_no_repeat, bgnbd_survival
from sim.report.style import HIGHLIGHT, PALETTE, deck_figure, deck_style, footnote
from sim.study import simulate, study_arguments, write_table

N, WEEKS, CHECKPOINTS = 20_000, 78, (13, 39, 78)
NAMES = ("r", "alpha", "a", "b")


def cases() -> list[tuple[str, tuple[float, ...]]]:
    rng = np.random.default_rng(3)  # fixed: the table is reproducible
    out = [("CDNOW (FHL 2005)", (0.243, 4.414, 0.793, 2.426))]
    for k in (1, 2, 3):
        out.append((f"random {k}", tuple(round(float(v), 3) for v in (
            rng.uniform(0.2, 2.0), rng.uniform(2, 20), rng.uniform(0.4, 3.0), rng.uniform(1, 8)))))
    return out


def _rows(label: str, truth: tuple[float, ...], tx: pd.DataFrame, alive: np.ndarray) -> list[dict]:
    """The table's rows of one case: each checkpoint's simulated and closed-form figures."""
    rows = []
    first = np.sort(tx.groupby("customer_id")["week"].min().to_numpy())
    for t in CHECKPOINTS:
        counts = np.zeros(N)
        upto = tx[tx["week"] < t].groupby("customer_id")["occasions"].sum()
        counts[upto.index.to_numpy()] = upto.to_numpy()
        se = counts.std(ddof=1) / np.sqrt(N)  # customers are independent
        expected = float(bgnbd_expected_unconditional(t, truth))
        none = 1.0 - np.searchsorted(first, t, side="left") / N
        rows.append({"case": label, **dict(zip(NAMES, truth)), "week": t, "purchases simulated": counts.mean(),
                     "SE": se, "E[X(t)]": expected, "z": (counts.mean() - expected) / se,
                     "no repeat simulated": none, "P(X(t)=0)": float(bgnbd_prob_no_repeat(t, truth)),
                     "alive simulated": alive[t - 1], "P(alive at t)": float(bgnbd_survival(t, truth))})
    return rows


def main() -> None:
    args = study_arguments(__doc__, Path(__file__).resolve().parent)
    rows, curves = [], []
    weeks = np.arange(1, WEEKS + 1)
    for i, (label, truth) in enumerate(cases()):
        overrides = ["experiment=classic_bgnbd", f"customers.initial={N}", f"horizon.weeks={WEEKS}",
                     f"seed={i + 1}", *(f"classic.{k}={v}" for k, v in zip(NAMES, truth))]
        result = simulate(overrides, args.runs / f"case{i}")
        tx = result.transactions
        per_week = tx.groupby("week")["occasions"].sum().reindex(range(WEEKS), fill_value=0)
        alive = result.cohorts[result.cohorts["initial_base"]]["active"].to_numpy() / N
        rows += _rows(label, truth, tx, alive)
        curves.append((label, np.cumsum(per_week.to_numpy()) / N, bgnbd_expected_unconditional(weeks, truth), alive,
                       bgnbd_survival(weeks, truth)))
    write_table(pd.DataFrame(rows), args.out, "table")

    with deck_style():
        fig, axes = deck_figure(1, 2)
        for i, (label, simulated, expected, alive, survival) in enumerate(curves):
            colour = HIGHLIGHT if i == 0 else PALETTE[i]
            axes[0].plot(weeks, expected, color=colour, lw=1.5)
            axes[0].plot(weeks[::3], simulated[::3], "o", color=colour, ms=4, label=label)
            axes[1].plot(weeks, survival, color=colour, lw=1.5)
            axes[1].plot(weeks[::3], alive[::3], "o", color=colour, ms=4, label=label)
        axes[0].set(xlabel="weeks since first purchase", ylabel="repeat purchases per customer",
                    title="Simulated (dots) vs E[X(t)] (lines)")
        axes[1].set(xlabel="weeks since first purchase", ylabel="share not yet gone",
                    title="Simulated vs P(alive at t)")
        axes[0].legend(loc="upper left", fontsize=10)
        footnote(fig, f"experiment=classic_bgnbd, {N:,} customers, {WEEKS} weeks, seeds 1-4")
        fig.savefig(args.out / "figure.png")
        plt.close(fig)
    print((args.out / "table.md").read_text())


if __name__ == "__main__":
    main()
