"""The headline KPIs of a run as a small aligned text table (printed after a run and by the report)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["HEADLINE_KPIS", "format_headline"]

#: KPIs printed after a run, in this order (names of :data:`sim.results.KPI_NAMES`).
HEADLINE_KPIS = ("profit", "npv_profit", "customers_acquired", "cac", "retention_rate_annual", "mean_clv")


def format_headline(summary: Mapping[str, Any]) -> str:
    """A small aligned table of the headline KPIs.

    Parameters
    ----------
    summary : mapping
        KPIs by name (money in currency units, counts, the annual retention rate as a share);
        None for an undefined ratio, shown as ``n/a``.
    """
    lines = []
    for k in HEADLINE_KPIS:
        v = summary[k]
        if v is None:
            text = "n/a"
        elif k == "retention_rate_annual":
            text = f"{v:.1%}"
        elif isinstance(v, int):
            text = f"{v:,}"
        else:
            text = f"{v:,.2f}" if abs(v) < 1000 else f"{v:,.0f}"
        lines.append(f"  {k:<24}{text:>18}")
    return "\n".join(lines)
