"""Who people are: traits drawn once from the keyed ``traits`` stream, the same in every scenario.

A person's purchase rate, basket, sensitivities, segment of need and cost to serve are pure
functions of her market id and the seed, so she is the same person whatever strategy acquired
her. The initial base has been buying before week 0.
"""

from __future__ import annotations

import numpy as np

from sim.rng import Streams

__all__ = ["draw_traits", "needs_and_sensitivities", "churn_propensities", "add_initial_base", "CHUNK_ROWS"]

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
    ``needs`` and, with heterogeneous churn, ``churn_propensity``.
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


def add_initial_base(pop, streams: Streams, c) -> None:
    """Add the firm's customers at week 0, ids ``0 .. c.initial - 1``, in blocks of :data:`CHUNK_ROWS`.

    They have been buying before week 0: weeks since the last purchase are the (floored)
    waiting time of each customer's own purchase process, so lapsing starts spread out rather
    than all at once. Subscribers (``customers.billing_period_weeks``) all paid in week -1, their
    week of joining or renewal.
    """
    for start in range(0, c.initial, CHUNK_ROWS):
        ids = np.arange(start, min(start + CHUNK_ROWS, c.initial), dtype=np.int64)
        traits = draw_traits(streams, ids, c)
        since = np.floor(streams.exponential("traits", -1, ids, draw=4) / traits["purchase_rate"])
        last = -np.minimum(since, 10 * c.lapse_weeks).astype(np.int64)
        if c.billing_period_weeks:
            last[:] = -1
        pop.add(ids, acquired_week=-1, satisfaction=c.satisfaction_neutral, expectation=c.reference_value,
                last_purchase_week=last, seen_week=last, **traits)
        del traits, since, last
