"""The service side of an encounter: quality delivered, failures, complaints, what the firm sees.

Each purchase (and each support contact) meets a service of normal quality around the firm's
level; it fails with the week's failure probability, losing ``failure_severity`` of quality. A
customer who meets a failure complains with ``complaint_propensity``; a complaint is handled well
with ``complaint_handling_quality``. The firm attributes a purchase to a customer when she is a
loyalty member (her card identifies her) or, for anonymous buyers, with ``anonymous_visibility``.

Whether a failure, a complaint or a recovery happens is :func:`sim.behaviour.events.happens`.
Each rule is a compiled scalar (numba), inlined by the loops of :mod:`sim.kernels`.
"""

from __future__ import annotations

import numpy as np

from sim.jit import njit

__all__ = ["service_quality", "felt_quality", "observed"]

_rule = njit(cache=True, nogil=True, inline="always")


@_rule
def service_quality(level, spread, z):  # pragma: no cover - compiled
    """Quality of one encounter: ``level + spread * z`` for a standard normal ``z`` (0-1 scale)."""
    return level + spread * z


@_rule
def felt_quality(quality, failed, severity_if):  # pragma: no cover - compiled
    """Quality less the failure's severity when ``failed``; ``severity_if`` is ``[0, severity]``.

    A lookup by the 0/1 flag instead of a branch (failures are scattered; x - 0 is x).
    """
    return quality - severity_if[np.uint64(failed)]


@_rule
def observed(member, u, visibility):  # pragma: no cover - compiled
    """Whether the firm sees a purchase: every one of a member's, an anonymous buyer's with ``visibility``."""
    return member | (u < visibility)
