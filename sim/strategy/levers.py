"""Strategy levers that interventions move during a run, and the interventions themselves.

Scheduled interventions are SimPy processes. They fire with URGENT priority, so an intervention
at week ``w`` is in force for the whole of week ``w``: the weekly tick of that week runs after it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import simpy
from simpy.core import URGENT

from sim.config import Config

__all__ = ["Levers", "schedule_interventions", "at_week"]


@dataclass
class Levers:
    """The current value of each lever the firm (or an intervention) can move.

    Attributes
    ----------
    list_price : float
        Price per unit before discounts (currency units).
    discount : float
        Standing discount share.
    media_budget : float
        Advertising spend this week (currency units).
    failure_prob : float
        Probability that a purchase meets a service failure.
    """

    list_price: float
    discount: float
    media_budget: float
    failure_prob: float

    @classmethod
    def from_config(cls, cfg: Config) -> Levers:
        return cls(
            list_price=cfg.pricing.list_price,
            discount=cfg.pricing.discount,
            media_budget=cfg.acquisition.media_budget_per_week,
            failure_prob=cfg.service.failure_prob,
        )

    @property
    def price_paid(self) -> float:
        """Price per unit after the standing discount (currency units)."""
        return self.list_price * (1.0 - self.discount)


class UrgentTimeout(simpy.events.Event):
    """A timeout processed before ordinary events of the same time (built like SimPy's Timeout)."""

    def __init__(self, env: simpy.Environment, delay: float):
        super().__init__(env)
        self._ok = True
        self._value = None
        env.schedule(self, URGENT, delay)


def at_week(env: simpy.Environment, week: int, action: Callable[[], None]):
    """A process that performs ``action`` at the start of ``week``, before that week's tick."""
    yield UrgentTimeout(env, week - env.now)
    action()


def schedule_interventions(env: simpy.Environment, levers: Levers, cfg: Config) -> None:
    """Start one SimPy process per scheduled intervention in the config.

    Price changes set the list price from their week on. Campaign bursts add budget to media
    spend and outages set the service failure probability for ``[start, end)``; overlapping
    windows stack (budgets add, the latest outage to start wins until it ends).
    """
    weeks = cfg.horizon.weeks

    def set_price(price: float) -> Callable[[], None]:
        return lambda: setattr(levers, "list_price", price)

    active: dict[int, float] = {}

    def campaign(index: int, budget: float | None) -> Callable[[], None]:
        # Recompute from the base and the running campaigns, so that ending overlapping
        # campaigns returns exactly to the base budget (no rounding residue below zero).
        def apply() -> None:
            if budget is None:
                active.pop(index, None)
            else:
                active[index] = budget
            levers.media_budget = cfg.acquisition.media_budget_per_week + sum(active[k] for k in sorted(active))

        return apply

    def set_failure(prob: float) -> Callable[[], None]:
        return lambda: setattr(levers, "failure_prob", prob)

    for change in cfg.pricing.changes:
        env.process(at_week(env, change.week, set_price(change.list_price)))
    for i, camp in enumerate(cfg.acquisition.campaigns):
        if camp.start < weeks:
            env.process(at_week(env, camp.start, campaign(i, camp.budget_per_week)))
        if camp.end < weeks:
            env.process(at_week(env, camp.end, campaign(i, None)))
    for outage in cfg.service.outages:
        if outage.start < weeks:
            env.process(at_week(env, outage.start, set_failure(outage.failure_prob)))
        if outage.end < weeks:
            env.process(at_week(env, outage.end, set_failure(cfg.service.failure_prob)))
