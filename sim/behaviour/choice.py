"""The choice between the firm and its rivals, and where churners go.

Each purchase occasion is a multinomial-logit choice among the firm and the rivals in the market
(McFadden 1974). A customer's utility of a firm is ``choice_sensitivity`` times the customer
value it offers (quality minus price, as in :func:`sim.behaviour.satisfaction.experienced_value`),
plus ``switching_inertia`` for the firm the customer already buys from. The firm keeps the share

    P_firm = 1 / (1 + sum_k exp(V_k - V_firm))

of a customer's occasions. A churner switches to a rival with probability equal to the rivals'
combined share, and then picks a rival in proportion to its share; otherwise she leaves the
category.

Each rule is a compiled scalar (numba) used by :mod:`sim.kernels.choice`.
"""

from __future__ import annotations

from sim.jit import njit

__all__ = ["utility", "destination"]

_rule = njit(cache=True, nogil=True, inline="always")


@_rule
def utility(sensitivity, quality_sensitivity, quality, price_sensitivity, price_gap):  # pragma: no cover
    """A customer's utility of one firm: ``sensitivity * (qs * quality - ps * price_gap)``.

    ``price_gap`` is the firm's price over the reference price, less 1. The firm the customer
    already buys from adds ``switching_inertia`` to it.
    """
    return sensitivity * (quality_sensitivity * quality - price_sensitivity * price_gap)


@_rule
def destination(u, firm_share, rival_shares):  # pragma: no cover - compiled
    """Where a churner with uniform ``u`` goes: -1 leaves the category, k switches to active rival k.

    She switches when ``u < 1 - firm_share``, to the first rival whose cumulative share (in the
    order of ``rival_shares``) reaches ``u``, the last one if rounding leaves ``u`` above all.
    """
    if not u < 1.0 - firm_share:
        return -1
    n = rival_shares.size
    pick, cum = 0, 0.0
    for k in range(n):
        cum += rival_shares[k]
        pick += u > cum
    return min(pick, n - 1)
