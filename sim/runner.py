"""Running a scenario: the engine for its model, and the paired run without a loyalty programme.

This sits above the engine and the classical models, so that the engine never looks up the
models built on it.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np

from sim.analysis.clv import bgnbd_prob_alive_each, gamma_gamma_expected_spend, pareto_nbd_prob_alive
from sim.analysis.clv.histories import distinct_histories
from sim.classic.presets import configure
from sim.config import Config, LoyaltyConfig, validate
from sim.engine import KnownCustomers, Simulation
from sim.errors import ConfigError
from sim.footprint import check_fits
from sim.results import RunResult
from sim.rng import Streams
from sim.scenario import FIRM_CUSTOMERS, firm_data

__all__ = ["run", "known_customers", "firm_posterior", "firm_parameters", "firm_run_record",
           "firm_model", "drawn_arrivals", "FIRM_COLUMNS", "HISTORY_COLUMNS", "SAMPLED_MODELS", "LINEAR_PARAMETERS"]

#: Columns of a calibrated firm's customers.parquet, in the order of :class:`KnownCustomers`.
FIRM_COLUMNS = ("p_alive", "rate_shape", "rate_rate", "dropout_shape", "dropout_rate", "weeks_since_purchase",
                "spend_per_purchase")
#: Columns of a calibrated firm's customers.parquet with her history in the calibration period, from
#: which her posterior is recomputed under drawn parameters: repeat purchases x, the week of the last
#: one t_x and the weeks observed T (weeks since her first purchase), valued repeat purchases and their
#: mean amount (currency units).
HISTORY_COLUMNS = ("x", "t_x", "T", "spend_n", "spend_mean")
#: The fitted models whose parameters a firm's ``sampling`` record holds, with their parameter names
#: (in the order of the draws of the ``parameters`` stream: new models go last).
SAMPLED_MODELS = {"pareto_nbd": ("r", "alpha", "s", "beta"), "gamma_gamma": ("p", "q", "gamma"),
                  "bgnbd": ("r", "alpha", "a", "b"), "covariate_bgnbd": ("r", "alpha", "a", "b", "beta"),
                  "bass_arrivals": ("p", "q", "to_come")}
#: Parameters whose sampling covariance is of the value itself, not of its log (the covariate's slope).
LINEAR_PARAMETERS = {"covariate_bgnbd": ("beta",)}


def firm_posterior(params: tuple[float, ...], history: dict[str, np.ndarray],
                   spend: tuple[float, float, float] | None = None, model: str = "pareto_nbd") -> dict[str, np.ndarray]:
    """Each customer's posterior under the fitted purchase model's parameters ``params`` (per week).

    Parameters
    ----------
    params : tuple of float
        ``pareto_nbd``: r, alpha (weeks), s, beta (weeks). ``bgnbd``: r, alpha (weeks), a, b.
        ``covariate_bgnbd``: those and the slope beta of ``alpha_i = alpha exp(-beta z)``.
    history : dict of ndarray
        :data:`HISTORY_COLUMNS`: x, t_x, T (weeks), spend_n, spend_mean (currency units); and the
        covariate ``z`` for ``covariate_bgnbd``.
    spend : tuple of float, optional
        Gamma-Gamma p, q (> 1), gamma (currency units); without it there is no ``spend_per_purchase``.
    model : str
        ``pareto_nbd``, ``bgnbd`` or ``covariate_bgnbd`` (a key of :data:`SAMPLED_MODELS`).

    Returns
    -------
    dict of ndarray
        :data:`FIRM_COLUMNS`: P(alive | x, t_x, T), the purchase rate's Gamma posterior (shape
        r + x, rate alpha + T, or alpha_i + T, per week), the dropout's (Pareto/NBD: hazard
        Gamma(s, beta + T); BG/NBD: probability Beta(a, b + x)), whole weeks since the last
        purchase, and with ``spend`` her Gamma-Gamma expected spend per purchase (the population
        mean for a customer with no valued repeat purchase).
    """
    x, t_x, T = (np.asarray(history[c], dtype=np.float64) for c in ("x", "t_x", "T"))
    if model == "pareto_nbd":
        r, alpha, s, beta = params
        h = distinct_histories(x, t_x, T)  # P(alive) once per distinct history
        out = {"p_alive": pareto_nbd_prob_alive(params, h.x, h.t_x, h.T)[h.inverse], "rate_shape": r + x,
               "rate_rate": alpha + T, "dropout_shape": np.full(x.size, s), "dropout_rate": beta + T}
    else:
        r, alpha, a, b = params[:4]
        if model == "covariate_bgnbd":
            alpha = alpha * np.exp(-params[4] * np.asarray(history["z"], dtype=np.float64))
        out = {"p_alive": bgnbd_prob_alive_each(r, alpha, a, b, x, t_x, T), "rate_shape": r + x,
               "rate_rate": alpha + T, "dropout_shape": np.full(x.size, a), "dropout_rate": b + x}
    out["weeks_since_purchase"] = np.floor(T - t_x)
    if spend is not None:
        p, q, gamma = spend
        per = np.full(x.size, p * gamma / (q - 1))
        n = np.asarray(history["spend_n"], dtype=np.float64)
        has = n > 0
        per[has] = gamma_gamma_expected_spend(spend, n[has], np.asarray(history["spend_mean"])[has])
        out["spend_per_purchase"] = per
    return out


def firm_parameters(sampling: dict, seed: int) -> dict[str, list[float]]:
    """The fitted parameters a run of a calibrated firm uses: drawn for ``seed`` from their sampling distribution.

    Each model's parameters are drawn from the asymptotic sampling distribution of the maximum-likelihood
    estimates, normal on their logs (on their own scale for :data:`LINEAR_PARAMETERS`) with the
    inverse observed information as covariance, from the
    run's keyed ``parameters`` stream (one standard normal per parameter). Seed 0 takes the estimates.
    A model without a covariance (singular information) stays at its estimates; a Gamma-Gamma draw
    with no mean spend (q <= 1) is replaced by the estimates.

    Parameters
    ----------
    sampling : dict
        ``{model: {"estimate": [...], "log_covariance": [[...]] or None}}`` for the models of
        :data:`SAMPLED_MODELS` (a firm's scenario.yaml ``sampling``).
    seed : int
        The run's seed.
    """
    streams = Streams(seed)
    out = {}
    for draw, (model, names) in enumerate(SAMPLED_MODELS.items()):
        block = sampling.get(model)
        if not block:
            continue
        estimate = np.asarray(block["estimate"], dtype=np.float64)
        cov = block.get("log_covariance")
        if seed == 0 or cov is None:
            out[model] = estimate.tolist()
            continue
        z = streams.normal("parameters", -1, np.arange(len(names)), draw=draw)
        linear = np.isin(names, LINEAR_PARAMETERS.get(model, ()))
        centre = np.where(linear, estimate, np.log(np.where(linear, 1.0, estimate)))
        drawn = centre + np.linalg.cholesky(np.asarray(cov, dtype=np.float64)) @ z
        drawn = np.where(linear, drawn, np.exp(drawn))
        out[model] = (estimate if model == "gamma_gamma" and drawn[1] <= 1 else drawn).tolist()
    return out


def known_customers(cfg: Config) -> KnownCustomers | None:
    """The calibrated firm's customers of ``cfg.firm`` (None without a firm), checked against the scenario.

    Raises
    ------
    ConfigError
        When the file is missing or damaged, or the scenario does not fit it (number of
        customers, dropout as a Gamma hazard).
    """
    if not cfg.firm:
        return None
    import pandas as pd

    path = Path(cfg.firm) / FIRM_CUSTOMERS
    try:
        frame = pd.read_parquet(path, columns=list(FIRM_COLUMNS))
    except Exception as err:  # missing file, damaged Parquet or missing columns: all one message
        raise ConfigError("firm", cfg.firm, f"a calibrated firm's directory whose {FIRM_CUSTOMERS} has the columns "
                          f"{', '.join(FIRM_COLUMNS)} ({type(err).__name__}: {str(err).splitlines()[0]})") from None
    columns = {c: frame[c].to_numpy(dtype=np.float64) for c in FIRM_COLUMNS}
    columns.update(_drawn_posterior(cfg, path, len(frame)))
    arrays = [columns[c] for c in FIRM_COLUMNS]
    if not all(np.isfinite(a).all() for a in arrays):
        raise ConfigError("firm", cfg.firm, f"a calibrated firm whose {FIRM_CUSTOMERS} has finite values only")
    if len(frame) != cfg.customers.initial:
        raise ConfigError("customers.initial", cfg.customers.initial,
                          f"{len(frame)}, the number of customers of firm {cfg.firm!r}")
    c = cfg.customers
    if (c.churn_propensity, c.churn_timing) not in (("gamma_hazard", "weekly"), ("beta", "at_purchase")):
        raise ConfigError("customers.churn_propensity", c.churn_propensity,
                          f"'gamma_hazard' (with customers.churn_timing='weekly', Pareto/NBD) or 'beta' (with "
                          f"'at_purchase', BG/NBD) with firm {cfg.firm!r} (its customers' dropout posterior is one of "
                          "the two)")
    return KnownCustomers(*arrays)


def _drawn_posterior(cfg: Config, path: Path, n: int) -> dict[str, np.ndarray]:
    """The customers' posterior under this seed's draw of the fitted parameters (:func:`firm_parameters`);
    empty when the run keeps the file's posterior (seed 0, or ``firm_parameter_draws`` off)."""
    if not cfg.firm_parameter_draws or cfg.seed == 0:
        return {}
    import pandas as pd

    data = firm_data(cfg.firm)
    sampling, model = data["sampling"], firm_model(data)
    try:
        history = pd.read_parquet(path, columns=list(HISTORY_COLUMNS) + (["z"] if model == "covariate_bgnbd" else []))
    except Exception:  # a firm written before parameter draws: no history to recompute from
        history = None
    if not sampling or history is None or len(history) != n:
        raise ConfigError("firm_parameter_draws", True, f"false for firm {cfg.firm!r}, which has no sampling record or "
                          f"customer histories ({', '.join(HISTORY_COLUMNS)}): calibrate it again with "
                          "python -m sim.calibrate to draw its parameters")
    params = firm_parameters(sampling, cfg.seed)
    spend = params.get("gamma_gamma")
    return firm_posterior(tuple(params[model]), {c: history[c].to_numpy() for c in history.columns},
                          None if spend is None else tuple(spend), model)


def drawn_arrivals(cfg: Config) -> Config:
    """``cfg`` with a calibrated firm's arrival curve drawn for its seed (:func:`firm_parameters`).

    Seed 0, ``firm_parameter_draws`` off, a firm without a fitted curve, or a market whose
    potential, innovation or word of mouth was set on the command line keep ``cfg`` as it is.
    The draw gives p and q per week and the customers still to come, so ``market.potential`` is
    those seen plus them and ``market.word_of_mouth`` is q scaled as in the firm's scenario.
    """
    if not cfg.firm or not cfg.firm_parameter_draws or cfg.seed == 0:
        return cfg
    data = firm_data(cfg.firm)
    block = (data["sampling"] or {}).get("bass_arrivals")
    fitted = (data.get("record") or {}).get("fitted", {})
    keys = ("market.potential", "market.innovation", "market.word_of_mouth")
    m = cfg.market
    if not block or any(k not in fitted for k in keys) or (m.potential, m.innovation, m.word_of_mouth) != tuple(
            fitted[k]["value"] for k in keys):
        return cfg
    p, q, to_come = firm_parameters({"bass_arrivals": block}, cfg.seed)["bass_arrivals"]
    market = dataclasses.replace(m, potential=int(round(block["adopted"] + to_come)), innovation=p,
                                 word_of_mouth=q * block["word_of_mouth_per_q"])
    return validate(dataclasses.replace(cfg, market=market))


def firm_model(data: dict) -> str:
    """The purchase model of a calibrated firm (:func:`sim.scenario.firm_data`'s ``data``): its
    record's ``model``, Pareto/NBD for a firm written before the choice existed."""
    return (data.get("record") or {}).get("model") or "pareto_nbd"


def firm_run_record(cfg: Config) -> dict:
    """What a run of a calibrated firm records about the fit (``firm.json`` in its directory): the
    firm's fitted-or-assumed ``record`` and ``sampling`` (:data:`sim.scenario.FIRM_DATA_KEYS`), and
    the ``parameters`` this run used (drawn for its seed, or the estimates)."""
    data = firm_data(cfg.firm)
    sampling = data["sampling"] or {}
    draws = bool(cfg.firm_parameter_draws and sampling)
    return {"firm": cfg.firm, **data, "parameter_draws": draws,
            "parameters": firm_parameters(sampling, cfg.seed if draws else 0) if sampling else None}


def run(cfg: Config, on_week: Callable[[int], None] | None = None) -> RunResult:
    """Validate ``cfg``, run it, and return the :class:`~sim.results.RunResult`.

    With a loyalty programme and ``loyalty.paired_baseline`` (the default), the same scenario is
    also run without the programme; the same seed gives both runs the same customers and the
    same luck, so ``profit - baseline profit`` is the programme's incremental profit with little
    noise. ``loyalty_net_roi`` is that increment over the programme's net cost: a net ROI,
    ``(incremental margin - programme cost) / programme cost``, since the increment is net of the
    cost (the points liability at the horizon included, expensed as points were earned).

    Raises
    ------
    ConfigError
        If the scenario's estimated peak memory exceeds the memory available
        (:func:`sim.footprint.check_fits`; ``output.allow_large`` overrides).
    """
    cfg = drawn_arrivals(configure(cfg))  # a classical model's preset; a firm's arrival curve for this seed
    check_fits(cfg)
    known = known_customers(cfg)
    result = Simulation(cfg, known).run(on_week)
    if known is not None:
        result.extra["firm"] = firm_run_record(cfg)
    if cfg.loyalty.schemes and cfg.loyalty.paired_baseline:
        base_cfg = dataclasses.replace(cfg, loyalty=LoyaltyConfig(),
                                       output=dataclasses.replace(cfg.output, transactions=False))
        base = Simulation(base_cfg, known).run().summary
        incremental = result.summary["profit"] - base["profit"]
        cost = result.summary["loyalty_cost"]
        result.summary["loyalty_incremental_profit"] = incremental
        result.summary["loyalty_incremental_npv"] = result.summary["npv_profit"] - base["npv_profit"]
        roi = incremental / cost if cost > 0 else None
        # A cost of a few cents' fractions makes the ratio overflow: null, like no cost at all.
        result.summary["loyalty_net_roi"] = roi if roi is not None and math.isfinite(roi) else None
    return result
