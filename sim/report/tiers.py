"""Charts of a tiered loyalty programme: members per tier over time, and moves between tiers.

Both take plain tables, so they work with any tier scheme:

* per-tier member counts over time: one column per tier, lowest tier first, one row per week.
  :func:`tier_members` reads them from a run's weekly series, where the tier scheme records the
  members of tier ``NAME`` at the end of each week as column ``tier_NAME``;
* a migration matrix: rows the tier before, columns the tier after, values customers.
  :func:`tier_migration` builds one from each customer's tier at two dates, and
  :func:`migration_from_kpis` from a run's ``tier_migration_A_to_B`` KPIs (moves at tier
  reviews; members who kept their tier are not counted there, so the diagonal is NaN).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.ledger import CATEGORIES
from sim.report.style import PALETTE, deck_figure, format_count, format_share, legend_outside, thousands

__all__ = [
    "TIER_PREFIX",
    "tier_members",
    "tier_migration",
    "migration_from_kpis",
    "plot_tier_members",
    "plot_tier_migration",
]

#: Prefix of the weekly member-count column of each tier in ``timeseries.parquet``.
TIER_PREFIX = "tier_"


def tier_members(timeseries: pd.DataFrame, names: Sequence[str] | None = None) -> pd.DataFrame | None:
    """Members per tier and week from a run's weekly series, or None if it records no tiers.

    Parameters
    ----------
    timeseries : DataFrame
        The run's weekly series.
    names : sequence of str, optional
        Tier names, lowest first (``loyalty.tiers.names``). Default: every ``tier_*`` column that
        is not a ledger category (such as ``tier_benefits``), in the order recorded.

    Returns
    -------
    DataFrame or None
        Indexed by ``week``, one column per tier (named without the prefix).
    """
    if names is not None:
        cols = [TIER_PREFIX + n for n in names if TIER_PREFIX + n in timeseries.columns]
    else:
        ledger = {c.name for c in CATEGORIES}
        cols = [c for c in timeseries.columns if c.startswith(TIER_PREFIX) and c not in ledger
                and pd.api.types.is_numeric_dtype(timeseries[c])]
    if not cols:
        return None
    members = timeseries.set_index("week")[cols]
    return members.rename(columns=lambda c: c[len(TIER_PREFIX):])


def tier_migration(start: Sequence, end: Sequence, tiers: Sequence[str] | None = None) -> pd.DataFrame:
    """Tier-by-tier migration counts from each customer's tier at two dates.

    Parameters
    ----------
    start, end : sequence
        Tier of each customer at the start and at the end (same order of customers).
    tiers : sequence of str, optional
        Tier order, lowest first; default the sorted tier names.

    Returns
    -------
    DataFrame
        Rows the start tier, columns the end tier, values customers.
    """
    start, end = pd.Series(list(start), name="from"), pd.Series(list(end), name="to")
    tiers = list(tiers) if tiers is not None else sorted(set(start) | set(end))
    return pd.crosstab(start, end).reindex(index=tiers, columns=tiers, fill_value=0)


def migration_from_kpis(summary: Mapping[str, Any], names: Sequence[str]) -> pd.DataFrame | None:
    """Moves between tiers from a run's ``tier_migration_A_to_B`` KPIs, or None if it has none.

    Returns
    -------
    DataFrame or None
        Rows the tier before, columns the tier after (``names`` order), values members moved;
        the diagonal is NaN (members who kept their tier are not recorded).
    """
    keys = {(a, b): f"tier_migration_{a}_to_{b}" for a in names for b in names if a != b}
    if not any(k in summary for k in keys.values()):
        return None
    matrix = pd.DataFrame(np.nan, index=pd.Index(list(names), name="from"), columns=pd.Index(list(names), name="to"))
    for (a, b), key in keys.items():
        matrix.loc[a, b] = float(summary.get(key) or 0)
    return matrix


def plot_tier_members(members: pd.DataFrame, ax=None):
    """Members of each tier per week, stacked from the lowest tier up.

    Parameters
    ----------
    members : DataFrame
        Indexed by week, one column of member counts per tier, lowest tier first
        (e.g. :func:`tier_members`).
    """
    ax = ax if ax is not None else deck_figure()[1]
    weeks = members.index.to_numpy()
    ax.stackplot(weeks, *[members[c].to_numpy() for c in members.columns], labels=list(members.columns),
                 colors=[PALETTE[i % len(PALETTE)] for i in range(members.shape[1])], alpha=0.9)
    ax.set_xlim(weeks[0], weeks[-1])
    ax.set(xlabel="week", ylabel="members", title="Loyalty members by tier")
    ax.yaxis.set_major_formatter(thousands)
    handles, labels = ax.get_legend_handles_labels()
    # Highest tier on top of the legend, as in the stack.
    legend_outside(ax, handles=handles[::-1], labels=labels[::-1], title="tier")
    return ax


def plot_tier_migration(matrix: pd.DataFrame, ax=None):
    """Heat map of moves between tiers: each cell's share of its row, with the count.

    Parameters
    ----------
    matrix : DataFrame
        Rows the tier before, columns the tier after, values customers, both in tier order
        lowest first (e.g. :func:`tier_migration`). NaN cells (e.g. an unrecorded diagonal) are
        left blank and out of the shares.
    """
    ax = ax if ax is not None else deck_figure()[1]
    counts = matrix.to_numpy(dtype=float)
    rows = np.nansum(counts, axis=1, keepdims=True)
    shares = np.divide(counts, rows, out=np.full_like(counts, np.nan), where=rows > 0)
    ax.imshow(np.ma.masked_invalid(shares), cmap="Blues", vmin=0, vmax=1, aspect="auto")
    ax.set_facecolor("#F2F2F2")
    for (i, j), share in np.ndenumerate(shares):
        if np.isnan(counts[i, j]):
            continue
        text = format_count(counts[i, j])
        if not np.isnan(share):
            text = f"{format_share(share, 0)}\n{text}"
        ax.text(j, i, text, ha="center", va="center", fontsize=13,
                color="white" if share > 0.55 else "#333333")
    ax.set_xticks(range(matrix.shape[1]), [str(c) for c in matrix.columns])
    ax.set_yticks(range(matrix.shape[0]), [str(r) for r in matrix.index])
    ax.tick_params(length=0)
    ax.spines[:].set_visible(False)
    moves_only = bool(np.isnan(np.diag(counts)).all())
    ax.set(xlabel="tier after", ylabel="tier before",
           title="Tier moves at reviews (share of each tier's moves; members)" if moves_only
           else "Tier migration (share of each tier; members)")
    return ax
