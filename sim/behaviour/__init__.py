"""Pure behaviour kernels: ``(state arrays, parameters, random numbers) -> decisions``.

Each kernel works on whole arrays of customers at once, takes its random numbers as arguments,
and neither reads nor writes anything else, so each can be tested alone.
"""

from sim.behaviour.awareness import advertising_hazard, awareness_hazard, contact_exposure, network_exposure
from sim.behaviour.churn import churn_probability, satisfaction_factor
from sim.behaviour.purchase import basket_units, conversion_probability, price_multiplier, purchase_rate
from sim.behaviour.satisfaction import (
    attachment_multiplier,
    experienced_value,
    prior_expectation,
    update_attachment,
    update_satisfaction,
)

__all__ = [
    "attachment_multiplier",
    "update_attachment",
    "advertising_hazard",
    "awareness_hazard",
    "basket_units",
    "churn_probability",
    "satisfaction_factor",
    "conversion_probability",
    "experienced_value",
    "network_exposure",
    "contact_exposure",
    "price_multiplier",
    "prior_expectation",
    "purchase_rate",
    "update_satisfaction",
]
