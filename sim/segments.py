"""Value segments: platinum, gold, silver, bronze and lead customers by lifetime contribution.

Following the customer pyramid of Zeithaml, Rust & Lemon (2001, California Management Review
43(4)): customers who lose the firm money are *lead*; profitable customers are ranked by
contribution and split into platinum (top), gold, silver and bronze (the rest).
"""

from __future__ import annotations

import numpy as np

__all__ = ["SEGMENTS", "value_segment_codes", "classify_value_segments"]

SEGMENTS = ("platinum", "gold", "silver", "bronze", "lead")


def value_segment_codes(
    contribution: np.ndarray, platinum_share: float, gold_share: float, silver_share: float
) -> np.ndarray:
    """Segment per customer as an index into :data:`SEGMENTS` (int8).

    Parameters
    ----------
    contribution : ndarray
        Lifetime contribution per customer (currency units).
    platinum_share, gold_share, silver_share : float
        Shares of the *profitable* customers in each top segment, from the top; the rest of the
        profitable customers are bronze.

    Ties are broken by position, so the result is deterministic.
    """
    contribution = np.asarray(contribution, dtype=np.float64)
    out = np.full(contribution.size, SEGMENTS.index("lead"), dtype=np.int8)
    positive = contribution > 0
    n = int(np.count_nonzero(positive))
    cuts = np.floor(np.cumsum([platinum_share, gold_share, silver_share]) * n + 1e-9).astype(int)
    if n == 0:
        return out
    # Ranks by falling contribution without an argsort of everyone (millions of customers): the
    # sorted values give each cut's threshold, and ties at a threshold go in by position.
    values = contribution[positive]
    values.sort()
    out[positive] = SEGMENTS.index("bronze")
    for code in (2, 1, 0):  # silver, gold, platinum: the top cuts[code] customers, best last
        k = int(cuts[code])
        if k == 0:
            continue
        t = values[n - k]
        top = contribution > t
        need = k - int(np.count_nonzero(top))
        top[np.flatnonzero(contribution == t)[:need]] = True
        out[top] = code
    return out


def classify_value_segments(
    contribution: np.ndarray, platinum_share: float, gold_share: float, silver_share: float
) -> np.ndarray:
    """Segment name per customer (see :func:`value_segment_codes`)."""
    return np.array(SEGMENTS, dtype=object)[value_segment_codes(contribution, platinum_share, gold_share, silver_share)]
