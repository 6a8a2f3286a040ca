"""A reproducible synthetic transaction log for the calibration benchmark.

Customers make a first purchase on a day drawn uniformly over the first ``join_weeks`` weeks of
a log of ``weeks`` weeks, then buy as BG/NBD customers (Fader, Hardie & Lee 2005) on a
continuous clock: a Poisson process of rate ``lambda ~ Gamma(r, alpha)`` per week, dropping out
after each repeat purchase with probability ``p ~ Beta(a, b)``. A purchase is one line, dated by
its day; a tenth of the purchases have a second line on the same day (a customer buying twice a
day, as in CDNOW). Amounts are Gamma-Gamma (each customer's mean spend varies), in cents.

The rows follow one another by customer and date; ids are ``C`` and seven digits. The same
arguments always give the same file, byte for byte.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["LOG_PARAMETERS", "synthetic_log", "write_synthetic_log"]

#: BG/NBD purchase parameters (alpha per week) and Gamma-Gamma spend of the synthetic customers:
#: about 5.8 lines per customer over 78 weeks, as in the large log the issue timed.
LOG_PARAMETERS = {"r": 0.6, "alpha": 3.0, "a": 0.8, "b": 3.0, "spend_p": 6.0, "spend_q": 4.0, "spend_gamma": 15.0}
_START = np.datetime64("2020-01-01")
_DAYS_PER_WEEK = 7.0
_SAME_DAY_SHARE = 0.1


def _purchase_days(n: int, weeks: float, join_weeks: float, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Customer index and day of every purchase, first ones included, ordered by customer and time."""
    p = LOG_PARAMETERS
    first = rng.integers(0, round(join_weeks * _DAYS_PER_WEEK), size=n)
    rate = rng.gamma(p["r"], 1.0 / p["alpha"], size=n)
    drop = rng.beta(p["a"], p["b"], size=n)
    owners, times = [np.arange(n)], [first.astype(np.float64) / _DAYS_PER_WEEK]
    clock, alive = times[0].copy(), np.arange(n)
    while alive.size:  # one round of repeat purchases per pass, over the customers still buying
        clock[alive] += rng.exponential(size=alive.size) / rate[alive]
        alive = alive[clock[alive] < weeks]
        owners.append(alive)
        times.append(clock[alive])
        alive = alive[rng.random(alive.size) >= drop[alive]]
    owner, time = np.concatenate(owners), np.concatenate(times)
    order = np.lexsort((time, owner))
    return owner[order], np.floor(time[order] * _DAYS_PER_WEEK).astype(np.int64)


def synthetic_log(rows: int, seed: int = 0, weeks: float = 78.0, join_weeks: float = 39.0) -> pd.DataFrame:
    """The first ``rows`` lines of a synthetic log: ``customer_id``, ``date``, ``amount``.

    Parameters
    ----------
    rows : int
        Lines of the log (>= 1).
    seed : int
        Seed of the generator.
    weeks : float
        Length of the log, weeks.
    join_weeks : float
        Weeks over which customers make their first purchase, from the first day.

    Returns
    -------
    DataFrame
        ``customer_id`` (str), ``date`` (``YYYY-MM-DD`` text), ``amount`` (currency units, cents).
    """
    rng = np.random.default_rng(seed)
    n = max(16, rows // 5)
    while True:  # customers until there are enough lines; the customers past the last line are cut off
        owner, day = _purchase_days(n, weeks, join_weeks, rng)
        line = np.repeat(np.arange(owner.size), np.where(rng.random(owner.size) < _SAME_DAY_SHARE, 2, 1))
        if line.size >= rows:
            break
        n *= 2
    line = line[:rows]
    owner, day = owner[line], day[line]
    p = LOG_PARAMETERS
    nu = rng.gamma(p["spend_q"], 1.0 / p["spend_gamma"], size=n)  # each customer's spend rate
    amount = np.round(rng.gamma(p["spend_p"], 1.0 / nu[owner]), 2)
    ids = np.char.add("C", np.char.zfill(owner.astype(str), 7))
    return pd.DataFrame({"customer_id": ids, "date": np.datetime_as_string(_START + day, unit="D"), "amount": amount})


def write_synthetic_log(path: Path, rows: int, seed: int = 0) -> Path:
    """Write :func:`synthetic_log` as CSV to ``path`` (its folder must exist) and return the path."""
    synthetic_log(rows, seed).to_csv(path, index=False)
    return path
