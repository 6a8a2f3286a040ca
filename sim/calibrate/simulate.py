"""Simulating the calibrated customers over the holdout weeks, with parameter uncertainty.

Each replication draws the purchase and spend parameters from their asymptotic sampling
distribution and runs the engine's calibrated customers (:mod:`sim.calibration.agents`) from
their purchase histories, so the spread of the replications covers parameter and process
uncertainty.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import pandas as pd

from sim.analysis.clv import GammaGammaFit, GammaGammaLikelihood, fit_gamma_gamma
from sim.calibration.agents import CalibratedSimulation, Histories
from sim.calibration.fit import CovariateBGNBDFit, checked_covariance
from sim.config import Config

__all__ = ["fit_spend", "simulate_holdout", "replications_for", "DEFAULT_REPLICATIONS", "REPLICATION_BUDGET"]

#: Replications when the user names none, for logs of up to REPLICATION_BUDGET / 500 customers.
DEFAULT_REPLICATIONS = 500
#: Customers x replications simulated when the user names no number: each replication costs about
#: 11 microseconds per customer over 39 weeks (docs/performance.md), so about two minutes.
REPLICATION_BUDGET = 10_000_000
#: Fewest replications chosen for a large log: enough for the mean; the 90 % interval is rough.
MIN_REPLICATIONS = 10

_NO_SPEND = 1e6  # Gamma-Gamma shapes that value every purchase at about 1 when spend is not modelled


def fit_spend(summary: pd.DataFrame) -> tuple[GammaGammaFit | None, np.ndarray | None, str | None]:
    """Gamma-Gamma on customers with valued repeat purchases, its covariance, and why either is missing.

    The fit runs on amounts divided by their median (the model is scale-free: ``gamma`` scales
    with the currency unit), so the optimiser starts near the optimum whatever the currency.

    Returns
    -------
    fit : GammaGammaFit or None
        None when there are fewer than 10 such customers, or the fit has no mean spend (q <= 1).
    covariance : ndarray or None
        Of ``(ln p, ln q, ln gamma)``; None when the fit is None or its information matrix is
        singular or indefinite.
    reason : str or None
        Why the fit or its covariance is missing.
    """
    has = summary["spend_n"].to_numpy() > 0
    if has.sum() < 10:
        return None, None, f"{int(has.sum())} customers with valued repeat purchases; 10 are needed to fit spend"
    n, mean = summary["spend_n"].to_numpy()[has], (summary["spend_total"] / summary["spend_n"]).to_numpy()[has]
    scale = float(np.median(mean))
    unit = fit_gamma_gamma(n, mean / scale)
    params = np.array([unit.p, unit.q, unit.gamma * scale])
    if not (np.all(np.isfinite(params)) and np.all(params > 0) and unit.q > 1):
        return None, None, (f"the Gamma-Gamma fit has no mean spend (q = {unit.q:.3g}, must be > 1): spend is too "
                            "dispersed across customers to model")
    likelihood = GammaGammaLikelihood(n, mean)
    fit = GammaGammaFit(float(params[0]), float(params[1]), float(params[2]), likelihood.total(params),
                        unit.n_customers)
    cov, reason = checked_covariance(lambda v: likelihood.total(np.exp(v)), np.log(params))
    return fit, cov, None if reason is None else f"spend parameters held at the fit: {reason}"


def replications_for(customers: int, replications: int | None) -> tuple[int, str | None]:
    """The replications to simulate, and why they are fewer than the default when they are.

    ``None`` asks for the default: :data:`DEFAULT_REPLICATIONS`, or for a large log as many as
    keep customers x replications within :data:`REPLICATION_BUDGET`, at least
    :data:`MIN_REPLICATIONS`. A number is kept as given.
    """
    if replications is not None:
        return replications, None
    chosen = min(DEFAULT_REPLICATIONS, max(MIN_REPLICATIONS, REPLICATION_BUDGET // max(customers, 1)))
    if chosen == DEFAULT_REPLICATIONS:
        return chosen, None
    return chosen, (f"{chosen} replications, not {DEFAULT_REPLICATIONS}: {customers:,} customers are simulated in "
                    f"each, so the default keeps customers x replications near {REPLICATION_BUDGET:,} (a few "
                    "minutes); the interval is rougher; --replications sets the number")


def _histories(summary: pd.DataFrame) -> Histories:
    """The purchase histories of the customers of a calibration summary, as the engine takes them."""
    return Histories(*(summary[c].to_numpy(dtype=np.float64) for c in ("x", "t_x", "T", "z", "spend_n", "spend_total")))


def _scenario(n: int, weeks: int, seed: int, fit: CovariateBGNBDFit, spend: tuple[float, float, float]) -> Config:
    """The BG/NBD scenario of ``n`` calibrated customers over ``weeks`` weeks, without plots."""
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
                     spend_cov: np.ndarray | None, replications: int, seed: int,
                     on_replication: Callable[[], None] | None = None) -> dict[str, np.ndarray]:
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
        if on_replication is not None:
            on_replication()
    return {"weekly": weekly, "per_customer": per_customer, "per_customer_var": per_customer_sq - per_customer**2,
            "revenue": revenue}
