"""Calibrate the agent model to a real transaction log and forecast the weeks after calibration.

The command line of ``python -m sim.calibrate`` (see the package :mod:`sim.calibrate`): reads
the log, runs :func:`~sim.calibrate.compare.calibrate_firm`, writes ``calibration.json``, the
firm's ``scenario.yaml`` and ``customers.parquet`` (:mod:`sim.calibrate.firm`) and
``calibration.png`` and prints both models' errors.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from sim import interrupts
from sim.analysis.transactions import TransactionLogError, cdnow_sample_path, read_transactions
from sim.calibrate.compare import calibrate_firm
from sim.calibrate.data import CalibrationError
from sim.calibrate.figure import plot
from sim.calibrate.firm import DEFAULT_MODEL, MODELS, write_firm
from sim.io import DISK_FULL, finite_json, write_text

__all__ = ["main", "build_parser"]


def _int_at_least(minimum: int):
    """An argparse type: an integer >= ``minimum``, with the allowed range in the message."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < minimum:
            raise argparse.ArgumentTypeError(f"must be an integer >= {minimum}, got {text!r}")
        return value

    return parse


def _weeks(text: str) -> float:
    """An argparse type: a number of weeks."""
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of weeks, got {text!r}") from None


def _model(text: str) -> str:
    """An argparse type: a purchase model of the firm's scenario (:data:`sim.calibrate.firm.MODELS`)."""
    if text not in MODELS:
        raise argparse.ArgumentTypeError(f"must be one of {', '.join(MODELS)}, got {text!r}")
    return text


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface of ``python -m sim.calibrate``."""
    parser = argparse.ArgumentParser(prog="python -m sim.calibrate", description=__doc__.splitlines()[0])
    parser.add_argument("--transactions", required=True,
                        help="transaction log: CDNOW text (sample or master file), CSV or Parquet with customer, "
                             "date and amount columns ('cdnow': the bundled sample)")
    parser.add_argument("--customer-column", default="customer_id", metavar="NAME",
                        help="customer id column of a CSV or Parquet log (default customer_id)")
    parser.add_argument("--date-column", default="date", metavar="NAME",
                        help="date column, with or without a time of day (default date)")
    parser.add_argument("--amount-column", default="amount", metavar="NAME",
                        help="amount column, currency units per transaction (default amount)")
    parser.add_argument("--calibration-weeks", required=True, type=_weeks,
                        help="weeks used to fit, from the first date")
    parser.add_argument("--out", required=True, type=Path, help="directory for calibration.json and calibration.png")
    parser.add_argument("--replications", type=_int_at_least(1), default=None,
                        help="simulation runs (default 500; for a large log fewer, so that customers x runs stays "
                             "near 10 million, at least 10: calibration.json's notes say so)")
    parser.add_argument("--seed", type=_int_at_least(0), default=0, help="root seed of the simulation (default 0)")
    parser.add_argument("--model", type=_model, default=DEFAULT_MODEL,
                        help="purchase model of the firm's scenario.yaml and customers.parquet: "
                             f"{', '.join(f'{k} ({label})' for k, (_, label) in MODELS.items())}; default "
                             f"{DEFAULT_MODEL}, whose forecasts by calibration frequency were the closest on CDNOW "
                             "(calibration.json compares all three)")
    return parser


def _num(value: float | None, spec: str) -> str:
    """A number in ``spec``, or 'n/a' for a null (the report's notes say why)."""
    return "n/a" if value is None else format(value, spec)


def _print_errors(out: Path, report: dict[str, Any]) -> None:
    """Holdout totals and both models' errors, side by side."""
    a, b, p = (report["errors"][m] for m in ("agent_model", "bgnbd", "pareto_nbd"))
    choice = report["model_choice"]["models"]
    print(f"Calibration: {out / 'calibration.json'}")
    print(f"  holdout repeat transactions: actual {_num(report['holdout']['actual']['total'], ',.0f')}, "
          f"agent model {_num(report['holdout']['agent_model']['total'], ',.0f')}, "
          f"BG/NBD {_num(report['holdout']['bgnbd']['total'], ',.0f')}, "
          f"Pareto/NBD {_num(report['holdout']['pareto_nbd']['total'], ',.0f')}")
    print(f"  {'':<26}{'agent model':>14}{'BG/NBD':>10}{'Pareto/NBD':>12}")
    print(f"  {'log-likelihood':<26}" + "".join(f"{_num(choice[m]['log_likelihood'], '.1f'):>{w}}" for m, w in
                                                 (("agent_model", 14), ("bgnbd", 10), ("pareto_nbd", 12))))
    for label, key, spec in (("total error %", "total_error_pct", ".1f"), ("MAE by frequency (mean)",
                             "group_mean_mae", ".3f"), ("MAE weekly cumulative", "weekly_cumulative_mae", ".1f")):
        print(f"  {label:<26}{_num(a[key], spec):>14}{_num(b[key], spec):>10}{_num(p[key], spec):>12}")
    scenario = report["model_choice"]["scenario"]
    print(f"  firm scenario (--model): {scenario['model']}, {MODELS[scenario['model']][1]}")
    notes = report.get("notes", {})
    for key, why in notes.items():
        if "." not in key and "[" not in key:
            print(f"  note: {key}: {why}")
    if any("." in key or "[" in key for key in notes):
        print("  some values are null (not finite); the notes in calibration.json list them")


def _progress(replications: int | None):
    """A progress bar over the replications on a terminal (a count when the log decides their number); nothing
    otherwise."""
    from tqdm import tqdm

    return tqdm(total=replications, desc="replications", unit="run", disable=not sys.stderr.isatty(), leave=False)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status (2 for bad input or an unwritable ``--out``)."""
    args = build_parser().parse_args(argv)
    started = time.perf_counter()
    try:
        interrupts.release()  # from here Ctrl-C is handled below
        if args.out.exists() and not args.out.is_dir():
            raise CalibrationError(f"The '--out' argument must be a directory. Got {str(args.out)!r}, which is a file.")
        source = cdnow_sample_path() if args.transactions == "cdnow" else args.transactions
        log = read_transactions(source, customer=args.customer_column, date=args.date_column,
                                amount=args.amount_column)
        read_seconds = time.perf_counter() - started
        with _progress(args.replications) as bar:
            report, values, customers = calibrate_firm(log, args.calibration_weeks, args.replications, args.seed,
                                                       on_replication=lambda: bar.update(1), model=args.model)
    except (TransactionLogError, CalibrationError) as err:
        print(f"Error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        interrupts.ending()
        print("Interrupted: nothing was written.", file=sys.stderr)
        return 130
    report = {"transactions": str(args.transactions), **report, "wall_seconds": time.perf_counter() - started}
    report["stage_seconds"] = {"read": read_seconds, **report["stage_seconds"]}
    # JSON has no NaN: a value that is not finite is written as null, and the notes say where.
    report, nulls = finite_json(report)
    for path in dict.fromkeys(re.sub(r"\[\d+\]", "[*]", p) for p in nulls):
        report["notes"].setdefault(path, "null: not a finite number (the fit is degenerate for this log)")
    created = not args.out.exists()
    try:
        args.out.mkdir(parents=True, exist_ok=True)
        plot(report, args.out / "calibration.png")  # the figure and the firm first: calibration.json marks a
        write_firm(args.out, values, customers, report["scenario"], str(args.transactions))  # complete output
        write_text(args.out / "calibration.json", json.dumps(report, indent=2, allow_nan=False) + "\n")
    except OSError as err:
        for name in ("calibration.png", "calibration.json", "scenario.yaml", "customers.parquet"):
            (args.out / name).unlink(missing_ok=True)
        if created:
            shutil.rmtree(args.out, ignore_errors=True)
        print(f"Error: cannot write to the '--out' directory {str(args.out)!r}: {err.strerror or err}; "
              "nothing was kept.", file=sys.stderr)
        return 2 if err.errno not in DISK_FULL else 1
    _print_errors(args.out, report)
    return 0
