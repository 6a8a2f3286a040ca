"""The calibration data of a transaction log: per-customer summaries and the holdout weeks.

The log is split at ``calibration_weeks`` after its first date: the calibration period gives each
customer's repeat-purchase history (x, t_x, T in weeks), first purchase amount and repeat spend;
the whole weeks after it give the actual purchases the models forecast.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.analysis.transactions import summarize_calibration

__all__ = ["CalibrationError", "DAYS_PER_WEEK", "daily_purchases", "check_calibration_weeks", "prepare",
           "holdout_revenue", "calibration_amounts"]

DAYS_PER_WEEK = 7


class CalibrationError(ValueError):
    """Input the calibration cannot use; the message names the argument and what is allowed."""


def daily_purchases(log: pd.DataFrame) -> pd.DataFrame:
    """Same-day purchases of a customer merged (amounts summed), as summarize_calibration does."""
    return log.assign(date=log["date"].dt.normalize()).groupby(["customer_id", "date"], as_index=False)["amount"].sum()


def _coded(log: pd.DataFrame) -> tuple[pd.DataFrame, pd.Index]:
    """The log with each customer id replaced by its rank among the sorted distinct ids, and those ids.

    Grouping and matching integers is far faster than text (pandas' Arrow strings match ``isin``
    with a Python loop: 23 s of the 39 s of preparing 5 M lines); ranks keep the ids' order.
    """
    codes, ids = pd.factorize(log["customer_id"], sort=True)
    return log.assign(customer_id=codes), pd.Index(ids, name="customer_id")


def _last_calibration_day(log: pd.DataFrame, calibration_weeks: float) -> pd.Timestamp:
    start = log["date"].dt.normalize().min()
    return start + pd.Timedelta(days=round(DAYS_PER_WEEK * calibration_weeks) - 1)


def check_calibration_weeks(log: pd.DataFrame, weeks: float) -> int:
    """Whole holdout weeks left after ``weeks`` of calibration; raise if there are none."""
    days = log["date"].dt.normalize()
    span = (days.max() - days.min()).days + 1
    longest = (span - DAYS_PER_WEEK) / DAYS_PER_WEEK
    calibration_days = round(DAYS_PER_WEEK * weeks) if math.isfinite(weeks) else 0
    if not (weeks > 0 and calibration_days >= 1 and span - calibration_days >= DAYS_PER_WEEK):
        raise CalibrationError(
            f"The '--calibration-weeks' argument must be a number of weeks in (0, {longest:.2f}] so that at least "
            f"one whole week of the log is left to forecast (the log spans {span} days, "
            f"{days.min().date()} to {days.max().date()}). Got {weeks!r} instead."
        )
    return (span - calibration_days) // DAYS_PER_WEEK


def prepare(log: pd.DataFrame, calibration_weeks: float) -> tuple[pd.DataFrame, np.ndarray, int]:
    """Calibration summary with covariate and spend, and the actual holdout purchases by week.

    Returns
    -------
    summary : DataFrame
        One row per customer with a calibration history: x, t_x, T, z, spend_n, spend_total,
        mean_repeat_spend, x_holdout (whole holdout weeks only).
    weekly : ndarray
        Actual repeat transactions in each whole holdout week, shape (customers, weeks).
    holdout_weeks : int
        Whole weeks after calibration.
    """
    holdout_weeks = check_calibration_weeks(log, calibration_weeks)
    last_calibration_day = _last_calibration_day(log, calibration_weeks)
    end = last_calibration_day + pd.Timedelta(days=DAYS_PER_WEEK * holdout_weeks)
    log, ids = _coded(log)
    summary = summarize_calibration(log, calibration_weeks, observation_end=end)
    if summary["x"].sum() == 0:
        raise CalibrationError(
            "The '--calibration-weeks' argument leaves no repeat purchase in the calibration period, so "
            f"purchase rates cannot be fitted. Got {calibration_weeks!r} instead."
        )
    daily = daily_purchases(log)
    daily = daily[daily["customer_id"].isin(summary.index)]
    first = daily.groupby("customer_id")["date"].transform("min")
    first_amount = daily[daily["date"] == first].set_index("customer_id")["amount"].reindex(summary.index)
    z = np.log1p(first_amount.to_numpy())
    repeat = daily[(daily["date"] > first) & (daily["date"] <= last_calibration_day)]
    valued = repeat[repeat["amount"] > 0].groupby("customer_id")["amount"]
    summary = summary.assign(
        z=z - z.mean(),
        spend_n=valued.size().reindex(summary.index, fill_value=0).to_numpy(),
        spend_total=valued.sum().reindex(summary.index, fill_value=0.0).to_numpy(),
    )
    holdout = daily[(daily["date"] > last_calibration_day) & (daily["date"] <= end)]
    week = ((holdout["date"] - last_calibration_day).dt.days - 1) // DAYS_PER_WEEK
    cell = np.searchsorted(summary.index.to_numpy(), holdout["customer_id"].to_numpy()) * holdout_weeks + week
    weekly = np.bincount(cell.to_numpy(), minlength=len(summary) * holdout_weeks).reshape(len(summary), holdout_weeks)
    summary.index = ids[summary.index.to_numpy()]
    return summary, weekly, holdout_weeks


def holdout_revenue(log: pd.DataFrame, customers: pd.Index, calibration_weeks: float, holdout_weeks: int) -> float:
    """Actual revenue of ``customers`` in the whole holdout weeks (currency units of the log)."""
    coded, ids = _coded(log)
    daily = daily_purchases(coded)
    last_day = _last_calibration_day(log, calibration_weeks)
    in_holdout = ((daily["date"] > last_day)
                  & (daily["date"] <= last_day + pd.Timedelta(days=DAYS_PER_WEEK * holdout_weeks)))
    chosen = ids.get_indexer(customers)  # by hash: isin on text loops in Python
    return float(daily.loc[in_holdout & daily["customer_id"].isin(chosen), "amount"].sum())


def calibration_amounts(log: pd.DataFrame, calibration_weeks: float) -> pd.Series:
    """Amount of every purchase occasion (a customer's day) in the calibration period, currency units."""
    daily = daily_purchases(_coded(log)[0])
    return daily.loc[daily["date"] <= _last_calibration_day(log, calibration_weeks), "amount"]
