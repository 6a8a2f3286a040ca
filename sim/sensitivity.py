"""``python -m sim.sensitivity``: Morris or Sobol sensitivity of a KPI to behavioural assumptions.

Every design point sets the uncertain config values (the factors), runs the scenario with the
same seeds, and the indices rank the factors by how much they move the KPI; with two strategies
(``--compare A B``) also the paired difference B - A and the share of points where B wins. The
design and the indices are :mod:`sim.analysis.sensitivity`, the tornado chart
:func:`sim.report.compare.plot_indices`.

``--factor KEY=LOW:HIGH`` (repeatable), e.g. ``customers.churn_rate=0.0025:0.01``: a uniform range
of one config value. Default: :data:`DEFAULT_FACTORS`.

Over the priors (``--priors [GROUP_OR_NAME ...]``): the factors are the behavioural parameters'
prior ranges declared in the config schema (:mod:`sim.config.priors`), all of them or those
named, less those that cannot move the scenarios compared; ``--factor`` adds to them or
overrides one. With two or more strategies every design point and the scenario's own values
(the reference) are run under each, and ``robustness.json`` and ``robustness.md`` say whether
the best strategy stays best over the priors and which assumptions the verdict hangs on
(:mod:`sim.analysis.robustness`); ``python -m sim.report`` puts that into the deck. Command
line (see :func:`build_parser`)::

    python -m sim.sensitivity --priors --compare "loyalty=none" "loyalty=points" \\
        --out multirun/x/robustness customers.initial=2000 market.potential=10000 horizon.weeks=52

Cost: ``(r (k + 1) + 1) x strategies x replications`` runs for ``k`` factors and ``r`` Morris
trajectories (2 by default over the priors); docs/behaviour.md, "Robustness over the priors".
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import re
import shutil
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import interrupts
from sim.analysis.robustness import ROBUSTNESS_JSON, ROBUSTNESS_MD, robustness_markdown, verdict_robustness
from sim.analysis.sensitivity import (
    DEFAULT_FACTORS,
    FACTOR_SYNTAX,
    INDEX_COLUMNS,
    METHODS,
    Factor,
    analyse,
    parse_factor,
    prior_factors,
    ranking,
    sample_design,
    targets,
)
from sim.config.priors import priors
from sim.errors import ArgumentError, ConfigError, MissingExtraError, require
from sim.io import DISK_FULL, atomic_write
from sim.report.compare import plot_indices
from sim.report.style import deck_style
from sim.results import KPI_NAMES
from sim.scenario import check_range_value, compose_config, compose_scenario, to_scenario
from sim.sweep import run_scenarios

__all__ = ["DEFAULT_FACTORS", "FACTOR_SYNTAX", "Factor", "SensitivityOptions", "parse_factor", "sample_design",
           "analyse", "plot_indices", "sensitivity", "study_factors", "build_parser", "main"]


@dataclass(frozen=True)
class SensitivityOptions:
    """What a sensitivity analysis varies, runs and writes.

    Attributes
    ----------
    kpi : str
        KPI analysed (mean over ``seeds`` at each design point).
    strategies : sequence of sequence of str
        One strategy, or two or more to compare (the first is A), each as overrides (e.g.
        ``["loyalty=points"]``).
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
    """

    kpi: str = "npv_profit"
    strategies: Sequence[Sequence[str]] = ((),)
    overrides: Sequence[str] = ()
    method: str = "morris"
    n: int = 10
    levels: int = 4
    seeds: Sequence[int] = (0,)
    out_dir: str | Path = "sensitivity"
    n_jobs: int = 1
    design_seed: int = 0
    progress: bool = True


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")


def _set_factors(cfg: Any, factors: Sequence[Factor], values: np.ndarray) -> Any:
    """A copy of the composed config with the factor values set (integers rounded)."""
    from omegaconf import OmegaConf

    cfg = cfg.copy()
    for f, v in zip(factors, values):
        current = OmegaConf.select(cfg, f.key)
        value = (f.value(float(v)) if f.ladder is not None
                 else int(round(v)) if isinstance(current, int) and not isinstance(current, bool) else float(v))
        OmegaConf.update(cfg, f.key, value, merge=False)
    return cfg


def _check_options(factors: Sequence[Factor], options: SensitivityOptions) -> None:
    """Refuse an unknown KPI or method, a bad design size and an empty or repeated factor list."""
    if options.kpi not in KPI_NAMES:
        raise ArgumentError("--kpi", options.kpi, "one of " + ", ".join(KPI_NAMES))
    if options.method not in METHODS:
        raise ArgumentError("--method", options.method, "one of " + ", ".join(METHODS))
    if not options.strategies:
        raise ArgumentError("--compare", [], "two or more strategies, A B ...")
    if not factors or len({f.key for f in factors}) != len(factors):
        raise ArgumentError("--factor", [f.spec() for f in factors], "a non-empty list of distinct keys")
    n = options.n
    if options.method == "sobol" and (n < 2 or n & (n - 1)):
        raise ArgumentError("--samples", n, "a power of two >= 2 for Sobol")
    if n < 2:
        raise ArgumentError("--trajectories", n, "an integer >= 2")
    if not options.seeds:
        raise ArgumentError("--replications", 0, "an integer >= 1")
    if options.method == "morris" and options.levels < 2:
        raise ArgumentError("--levels", options.levels, "an integer >= 2 (the points of the Morris grid per factor)")


def _check_bounds(factors: Sequence[Factor], strategies: Sequence[Sequence[str]], overrides: Sequence[str]) -> None:
    """Compose every strategy and every factor bound once, so bad input fails before any run."""
    for strategy in strategies:
        compose_scenario([*overrides, *strategy])
        for f in factors:
            for v in (f.low, f.high):
                check_range_value(("--factor", f.spec(), f.key), [*overrides, *strategy, f"{f.key}={v!r}"])


def _run_design(factors: Sequence[Factor], X: np.ndarray, options: SensitivityOptions) -> np.ndarray:
    """The KPI per strategy (rows) and design point (columns), the mean over the seeds.

    With two or more strategies the last column is the reference point: the scenario's own values.
    """
    strategies, seeds, kpi = options.strategies, list(options.seeds), options.kpi
    bases = [compose_config([*options.overrides, *s]) for s in strategies]
    points = [_set_factors(base, factors, x) for base in bases for x in X]
    if len(strategies) > 1:
        points = [c for i, base in enumerate(bases) for c in (*points[i * len(X):(i + 1) * len(X)], base)]
    scenarios = [dataclasses.replace(to_scenario(c), seed=seed) for c in points for seed in seeds]
    runs = run_scenarios(scenarios, n_jobs=options.n_jobs, desc="sensitivity", progress=options.progress)
    values = np.array([math.nan if r[kpi] is None else r[kpi] for r in runs], dtype=float)
    return values.reshape(len(strategies), -1, len(seeds)).mean(axis=2)


def _write_charts(indices: pd.DataFrame, names: Sequence[str], method: str, out: Path) -> None:
    """One tornado chart ``<method>_<target>.png`` per target."""
    import matplotlib.pyplot as plt

    with deck_style():
        for t in names:
            ax = plot_indices(indices, t)
            atomic_write(out / f"{method}_{_slug(t)}.png", lambda p, fig=ax.figure: fig.savefig(p, format="png"))
            plt.close(ax.figure)


def _write_indices(factors: Sequence[Factor], X: np.ndarray, outputs: dict[str, np.ndarray],
                   options: SensitivityOptions, out: Path) -> None:
    """``design.parquet``, ``indices.csv`` and the charts of every target."""
    design = pd.DataFrame(X, columns=[f.key for f in factors]).assign(**outputs)
    atomic_write(out / "design.parquet", lambda p: design.to_parquet(p, index=False))
    indices = pd.concat([analyse(factors, X, y, options.method, options.levels, options.design_seed).assign(target=t)
                         for t, y in outputs.items()], ignore_index=True)
    indices = indices[["target", "factor", *INDEX_COLUMNS[options.method]]]
    atomic_write(out / "indices.csv", lambda p: indices.to_csv(p, index=False))
    _write_charts(indices, list(outputs), options.method, out)


def sensitivity(factors: Sequence[Factor], options: SensitivityOptions | None = None, /,
                skipped: dict[str, str] | None = None, **fields: Any) -> dict[str, Any]:
    """Run a sensitivity analysis and write its results to ``options.out_dir``.

    Parameters
    ----------
    factors : sequence of Factor
        Uncertain config values and their ranges.
    options : SensitivityOptions, optional
        What to run and write (default :class:`SensitivityOptions`).
    skipped : dict, optional
        Priors left out of ``factors`` and why (:func:`study_factors`), for ``robustness.md``.
    **fields
        Fields of :class:`SensitivityOptions` to change, e.g. ``n=20``.

    Returns
    -------
    dict
        The content of ``summary.json``: settings, targets, for two strategies the share of
        design points where B beats A, and for two or more the robustness statement
        (``robustness``; details in ``robustness.json``).
    """
    skipped = skipped or {}
    options = dataclasses.replace(options or SensitivityOptions(), **fields)
    _check_options(factors, options)
    # Declared priors lie within their allowed ranges (tests/test_priors.py): composing each
    # bound of some fifty of them would cost more than the study itself.
    declared = {(p.key, p.low, p.high) for p in priors() if not p.is_list}
    undeclared = [f for f in factors if f.ladder is None and (f.key, f.low, f.high) not in declared]
    _check_bounds(undeclared, options.strategies, options.overrides)
    X = sample_design(factors, options.method, options.n, options.levels, options.design_seed)
    started = time.monotonic()
    Y = _run_design(factors, X, options)
    seconds = time.monotonic() - started
    reference, Y = (Y[:, -1], Y[:, :-1]) if len(options.strategies) > 1 else (None, Y)
    labels = [" ".join(s) or "base" for s in options.strategies]
    for label, row in zip(labels, Y):
        if np.isnan(row).all():  # nothing to analyse: say so rather than write NaN indices
            raise ArgumentError("--kpi", options.kpi, f"a KPI with a value in these runs; it was null in every run "
                                f"of '{label}' (cac, for one, is null without acquisition spend)")
    outputs = targets(options.kpi, labels, Y)
    out = Path(options.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    _write_indices(factors, X, outputs, options, out)
    summary: dict[str, Any] = {
        "method": options.method, "kpi": options.kpi, "factors": [f.spec() for f in factors], "strategies": labels,
        "overrides": list(options.overrides), "seeds": list(options.seeds), "design_points": len(X),
        "runs": (len(X) + (reference is not None)) * len(options.strategies) * len(options.seeds),
        "seconds": round(seconds, 1), "targets": list(outputs),
    }
    if len(options.strategies) == 2:
        summary["ranking"] = ranking(Y[1] - Y[0])
    if reference is not None:
        summary["robustness"] = _write_robustness(factors, X, Y, reference, labels, options, summary, skipped)
    atomic_write(out / "summary.json", lambda p: p.write_text(json.dumps(summary, indent=2) + "\n"))
    return summary


def _write_robustness(factors: Sequence[Factor], X: np.ndarray, Y: np.ndarray, reference: np.ndarray,
                      labels: Sequence[str], options: SensitivityOptions, summary: dict[str, Any],
                      skipped: dict[str, str]) -> str:
    """``robustness.json`` and ``robustness.md``: does the best strategy stay best over the design?"""
    info = verdict_robustness(factors, X, Y, reference, labels, kpi=options.kpi,
                              design=(options.method, options.levels, options.design_seed))
    info.update(factors=[f.spec() for f in factors], skipped=dict(skipped), overrides=list(options.overrides),
                seeds=list(options.seeds), runs=summary["runs"], seconds=summary["seconds"])
    cost = (f"{summary['runs']} runs ({summary['design_points']} design points and the reference, "
            f"{len(labels)} strategies, {len(options.seeds)} seed(s) each) in {summary['seconds']:,.0f} s; "
            f"overrides: {' '.join(options.overrides) or 'none'}.")
    out = Path(options.out_dir)
    atomic_write(out / ROBUSTNESS_JSON, lambda p: p.write_text(json.dumps(info, indent=2) + "\n"))
    atomic_write(out / ROBUSTNESS_MD, lambda p: p.write_text(robustness_markdown(info, skipped, cost)))
    return info["statement"]


def study_factors(priors: Sequence[str] | None, factors: Sequence[Factor], strategies: Sequence[Sequence[str]],
                  overrides: Sequence[str]) -> tuple[list[Factor], dict[str, str]]:
    """The factors of a study: ``factors`` alone, or with ``priors`` (a list, empty for all) the priors
    that can move the scenarios compared, each ``factors`` entry replacing the prior of its key.

    Returns
    -------
    tuple
        The factors and the priors left out with the reason (empty without ``priors``).
    """
    if priors is None:
        return list(factors) or [parse_factor(t) for t in DEFAULT_FACTORS], {}
    from omegaconf import OmegaConf

    scenarios = [compose_config([*overrides, *s]) for s in strategies]
    chosen, skipped = prior_factors(priors, scenarios, lambda c, k: OmegaConf.select(c, k))
    given = {f.key: f for f in factors}
    for key in given:
        skipped.pop(key, None)
    return [given.pop(f.key, f) for f in chosen] + list(given.values()), skipped


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
    p.add_argument("--priors", nargs="*", default=None, metavar="GROUP_OR_NAME",
                   help="vary the behavioural parameters over their prior ranges (config schema): all that can move "
                        "the scenarios, or those of the groups or names given (customers, loyalty.points, "
                        "market.word_of_mouth, ...); with --compare, writes robustness.json and robustness.md")
    p.add_argument("--compare", nargs=2, metavar=("A", "B"),
                   help='two strategies as quoted override lists, e.g. "loyalty=none" "loyalty=points"')
    p.add_argument("--strategy", action="append", metavar="OVERRIDES",
                   help="one more strategy to compare, as a quoted override list (repeatable; after --compare's "
                        "two, or two or more on their own)")
    p.add_argument("--kpi", default="npv_profit", help="KPI to analyse (default npv_profit)")
    p.add_argument("--method", choices=METHODS, default="morris", help="morris (default) or sobol")
    p.add_argument("--trajectories", type=int, default=None,
                   help="Morris trajectories (default 10; 2 with --priors, to keep the many factors affordable)")
    p.add_argument("--levels", type=int, default=4, help="Morris grid levels (default 4)")
    p.add_argument("--samples", type=int, default=64, help="Sobol base sample, a power of two (default 64)")
    p.add_argument("--replications", type=int, default=1, help="seeds per design point, 0..R-1 (default 1)")
    p.add_argument("--design-seed", type=int, default=0, help="seed of the design (default 0)")
    p.add_argument("--jobs", type=int, default=1, help="worker processes (-1: one per core)")
    p.add_argument("--out", default="sensitivity", metavar="DIR", help="output directory (default sensitivity)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def _options(args: argparse.Namespace) -> SensitivityOptions:
    """The analysis options of parsed command-line arguments."""
    if args.replications < 1:
        raise ArgumentError("--replications", args.replications, "an integer >= 1")
    # One value per --strategy: an open-ended --compare list would swallow the overrides after it.
    compared = [*(args.compare or ()), *(args.strategy or ())]
    if len(compared) == 1:
        raise ArgumentError("--strategy", compared, "two or more strategies (or --compare A B)")
    trajectories = args.trajectories if args.trajectories is not None else 2 if args.priors is not None else 10
    return SensitivityOptions(
        kpi=args.kpi, strategies=[a.split() for a in compared] if compared else [[]],
        overrides=args.overrides, method=args.method,
        n=trajectories if args.method == "morris" else args.samples, levels=args.levels,
        seeds=range(args.replications), out_dir=args.out, n_jobs=args.jobs, design_seed=args.design_seed,
        progress=not args.no_progress,
    )


def _print_results(out: str, summary: dict[str, Any]) -> None:
    """The indices per target and, for two strategies, the verdict on their ranking."""
    indices = pd.read_csv(Path(out) / "indices.csv")
    with pd.option_context("display.width", 160, "display.max_columns", 20, "display.float_format", "{:,.4g}".format):
        for target, block in indices.groupby("target", sort=False):
            print(f"{target}\n{block.drop(columns='target').to_string(index=False)}\n")
    if "robustness" in summary:
        print(summary["robustness"])
    if "ranking" in summary:
        r = summary["ranking"]
        a, b = summary["strategies"]
        verdict = "depends on the assumptions" if r["ranking_changes"] else "holds across the design"
        print(f"'{b}' beats '{a}' at {r['b_better_points']} of {r['points']} design points "
              f"({r['share_b_better']:.0%}): the ranking {verdict}.")


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (2 for bad input)."""
    args = build_parser().parse_args(argv)
    created = not Path(args.out).exists()
    try:
        interrupts.release()  # from here Ctrl-C is handled below
        require("SALib", "python -m sim.sensitivity")
        options = _options(args)
        factors, skipped = study_factors(args.priors, [parse_factor(t) for t in args.factor or ()],
                                         options.strategies, options.overrides)
        summary = sensitivity(factors, options, skipped=skipped)
    except (ArgumentError, ConfigError, MissingExtraError) as err:
        print(f"Error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        interrupts.ending()
        print("\nInterrupted before the study finished; rerun the same command to start it afresh.", file=sys.stderr)
        return 130
    except OSError as err:
        if err.errno not in DISK_FULL:
            raise
        if created:  # without summary.json the analysis is not there: keep none of it
            shutil.rmtree(args.out, ignore_errors=True)
        print(f"Error: cannot write to the '--out' directory {args.out!r}: {os.strerror(err.errno)}; "
              f"{'nothing was kept' if created else 'each file there is whole'}.", file=sys.stderr)
        return 1
    _print_results(args.out, summary)
    print(f"Outputs: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(interrupts.finish(main()))
