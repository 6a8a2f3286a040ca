"""The comparison table of a sweep: each scenario's KPIs with confidence intervals, and paired
differences from a baseline scenario.

:func:`comparison_table` returns a tidy DataFrame (one row per KPI and scenario) that charts and
decks build on; :func:`format_table` turns it into aligned text for the terminal.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from sim.analysis.stats import paired_differences, resolve_baseline, scenario_columns, summarize
from sim.report.names import scenario_name

__all__ = ["DEFAULT_KPIS", "RATE_KPIS", "comparison_table", "format_table", "format_value"]

#: KPIs in the default table: money in currency units of the scenario, counts in customers.
DEFAULT_KPIS = ("npv_profit", "profit", "customers_acquired", "retention_rate_annual", "mean_clv")
#: KPIs that are shares in [0, 1], printed as percentages.
RATE_KPIS = frozenset({"retention_rate_annual", "share_profitable_customers"})


def comparison_table(results: pd.DataFrame, kpis: Sequence[str] = DEFAULT_KPIS, *,
                     baseline: Mapping[str, Any] | str | None = None, by: Sequence[str] | None = None,
                     level: float = 0.95) -> pd.DataFrame:
    """Per KPI and scenario: replications, mean, confidence interval, and paired difference.

    Parameters
    ----------
    results : DataFrame
        Tidy results of a sweep (:func:`sim.analysis.collect.collect`).
    kpis : sequence of str
        KPI columns to compare.
    baseline : str or mapping, optional
        Baseline scenario (see :func:`sim.analysis.stats.resolve_baseline`); default the first
        scenario of the sweep.
    by : sequence of str, optional
        Columns defining a scenario; default the parameter columns that vary
        (:func:`sim.analysis.stats.scenario_columns`).
    level : float
        Confidence level of every interval.

    Returns
    -------
    DataFrame
        Columns ``kpi``, ``scenario``, the scenario columns, ``is_baseline``, ``n``, ``mean``,
        ``ci_low``, ``ci_high``, ``diff``, ``diff_ci_low``, ``diff_ci_high``, ``p_value``,
        ``variance_reduction``, ``n_to_resolve`` (difference columns are NaN on the baseline row).
        ``attrs`` holds ``level`` and ``baseline``.
    """
    by = list(scenario_columns(results) if by is None else by)
    base = resolve_baseline(results, baseline, by)
    blocks = []
    for kpi in kpis:
        s = summarize(results, kpi, by=by, level=level)
        d = paired_differences(results, kpi, baseline=base, by=by, level=level)
        d = d[["scenario", "diff", "ci_low", "ci_high", "p_value", "variance_reduction", "n_to_resolve"]].rename(
            columns={"ci_low": "diff_ci_low", "ci_high": "diff_ci_high"})
        block = s.drop(columns=["sd", "half_width"]).merge(d, on="scenario", how="left")
        block.insert(0, "kpi", kpi)
        block.insert(2 + len(by), "is_baseline", block["scenario"] == base)
        blocks.append(block)
    table = pd.concat(blocks, ignore_index=True)
    table.attrs.update(level=level, baseline=base)
    return table


def format_value(value: float, kpi: str) -> str:
    """A KPI value for reading: shares as percentages, money with thousands separators."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if kpi in RATE_KPIS:
        return f"{value:.1%}"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.2f}"


def _interval(lo: float, hi: float, kpi: str) -> str:
    if isinstance(lo, float) and math.isnan(lo):
        return "n/a"
    return f"[{format_value(lo, kpi)}, {format_value(hi, kpi)}]"


def _times(ratio: float) -> str:
    if math.isnan(ratio):
        return "n/a"
    return "inf" if math.isinf(ratio) else f"{ratio:,.1f}x"


def format_table(table: pd.DataFrame) -> str:
    """Aligned text of a :func:`comparison_table`, one block per KPI.

    Columns: scenario, replications, mean, confidence interval, paired difference from the
    baseline with its interval, variance reduction by pairing (x), and the replications needed
    for the paired interval to exclude zero.
    """
    pct = f"{table.attrs.get('level', 0.95):.0%}"
    base = table.attrs.get("baseline", "")
    base = scenario_name(base) or base
    header = ("scenario", "n", "mean", f"{pct} CI", "diff vs baseline", f"{pct} CI of diff", "var. red.",
              "n to resolve")
    out = [f"Scenarios compared with {pct} confidence intervals (t distribution over replications);",
           f"differences are paired by seed against the baseline '{base}'. The intervals show simulation",
           "noise only, assumptions fixed (python -m sim.sensitivity --priors tests the assumptions).", ""]
    for kpi, block in table.groupby("kpi", sort=False):
        lines = [header]
        for r in block.itertuples(index=False):
            if r.is_baseline:
                diff = ("baseline", "", "", "")
            else:
                diff = (
                    ("+" if r.diff > 0 else "") + format_value(r.diff, kpi),
                    _interval(r.diff_ci_low, r.diff_ci_high, kpi),
                    _times(r.variance_reduction),
                    "n/a" if r.n_to_resolve is None or pd.isna(r.n_to_resolve) else f"{int(r.n_to_resolve):,}",
                )
            lines.append((scenario_name(r.scenario) or str(r.scenario), str(r.n), format_value(r.mean, kpi),
                          _interval(r.ci_low, r.ci_high, kpi),
                          *diff))
        widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
        out.append(kpi)
        for line in lines:
            cells = [line[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(line[1:], widths[1:])]
            out.append("  " + "  ".join(cells).rstrip())
        out.append("")
    return "\n".join(out).rstrip() + "\n"
