"""Shared pieces of the maximum-likelihood fits: argument checks and a multi-start optimiser."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from scipy.optimize import OptimizeResult, minimize

# Fits search over log-parameters in this box: it keeps exp() finite, and a parameter that ends on
# the edge (about 6e-6 or 1.6e5) signals a degenerate data set rather than an estimate.
LOG_BOUND = 12.0


def positive_params(params: object, fit_type: type, names: str) -> tuple[float, ...]:
    """The parameters of a fit (its ``params``) or of a sequence, checked to be all > 0.

    ``names`` names them for the message, e.g. ``"BG/NBD parameters r, alpha, a, b"``.
    """
    values = params.params if isinstance(params, fit_type) else params
    require(np.asarray(values, dtype=float) > 0, f"{names} must all be > 0")
    return tuple(float(v) for v in values)


def require(condition: object, message: str) -> None:
    """Raise ``ValueError(message)`` unless every element of `condition` is true."""
    if not np.all(condition):
        raise ValueError(message)


def check_counts(counts: object, size: int) -> np.ndarray | None:
    """``counts`` as floats, checked to be one positive finite number per customer row (None stays None)."""
    if counts is None:
        return None
    counts = np.asarray(counts, dtype=float).ravel()
    require(counts.size == size, f"counts must have one entry per history ({size}), got {counts.size}")
    require(np.isfinite(counts) & (counts > 0), "counts must be finite and > 0")
    return counts


def minimise(negative_ll: Callable[[np.ndarray], float], starts: Sequence[np.ndarray],
             jac: bool = False) -> OptimizeResult:
    """Minimise over log-parameters from several starts, return the best finite optimum.

    With ``jac``, ``negative_ll`` returns its value and gradient; otherwise L-BFGS-B takes
    finite differences.
    """
    best = None
    for start in starts:
        bounds = [(-LOG_BOUND, LOG_BOUND)] * len(start)
        result = minimize(
            negative_ll, start, method="L-BFGS-B", jac=jac, bounds=bounds, options={"ftol": 1e-13, "gtol": 1e-9}
        )
        if np.isfinite(result.fun) and (best is None or result.fun < best.fun):
            best = result
    if best is None:
        raise RuntimeError("likelihood is not finite at any starting point")
    return best
