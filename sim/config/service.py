"""Service level: experienced quality, failures, complaints, support contacts and outages.

Costs are in currency units, quality on a 0-1 scale, probabilities per purchase or per week.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.config.fields import NONNEG, PROB, Checked, _p

__all__ = ["Outage", "ServiceConfig"]


@dataclass
class Outage(Checked):
    """A service outage: from ``start`` to ``end`` (exclusive) the failure probability is raised."""

    start: int = _p(0, ge=0)
    end: int = _p(1, ge=1)
    failure_prob: float = _p(0.5, **PROB)


@dataclass
class ServiceConfig(Checked):
    """Service-quality level.

    Attributes
    ----------
    quality : float
        Mean experienced service quality on a 0-1 scale.
    quality_sd : float
        Spread of experienced service quality per purchase.
    failure_prob : float
        Probability that a purchase meets a service failure.
    failure_severity : float
        Experienced quality lost in a failure.
    cost_per_customer_week : float
        Cost of keeping one current customer's account for a week, the same for everyone
        (currency units; 0 in the default firm, whose account upkeep is in its fixed cost); the
        cost to serve follows what customers do (orders, the service they ask for with them,
        support contacts).
    cost_per_transaction : float
        Cost of handling one order (purchase occasion), whatever its size and whoever places it
        (currency units).
    cost_per_order_service : float
        Cost of the service that comes with one order of a customer of average service demand
        (currency units): advice before the sale, changes, delivery requests, help after it. Each
        customer's is this times her own ``service_demand`` (log-normal with mean 1 and spread
        ``customers.service_demand_sigma``), so a few demanding customers cost many times the
        average to serve while most cost little (activity-based costing: Kaplan & Narayanan 2001).
        A cost only, booked as ``service_cost``: the order's service encounter is the purchase's.
    complaint_handling_quality : float
        Probability that a complaint is handled well (the customer is recovered).
    cost_per_complaint : float
        Cost of handling one complaint (currency units).
    outages : list of Outage
        Scheduled outage windows.
    support_contact_rate : float
        Probability per week that a current customer (lapsing ones included) of average service
        demand contacts the firm for support or information without buying (her own probability
        is this times her ``service_demand``, log-normal with mean 1 and spread
        ``customers.service_demand_sigma``; at most one contact a week): a service encounter that can fail like a
        purchase (``failure_prob``, outages), may lead to a complaint, and updates satisfaction
        and expectation as a purchase does. 0 switches support contacts off.
    support_quality : float
        Mean experienced service quality of a support contact on a 0-1 scale (spread
        ``quality_sd``).
    cost_per_support_contact : float
        Cost of handling one support contact (currency units), booked as ``service_cost``.
    cost_per_return : float
        Cost of taking back one returned order (currency units): return shipping, receiving,
        inspection and restocking, booked as ``return_handling`` against the customer.
    return_writeoff : float
        Share of a returned order's cost of goods the firm does not recover (damaged, unsaleable
        or sold off below cost); the rest goes back to stock (``returned_goods``).
    """

    name: str = "standard"
    quality: float = _p(0.6, **PROB)
    quality_sd: float = _p(0.15, ge=0.0, le=10.0)
    failure_prob: float = _p(0.03, **PROB)
    failure_severity: float = _p(0.5, ge=0.0, le=10.0, prior=(0.2, 0.8), source=(
        "how much a failure spoils the experience: modelling choice, wide prior"))
    cost_per_customer_week: float = _p(0.0, **NONNEG)
    cost_per_transaction: float = _p(5.0, **NONNEG)
    cost_per_order_service: float = _p(12.0, **NONNEG)
    complaint_handling_quality: float = _p(0.6, **PROB)
    cost_per_complaint: float = _p(15.0, **NONNEG)
    outages: list[Outage] = field(default_factory=list)
    support_contact_rate: float = _p(0.04, **PROB)
    support_quality: float = _p(0.6, **PROB)
    cost_per_support_contact: float = _p(8.0, **NONNEG)
    cost_per_return: float = _p(10.0, **NONNEG)
    return_writeoff: float = _p(0.25, **PROB)

