"""Whether a verdict holds over the priors: the ranking of strategies at every point of a sensitivity design.

A comparison of strategies run at the default assumptions gives a verdict (strategy X has the
highest KPI) whose confidence interval shows simulation noise only: the assumptions are fixed.
Here the same strategies have been run at every point of a design over the priors of the
behavioural assumptions (:func:`sim.analysis.sensitivity.sample_design`, common seeds), and at
the reference point (the scenario's own values). The verdict is

* **robust** when the strategy that is best at the reference is best at every design point:
  "robust over the priors (holds in N of M)";
* otherwise **not robust**, and it *hangs on* the assumptions that move the gap between the
  best strategy and its challenger (the strategy that beats it at the most design points; the
  runner-up when none does) the most (Morris ``mu_star``, or Sobol ``ST``, of that
  difference): "hangs on X, Y".

:func:`verdict_robustness` computes it from the study's arrays; :func:`robustness_markdown`
writes it for people. ``python -m sim.sensitivity --priors`` writes both into
``robustness.json`` and ``robustness.md``; ``python -m sim.report`` reads them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from sim.analysis.sensitivity import Factor, analyse

__all__ = ["ROBUSTNESS_JSON", "ROBUSTNESS_MD", "HANG_SHARE", "verdict_robustness", "statement",
           "robustness_markdown"]

ROBUSTNESS_JSON, ROBUSTNESS_MD = "robustness.json", "robustness.md"
#: An assumption the verdict hangs on moves the gap by at least this share of the largest effect.
HANG_SHARE = 0.25
_MOST_NAMED = 3


def _importance(factors: Sequence[Factor], X: np.ndarray, diff: np.ndarray, method: str, levels: int,
                seed: int) -> list[dict[str, Any]]:
    """Each factor's effect on the gap, largest first (``importance`` is Morris mu* or Sobol ST)."""
    table = analyse(factors, X, np.nan_to_num(diff), method, levels, seed)
    column = "mu_star" if method == "morris" else "ST"
    rows = []
    for f, r in zip(factors, table.to_dict("records")):
        rows.append({"factor": f.key, "low": f.low, "high": f.high, "range": f.range_text(),
                     "importance": float(r[column]),
                     **{k: float(v) for k, v in r.items() if k != "factor"}})
    return sorted(rows, key=lambda r: -r["importance"])


def _range(row: Mapping[str, Any]) -> str:
    """A factor's prior range as printed (robustness.json of older studies has no ``range``)."""
    return row.get("range") or f"{row['low']:g} to {row['high']:g}"


def _hangs_on(importance: Sequence[Mapping[str, Any]]) -> list[str]:
    """The assumptions whose effect on the gap is at least :data:`HANG_SHARE` of the largest."""
    top = importance[0]["importance"] if importance else 0.0
    if not top > 0:
        return []
    return [r["factor"] for r in importance if r["importance"] >= HANG_SHARE * top][:_MOST_NAMED]


def verdict_robustness(factors: Sequence[Factor], X: np.ndarray, Y: np.ndarray, reference: np.ndarray,
                       labels: Sequence[str], *, kpi: str = "npv_profit",
                       design: tuple[str, int, int] = ("morris", 4, 0)) -> dict[str, Any]:
    """Whether the best strategy at the reference stays best over a design of the priors.

    Parameters
    ----------
    factors : sequence of Factor
        The assumptions varied, with their prior ranges.
    X : ndarray
        Design points (rows) by factor (columns).
    Y : ndarray
        The KPI (higher is better) per strategy (rows) and design point (columns), mean over seeds.
    reference : ndarray
        The KPI per strategy at the reference point (the scenario's own values).
    labels : sequence of str
        One label per strategy (at least two).
    kpi : str
        The KPI's name.
    design : tuple
        ``(method, levels, seed)``: how the design was drawn, for the indices of the gap
        (:func:`sim.analysis.sensitivity.analyse`).

    Returns
    -------
    dict
        ``best`` and ``runner_up`` at the reference, ``challenger`` (the strategy that beats the
        best at the most points, else the runner-up), ``points``, ``best_holds`` (points where
        the best stays best), ``ranking_holds`` (points with the whole reference ranking),
        ``robust``, ``pairs`` (per other strategy: points where the best beats it),
        ``importance`` (per factor, effect on the gap best - challenger, largest first),
        ``hangs_on`` and ``statement``.
    """
    method, levels, seed = design
    Y, reference = np.asarray(Y, dtype=float), np.asarray(reference, dtype=float)
    order = [int(i) for i in np.argsort(-np.nan_to_num(reference, nan=-np.inf), kind="stable")]
    best, runner = order[0], order[1]
    filled = np.nan_to_num(Y, nan=-np.inf)  # a KPI without a value never wins
    holds = np.argmax(filled, axis=0) == best
    same_order = np.all(np.argsort(-filled, axis=0, kind="stable") == np.array(order)[:, None], axis=0)
    pairs = [{"against": labels[j], "best_better_points": int(np.sum(Y[best] > Y[j])),
              "share": float(np.mean(Y[best] > Y[j]))} for j in order[1:]]
    # The gap that decides the verdict is the one against the strategy that overtakes the best most often.
    challenger = min(order[1:], key=lambda j: (int(np.sum(Y[best] > Y[j])), order.index(j)))
    importance = _importance(factors, X, Y[best] - Y[challenger], method, levels, seed)
    info: dict[str, Any] = {
        "kpi": kpi, "method": method, "strategies": list(labels),
        "reference": {lab: (None if math.isnan(v) else float(v)) for lab, v in zip(labels, reference)},
        "best": labels[best], "runner_up": labels[runner], "challenger": labels[challenger],
        "points": int(Y.shape[1]),
        "best_holds": int(holds.sum()), "ranking_holds": int(same_order.sum()), "robust": bool(holds.all()),
        "pairs": pairs, "importance": importance, "hangs_on": _hangs_on(importance),
    }
    info["statement"] = statement(info)
    return info


def statement(info: Mapping[str, Any]) -> str:
    """The robustness of a verdict in one sentence, from :func:`verdict_robustness`'s record."""
    n, m, best = info["best_holds"], info["points"], info["best"]
    if info["robust"]:
        return f"Robust over the priors (holds in {n} of {m}): {best} is best at every sample of the assumptions."
    hangs = ", ".join(info["hangs_on"]) or "no single assumption"
    return (f"Not robust over the priors (holds in {n} of {m}): {best} is best at the scenario's own values, but "
            f"the verdict hangs on {hangs}.")


def robustness_markdown(info: Mapping[str, Any], skipped: Mapping[str, str] | None = None,
                        cost: str = "") -> str:
    """``robustness.md``: the statement, the pairwise shares, the assumptions by effect, what was not varied."""
    kpi = info["kpi"]
    lines = ["# Robustness of the verdict over the priors", "", info["statement"], "",
             f"At the reference (the scenario's own values) {info['best']} has the highest {kpi}; "
             f"{info['ranking_holds']} of {info['points']} samples keep the whole ranking.", "",
             "| against | samples where the best beats it | share |", "|---|---|---|"]
    lines += [f"| {p['against']} | {p['best_better_points']} of {info['points']} | {p['share']:.0%} |"
              for p in info["pairs"]]
    name = "mu*" if info.get("method", "morris") == "morris" else "ST"
    lines += ["", f"Effect of each assumption over its prior range on the gap {info['best']} - {info['challenger']} "
              f"({name}, {kpi} units{'' if name == 'mu*' else ' as a share of variance'}):", "",
              f"| assumption | prior range | {name} |", "|---|---|---|"]
    lines += [f"| `{r['factor']}` | {_range(r)} | {_number(r['importance'])} |"
              for r in info["importance"]]
    if skipped:
        lines += ["", "Not varied:", ""] + [f"- `{k}`: {why}" for k, why in skipped.items()]
    if cost:
        lines += ["", cost]
    return "\n".join(lines) + "\n"


def _number(value: float) -> str:
    """Whole units with separators for large effects, three significant digits for small ones."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
