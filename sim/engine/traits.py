"""Who people are: traits drawn once from the keyed ``traits`` stream, the same in every scenario.

A person's purchase rate, basket, sensitivities, segment of need and cost to serve are pure
functions of her market id and the seed, so she is the same person whatever strategy acquired
her. The initial base has been buying before week 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.population import ACTIVE, CHURNED
from sim.rng import Streams

__all__ = ["draw_traits", "needs_and_sensitivities", "churn_propensities", "add_initial_base", "KnownCustomers",
           "CHUNK_ROWS"]

#: Customers processed at once where work is done in blocks (drawing the initial base, the weekly
#: customer kernels): bounds temporary memory at about 150 bytes per row of a block, well inside
#: the freed memory :mod:`sim.allocator` keeps for reuse.
CHUNK_ROWS = 1 << 19


def needs_and_sensitivities(streams: Streams, ids: np.ndarray, c) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Segment of need, price sensitivity and quality sensitivity of people ``ids``.

    Price seekers are more price sensitive and less quality sensitive by
    ``price_seeker_price_factor``; quality seekers the other way by ``quality_seeker_quality_factor``.
    """
    price = np.maximum(
        c.price_sensitivity_mean + c.price_sensitivity_sd * streams.normal("traits", -1, ids, draw=2), 0.0
    )
    quality = np.maximum(
        c.quality_sensitivity_mean + c.quality_sensitivity_sd * streams.normal("traits", -1, ids, draw=3), 0.0
    )
    needs = np.searchsorted(np.cumsum(c.needs_shares)[:-1], streams.uniform("traits", -1, ids, draw=5), side="right")
    price_seeker, quality_seeker = needs == 0, needs == 1
    price = np.where(price_seeker, price * c.price_seeker_price_factor,
                     np.where(quality_seeker, price / c.quality_seeker_quality_factor, price))
    quality = np.where(quality_seeker, quality * c.quality_seeker_quality_factor,
                       np.where(price_seeker, quality / c.price_seeker_price_factor, quality))
    return needs.astype(np.int8), price, quality


def draw_traits(streams: Streams, ids: np.ndarray, c) -> dict[str, np.ndarray]:
    """Traits of people ``ids`` (market ids) from their trait distributions ``c`` (a ``CustomersConfig``).

    Returns the population fields ``service_demand``, ``purchase_rate`` (occasions per week),
    ``basket_mean`` (units per occasion), ``price_sensitivity``, ``quality_sensitivity``,
    ``needs`` and, with heterogeneous churn, ``churn_propensity``, with product returns
    (:func:`sim.engine.returns.returns_active`), ``return_propensity``.
    """
    shape = c.purchase_rate_shape
    rate = streams.gamma("traits", -1, ids, shape, c.purchase_rate_mean / shape, draw=0)
    sigma = c.basket_sigma
    basket = c.basket_units_mean * np.exp(sigma * streams.normal("traits", -1, ids, draw=1) - 0.5 * sigma * sigma)
    needs, price, quality = needs_and_sensitivities(streams, ids, c)
    ds = c.service_demand_sigma
    demand = np.exp(ds * streams.normal("traits", -1, ids, draw=6) - 0.5 * ds * ds)
    traits = {
        "service_demand": demand,
        "purchase_rate": rate,
        "basket_mean": basket,
        "price_sensitivity": price,
        "quality_sensitivity": quality,
        "needs": needs,
    }
    if c.churn_propensity != "none":
        traits["churn_propensity"] = churn_propensities(streams, ids, c)
    if c.return_propensity_mean > 0 and not c.billing_period_weeks:  # Beta, shapes m k and (1 - m) k
        m, k = c.return_propensity_mean, c.return_propensity_concentration
        traits["return_propensity"] = streams.beta("traits", -1, ids, m * k, (1.0 - m) * k, draw=11)
    return traits


def churn_propensities(streams: Streams, ids: np.ndarray, c) -> np.ndarray:
    """Each customer's own churn propensity (``customers.churn_propensity``), in [0, 1].

    ``beta``: Beta(a, b). ``gamma_hazard``: ``1 - exp(-h)`` for a dropout hazard per week
    ``h ~ Gamma(shape a, rate b)``.
    """
    a, b = c.churn_propensity_a, c.churn_propensity_b
    if c.churn_propensity == "beta":
        return streams.beta("traits", -1, ids, a, b, draw=7)
    return -np.expm1(-streams.gamma("traits", -1, ids, a, 1.0 / b, draw=7))


@dataclass(frozen=True)
class KnownCustomers:
    """What a firm's transaction log says about each customer of the initial base (one entry per
    customer, engine id = position): the posterior of her state at the end of the log.

    Attributes
    ----------
    p_alive : ndarray
        Probability that she has not left.
    rate_shape, rate_rate : ndarray
        Gamma posterior of her purchase rate (occasions per week): shape, and rate per week.
    dropout_shape, dropout_rate : ndarray
        Posterior of her dropout: with ``customers.churn_propensity=gamma_hazard`` the Gamma
        posterior of her dropout hazard (per week), shape and rate per week (Pareto/NBD); with
        ``beta`` the Beta posterior of her probability of dropping out after a repeat purchase,
        its two shapes (BG/NBD, ``customers.churn_timing=at_purchase``).
    weeks_since_purchase : ndarray
        Whole weeks since her last purchase.
    spend_per_purchase : ndarray
        Her expected spend per purchase occasion, currency units.
    """

    p_alive: np.ndarray
    rate_shape: np.ndarray
    rate_rate: np.ndarray
    dropout_shape: np.ndarray
    dropout_rate: np.ndarray
    weeks_since_purchase: np.ndarray
    spend_per_purchase: np.ndarray

    def __len__(self) -> int:
        return len(self.p_alive)


def _known_traits(traits: dict, streams: Streams, ids: np.ndarray, known: KnownCustomers, c, reference_price: float):
    """Replace the drawn purchase rate, churn propensity and basket by draws from each known
    customer's posterior (the dropout's by ``c.churn_propensity``, :class:`KnownCustomers`);
    returns whether each is alive (drawn from ``p_alive``)."""
    k = slice(int(ids[0]), int(ids[-1]) + 1)
    traits["purchase_rate"] = streams.gamma("traits", -1, ids, known.rate_shape[k], 1.0 / known.rate_rate[k], draw=8)
    if c.churn_propensity == "beta":
        traits["churn_propensity"] = streams.beta("traits", -1, ids, known.dropout_shape[k], known.dropout_rate[k],
                                                  draw=9)
    else:
        hazard = streams.gamma("traits", -1, ids, known.dropout_shape[k], 1.0 / known.dropout_rate[k], draw=9)
        traits["churn_propensity"] = -np.expm1(-hazard)
    traits["basket_mean"] = known.spend_per_purchase[k] / reference_price  # units at the reference price
    return streams.uniform("traits", -1, ids, draw=10) < known.p_alive[k]


def add_initial_base(pop, streams: Streams, c, known: KnownCustomers | None = None,
                     reference_price: float = 1.0) -> int:
    """Add the firm's customers at week 0, ids ``0 .. c.initial - 1``, in blocks of :data:`CHUNK_ROWS`.

    They have been buying before week 0: weeks since the last purchase are the (floored)
    waiting time of each customer's own purchase process, so lapsing starts spread out rather
    than all at once. Subscribers (``customers.billing_period_weeks``) all paid in week -1, their
    week of joining or renewal.

    With ``known`` (a calibrated firm), each customer's purchase rate, dropout and alive
    state are drawn from her posterior, her basket is her expected spend in units of ``reference_price``
    (currency units per unit), and her last purchase is the one in the log; a customer drawn as
    gone starts churned.

    Returns the number of customers who start churned (0 without ``known``).
    """
    gone = 0
    for start in range(0, c.initial, CHUNK_ROWS):
        ids = np.arange(start, min(start + CHUNK_ROWS, c.initial), dtype=np.int64)
        traits = draw_traits(streams, ids, c)
        if known is not None:
            alive = _known_traits(traits, streams, ids, known, c, reference_price)
            last = -known.weeks_since_purchase[ids[0]:ids[-1] + 1].astype(np.int64)
            pop.add(ids, acquired_week=-1, satisfaction=c.satisfaction_neutral, expectation=c.reference_value,
                    last_purchase_week=last, seen_week=last, state=np.where(alive, ACTIVE, CHURNED), **traits)
            gone += int(ids.size - alive.sum())
            continue
        with np.errstate(divide="ignore"):  # a rate of 0 (a durable): bought long ago, capped below
            since = np.floor(streams.exponential("traits", -1, ids, draw=4) / traits["purchase_rate"])
        last = -np.minimum(since, 10 * c.lapse_weeks).astype(np.int64)
        if c.billing_period_weeks:
            last[:] = -1
        pop.add(ids, acquired_week=-1, satisfaction=c.satisfaction_neutral, expectation=c.reference_value,
                last_purchase_week=last, seen_week=last, **traits)
        del traits, since, last
    return gone
