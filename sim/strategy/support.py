"""Support contacts: service encounters without a sale.

Customers meet the firm not only when they buy: they call with a question, ask for advice, report
a problem. Each week every current customer (lapsing ones included) makes such a contact with
probability ``service.support_contact_rate`` times her own service demand (``service_demand``,
log-normal with mean 1 and spread ``customers.service_demand_sigma``): some customers call far
more often than others, and their contacts, not a flat charge, make them costly to serve. A
contact is a service encounter like the one that comes with a purchase (Bitner, Booms & Tetreault
1990: the critical incidents of service are encounters, sold or not):

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

import numpy as np

from sim.behaviour.satisfaction import EncounterParams
from sim.kernels.events import happened
from sim.kernels.service import encounter

__all__ = ["SupportDesk"]

_COUNTS = ("support_contacts", "support_failures", "support_complaints")


class SupportDesk:
    """The firm's support desk: this week's support contacts of current customers.

    Parameters
    ----------
    service : ServiceConfig
        Contact rate, quality and cost of support, failure and complaint handling.
    customers : CustomersConfig
        Satisfaction kernel weights and complaint propensity.
    """

    def __init__(self, service, customers):
        self.service = service
        self.customers = customers
        self._params = (float(service.failure_severity), EncounterParams.from_config(customers))
        self._counts = dict.fromkeys(_COUNTS, 0)

    @property
    def active(self) -> bool:
        """Whether customers contact support at all."""
        return self.service.support_contact_rate > 0

    def report(self) -> dict[str, float]:
        """This week's contacts, failures and complaints (weekly columns); the counts start again."""
        out, self._counts = self._counts, dict.fromkeys(_COUNTS, 0)
        return out

    def contact(self, ctx, rows: np.ndarray, price_ratio: np.ndarray | float) -> np.ndarray:
        """Run this week's support contacts among customers ``rows``; return the rows who made one.

        Parameters
        ----------
        ctx : RunContext
            The run as a plugin sees it (customers, streams, books, service bonuses).
        rows : ndarray of int
            Population rows of this week's customers.
        price_ratio : ndarray or float
            Price each of ``rows`` pays over the reference price this week.
        """
        s, c, pop, week, streams = self.service, self.customers, ctx.pop, ctx.week, ctx.streams
        ids = pop.id[rows]
        hit = happened(streams.uniform("support", week, ids, draw=0),
                       s.support_contact_rate * pop.service_demand[rows].astype(np.float64))
        who, wid = rows[hit], ids[hit]
        self._counts["support_contacts"] += who.size
        if who.size == 0:
            return who
        quality = s.support_quality + s.quality_sd * streams.normal("support", week, wid, draw=1)
        quality = quality + ctx.service_bonus(who)
        failed = happened(streams.uniform("support", week, wid, draw=2), ctx.failure_prob)
        complained = failed & happened(streams.uniform("support", week, wid, draw=3), c.complaint_propensity)
        recovered = complained & happened(streams.uniform("support", week, wid, draw=4), s.complaint_handling_quality)
        encounter(pop, who, (quality, failed, recovered), np.broadcast_to(price_ratio, rows.shape)[hit],
                  ctx.generation_quality, self._params)
        ctx.charge(who, s.cost_per_support_contact, "service_cost")
        if complained.any():
            ctx.charge(who[complained], s.cost_per_complaint, "complaint_handling")
            pop.complaints[who[complained]] = np.minimum(pop.complaints[who[complained]].astype(np.int16) + 1, 127)
        self._counts["support_failures"] += int(failed.sum())
        self._counts["support_complaints"] += int(complained.sum())
        return who
