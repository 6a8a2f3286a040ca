"""Calibrate the agent model to a real transaction log and forecast the weeks after calibration.

The command line of ``python -m sim.calibrate`` (see the package :mod:`sim.calibrate`): reads
the log, runs :func:`~sim.calibrate.compare.calibrate_firm`, writes ``calibration.json``, the
firm's ``scenario.yaml`` and ``customers.parquet`` (:mod:`sim.calibrate.firm`) and
``calibration.png`` and prints both models' errors.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from sim.analysis.transactions import TransactionLogError, cdnow_sample_path, read_transactions
from sim.calibrate.compare import calibrate_firm
from sim.calibrate.data import CalibrationError
from sim.calibrate.figure import plot
from sim.calibrate.firm import write_firm

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
    parser.add_argument("--replications", type=_int_at_least(1), default=500, help="simulation runs (default 500)")
    parser.add_argument("--seed", type=_int_at_least(0), default=0, help="root seed of the simulation (default 0)")
    return parser


def _print_errors(out: Path, report: dict[str, Any]) -> None:
    """Holdout totals and both models' errors, side by side."""
    a, b, p = (report["errors"][m] for m in ("agent_model", "bgnbd", "pareto_nbd"))
    choice = report["model_choice"]["models"]
    print(f"Calibration: {out / 'calibration.json'}")
    print(f"  holdout repeat transactions: actual {report['holdout']['actual']['total']:,.0f}, "
          f"agent model {report['holdout']['agent_model']['total']:,.0f}, "
          f"BG/NBD {report['holdout']['bgnbd']['total']:,.0f}, "
          f"Pareto/NBD {report['holdout']['pareto_nbd']['total']:,.0f}")
    print(f"  {'':<26}{'agent model':>14}{'BG/NBD':>10}{'Pareto/NBD':>12}")
    print(f"  {'log-likelihood':<26}" + "".join(f"{choice[m]['log_likelihood']:>{w}.1f}" for m, w in
                                                 (("agent_model", 14), ("bgnbd", 10), ("pareto_nbd", 12))))
    print(f"  {'total error %':<26}{a['total_error_pct']:>14.1f}{b['total_error_pct']:>10.1f}"
          f"{p['total_error_pct']:>12.1f}")
    print(f"  {'MAE by frequency (mean)':<26}{a['group_mean_mae']:>14.3f}{b['group_mean_mae']:>10.3f}"
          f"{p['group_mean_mae']:>12.3f}")
    print(f"  {'MAE weekly cumulative':<26}{a['weekly_cumulative_mae']:>14.1f}{b['weekly_cumulative_mae']:>10.1f}"
          f"{p['weekly_cumulative_mae']:>12.1f}")


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status (2 for bad input or an unwritable ``--out``)."""
    args = build_parser().parse_args(argv)
    started = time.perf_counter()
    try:
        if args.out.exists() and not args.out.is_dir():
            raise CalibrationError(f"The '--out' argument must be a directory. Got {str(args.out)!r}, which is a file.")
        source = cdnow_sample_path() if args.transactions == "cdnow" else args.transactions
        log = read_transactions(source, customer=args.customer_column, date=args.date_column,
                                amount=args.amount_column)
        report, values, customers = calibrate_firm(log, args.calibration_weeks, args.replications, args.seed)
    except (TransactionLogError, CalibrationError) as err:
        print(f"Error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Interrupted: nothing was written.", file=sys.stderr)
        return 130
    report = {"transactions": str(args.transactions), **report, "wall_seconds": time.perf_counter() - started}
    try:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "calibration.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        write_firm(args.out, values, customers, report["scenario"], str(args.transactions))
        plot(report, args.out / "calibration.png")
    except OSError as err:
        print(f"Error: cannot write to the '--out' directory {str(args.out)!r}: {err.strerror}", file=sys.stderr)
        return 2
    _print_errors(args.out, report)
    return 0
