"""Whether a chance event happens: the one way every keyed uniform becomes a yes or no.

A failure, a complaint, its good handling, a win-back offer reaching a lost customer, her return,
a support contact: each happens when the customer's keyed uniform for it is below its
probability, so a customer keeps her luck when the probability changes a little (common random
numbers).
"""

from __future__ import annotations

from sim.jit import njit

__all__ = ["happens"]


@njit(cache=True, nogil=True, inline="always")
def happens(u, probability):  # pragma: no cover - compiled
    """Whether an event of ``probability`` happens for the uniform ``u`` in (0, 1)."""
    return u < probability
