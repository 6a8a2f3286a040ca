"""Segment treatments: price and service by value segment, and the firm's periodic re-ranking.

Every ``segments.review_weeks`` the firm's CRM re-ranks customers into value segments (platinum
.. lead) by their contribution so far; ``segments.treatments`` then set, by segment, a price
factor, a service-quality bonus and a service cost per customer-week.
"""

from __future__ import annotations

import numpy as np

from sim.segments import SEGMENTS, value_segment_codes

__all__ = ["Treatments"]


class Treatments:
    """Lookup tables of the treatments, indexed by segment code.

    Parameters
    ----------
    segments : SegmentsConfig
        Segment shares, review period and treatments.
    """

    def __init__(self, segments):
        self.cfg = segments
        self.price = np.ones(len(SEGMENTS))
        self.service = np.zeros(len(SEGMENTS))
        self.cost = np.zeros(len(SEGMENTS))
        for t in segments.treatments:
            k = SEGMENTS.index(t.segment)
            self.price[k], self.service[k], self.cost[k] = t.price_factor, t.service_bonus, t.service_cost_per_week
        self.active = bool(segments.treatments)

    def review(self, pop, week: int) -> None:
        """Re-rank every customer into value segments by contribution so far, when a review is due."""
        seg = self.cfg
        if self.active and week > 0 and week % seg.review_weeks == 0:
            pop.segment[:] = value_segment_codes(pop.gross_margin - pop.cost_to_serve, seg.platinum_share,
                                                 seg.gold_share, seg.silver_share)
