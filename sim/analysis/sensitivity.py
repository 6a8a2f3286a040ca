"""Global sensitivity of a KPI, and of the gap between two strategies, to behavioural assumptions.

The simulator rests on assumptions nobody knows exactly: how fast customers churn, how price
sensitive they are, how strongly word of mouth spreads. A sensitivity analysis varies them all
over plausible ranges at once and ranks them by how much they move the answer:

* Morris elementary effects (screening, cheap): an elementary effect is the change of the KPI
  when one factor moves by a grid step, scaled to the factor's whole range (KPI units per full
  range). ``mu_star`` is their mean absolute value, ``mu`` their signed mean (``|mu| < mu_star``:
  the effect changes sign), ``sigma`` their spread (non-linearity or interaction).
* Sobol indices (variance-based, costlier): ``S1`` is the share of the KPI's variance due to a
  factor alone, ``ST`` including its interactions.

With two strategies (``--compare A B``) every design point is run under both with the same
seeds, and the analysis is repeated on the paired difference B - A: a factor that moves the
difference changes how much better one strategy is, and the share of design points where B
beats A says whether the *ranking* of the strategies depends on the assumptions at all.

Running the analysis (composing the scenarios, running them, writing files and charts, the
command line) is :mod:`sim.sensitivity`; this module holds the design and the indices.

Factor syntax (``--factor``, repeatable): ``KEY=LOW:HIGH``, a uniform range of one config value,
e.g. ``customers.churn_rate=0.0025:0.01``. Default: :data:`DEFAULT_FACTORS`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.config.priors import inert, select
from sim.errors import ArgumentError

__all__ = [
    "DEFAULT_FACTORS",
    "FACTOR_SYNTAX",
    "INDEX_COLUMNS",
    "METHODS",
    "Factor",
    "parse_factor",
    "sample_design",
    "analyse",
    "targets",
    "ranking",
    "PRIORS_ALLOWED",
    "prior_factors",
]

#: What ``--priors`` takes, completing "must be ...".
PRIORS_ALLOWED = ("names of behavioural parameters with a prior, or their groups (customers, market, "
                  "loyalty.points, ...; the 'prior range' column of docs/behaviour.md lists them); overrides of "
                  "the scenario go before --priors")

FACTOR_SYNTAX = "KEY=LOW:HIGH with numbers LOW < HIGH"
#: Assumptions varied when no factor is given: the churn rate (fitted from a firm's log, so
#: without a prior) and the priors of four behavioural parameters (``--priors`` varies them all).
DEFAULT_FACTORS = (
    "customers.churn_rate=0.0025:0.01",
    *(f"{p.key}={p.low!r}:{p.high!r}" for p in select(["customers.price_sensitivity_mean", "customers.conversion_rate",
                                                       "market.word_of_mouth", "customers.loss_aversion"])),
)
#: Sensitivity methods: Morris screening and Sobol variance decomposition.
METHODS = ("morris", "sobol")
#: Index columns of :func:`analyse` by method.
INDEX_COLUMNS = {"morris": ("mu", "mu_star", "mu_star_conf", "sigma"), "sobol": ("S1", "S1_conf", "ST", "ST_conf")}


@dataclass(frozen=True)
class Factor:
    """An uncertain config value, varied uniformly over ``[low, high]`` (units of the value).

    A list value (a ladder of tier effects) has ``ladder = (low list, high list)``: the factor
    is then a position in ``[0, 1]`` between the two, every element moving together.
    """

    key: str
    low: float
    high: float
    ladder: tuple[tuple[float, ...], tuple[float, ...]] | None = None

    def spec(self) -> str:
        """The canonical ``--factor`` text."""
        return f"{self.key}={self.low!r}:{self.high!r}"

    def value(self, x: float) -> float | list[float]:
        """The config value at design value ``x``: ``x`` itself, or the list at position ``x`` of a ladder."""
        if self.ladder is None:
            return x
        return [lo + x * (hi - lo) for lo, hi in zip(*self.ladder)]

    def range_text(self) -> str:
        """The range as reports print it."""
        if self.ladder is None:
            return f"{self.low:g} to {self.high:g}"
        low, high = self.ladder
        return f"[{', '.join(f'{v:g}' for v in low)}] to [{', '.join(f'{v:g}' for v in high)}]"


def parse_factor(text: str) -> Factor:
    """Parse one ``--factor`` value, ``KEY=LOW:HIGH``.

    Raises
    ------
    ArgumentError
        Naming ``--factor``, the text and the syntax.
    """
    key, sep, rng = text.partition("=")
    low, colon, high = rng.partition(":")
    try:
        lo, hi = float(low), float(high)
    except ValueError:
        lo = hi = math.nan
    if not sep or not key.strip() or not colon or not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ArgumentError("--factor", text, FACTOR_SYNTAX)
    return Factor(key.strip(), lo, hi)


def _problem(factors: Sequence[Factor]) -> dict[str, Any]:
    return {"num_vars": len(factors), "names": [f.key for f in factors], "bounds": [[f.low, f.high] for f in factors]}


def sample_design(factors: Sequence[Factor], method: str = "morris", n: int = 10, levels: int = 4,
                  seed: int = 0) -> np.ndarray:
    """Design points (one row per point, one column per factor) for ``method``.

    Parameters
    ----------
    n : int
        Morris: trajectories, giving ``n * (k + 1)`` points for ``k`` factors. Sobol: base
        sample (a power of two), giving ``n * (k + 2)`` points.
    levels : int
        Morris grid levels per factor.
    seed : int
        Seed of the design.
    """
    from SALib.sample import morris, sobol

    problem = _problem(factors)
    if method == "morris":
        return morris.sample(problem, n, num_levels=levels, seed=seed)
    return sobol.sample(problem, n, calc_second_order=False, seed=seed)


def analyse(factors: Sequence[Factor], X: np.ndarray, Y: np.ndarray, method: str = "morris", levels: int = 4,
            seed: int = 0) -> pd.DataFrame:
    """Sensitivity indices of output ``Y`` (one value per design point of ``X``), one row per factor.

    Returns
    -------
    DataFrame
        ``factor`` and, for Morris, ``mu``, ``mu_star``, ``mu_star_conf`` (95 % bootstrap
        half-width), ``sigma`` in units of ``Y``; for Sobol, ``S1``, ``S1_conf``, ``ST``,
        ``ST_conf`` as shares of the variance of ``Y``.
    """
    from SALib.analyze import morris, sobol

    problem = _problem(factors)
    Y = np.asarray(Y, dtype=float)
    if method == "morris":
        res = morris.analyze(problem, X, Y, num_levels=levels, seed=seed)
    else:
        res = sobol.analyze(problem, Y, calc_second_order=False, seed=seed)
    return pd.DataFrame({"factor": [f.key for f in factors],
                         **{c: np.asarray(res[c], dtype=float) for c in INDEX_COLUMNS[method]}})


def targets(kpi: str, labels: Sequence[str], Y: np.ndarray) -> dict[str, np.ndarray]:
    """The analysed outputs by name: the KPI of each strategy and, for two or more, each one's
    difference from the first (B - A, C - A, ...).

    Parameters
    ----------
    kpi : str
        KPI name.
    labels : sequence of str
        One label per strategy.
    Y : ndarray
        KPI per strategy (rows) and design point (columns), in KPI units.
    """
    if len(labels) == 1:
        return {kpi: Y[0]}
    out = {f"{kpi} [{lab}]": Y[i] for i, lab in enumerate(labels)}
    out.update({f"{kpi}: {lab} - {labels[0]}": Y[i] - Y[0] for i, lab in enumerate(labels) if i})
    return out


def ranking(diff: np.ndarray) -> dict[str, Any]:
    """How often strategy B beats A over the design points, from the differences B - A.

    Returns
    -------
    dict
        ``b_better_points``, ``points``, ``share_b_better`` and ``ranking_changes`` (whether B is
        better at some points and not at others).
    """
    better = int(np.sum(diff > 0))
    return {
        "b_better_points": better, "points": len(diff), "share_b_better": better / len(diff),
        "ranking_changes": 0 < better < len(diff),
    }


def _hashable(value: Any) -> Any:
    """A config value that can go into a set: lists (plain or OmegaConf) as tuples of floats."""
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        return value
    return tuple(float(v) for v in value)


def prior_factors(prefixes: Sequence[str], scenarios: Sequence[Any],
                  lookup: Any = None) -> tuple[list[Factor], dict[str, str]]:
    """The factors of a study over the priors: every prior under ``prefixes`` that can move a scenario.

    A prior is left out when it cannot move any of ``scenarios`` (:func:`sim.config.priors.inert`)
    or when a scenario sets the parameter away from its default: the scenario has then made it a
    fact (a calibrated firm switches mechanisms off), held at that value.

    Parameters
    ----------
    prefixes : sequence of str
        Groups, parts or names of parameters (:func:`sim.config.priors.select`); empty for all.
    scenarios : sequence
        The composed scenarios of the strategies compared (attribute access, as ``Config`` or
        an OmegaConf config).
    lookup : callable, optional
        ``lookup(scenario, key)``: the value of ``key`` in a scenario; default attribute access.

    Returns
    -------
    tuple
        The factors (prior ranges, in field order) and the priors left out, key -> reason.

    Raises
    ------
    ArgumentError
        For a prefix that names no prior, or when every selected prior is left out.
    """
    lookup = lookup or _attribute
    try:
        chosen = select(list(prefixes))
    except KeyError as err:
        raise ArgumentError("--priors", err.args[0], PRIORS_ALLOWED) from None
    factors, skipped = [], {}
    for p in chosen:
        values = {_hashable(lookup(s, p.key)) for s in scenarios}
        reasons = {inert(p.key, s) for s in scenarios}
        if None not in reasons:  # inert in every scenario: say why in the words of the one closest to using it
            skipped[p.key] = sorted(reasons, key=lambda r: (r == "no loyalty programme", r))[0]
        elif values != {p.default}:
            skipped[p.key] = "held at the scenario's value " + ", ".join(repr(v) for v in sorted(values))
        else:
            # Whole-number bounds for an integer parameter, which Hydra refuses to set to 4.0.
            factors.append(Factor(p.key, 0.0, 1.0, (p.low, p.high)) if p.is_list
                           else Factor(p.key, int(p.low), int(p.high)) if p.integer else Factor(p.key, p.low, p.high))
    if not factors:
        raise ArgumentError("--priors", " ".join(prefixes) or "(all)",
                            "priors of which at least one can move the scenarios compared; all are inert or "
                            "held: " + "; ".join(f"{k} ({why})" for k, why in skipped.items()))
    return factors, skipped


def _attribute(scenario: Any, key: str) -> Any:
    """The value of dotted ``key`` in a scenario, by attribute access."""
    node = scenario
    for name in key.split("."):
        node = getattr(node, name)
    return node
