"""Product lifecycle chart: adoptions per week with the lifecycle stages shaded.

Takes a weekly series with ``week``, ``adoptions`` (first purchases of the product per week)
and ``product_stage`` (the stage name each week, e.g. introduction, growth, maturity, decline),
as a run's ``timeseries.parquet`` records them (stages detected by :mod:`sim.product`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.report.style import HIGHLIGHT, PALETTE, deck_figure, legend_outside, thousands

__all__ = ["PRODUCT_COLUMNS", "stage_spans", "plot_product_lifecycle"]

#: Columns the chart needs.
PRODUCT_COLUMNS = ("week", "adoptions", "product_stage")
_STAGE_COLOURS = (PALETTE[1], PALETTE[2], PALETTE[3], PALETTE[4], PALETTE[7], PALETTE[6])


def stage_spans(timeseries: pd.DataFrame) -> pd.DataFrame:
    """Consecutive weeks in the same stage: ``stage``, ``start``, ``end`` (first week of the next span)."""
    stage = timeseries["product_stage"].astype(str).to_numpy()
    weeks = timeseries["week"].to_numpy()
    change = np.flatnonzero(stage[1:] != stage[:-1]) + 1
    starts = np.concatenate([[0], change])
    ends = np.concatenate([change, [len(stage)]])
    step = weeks[1] - weeks[0] if len(weeks) > 1 else 1
    return pd.DataFrame({"stage": stage[starts], "start": weeks[starts],
                         "end": np.where(ends < len(stage), weeks[np.minimum(ends, len(stage) - 1)], weeks[-1] + step)})


def plot_product_lifecycle(timeseries: pd.DataFrame, ax=None):
    """Adoptions per week, background shaded by lifecycle stage (legend names the stages).

    Parameters
    ----------
    timeseries : DataFrame
        Columns :data:`PRODUCT_COLUMNS`.
    """
    ax = ax if ax is not None else deck_figure()[1]
    missing = [c for c in PRODUCT_COLUMNS if c not in timeseries.columns]
    if missing:
        raise KeyError(f"The 'timeseries' parameter of plot_product_lifecycle must have columns "
                       f"{', '.join(PRODUCT_COLUMNS)}. Missing: {', '.join(missing)}.")
    spans = stage_spans(timeseries)
    # A categorical column fixes each stage's colour across runs, whichever stages a run reaches.
    stages = timeseries["product_stage"]
    categorical = isinstance(stages.dtype, pd.CategoricalDtype)
    names = [str(c) for c in stages.cat.categories] if categorical else list(dict.fromkeys(spans["stage"]))
    colour = {s: _STAGE_COLOURS[i % len(_STAGE_COLOURS)] for i, s in enumerate(names)}
    for stage in [s for s in names if s in set(spans["stage"])]:
        for i, span in enumerate(spans[spans["stage"] == stage].itertuples()):
            ax.axvspan(span.start, span.end, color=colour[stage], alpha=0.35, lw=0, label=stage if i == 0 else None)
    ax.plot(timeseries["week"], timeseries["adoptions"], color=HIGHLIGHT, lw=2.5, label="adoptions")
    ax.set_xlim(spans["start"].iloc[0], spans["end"].iloc[-1])
    ax.set_ylim(bottom=0)
    ax.set(xlabel="week", ylabel="adoptions per week", title="Product lifecycle")
    ax.yaxis.set_major_formatter(thousands)
    legend_outside(ax)
    return ax
