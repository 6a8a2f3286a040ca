"""Standard charts of one run, as free functions ``plot_x(data, ..., ax=None) -> Axes``.

Each takes a plain table of a run directory (``timeseries``, ``cohorts``, ``customers``) or its
``summary`` dict, draws on ``ax`` (a new :func:`~sim.report.style.deck_figure` if None) and
returns the Axes. Money is in currency units of the scenario, time in weeks. Draw inside
:func:`~sim.report.style.deck_style`. :func:`save_run_plots` draws four of them into the
``plots/`` folder of every run directory.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.io import package_version
from sim.ledger import CATEGORIES
from sim.report.style import (
    HIGHLIGHT,
    PALETTE,
    currency,
    deck_figure,
    deck_style,
    footnote,
    footnote_text,
    format_count,
    format_money,
    format_share,
    legend_outside,
    percent,
    thousands,
)

if TYPE_CHECKING:  # pragma: no cover
    from sim.results import RunResult

__all__ = [
    "plot_lifecycle_states",
    "plot_profit_by_category",
    "plot_cohort_retention",
    "plot_acquisition_vs_retention",
    "funnel_stages",
    "plot_funnel",
    "cohort_width",
    "formed_cohorts",
    "scenario_label",
    "run_footnote",
    "save_run_plots",
]

# Bars per chart above which weekly profit is summed into longer periods.
_MAX_BARS = 70


def _ax(ax):
    return ax if ax is not None else deck_figure()[1]


def plot_lifecycle_states(timeseries: pd.DataFrame, ax=None):
    """Customers by lifecycle state per week: active, lapsing, aware prospects, churned so far.

    Parameters
    ----------
    timeseries : DataFrame
        The run's weekly series (``week, active, lapsing, aware, churned, won_back``).
    """
    ax = _ax(ax)
    ts = timeseries
    weeks = ts["week"].to_numpy()
    active_only = ts["active"] - ts["lapsing"]
    ax.stackplot(weeks, active_only, ts["lapsing"], labels=["active", "lapsing"], colors=PALETTE[:2], alpha=0.9)
    ax.plot(weeks, ts["aware"], color=PALETTE[3], lw=2, label="aware prospects")
    ax.plot(weeks, (ts["churned"] - ts["won_back"]).cumsum(), color=HIGHLIGHT, lw=2.5,
            label="churned so far\n(net of won back)")
    ax.set(xlabel="week", ylabel="people", title="Customers by lifecycle state")
    ax.yaxis.set_major_formatter(thousands)
    ax.set_xlim(weeks[0], weeks[-1])
    legend_outside(ax)
    return ax


def _period(weeks: int) -> int:
    return max(1, math.ceil(weeks / _MAX_BARS))


# One colour family per KPI group, so a cost reads as acquisition, retention or other at a glance.
_GROUP_COLOURS = {"acquisition": "Oranges", "retention": "Purples", "other": "Greys"}


def _category_colours(categories) -> dict[str, tuple]:
    out = {}
    for group, cmap in _GROUP_COLOURS.items():
        members = [c.name for c in categories if c.group == group]
        shades = plt.get_cmap(cmap)(np.linspace(0.25, 0.55, max(len(members), 2)))
        out.update(zip(members, shades))
    return out


def plot_profit_by_category(timeseries: pd.DataFrame, ax=None, period_weeks: int | None = None):
    """Profit per period stacked by ledger category: margin above zero, costs below, profit line.

    Costs are coloured by the KPI group they roll up to: acquisition (oranges), retention
    (purples), other costs (greys).

    Parameters
    ----------
    timeseries : DataFrame
        The run's weekly series, with one column per ledger category.
    period_weeks : int, optional
        Weeks summed into one bar; default the fewest that keep the chart under 70 bars.
    """
    ax = _ax(ax)
    period_weeks = period_weeks or _period(len(timeseries))
    ts = timeseries.copy()
    ts["period"] = ts["week"] // period_weeks
    g = ts.groupby("period").sum(numeric_only=True)
    x = g.index.to_numpy() * period_weeks
    width = period_weeks * 0.9
    ax.bar(x, g["gross_margin"], width=width, color=PALETTE[2], label="gross margin", align="edge")
    # Other inflows (e.g. partner funding) stack on top of the margin, costs below zero.
    top, bottom = g["gross_margin"].clip(lower=0).to_numpy(), np.zeros(len(g))
    flows = [c for c in CATEGORIES if c.group != "gross_margin" and c.name in g.columns and g[c.name].abs().sum() > 0]
    colours = _category_colours(flows)
    for cat in flows:
        amount = cat.sign * g[cat.name].to_numpy()
        base = top if cat.sign > 0 else bottom
        ax.bar(x, amount, bottom=base, width=width, align="edge", color=colours[cat.name],
               label=cat.name.replace("_", " "))
        if cat.sign > 0:
            top = top + amount
        else:
            bottom = bottom + amount
    ax.plot(x + period_weeks / 2, g["profit"], color=HIGHLIGHT, lw=2.5, label="profit")
    ax.axhline(0, color="#333333", lw=0.8)
    unit = "week" if period_weeks == 1 else f"{period_weeks} weeks"
    ax.set(xlabel="week", ylabel=f"currency units per {unit}", title="Profit by ledger category")
    ax.yaxis.set_major_formatter(currency)
    legend_outside(ax)
    return ax


def cohort_width(cohorts: pd.DataFrame) -> int:
    """Weeks of acquisition in one cohort (``output.cohort_weeks``), read from the cohort starts."""
    starts = np.unique(cohorts.loc[~cohorts["initial_base"], "cohort_start_week"])
    return int(np.diff(starts).min()) if starts.size > 1 else 1


def formed_cohorts(cohorts: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """New-customer cohorts from the week their acquisition window closed (when they are complete)."""
    width = cohort_width(cohorts)
    new = cohorts[~cohorts["initial_base"] & (cohorts["cohort_size"] > 0)]
    return new[new["age_weeks"] >= width - 1], width


def plot_cohort_retention(cohorts: pd.DataFrame, ax=None, max_cohorts: int = 8):
    """Share of each acquisition cohort still a customer, by weeks since the cohort began.

    A cohort is drawn from the week its acquisition window closes, so each curve starts at its
    full size rather than ramping up while it is still being acquired.

    Parameters
    ----------
    cohorts : DataFrame
        The run's cohort table (``cohort, cohort_start_week, initial_base, age_weeks,
        cohort_size, active``).
    max_cohorts : int
        Most new-customer cohorts drawn (evenly spaced); the initial base is always drawn.
    """
    ax = _ax(ax)
    formed, width = formed_cohorts(cohorts)
    ids = sorted(formed["cohort"].unique())
    ids = ids[:: max(1, math.ceil(len(ids) / max_cohorts))]
    shades = plt.get_cmap("Blues")(np.linspace(0.35, 0.95, max(len(ids), 1)))
    for colour, k in zip(shades, ids):
        c = formed[formed["cohort"] == k]
        start = int(c["cohort_start_week"].iloc[0])
        ax.plot(c["age_weeks"], c["active"] / c["cohort_size"], color=colour, lw=1.8,
                label=f"weeks {start}-{start + width - 1}")
    base = cohorts[cohorts["initial_base"]]
    if len(base) and base["cohort_size"].iloc[0] > 0:
        ax.plot(base["age_weeks"], base["active"] / base["cohort_size"], color=HIGHLIGHT, lw=3, label="initial base")
    ax.set(xlabel="weeks since the cohort's first week", ylabel="share still a customer", title="Cohort retention",
           ylim=(0, 1.02))
    ax.yaxis.set_major_formatter(percent)
    legend_outside(ax, title="acquired in")
    return ax


def plot_acquisition_vs_retention(summary: dict[str, Any], ax=None):
    """What new customers and the retained base each cost, and the profit each side of the business made.

    Costs are booked by who the customer is: new customers' spend is the acquisition spend plus
    what keeping them cost (``cost_to_keep_new``: their win-back and retention offers, loyalty
    costs and service); the retained base's is ``cost_to_keep_base``. Each profit is net of the
    spend beside it.

    Parameters
    ----------
    summary : dict
        The run's KPIs (``acquisition_spend, cost_to_keep_new, cost_to_keep_base,
        profit_from_new, profit_from_retained``), currency units.
    """
    ax = _ax(ax)
    x = np.arange(2)
    spend = [summary["acquisition_spend"] + summary["cost_to_keep_new"], summary["cost_to_keep_base"]]
    profit = [summary["profit_from_new"], summary["profit_from_retained"]]
    bars = [ax.bar(x - 0.2, spend, width=0.4, color=PALETTE[1], label="spend"),
            ax.bar(x + 0.2, profit, width=0.4, color=PALETTE[0], label="profit")]
    for group in bars:
        for rect in group:
            v = rect.get_height()
            ax.annotate(format_money(v), (rect.get_x() + rect.get_width() / 2, v), xytext=(0, 4 if v >= 0 else -4),
                        textcoords="offset points", ha="center", va="bottom" if v >= 0 else "top", fontsize=13)
    ax.set_xticks(x, ["new customers\n(acquisition + keeping cost)", "retained base\n(keeping cost)"])
    ax.axhline(0, color="#333333", lw=0.8)
    ax.margins(y=0.12)
    ax.set(ylabel="currency units", title="What new and retained customers cost and earn")
    ax.yaxis.set_major_formatter(currency)
    legend_outside(ax)
    return ax


def funnel_stages(timeseries: pd.DataFrame, customers: pd.DataFrame, potential: int) -> pd.Series:
    """People at each stage of the acquisition funnel of a run: reach, aware, acquired, retained.

    Parameters
    ----------
    timeseries : DataFrame
        The run's weekly series (for ``unaware`` at the end).
    customers : DataFrame
        The run's customer snapshot (``initial_base``, ``state``).
    potential : int
        People in the market, initial customers included (``market.potential``).

    Returns
    -------
    Series
        ``reach``: prospects in the market (potential minus the initial customers); ``aware``:
        prospects who became aware by the end; ``acquired``: prospects who became customers;
        ``retained``: of those, customers at the end.
    """
    new = ~customers["initial_base"].to_numpy()
    reach = potential - int((~new).sum())
    return pd.Series({
        "reach": reach,
        "aware": reach - int(timeseries["unaware"].iloc[-1]),
        "acquired": int(new.sum()),
        "retained": int((new & (customers["state"].astype(str).to_numpy() != "churned")).sum()),
    }, name="people")


def plot_funnel(stages: pd.Series, ax=None):
    """A funnel: people at each stage, each with its share of the stage before.

    Parameters
    ----------
    stages : Series
        People per stage in funnel order (e.g. :func:`funnel_stages`).
    """
    ax = _ax(ax)
    values = stages.to_numpy(dtype=float)
    y = np.arange(len(values))[::-1]
    colours = [PALETTE[0]] * (len(values) - 1) + [HIGHLIGHT]
    ax.barh(y, values, left=-values / 2, height=0.7, color=colours)
    labels = [format_count(values[0])]
    for i in range(1, len(values)):
        share = values[i] / values[i - 1] if values[i - 1] else float("nan")
        labels.append(f"{format_count(values[i])}  ({format_share(share)} of {stages.index[i - 1]})")
    for yi, text in zip(y, labels):
        ax.text(1.01, yi, text, transform=ax.get_yaxis_transform(), va="center", fontsize=14)
    ax.set_yticks(y, [str(s) for s in stages.index])
    ax.tick_params(axis="y", length=0, labelsize=15)
    ax.set_xticks([])
    ax.spines[["left", "bottom"]].set_visible(False)
    ax.set_xlim(-values.max() / 2 * 1.02, values.max() / 2 * 1.02)
    ax.set_title("Customer funnel (people)")
    return ax


def scenario_label(config: dict[str, Any]) -> str:
    """The strategy of a run from its resolved config: ``'loyalty=none, pricing=standard, ...'``."""
    groups = [f"{g}={config[g]['name']}" for g in ("loyalty", "pricing", "service", "acquisition")
              if isinstance(config.get(g), dict) and "name" in config[g]]
    return ", ".join(groups) or "scenario not recorded"


def run_footnote(config: dict[str, Any], *, version: str | None = None, git: str | None = None) -> str:
    """The footnote of a run's charts from its resolved config (a dict, as in ``run.json``)."""
    return footnote_text(scenario_label(config), seeds=[config.get("seed", 0)], version=version, git=git,
                         customers=config.get("customers", {}).get("initial"),
                         weeks=config.get("horizon", {}).get("weeks"))


def save_run_plots(result: RunResult, directory: Path) -> list[Path]:
    """Draw the standard charts of a run as PNG files in ``directory``.

    Writes ``lifecycle_states.png``, ``profit_by_category.png``, ``cohort_retention.png`` and
    ``acquisition_vs_retention.png``; returns their paths.
    """
    directory = Path(directory)
    note = run_footnote(dataclasses.asdict(result.config), version=package_version())
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
            fig.savefig(path, dpi=100)
            plt.close(fig)
            paths.append(path)
    return paths
