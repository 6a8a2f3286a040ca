"""New customers over the calibration weeks: a Bass arrival curve when the log has ongoing acquisition.

A transaction log identifies how fast new customers arrive only when they keep arriving: weekly
first purchases then give the Bass coefficients and the number of customers who will ever buy
(Schmittlein & Mahajan 1982, maximum likelihood on the weekly counts). A log of one cohort (the
CDNOW sample: everyone's first purchase in the first twelve weeks) does not: no first purchase
near the end of the calibration period says nothing about arrivals after it, and the curve is
reported as not identified, with the reason.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.clv import fit_bass
from sim.analysis.clv.bass import bass_log_likelihood
from sim.calibration.fit import log_parameter_covariance

__all__ = ["ONGOING_SHARE", "weekly_first_purchases", "arrival_curve"]

#: Acquisition counts as ongoing when at least this share of first purchases fall in the last
#: quarter of the calibration weeks (a steady flow puts about a quarter there, a cohort none).
ONGOING_SHARE = 0.05


def weekly_first_purchases(first_purchase: pd.Series, start: pd.Timestamp, calibration_weeks: float) -> np.ndarray:
    """New customers per whole week of the calibration period (customers per week), week 1 first."""
    weeks = int(np.floor(calibration_weeks))
    index = ((first_purchase - start).dt.days // 7).to_numpy()
    return np.bincount(index[(index >= 0) & (index < weeks)], minlength=weeks).astype(float)


def arrival_curve(first_purchase: pd.Series, start: pd.Timestamp, calibration_weeks: float) -> dict[str, Any]:
    """The fitted Bass arrival curve, or why the log does not identify one.

    Parameters
    ----------
    first_purchase : Series of datetime
        Each customer's first purchase date.
    start : Timestamp
        The log's first day (week 1 starts there).
    calibration_weeks : float
        Length of the calibration period (weeks).

    Returns
    -------
    dict
        ``identified``; when true ``p``, ``q`` (per week), ``m`` (customers who will ever buy,
        those seen included) with ``standard_errors`` (delta method from the log-parameter
        covariance), ``log_covariance`` (of log p, log q, log(m - adopted); None when not finite),
        ``adopted`` (first purchases seen), ``log_likelihood`` and the weekly ``counts``; when
        false ``reason``.
    """
    counts = weekly_first_purchases(first_purchase, start, calibration_weeks)
    last_quarter = counts[int(np.ceil(0.75 * counts.size)):].sum()
    if counts.size < 8 or counts.sum() == 0 or last_quarter < ONGOING_SHARE * counts.sum():
        return {"identified": False, "reason": (
            f"no ongoing acquisition: {int(last_quarter)} of {int(counts.sum())} first purchases fall in the last "
            f"quarter of the {counts.size} calibration weeks (a cohort); arrivals after them are not identified")}
    fit = fit_bass(counts)
    adopted = counts.sum()
    centre = np.log([fit.p, fit.q, fit.m - adopted])
    cov = log_parameter_covariance(
        lambda v: bass_log_likelihood(counts, *np.exp(v[:2]), adopted + np.exp(v[2])), centre)
    se = np.exp(centre) * np.sqrt(np.clip(np.diag(cov), 0.0, None))
    finite = bool(np.all(np.isfinite(cov)))
    return {"identified": True, "p": fit.p, "q": fit.q, "m": fit.m, "adopted": int(adopted),
            "standard_errors": {"p": float(se[0]), "q": float(se[1]), "m": float(se[2])},
            "log_covariance": np.asarray(cov).tolist() if finite else None,
            "log_likelihood": fit.log_likelihood, "counts": counts.astype(int).tolist(),
            "unit": "p and q per week; m customers who will ever buy, those seen included"}
