"""Pricing policy: list price, standing discount, promotions, new-customer offer, price matching."""

from __future__ import annotations

from sim.competition import Competition
from sim.config import PricingConfig

__all__ = ["PricingPolicy"]


class PricingPolicy:
    """The list price and discount in force each week.

    Parameters
    ----------
    cfg : PricingConfig
        The policy.
    competition : Competition
        Rivals, for price matching.
    """

    def __init__(self, cfg: PricingConfig, competition: Competition):
        self.cfg = cfg
        self.competition = competition

    def list_price(self, week: int, base: float) -> float:
        """List price this week: ``base`` (after scheduled changes), lowered to a rival's price of
        ``match_lag_weeks`` ago when matching is on and that price is lower, never below the floor.
        """
        c = self.cfg
        if not c.match_competitor:
            return base
        rival = self.competition.price(c.match_competitor, week - c.match_lag_weeks)
        if rival is None or rival >= base:
            return base
        return max(rival, c.match_floor, 1e-9) if c.match_floor < base else base

    def discount(self, week: int, standing: float) -> float:
        """Discount share this week: the larger of the standing discount and any running promotion."""
        running = [p.discount for p in self.cfg.promotions if p.start <= week < p.end]
        return max([standing, *running])
