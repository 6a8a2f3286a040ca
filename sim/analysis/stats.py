"""Replication statistics: confidence intervals, paired comparisons, and how many runs to do.

A scenario's KPI varies from seed to seed, so a sweep runs replications and reports the mean with
a 95 % confidence interval from the t distribution. Scenarios run with the same seeds share
their random numbers (common random numbers: the same customer meets the same luck under both
strategies), so the difference between two scenarios is best estimated pairwise, seed by seed:
the luck cancels and the paired interval is much narrower than the unpaired one. The ratio of
the two variances, :func:`variance_reduction`, says how many times more replications an
independent design would need for the same precision.

All functions take a tidy results table (:func:`sim.analysis.collect.collect`): one row per
run, parameter columns, ``seed``, and KPI columns. KPI values are in the units of the KPI
(currency units for money).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from sim.analysis.collect import parameter_columns

__all__ = [
    "scenario_columns",
    "scenario_labels",
    "t_interval",
    "replications_needed",
    "variance_reduction",
    "summarize",
    "paired_differences",
    "resolve_baseline",
]


def scenario_columns(results: pd.DataFrame) -> list[str]:
    """Parameter columns that vary in ``results``: together they define a scenario."""
    return [c for c in parameter_columns(results) if results[c].nunique(dropna=False) > 1]


def scenario_labels(results: pd.DataFrame, by: Sequence[str]) -> pd.Series:
    """A readable label per row, e.g. ``'loyalty=points, pricing=premium'`` (``'all runs'`` if none)."""
    if not by:
        return pd.Series("all runs", index=results.index, dtype=object)
    parts = [results[c].map(lambda v, c=c: f"{c}={v}") for c in by]
    label = parts[0]
    for p in parts[1:]:
        label = label + ", " + p
    return label.astype(object)


def t_interval(values: Sequence[float] | np.ndarray, level: float = 0.95) -> tuple[float, float, float, int]:
    """Mean, half-width of its ``level`` confidence interval (t distribution), sd, and n.

    NaN values are dropped. With fewer than two values the half-width and sd are NaN.
    """
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    n = x.size
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    mean = float(x.mean())
    if n < 2:
        return mean, math.nan, math.nan, n
    sd = float(x.std(ddof=1))
    return mean, float(sps.t.ppf(0.5 + level / 2, n - 1) * sd / math.sqrt(n)), sd, n


def replications_needed(sd: float, half_width: float, level: float = 0.95, n_min: int = 2) -> int:
    """Smallest number of replications whose ``level`` t interval is no wider than ``half_width``.

    Solves ``t(level, n - 1) * sd / sqrt(n) <= half_width`` for ``n``, taking ``sd`` (from a
    pilot sweep) as the true spread.

    Parameters
    ----------
    sd : float
        Standard deviation of one replication's KPI (or of a paired difference), in KPI units.
    half_width : float
        Target half-width of the confidence interval, in KPI units (> 0).
    level : float
        Confidence level in (0, 1).
    n_min : int
        Fewest replications to suggest (a t interval needs 2).

    Raises
    ------
    ValueError
        If ``half_width`` is not positive or ``sd`` is negative or not finite.
    """
    if not half_width > 0:
        raise ValueError(
            f"The 'half_width' parameter of replications_needed must be a number > 0. Got {half_width!r} instead."
        )
    if not (sd >= 0 and math.isfinite(sd)):
        raise ValueError(
            f"The 'sd' parameter of replications_needed must be a finite number >= 0. Got {sd!r} instead."
        )
    z = sps.norm.ppf(0.5 + level / 2)
    n = max(n_min, 2, math.ceil((z * sd / half_width) ** 2))  # the normal bound is a lower bound
    while sps.t.ppf(0.5 + level / 2, n - 1) * sd / math.sqrt(n) > half_width:
        n += 1
    return n


def variance_reduction(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray) -> float:
    """How much pairing reduces the variance of a difference: ``(var a + var b) / var(a - b)``.

    ``a`` and ``b`` are paired replications (same seeds). The numerator is the variance of a
    difference between independent replications, the denominator that of the paired difference;
    a value of 10 means an unpaired design would need ten times the replications.
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if a.shape != b.shape or a.size < 2:
        raise ValueError(
            f"variance_reduction needs two paired samples of equal size >= 2. Got sizes {a.size} and {b.size}."
        )
    paired = float(np.var(a - b, ddof=1))
    unpaired = float(np.var(a, ddof=1) + np.var(b, ddof=1))
    # A constant difference carries rounding noise only: its variance counts as zero.
    scale = float(max(np.abs(a).max(), np.abs(b).max(), 1.0))
    if paired <= (64 * np.finfo(float).eps * scale) ** 2:
        paired = 0.0
    return math.inf if paired == 0 and unpaired > 0 else (math.nan if paired == 0 else unpaired / paired)


def _paired_p_value(diff: float, sd: float, n: int) -> float:
    """Two-sided p-value of the paired t test of a mean difference ``diff`` (sd ``sd``, ``n`` pairs)."""
    if sd == 0:
        return 1.0 if diff == 0 else 0.0
    return float(2 * sps.t.sf(abs(diff) / (sd / math.sqrt(n)), n - 1))


def _welch_half_width(x: np.ndarray, y: np.ndarray, level: float) -> float:
    """Half-width of the Welch interval of ``mean(x) - mean(y)`` for independent samples."""
    vx, vy = np.var(x, ddof=1) / x.size, np.var(y, ddof=1) / y.size
    se2 = vx + vy
    if se2 == 0:
        return 0.0
    dof = se2**2 / (vx**2 / (x.size - 1) + vy**2 / (y.size - 1))
    return float(sps.t.ppf(0.5 + level / 2, dof) * math.sqrt(se2))


def _check_kpi(results: pd.DataFrame, kpi: str) -> None:
    if kpi not in results.columns:
        raise KeyError(f"The 'kpi' parameter must be a column of the results table. Got {kpi!r} instead.")


def summarize(results: pd.DataFrame, kpi: str = "npv_profit", *, by: Sequence[str] | None = None,
              level: float = 0.95, target_half_width: float | None = None) -> pd.DataFrame:
    """Mean and confidence interval of ``kpi`` per scenario, over its replications.

    Parameters
    ----------
    results : DataFrame
        Tidy results (one row per run).
    kpi : str
        KPI column.
    by : sequence of str, optional
        Columns defining a scenario; default :func:`scenario_columns`.
    level : float
        Confidence level.
    target_half_width : float, optional
        If given, add ``n_needed``: replications for a half-width this small (KPI units).

    Returns
    -------
    DataFrame
        One row per scenario in order of first appearance: ``scenario``, the ``by`` columns,
        ``n``, ``mean``, ``sd``, ``half_width``, ``ci_low``, ``ci_high`` (and ``n_needed``).
    """
    _check_kpi(results, kpi)
    by = list(scenario_columns(results) if by is None else by)
    rows = []
    groups = results.groupby(by, sort=False, dropna=False) if by else [((), results)]
    for key, g in groups:
        key = key if isinstance(key, tuple) else (key,)
        mean, hw, sd, n = t_interval(g[kpi].to_numpy(), level)
        row: dict[str, Any] = {"scenario": scenario_labels(g.iloc[:1], by).iloc[0], **dict(zip(by, key)),
                               "n": n, "mean": mean, "sd": sd, "half_width": hw,
                               "ci_low": mean - hw, "ci_high": mean + hw}
        if target_half_width is not None:
            row["n_needed"] = replications_needed(sd, target_half_width, level) if n >= 2 else None
        rows.append(row)
    return pd.DataFrame(rows)


def resolve_baseline(results: pd.DataFrame, baseline: Mapping[str, Any] | str | None,
                     by: Sequence[str]) -> str:
    """The label of the baseline scenario.

    ``baseline`` is a label (``'loyalty=none'``), a mapping of scenario columns to values
    (``{'loyalty': 'none'}``), or None for the first scenario in table order. Values are
    compared as text, so ``{'pricing.list_price': '25'}`` matches 25.

    Raises
    ------
    ValueError
        If no scenario matches; the message lists the scenarios.
    """
    labels = scenario_labels(results, by)
    order = list(dict.fromkeys(labels))
    if baseline is None:
        return order[0]
    if isinstance(baseline, str):
        if baseline in order:
            return baseline
        wanted = dict(part.strip().split("=", 1) for part in baseline.split(",") if "=" in part)
    else:
        wanted = {str(k): str(v) for k, v in baseline.items()}
    mask = pd.Series(bool(wanted), index=results.index)
    for k, v in wanted.items():
        mask &= results[k].map(str).eq(v) if k in results.columns else False
    hits = list(dict.fromkeys(labels[mask]))
    if len(hits) != 1:
        raise ValueError(
            f"The 'baseline' parameter must name exactly one scenario: one of {', '.join(repr(o) for o in order)}. "
            f"Got {baseline!r} instead ({len(hits)} matches)."
        )
    return hits[0]


def _paired_row(x: pd.Series, base: pd.Series, level: float) -> dict[str, Any]:
    """Paired statistics of one scenario's KPI ``x`` against ``base``, both indexed by the pairing column."""
    common = x.index.intersection(base.index)
    a, b = x.loc[common].to_numpy(), base.loc[common].to_numpy()
    diff, hw, sd, n = t_interval(a - b, level)
    row: dict[str, Any] = {"n_pairs": n, "diff": diff, "half_width": hw, "ci_low": diff - hw, "ci_high": diff + hw}
    if n >= 2:
        row["p_value"] = _paired_p_value(diff, sd, n)
        row["unpaired_half_width"] = _welch_half_width(x.to_numpy(), base.to_numpy(), level)
        row["variance_reduction"] = variance_reduction(a, b)
        row["n_to_resolve"] = replications_needed(sd, abs(diff), level) if diff != 0 else None
    else:
        row.update(p_value=math.nan, unpaired_half_width=math.nan, variance_reduction=math.nan, n_to_resolve=None)
    return row


def paired_differences(results: pd.DataFrame, kpi: str = "npv_profit", *,
                       baseline: Mapping[str, Any] | str | None = None, by: Sequence[str] | None = None,
                       pair_on: str = "seed", level: float = 0.95) -> pd.DataFrame:
    """Difference of each scenario's ``kpi`` from a baseline scenario, paired by seed.

    Under common random numbers, replication ``s`` of two scenarios shares its luck, so the
    differences ``x_s - base_s`` have a much smaller spread than the scenarios themselves.

    Parameters
    ----------
    results : DataFrame
        Tidy results (one row per run).
    kpi : str
        KPI column.
    baseline : str or mapping, optional
        The baseline scenario (see :func:`resolve_baseline`); default the first scenario.
    by : sequence of str, optional
        Columns defining a scenario; default :func:`scenario_columns`.
    pair_on : str
        Column pairing replications across scenarios.
    level : float
        Confidence level.

    Returns
    -------
    DataFrame
        One row per non-baseline scenario: ``scenario``, ``baseline``, the ``by`` columns,
        ``n_pairs``, ``diff`` (mean paired difference, KPI units), ``half_width``, ``ci_low``,
        ``ci_high``, ``p_value`` (paired t test), ``unpaired_half_width`` (Welch interval from the
        same runs treated as independent), ``variance_reduction`` (see
        :func:`variance_reduction`), and ``n_to_resolve``: replications for the paired interval
        to exclude zero at this difference and spread.
    """
    _check_kpi(results, kpi)
    by = list(scenario_columns(results) if by is None else by)
    labels = scenario_labels(results, by)
    base_label = resolve_baseline(results, baseline, by)
    frame = results.assign(_label=labels)
    base = frame.loc[frame["_label"] == base_label, [pair_on, kpi]].dropna()
    base = base.drop_duplicates(pair_on).set_index(pair_on)[kpi]
    rows = []
    for label, g in frame.groupby("_label", sort=False):
        if label == base_label:
            continue
        x = g[[pair_on, kpi]].dropna().drop_duplicates(pair_on).set_index(pair_on)[kpi]
        row: dict[str, Any] = {"scenario": label, "baseline": base_label, **{c: g[c].iloc[0] for c in by}}
        rows.append({**row, **_paired_row(x, base, level)})
    columns = ["scenario", "baseline", *by, "n_pairs", "diff", "half_width", "ci_low", "ci_high", "p_value",
               "unpaired_half_width", "variance_reduction", "n_to_resolve"]
    return pd.DataFrame(rows, columns=columns)
