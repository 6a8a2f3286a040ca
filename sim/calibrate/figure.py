"""The calibration figure: holdout tracking and conditional expectations by frequency."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["plot"]


def plot(report: dict[str, Any], path: Path) -> None:
    """Weekly cumulative holdout transactions and the comparison by calibration frequency."""
    import matplotlib.pyplot as plt

    from sim.report.style import HIGHLIGHT, PALETTE, deck_figure, deck_style, footnote

    h = report["holdout"]
    weeks = np.arange(1, report["holdout_weeks"] + 1)
    groups = pd.DataFrame(report["by_frequency"])
    with deck_style():
        fig, axes = deck_figure(1, 2)
        axes[0].plot(weeks, h["actual"]["weekly_cumulative"], color="#333333", lw=2.5, label="actual")
        band = np.asarray(h["agent_model"]["weekly_cumulative_interval_90"])
        axes[0].fill_between(weeks, band[:, 0], band[:, 1], color=HIGHLIGHT, alpha=0.15, lw=0, label="agent model 90%")
        axes[0].plot(weeks, h["agent_model"]["weekly_cumulative"], color=HIGHLIGHT, lw=2, label="agent model")
        axes[0].plot(weeks, h["bgnbd"]["weekly_cumulative"], color=PALETTE[0], lw=2, ls="--", label="BG/NBD")
        axes[0].set(xlabel="weeks after calibration", ylabel="cumulative repeat transactions", title="Holdout tracking")
        axes[0].legend(loc="upper left")
        pos = np.arange(len(groups))
        axes[1].bar(pos - 0.27, groups["actual_mean"], width=0.27, color="#9C9C9C", label="actual")
        axes[1].bar(pos, groups["agent_model_mean"], width=0.27, color=HIGHLIGHT, label="agent model")
        axes[1].bar(pos + 0.27, groups["bgnbd_mean"], width=0.27, color=PALETTE[0], label="BG/NBD")
        axes[1].set_xticks(pos, groups["x"])
        axes[1].set(xlabel="repeat transactions in calibration", ylabel="holdout transactions per customer",
                    title="Conditional expectations by frequency")
        axes[1].legend(loc="upper left")
        footnote(fig, f"calibration {report['calibration_weeks']} weeks, holdout {report['holdout_weeks']} weeks, "
                      f"{report['customers']:,} customers, {h['agent_model']['replications']} replications")
        fig.savefig(path)
        plt.close(fig)
