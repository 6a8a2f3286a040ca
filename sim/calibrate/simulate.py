"""Simulating the calibrated customers over the holdout weeks, with parameter uncertainty.

Each replication draws the purchase and spend parameters from their asymptotic sampling
distribution and runs the one engine (:class:`~sim.engine.Simulation`, the BG/NBD preset
``classic.model=bgnbd``) on the customers' posteriors given their histories
(:func:`bgnbd_posterior`), as a calibrated firm's runs do for Pareto/NBD; so the spread of the
replications covers parameter and process uncertainty.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from sim.analysis.clv import GammaGammaFit, GammaGammaLikelihood, fit_gamma_gamma, gamma_gamma_expected_spend
from sim.calibration.fit import CovariateBGNBDFit, checked_covariance, covariate_prob_alive
from sim.classic.presets import configure
from sim.config import Config, ConfigError
from sim.engine import KnownCustomers, Simulation
from sim.rng import Streams

__all__ = ["fit_spend", "simulate_holdout", "bgnbd_posterior", "replications_for", "DEFAULT_REPLICATIONS",
           "REPLICATION_BUDGET"]

#: Replications when the user names none, for logs of up to REPLICATION_BUDGET / 500 customers.
DEFAULT_REPLICATIONS = 500
#: Customers x replications simulated when the user names no number: each replication costs about
#: 12 microseconds per customer over 39 weeks (the BG/NBD preset on 235,700 customers, shared
#: 2-core machine; docs/performance.md), so about two minutes.
REPLICATION_BUDGET = 10_000_000
#: Fewest replications chosen for a large log: enough for the mean; the 90 % interval is rough.
MIN_REPLICATIONS = 10



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


def bgnbd_posterior(fit: CovariateBGNBDFit, summary: pd.DataFrame, spend: tuple[float, float, float] | None
                    ) -> KnownCustomers:
    """Each customer's state at the end of calibration under the covariate BG/NBD ``fit`` (plain
    BG/NBD when its ``beta`` is 0), as the engine takes a calibrated firm's customers.

    Given x repeat purchases, the last at t_x, in T weeks and her covariate z: alive with
    P(alive | x, t_x, T); purchase rate Gamma(r + x, alpha_i + T) with ``alpha_i = alpha exp(-beta z)``
    per week; dropout probability after a repeat purchase Beta(a, b + x) (she survived x of
    them); spend per purchase her Gamma-Gamma expectation under ``spend`` = (p, q, gamma)
    (the population mean without a valued repeat purchase; 1 without ``spend``, so revenue
    counts purchases).

    Parameters
    ----------
    fit : CovariateBGNBDFit
        Purchase model, weeks.
    summary : DataFrame
        Calibration summary: x, t_x, T (weeks), z, spend_n, spend_total (currency units).
    spend : tuple of float or None
        Gamma-Gamma p, q (> 1), gamma (currency units).
    """
    x, t_x, T, z, n_valued, total = (summary[c].to_numpy(dtype=np.float64)
                                     for c in ("x", "t_x", "T", "z", "spend_n", "spend_total"))
    per = np.ones(x.size)
    if spend is not None:
        p, q, gamma = spend
        per[:] = p * gamma / (q - 1)
        has = n_valued > 0
        per[has] = gamma_gamma_expected_spend(spend, n_valued[has], total[has] / n_valued[has])
    return KnownCustomers(covariate_prob_alive(fit, x, t_x, T, z), fit.r + x, fit.alphas(z) + T,
                          np.full(x.size, fit.a), fit.b + x, np.floor(T - t_x), per)


def _scenario(n: int, weeks: int, seed: int, fit: CovariateBGNBDFit) -> Config:
    """The BG/NBD preset's scenario of ``n`` calibrated customers over ``weeks`` weeks, without plots."""
    cfg = Config()
    cfg.seed = seed
    cfg.horizon.weeks = weeks
    cfg.customers.initial = n
    cfg.market.potential = n
    cfg.output.plots = False
    c = cfg.classic
    c.model = "bgnbd"
    c.r, c.alpha, c.a, c.b = fit.r, fit.alpha, fit.a, fit.b
    return configure(cfg)


def simulate_holdout(summary: pd.DataFrame, weeks: int, fit: CovariateBGNBDFit, spend_fit: GammaGammaFit | None,
                     spend_cov: np.ndarray | None, replications: int, seed: int,
                     on_replication: Callable[[], None] | None = None) -> dict[str, np.ndarray]:
    """Run the engine on the calibrated customers ``replications`` times, each with parameters drawn from their
    asymptotic sampling distribution (normal in the fit's parametrisation).

    Returns
    -------
    dict
        ``weekly``: purchases per week and replication, shape (replications, weeks);
        ``per_customer`` and ``per_customer_var``: mean and variance of each customer's
        purchases over replications; ``revenue``: holdout revenue per replication.
    """
    n = len(summary)
    streams = Streams(seed)
    weekly = np.zeros((replications, weeks))
    revenue = np.zeros(replications)
    per_customer, per_customer_sq = np.zeros(n), np.zeros(n)
    for k in range(replications):
        # Numbers of the replication, not of any customer: a keyed generator per replication.
        rng = streams.generator("replication", -1, draw=k)
        vector = rng.multivariate_normal(fit.vector, fit.covariance)
        drawn = CovariateBGNBDFit(*np.exp(vector[:4]), vector[4], fit.log_likelihood, fit.covariance)
        spend = None
        if spend_fit is not None:
            spend = tuple(np.exp(rng.multivariate_normal(np.log(spend_fit.params), spend_cov))
                          if spend_cov is not None else spend_fit.params)
            spend = spend if spend[1] > 1 else tuple(spend_fit.params)  # a draw with no mean spend: the fit's
        run_seed = int(rng.integers(1, 2**63 - 1))
        try:
            cfg = _scenario(n, weeks, run_seed, drawn)
        except ConfigError:  # a draw outside the engine's ranges (a nearly flat likelihood): the estimates
            drawn, cfg = fit, _scenario(n, weeks, run_seed, fit)
        known = bgnbd_posterior(drawn, summary, spend)
        result = Simulation(cfg, known).run()
        weekly[k] = result.timeseries["purchase_occasions"].to_numpy()
        revenue[k] = result.summary["revenue"]
        purchases = result.customers["purchases"].to_numpy()
        per_customer += purchases / replications
        per_customer_sq += purchases.astype(np.float64) ** 2 / replications
        if on_replication is not None:
            on_replication()
    return {"weekly": weekly, "per_customer": per_customer, "per_customer_var": per_customer_sq - per_customer**2,
            "revenue": revenue}
