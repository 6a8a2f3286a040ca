"""Product returns: orders sent back for a refund, and what taking them back costs.

Returns are one of the classic reasons why some customers cost more than they bring (Petersen &
Kumar 2009; Shah, Kumar, Qu & Chen 2012): a returned order earns no margin, yet the firm has
handled it twice. Each week every buyer sends the week's orders back, all of them, with her own
probability (:mod:`sim.behaviour.returns`), decided by her keyed uniform of the ``returns``
stream. For a returned order the firm

* refunds what she paid (after the price discount and any loyalty discount): ``refunds``;
* puts back in stock its cost of goods but the share ``service.return_writeoff`` it cannot
  resell: ``returned_goods``;
* pays ``service.cost_per_return`` per order to take it back: ``return_handling``, a cost to
  serve borne by the customer.

Her revenue and gross margin are net of the refund and of the goods restocked, so her
contribution falls by the order's margin, the goods written off and the handling. Purchase
counts, units and loyalty points stay those of the orders placed: returns change the books,
not behaviour. Off when ``customers.return_propensity_mean`` is 0 and for subscriptions.
"""

from __future__ import annotations

import numpy as np

from sim.kernels.returns import returned
from sim.ledger import CATEGORIES, Category

__all__ = ["Returns", "return_categories", "returns_active"]

_NAMES = ("refunds", "returned_goods", "return_handling")


def returns_active(cfg) -> bool:
    """Whether customers of scenario ``cfg`` return orders."""
    return cfg.customers.return_propensity_mean > 0 and not cfg.customers.billing_period_weeks


def return_categories(cfg) -> tuple[Category, ...]:
    """The ledger categories product returns book in scenario ``cfg`` (none when they are off)."""
    return tuple(c for c in CATEGORIES if c.name in _NAMES) if returns_active(cfg) else ()


class Returns:
    """This week's returned orders and their books.

    Parameters
    ----------
    cfg : Config
        The scenario (``customers.return_*``, ``service.cost_per_return``, ``service.return_writeoff``).
    pop : Population
        The customers.
    streams : Streams
        The run's keyed streams (``returns``).
    books : Books
        The books.
    """

    def __init__(self, cfg, pop, streams, books):
        self.active = returns_active(cfg)
        self.habit = cfg.customers.return_habit
        self.cost, self.writeoff = cfg.service.cost_per_return, cfg.service.return_writeoff
        self.pop, self.streams, self.books = pop, streams, books

    def take_back(self, week: int, buyers: np.ndarray, ids: np.ndarray, occasions: np.ndarray,
                  paid: tuple[np.ndarray, np.ndarray], cogs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Book this week's returns among ``buyers``; return each buyer's revenue and cost of goods kept.

        Parameters
        ----------
        week : int
            The week.
        buyers, ids : ndarray of int
            Rows and market ids of this week's buyers.
        occasions : ndarray of int
            Orders each placed this week (before they are added to her purchases).
        paid : (ndarray, ndarray)
            What each buyer is charged after the price discount (her revenue), and what she
            actually paid after loyalty discounts too (the refund), currency units.
        cogs : ndarray
            Cost of goods of each buyer's orders (currency units).

        Returns
        -------
        (ndarray, ndarray)
            Revenue and cost of goods of what each buyer keeps (currency units).
        """
        charged, cash = paid
        back = np.flatnonzero(returned(self.pop, buyers, ids, occasions, self.streams.key("returns", week),
                                       self.habit))
        refund, restocked = cash[back], cogs[back] * (1.0 - self.writeoff)
        self.books.post("refunds", float(refund.sum()))
        self.books.post("returned_goods", float(restocked.sum()))
        self.books.charge(buyers[back], self.cost * occasions[back], "return_handling")
        kept, kept_cogs = charged.copy(), cogs.copy()
        kept[back] -= refund
        kept_cogs[back] -= restocked
        return kept, kept_cogs
