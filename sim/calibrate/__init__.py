"""Calibrate the agent model to a real transaction log and forecast the weeks after calibration.

    python -m sim.calibrate --transactions PATH --calibration-weeks 39 --out DIR
                            [--replications N] [--seed 0] [--model paretonbd|bgnbd|covariate]

PATH is a CDNOW-format log or a CSV with ``customer_id, date, amount`` (see
:func:`sim.analysis.transactions.read_transactions`); ``--transactions cdnow`` uses the CDNOW
sample shipped with the package. The first ``--calibration-weeks`` weeks are used to fit:

* BG/NBD (Fader, Hardie & Lee 2005), the benchmark, forecast with its closed form;
* the agent model's purchase behaviour: BG/NBD whose purchase-rate scale depends on the
  customer's first purchase amount (:mod:`sim.calibration.fit`; it nests BG/NBD, and the
  likelihood-ratio test on the calibration data is reported), and Gamma-Gamma spend.

The same customers are then simulated by the one engine, the BG/NBD preset started from each
customer's posterior (:func:`sim.calibrate.simulate.bgnbd_posterior`), over the whole weeks that
follow, ``--replications`` times with parameters drawn from their sampling distribution (so the
interval covers parameter and process uncertainty): 500 by default, fewer for a log of more than
20,000 customers (customers x replications near 10 million, at least 10).
``--model`` chooses the purchase model of the firm's scenario (``DIR/scenario.yaml``,
``DIR/customers.parquet``, :mod:`sim.calibrate.firm`): Pareto/NBD (the default, see
:data:`sim.calibrate.firm.DEFAULT_MODEL`), BG/NBD or the covariate BG/NBD.
``DIR/calibration.json`` holds the fitted parameters, predicted and actual repeat transactions in the holdout weeks
(total and weekly cumulative), the comparison by calibration frequency (x = 0, 1, ..., 7+) and
both models' errors side by side; ``DIR/calibration.png`` draws them.

Bad input (missing or malformed file, dates outside 1900-2199, amounts above 1e12, calibration
weeks out of range) stops with one message naming the argument, line or column, and exit status
2. A log that is accepted never crashes the calibration: a fit without a sampling distribution
(singular information) is simulated at its estimate, spend that cannot be fitted is left out,
and a value that is not finite is written as null; ``notes`` in ``calibration.json`` says why.

Modules: :mod:`~sim.calibrate.data` (the log split into calibration and holdout),
:mod:`~sim.calibrate.simulate` (the calibrated customers simulated forward),
:mod:`~sim.calibrate.compare` (fits and the comparison), :mod:`~sim.calibrate.figure` and
:mod:`~sim.calibrate.command` (the command line).
"""

from __future__ import annotations

from sim.calibrate.command import build_parser, main
from sim.calibrate.compare import FREQUENCY_GROUPS, calibrate, calibrate_firm
from sim.calibrate.data import DAYS_PER_WEEK, CalibrationError, check_calibration_weeks, prepare
from sim.calibrate.figure import plot
from sim.calibrate.simulate import simulate_holdout

__all__ = ["main", "calibrate", "calibrate_firm", "CalibrationError", "build_parser", "prepare",
           "check_calibration_weeks", "simulate_holdout", "plot", "FREQUENCY_GROUPS", "DAYS_PER_WEEK"]
