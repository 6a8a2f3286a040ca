"""Support contacts: service encounters without a sale.

Customers meet the firm not only when they buy: they call with a question, ask for advice, report
a problem. Each week every current customer (lapsing ones included) makes such a contact with
probability ``service.support_contact_rate``. A contact is a service encounter like the one that
comes with a purchase (Bitner, Booms & Tetreault 1990: the critical incidents of service are
encounters, sold or not):

* its experienced service quality is ``support_quality`` plus a normal spread ``quality_sd``,
  plus loyalty and segment service bonuses (a tier's priority line, a platinum desk);
* it fails with the week's failure probability (``failure_prob``, raised during outages),
  losing ``failure_severity``; a failure counts against trust like any other, may lead to a
  complaint (``customers.complaint_propensity``) handled well with ``complaint_handling_quality``,
  and a well-handled first failure gives the recovery paradox;
* the customer values the contact with the purchase formula (product and service quality
  against the price they pay), and satisfaction, expectation and attachment follow the same
  expectation-disconfirmation kernels as after a purchase, with the same weights;
* each contact costs ``cost_per_support_contact``, booked as ``service_cost`` against the
  customer, and each complaint ``cost_per_complaint`` as ``complaint_handling``.

Random numbers come from the keyed ``support`` stream (draws 0-4), so switching support on does
not shift any other luck of the run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim import behaviour as bh
from sim.config import CustomersConfig, ServiceConfig

if TYPE_CHECKING:  # pragma: no cover
    from sim.engine import Simulation

__all__ = ["SupportDesk"]


class SupportDesk:
    """The firm's support desk: this week's support contacts of current customers.

    Parameters
    ----------
    service : ServiceConfig
        Contact rate, quality and cost of support, failure and complaint handling.
    customers : CustomersConfig
        Satisfaction kernel weights and complaint propensity.
    """

    def __init__(self, service: ServiceConfig, customers: CustomersConfig):
        self.service = service
        self.customers = customers

    @property
    def active(self) -> bool:
        """Whether customers contact support at all."""
        return self.service.support_contact_rate > 0

    def contact(self, sim: "Simulation", rows: np.ndarray, price_ratio: np.ndarray | float) -> np.ndarray:
        """Run this week's support contacts among customers ``rows``; return the rows who made one.

        Parameters
        ----------
        sim : Simulation
            The running simulation (population, streams, levers, ledger).
        rows : ndarray of int
            Population rows of this week's customers.
        price_ratio : ndarray or float
            Price each of ``rows`` pays over the reference price this week.
        """
        s, c, pop, week, streams = self.service, self.customers, sim.pop, sim.week, sim.streams
        ids = pop.id[rows]
        hit = streams.uniform("support", week, ids, draw=0) < s.support_contact_rate
        who, wid = rows[hit], ids[hit]
        counts = {"support_contacts": who.size, "support_failures": 0, "support_complaints": 0}
        if who.size:
            quality = s.support_quality + s.quality_sd * streams.normal("support", week, wid, draw=1)
            quality = quality + sim.service_bonus(who)
            failed = streams.uniform("support", week, wid, draw=2) < sim.levers.failure_prob
            quality = np.where(failed, quality - s.failure_severity, quality)
            complained = failed & (streams.uniform("support", week, wid, draw=3) < c.complaint_propensity)
            recovered = complained & (streams.uniform("support", week, wid, draw=4) < s.complaint_handling_quality)
            paradox = recovered & (pop.failures[who] == 0)
            value = bh.experienced_value(pop.quality_sensitivity[who], sim.product_quality(who), quality,
                                         pop.price_sensitivity[who], np.broadcast_to(price_ratio, rows.shape)[hit])
            old = pop.satisfaction[who].astype(np.float64)
            new_sat, new_exp, transaction = bh.update_satisfaction(
                old, pop.expectation[who].astype(np.float64), value,
                neutral=c.satisfaction_neutral, reference_value=c.reference_value, value_weight=c.value_weight,
                disconfirmation_weight=c.disconfirmation_weight, loss_aversion=c.loss_aversion,
                memory=c.satisfaction_memory, adaptation=c.expectation_adaptation,
            )
            if paradox.any():
                transaction[paradox] = min(1.0, c.satisfaction_neutral + c.recovery_gain)
                new_sat[paradox] = (1.0 - c.satisfaction_memory) * old[paradox] + c.satisfaction_memory * transaction[paradox]
            pop.satisfaction[who] = new_sat
            pop.expectation[who] = new_exp
            pop.attachment[who] = bh.update_attachment(
                pop.attachment[who].astype(np.float64), transaction,
                growth=c.attachment_growth, threshold=c.attachment_threshold, neutral=c.satisfaction_neutral,
            )
            hurt = who[failed]
            pop.failures[hurt] = np.minimum(pop.failures[hurt].astype(np.int16) + 1, 127)
            sim.charge(who, s.cost_per_support_contact, "service_cost")
            if complained.any():
                sim.charge(who[complained], s.cost_per_complaint, "complaint_handling")
                pop.complaints[who[complained]] = np.minimum(pop.complaints[who[complained]].astype(np.int16) + 1, 127)
            counts["support_failures"] = int(failed.sum())
            counts["support_complaints"] = int(complained.sum())
        for name, n in counts.items():
            sim.recorder.extra.setdefault(name, np.zeros(sim.weeks))[week] += n  # summed over blocks
        return who
