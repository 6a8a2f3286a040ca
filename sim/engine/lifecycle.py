"""The product in the engine: launch, generations and what the lifecycle stage costs.

A product may be in development before its launch week (cost, no sales); later generations launch
at scheduled weeks and take over the customers of older ones at their substitution rate. The
lifecycle stage (:mod:`sim.product`) is read week by week from the simulated sales and sets how
much media the budget needs: heavy at launch, rising with rivals' advertising in maturity. An
ageing product sells less (``product.obsolescence_rate`` per year).
"""

from __future__ import annotations

import math

import numpy as np

from sim.population import CHURNED
from sim.product import DECLINE, DEVELOPMENT, INTRODUCTION, MATURITY, StageTracker

__all__ = ["Lifecycle"]


class Lifecycle:
    """The product's generations, launch state and lifecycle stage during a run.

    Parameters
    ----------
    product : ProductConfig
        Quality, unit cost and launch of the product and of its later generations.
    """

    def __init__(self, product):
        self.cfg = product
        gens = product.generations
        self.quality = np.array([product.quality, *[g.quality for g in gens]])  # 0-1 scale
        self.unit_cost = np.array([product.unit_cost, *[g.unit_cost for g in gens]])  # currency units
        self.launch = np.array([product.launch_week, *[g.launch_week for g in gens]])
        self._substitution = np.array([0.0, *[g.substitution_rate for g in gens]])
        self.launched = product.launch_week == 0
        self.newest = 0
        self.stages = StageTracker(product.launch_week, product.initial_stage, product.stage_window,
                                   product.takeoff_share, product.plateau_growth, product.decline_share)
        self.obsolescence = product.obsolescence_rate / 52.0  # per week
        self.upgrades = 0  # customers who upgraded this week
        self.customers = np.zeros(self.launch.size, dtype=np.int64)  # not churned, by generation

    @property
    def generations(self) -> int:
        """Number of product generations in the scenario."""
        return self.launch.size

    def schedule(self) -> list[tuple[int, callable]]:
        """The launch and each later generation's launch, as ``(week, action)`` events of the clock."""
        events = [(int(self.cfg.launch_week), lambda: setattr(self, "launched", True))]
        for k, week in enumerate(self.launch[1:], start=1):
            events.append((int(week), lambda k=k: setattr(self, "newest", k)))
        return events

    def age_factor(self, week: int) -> float:
        """Sales multiplier of the newest generation's age this week (1 without obsolescence)."""
        return math.exp(-self.obsolescence * (week - self.launch[self.newest]))

    def media_factor(self, week: int) -> float:
        """Media spend needed per unit of budget in the current lifecycle stage."""
        p, st = self.cfg, self.stages
        # In the launch week the tracker has not seen a sale yet: the stage is the launch stage.
        stage = st.stage if st.stage != DEVELOPMENT else max(st.initial_stage, INTRODUCTION)
        if stage == INTRODUCTION:
            return p.introduction_marketing_multiplier
        if stage in (MATURITY, DECLINE):
            since = week - st.entered.get(MATURITY, st.entered.get(stage, week))
            return 1.0 + p.maturity_advertising_growth * since / 52.0
        return 1.0

    def substitute(self, pop, streams, week: int) -> None:
        """Customers on older generations upgrade to the newest with its substitution rate.

        Keeps this week's upgrades and the customers by generation after them (not churned).
        """
        if self.launch.size == 1:
            return
        now = self.newest
        older = np.flatnonzero((pop.generation < now) & (pop.state != CHURNED))
        up = older[streams.uniform("generation", week, pop.id[older]) < self._substitution[now]]
        pop.generation[up] = now
        self.upgrades = up.size
        self.customers = np.bincount(pop.generation[pop.state != CHURNED], minlength=self.launch.size)

    def report(self) -> dict[str, float]:
        """Weekly columns: customers on each generation (``generation_<k>_customers``) and ``upgrades``."""
        out = {f"generation_{k}_customers": n for k, n in enumerate(self.customers)}
        out["upgrades"] = self.upgrades
        return out
