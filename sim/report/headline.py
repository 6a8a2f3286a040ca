"""The headline of a run as text: its KPIs in a small aligned table, and the answer in plain words.

Printed after every single run and by ``python -m sim.report RUN``; the same sentences open the
deck. Light on purpose: the command line prints them without loading the charts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["HEADLINE_KPIS", "format_headline", "headline_figures", "headline_answer", "WEEKS_PER_YEAR"]

#: KPIs printed after a run, in this order (names of :data:`sim.results.KPI_NAMES`).
HEADLINE_KPIS = ("profit", "npv_profit", "customers_acquired", "cac", "retention_rate_annual", "mean_clv")
WEEKS_PER_YEAR = 52


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


def headline_figures(summary: Mapping[str, Any]) -> dict[str, Any]:
    """The numbers of the plain-words answer, from a run's KPIs (None where undefined).

    Returns
    -------
    dict
        ``cost_to_acquire`` (CAC, currency units per new customer); ``cost_to_keep_per_year``
        (the cost of keeping customers per customer-year: ``cost_to_keep / (customer_weeks / 52)``,
        retention and win-back offers, loyalty costs, service and complaints; currency units);
        ``acquire_to_keep`` (their ratio: how many customers the cost of winning one keeps for a
        year); ``ltv_to_cac``; ``payback_weeks``; ``mean_clv``; ``profit``, ``profit_from_new``,
        ``profit_from_retained``, ``acquisition_spend``, ``cost_to_keep_new`` and
        ``cost_to_keep_base`` (currency units).
    """
    years = (summary.get("customer_weeks") or 0) / WEEKS_PER_YEAR
    keep = summary["cost_to_keep"] / years if years > 0 else None
    cac = summary.get("cac")
    return {
        "cost_to_acquire": cac,
        "cost_to_keep_per_year": keep,
        "acquire_to_keep": cac / keep if cac is not None and keep else None,
        "ltv_to_cac": summary.get("ltv_to_cac"),
        "payback_weeks": summary.get("payback_weeks"),
        "mean_clv": summary.get("mean_clv"),
        "profit": summary["profit"],
        "profit_from_new": summary["profit_from_new"],
        "profit_from_retained": summary["profit_from_retained"],
        "acquisition_spend": summary["acquisition_spend"],
        "cost_to_keep_new": summary["cost_to_keep_new"],
        "cost_to_keep_base": summary["cost_to_keep_base"],
    }


def _money(value: float, currency: str) -> str:
    sign = "-" if value < 0 else ""
    amount = f"{abs(value):,.2f}" if abs(value) < 1000 else f"{abs(value):,.0f}"
    return f"{sign}{currency}{amount}"


def _count(x: float) -> str:
    """A ratio read as a number of customers: one decimal below 100."""
    return f"{x:,.1f}" if abs(x) < 100 else f"{x:,.0f}"


def headline_answer(summary: Mapping[str, Any], currency: str = "") -> list[str]:
    """What a new customer costs against keeping one, and where the profit comes from, in sentences.

    Parameters
    ----------
    summary : mapping
        A run's KPIs (``summary.json``), or the mean KPIs of a strategy's runs.
    currency : str
        Prefix of money amounts (``output.currency``, e.g. ``"$"``); empty for currency units.

    Returns
    -------
    list of str
        Three sentences: acquiring vs keeping (and their ratio), the value of a new customer
        (LTV/CAC, payback), and the profit from new customers vs the retained base.
    """
    f = headline_figures(summary)
    cac, keep = f["cost_to_acquire"], f["cost_to_keep_per_year"]
    keeping = (f"keeping one costs {_money(keep, currency)} a year (offers, loyalty and service)" if keep
               else "keeping one cost nothing")
    if cac is None:
        first = f"No customer was won at a cost (CAC undefined); {keeping}."
    elif f["acquire_to_keep"] is not None:
        first = (f"Winning a customer costs {_money(cac, currency)}; {keeping}: one new customer costs as much "
                 f"as keeping {_count(f['acquire_to_keep'])} for a year.")
    else:
        first = f"Winning a customer costs {_money(cac, currency)}; {keeping}."
    ratio, payback = f["ltv_to_cac"], f["payback_weeks"]
    pays = (f"pays its acquisition cost back in {payback:,.0f} weeks" if payback is not None
            else "does not pay its acquisition cost back within the horizon")
    second = (f"A new customer is worth {_money(f['mean_clv'], currency)} (discounted, projected past the horizon), "
              f"{ratio:,.1f} times what it cost to win (LTV/CAC), and {pays}." if ratio is not None and
              f["mean_clv"] is not None else f"A new customer {pays}.")
    third = (f"Of the {_money(f['profit'], currency)} profit, new customers brought "
             f"{_money(f['profit_from_new'], currency)} (after {_money(f['acquisition_spend'], currency)} to win "
             f"them and {_money(f['cost_to_keep_new'], currency)} to keep them) and the retained base "
             f"{_money(f['profit_from_retained'], currency)} (after {_money(f['cost_to_keep_base'], currency)} "
             f"to keep it).")
    return [first, second, third]
