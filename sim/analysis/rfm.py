"""The RFM summary the customer-base models expect, from a run's ``transactions.parquet``.

Buy-till-you-die models (BG/NBD, Pareto/NBD, Gamma-Gamma) are fitted to one row per customer:
``frequency`` (repeat purchase periods), ``recency`` (time from the first to the last purchase)
and ``T`` (time from the first purchase to the end of observation), as lifetimes'
``summary_data_from_transaction_data`` and PyMC-Marketing's ``rfm_summary`` define them.
:func:`rfm_summary` computes exactly that from the simulator's export, whose rows are already
one per customer and week (``amount`` is the week's spend summed over its purchase occasions)::

    import pandas as pd
    from sim.analysis.rfm import rfm_summary, run_end

    tx = pd.read_parquet("outputs/.../transactions.parquet")
    rfm = rfm_summary(tx, unit="W")                  # weeks; unit="D" for days
    rfm = rfm[~rfm["initial_base"]]                  # drop the left-censored initial base

The table's ``date`` column also feeds those libraries directly (``datetime_col="date"``); its
integer ``week`` column does not: read as timestamps, all weeks fall on one day and every
customer gets frequency, recency and T of 0. Customers of the initial base were buying before
week 0, so their first purchase in the log is not their first purchase: their T and recency are
too short (left-censoring). The ``initial_base`` column flags them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["rfm_summary", "run_end", "UNITS"]

#: Period units: the pandas period code and its length in days.
UNITS = {"D": 1, "W": 7}
# Day 0 of numpy's calendar (1970-01-01) is a Thursday; pandas' weeks (W-SUN) start on Mondays.
_MONDAY_OFFSET = 3


def _ordinals(dates: pd.Series, unit: str) -> np.ndarray:
    """Period number of each date: days since 1970-01-01, or pandas' Monday-to-Sunday weeks."""
    days = pd.to_datetime(dates).to_numpy().astype("datetime64[D]").astype(np.int64)
    return days if unit == "D" else np.floor_divide(days + _MONDAY_OFFSET, 7)


def run_end(start_date: str, weeks: int) -> pd.Timestamp:
    """The first day of a run's last week: the end of observation of its transaction log.

    Parameters
    ----------
    start_date : str
        ``output.start_date`` of the scenario (``YYYY-MM-DD``).
    weeks : int
        ``horizon.weeks``.
    """
    return pd.Timestamp(start_date) + pd.Timedelta(days=7 * (weeks - 1))


def _mean_spend(periods: pd.DataFrame, first: pd.Series, include_first: bool) -> pd.Series:
    """Mean spend per purchase period of each customer, of the repeat periods unless ``include_first``."""
    is_first = periods["period"].to_numpy() == first.reindex(periods["customer"]).to_numpy()
    kept = periods if include_first else periods[~is_first]
    return kept.groupby("customer")["amount"].mean()


def rfm_summary(transactions: pd.DataFrame, *, unit: str = "W", observation_end=None,
                include_first_transaction: bool = False, customer_col: str = "customer_id",
                date_col: str = "date", amount_col: str | None = "amount") -> pd.DataFrame:
    """Frequency, recency, T and mean spend per customer, as lifetimes and PyMC-Marketing define them.

    Purchases are first merged into periods of ``unit`` (amounts summed), then, per customer:
    ``frequency`` = periods with a purchase - 1; ``recency`` = last period - first period;
    ``T`` = the period of ``observation_end`` - first period (both in ``unit``);
    ``monetary_value`` = mean amount of the repeat periods (0 without repeats), or of all periods
    with ``include_first_transaction`` (which then also counts the first period in ``frequency``).
    Purchases after ``observation_end`` are left out.

    Parameters
    ----------
    transactions : DataFrame
        One row per purchase (or per customer and week, as the simulator writes them).
    unit : {"W", "D"}
        Time unit: weeks (pandas' Monday-to-Sunday periods) or days.
    observation_end : date-like, optional
        End of observation; default the latest date in ``transactions``. For a run, its last
        week: ``run_end(cfg.output.start_date, cfg.horizon.weeks)``.
    include_first_transaction : bool
        Count the first period in ``frequency`` and ``monetary_value`` (not to fit BG/NBD).
    customer_col, date_col, amount_col : str
        Column names (``amount_col=None``: no ``monetary_value``).

    Returns
    -------
    DataFrame
        Indexed by customer (sorted), float columns ``frequency``, ``recency``, ``T`` (``unit``)
        and ``monetary_value`` (currency units per period), and ``initial_base`` when the log has
        that column.

    Raises
    ------
    ValueError
        For a unit other than ``"W"`` or ``"D"``.
    """
    if unit not in UNITS:
        raise ValueError(f"The 'unit' parameter of rfm_summary must be one of {', '.join(map(repr, UNITS))}. "
                         f"Got {unit!r} instead.")
    end = pd.to_datetime(transactions[date_col]).max() if observation_end is None else observation_end
    end_ordinal = _ordinals(pd.Series([pd.Timestamp(end)]), unit)[0]
    periods = pd.DataFrame({"customer": transactions[customer_col].to_numpy(),
                            "period": _ordinals(transactions[date_col], unit),
                            "amount": transactions[amount_col].to_numpy(float) if amount_col else 0.0})
    periods = periods[periods["period"] <= end_ordinal]
    periods = periods.groupby(["customer", "period"], sort=True)["amount"].sum().reset_index()
    by = periods.groupby("customer", sort=True)
    first, last, count = by["period"].min(), by["period"].max(), by["period"].size()
    out = pd.DataFrame(index=first.index.rename(customer_col))
    out["frequency"] = (count - (0 if include_first_transaction else 1)).astype(float)
    out["recency"] = (last - first).astype(float)
    out["T"] = (end_ordinal - first).astype(float)
    if amount_col:
        out["monetary_value"] = _mean_spend(periods, first, include_first_transaction).reindex(out.index).fillna(0.0)
    if "initial_base" in transactions.columns:
        flags = transactions.groupby(customer_col)["initial_base"].first()
        out["initial_base"] = flags.reindex(out.index).to_numpy(bool)
    return out
