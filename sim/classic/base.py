"""What the classical models share: the engine's clock, books and records with textbook behaviour.

A classical model is the agent model with its weekly step replaced: the same SimPy clock, the
same :class:`~sim.population.Population` arrays, keyed random streams, :class:`~sim.ledger.Ledger`
and :class:`~sim.engine.record.Recorder`, so a run writes the same run directory with the same KPIs and
identities. What the textbook model does not have (advertising, service costs, fixed costs,
win-back offers, satisfaction) is not simulated: those config values are ignored and the
``experiment=classic_*`` files set them to zero.

Money: a classical sale has no cost of goods unless the model says so, so its gross margin is
its revenue; every sale is posted to the ledger and to the buying customer in the same call.
"""

from __future__ import annotations

import numpy as np

from sim.config import Config, validate, validate_classic
from sim.engine import Simulation
from sim.engine.record import WeekRecord
from sim.population import CHURNED, saturating_increment

__all__ = ["ClassicSimulation", "TRAITS"]

#: Purpose of the keyed stream from which classical models draw customers' traits at birth
#: (week -1); ``draw`` numbers tell the traits apart.
TRAITS = "classic_traits"


class ClassicSimulation(Simulation):
    """Base of the classical engines: validation, sales bookkeeping and the weekly record.

    Parameters
    ----------
    cfg : Config
        A scenario with ``classic.model`` set to a classical model.

    Notes
    -----
    Subclasses override :meth:`step`; it must call :meth:`_record` exactly once per week.
    """

    def __init__(self, cfg: Config):
        validate_classic(validate(cfg))
        super().__init__(cfg)
        self._none = np.empty(0, dtype=np.int64)

    def _alive(self) -> np.ndarray:
        """Rows of customers who have not churned."""
        return np.flatnonzero(self.pop.state != CHURNED)

    def _churn(self, rows: np.ndarray) -> None:
        """Customers ``rows`` leave for good this week."""
        self.pop.state[rows] = CHURNED
        saturating_increment(self.pop.churn_count, rows)

    def _sell(self, rows: np.ndarray, paid: np.ndarray, occasions: np.ndarray | int, present_value: np.ndarray | float,
              cogs: np.ndarray | float = 0.0, discounts: float = 0.0) -> np.ndarray:
        """Book this week's sales of customers ``rows`` and return their margins.

        Parameters
        ----------
        rows : ndarray of int
            Buying customers, each at most once.
        paid : ndarray
            Amount paid by each, after discounts, currency units.
        occasions : ndarray or int
            Purchase occasions of each this week.
        present_value : ndarray or float
            Discount factor of this week's margin for each customer, as seen at acquisition
            (added to ``clv_pv``).
        cogs : ndarray or float
            Cost of goods of each sale, currency units.
        discounts : float
            Total taken off list prices by these sales, currency units (the ledger books sales
            at list price less discounts).

        Returns
        -------
        ndarray
            Margin of each row (paid - cost of goods), currency units.
        """
        pop, week = self.pop, self.week
        paid = np.asarray(paid, dtype=np.float64)
        cogs = np.broadcast_to(np.asarray(cogs, dtype=np.float64), paid.shape)
        margin = paid - cogs
        self.ledger.post(week, "sales", float(paid.sum()) + discounts)
        self.ledger.post(week, "discounts", discounts)
        self.ledger.post(week, "cogs", float(cogs.sum()))
        pop.revenue[rows] += paid
        pop.gross_margin[rows] += margin
        pop.purchases[rows] += occasions
        pop.last_purchase_week[rows] = week
        pop.clv_pv[rows] += margin * present_value
        return margin

    def _record(self, *, alive: np.ndarray, new_rows: np.ndarray | None = None, churned: np.ndarray | None = None,
                buyers: np.ndarray | None = None, paid: np.ndarray | None = None, margin: np.ndarray | None = None,
                occasions: np.ndarray | int | None = None, **extra: np.ndarray) -> None:
        """Pass the week to the recorder with the engine's keywords.

        ``alive`` are the customers of the week (new ones included); classical models have no
        costs to serve, so the customers touched are the buyers and their contribution is
        their margin. ``extra`` keywords go to recorders that take more (e.g. purchase times).
        """
        none = self._none
        buyers = none if buyers is None else buyers
        paid = np.zeros(0) if paid is None else paid
        margin = np.zeros(0) if margin is None else margin
        occasions = np.zeros(0, dtype=np.int64) if occasions is None else np.broadcast_to(occasions, buyers.shape)
        # The lifecycle stage reads sales; a model without purchases (Bass) sells by adoption.
        sales = max(float(np.sum(occasions)), float(0 if new_rows is None else new_rows.size))
        self.lifecycle.stages.update(self.week, sales, self.pop.n / self.cfg.market.potential)
        self.record(self.week, WeekRecord(
            alive=alive, new_rows=none if new_rows is None else new_rows,
            churned=none if churned is None else churned, won_back=none, buyers=buyers, paid=paid,
            margin=margin, occasions=occasions, contribution=margin, touched=buyers), **extra)
