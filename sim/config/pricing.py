"""Pricing policy: list price, discounts, scheduled changes, promotions and price matching.

Prices are in currency units per unit, discounts are shares of the list price.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.config.fields import NONNEG, Checked, _p

__all__ = ["PriceChange", "Promotion", "PricingConfig"]


@dataclass
class PriceChange(Checked):
    """A scheduled change of the list price from ``week`` on."""

    week: int = _p(0, ge=0)
    list_price: float = _p(25.0, gt=0.0)


@dataclass
class Promotion(Checked):
    """A price promotion: ``discount`` off the list price from ``start`` to ``end`` (exclusive)."""

    start: int = _p(0, ge=0)
    end: int = _p(1, ge=1)
    discount: float = _p(0.1, ge=0.0, lt=1.0)


@dataclass
class PricingConfig(Checked):
    """Pricing policy.

    Attributes
    ----------
    list_price : float
        Price per unit before discounts (currency units).
    reference_price : float
        Price customers regard as normal in the market (currency units); value and demand are
        measured against it.
    discount : float
        Standing discount off the list price for every purchase.
    changes : list of PriceChange
        Scheduled list-price changes.
    promotions : list of Promotion
        Promotion calendar (replaces the standing discount while it runs, if larger).
    new_customer_discount : float
        Discount on a new customer's first purchase (booked as an acquisition offer).
    match_competitor : str
        Name of a competitor whose price is matched ("" for none): the list price follows the
        rival's price of ``match_lag_weeks`` ago whenever it is lower, down to ``match_floor``.
    match_lag_weeks : int
        Weeks the firm needs to react to a rival's price.
    match_floor : float
        Lowest list price the firm will match (currency units).
    """

    name: str = "standard"
    list_price: float = _p(25.0, gt=0.0)
    reference_price: float = _p(25.0, gt=0.0)
    discount: float = _p(0.0, ge=0.0, lt=1.0)
    changes: list[PriceChange] = field(default_factory=list)
    promotions: list[Promotion] = field(default_factory=list)
    new_customer_discount: float = _p(0.0, ge=0.0, lt=1.0)
    match_competitor: str = ""
    match_lag_weeks: int = _p(4, ge=0)
    match_floor: float = _p(0.0, **NONNEG)

