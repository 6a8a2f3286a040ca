"""Value segments in analysis: the whale curve of customer profitability.

The segments themselves (:data:`~sim.segments.SEGMENTS`, :func:`~sim.segments.value_segment_codes`)
live in :mod:`sim.segments`, where the engine's segment treatments use them too.
"""

from __future__ import annotations

import numpy as np

from sim.segments import SEGMENTS, classify_value_segments, value_segment_codes

__all__ = ["SEGMENTS", "value_segment_codes", "classify_value_segments", "whale_curve"]


def whale_curve(contribution: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative share of customers and of total profit, customers sorted by profitability.

    Returns ``(share_of_customers, share_of_profit)``, both starting at 0. The curve rises above 1
    when unprofitable customers exist (the classic "whale" shape, Kaplan & Cooper 1998).
    """
    contribution = np.sort(np.asarray(contribution, dtype=np.float64))[::-1]
    total = contribution.sum()
    cum = np.concatenate([[0.0], np.cumsum(contribution)])
    share_customers = np.arange(contribution.size + 1) / max(contribution.size, 1)
    return share_customers, cum / total if total != 0 else cum
