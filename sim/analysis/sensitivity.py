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

Command line: ``python -m sim.sensitivity`` (see :func:`build_parser`)::

    python -m sim.sensitivity --compare "loyalty=none" "loyalty=points" --trajectories 10 \\
        --out sensitivity/loyalty customers.initial=5000 market.potential=50000

Factor syntax (``--factor``, repeatable): ``KEY=LOW:HIGH``, a uniform range of one config value,
e.g. ``customers.churn_rate=0.0025:0.01``. Default: :data:`DEFAULT_FACTORS`.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.cli import ArgumentError
from sim.config import ConfigError
from sim.results import KPI_NAMES

__all__ = [
    "DEFAULT_FACTORS",
    "FACTOR_SYNTAX",
    "Factor",
    "parse_factor",
    "sample_design",
    "analyse",
    "plot_indices",
    "sensitivity",
    "build_parser",
    "main",
]

FACTOR_SYNTAX = "KEY=LOW:HIGH with numbers LOW < HIGH"
#: Behavioural assumptions varied by default: about half to twice their default values.
DEFAULT_FACTORS = (
    "customers.churn_rate=0.0025:0.01",
    "customers.price_sensitivity_mean=0.75:2.25",
    "customers.conversion_rate=0.015:0.06",
    "market.word_of_mouth=0.05:0.3",
    "customers.loss_aversion=1.0:3.0",
)
METHODS = ("morris", "sobol")
_INDEX_COLUMNS = {"morris": ("mu", "mu_star", "mu_star_conf", "sigma"), "sobol": ("S1", "S1_conf", "ST", "ST_conf")}


@dataclass(frozen=True)
class Factor:
    """An uncertain config value, varied uniformly over ``[low, high]`` (units of the value)."""

    key: str
    low: float
    high: float

    def spec(self) -> str:
        """The canonical ``--factor`` text."""
        return f"{self.key}={self.low!r}:{self.high!r}"


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
                         **{c: np.asarray(res[c], dtype=float) for c in _INDEX_COLUMNS[method]}})


def plot_indices(indices: pd.DataFrame, target: str, ax=None):
    """Tornado chart of one target's indices: factors sorted by effect, largest on top.

    Morris: bars of ``mu_star`` with their confidence half-widths (KPI units). Sobol: total
    indices ``ST`` as bars and first-order ``S1`` as dots (shares of variance).
    """
    from sim.report.style import HIGHLIGHT, PALETTE, currency, deck_figure

    ax = ax if ax is not None else deck_figure()[1]
    d = indices[indices["target"] == target]
    morris = "mu_star" in d.columns and d["mu_star"].notna().any()
    value = "mu_star" if morris else "ST"
    d = d.sort_values(value)
    y = np.arange(len(d))
    colour = HIGHLIGHT if " - " in target else PALETTE[0]
    ax.barh(y, d[value], xerr=d[f"{value}_conf"], color=colour, alpha=0.9, capsize=4)
    if morris:
        ax.set(xlabel="mu*: mean absolute change over the factor's range (KPI units)",
               title=f"What moves {target} (Morris)")
        ax.xaxis.set_major_formatter(currency)
    else:
        ax.plot(d["S1"], y, "o", color="black", label="first order S1")
        ax.set(xlabel="share of variance (total index ST; dots: first order S1)", title=f"What moves {target} (Sobol)")
        ax.legend(loc="lower right")
    ax.set_yticks(y, d["factor"])
    return ax


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")


def _set_factors(cfg: Any, factors: Sequence[Factor], values: np.ndarray) -> Any:
    """A copy of the composed config with the factor values set (integers rounded)."""
    from omegaconf import OmegaConf

    cfg = cfg.copy()
    for f, v in zip(factors, values):
        current = OmegaConf.select(cfg, f.key)
        OmegaConf.update(cfg, f.key, int(round(v)) if isinstance(current, int) and not isinstance(current, bool)
                         else float(v), merge=False)
    return cfg


def _check(factors: Sequence[Factor], strategies: Sequence[Sequence[str]], overrides: Sequence[str]) -> None:
    """Compose every strategy and every factor bound once, so bad input fails before any run."""
    from sim.sweep import compose_scenario

    for strategy in strategies:
        compose_scenario([*overrides, *strategy])
        for f in factors:
            for v in (f.low, f.high):
                try:
                    compose_scenario([*overrides, *strategy, f"{f.key}={v!r}"])
                except ArgumentError as err:
                    raise ArgumentError("--factor", f.spec(), f"a range of an existing config value: '{f.key}' "
                                        f"must be {err.allowed}") from None
                except ConfigError as err:
                    raise ArgumentError("--factor", f.spec(), f"a range within the allowed values of "
                                        f"'{err.field_path}' ({err.allowed})") from None


def sensitivity(factors: Sequence[Factor], *, kpi: str = "npv_profit", strategies: Sequence[Sequence[str]] = ((),),
                overrides: Sequence[str] = (), method: str = "morris", n: int = 10, levels: int = 4,
                seeds: Sequence[int] = (0,), out_dir: str | Path = "sensitivity", n_jobs: int = 1,
                design_seed: int = 0, progress: bool = True) -> dict[str, Any]:
    """Run a sensitivity analysis and write its results to ``out_dir``.

    Parameters
    ----------
    factors : sequence of Factor
        Uncertain config values and their ranges.
    kpi : str
        KPI analysed (mean over ``seeds`` at each design point).
    strategies : sequence of sequence of str
        One strategy, or two (A, B) to compare, each as overrides (e.g. ``["loyalty=points"]``).
    overrides : sequence of str
        Overrides of the base scenario shared by all runs (e.g. population size).
    method : str
        ``'morris'`` or ``'sobol'``.
    n, levels, design_seed : int
        Design size, Morris levels and design seed (see :func:`sample_design`).
    seeds : sequence of int
        Replications per design point; the same seeds at every point and for every strategy.
    out_dir : path
        Output directory: ``design.parquet`` (factor values and KPI per point), ``indices.csv``,
        ``summary.json``, and a chart ``<method>_<target>.png`` per target.
    n_jobs : int
        Worker processes.
    progress : bool
        Show a progress bar.

    Returns
    -------
    dict
        The content of ``summary.json``: settings, targets, and for two strategies the share of
        design points where B beats A.
    """
    from sim.cli import to_scenario
    from sim.output import atomic_write
    from sim.report.style import deck_style
    from sim.sweep import compose_config, run_scenarios

    if kpi not in KPI_NAMES:
        raise ArgumentError("--kpi", kpi, "one of " + ", ".join(KPI_NAMES))
    if method not in METHODS:
        raise ArgumentError("--method", method, "one of " + ", ".join(METHODS))
    if len(strategies) not in (1, 2):
        raise ArgumentError("--compare", list(strategies), "two strategies, A and B")
    if not factors or len({f.key for f in factors}) != len(factors):
        raise ArgumentError("--factor", [f.spec() for f in factors], "a non-empty list of distinct keys")
    if method == "sobol" and (n < 2 or n & (n - 1)):
        raise ArgumentError("--samples", n, "a power of two >= 2 for Sobol")
    if n < 2:
        raise ArgumentError("--trajectories", n, "an integer >= 2")
    if not seeds:
        raise ArgumentError("--replications", 0, "an integer >= 1")
    _check(factors, strategies, overrides)

    X = sample_design(factors, method, n, levels, design_seed)
    bases = [compose_config([*overrides, *s]) for s in strategies]
    scenarios = [replace(to_scenario(_set_factors(base, factors, x)), seed=seed)
                 for base in bases for x in X for seed in seeds]
    runs = run_scenarios(scenarios, n_jobs=n_jobs, desc="sensitivity", progress=progress)
    values = np.array([math.nan if r[kpi] is None else r[kpi] for r in runs], dtype=float)
    Y = values.reshape(len(strategies), len(X), len(seeds)).mean(axis=2)

    labels = [" ".join(s) or "base" for s in strategies]
    targets = {f"{kpi} [{labels[0]}]" if len(labels) == 2 else kpi: Y[0]}
    if len(strategies) == 2:
        targets[f"{kpi} [{labels[1]}]"] = Y[1]
        targets[f"{kpi}: {labels[1]} - {labels[0]}"] = Y[1] - Y[0]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    design = pd.DataFrame(X, columns=[f.key for f in factors]).assign(**{t: y for t, y in targets.items()})
    atomic_write(out / "design.parquet", lambda p: design.to_parquet(p, index=False))
    indices = pd.concat([analyse(factors, X, y, method, levels, design_seed).assign(target=t)
                         for t, y in targets.items()], ignore_index=True)
    indices = indices[["target", "factor", *_INDEX_COLUMNS[method]]]
    atomic_write(out / "indices.csv", lambda p: indices.to_csv(p, index=False))

    import matplotlib.pyplot as plt

    with deck_style():
        for t in targets:
            ax = plot_indices(indices, t)
            ax.figure.savefig(out / f"{method}_{_slug(t)}.png")
            plt.close(ax.figure)

    summary: dict[str, Any] = {
        "method": method, "kpi": kpi, "factors": [f.spec() for f in factors], "strategies": labels,
        "overrides": list(overrides), "seeds": list(seeds), "design_points": len(X), "runs": len(runs),
        "targets": list(targets),
    }
    if len(strategies) == 2:
        diff = Y[1] - Y[0]
        better = int(np.sum(diff > 0))
        summary["ranking"] = {
            "b_better_points": better, "points": len(diff), "share_b_better": better / len(diff),
            "ranking_changes": 0 < better < len(diff),
        }
    atomic_write(out / "summary.json", lambda p: p.write_text(json.dumps(summary, indent=2) + "\n"))
    return summary


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface of ``python -m sim.sensitivity``."""
    p = argparse.ArgumentParser(
        prog="python -m sim.sensitivity",
        description="Morris or Sobol sensitivity of a KPI (and of the gap between two strategies) "
                    "to behavioural assumptions.",
        epilog=f"--factor syntax: {FACTOR_SYNTAX}, e.g. customers.churn_rate=0.0025:0.01. "
               f"Default factors: {' '.join(DEFAULT_FACTORS)}",
    )
    p.add_argument("overrides", nargs="*", metavar="OVERRIDE",
                   help="overrides of the base scenario, as for python -m sim")
    p.add_argument("--factor", action="append", default=None, metavar="SPEC", help="an uncertain value (repeatable)")
    p.add_argument("--compare", nargs=2, metavar=("A", "B"),
                   help='two strategies as quoted override lists, e.g. "loyalty=none" "loyalty=points"')
    p.add_argument("--kpi", default="npv_profit", help="KPI to analyse (default npv_profit)")
    p.add_argument("--method", choices=METHODS, default="morris", help="morris (default) or sobol")
    p.add_argument("--trajectories", type=int, default=10, help="Morris trajectories (default 10)")
    p.add_argument("--levels", type=int, default=4, help="Morris grid levels (default 4)")
    p.add_argument("--samples", type=int, default=64, help="Sobol base sample, a power of two (default 64)")
    p.add_argument("--replications", type=int, default=1, help="seeds per design point, 0..R-1 (default 1)")
    p.add_argument("--design-seed", type=int, default=0, help="seed of the design (default 0)")
    p.add_argument("--jobs", type=int, default=1, help="worker processes (-1: one per core)")
    p.add_argument("--out", default="sensitivity", metavar="DIR", help="output directory (default sensitivity)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (2 for bad input)."""
    args = build_parser().parse_args(argv)
    try:
        factors = [parse_factor(t) for t in (args.factor or DEFAULT_FACTORS)]
        strategies = [a.split() for a in args.compare] if args.compare else [[]]
        if args.replications < 1:
            raise ArgumentError("--replications", args.replications, "an integer >= 1")
        summary = sensitivity(
            factors, kpi=args.kpi, strategies=strategies, overrides=args.overrides, method=args.method,
            n=args.trajectories if args.method == "morris" else args.samples, levels=args.levels,
            seeds=range(args.replications), out_dir=args.out, n_jobs=args.jobs, design_seed=args.design_seed,
            progress=not args.no_progress,
        )
    except (ArgumentError, ConfigError) as err:
        print(f"Error: {err}", file=sys.stderr)
        return 2
    indices = pd.read_csv(Path(args.out) / "indices.csv")
    with pd.option_context("display.width", 160, "display.max_columns", 20, "display.float_format", "{:,.4g}".format):
        for target, block in indices.groupby("target", sort=False):
            print(f"{target}\n{block.drop(columns='target').to_string(index=False)}\n")
    if "ranking" in summary:
        r = summary["ranking"]
        a, b = summary["strategies"]
        verdict = "depends on the assumptions" if r["ranking_changes"] else "holds across the design"
        print(f"'{b}' beats '{a}' at {r['b_better_points']} of {r['points']} design points "
              f"({r['share_b_better']:.0%}): the ranking {verdict}.")
    print(f"Outputs: {args.out}")
    return 0
