"""Product returns: how likely a customer is to send an order back.

Each customer has her own probability ``q`` of returning her first order (drawn at birth from a
Beta distribution, ``customers.return_propensity_mean`` and ``_concentration``): return
behaviour differs widely between customers and a minority makes most returns (Petersen & Kumar
2009). Her return rate then rises with the orders she has placed, as return habits form over a
relationship (El Kihal, Erdem, Schulze & Zhang 2026: the average rate rises from 25 % on the
first order to 37 % on the tenth). With habit ``h`` her ``n``-th order is returned with
probability

    q n^h / (q n^h + 1 - q)

(her odds of returning grow as ``n^h``), written without a division by ``1 - q`` so that a
customer who returns everything (``q = 1``) stays at 1. Since ``n^h >= 1`` the probability is at
least ``q``, and below ``q (1 + h (n - 1)) / (1 - q)`` for ``h <= 1`` (``n^h`` is concave), so
most draws are settled without the logarithm and exponential (:func:`returns_order`).

Each rule is a compiled scalar (numba), inlined by the loop of :mod:`sim.kernels.returns`.
"""

from __future__ import annotations

from sim.behaviour.events import happens
from sim.jit import njit
from sim.mathfn import exp, log

__all__ = ["return_probability", "returns_order"]

# Margins of the bounds, far above the rounding of the operations (as sim.mathfn.undecided's).
_BELOW, _ABOVE = 1.0 - 2.0**-30, 1.0 + 2.0**-30


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def return_probability(q, n, habit):  # pragma: no cover - compiled
    """Probability that a customer of first-order probability ``q`` returns her ``n``-th order (``n >= 1``)."""
    grown = q * exp(habit * log(n))  # n >= 1: a normal float, in log's domain
    return grown / (grown + (1.0 - q))


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def returns_order(u, q, n, habit):  # pragma: no cover - compiled
    """Whether the ``n``-th order of a customer of first-order probability ``q`` comes back for her
    uniform ``u``: ``u < return_probability(q, n, habit)``, settled by a bound where one decides."""
    if u < q * _BELOW:  # the probability is at least q
        return True
    if habit <= 1.0 and u * (1.0 - q) >= q * (1.0 + habit * (n - 1.0)) * _ABOVE:
        return False
    return happens(u, return_probability(q, n, habit))
