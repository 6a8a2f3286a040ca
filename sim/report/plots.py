"""Standard charts of one run, as free functions ``plot_x(data, ..., ax=None) -> Axes``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.ledger import CATEGORIES
from sim.report.style import HIGHLIGHT, PALETTE, currency, deck_figure, deck_style, footnote, thousands

if TYPE_CHECKING:  # pragma: no cover
    from sim.record import RunResult

__all__ = [
    "plot_lifecycle_states",
    "plot_profit_by_category",
    "plot_cohort_retention",
    "plot_acquisition_vs_retention",
    "save_run_plots",
]


def _ax(ax):
    return ax if ax is not None else deck_figure()[1]


def plot_lifecycle_states(timeseries: pd.DataFrame, ax=None):
    """Customers by lifecycle state per week: aware prospects, active, lapsing, churned so far."""
    ax = _ax(ax)
    ts = timeseries
    weeks = ts["week"].to_numpy()
    active_only = ts["active"] - ts["lapsing"]
    ax.stackplot(weeks, active_only, ts["lapsing"], labels=["active", "lapsing"], colors=PALETTE[:2], alpha=0.9)
    ax.plot(weeks, ts["aware"], color=PALETTE[3], lw=2, label="aware prospects")
    ax.plot(weeks, (ts["churned"] - ts["won_back"]).cumsum(), color=HIGHLIGHT, lw=2, label="churned (net of won back)")
    ax.set(xlabel="week", ylabel="people", title="Customers by lifecycle state")
    ax.yaxis.set_major_formatter(thousands)
    ax.legend(loc="upper left")
    return ax


def plot_profit_by_category(timeseries: pd.DataFrame, ax=None, period_weeks: int = 4):
    """Profit per period stacked by ledger category: margin above zero, costs below, profit line.

    Parameters
    ----------
    period_weeks : int
        Weeks summed into one bar, so that long runs stay readable.
    """
    ax = _ax(ax)
    ts = timeseries.copy()
    ts["period"] = ts["week"] // period_weeks
    g = ts.groupby("period").sum(numeric_only=True)
    x = g.index.to_numpy() * period_weeks
    ax.bar(x, g["gross_margin"], width=period_weeks * 0.9, color=PALETTE[2], label="gross margin", align="edge")
    bottom = np.zeros(len(g))
    costs = [c for c in CATEGORIES if c.group != "gross_margin" and g[c.name].abs().sum() > 0]
    for i, cat in enumerate(costs):
        signed = -cat.sign * g[cat.name].to_numpy()
        ax.bar(x, -signed, bottom=bottom, width=period_weeks * 0.9, align="edge",
               color=PALETTE[(i + 3) % len(PALETTE)], label=cat.name.replace("_", " "))
        bottom -= signed
    ax.plot(x + period_weeks / 2, g["profit"], color=HIGHLIGHT, lw=2.5, label="profit")
    ax.axhline(0, color="#333333", lw=0.8)
    ax.set(xlabel="week", ylabel=f"currency units per {period_weeks} weeks", title="Profit by ledger category")
    ax.yaxis.set_major_formatter(currency)
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=11)
    return ax


def plot_cohort_retention(cohorts: pd.DataFrame, ax=None, max_cohorts: int = 8):
    """Share of each acquisition cohort still a customer, by weeks since the cohort began."""
    ax = _ax(ax)
    new = cohorts[~cohorts["initial_base"] & (cohorts["cohort_size"] > 0)]
    ids = sorted(new["cohort"].unique())
    step = max(1, len(ids) // max_cohorts)
    for i, k in enumerate(ids[::step]):
        c = new[new["cohort"] == k]
        ax.plot(c["age_weeks"], c["active"] / c["cohort_size"], color=PALETTE[i % len(PALETTE)],
                label=f"from week {int(c['cohort_start_week'].iloc[0])}")
    base = cohorts[cohorts["initial_base"]]
    if len(base) and base["cohort_size"].iloc[0] > 0:
        ax.plot(base["age_weeks"], base["active"] / base["cohort_size"], color=HIGHLIGHT, lw=2.5, label="initial base")
    ax.set(xlabel="weeks since cohort start", ylabel="share still a customer", title="Cohort retention", ylim=(0, 1.05))
    ax.legend(loc="upper right", fontsize=11, ncol=2)
    return ax


def plot_acquisition_vs_retention(summary: dict, ax=None):
    """What acquisition and retention each cost, and the profit each side of the business made."""
    ax = _ax(ax)
    labels = ["new customers", "retained base"]
    spend = [summary["acquisition_spend"], summary["retention_spend"]]
    profit = [summary["profit_from_new"], summary["profit_from_retained"]]
    x = np.arange(2)
    ax.bar(x - 0.2, spend, width=0.4, color=PALETTE[1], label="spend (acquisition / retention)")
    ax.bar(x + 0.2, profit, width=0.4, color=[PALETTE[0], HIGHLIGHT], label="profit")
    for xi, v in zip(x + 0.2, profit):
        ax.annotate(currency(v, None), (xi, v), ha="center", va="bottom" if v >= 0 else "top", fontsize=12)
    ax.set_xticks(x, labels)
    ax.axhline(0, color="#333333", lw=0.8)
    ax.set(ylabel="currency units", title="Acquisition spend vs retention profit")
    ax.yaxis.set_major_formatter(currency)
    ax.legend(loc="upper left")
    return ax


def save_run_plots(result: "RunResult", directory: Path) -> list[Path]:
    """Draw the standard charts of a run as PNG files in ``directory``."""
    directory = Path(directory)
    cfg = result.config
    note = (f"scenario: loyalty={cfg.loyalty.name}, pricing={cfg.pricing.name}, service={cfg.service.name}, "
            f"acquisition={cfg.acquisition.name}; seed {cfg.seed}; {cfg.horizon.weeks} weeks")
    charts = {
        "lifecycle_states": lambda ax: plot_lifecycle_states(result.timeseries, ax),
        "profit_by_category": lambda ax: plot_profit_by_category(result.timeseries, ax),
        "cohort_retention": lambda ax: plot_cohort_retention(result.cohorts, ax),
        "acquisition_vs_retention": lambda ax: plot_acquisition_vs_retention(result.summary, ax),
    }
    paths = []
    with deck_style():
        for name, draw in charts.items():
            fig, ax = deck_figure()
            draw(ax)
            footnote(fig, note)
            path = directory / f"{name}.png"
            fig.savefig(path)
            plt.close(fig)
            paths.append(path)
    return paths
