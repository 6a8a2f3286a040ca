"""Phase 4 of the week: each purchase's service encounter, complaints, satisfaction and attachment.

Service quality is drawn around the firm's level (plus loyalty and segment bonuses); a failure
loses quality, may lead to a complaint, handled well or not; then the encounter updates
satisfaction, expectation, failures met and attachment (:func:`sim.behaviour.satisfaction.encounter`).
"""

from __future__ import annotations

import numpy as np

from sim.behaviour.satisfaction import EncounterParams
from sim.engine.week import Block, PurchaseDraw, WeekFigures
from sim.kernels.events import happened
from sim.kernels.service import encounter, service_draws

__all__ = ["Encounters"]


class Encounters:
    """Service encounters of this week's buyers.

    Parameters
    ----------
    cfg : Config
        The scenario (service and customers).
    pop : Population
        The customers.
    streams : Streams
        The run's keyed streams (``service``, ``complaint``).
    books : Books
        The books (complaint handling).
    quality : tuple
        ``(bonuses, generation_quality)``: a function giving the service quality added for
        customers ``rows`` by each of loyalty benefits and segment treatments in force (a list,
        added in turn), and the quality of each product generation (0-1 scale).
    """

    def __init__(self, cfg, pop, streams, books, quality):
        self.s, self.c, self.pop, self.streams, self.books = cfg.service, cfg.customers, pop, streams, books
        self.bonuses, self.generation_quality = quality
        self.params = (float(cfg.service.failure_severity), EncounterParams.from_config(cfg.customers))

    def run(self, week: int, d: PurchaseDraw, price_ratio, failure_prob: float, wk: WeekFigures) -> None:
        """Encounters of the buyers of draw ``d``, who paid ``price_ratio`` (for all, or per buyer)."""
        s, c, pop, streams = self.s, self.c, self.pop, self.streams
        bid, buyers = d.buyer_ids, d.buyers
        keys = (streams.key("service", week, 0), streams.key("service", week, 1))
        quality, failed = service_draws(bid, keys, s.quality, s.quality_sd, failure_prob)
        for bonus in self.bonuses(buyers):
            quality = quality + bonus
        # Keyed draws depend on the id alone: drawn for those they decide (the failed, then the
        # complainants), they are the numbers every buyer would have had.
        at = np.flatnonzero(failed)
        complained = np.zeros(bid.size, dtype=bool)
        complained[at] = happened(streams.uniform("complaint", week, bid[at], draw=0), c.complaint_propensity)
        at = at[complained[at]]
        recovered = np.zeros(bid.size, dtype=bool)
        recovered[at] = happened(streams.uniform("complaint", week, bid[at], draw=1), s.complaint_handling_quality)
        if complained.any():
            self.books.charge(buyers[complained], s.cost_per_complaint, "complaint_handling")
            pop.complaints[buyers[complained]] = np.minimum(
                pop.complaints[buyers[complained]].astype(np.int16) + 1, 127)
        value = encounter(pop, buyers, (quality, failed, recovered), price_ratio, self.generation_quality,
                          self.params)
        wk.value_sum += float(value.sum())
        wk.value_n += value.size
        wk.complaints += int(complained.sum())
        wk.recovered += int(recovered.sum())

    @staticmethod
    def buyer_price_ratio(b: Block, d: PurchaseDraw):
        """The price ratio each buyer of draw ``d`` paid (one number when it is the same for all)."""
        return b.price_ratio if np.ndim(b.price_ratio) == 0 else b.price_ratio[d.bought]
