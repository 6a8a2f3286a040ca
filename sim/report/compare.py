"""Charts comparing strategies across a sweep, and the sensitivity tornado.

The comparison charts read the tables of :mod:`sim.analysis`: the results table of a sweep
(one row per run, :func:`sim.analysis.collect.collect`) or the comparison table built on it
(:func:`sim.report.table.comparison_table`: per scenario the mean with its confidence interval
and the paired difference from a baseline). Scenario labels are shortened for the page
(:func:`~sim.report.style.short_label`).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.analysis.stats import scenario_columns, scenario_labels
from sim.report.style import (
    HIGHLIGHT,
    NEUTRAL,
    PALETTE,
    currency,
    deck_figure,
    format_kpi,
    kpi_formatter,
    kpi_label,
    kpi_unit,
    legend_outside,
    short_label,
)

__all__ = [
    "SPEND_AND_PROFIT",
    "plot_strategy_comparison",
    "plot_paired_differences",
    "spend_and_profit",
    "plot_spend_and_profit",
    "plot_indices",
    "plot_tornado",
]

#: KPIs of the spend-and-profit chart: what each side of the business costs and earns, booked by who
#: the customer is (new customers: acquisition spend and their keeping cost; the retained base: its
#: keeping cost).
SPEND_AND_PROFIT = ("acquisition_spend", "cost_to_keep_new", "profit_from_new", "cost_to_keep_base",
                    "profit_from_retained")


def _kpi_rows(table: pd.DataFrame, kpi: str) -> pd.DataFrame:
    rows = table[table["kpi"] == kpi] if "kpi" in table.columns else table
    if rows.empty:
        raise KeyError(f"The 'kpi' parameter must be a KPI of the table. Got {kpi!r} instead.")
    return rows.reset_index(drop=True)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _title(text: str) -> str:
    """A chart title wrapped to fit over an axes narrowed by long strategy labels."""
    return textwrap.fill(text, 55)


def _value_column(ax, y, texts, colours=None) -> None:
    """Numbers in a column right of the axes, one per bar: never on top of bars or whiskers."""
    for i, (yi, text) in enumerate(zip(y, texts)):
        ax.text(1.01, yi, text, transform=ax.get_yaxis_transform(), va="center", fontsize=13,
                color=colours[i] if colours else "#333333")


def plot_strategy_comparison(table: pd.DataFrame, kpi: str = "npv_profit", ax=None):
    """Each scenario's mean KPI with its confidence interval, the best in the highlight colour.

    Parameters
    ----------
    table : DataFrame
        :func:`~sim.report.table.comparison_table` output (or :func:`sim.analysis.stats.summarize`
        output): ``scenario``, ``n``, ``mean``, ``ci_low``, ``ci_high``.
    kpi : str
        KPI to draw.
    """
    ax = ax if ax is not None else deck_figure()[1]
    level = table.attrs.get("level", 0.95)
    d = _kpi_rows(table, kpi)
    y = np.arange(len(d))[::-1]  # table order, top to bottom
    best = int(d["mean"].idxmax())
    colours = [HIGHLIGHT if i == best else PALETTE[0] for i in range(len(d))]
    mean, lo, hi = d["mean"].to_numpy(), d["ci_low"].to_numpy(), d["ci_high"].to_numpy()
    ax.barh(y, mean, height=0.6, color=colours)
    err = np.vstack([mean - lo, hi - mean])
    ax.errorbar(mean, y, xerr=np.nan_to_num(err), fmt="none", ecolor="#333333", elinewidth=1.5, capsize=6)
    ax.axvline(0, color="#333333", lw=0.8)
    _value_column(ax, y, [f"{format_kpi(m, kpi)}  [{format_kpi(a, kpi)}, {format_kpi(b, kpi)}]"
                          for m, a, b in zip(mean, lo, hi)])
    ax.set_yticks(y, [short_label(s, "\n") for s in d["scenario"]])
    ax.tick_params(axis="y", length=0)
    ax.xaxis.set_major_formatter(kpi_formatter(kpi))
    n = int(d["n"].min())
    ax.set(xlabel=f"{kpi_label(kpi)} ({kpi_unit(kpi)}): mean and {level:.0%} confidence interval over {n} seeds\n"
                  "(simulation noise only, assumptions fixed)",
           title=_title(f"{_capital(kpi_label(kpi))} by strategy"))
    return ax


def plot_paired_differences(table: pd.DataFrame, kpi: str = "npv_profit", ax=None):
    """Each scenario's difference from the baseline, paired by seed, with its confidence interval.

    Differences whose interval excludes zero are drawn in the highlight colour.

    Parameters
    ----------
    table : DataFrame
        :func:`~sim.report.table.comparison_table` output with at least one non-baseline scenario.
    kpi : str
        KPI to draw.
    """
    ax = ax if ax is not None else deck_figure()[1]
    level = table.attrs.get("level", 0.95)
    rows = _kpi_rows(table, kpi)
    base = rows.loc[rows["is_baseline"], "scenario"].iloc[0]
    d = rows[~rows["is_baseline"]].reset_index(drop=True)
    y = np.arange(len(d))[::-1]
    diff, lo, hi = d["diff"].to_numpy(), d["diff_ci_low"].to_numpy(), d["diff_ci_high"].to_numpy()
    significant = (lo > 0) | (hi < 0)
    colours = [HIGHLIGHT if s else NEUTRAL for s in significant]
    ax.axvline(0, color="#333333", lw=1)
    err = np.nan_to_num(np.vstack([diff - lo, hi - diff]))
    for i, colour in enumerate(colours):  # errorbar takes one colour per call
        ax.errorbar(diff[i], y[i], xerr=err[:, i:i + 1], fmt="none", ecolor=colour, elinewidth=3, capsize=8)
    ax.scatter(diff, y, s=120, color=colours, zorder=3)
    _value_column(ax, y, [f"{'+' if v > 0 else ''}{format_kpi(v, kpi)}  [{format_kpi(a, kpi)}, {format_kpi(b, kpi)}]"
                          for v, a, b in zip(diff, lo, hi)], colours=["#333333"] * len(d))
    ax.set_yticks(y, [short_label(s, "\n") for s in d["scenario"]])
    ax.set_ylim(-0.6, len(d) - 0.4)
    ax.tick_params(axis="y", length=0)
    ax.xaxis.set_major_formatter(kpi_formatter(kpi))
    ax.set(xlabel=f"difference in {kpi_label(kpi)} ({kpi_unit(kpi)}): mean and {level:.0%} confidence interval, "
                  "paired by seed\n(simulation noise only, assumptions fixed)",
           title=_title(f"{_capital(kpi_label(kpi))} compared with {short_label(base)}"))
    return ax


def spend_and_profit(results: pd.DataFrame, by: Sequence[str] | None = None) -> pd.DataFrame:
    """Mean acquisition and retention spend and the profit from new and retained customers per scenario.

    Returns
    -------
    DataFrame
        Indexed by scenario label in sweep order, columns :data:`SPEND_AND_PROFIT` (currency units).
    """
    by = list(scenario_columns(results) if by is None else by)
    labels = scenario_labels(results, by)
    means = results[list(SPEND_AND_PROFIT)].groupby(labels, sort=False).mean()
    means.index.name = "scenario"
    return means


def plot_spend_and_profit(spend: pd.DataFrame, ax=None):
    """Bars per strategy: acquisition spend and the cost of keeping new customers next to the profit
    from new customers; the cost of keeping the retained base next to its profit.

    Parameters
    ----------
    spend : DataFrame
        :func:`spend_and_profit` output (scenario index, currency units).
    """
    ax = ax if ax is not None else deck_figure()[1]
    names = {"acquisition_spend": "acquisition spend", "cost_to_keep_new": "cost of keeping new customers",
             "profit_from_new": "profit from new customers", "cost_to_keep_base": "cost of keeping the base",
             "profit_from_retained": "profit from the retained base"}
    colours = {"acquisition_spend": PALETTE[1], "cost_to_keep_new": PALETTE[3], "profit_from_new": PALETTE[0],
               "cost_to_keep_base": PALETTE[7], "profit_from_retained": PALETTE[2]}
    k = len(SPEND_AND_PROFIT)
    height = 0.8 / k
    y = np.arange(len(spend))[::-1].astype(float)
    for j, col in enumerate(SPEND_AND_PROFIT):
        ax.barh(y + (k / 2 - j - 0.5) * height, spend[col].to_numpy(), height=height * 0.92, color=colours[col],
                label=names[col])
    ax.axvline(0, color="#333333", lw=0.8)
    ax.set_yticks(y, [short_label(s, "\n") for s in spend.index])
    ax.tick_params(axis="y", length=0)
    ax.xaxis.set_major_formatter(currency)
    ax.set(xlabel="currency units, mean over seeds", title="Spend and profit of new and retained customers by strategy")
    legend_outside(ax)
    return ax


def plot_tornado(indices: pd.DataFrame, target: str | None = None, ax=None):
    """Tornado chart of a sensitivity analysis: factors by effect on ``target``, largest on top.

    :func:`plot_indices` of the first target by default, for the ``indices.csv`` a
    ``python -m sim.sensitivity`` run writes.

    Parameters
    ----------
    indices : DataFrame
        ``target``, ``factor`` and the Morris or Sobol index columns.
    target : str, optional
        Which target to draw; default the first.
    """
    return plot_indices(indices, target if target is not None else indices["target"].iloc[0], ax=ax)


#: Most factors a tornado chart shows (the largest effects).
TORNADO_FACTORS = 15


def plot_indices(indices: pd.DataFrame, target: str, ax=None):
    """Tornado chart of one target's indices: factors sorted by effect, largest on top.

    Morris: bars of ``mu_star`` with their confidence half-widths (KPI units). Sobol: total
    indices ``ST`` as bars and first-order ``S1`` as dots (shares of variance). At most
    :data:`TORNADO_FACTORS` factors, the largest.

    Parameters
    ----------
    indices : DataFrame
        ``target``, ``factor`` and the index columns of :func:`sim.analysis.sensitivity.analyse`.
    target : str
        The target drawn (a value of the ``target`` column).
    ax : Axes, optional
        Where to draw; default a new deck figure.
    """
    ax = ax if ax is not None else deck_figure()[1]
    d = indices[indices["target"] == target]
    morris = "mu_star" in d.columns and d["mu_star"].notna().any()
    value = "mu_star" if morris else "ST"
    # A study over all priors has some fifty factors: the largest fit on a slide, the rest are named by count.
    d = d.sort_values(value)
    rest = max(len(d) - TORNADO_FACTORS, 0)
    d = d.iloc[rest:]
    y = np.arange(len(d))
    colour = HIGHLIGHT if " - " in target else PALETTE[0]
    ax.barh(y, d[value], xerr=d[f"{value}_conf"], color=colour, alpha=0.9, capsize=4)
    if morris:
        ax.set(xlabel="mu*: mean absolute change over the factor's range (KPI units)",
               title=f"What moves {target} (Morris)")
        ax.xaxis.set_major_formatter(currency)
    else:
        ax.plot(d["S1"], y, "o", color="black", label="first order S1")
        ax.set(xlabel="share of variance (total index ST; dots: first order S1)", title=f"What moves {target} (Sobol)")
        ax.legend(loc="lower right")
    ax.set_yticks(y, d["factor"])
    if rest:
        ax.set_ylabel(f"the {len(d)} largest of {len(d) + rest} factors")
    return ax
