"""BG/NBD and Gamma-Gamma from the agent engine: refitting the exported log, table and figure.

    python experiments/classic_bgnbd/run.py [--out DIR] [--runs DIR]

Runs ``experiment=classic_bgnbd`` (20,000 customers, 78 weeks, transactions exported) with the
published CDNOW parameters and two random sets; fits BG/NBD (:func:`sim.analysis.clv.fit_bgnbd`)
to the log with exact purchase times and, for contrast, with times rounded to the start or the
middle of their week, and Gamma-Gamma (:func:`sim.analysis.clv.fit_gamma_gamma`) to the spend;
writes ``table.csv``/``table.md`` (truth, estimate, standard error, z) and ``figure.png``.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.analysis.clv import (
    bgnbd_expected_unconditional,
    bgnbd_log_likelihood,
    fit_bgnbd,
    fit_gamma_gamma,
    gamma_gamma_log_likelihood,
)
from sim.calibration.fit import log_parameter_covariance
from sim.classic.bgnbd import summarize_log
from sim.report.style import HIGHLIGHT, PALETTE, deck_figure, deck_style, footnote
from sim.study import simulate, study_arguments, write_table

N, WEEKS = 20_000, 78
NAMES = ("r", "alpha", "a", "b", "spend_p", "spend_q", "spend_gamma")


def cases() -> list[tuple[str, tuple[float, ...]]]:
    rng = np.random.default_rng(3)  # fixed: the table is reproducible
    out = [("CDNOW (FHL 2005)", (0.243, 4.414, 0.793, 2.426, 6.25, 3.74, 15.44))]
    for k in (1, 2):
        out.append((f"random {k}", tuple(round(float(v), 3) for v in (
            rng.uniform(0.2, 1.5), rng.uniform(2, 12), rng.uniform(0.4, 1.5), rng.uniform(1, 5),
            rng.uniform(2, 10), rng.uniform(2, 8), rng.uniform(5, 50)))))
    return out


def fit_with_errors(fit_params, log_likelihood) -> tuple[np.ndarray, np.ndarray]:
    """Estimates and standard errors of their logs (inverse observed information)."""
    log_estimate = np.log(fit_params)
    cov = log_parameter_covariance(lambda v: log_likelihood(np.exp(v)).sum(), log_estimate)
    return np.exp(log_estimate), np.sqrt(np.diag(cov))


def main() -> None:
    args = study_arguments(__doc__, Path(__file__).resolve().parent)
    rows, curves, recoveries = [], [], []
    for i, (label, truth) in enumerate(cases()):
        overrides = ["experiment=classic_bgnbd", f"customers.initial={N}", f"horizon.weeks={WEEKS}", f"seed={i + 1}"]
        overrides += [f"classic.{name}={value}" for name, value in zip(NAMES, truth)]
        result = simulate(overrides, args.runs / f"case{i}")
        tx = result.transactions
        summary = summarize_log(tx, WEEKS)
        x, t_x, T = summary["x"].to_numpy(), summary["t_x"].to_numpy(), summary["T"].to_numpy()
        last_week = tx.groupby("customer_id")["week"].max().to_numpy().astype(float)
        timings = {"exact": t_x, "week start": np.where(x > 0, last_week, 0.0),
                   "mid-week": np.where(x > 0, np.minimum(last_week + 0.5, WEEKS), 0.0)}
        for timing, times in timings.items():
            fit = fit_bgnbd(x, times, T)
            estimate, se = fit_with_errors(
                fit.params, lambda v, x=x, times=times, T=T: bgnbd_log_likelihood(v, x, times, T))
            for k in range(4):
                z = (np.log(estimate[k]) - np.log(truth[k])) / se[k]
                rows.append({"case": label, "times": timing, "parameter": NAMES[k], "truth": truth[k],
                             "estimate": estimate[k], "SE of log": se[k], "z": z})
            if timing in ("exact", "week start"):
                recoveries.append((label, timing, estimate / np.array(truth[:4]), se))
        spend = fit_gamma_gamma(summary["purchases"], summary["mean_spend"])
        estimate, se = fit_with_errors(spend.params, lambda v, summary=summary: gamma_gamma_log_likelihood(
            v, summary["purchases"], summary["mean_spend"]))
        for k in range(3):
            rows.append({"case": label, "times": "(spend)", "parameter": NAMES[4 + k], "truth": truth[4 + k],
                         "estimate": estimate[k], "SE of log": se[k],
                         "z": (np.log(estimate[k]) - np.log(truth[4 + k])) / se[k]})
        repeat = tx.groupby("week")["occasions"].sum().reindex(range(WEEKS), fill_value=0).to_numpy().copy()
        repeat[0] -= N  # the first purchases
        curves.append((label, np.cumsum(repeat) / N, bgnbd_expected_unconditional(np.arange(1, WEEKS + 1), truth[:4])))
    table = pd.DataFrame(rows)
    write_table(table, args.out, "table")

    with deck_style():
        fig, axes = deck_figure(1, 2)
        weeks = np.arange(1, WEEKS + 1)
        for i, (label, simulated, theory) in enumerate(curves):
            colour = HIGHLIGHT if i == 0 else PALETTE[i]
            axes[0].plot(weeks, theory, color=colour, lw=1.5)
            axes[0].plot(weeks[::3], simulated[::3], "o", color=colour, ms=4, label=label)
        axes[0].set(xlabel="weeks since first purchase", ylabel="repeat purchases per customer",
                    title="Simulated (dots) vs E[X(t)] (lines)")
        axes[0].legend(loc="upper left", fontsize=10)
        for j, (label, timing, ratio, se) in enumerate(recoveries):
            x = np.arange(4) + (j - len(recoveries) / 2) * 0.12
            style = "o" if timing == "exact" else "x"
            colour = HIGHLIGHT if label.startswith("CDNOW") else PALETTE[1 + j // 2]
            axes[1].errorbar(x, ratio, yerr=2 * se * ratio, fmt=style, color=colour, ms=6,
                             label=label if timing == "exact" else None)
        axes[1].axhline(1.0, color="#333333", lw=0.8)
        axes[1].set_xticks(range(4), ["r", "alpha", "a", "b"])
        axes[1].set(ylabel="estimate / truth (+-2 SE)", title="Refit: exact times (o), week start (x)")
        axes[1].legend(loc="upper right", fontsize=9)
        footnote(fig, f"experiment=classic_bgnbd, {N:,} customers, {WEEKS} weeks, seeds 1-3")
        fig.savefig(args.out / "figure.png")
        plt.close(fig)
    print((args.out / "table.md").read_text())


if __name__ == "__main__":
    main()
