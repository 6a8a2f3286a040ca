"""Fit, simulate and compare: the agent model and BG/NBD against the actual holdout purchases.

:func:`calibrate` returns the content of ``calibration.json``: the fitted parameters, predicted
and actual repeat transactions in the holdout weeks (total and weekly cumulative), the comparison
by calibration frequency (x = 0, 1, ..., 7+), each model's errors, the model choice (each
purchase model's likelihood, AIC, BIC and holdout error: BG/NBD, Pareto/NBD and the agent
model's covariate BG/NBD), when spend can be fitted holdout revenue, and the Bass arrival
curve of new customers when the log has ongoing acquisition (:mod:`sim.calibrate.arrivals`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import chi2

from sim.analysis.clv import (
    BGNBDFit,
    GammaGammaFit,
    ParetoNBDFit,
    bgnbd_expected_transactions,
    fit_bgnbd,
    fit_pareto_nbd,
    gamma_gamma_expected_spend,
    pareto_nbd_expected_transactions,
)
from sim.analysis.clv.histories import distinct_histories
from sim.calibrate.arrivals import arrival_curve
from sim.calibrate.data import CalibrationError, calibration_amounts, holdout_revenue, prepare
from sim.calibrate.firm import DEFAULT_MODEL, MODELS, firm_scenario
from sim.calibrate.simulate import fit_spend, replications_for, simulate_holdout
from sim.calibration.fit import CovariateBGNBDFit, covariate_expected_transactions, fit_covariate_bgnbd

__all__ = ["FREQUENCY_GROUPS", "calibrate", "calibrate_firm"]

FREQUENCY_GROUPS = 8  # x = 0, 1, ..., 6 and 7+
ARRIVALS_NOTE = ("fitted from weekly first purchases; the firm's runs draw new customers from it (scenario.yaml: "
                 "market.potential, market.innovation, market.word_of_mouth), held at the estimates")


@dataclass(frozen=True)
class _Holdout:
    """Repeat transactions in the holdout weeks: actual, simulated and both closed forms.

    Attributes
    ----------
    actual : ndarray
        Actual purchases per customer and week, shape (customers, weeks).
    sims : dict
        :func:`~sim.calibrate.simulate.simulate_holdout`'s output.
    bgnbd_cumulative : ndarray
        BG/NBD expected cumulative transactions of all customers after each week.
    bgnbd_customer, covariate_customer : ndarray
        Expected transactions per customer over the holdout: BG/NBD and the agent model's closed form.
    pareto_cumulative, pareto_customer : ndarray
        The same two of Pareto/NBD.
    """

    actual: np.ndarray
    sims: dict[str, np.ndarray]
    bgnbd_cumulative: np.ndarray
    bgnbd_customer: np.ndarray
    covariate_customer: np.ndarray
    pareto_cumulative: np.ndarray
    pareto_customer: np.ndarray

    @property
    def actual_cumulative(self) -> np.ndarray:
        return np.cumsum(self.actual.sum(axis=0))

    @property
    def agent_cumulative(self) -> np.ndarray:
        return np.cumsum(self.sims["weekly"].mean(axis=0))


def _by_frequency(x: np.ndarray, values: dict[str, np.ndarray]) -> pd.DataFrame:
    """Customers and the mean of each of ``values`` by calibration frequency (0, 1, ..., 7+)."""
    group = np.minimum(x, FREQUENCY_GROUPS - 1).astype(int)
    labels = [str(g) for g in range(FREQUENCY_GROUPS - 1)] + [f"{FREQUENCY_GROUPS - 1}+"]
    table = pd.DataFrame({"x": labels, "customers": np.bincount(group, minlength=FREQUENCY_GROUPS)})
    for name, v in values.items():
        totals = np.bincount(group, weights=v, minlength=FREQUENCY_GROUPS)
        table[f"{name}_mean"] = totals / np.maximum(table["customers"], 1)
    return table


def _errors(predicted_cumulative: np.ndarray, model: str, actual_cumulative: np.ndarray,
            groups: pd.DataFrame) -> dict[str, float]:
    """A model's errors: in the holdout total, by calibration frequency and week by week."""
    predicted_total, actual_total = predicted_cumulative[-1], float(actual_cumulative[-1])
    group_means, actual_means, customers = groups[f"{model}_mean"], groups["actual_mean"], groups["customers"]
    occupied = customers > 0
    return {
        "total_error": float(predicted_total - actual_total),
        "total_error_pct": float(100 * (predicted_total - actual_total) / actual_total) if actual_total else None,
        "group_mean_mae": float(np.mean(np.abs(group_means - actual_means)[occupied])),
        "group_total_mae": float(np.mean(np.abs((group_means - actual_means) * customers)[occupied])),
        "weekly_cumulative_mae": float(np.mean(np.abs(predicted_cumulative - actual_cumulative))),
    }


def _parameters(plain: BGNBDFit, agent_fit: CovariateBGNBDFit, z: np.ndarray, pareto: ParetoNBDFit) -> dict[str, Any]:
    """The fits, the covariate's standard errors and the likelihood-ratio test against BG/NBD."""
    lr = 2 * (agent_fit.log_likelihood - plain.log_likelihood)
    stderr = np.sqrt(np.diag(agent_fit.covariance)).tolist() if agent_fit.covariance_note is None else [None] * 5
    return {
        "bgnbd": {"r": plain.r, "alpha": plain.alpha, "a": plain.a, "b": plain.b,
                  "log_likelihood": plain.log_likelihood},
        "pareto_nbd": {"r": pareto.r, "alpha": pareto.alpha, "s": pareto.s, "beta": pareto.beta,
                       "log_likelihood": pareto.log_likelihood},
        "agent_model": {
            "r": agent_fit.r, "alpha": agent_fit.alpha, "a": agent_fit.a, "b": agent_fit.b,
            "beta_first_amount": agent_fit.beta, "log_likelihood": agent_fit.log_likelihood,
            "covariate": "log(1 + first purchase amount), centred; alpha_i = alpha exp(-beta z_i)",
            "standard_errors": dict(zip(("log_r", "log_alpha", "log_a", "log_b", "beta"),
                                        stderr)),
            "likelihood_ratio_vs_bgnbd": lr,
            "p_value": float(chi2.sf(lr, 1)) if np.ptp(z) > 0 else None,
        },
    }


def _holdout_block(h: _Holdout) -> dict[str, Any]:
    """Holdout totals and weekly cumulative transactions, with the simulation's 90 % intervals."""
    actual_cumulative, agent_cumulative = h.actual_cumulative, h.agent_cumulative
    weekly = h.sims["weekly"]
    return {
        "actual": {"total": float(actual_cumulative[-1]), "weekly_cumulative": actual_cumulative.tolist()},
        "agent_model": {"total": float(agent_cumulative[-1]),
                        "interval_90": [float(v) for v in np.quantile(weekly.sum(axis=1), [0.05, 0.95])],
                        "weekly_cumulative": agent_cumulative.tolist(),
                        "weekly_cumulative_interval_90": np.quantile(np.cumsum(weekly, axis=1), [0.05, 0.95],
                                                                     axis=0).T.tolist(),
                        "replications": weekly.shape[0]},
        "bgnbd": {"total": float(h.bgnbd_cumulative[-1]), "weekly_cumulative": h.bgnbd_cumulative.tolist()},
        "pareto_nbd": {"total": float(h.pareto_cumulative[-1]), "weekly_cumulative": h.pareto_cumulative.tolist()},
        "agent_model_closed_form": {"total": float(h.covariate_customer.sum())},
    }


def _spend_block(summary: pd.DataFrame, spend_fit: GammaGammaFit, h: _Holdout, actual_revenue: float,
                 note: str | None) -> dict[str, Any]:
    """Gamma-Gamma parameters and holdout revenue: actual, simulated and BG/NBD with Gamma-Gamma (and the
    spend fit's ``note``, if any)."""
    has = summary["spend_n"].to_numpy() > 0
    per_purchase = np.full(len(summary), spend_fit.p * spend_fit.gamma / (spend_fit.q - 1))  # q > 1 (fit_spend)
    per_purchase[has] = gamma_gamma_expected_spend(spend_fit, summary["spend_n"].to_numpy()[has],
                                                   (summary["spend_total"] / summary["spend_n"]).to_numpy()[has])
    revenue = h.sims["revenue"]
    return {
        "gamma_gamma": {"p": spend_fit.p, "q": spend_fit.q, "gamma": spend_fit.gamma,
                        "log_likelihood": spend_fit.log_likelihood, "customers": spend_fit.n_customers},
        "actual_revenue": actual_revenue,
        "agent_model_revenue": float(revenue.mean()),
        "agent_model_revenue_interval_90": [float(v) for v in np.quantile(revenue, [0.05, 0.95])],
        "bgnbd_gamma_gamma_revenue": float(np.nansum(h.bgnbd_customer * per_purchase)),
        **({"note": note} if note is not None else {}),
    }


def _notes(h: _Holdout, plain: BGNBDFit, agent_fit: CovariateBGNBDFit, spend_note: str | None,
           fewer: str | None = None) -> dict[str, str]:
    """Why parts of the report are missing or null, and why there are fewer replications (``fewer``):
    ``calibration.json``'s ``notes``."""
    notes = {k: v for k, v in (("spend", spend_note), ("agent_model_parameter_uncertainty", agent_fit.covariance_note),
                               ("replications", fewer)) if v}
    for key, values, fit in (("bgnbd", h.bgnbd_customer, plain), ("agent_model_closed_form", h.covariate_customer,
                                                                       agent_fit)):
        if not np.all(np.isfinite(values)):
            notes[key] = (f"its closed-form forecast is not finite at the fitted r={fit.r:.3g}, alpha={fit.alpha:.3g}, "
                          f"a={fit.a:.3g}, b={fit.b:.3g} (the fit is at the edge of the parameters: purchases too "
                          "regular or no dropout in the calibration weeks); the values it gives are null")
    if not h.actual_cumulative[-1]:
        notes["total_error_pct"] = "null: no repeat purchase in the holdout weeks to compare with"
    return notes


def _check_fitted(plain: BGNBDFit, agent_fit: CovariateBGNBDFit, x: np.ndarray, calibration_weeks: float) -> None:
    """Stop with a message when a purchase model could not be fitted to the calibration weeks."""
    values = [plain.r, plain.alpha, plain.a, plain.b, agent_fit.r, agent_fit.alpha, agent_fit.a, agent_fit.b,
              agent_fit.beta, plain.log_likelihood, agent_fit.log_likelihood]
    if not all(np.isfinite(values)) or min(values[:8]) <= 0:
        raise CalibrationError(
            f"The '--calibration-weeks' argument must leave enough purchase histories to fit BG/NBD; "
            f"{len(x)} customers with {int(x.sum())} repeat purchases give no finite fit "
            f"(r={plain.r:.3g}, alpha={plain.alpha:.3g}, a={plain.a:.3g}, b={plain.b:.3g}). "
            f"Got {calibration_weeks!r} instead.")


#: Free parameters of each purchase model, for the information criteria.
_FREE_PARAMETERS = {"bgnbd": 4, "pareto_nbd": 4, "agent_model": 5}
#: The row of the model choice of each ``--model`` value.
_CHOICE_ROW = {"paretonbd": "pareto_nbd", "bgnbd": "bgnbd", "covariate": "agent_model"}


def _model_choice(parameters: dict[str, Any], errors: dict[str, dict[str, float]], n: int,
                  model: str) -> dict[str, Any]:
    """Each purchase model's fit to the calibration data and its holdout error, side by side.

    The likelihoods are of the same data (x, t_x, T), so AIC and BIC compare them directly; the
    holdout errors compare forecasts. ``lowest_bic`` is what the calibration data alone choose;
    ``scenario`` the model the firm's scenario uses (``--model`` ``model``) and its row here.
    """
    table = {}
    for row, k in _FREE_PARAMETERS.items():
        ll = parameters[row]["log_likelihood"]
        table[row] = {"log_likelihood": ll, "parameters": k, "aic": 2 * k - 2 * ll, "bic": k * np.log(n) - 2 * ll,
                      "holdout_total_error_pct": errors[row]["total_error_pct"],
                      "holdout_weekly_cumulative_mae": errors[row]["weekly_cumulative_mae"]}
    return {"models": table, "lowest_bic": min(table, key=lambda m: table[m]["bic"]),
            "scenario": {"model": model, "row": _CHOICE_ROW[model]}}


def calibrate(log: pd.DataFrame, calibration_weeks: float, replications: int | None = None, seed: int = 0,
              on_replication: Callable[[], None] | None = None, model: str = DEFAULT_MODEL) -> dict[str, Any]:
    """Fit, simulate and compare; return the content of ``calibration.json``.

    See :func:`calibrate_firm` for the parameters; this is its report alone.
    """
    return calibrate_firm(log, calibration_weeks, replications, seed, on_replication, model)[0]


#: The report, the firm's scenario values and its customers table.
_FirmOutput = tuple[dict[str, Any], dict[str, Any], pd.DataFrame]


def _fit_pareto(x: np.ndarray, t_x: np.ndarray, T: np.ndarray, calibration_weeks: float) -> ParetoNBDFit:
    """Pareto/NBD on the calibration histories, or a message naming the argument when none fits."""
    try:
        return fit_pareto_nbd(x, t_x, T)
    except RuntimeError:
        raise CalibrationError(
            f"The '--calibration-weeks' argument must leave enough purchase histories to fit Pareto/NBD; "
            f"{len(x)} customers with {int(x.sum())} repeat purchases give no finite likelihood. "
            f"Got {calibration_weeks!r} instead.") from None


def _holdout(actual: np.ndarray, sims: dict[str, np.ndarray], fits: tuple, histories: tuple) -> _Holdout:
    """The holdout's actual, simulated and closed-form repeat transactions.

    The closed forms of BG/NBD and Pareto/NBD are computed once per distinct history, for every
    holdout week at once, and summed with the histories' counts.
    """
    plain, agent_fit, pareto = fits
    x, t_x, T, z = histories
    weeks = actual.shape[1]
    horizon = np.arange(1, weeks + 1, dtype=np.float64)[:, None]  # weeks x distinct histories
    h = distinct_histories(x, t_x, T)
    bgnbd = bgnbd_expected_transactions(horizon, plain, h.x, h.t_x, h.T)
    pareto_by_week = pareto_nbd_expected_transactions(horizon, pareto, h.x, h.t_x, h.T)
    return _Holdout(
        actual=actual, sims=sims,
        bgnbd_cumulative=bgnbd @ h.counts, bgnbd_customer=bgnbd[-1][h.inverse],
        covariate_customer=covariate_expected_transactions(weeks, agent_fit, x, t_x, T, z),
        pareto_cumulative=pareto_by_week @ h.counts, pareto_customer=pareto_by_week[-1][h.inverse],
    )


def _comparison(h: _Holdout, x: np.ndarray) -> tuple[pd.DataFrame, dict[str, dict[str, float]]]:
    """The means by calibration frequency and each model's errors."""
    groups = _by_frequency(x, {"actual": h.actual.sum(axis=1), "agent_model": h.sims["per_customer"],
                               "bgnbd": h.bgnbd_customer, "pareto_nbd": h.pareto_customer,
                               "agent_closed_form": h.covariate_customer})
    errors = {m: _errors(c, m, h.actual_cumulative, groups) for m, c in (
        ("agent_model", h.agent_cumulative), ("bgnbd", h.bgnbd_cumulative), ("pareto_nbd", h.pareto_cumulative))}
    return groups, errors


class StageClock:
    """Seconds spent in each stage of a calibration, for ``calibration.json`` and the benchmark."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def __call__(self, stage: str) -> None:
        """Close ``stage``: the time since the previous stage ended."""
        now = time.perf_counter()
        self.seconds[stage] = now - self._last
        self._last = now


def _fits(summary: pd.DataFrame, calibration_weeks: float, clock: StageClock) -> tuple:
    """The histories, the BG/NBD, Pareto/NBD and agent-model fits, and the spend fit (:func:`fit_spend`)."""
    x, t_x, T, z = (summary[c].to_numpy(dtype=np.float64) for c in ("x", "t_x", "T", "z"))
    plain = fit_bgnbd(x, t_x, T)
    clock("fit_bgnbd")
    pareto = _fit_pareto(x, t_x, T, calibration_weeks)
    clock("fit_pareto_nbd")
    agent_fit = fit_covariate_bgnbd(x, t_x, T, z, plain=plain)
    clock("fit_agent_model")
    _check_fitted(plain, agent_fit, x, calibration_weeks)
    spend = fit_spend(summary)
    clock("fit_spend")
    return (x, t_x, T, z), plain, pareto, agent_fit, spend


def _check_model(model: str) -> None:
    """Stop with a message naming the argument when ``model`` is not one of :data:`sim.calibrate.firm.MODELS`."""
    if model not in MODELS:
        raise CalibrationError(f"The '--model' argument must be one of {', '.join(MODELS)}. Got {model!r} instead.")


def calibrate_firm(log: pd.DataFrame, calibration_weeks: float, replications: int | None = None, seed: int = 0,
                   on_replication: Callable[[], None] | None = None, model: str = DEFAULT_MODEL) -> _FirmOutput:
    """Fit, simulate and compare; return the report, and the firm's scenario values and customers
    (:func:`sim.calibrate.firm.firm_scenario`).

    Parameters
    ----------
    log : DataFrame
        Transactions: ``customer_id``, ``date``, ``amount`` (currency units).
    calibration_weeks : float
        Weeks from the first date used to fit; the whole weeks after them are forecast.
    replications, seed : int or None, int
        Simulation runs (each with parameters drawn from their sampling distribution; None: 500,
        fewer for a large log, :func:`~sim.calibrate.simulate.replications_for`); root seed.
    on_replication : callable, optional
        Called after each replication (progress).
    model : str
        The firm scenario's purchase model, a key of :data:`sim.calibrate.firm.MODELS` (``--model``).

    Raises
    ------
    CalibrationError
        If ``model`` is not one of them, the calibration weeks leave no repeat purchase, or no finite fit.
    """
    _check_model(model)
    clock = StageClock()
    summary, weekly_actual, weeks = prepare(log, calibration_weeks)
    clock("prepare")  # then each stage closes its own
    histories, plain, pareto, agent_fit, (spend_fit, spend_cov, spend_note) = _fits(summary, calibration_weeks, clock)
    x, z = histories[0], histories[3]
    replications, fewer = replications_for(len(summary), replications)
    sims = simulate_holdout(summary, weeks, agent_fit, spend_fit, spend_cov, replications, seed, on_replication)
    clock("simulate_holdout")
    h = _holdout(weekly_actual, sims, (plain, agent_fit, pareto), histories)
    groups, errors = _comparison(h, x)
    parameters = _parameters(plain, agent_fit, z, pareto)
    spend = None if spend_fit is None else _spend_block(
        summary, spend_fit, h, holdout_revenue(log, summary.index, calibration_weeks, weeks), spend_note)
    notes = _notes(h, plain, agent_fit, spend_note if spend_fit is None else None, fewer)
    clock("closed_forms_and_holdout")
    arrivals = arrival_curve(summary["first_purchase"], log["date"].min(), calibration_weeks)
    values, customers, record = firm_scenario(summary, {"paretonbd": pareto, "bgnbd": plain, "covariate": agent_fit}[
        model], spend_fit, calibration_amounts(log, calibration_weeks), weeks, spend_cov, arrivals)
    clock("firm_scenario")
    report = {
        "calibration_weeks": calibration_weeks, "holdout_weeks": weeks, "customers": int(len(summary)),
        "calibration_repeat_transactions": int(x.sum()),
        "parameters": parameters,
        "holdout": _holdout_block(h),
        "by_frequency": groups.to_dict(orient="records"), "errors": errors,
        "model_choice": _model_choice(parameters, errors, len(summary), model),
        "spend": spend,
        "acquisition_curve": arrivals,
        "scenario": record,
        "sampling": values["sampling"],
        "seed": seed,
        "notes": notes | ({"acquisition_curve": ARRIVALS_NOTE} if arrivals["identified"] else {}),
        "stage_seconds": clock.seconds,
    }
    return report, values, customers
