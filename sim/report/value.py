"""Charts of customer value: who earns the profit and who destroys it.

* The whale curve (Kaplan & Cooper 1998): customers sorted from most to least profitable, the
  cumulative share of total profit they earn. It rises above 100 % and falls back when some
  customers lose money; the peak says how much profit the unprofitable tail gives away.
* The value pyramid (Zeithaml, Rust & Lemon 2001): platinum, gold, silver and bronze customers
  (profitable, by rank) and lead customers (unprofitable), with their counts and profit.

Both take the ``contribution`` (currency units) of every customer ever acquired, from
``customers.parquet``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analysis.segments import SEGMENTS, whale_curve
from sim.report.style import (
    HIGHLIGHT,
    NEUTRAL,
    PALETTE,
    currency,
    deck_figure,
    format_count,
    format_money,
    format_share,
    percent,
)

__all__ = ["whale_peak", "plot_whale_curve", "segment_table", "plot_value_pyramid"]


def whale_peak(contribution: np.ndarray) -> tuple[float, float]:
    """Top of the whale curve: (share of customers, share of total profit) at its peak.

    The most profitable ``share of customers`` together earn ``share of total profit`` (above
    1 when the others lose money). Total profit must be positive.
    """
    customers, profit = whale_curve(contribution)
    i = int(np.argmax(profit))
    return float(customers[i]), float(profit[i])


def plot_whale_curve(contribution, ax=None):
    """Cumulative share of total profit against the share of customers, most profitable first.

    When the customers' total contribution is not positive, shares of it are meaningless and
    the cumulative contribution is drawn in currency units instead.

    Parameters
    ----------
    contribution : array_like
        Lifetime contribution per customer (currency units).
    """
    ax = ax if ax is not None else deck_figure()[1]
    contribution = np.asarray(contribution, dtype=float)
    x, y = whale_curve(contribution)
    total = contribution.sum()
    if total > 0:
        ax.axhline(1.0, color=NEUTRAL, lw=1, ls="--")
        # Outside the plot area, at the end of the reference line, so the curve never crosses it.
        ax.text(1.01, 1.0, "total\nprofit", transform=ax.get_yaxis_transform(), ha="left", va="center",
                color="#555555", fontsize=13)
        px, py = whale_peak(contribution)
        ax.plot(x, y, color=PALETTE[0], lw=3)
        ax.plot([px], [py], "o", color=HIGHLIGHT, ms=10)
        right = px < 0.6
        ax.annotate(f"the top {format_share(px, 0)} of customers\nearn {format_share(py, 0)} of profit",
                    (px, py), xytext=(14 if right else -14, -8), textcoords="offset points",
                    ha="left" if right else "right", va="top", fontsize=14, color=HIGHLIGHT)
        top = max(1.0, py) * 1.12
        # Room below zero keeps the y label "0%" clear of the x label "0%" in the corner.
        ax.set_ylim(min(0.0, y.min()) - 0.06 * top, top)
        ax.yaxis.set_major_formatter(percent)
        ax.set_ylabel("cumulative share of total profit")
    else:
        ax.plot(x, y, color=PALETTE[0], lw=3)
        ax.axhline(0, color="#333333", lw=0.8)
        ax.yaxis.set_major_formatter(currency)
        ax.set_ylabel("cumulative contribution (currency units)")
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(percent)
    ax.set(xlabel="share of customers, most profitable first", title="Whale curve")
    return ax


def segment_table(customers: pd.DataFrame) -> pd.DataFrame:
    """Customers and profit per value segment, platinum first.

    Parameters
    ----------
    customers : DataFrame
        ``segment`` and ``contribution`` per customer.

    Returns
    -------
    DataFrame
        Indexed by segment (:data:`sim.analysis.segments.SEGMENTS` order): ``customers``,
        ``profit`` (summed contribution, currency units), ``share_customers``, ``share_profit``
        (share of total contribution; NaN when the total is not positive).
    """
    g = customers.groupby(customers["segment"].astype(str))["contribution"]
    table = pd.DataFrame({"customers": g.size(), "profit": g.sum()}).reindex(list(SEGMENTS), fill_value=0)
    table["customers"] = table["customers"].astype(int)
    total = table["profit"].sum()
    table["share_customers"] = table["customers"] / max(int(table["customers"].sum()), 1)
    table["share_profit"] = table["profit"] / total if total > 0 else np.nan
    return table


def plot_value_pyramid(segments: pd.DataFrame, ax=None):
    """The customer pyramid: one centred bar per value segment, its width the number of customers.

    Each segment is labelled with its customers and the profit it earns (lead customers, who
    lose money, in the highlight colour).

    Parameters
    ----------
    segments : DataFrame
        :func:`segment_table` output.
    """
    ax = ax if ax is not None else deck_figure()[1]
    n = segments["customers"].to_numpy(dtype=float)
    y = np.arange(len(segments))[::-1]
    colours = [PALETTE[0], PALETTE[3], PALETTE[6], PALETTE[4], PALETTE[5]]
    ax.barh(y, n, left=-n / 2, height=0.75, color=[colours[i % len(colours)] for i in range(len(n))])
    for yi, (_name, row) in zip(y, segments.iterrows()):
        profit = row["profit"]
        share = "" if np.isnan(row["share_profit"]) else f" ({format_share(row['share_profit'], 0)})"
        ax.text(1.01, yi, f"{format_count(row['customers'])} customers ({format_share(row['share_customers'], 0)})"
                f"  |  profit {format_money(profit)}{share}", transform=ax.get_yaxis_transform(), va="center",
                fontsize=14, color=HIGHLIGHT if profit < 0 else "#333333")
    ax.set_yticks(y, list(segments.index))
    ax.tick_params(axis="y", length=0, labelsize=15)
    ax.set_xticks([])
    ax.spines[["left", "bottom"]].set_visible(False)
    half = max(n.max(), 1) / 2 * 1.02
    ax.set_xlim(-half, half)
    ax.set_title("Value pyramid (customers and profit by segment)")
    return ax
