"""Values scheme: a share of every member's spend goes to charity.

Giving builds attachment only in customers who buy for the firm's values (``needs ==
values_driven``, Bhattacharya & Sen 2003): each week in which a values-driven member buys
closes ``attachment_lift`` of the distance to full attachment (and attachment raises purchase
rate, word of mouth and price tolerance through the engine). Other members are not moved at
all. The cost is the donation, booked as ``charity`` on the buyer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from sim.population import NEEDS
from sim.strategy.loyalty.base import SchemeBase, category, current_members
from sim.strategy.loyalty.registry import register_scheme

if TYPE_CHECKING:  # pragma: no cover
    from sim.config import CharityConfig
    from sim.strategy.context import RunContext

__all__ = ["CharityScheme"]

VALUES_DRIVEN = NEEDS.index("values_driven")


@register_scheme
class CharityScheme(SchemeBase):
    """Donate a share of member spend; values-driven members grow attached.

    Parameters
    ----------
    params : CharityConfig
        Donation share of spend, and the attachment lift per purchase week of values-driven
        members.
    """

    name = "charity"
    categories = (category("charity"),)

    def __init__(self, params: CharityConfig):
        self.params = params

    def on_purchases(self, ctx: RunContext, rows: np.ndarray, paid: np.ndarray) -> None:
        pop, p = ctx.pop, self.params
        members = pop.member[rows]
        donors, gift = rows[members], paid[members] * p.donation_share
        if donors.size == 0:
            return
        if p.donation_share > 0:
            ctx.charge(donors, gift, "charity")
        moved = donors[pop.needs[donors] == VALUES_DRIVEN]
        pop.attachment[moved] += np.float32(p.attachment_lift) * (1.0 - pop.attachment[moved])

    def kpis(self, ctx: RunContext) -> dict[str, Any]:
        """Mean attachment of current members who are values-driven, and of the others."""
        pop = ctx.pop
        members = current_members(ctx)
        values = pop.needs[members] == VALUES_DRIVEN
        att = pop.attachment[members]
        return {
            "charity_attachment_values_driven": float(att[values].mean()) if values.any() else None,
            "charity_attachment_others": float(att[~values].mean()) if (~values).any() else None,
        }
