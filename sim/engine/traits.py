"""Who people are: traits drawn once from the keyed ``traits`` stream, the same in every scenario.

A person's purchase rate, basket, sensitivities, segment of need and cost to serve are pure
functions of her market id and the seed, so she is the same person whatever strategy acquired
her. The initial base has been buying before week 0.
"""

from __future__ import annotations

import numpy as np

from sim.rng import Streams

__all__ = ["draw_traits", "needs_and_sensitivities", "add_initial_base", "CHUNK_ROWS"]

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
    ``basket_mean`` (units per occasion), ``price_sensitivity``, ``quality_sensitivity`` and
    ``needs``.
    """
    shape = c.purchase_rate_shape
    rate = streams.gamma("traits", -1, ids, shape, c.purchase_rate_mean / shape, draw=0)
    sigma = c.basket_sigma
    basket = c.basket_units_mean * np.exp(sigma * streams.normal("traits", -1, ids, draw=1) - 0.5 * sigma * sigma)
    needs, price, quality = needs_and_sensitivities(streams, ids, c)
    ds = c.service_demand_sigma
    demand = np.exp(ds * streams.normal("traits", -1, ids, draw=6) - 0.5 * ds * ds)
    return {
        "service_demand": demand,
        "purchase_rate": rate,
        "basket_mean": basket,
        "price_sensitivity": price,
        "quality_sensitivity": quality,
        "needs": needs,
    }


def add_initial_base(pop, streams: Streams, c) -> None:
    """Add the firm's customers at week 0, ids ``0 .. c.initial - 1``, in blocks of :data:`CHUNK_ROWS`.

    They have been buying before week 0: weeks since the last purchase are the (floored)
    waiting time of each customer's own purchase process, so lapsing starts spread out rather
    than all at once.
    """
    for start in range(0, c.initial, CHUNK_ROWS):
        ids = np.arange(start, min(start + CHUNK_ROWS, c.initial), dtype=np.int64)
        traits = draw_traits(streams, ids, c)
        since = np.floor(streams.exponential("traits", -1, ids, draw=4) / traits["purchase_rate"])
        last = -np.minimum(since, 10 * c.lapse_weeks).astype(np.int64)
        pop.add(ids, acquired_week=-1, satisfaction=c.satisfaction_neutral, expectation=c.reference_value,
                last_purchase_week=last, seen_week=last, **traits)
        del traits, since, last
