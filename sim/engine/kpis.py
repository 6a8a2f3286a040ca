"""The headline figures of a run: the KPIs of ``summary.json`` and the table of value segments.

Every KPI is computed from the ledger, the weekly series and the final customer snapshot, so the
identities of the contract hold by construction (``profit = gross_margin - acquisition_spend -
retention_spend - other_costs``; customers and points conserved).

Who a cost belongs to follows the customer, not the kind of spend: the ledger books every cost a
customer bears as the initial base's or the new customers' (``cost_to_keep_new`` is what keeping
new customers cost, their win-back offers included). ``mean_clv`` is projected past the horizon
(:func:`clv_tail`), so that LTV/CAC does not shrink with a shorter run.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from sim.engine.record import Recorder
from sim.kernels.census import bincount
from sim.segments import SEGMENTS

__all__ = ["compute_kpis", "payback_weeks", "segment_table", "clv_tail"]


def segment_table(customers: pd.DataFrame) -> pd.DataFrame:
    """Customers, revenue and contribution per value segment (platinum first, lead last)."""
    codes = customers["segment"].cat.codes.to_numpy()  # categories are SEGMENTS, in order
    k = len(SEGMENTS)
    g = pd.DataFrame({
        "segment": list(SEGMENTS),
        "customers": bincount(codes, k),
        "revenue": bincount(codes, k, customers["revenue"].to_numpy()),
        "contribution": bincount(codes, k, customers["contribution"].to_numpy()),
    })
    total = customers["contribution"].sum()
    g["share_of_customers"] = g["customers"] / max(len(customers), 1)
    g["share_of_contribution"] = g["contribution"] / total if total != 0 else 0.0
    return g


def _ratio(num: float, den: float) -> float | None:
    return None if den == 0 or not math.isfinite(num / den) else num / den


def payback_weeks(rec: Recorder, cac: float | None) -> int | None:
    """Weeks from acquisition until the average new customer's contribution covers the CAC.

    Uses acquisition cohorts (``output.cohort_weeks`` wide), so it is resolved to about a cohort
    width; None when acquisition is free, nobody was acquired, or payback is beyond the horizon.
    """
    if cac is None or rec.n_cohorts < 2:
        return None
    cw, weeks = rec.cohort_weeks, rec.weeks
    total = np.zeros(weeks)
    size = np.zeros(weeks)
    for k in range(1, rec.n_cohorts):
        start = (k - 1) * cw
        n = rec.cohort_sizes[k]
        if n == 0 or start >= weeks:
            continue
        series = rec.cohort_contribution[start:, k]
        total[: series.size] += series
        size[: series.size] += n
    with np.errstate(invalid="ignore", divide="ignore"):
        per_head = np.cumsum(np.where(size > 0, total / np.maximum(size, 1), 0.0))
    hit = np.flatnonzero((per_head >= cac) & (size > 0))
    return int(hit[0]) if hit.size else None


def clv_tail(customers: pd.DataFrame, weeks: int, retention_weekly: float, discount_log_rate: float) -> np.ndarray:
    """Value beyond the horizon of each customer, discounted to her acquisition (currency units).

    A customer still a customer at the horizon (not churned) is expected to go on contributing her
    observed contribution per week of tenure ``m`` (contribution over the weeks since her
    acquisition, or since week 0 for the initial base) while she stays, each week with the run's
    weekly retention ``r``. Discounted at ``d`` a week (``1 + d = exp(discount_log_rate)``), the
    tail at the horizon is the closed form ``m r / (1 + d - r)``, discounted back to the week of
    acquisition as ``clv_pv`` discounts. Churned customers get no tail (a win-back is not counted
    on).

    Parameters
    ----------
    customers : DataFrame
        The run's customer snapshot (``state``, ``acquired_week``, ``contribution``).
    weeks : int
        The horizon (weeks).
    retention_weekly : float
        Share of customers at risk who stay a week, in [0, 1].
    discount_log_rate : float
        Continuous discount rate per week.

    Returns
    -------
    ndarray
        Tail per customer (0 for churned customers).
    """
    start = np.maximum(customers["acquired_week"].to_numpy().astype(np.int64), 0)
    tenure = np.maximum(weeks - start, 1)
    per_week = customers["contribution"].to_numpy() / tenure  # currency units per week
    x = retention_weekly * math.exp(-discount_log_rate)  # survival and discount of one more week
    annuity = x / (1.0 - x) if x < 1.0 else 0.0  # undiscounted, no churn: no finite value, no tail
    alive = (customers["state"] != "churned").to_numpy()
    return np.where(alive, per_week * annuity * np.exp(-discount_log_rate * tenure), 0.0)


def _customer_kpis(customers: pd.DataFrame, acquisition: float, tail: np.ndarray) -> dict[str, float]:
    """CLV of new customers, the share of profitable customers, and profit from new customers."""
    new = customers["acquired_week"].to_numpy() >= 0
    contribution = customers["contribution"].to_numpy()
    of = new if new.any() else np.ones(new.size, dtype=bool)  # no new customer: the CLV of the base
    to_horizon = customers["clv_pv"].to_numpy()[of]
    return {
        "mean_clv": float((to_horizon + tail[of]).mean()) if to_horizon.size else 0.0,
        "mean_clv_to_horizon": float(to_horizon.mean()) if to_horizon.size else 0.0,
        "share_profitable_customers": float((contribution > 0).mean()) if contribution.size else 0.0,
        "profit_from_new": float(contribution[new].sum()) - acquisition,
    }


def compute_kpis(cfg, ledger, rec: Recorder, tables: tuple[pd.DataFrame, pd.DataFrame],
                 liability: float) -> dict[str, Any]:
    """The KPI dict of ``summary.json`` (all but ``wall_seconds``).

    ``tables`` are the weekly series and the customer snapshot; ``liability`` is what the firm
    still owes loyalty members (currency units).
    """
    ts, customers = tables
    acquired, churned = int(ts["new"].sum()), int(ts["churned"].sum())
    acquisition = ledger.group_total("acquisition")
    profit = float(ledger.weekly_profit().sum())
    weekly_rate = cfg.market.discount_log_rate_weekly
    npv = float((ledger.weekly_profit() * np.exp(-weekly_rate * (np.arange(rec.weeks) + 1))).sum())
    cac = _ratio(acquisition, acquired)
    at_risk = int(rec.at_risk.sum())
    weekly_churn = churned / at_risk if at_risk else 0.0
    tail = clv_tail(customers, rec.weeks, 1.0 - weekly_churn, weekly_rate)
    per_customer = _customer_kpis(customers, acquisition, tail)
    keeping, keeping_new = ledger.keeping_cost(), ledger.borne("new", ledger.keeping_categories())
    points = ledger.points()
    return {
        "customers_initial": int(cfg.customers.initial),
        "customers_acquired": acquired,
        "customers_churned": churned,
        "customers_won_back": int(ts["won_back"].sum()),
        "customers_active_end": int(ts["active"].iloc[-1]),
        "revenue": float(ts["revenue"].sum()),
        "gross_margin": ledger.group_total("gross_margin"),
        "acquisition_spend": acquisition,
        "retention_spend": ledger.group_total("retention"),
        "other_costs": ledger.group_total("other"),
        "cost_to_keep": keeping,
        "cost_to_keep_base": keeping - keeping_new,
        "cost_to_keep_new": keeping_new,
        "profit": profit,
        "npv_profit": npv,
        "cac": cac,
        "retention_rate_annual": (1.0 - weekly_churn) ** 52,
        "mean_clv": per_customer["mean_clv"],
        "mean_clv_to_horizon": per_customer["mean_clv_to_horizon"],
        "ltv_to_cac": _ratio(per_customer["mean_clv"], cac) if cac else None,
        "payback_weeks": payback_weeks(rec, cac),
        "loyalty_cost": ledger.loyalty_cost(),
        "loyalty_net_roi": None,
        "points_liability": liability,
        "points_issued": int(points["points_issued"].sum()),
        "points_redeemed": int(points["points_redeemed"].sum()),
        "points_expired": int(points["points_expired"].sum()),
        "points_outstanding": int(points["points_outstanding"][-1]),
        "share_profitable_customers": per_customer["share_profitable_customers"],
        "profit_from_retained": profit - per_customer["profit_from_new"],
        "profit_from_new": per_customer["profit_from_new"],
        "customer_weeks": int(rec.at_risk.sum() + ts["new"].sum()),
    }
