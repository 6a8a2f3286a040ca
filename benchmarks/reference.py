"""A per-customer SimPy reference of a reduced model, to measure what vectorisation buys.

The reference is written the way a newcomer to the field would write an agent-based model: one
SimPy process per customer, each waking up once a week to decide for itself with Python's
:mod:`random` module. The reduced model keeps the weekly core of the engine and drops everything
that couples customers or involves prospects:

* a fixed base of N customers with Gamma purchase rates, log-normal baskets, normal price and
  quality sensitivities (floored at 0) shifted by a segment of need, and weeks since the last
  purchase before week 0, drawn at week 0;
* each week, Poisson purchase occasions with a rate that rises with satisfaction and attachment
  and falls with price, a basket, a service encounter (normal quality, occasional failure) that
  updates satisfaction, expectation and attachment, lapsing after ``lapse_weeks`` without a
  purchase, and churn with a satisfaction-dependent hazard;
* no acquisition, awareness or word of mouth, no win-back, no loyalty programme.

:func:`reduced_model` gives the Hydra overrides that reduce the engine to the same model, so the
two can be run on identical parameters and their outputs compared (:func:`compare`) before their
speeds are.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass

import numpy as np
import simpy

from sim.config import Config
from sim.results import RunResult

__all__ = ["reduced_model", "ReferenceResult", "run_reference", "compare"]


def reduced_model(customers: int, weeks: int, seed: int = 0) -> list[str]:
    """Hydra overrides that reduce the engine's default model to the reference's model.

    The market holds only the initial base (``potential = customers``), nobody hears of the firm
    or converts, and win-back, loyalty and product returns are off (revenue is compared gross).

    Parameters
    ----------
    customers : int
        Size of the fixed base.
    weeks : int
        Horizon in weeks.
    seed : int
        Root seed.
    """
    return [
        f"customers.initial={customers}",
        f"market.potential={customers}",
        f"horizon.weeks={weeks}",
        f"seed={seed}",
        "market.initially_aware=0",
        "market.word_of_mouth=0",
        "customers.conversion_rate=0",
        "acquisition.media_budget_per_week=0",
        "acquisition.winback_share=0",
        "loyalty=none",
        "customers.return_propensity_mean=0",
        "output.plots=false",
    ]


@dataclass(slots=True)
class Customer:
    """One customer of the reference model: traits drawn at week 0 and running state."""

    purchase_rate: float
    basket_mean: float
    price_sensitivity: float
    quality_sensitivity: float
    satisfaction: float
    expectation: float
    last_purchase_week: int
    attachment: float = 0.0
    purchases: int = 0
    revenue: float = 0.0
    gross_margin: float = 0.0
    weeks_alive: int = 0
    churned: bool = False


@dataclass
class ReferenceResult:
    """Outcome of a reference run, one entry per customer.

    Attributes
    ----------
    customer_weeks : int
        Weeks lived by customers (each customer counts the weeks it started as a customer).
    wall_seconds : float
        Time spent in the SimPy event loop.
    purchases : ndarray of int
        Purchase occasions of each customer.
    revenue : ndarray of float
        Amount paid by each customer (currency units).
    gross_margin : ndarray of float
        Revenue minus cost of goods of each customer (currency units).
    weeks_alive : ndarray of int
        Weeks each customer lived.
    churned : ndarray of bool
        Whether each customer churned before the horizon.
    """

    customer_weeks: int
    wall_seconds: float
    purchases: np.ndarray
    revenue: np.ndarray
    gross_margin: np.ndarray
    weeks_alive: np.ndarray
    churned: np.ndarray


def _poisson(rng: random.Random, lam: float) -> int:
    """A Poisson(lam) count by Knuth's multiplication method (fast for the small rates here)."""
    limit = math.exp(-lam)
    k = 0
    prod = rng.random()
    while prod > limit:
        k += 1
        prod *= rng.random()
    return k


def _life(env: simpy.Environment, cust: Customer, cfg: Config, rng: random.Random):
    """The weekly life of one customer until it churns (a SimPy process)."""
    c, s = cfg.customers, cfg.service
    price_paid = cfg.pricing.list_price * (1.0 - cfg.pricing.discount)
    price_ratio = price_paid / cfg.pricing.reference_price
    half_var = 0.5 * c.basket_sigma * c.basket_sigma
    while True:
        week = int(env.now)
        cust.weeks_alive += 1
        # Purchases and basket (same formulas as sim.behaviour).
        attach = cust.attachment
        rate = cust.purchase_rate * math.exp(
            c.satisfaction_purchase_effect * (cust.satisfaction - c.satisfaction_neutral))
        rate *= price_ratio ** -(cust.price_sensitivity * (1.0 - c.attachment_price_relief * attach))
        rate *= 1.0 + (c.attachment_purchase_ratio - 1.0) * attach
        count = _poisson(rng, rate)
        cust.attachment *= 1.0 - c.attachment_decay
        if count:
            units = count * cust.basket_mean * math.exp(c.basket_sigma * rng.gauss(0.0, 1.0) - half_var)
            paid = units * price_paid
            cust.purchases += count
            cust.revenue += paid
            cust.gross_margin += paid - units * cfg.product.unit_cost
            cust.last_purchase_week = week
            # Service encounter, satisfaction, expectation and attachment.
            quality = s.quality + s.quality_sd * rng.gauss(0.0, 1.0)
            if rng.random() < s.failure_prob:
                quality -= s.failure_severity
            value = cust.quality_sensitivity * 0.5 * (cfg.product.quality + quality)
            value -= cust.price_sensitivity * (price_ratio - 1.0)
            surprise = value - cust.expectation
            felt = surprise if surprise >= 0.0 else c.loss_aversion * surprise
            transaction = c.satisfaction_neutral + c.value_weight * (value - c.reference_value)
            transaction = min(max(transaction + c.disconfirmation_weight * felt, 0.0), 1.0)
            cust.satisfaction = (1.0 - c.satisfaction_memory) * cust.satisfaction + c.satisfaction_memory * transaction
            cust.expectation += c.expectation_adaptation * surprise
            if transaction > c.attachment_threshold:
                cust.attachment += c.attachment_growth * (1.0 - cust.attachment)
            elif transaction < c.satisfaction_neutral:
                cust.attachment *= 1.0 - c.attachment_growth
        # Churn, more likely when dissatisfied and when lapsing.
        p = c.churn_rate * math.exp(-c.churn_satisfaction_effect * (cust.satisfaction - c.satisfaction_neutral))
        if week - cust.last_purchase_week >= c.lapse_weeks:
            p *= c.lapsing_churn_multiplier
        if rng.random() < p:
            cust.churned = True
            return
        yield env.timeout(1)


def _new_customer(c, rng: random.Random) -> Customer:
    """Draw the traits of one customer of the base (``c`` is a CustomersConfig)."""
    shape, sigma = c.purchase_rate_shape, c.basket_sigma
    rate = rng.gammavariate(shape, c.purchase_rate_mean / shape)
    price = max(rng.gauss(c.price_sensitivity_mean, c.price_sensitivity_sd), 0.0)
    quality = max(rng.gauss(c.quality_sensitivity_mean, c.quality_sensitivity_sd), 0.0)
    # Segment of need: price seekers and quality seekers lean further to their side.
    u = rng.random()
    if u < c.needs_shares[0]:
        price, quality = price * c.price_seeker_price_factor, quality / c.price_seeker_price_factor
    elif u < c.needs_shares[0] + c.needs_shares[1]:
        price, quality = price / c.quality_seeker_quality_factor, quality * c.quality_seeker_quality_factor
    # The base bought before week 0: weeks since the last purchase are its own waiting time.
    since = min(math.floor(rng.expovariate(1.0) / rate), 10 * c.lapse_weeks)
    return Customer(
        purchase_rate=rate,
        basket_mean=c.basket_units_mean * math.exp(sigma * rng.gauss(0.0, 1.0) - 0.5 * sigma * sigma),
        price_sensitivity=price,
        quality_sensitivity=quality,
        satisfaction=c.satisfaction_neutral,
        expectation=c.reference_value,
        last_purchase_week=-since,
    )


def run_reference(cfg: Config) -> ReferenceResult:
    """Run the reduced model of ``cfg`` with one SimPy process per customer.

    Only ``cfg.customers``, ``cfg.service``, ``cfg.product``, ``cfg.pricing``, ``cfg.horizon``
    and ``cfg.seed`` are read: the rest of the scenario is what the reduced model leaves out.

    Parameters
    ----------
    cfg : Config
        A scenario, normally composed with :func:`reduced_model`.
    """
    rng = random.Random(cfg.seed)
    env = simpy.Environment()
    customers = []
    for _ in range(cfg.customers.initial):
        cust = _new_customer(cfg.customers, rng)
        customers.append(cust)
        env.process(_life(env, cust, cfg, rng))
    start = time.perf_counter()
    env.run(until=cfg.horizon.weeks)
    wall = time.perf_counter() - start
    weeks_alive = np.array([x.weeks_alive for x in customers], dtype=np.int64)
    return ReferenceResult(
        customer_weeks=int(weeks_alive.sum()),
        wall_seconds=wall,
        purchases=np.array([x.purchases for x in customers], dtype=np.int64),
        revenue=np.array([x.revenue for x in customers]),
        gross_margin=np.array([x.gross_margin for x in customers]),
        weeks_alive=weeks_alive,
        churned=np.array([x.churned for x in customers]),
    )


def compare(ref: ReferenceResult, engine: RunResult) -> dict[str, dict[str, float]]:
    """Compare the reference and the engine run on the same reduced model.

    For each statistic: the two values and the z-score of their difference. The standard error of
    purchases per customer-week comes from the reference's per-customer data (delta method for a
    ratio) and is applied to both models, since the engine does not record weeks per customer.

    Parameters
    ----------
    ref : ReferenceResult
        The reference run.
    engine : RunResult
        The engine run of the same reduced model (another seed).

    Returns
    -------
    dict
        ``{name: {"reference": x, "engine": y, "z": (y - x) / se}}`` for
        ``purchases_per_customer_week``, ``share_churned`` and ``revenue_per_customer``.
    """
    n_ref = ref.purchases.size
    eng = engine.customers
    n_eng = len(eng)
    out = {}

    ratio = ref.purchases.sum() / ref.customer_weeks
    resid = ref.purchases - ratio * ref.weeks_alive
    se_ratio = math.sqrt((resid**2).sum() / (n_ref * (n_ref - 1))) / ref.weeks_alive.mean()
    eng_ratio = float(eng["purchases"].sum()) / engine.summary["customer_weeks"]
    out["purchases_per_customer_week"] = (ratio, eng_ratio, se_ratio * math.sqrt(2.0))

    churn_ref = float(ref.churned.mean())
    churn_eng = float((eng["state"] == "churned").mean())
    pooled = (churn_ref * n_ref + churn_eng * n_eng) / (n_ref + n_eng)
    out["share_churned"] = (churn_ref, churn_eng, math.sqrt(pooled * (1.0 - pooled) * (1.0 / n_ref + 1.0 / n_eng)))

    rev_eng = eng["revenue"].to_numpy()
    se_rev = math.sqrt(ref.revenue.var(ddof=1) / n_ref + rev_eng.var(ddof=1) / n_eng)
    out["revenue_per_customer"] = (float(ref.revenue.mean()), float(rev_eng.mean()), se_rev)

    return {k: {"reference": float(x), "engine": float(y), "z": float((y - x) / se)} for k, (x, y, se) in out.items()}
