"""A calibrated firm as a scenario: ``DIR/scenario.yaml`` and ``DIR/customers.parquet``.

The purchase model (:data:`MODELS`, ``python -m sim.calibrate --model``) is one the engine runs
as it is. Pareto/NBD (Schmittlein, Morrison & Colombo 1987, the default) is its Poisson
purchasing with Gamma rates and a weekly dropout hazard with Gamma rates
(``classic.model=paretonbd``): a customer alive at the end of the log buys at rate
``lambda ~ Gamma(r + x, alpha + T)`` and leaves at hazard ``mu ~ Gamma(s, beta + T)`` (her
posterior given x repeat purchases in T weeks without leaving). BG/NBD (Fader, Hardie & Lee
2005, ``classic.model=bgnbd``) is the same purchasing with dropout only right after a repeat
purchase (``customers.churn_timing=at_purchase``), with probability ``p ~ Beta(a, b + x)``; its
covariate version has her own ``alpha_i = alpha exp(-beta z)``. Either way she is alive with
probability P(alive | x, t_x, T), and spend per purchase is her Gamma-Gamma expectation (Fader
& Hardie 2013).

New customers: when the log identifies a Bass arrival curve (``calibration.json``
``acquisition_curve``, :mod:`sim.calibrate.arrivals`), the market holds the ``m`` people the curve
says will ever buy, and the prospects among them hear of the firm as in the ``bass`` preset
(:mod:`sim.classic.presets`): ``market.innovation`` = p and ``market.word_of_mouth`` = q (per week),
every customer a promoter with one voice, and whoever hears buys that week. The curve's imitation
counts every adopter while the engine hears only customers still active, so q is scaled by the
customers over their expected number active at the end of the log (their P(alive) summed). New
customers then buy and leave as the fitted Pareto/NBD prior says. Without a curve the market is
closed (its potential is the firm's customers).

``python -m sim firm=DIR [strategy overrides]`` then runs any strategy on those customers
(:func:`sim.scenario.firm_overrides`, :func:`sim.runner.known_customers`). What a log cannot
identify (responses to price, loyalty, service; costs) is assumed; ``scenario.yaml`` and
``calibration.json`` list each value as fitted (with its standard error) or assumed (with
its source). ``scenario.yaml``'s ``sampling`` holds the estimates and the covariance of their logs,
and ``customers.parquet`` each customer's history, so that each replication can draw the
parameters from their sampling distribution and recompute the posteriors under them
(:func:`sim.runner.firm_parameters`, :func:`sim.runner.firm_posterior`).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.clv import BGNBDFit, BGNBDLikelihood, GammaGammaFit, ParetoNBDFit, ParetoNBDLikelihood
from sim.analysis.clv.histories import distinct_histories
from sim.calibration.fit import CovariateBGNBDFit, checked_covariance
from sim.config import Config
from sim.io import atomic_write, write_text
from sim.runner import FIRM_COLUMNS, LINEAR_PARAMETERS, SAMPLED_MODELS, firm_posterior
from sim.scenario import FIRM_CUSTOMERS, FIRM_SCENARIO

__all__ = ["firm_scenario", "write_firm", "pareto_nbd_sampling", "standard_errors", "ASSUMED_OFF", "ARRIVALS_ASSUMED",
           "MODELS", "DEFAULT_MODEL"]

#: The purchase models a firm can use, by ``python -m sim.calibrate --model`` value: the model's
#: name in the firm's record and ``sampling``, and its label.
MODELS = {"paretonbd": ("pareto_nbd", "Pareto/NBD"), "bgnbd": ("bgnbd", "BG/NBD"),
          "covariate": ("covariate_bgnbd", "covariate BG/NBD")}
#: Pareto/NBD by default: on CDNOW its forecasts by calibration frequency are the closest (mean
#: absolute error 0.10 against 0.22 for both BG/NBDs), since BG/NBD takes every customer without a
#: repeat purchase for alive; and its weekly hazard is the engine's own churn timing.
DEFAULT_MODEL = "paretonbd"

#: A fitted purchase model: Pareto/NBD, BG/NBD or the covariate BG/NBD.
PurchaseFit = ParetoNBDFit | BGNBDFit | CovariateBGNBDFit

#: Mechanisms a transaction log cannot identify and that would move the fitted model's forecast
#: with no strategy change: switched off in a calibrated firm, with the reason.
ASSUMED_OFF = {
    "customers.churn_satisfaction_effect": (0.0, "satisfaction's effect on churn is not identified by a log; "
                                            "the fitted dropout stands for it"),
    "customers.satisfaction_purchase_effect": (0.0, "satisfaction's effect on buying is not identified by a log; "
                                               "the fitted purchase rates stand for it"),
    "customers.lapsing_churn_multiplier": (1.0, "the fitted hazard is the same whether or not a customer is quiet"),
    "customers.attachment_growth": (0.0, "attachment formed so far is in the fitted rates; its growth is not "
                                    "identified by a log"),
    "customers.basket_sigma": (0.0, "each purchase is worth the customer's expected spend (Gamma-Gamma)"),
    "customers.return_propensity_mean": (0.0, "the log's amounts are taken as what customers kept, net of returns; "
                                         "a firm that knows its returns sets customers.return_*"),
    "market.potential": (None, "the log knows only its own customers: no prospects to acquire (closed market)"),
    "market.initially_aware": (0.0, "no prospects"),
}

#: How a firm whose log identifies an arrival curve turns it into new customers: the ``bass``
#: preset's settings, with the reason.
ARRIVALS_ASSUMED = {
    "market.promoter_satisfaction": (0.0, "every customer spreads the word: the fitted imitation counts every "
                                     "adopter (Bass 1969)"),
    "market.detractor_satisfaction": (0.0, "no customer deters on top of the fitted curve, which already holds "
                                      "whatever deterred prospects"),
    "customers.attachment_advocacy_ratio": (1.0, "one voice per customer, as the fitted imitation counts them"),
    "customers.conversion_rate": (1.0, "the curve is of first purchases: a prospect who hears of the firm buys "
                                  "that week (also one reached by a media strategy)"),
}

#: Responses a calibrated firm needs set because the mechanism the default firm uses is off there,
#: with their source: a retention offer acts on churn directly, not through satisfaction.
ASSUMED_ON = {
    "retention.churn_relief": (0.15, "a retention offer lowers its receiver's churn directly while satisfaction's "
                               "effects are off: the middle of its prior, -0.1 to 0.4 (Ascarza 2018)"),
}

#: Group options a calibrated firm starts from (a strategy's own choice replaces them), with the reason.
FIRM_GROUPS = {
    "acquisition": ("none", "the firm's present acquisition and win-back efforts are in the fitted rates; "
                            "a media or win-back budget is a strategy (acquisition.*)"),
}

#: Costs a transaction log does not show: the default firm's amounts (currency units) until set.
UNKNOWN_COSTS = ("product.fixed_cost_per_week", "service.cost_per_customer_week", "service.cost_per_transaction",
                 "service.cost_per_order_service",
                 "service.cost_per_complaint", "loyalty.fixed_cost_per_week", "loyalty.cost_per_member_week")

#: Response parameters kept at the agent model's defaults: the strategies act through them.
ASSUMED_DEFAULTS = (
    "customers.price_sensitivity_mean", "customers.price_sensitivity_sd", "customers.attachment_purchase_ratio",
    "customers.attachment_price_relief", "customers.lapse_weeks", "customers.complaint_propensity",
    "pricing.list_price", "pricing.reference_price", "product.unit_cost",
)


def _params(fit: PurchaseFit) -> tuple[float, ...]:
    """The fit's parameters in the order of :data:`sim.runner.SAMPLED_MODELS`."""
    if isinstance(fit, CovariateBGNBDFit):
        return (fit.r, fit.alpha, fit.a, fit.b, fit.beta)
    return tuple(fit.params)


def _model(fit: PurchaseFit) -> str:
    """The fit's model name in a firm's record and ``sampling``."""
    return ("covariate_bgnbd" if isinstance(fit, CovariateBGNBDFit) else "bgnbd" if isinstance(fit, BGNBDFit)
            else "pareto_nbd")


def _purchase_sampling(fit: PurchaseFit, summary: pd.DataFrame) -> dict[str, Any]:
    """The purchase model's estimates and the covariance of their logs (of beta itself for the covariate)."""
    x, t_x, T = (summary[c].to_numpy(dtype=np.float64) for c in ("x", "t_x", "T"))
    if isinstance(fit, ParetoNBDFit):
        return pareto_nbd_sampling(fit, x, t_x, T)
    if isinstance(fit, CovariateBGNBDFit):  # its covariance is the fit's own, in this parametrisation
        singular = fit.covariance_note is not None
        return {"estimate": [float(v) for v in _params(fit)],
                "log_covariance": None if singular else np.asarray(fit.covariance).tolist(),
                "note": fit.covariance_note, "scale": "logs of r, alpha, a, b; beta itself"}
    likelihood = BGNBDLikelihood(distinct_histories(x, t_x, T))
    cov, note = checked_covariance(lambda v: likelihood(np.exp(v))[0], np.log(fit.params))
    return {"estimate": [float(v) for v in fit.params], "log_covariance": None if cov is None else cov.tolist(),
            "note": note}


def _sampling(fit: PurchaseFit, summary: pd.DataFrame, spend_fit: GammaGammaFit | None,
              spend_cov: np.ndarray | None) -> dict[str, Any]:
    """The estimates and the covariance of their logs (the inverse observed information), as plain
    numbers: what each replication draws its parameters from (:func:`sim.runner.firm_parameters`)."""
    out = {_model(fit): _purchase_sampling(fit, summary)}
    if spend_fit is not None and spend_fit.q > 1:
        out["gamma_gamma"] = {"estimate": [float(v) for v in spend_fit.params],
                              "log_covariance": None if spend_cov is None else np.asarray(spend_cov).tolist(),
                              "note": None if spend_cov is not None else "singular information: held at the fit"}
    return out


def pareto_nbd_sampling(fit: ParetoNBDFit, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> dict[str, Any]:
    """The Pareto/NBD estimates (r, alpha, s, beta; alpha and beta in weeks) and the covariance of
    their logs, the inverse observed information of the histories (x, t_x, T in weeks), as plain
    numbers; ``log_covariance`` is None, and ``note`` says why, when the information is singular."""
    likelihood = ParetoNBDLikelihood(distinct_histories(x, t_x, T))
    cov, note = checked_covariance(lambda v: likelihood(np.exp(v)), np.log(fit.params))
    return {"estimate": [float(v) for v in fit.params], "log_covariance": None if cov is None else cov.tolist(),
            "note": note}


def standard_errors(block: dict[str, Any], names: tuple[str, ...], linear: tuple[str, ...] = ()) -> dict[str, float]:
    """Standard errors by the delta method from the log-parameter covariance (NaN without one);
    the covariance is of the ``linear`` parameters themselves."""
    cov = block["log_covariance"]
    se = np.full(len(names), np.nan) if cov is None else np.sqrt(np.clip(np.diag(cov), 0.0, None))
    scale = np.where(np.isin(names, linear), 1.0, np.asarray(block["estimate"]))
    return dict(zip(names, (scale * se).tolist()))


def _sources() -> dict[str, str]:
    from sim.config.doc import SOURCES

    out = {}
    root = Config()
    for key in ASSUMED_DEFAULTS:
        group, name = key.split(".")
        f = next(f for f in dataclasses.fields(getattr(root, group)) if f.name == name)
        out[key] = (f.metadata.get("source") or SOURCES.get(key)
                    or "modelling choice of the default firm (docs/behaviour.md)")
    return out


def firm_scenario(summary: pd.DataFrame, fit: PurchaseFit, spend_fit: GammaGammaFit | None,
                  amounts: pd.Series, horizon_weeks: int, spend_cov: np.ndarray | None = None,
                  arrivals: dict[str, Any] | None = None) -> tuple[dict[str, Any], pd.DataFrame, dict[str, Any]]:
    """The scenario values, the customers table and the fitted-or-assumed record of a firm.

    Parameters
    ----------
    summary : DataFrame
        The calibration summary (:func:`sim.calibrate.data.prepare`): x, t_x, T (weeks),
        spend_n, spend_total (currency units), indexed by customer id.
    fit : ParetoNBDFit, BGNBDFit or CovariateBGNBDFit
        The purchase model the firm uses (:data:`MODELS`), fitted to the calibration period (weeks).
    spend_fit : GammaGammaFit or None
        Gamma-Gamma spend, None when there were too few valued repeat purchases.
    amounts : Series
        Amount of every purchase occasion in the calibration period (currency units), for the
        mean spend when there is no spend model.
    horizon_weeks : int
        Weeks of the holdout period the calibration checked (recorded; the run's horizon is the
        user's choice).
    spend_cov : ndarray, optional
        Covariance of the Gamma-Gamma (ln p, ln q, ln gamma) estimates; without it spend is not drawn.
    arrivals : dict, optional
        The arrival curve (:func:`~sim.calibrate.arrivals.arrival_curve`); new customers come from it when identified.

    Returns
    -------
    values : dict
        scenario.yaml's content: config values, and the ``sampling`` and ``record`` data
        (:data:`sim.scenario.FIRM_DATA_KEYS`).
    customers : DataFrame
        customer_id, :data:`~sim.runner.FIRM_COLUMNS` (her posterior) and
        :data:`~sim.runner.HISTORY_COLUMNS` and ``z`` (her history and covariate, to recompute it
        under drawn parameters).
    record : dict
        What is fitted and what assumed (also ``values["record"]``).
    """
    n = len(summary)
    history = _history(summary)
    modelled = spend_fit is not None and spend_fit.q > 1
    posterior = firm_posterior(_params(fit), history, spend_fit.params if modelled else None, _model(fit))
    posterior.setdefault("spend_per_purchase", np.full(n, float(amounts.mean())))
    customers = pd.DataFrame({"customer_id": summary.index.astype(str), **{c: posterior[c] for c in FIRM_COLUMNS},
                              **history})
    values = {
        "groups": {g: o for g, (o, _) in FIRM_GROUPS.items()},
        "customers": {"initial": n, "purchase_rate_mean": fit.r / fit.alpha, "purchase_rate_shape": fit.r,
                      **_dropout(fit), "churn_rate": 1.0},
        "market": {"potential": n},
    }
    for key, (value, _) in {**ASSUMED_OFF, **ASSUMED_ON}.items():
        group, name = key.split(".")
        values.setdefault(group, {})[name] = n if value is None else value
    sampling = _sampling(fit, summary, spend_fit, spend_cov)
    record = _record(fit, sampling, spend_fit, amounts, (n, horizon_weeks))
    _open_market(values, record, arrivals, n / float(np.sum(posterior["p_alive"])), sampling)
    values["sampling"], values["record"] = sampling, record
    return values, customers, record


def _open_market(values: dict[str, Any], record: dict[str, Any], curve: dict[str, Any] | None,
                 adopters_per_active: float, sampling: dict[str, Any]) -> None:
    """New customers from the fitted arrival curve: ``values``, ``record`` and ``sampling`` updated in place.

    ``adopters_per_active`` is the firm's customers over their expected number active at the end
    of the log: the curve's q is per adopter, the engine's word of mouth per active customer.
    Without an identified curve that leaves anyone to come, the market stays closed. ``sampling``
    gets the curve's estimates (p, q, customers still to come) and their log covariance, which
    each seed of a run draws from (:func:`sim.runner.drawn_arrivals`).
    """
    if not (curve and curve.get("identified") and round(curve["m"]) > values["customers"]["initial"]):
        return
    se = curve["standard_errors"]
    potential = int(round(curve["m"]))
    word_of_mouth = curve["q"] * adopters_per_active
    market = values["market"]
    market.update(potential=potential, innovation=curve["p"], word_of_mouth=word_of_mouth)
    for key, (value, _) in ARRIVALS_ASSUMED.items():
        group, name = key.split(".")
        values.setdefault(group, {})[name] = value
    del record["assumed_off"]["market.potential"]
    record["assumed_off"]["market.initially_aware"]["reason"] = (
        "prospects hear of the firm through the fitted arrival curve (or a media strategy) only")
    record["fitted"].update({
        "market.potential": {"value": potential, "se": se["m"], "as": "Bass m: customers who will ever buy, those "
                             "seen included (weekly first purchases, Schmittlein & Mahajan 1982)"},
        "market.innovation": {"value": curve["p"], "se": se["p"], "as": "Bass p, per week"},
        "market.word_of_mouth": {"value": word_of_mouth, "se": se["q"] * adopters_per_active, "q": curve["q"],
                                 "as": f"Bass q per week x {adopters_per_active:.4g} (customers over their expected "
                                       "number active at the end of the log: the engine hears active customers)"},
    })
    record["assumed_on"].update({k: {"value": v, "source": why} for k, (v, why) in ARRIVALS_ASSUMED.items()})
    sampling["bass_arrivals"] = {"estimate": [curve["p"], curve["q"], curve["m"] - curve["adopted"]],
                                 "log_covariance": curve.get("log_covariance"), "adopted": curve["adopted"],
                                 "word_of_mouth_per_q": adopters_per_active}
    # New customers take the sign-up offer of the acquisition group, whose cost the log does not show.
    record["unknown_costs"].append("acquisition.offer_cost")


def _dropout(fit: PurchaseFit) -> dict[str, Any]:
    """The scenario's dropout: Pareto/NBD's weekly Gamma hazard, or BG/NBD's Beta probability at a purchase."""
    if isinstance(fit, ParetoNBDFit):
        return {"churn_propensity": "gamma_hazard", "churn_propensity_a": fit.s, "churn_propensity_b": fit.beta}
    return {"churn_propensity": "beta", "churn_propensity_a": fit.a, "churn_propensity_b": fit.b,
            "churn_timing": "at_purchase"}


def _history(summary: pd.DataFrame) -> dict[str, np.ndarray]:
    """Each customer's :data:`~sim.runner.HISTORY_COLUMNS` (mean spend 0 without a valued repeat
    purchase) and covariate ``z``."""
    spend_n = summary["spend_n"].to_numpy(dtype=np.float64)
    total = summary["spend_total"].to_numpy(dtype=np.float64)
    return {"x": summary["x"].to_numpy(np.float64), "t_x": summary["t_x"].to_numpy(np.float64),
            "T": summary["T"].to_numpy(np.float64), "spend_n": spend_n,
            "spend_mean": np.where(spend_n > 0, total / np.maximum(spend_n, 1), 0.0),
            "z": summary["z"].to_numpy(np.float64)}


def _fitted_purchases(fit: PurchaseFit, sampling: dict[str, Any]) -> dict[str, Any]:
    """The purchase model's fitted values, each with its standard error and what it is in the model."""
    model = _model(fit)
    names = SAMPLED_MODELS[model]
    se = standard_errors(sampling[model], names, LINEAR_PARAMETERS.get(model, ()))
    label = dict(MODELS.values())[model]
    values = dict(zip(names, _params(fit)))
    first, second = ("s", "beta") if model == "pareto_nbd" else ("a", "b")
    unit = ", per week" if model == "pareto_nbd" else " (dropout probability after a repeat purchase ~ Beta(a, b))"
    out = {
        "customers.purchase_rate_shape": {"value": fit.r, "se": se["r"], "as": f"{label} r"},
        "customers.purchase_rate_mean": {"value": fit.r / fit.alpha, "as": f"{label} r / alpha, per week",
                                         "alpha": fit.alpha, "alpha_se": se["alpha"]},
        "customers.churn_propensity_a": {"value": values[first], "se": se[first], "as": f"{label} {first}"},
        "customers.churn_propensity_b": {"value": values[second], "se": se[second], "as": f"{label} {second}{unit}"},
    }
    if model == "covariate_bgnbd":
        out["covariate_beta"] = {"value": fit.beta, "se": se["beta"], "as": "slope of each customer's alpha_i = alpha "
                                 "exp(-beta z), z the centred log of 1 + her first purchase amount"}
    return out


def _record(fit: PurchaseFit, sampling: dict[str, Any], spend_fit: GammaGammaFit | None, amounts: pd.Series,
            sizes: tuple[int, int]) -> dict[str, Any]:
    """What is fitted (with standard errors) and what is assumed (with reason or source)."""
    n, horizon_weeks = sizes
    spend_se = (standard_errors(sampling["gamma_gamma"], ("p", "q", "gamma")) if "gamma_gamma" in sampling
                else {})
    reference_price = Config().pricing.reference_price
    return {
        "model": _model(fit),
        "fitted": {
            **_fitted_purchases(fit, sampling),
            "customers.initial": {"value": n, "as": "customers with a first purchase in the calibration period"},
            "spend": ({"p": spend_fit.p, "q": spend_fit.q, "gamma": spend_fit.gamma, "as": "Gamma-Gamma",
                       **{f"{k}_se": v for k, v in spend_se.items()}}
                      if spend_fit is not None else {"mean": float(amounts.mean()), "as": "mean amount per purchase"}),
        },
        "assumed_off": {k: {"value": n if v is None else v, "reason": why} for k, (v, why) in ASSUMED_OFF.items()},
        "assumed_on": {k: {"value": v, "source": why} for k, (v, why) in ASSUMED_ON.items()},
        "groups": {g: {"option": o, "reason": why} for g, (o, why) in FIRM_GROUPS.items()},
        "unknown_costs": list(UNKNOWN_COSTS),
        "forecast_weeks": int(horizon_weeks),
        "assumed_defaults": {k: {"source": v} for k, v in _sources().items()},
        "spend_unit": f"a unit costs pricing.reference_price ({reference_price}) at today's prices; each customer's "
                      "basket is her expected spend in such units",
    }


def _yaml_text(values: dict[str, Any], record: dict[str, Any], source: str) -> str:
    import yaml

    lines = [f"# A calibrated firm, written by python -m sim.calibrate from {source}.",
             "# Run: python -m sim firm=THIS_DIRECTORY [loyalty=points] [retention=targeted] ...",
             "# Values given on the command line win over these. Plain data only (no interpolation).",
             "#", f"# Fitted ({record['model']}, and the Bass arrival curve when the log identifies one; standard "
             "errors here in record, covariance of the logs in sampling):"]
    for key, v in record["fitted"].items():
        if "value" in v:
            se = "" if "se" not in v else " (SE n/a)" if v["se"] is None or not np.isfinite(v["se"]) else \
                f" (SE {v['se']:.4g})"
            lines.append(f"#   {key} = {v['value']:.6g}{se}: {v['as']}")
    lines.append("# Assumed, switched off (a transaction log cannot identify them):")
    lines += [f"#   {k} = {v['value']}: {v['reason']}" for k, v in record["assumed_off"].items()]
    lines += [f"# Group {g}={v['option']}: {v['reason']}" for g, v in record["groups"].items()]
    lines.append("# Assumed at the agent model's defaults (sources in docs/behaviour.md): "
                 + ", ".join(record["assumed_defaults"]))
    lines.append("# Costs a log does not show, at the default firm's amounts (currency units) until you set them: "
                 + ", ".join(record["unknown_costs"]))
    lines.append(f"# The calibration checked a forecast of {record['forecast_weeks']} weeks (horizon.weeks).")
    return "\n".join(lines) + "\n" + yaml.safe_dump(values, sort_keys=False)


def write_firm(out: Path, values: dict[str, Any], customers: pd.DataFrame, record: dict[str, Any],
               source: str) -> None:
    """Write ``out/scenario.yaml`` and ``out/customers.parquet``, each atomically."""
    write_text(out / FIRM_SCENARIO, _yaml_text(values, record, source))
    atomic_write(out / FIRM_CUSTOMERS, lambda path: customers.to_parquet(path, index=False))
