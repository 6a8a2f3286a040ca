"""Calibrate the agent model to a real transaction log and forecast the weeks after calibration.

    python -m sim.calibrate --transactions PATH --calibration-weeks 39 --out DIR
                            [--replications 500] [--seed 0]

PATH is a CDNOW-format log or a CSV with ``customer_id, date, amount`` (see
:func:`sim.analysis.transactions.read_transactions`); ``--transactions cdnow`` uses the CDNOW
sample shipped with the package. The first ``--calibration-weeks`` weeks are used to fit:

* BG/NBD (Fader, Hardie & Lee 2005), the benchmark, forecast with its closed form;
* the agent model's purchase behaviour: BG/NBD whose purchase-rate scale depends on the
  customer's first purchase amount (:mod:`sim.calibration.fit`; it nests BG/NBD, and the
  likelihood-ratio test on the calibration data is reported), and Gamma-Gamma spend.

The same customers are then simulated by the engine (:mod:`sim.calibration.agents`) over the
whole weeks that follow, ``--replications`` times with parameters drawn from their sampling
distribution (so the interval covers parameter and process uncertainty). ``DIR/calibration.json``
holds the fitted parameters, predicted and actual repeat transactions in the holdout weeks
(total and weekly cumulative), the comparison by calibration frequency (x = 0, 1, ..., 7+) and
both models' errors side by side; ``DIR/calibration.png`` draws them.

Bad input (missing or malformed file, calibration weeks out of range) stops with one message
naming the argument, row or column, and exit status 2.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import chi2

from sim.analysis.clv import (GammaGammaFit, bgnbd_expected_transactions, fit_bgnbd, fit_gamma_gamma,
                              gamma_gamma_expected_spend, gamma_gamma_log_likelihood)
from sim.analysis.transactions import TransactionLogError, cdnow_sample_path, read_transactions, summarize_calibration
from sim.calibration.agents import CalibratedSimulation, Histories
from sim.calibration.fit import (CovariateBGNBDFit, covariate_expected_transactions, fit_covariate_bgnbd,
                                 log_parameter_covariance)
from sim.config import Config

__all__ = ["main", "calibrate", "CalibrationError"]

FREQUENCY_GROUPS = 8  # x = 0, 1, ..., 6 and 7+
DAYS_PER_WEEK = 7
_NO_SPEND = 1e6  # Gamma-Gamma shapes that value every purchase at about 1 when spend is not modelled


class CalibrationError(ValueError):
    """Input the calibration cannot use; the message names the argument and what is allowed."""


# ------------------------------------------------------------------------------------------------
# Data
# ------------------------------------------------------------------------------------------------


def _daily(log: pd.DataFrame) -> pd.DataFrame:
    """Same-day purchases of a customer merged (amounts summed), as summarize_calibration does."""
    return log.assign(date=log["date"].dt.normalize()).groupby(["customer_id", "date"], as_index=False)["amount"].sum()


def check_calibration_weeks(log: pd.DataFrame, weeks: float) -> int:
    """Whole holdout weeks left after ``weeks`` of calibration; raise if there are none."""
    days = log["date"].dt.normalize()
    span = (days.max() - days.min()).days + 1
    longest = (span - DAYS_PER_WEEK) / DAYS_PER_WEEK
    calibration_days = round(DAYS_PER_WEEK * weeks) if math.isfinite(weeks) else 0
    if not (weeks > 0 and calibration_days >= 1 and span - calibration_days >= DAYS_PER_WEEK):
        raise CalibrationError(
            f"The '--calibration-weeks' argument must be a number of weeks in (0, {longest:.2f}] so that at least "
            f"one whole week of the log is left to forecast (the log spans {span} days, "
            f"{days.min().date()} to {days.max().date()}). Got {weeks!r} instead."
        )
    return (span - calibration_days) // DAYS_PER_WEEK


def prepare(log: pd.DataFrame, calibration_weeks: float) -> tuple[pd.DataFrame, np.ndarray, int]:
    """Calibration summary with covariate and spend, and the actual holdout purchases by week.

    Returns
    -------
    summary : DataFrame
        One row per customer with a calibration history: x, t_x, T, z, spend_n, spend_total,
        mean_repeat_spend, x_holdout (whole holdout weeks only).
    weekly : ndarray
        Actual repeat transactions in each whole holdout week, shape (customers, weeks).
    holdout_weeks : int
        Whole weeks after calibration.
    """
    holdout_weeks = check_calibration_weeks(log, calibration_weeks)
    start = log["date"].dt.normalize().min()
    last_calibration_day = start + pd.Timedelta(days=round(DAYS_PER_WEEK * calibration_weeks) - 1)
    end = last_calibration_day + pd.Timedelta(days=DAYS_PER_WEEK * holdout_weeks)
    summary = summarize_calibration(log, calibration_weeks, observation_end=end)
    if summary["x"].sum() == 0:
        raise CalibrationError(
            "The '--calibration-weeks' argument leaves no repeat purchase in the calibration period, so "
            f"purchase rates cannot be fitted. Got {calibration_weeks!r} instead."
        )
    daily = _daily(log)
    daily = daily[daily["customer_id"].isin(summary.index)]
    first = daily.groupby("customer_id")["date"].transform("min")
    first_amount = daily[daily["date"] == first].set_index("customer_id")["amount"].reindex(summary.index)
    z = np.log1p(first_amount.to_numpy())
    repeat = daily[(daily["date"] > first) & (daily["date"] <= last_calibration_day)]
    valued = repeat[repeat["amount"] > 0].groupby("customer_id")["amount"]
    summary = summary.assign(
        z=z - z.mean(),
        spend_n=valued.size().reindex(summary.index, fill_value=0).to_numpy(),
        spend_total=valued.sum().reindex(summary.index, fill_value=0.0).to_numpy(),
    )
    holdout = daily[(daily["date"] > last_calibration_day) & (daily["date"] <= end)]
    week = ((holdout["date"] - last_calibration_day).dt.days - 1) // DAYS_PER_WEEK
    weekly = np.zeros((len(summary), holdout_weeks), dtype=np.int64)
    np.add.at(weekly, (summary.index.get_indexer(holdout["customer_id"]), week.to_numpy()), 1)
    return summary, weekly, holdout_weeks


# ------------------------------------------------------------------------------------------------
# Models
# ------------------------------------------------------------------------------------------------


def _fit_spend(summary: pd.DataFrame) -> tuple[GammaGammaFit | None, np.ndarray | None]:
    """Gamma-Gamma on customers with valued repeat purchases; None if too few to fit."""
    has = summary["spend_n"].to_numpy() > 0
    if has.sum() < 10:
        return None, None
    n, mean = summary["spend_n"].to_numpy()[has], (summary["spend_total"] / summary["spend_n"]).to_numpy()[has]
    fit = fit_gamma_gamma(n, mean)
    cov = log_parameter_covariance(lambda v: gamma_gamma_log_likelihood(np.exp(v), n, mean).sum(), np.log(fit.params))
    return fit, cov


def _histories(summary: pd.DataFrame) -> Histories:
    return Histories(*(summary[c].to_numpy(dtype=np.float64) for c in ("x", "t_x", "T", "z", "spend_n", "spend_total")))


def _scenario(n: int, weeks: int, seed: int, fit: CovariateBGNBDFit, spend: tuple[float, float, float]) -> Config:
    cfg = Config()
    cfg.seed = seed
    cfg.horizon.weeks = weeks
    cfg.customers.initial = n
    cfg.market.potential = n
    cfg.output.plots = False
    c = cfg.classic
    c.model = "bgnbd"
    c.r, c.alpha, c.a, c.b = fit.r, fit.alpha, fit.a, fit.b
    c.spend_p, c.spend_q, c.spend_gamma = spend
    return cfg


def simulate_holdout(summary: pd.DataFrame, weeks: int, fit: CovariateBGNBDFit, spend_fit: GammaGammaFit | None,
                     spend_cov: np.ndarray | None, replications: int, seed: int) -> dict[str, np.ndarray]:
    """Run the calibrated agents ``replications`` times, each with parameters drawn from their
    asymptotic sampling distribution (normal in the fit's parametrisation).

    Returns
    -------
    dict
        ``weekly``: purchases per week and replication, shape (replications, weeks);
        ``per_customer`` and ``per_customer_var``: mean and variance of each customer's
        purchases over replications; ``revenue``: holdout revenue per replication.
    """
    histories = _histories(summary)
    if spend_fit is None:
        # No spend model: p = q = K, gamma = 1 and no spend history make every purchase worth
        # Gamma(K, nu) with nu ~ Gamma(K, 1), i.e. about 1, so revenue counts purchases.
        histories = dataclasses.replace(histories, spend_n=np.zeros(len(summary)), spend_total=np.zeros(len(summary)))
    n = len(summary)
    children = np.random.SeedSequence(seed).spawn(replications)
    weekly = np.zeros((replications, weeks))
    revenue = np.zeros(replications)
    per_customer, per_customer_sq = np.zeros(n), np.zeros(n)
    spend_centre = np.log(spend_fit.params) if spend_fit is not None else np.log([_NO_SPEND, _NO_SPEND, 1.0])
    for k, child in enumerate(children):
        rng = np.random.default_rng(child)
        vector = rng.multivariate_normal(fit.vector, fit.covariance)
        drawn = CovariateBGNBDFit(*np.exp(vector[:4]), vector[4], fit.log_likelihood, fit.covariance)
        spend = np.exp(rng.multivariate_normal(spend_centre, spend_cov) if spend_cov is not None else spend_centre)
        run_seed = int(child.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))
        result = CalibratedSimulation(_scenario(n, weeks, run_seed, drawn, tuple(spend)), histories, drawn).run()
        weekly[k] = result.timeseries["purchase_occasions"].to_numpy()
        revenue[k] = result.summary["revenue"]
        purchases = result.customers["purchases"].to_numpy()
        per_customer += purchases / replications
        per_customer_sq += purchases.astype(np.float64) ** 2 / replications
    return {"weekly": weekly, "per_customer": per_customer, "per_customer_var": per_customer_sq - per_customer**2,
            "revenue": revenue}


# ------------------------------------------------------------------------------------------------
# Comparison
# ------------------------------------------------------------------------------------------------


def _by_frequency(x: np.ndarray, values: dict[str, np.ndarray]) -> pd.DataFrame:
    group = np.minimum(x, FREQUENCY_GROUPS - 1).astype(int)
    labels = [str(g) for g in range(FREQUENCY_GROUPS - 1)] + [f"{FREQUENCY_GROUPS - 1}+"]
    table = pd.DataFrame({"x": labels, "customers": np.bincount(group, minlength=FREQUENCY_GROUPS)})
    for name, v in values.items():
        totals = np.bincount(group, weights=v, minlength=FREQUENCY_GROUPS)
        table[f"{name}_mean"] = totals / np.maximum(table["customers"], 1)
    return table


def _errors(predicted_total: float, predicted_cumulative: np.ndarray, group_means: pd.Series, actual_total: float,
            actual_cumulative: np.ndarray, actual_means: pd.Series, customers: pd.Series) -> dict[str, float]:
    occupied = customers > 0
    return {
        "total_error": float(predicted_total - actual_total),
        "total_error_pct": float(100 * (predicted_total - actual_total) / actual_total) if actual_total else None,
        "group_mean_mae": float(np.mean(np.abs(group_means - actual_means)[occupied])),
        "group_total_mae": float(np.mean(np.abs((group_means - actual_means) * customers)[occupied])),
        "weekly_cumulative_mae": float(np.mean(np.abs(predicted_cumulative - actual_cumulative))),
    }


def calibrate(log: pd.DataFrame, calibration_weeks: float, replications: int = 500, seed: int = 0) -> dict[str, Any]:
    """Fit, simulate and compare; return the content of ``calibration.json`` (plus arrays for plots)."""
    summary, weekly_actual, weeks = prepare(log, calibration_weeks)
    x, t_x, T, z = (summary[c].to_numpy(dtype=np.float64) for c in ("x", "t_x", "T", "z"))
    plain = fit_bgnbd(x, t_x, T)
    agent_fit = fit_covariate_bgnbd(x, t_x, T, z)
    spend_fit, spend_cov = _fit_spend(summary)
    sims = simulate_holdout(summary, weeks, agent_fit, spend_fit, spend_cov, replications, seed)

    horizon = np.arange(1, weeks + 1)
    bgnbd_cumulative = np.array([bgnbd_expected_transactions(t, plain, x, t_x, T).sum() for t in horizon])
    bgnbd_customer = bgnbd_expected_transactions(weeks, plain, x, t_x, T)
    covariate_customer = covariate_expected_transactions(weeks, agent_fit, x, t_x, T, z)
    actual_customer = weekly_actual.sum(axis=1)
    actual_cumulative = np.cumsum(weekly_actual.sum(axis=0))
    agent_cumulative = np.cumsum(sims["weekly"].mean(axis=0))
    totals = sims["weekly"].sum(axis=1)
    groups = _by_frequency(x, {"actual": actual_customer, "agent_model": sims["per_customer"],
                               "bgnbd": bgnbd_customer, "agent_closed_form": covariate_customer})
    actual_total = float(actual_cumulative[-1])
    errors = {
        "agent_model": _errors(agent_cumulative[-1], agent_cumulative, groups["agent_model_mean"], actual_total,
                               actual_cumulative, groups["actual_mean"], groups["customers"]),
        "bgnbd": _errors(bgnbd_cumulative[-1], bgnbd_cumulative, groups["bgnbd_mean"], actual_total,
                         actual_cumulative, groups["actual_mean"], groups["customers"]),
    }
    lr = 2 * (agent_fit.log_likelihood - plain.log_likelihood)
    spend_block = None
    if spend_fit is not None:
        has = summary["spend_n"].to_numpy() > 0
        per_purchase = np.full(len(summary), spend_fit.p * spend_fit.gamma / (spend_fit.q - 1) if spend_fit.q > 1 else np.nan)
        per_purchase[has] = gamma_gamma_expected_spend(spend_fit, summary["spend_n"].to_numpy()[has],
                                                       (summary["spend_total"] / summary["spend_n"]).to_numpy()[has])
        daily = _daily(log)
        start = log["date"].dt.normalize().min()
        last_day = start + pd.Timedelta(days=round(DAYS_PER_WEEK * calibration_weeks) - 1)
        in_holdout = (daily["date"] > last_day) & (daily["date"] <= last_day + pd.Timedelta(days=DAYS_PER_WEEK * weeks))
        spend_block = {
            "gamma_gamma": {"p": spend_fit.p, "q": spend_fit.q, "gamma": spend_fit.gamma,
                            "log_likelihood": spend_fit.log_likelihood, "customers": spend_fit.n_customers},
            "actual_revenue": float(daily.loc[in_holdout & daily["customer_id"].isin(summary.index), "amount"].sum()),
            "agent_model_revenue": float(sims["revenue"].mean()),
            "agent_model_revenue_interval_90": [float(v) for v in np.quantile(sims["revenue"], [0.05, 0.95])],
            "bgnbd_gamma_gamma_revenue": float(np.nansum(bgnbd_customer * per_purchase)),
        }
    return {
        "calibration_weeks": calibration_weeks,
        "holdout_weeks": weeks,
        "customers": int(len(summary)),
        "calibration_repeat_transactions": int(x.sum()),
        "parameters": {
            "bgnbd": {"r": plain.r, "alpha": plain.alpha, "a": plain.a, "b": plain.b,
                      "log_likelihood": plain.log_likelihood},
            "agent_model": {
                "r": agent_fit.r, "alpha": agent_fit.alpha, "a": agent_fit.a, "b": agent_fit.b,
                "beta_first_amount": agent_fit.beta, "log_likelihood": agent_fit.log_likelihood,
                "covariate": "log(1 + first purchase amount), centred; alpha_i = alpha exp(-beta z_i)",
                "standard_errors": dict(zip(("log_r", "log_alpha", "log_a", "log_b", "beta"),
                                            np.sqrt(np.diag(agent_fit.covariance)).tolist())),
                "likelihood_ratio_vs_bgnbd": lr,
                "p_value": float(chi2.sf(lr, 1)) if np.ptp(z) > 0 else None,
            },
        },
        "holdout": {
            "actual": {"total": actual_total, "weekly_cumulative": actual_cumulative.tolist()},
            "agent_model": {"total": float(agent_cumulative[-1]),
                            "interval_90": [float(v) for v in np.quantile(totals, [0.05, 0.95])],
                            "weekly_cumulative": agent_cumulative.tolist(),
                            "weekly_cumulative_interval_90": np.quantile(np.cumsum(sims["weekly"], axis=1), [0.05, 0.95],
                                                                         axis=0).T.tolist(),
                            "replications": sims["weekly"].shape[0]},
            "bgnbd": {"total": float(bgnbd_cumulative[-1]), "weekly_cumulative": bgnbd_cumulative.tolist()},
            "agent_model_closed_form": {"total": float(covariate_customer.sum())},
        },
        "by_frequency": groups.to_dict(orient="records"),
        "errors": errors,
        "spend": spend_block,
        "seed": seed,
    }


# ------------------------------------------------------------------------------------------------
# Figure and command line
# ------------------------------------------------------------------------------------------------


def plot(report: dict[str, Any], path: Path) -> None:
    """Weekly cumulative holdout transactions and the comparison by calibration frequency."""
    import matplotlib.pyplot as plt

    from sim.report.style import HIGHLIGHT, PALETTE, deck_figure, deck_style, footnote

    h = report["holdout"]
    weeks = np.arange(1, report["holdout_weeks"] + 1)
    groups = pd.DataFrame(report["by_frequency"])
    with deck_style():
        fig, axes = deck_figure(1, 2)
        axes[0].plot(weeks, h["actual"]["weekly_cumulative"], color="#333333", lw=2.5, label="actual")
        band = np.asarray(h["agent_model"]["weekly_cumulative_interval_90"])
        axes[0].fill_between(weeks, band[:, 0], band[:, 1], color=HIGHLIGHT, alpha=0.15, lw=0, label="agent model 90%")
        axes[0].plot(weeks, h["agent_model"]["weekly_cumulative"], color=HIGHLIGHT, lw=2, label="agent model")
        axes[0].plot(weeks, h["bgnbd"]["weekly_cumulative"], color=PALETTE[0], lw=2, ls="--", label="BG/NBD")
        axes[0].set(xlabel="weeks after calibration", ylabel="cumulative repeat transactions", title="Holdout tracking")
        axes[0].legend(loc="upper left")
        pos = np.arange(len(groups))
        axes[1].bar(pos - 0.27, groups["actual_mean"], width=0.27, color="#9C9C9C", label="actual")
        axes[1].bar(pos, groups["agent_model_mean"], width=0.27, color=HIGHLIGHT, label="agent model")
        axes[1].bar(pos + 0.27, groups["bgnbd_mean"], width=0.27, color=PALETTE[0], label="BG/NBD")
        axes[1].set_xticks(pos, groups["x"])
        axes[1].set(xlabel="repeat transactions in calibration", ylabel="holdout transactions per customer",
                    title="Conditional expectations by frequency")
        axes[1].legend(loc="upper left")
        footnote(fig, f"calibration {report['calibration_weeks']} weeks, holdout {report['holdout_weeks']} weeks, "
                      f"{report['customers']:,} customers, {h['agent_model']['replications']} replications")
        fig.savefig(path)
        plt.close(fig)


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
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of weeks, got {text!r}") from None


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m sim.calibrate", description=__doc__.splitlines()[0])
    parser.add_argument("--transactions", required=True,
                        help="transaction log: CDNOW text or CSV with customer_id,date,amount ('cdnow': the bundled sample)")
    parser.add_argument("--calibration-weeks", required=True, type=_weeks, help="weeks used to fit, from the first date")
    parser.add_argument("--out", required=True, type=Path, help="directory for calibration.json and calibration.png")
    parser.add_argument("--replications", type=_int_at_least(1), default=500, help="simulation runs (default 500)")
    parser.add_argument("--seed", type=_int_at_least(0), default=0, help="root seed of the simulation (default 0)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        if args.out.exists() and not args.out.is_dir():
            raise CalibrationError(f"The '--out' argument must be a directory. Got {str(args.out)!r}, which is a file.")
        source = cdnow_sample_path() if args.transactions == "cdnow" else args.transactions
        log = read_transactions(source)
        report = calibrate(log, args.calibration_weeks, args.replications, args.seed)
    except (TransactionLogError, CalibrationError) as err:
        print(f"Error: {err}", file=sys.stderr)
        return 2
    report = {"transactions": str(args.transactions), **report, "wall_seconds": time.perf_counter() - started}
    try:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "calibration.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        plot(report, args.out / "calibration.png")
    except OSError as err:
        print(f"Error: cannot write to the '--out' directory {str(args.out)!r}: {err.strerror}", file=sys.stderr)
        return 2
    a, b = report["errors"]["agent_model"], report["errors"]["bgnbd"]
    print(f"Calibration: {args.out / 'calibration.json'}")
    print(f"  holdout repeat transactions: actual {report['holdout']['actual']['total']:,.0f}, "
          f"agent model {report['holdout']['agent_model']['total']:,.0f}, BG/NBD {report['holdout']['bgnbd']['total']:,.0f}")
    print(f"  {'':<26}{'agent model':>14}{'BG/NBD':>10}")
    print(f"  {'total error %':<26}{a['total_error_pct']:>14.1f}{b['total_error_pct']:>10.1f}")
    print(f"  {'MAE by frequency (mean)':<26}{a['group_mean_mae']:>14.3f}{b['group_mean_mae']:>10.3f}")
    print(f"  {'MAE weekly cumulative':<26}{a['weekly_cumulative_mae']:>14.1f}{b['weekly_cumulative_mae']:>10.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
