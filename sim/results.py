"""What a run produces: the KPI names of ``summary.json`` and the :class:`RunResult` tables.

Light on purpose: reading results (sweeps, reports) does not load the engine.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

# sim.io.COMPLETION_FILE (a sibling module, not imported from here): written last, so a
# directory holding it is a finished run.
COMPLETION_FILE = "run.json"

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from sim.config import Config

__all__ = ["KPI_NAMES", "KPI_INFO", "COUNT_KPIS", "TRANSACTION_INFO", "TABLE_INFO", "write_table", "RunResult",
           "load_run", "RUN_TABLE_NAMES"]

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
    "cost_to_keep",
    "cost_to_keep_base",
    "cost_to_keep_new",
    "profit",
    "npv_profit",
    "cac",
    "retention_rate_annual",
    "mean_clv",
    "mean_clv_to_horizon",
    "ltv_to_cac",
    "payback_weeks",
    "loyalty_cost",
    "loyalty_net_roi",
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


_MONEY = "currency unit"

#: Unit and meaning of each KPI (as in the README's KPI table); written into the Parquet metadata
#: of ``results.parquet`` and printed by ``python -m sim.report --describe``.
KPI_INFO: dict[str, tuple[str, str]] = {
    "customers_initial": ("customers", "customers at week 0 (the retained base)"),
    "customers_acquired": ("customers", "prospects who became customers during the run"),
    "customers_churned": ("customers", "churn events"),
    "customers_won_back": ("customers", "win-back events"),
    "customers_active_end": ("customers", "active customers at the end: initial + acquired - churned + won back"),
    "revenue": (_MONEY, "sales after discounts and refunds of returned orders, undiscounted"),
    "gross_margin": (_MONEY, "revenue - cost of goods"),
    "acquisition_spend": (_MONEY, "media + sign-up offers + referral rewards"),
    "retention_spend": (_MONEY, "win-back and retention offers + loyalty cost (whoever they went to)"),
    "other_costs": (_MONEY, "service cost, complaint and return handling, fixed and product costs"),
    "cost_to_keep": (_MONEY, "cost of keeping customers: retention_spend + service cost + complaint and return "
                     "handling"),
    "cost_to_keep_base": (_MONEY, "cost_to_keep - cost_to_keep_new: borne by the initial base, plus the firm's "
                                  "own keeping costs (a programme's running costs)"),
    "cost_to_keep_new": (_MONEY, "cost_to_keep borne by customers acquired during the run (their win-back and "
                                 "retention offers, loyalty costs, service)"),
    "profit": (_MONEY, "gross_margin - acquisition_spend - retention_spend - other_costs"),
    "npv_profit": (_MONEY, "weekly profit discounted at market.discount_rate_annual"),
    "cac": (_MONEY + " per customer", "acquisition_spend / customers_acquired (null when nobody was acquired)"),
    "retention_rate_annual": ("share per year", "(1 - churn events per customer-week at risk)^52"),
    "mean_clv": (_MONEY + " per customer", "mean discounted contribution per new customer, to the horizon plus "
                                           "the tail beyond it of those still customers: contribution per week x "
                                           "r / (1 + d - r) at the run's weekly retention r and discount d"),
    "mean_clv_to_horizon": (_MONEY + " per customer", "mean discounted contribution per new customer to the horizon "
                                                      "(censored: shorter runs give less)"),
    "ltv_to_cac": ("ratio", "mean_clv / cac"),
    "payback_weeks": ("weeks", "weeks until the average new customer's contribution covers the CAC "
                               "(null when it never does)"),
    "loyalty_cost": (_MONEY, "rewards + programme cost + charity - partner funding + points liability expensed "
                             "as earned (at expected redemption cost) net of its release"),
    "loyalty_net_roi": ("ratio", "net ROI: (incremental margin - loyalty_cost) / loyalty_cost = incremental profit "
                                 "over the paired run without the programme / loyalty_cost; > 0 pays for itself"),
    "points_liability": (_MONEY, "outstanding points at reward cost times the expected redemption share"),
    "points_issued": ("points", "points issued (= redeemed + expired + outstanding)"),
    "points_redeemed": ("points", "points redeemed"),
    "points_expired": ("points", "points expired"),
    "points_outstanding": ("points", "points outstanding at the end"),
    "share_profitable_customers": ("share", "share of customers ever acquired with positive contribution"),
    "profit_from_retained": (_MONEY, "profit - profit_from_new: the initial base's contribution less the firm's "
                                     "own costs outside acquisition"),
    "profit_from_new": (_MONEY, "contribution of new customers (net of cost_to_keep_new) - acquisition_spend"),
    "customer_weeks": ("customer-weeks", "work simulated: customer-weeks at risk plus acquisitions"),
    "wall_seconds": ("seconds", "engine wall time"),
}

#: KPIs that are counts: integer columns in ``results.parquet`` (null where undefined).
COUNT_KPIS: frozenset[str] = frozenset(k for k, (unit, _) in KPI_INFO.items()
                                       if unit in ("customers", "points", "weeks", "customer-weeks"))


#: Unit and meaning of the columns of the transactions export (``transactions.parquet``).
TRANSACTION_INFO: dict[str, tuple[str, str]] = {
    "customer_id": ("", "the customer's id in the market (the same person under every strategy of a seed)"),
    "week": ("week", "week of the run (0 = output.start_date)"),
    "date": ("date", "first day of the week: output.start_date + 7 week"),
    "occasions": ("purchases", "the customer's purchase occasions that week"),
    "amount": (_MONEY, "the customer's spend that week, after discounts and net of orders she returned, over "
                       "its occasions"),
    "initial_base": ("", "customer of the base at week 0; in the agent model such a customer bought before "
                         "week 0, so her first row is not her first purchase (left-censored)"),
}

#: Column units and descriptions written into the Parquet metadata of a run's tables, by table name.
TABLE_INFO: dict[str, dict[str, tuple[str, str]]] = {"transactions": TRANSACTION_INFO}


def write_table(df: pd.DataFrame, path: str | os.PathLike[str], info: dict[str, tuple[str, str]] | None = None
                ) -> None:
    """Write ``df`` to Parquet (no index), with each column's unit and description as field metadata.

    Parameters
    ----------
    df : DataFrame
        The table.
    path : path
        The file to write.
    info : dict, optional
        ``(unit, description)`` by column name; columns not in it carry no metadata. ``unit`` is
        left out of the metadata when empty (an identifier, a flag).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False)
    info = info or {}
    fields = [f.with_metadata({"description": info[f.name][1], **({"unit": info[f.name][0]} if info[f.name][0]
                                                                 else {})}) if f.name in info else f
              for f in table.schema]
    pq.write_table(pa.Table.from_arrays(table.columns, schema=pa.schema(fields, metadata=table.schema.metadata)),
                   path)


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
        ``customer_id, week, date, occasions, amount, initial_base`` per customer-week with a
        purchase, when asked for (``amount`` the week's spend; see :mod:`sim.analysis.rfm`).
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


#: The Parquet tables of a run directory (``segments`` and ``transactions`` only when written).
RUN_TABLE_NAMES = ("timeseries", "cohorts", "customers", "segments", "transactions")


def _config_of(record: dict[str, Any]) -> Config:
    """The typed scenario recorded in ``run.json``, on the schema of this version of the package."""
    from omegaconf import OmegaConf

    from sim.config import Config, register_configs

    register_configs()
    merged = OmegaConf.merge(OmegaConf.structured(Config), record.get("config") or {})
    scenario = OmegaConf.to_object(merged)
    assert isinstance(scenario, Config)
    return scenario


def load_run(path: str | os.PathLike[str]) -> RunResult:
    """Read a finished run directory back as the :class:`RunResult` the run returned.

    Parameters
    ----------
    path : path
        A run directory written by ``python -m sim`` or :func:`sim.rundir.write_run_dir`.

    Returns
    -------
    RunResult
        ``summary`` from ``summary.json``; the tables from their Parquet files (``segments`` and
        ``transactions`` None when the run did not write them); ``config`` the typed scenario
        recorded in ``run.json``; ``extra["record"]`` the whole of ``run.json`` (seed, versions,
        overrides, wall time) and ``extra["path"]`` the directory.

    Raises
    ------
    FileNotFoundError
        If ``path`` has no ``run.json``: the run has not finished, was killed, or it is not a run
        directory.
    """
    import pandas as pd

    run_dir = Path(path)
    if not (run_dir / COMPLETION_FILE).is_file():
        raise FileNotFoundError(f"The 'path' parameter of load_run must be a finished run directory (with "
                                f"{COMPLETION_FILE}). Got '{run_dir}' instead.")
    record = json.loads((run_dir / COMPLETION_FILE).read_text(encoding="utf-8"))
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    tables = {name: pd.read_parquet(run_dir / f"{name}.parquet") if (run_dir / f"{name}.parquet").is_file() else None
              for name in RUN_TABLE_NAMES}
    return RunResult(summary=summary, config=_config_of(record), extra={"record": record, "path": run_dir},
                     **tables)
