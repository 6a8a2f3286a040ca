"""What a run produces: the KPI names of ``summary.json`` and the :class:`RunResult` tables.

Light on purpose: reading results (sweeps, reports) does not load the engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from sim.config import Config

__all__ = ["KPI_NAMES", "RunResult"]

#: Names of the KPIs in ``summary.json``, in the order they are written (the README defines each).
KPI_NAMES: tuple[str, ...] = (
    "customers_initial",
    "customers_acquired",
    "customers_churned",
    "customers_won_back",
    "customers_active_end",
    "revenue",
    "gross_margin",
    "acquisition_spend",
    "retention_spend",
    "other_costs",
    "profit",
    "npv_profit",
    "cac",
    "retention_rate_annual",
    "mean_clv",
    "ltv_to_cac",
    "payback_weeks",
    "loyalty_cost",
    "loyalty_roi",
    "points_liability",
    "points_issued",
    "points_redeemed",
    "points_expired",
    "points_outstanding",
    "share_profitable_customers",
    "profit_from_retained",
    "profit_from_new",
    "customer_weeks",
    "wall_seconds",
)


@dataclass
class RunResult:
    """Everything one run produced.

    Attributes
    ----------
    summary : dict
        KPIs by the names in :data:`KPI_NAMES` (currency units, counts, rates per year);
        ratios that are undefined (e.g. CAC with no acquisitions) are None.
    timeseries : DataFrame
        One row per week.
    cohorts : DataFrame
        One row per acquisition cohort and week.
    customers : DataFrame
        One row per customer ever acquired, as at the end of the run.
    transactions : DataFrame or None
        ``customer_id, week, occasions, amount`` per customer-week with a purchase, when asked for.
    segments : DataFrame
        One row per value segment: customers, revenue, contribution and share of total
        contribution.
    config : Config
        The validated config that produced it.
    """

    summary: dict[str, Any]
    timeseries: pd.DataFrame
    cohorts: pd.DataFrame
    customers: pd.DataFrame
    transactions: pd.DataFrame | None
    config: Config
    segments: pd.DataFrame | None = None
    extra: dict[str, Any] = field(default_factory=dict)
