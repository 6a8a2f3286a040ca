"""``python -m sim.report PATH``: the comparison table, charts and a 16:9 deck of a run or a sweep.

For a sweep directory it collects the finished runs into ``PATH/results.parquet`` and prints,
per KPI and scenario, the mean with its confidence interval and the difference from a baseline
scenario paired by seed; the same table is written to ``PATH/comparison.csv``. For a single run
directory it prints the headline KPIs. Either way it then writes the report into
``PATH/report/`` (``--out`` to change): charts as PNG and SVG, ``charts.pdf`` and ``deck.pptx``
(see :mod:`sim.report.build`)::

    python -m sim.report multirun/loyalty_shootout
    python -m sim.report multirun/x --kpi npv_profit --kpi cac --baseline loyalty=none,pricing=standard
    python -m sim.report outputs/2026-11-23/19-02-11 --out decks/base --currency '$'
    python -m sim.report multirun/loyalty_shootout --describe   # the columns, their units and meaning
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from sim import interrupts
from sim.errors import ArgumentError
from sim.io import DISK_FULL, atomic_write
from sim.report.headline import format_headline, headline_answer
from sim.results import KPI_NAMES

__all__ = ["main", "build_parser", "sweep_report", "describe", "COMPARISON_FILE"]

COMPARISON_FILE = "comparison.csv"


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface of ``python -m sim.report``."""
    p = argparse.ArgumentParser(prog="python -m sim.report", description=__doc__.split("\n\n")[0])
    p.add_argument("path", metavar="PATH", help="a sweep directory (hydra.sweep.dir) or a run directory")
    p.add_argument("--kpi", action="append", metavar="NAME",
                   help="KPI to compare (repeatable); default: npv_profit, profit, customers_acquired, "
                        "retention_rate_annual, mean_clv")
    p.add_argument("--baseline", metavar="KEY=VALUE[,KEY=VALUE]",
                   help="baseline scenario for paired differences; default: the first scenario of the sweep")
    p.add_argument("--level", type=float, default=0.95, help="confidence level (default 0.95)")
    p.add_argument("--out", metavar="DIR", help="folder for charts, PDF and deck (default PATH/report)")
    p.add_argument("--currency", default="", metavar="SYMBOL",
                   help="prefix of money amounts in charts and deck, e.g. '$' (default none)")
    p.add_argument("--sensitivity", metavar="DIR",
                   help="add tornado charts from a python -m sim.sensitivity output directory; for a sweep, a study "
                        "over the priors there (--priors --compare ...) says whether the verdict holds over them "
                        "(default: the one in PATH/robustness/, if any)")
    p.add_argument("--no-charts", action="store_true", help="print the table only; write no charts or deck")
    p.add_argument("--title", help="title of the deck (default: the run's label, or the sweep's experiment name)")
    p.add_argument("--label", action="append", metavar="SCENARIO:NAME",
                   help="business name of a scenario (repeatable), e.g. 'loyalty=points:Points programme'; "
                        "default: the label the runs recorded")
    p.add_argument("--describe", action="store_true",
                   help="print the columns of PATH (a sweep's results.parquet, or any Parquet file of the "
                        "package) with type, unit and description, and stop")
    p.add_argument("--mixed-designs", action="store_true",
                   help="compare the runs even when they differ in more than the swept values and the seed")
    return p


def describe(path: Path) -> str:
    """The columns of a sweep's ``results.parquet`` (collected first if need be) or of a Parquet file, as text.

    Raises
    ------
    ArgumentError
        If ``path`` is neither a Parquet file nor a directory holding complete runs.
    """
    from sim.analysis.collect import RESULTS_FILE, collect, describe_columns, find_runs
    from sim.io import COMPLETION_FILE

    if (path / COMPLETION_FILE).is_file():  # a run directory: name one of its tables
        raise ArgumentError("PATH", str(path), "a Parquet file (for a run, one of its tables, e.g. "
                            f"{path / 'transactions.parquet'}), or a sweep directory, for --describe")
    if path.is_dir() and not (path / RESULTS_FILE).is_file() and find_runs(path)[0]:
        collect(path)  # a sweep still running, or whose table was never written
    try:
        table = describe_columns(path)
    except FileNotFoundError:
        raise ArgumentError("PATH", str(path), "a Parquet file, or a sweep directory holding complete runs, "
                            "for --describe") from None
    width = max(map(len, table["column"]), default=6) + 2
    lines = [f"{'column':<{width}}{'type':<10}{'unit':<28}description"]
    lines += [f"{r.column:<{width}}{r.type:<10}{r.unit:<28}{r.description}" for r in table.itertuples()]
    return "\n".join(lines)


def sweep_report(sweep_dir: Path, kpis: list[str] | None = None, baseline: str | None = None,
                 level: float = 0.95, labels: dict[str, str] | None = None, mixed_designs: bool = False) -> str:
    """Collect ``sweep_dir`` and return its comparison table as text.

    Writes ``results.parquet`` (one row per run) and ``comparison.csv`` (the table) in ``sweep_dir``.

    Raises
    ------
    ArgumentError
        If the directory holds no complete run, a KPI is unknown, the baseline matches no
        single scenario, or (unless ``mixed_designs``) the runs differ in more than the swept
        values and the seed.
    """
    from sim.analysis.collect import RESULTS_FILE, collect, design_difference, find_runs
    from sim.analysis.stats import resolve_baseline, scenario_columns, scenario_labels
    from sim.report.names import resolve_names, scenario_names
    from sim.report.table import DEFAULT_KPIS, comparison_table, format_table

    for k in kpis or ():
        if k not in KPI_NAMES:
            raise ArgumentError("--kpi", k, "one of " + ", ".join(KPI_NAMES))
    difference = None if mixed_designs else design_difference(sweep_dir)
    if difference is not None:
        raise ArgumentError("PATH", str(sweep_dir), "runs that differ only in their swept values and seed, so that "
                            f"pairs compare scenarios; these differ in {difference} (--mixed-designs compares "
                            "them anyway)")
    results = collect(sweep_dir)
    if results.empty:
        raise ArgumentError("PATH", str(sweep_dir), "a run or sweep directory holding at least one complete run "
                            "(a run directory with run.json)")
    by = scenario_columns(results)
    try:
        base = resolve_baseline(results, baseline, by)
    except ValueError:
        options = ", ".join(repr(s) for s in dict.fromkeys(scenario_labels(results, by)))
        raise ArgumentError("--baseline", baseline, f"exactly one scenario of the sweep: one of {options}") from None
    table = comparison_table(results, kpis or DEFAULT_KPIS, baseline=base, level=level)
    atomic_write(sweep_dir / COMPARISON_FILE, lambda p: table.to_csv(p, index=False))
    _, incomplete = find_runs(sweep_dir)
    note = f"\n{len(incomplete)} run(s) not finished yet are left out.\n" if incomplete else ""
    with scenario_names(resolve_names(sweep_dir, results, by, labels)):
        text = format_table(table)
    return (f"{len(results)} runs from {sweep_dir} "
            f"(tables: {sweep_dir / RESULTS_FILE}, {sweep_dir / COMPARISON_FILE})\n\n" + text + note)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (2 for bad input)."""
    import warnings

    from sim.analysis.collect import SkippedRunWarning

    args = build_parser().parse_args(argv)
    path = Path(args.path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SkippedRunWarning)
        status = _main(args, path)
    # A run that cannot be read is named once, however often the sweep was collected.
    for message in dict.fromkeys(str(w.message) for w in caught if issubclass(w.category, SkippedRunWarning)):
        print(f"Warning: {message}", file=sys.stderr)
    for w in caught:
        if not issubclass(w.category, SkippedRunWarning):
            warnings.showwarning(w.message, w.category, w.filename, w.lineno)
    return status


def _print_robustness(path: Path, sensitivity: str | None) -> None:
    """The robustness of the verdict over the priors, or that it was not studied."""
    from sim.report.robustness import find_robustness, robustness_dir

    info = find_robustness(path, robustness_dir(sensitivity))
    print("\n" + (info["statement"] if info else "Robustness over the priors: not studied, the intervals show "
                  "simulation noise only (python -m sim.sensitivity --priors --compare A B "
                  f"--out {path / 'robustness'} studies it)."))


def _main(args: argparse.Namespace, path: Path) -> int:
    try:
        interrupts.release()  # from here Ctrl-C is handled below
        if not 0 < args.level < 1:
            raise ArgumentError("--level", args.level, "a number in (0, 1)")
        if args.describe:
            print(describe(path))
            return 0
        from sim.report.build import RUN_TABLES, build_report, detect, load_run
        from sim.report.names import parse_labels

        labels = parse_labels(args.label)

        if detect(path) == "run":
            run = load_run(path, tables=() if args.no_charts else RUN_TABLES)  # fails before printing anything
            currency = args.currency or (run.config.get("output") or {}).get("currency", "")
            print(f"Run {path}\n{format_headline(run.summary)}\n\n" + "\n".join(headline_answer(run.summary, currency)))
        else:
            print(sweep_report(path, args.kpi, args.baseline, args.level, labels, args.mixed_designs), end="")
            _print_robustness(path, args.sensitivity)
        if not args.no_charts:
            out = build_report(path, args.out, baseline=args.baseline, level=args.level, currency=args.currency,
                               sensitivity=args.sensitivity, title=args.title, labels=labels)
            print(f"\nReport: {out} (deck.pptx, charts.pdf, charts/)")
    except ArgumentError as err:
        print(f"Error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        interrupts.ending()
        print("Interrupted: the files written so far are complete (each is written whole); rerun to finish.",
              file=sys.stderr)
        return 130
    except OSError as err:
        if err.errno not in DISK_FULL and not isinstance(err, PermissionError):
            raise
        # Every file is written atomically: a failed write leaves no half file.
        print(f"Error: cannot write {err.filename or 'the report'}: {os.strerror(err.errno) if err.errno else err}; "
              "the files written so far are complete.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(interrupts.finish(main()))
