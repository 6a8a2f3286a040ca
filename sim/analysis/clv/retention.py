"""Customer lifetime value with constant retention, Gupta & Lehmann (2003), "Customers as assets",
Journal of Interactive Marketing 17(1).

Money is in the caller's currency; retention and discount rates are per period.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from sim.analysis.clv._common import require

__all__ = ["clv_constant_retention", "retention_elasticity"]


def clv_constant_retention(
    margin: npt.ArrayLike, retention: npt.ArrayLike, discount_rate: npt.ArrayLike
) -> np.ndarray:
    """Lifetime value with a constant margin and retention, m r / (1 + i - r).

    Gupta & Lehmann (2003): the first margin is earned one period after acquisition if the
    customer is retained, so the value is sum_{t>=1} m r^t / (1+i)^t. Acquisition cost is not
    subtracted.

    Parameters
    ----------
    margin : array_like
        Margin m per period, in currency units.
    retention : array_like
        Retention probability r per period, in [0, 1].
    discount_rate : array_like
        Discount rate i per period, > -1 and such that 1 + i > r.

    Returns
    -------
    numpy.ndarray
        Customer lifetime value, in currency units.
    """
    m, r, i = (np.asarray(v, float) for v in (margin, retention, discount_rate))
    require((r >= 0) & (r <= 1), "retention must be in [0, 1]")
    require(1 + i > r, "need 1 + discount_rate > retention for the sum to converge")
    return m * r / (1.0 + i - r)


def retention_elasticity(retention: npt.ArrayLike, discount_rate: npt.ArrayLike) -> np.ndarray:
    """Elasticity of :func:`clv_constant_retention` with respect to retention, (1+i)/(1+i-r).

    A 1 % rise in retention raises lifetime value by this many percent (about 5 % across the
    five firms of Gupta, Lehmann & Stuart 2004).

    Parameters
    ----------
    retention : array_like
        Retention probability r per period, in [0, 1].
    discount_rate : array_like
        Discount rate i per period, with 1 + i > r.

    Returns
    -------
    numpy.ndarray
        d ln CLV / d ln r, dimensionless.
    """
    r, i = np.asarray(retention, float), np.asarray(discount_rate, float)
    require((r >= 0) & (r <= 1), "retention must be in [0, 1]")
    require(1 + i > r, "need 1 + discount_rate > retention")
    return (1.0 + i) / (1.0 + i - r)
