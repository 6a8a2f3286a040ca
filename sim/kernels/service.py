"""Service kernels: the quality each encounter delivers, whether it fails, and the encounter itself.

The same encounter (:func:`sim.behaviour.satisfaction.encounter`) follows a purchase and a support
contact without a sale, so both go through :func:`encounter`.
"""

from __future__ import annotations

import numpy as np

from sim.behaviour import satisfaction as rule
from sim.behaviour.events import happens
from sim.behaviour.service import felt_quality, service_quality
from sim.jit import njit
from sim.mathfn import BLOCK
from sim.rng import normals_into, unit

__all__ = ["service_draws", "encounter"]


@njit(cache=True, nogil=True, error_model="numpy")
def _service_draws(ids, key_quality, key_failure, loc, scale, failure_prob, quality,
                   failed):  # pragma: no cover - compiled
    u, z = np.empty(BLOCK), np.empty(BLOCK)
    for lo in range(0, ids.size, BLOCK):
        hi = min(lo + BLOCK, ids.size)
        normals_into(ids[lo:hi], key_quality, u, z)
        for i in range(lo, hi):
            quality[i] = service_quality(loc, scale, z[i - lo])
            failed[i] = happens(unit(ids[i], key_failure), failure_prob)


def service_draws(ids: np.ndarray, keys: tuple[int, int], level: float, spread: float,
                  failure_prob: float) -> tuple[np.ndarray, np.ndarray]:
    """Each encounter's service quality and whether it failed, in one blocked pass.

    ``level + spread * z`` with ``z`` the keyed normal of each id under stream ``keys[0]``, and
    whether the keyed uniform under ``keys[1]`` is below ``failure_prob``.
    """
    quality, failed = np.empty(ids.size), np.empty(ids.size, dtype=np.bool_)
    _service_draws(ids, np.uint64(keys[0]), np.uint64(keys[1]), float(level), float(spread), float(failure_prob),
                   quality, failed)
    return quality, failed


@njit(cache=True, nogil=True)
def _encounter(buyers, quality, failed, recovered, price_ratio, severity, gen_quality, generation,
               quality_sensitivity, price_sensitivity, satisfaction, expectation, failures, attachment, p,
               value_out):  # pragma: no cover - compiled
    step = np.intp(price_ratio.size > 1)  # one price ratio for all, or one per buyer
    severity_if = np.array([0.0, severity])
    shrink_if = np.array([1.0, 1.0 - p.attachment_growth])
    for i in range(buyers.size):  # the rules of an encounter, in their order (sim.behaviour.satisfaction)
        r = np.uint64(buyers[i])
        fl = failed[i]
        q = felt_quality(quality[i], fl, severity_if)
        ratio = price_ratio[i * step]
        v = rule.experienced_value(quality_sensitivity[r], gen_quality[np.uint64(generation[r])], q,
                                   price_sensitivity[r], ratio)
        value_out[i] = v
        a, e = attachment[r], expectation[r]
        t, surprise = rule.transaction_satisfaction(v, rule.price_cost(price_sensitivity[r], ratio), np.float64(e),
                                                    np.float64(a), p)
        f = failures[r]
        t = rule.recovered_transaction(t, recovered[i], f, p)
        satisfaction[r] = rule.cumulative_satisfaction(satisfaction[r], t, p)
        expectation[r] = rule.adapted_expectation(e, surprise, p)
        failures[r] = rule.failures_after(f, fl)
        attachment[r] = np.float32(rule.attachment_after(a, t, p, shrink_if))


def encounter(pop, rows: np.ndarray, draws: tuple[np.ndarray, np.ndarray, np.ndarray], price_ratio,
              gen_quality: np.ndarray, params: tuple[float, rule.EncounterParams]) -> np.ndarray:
    """Service encounters of customers ``rows``: their state updated in place, their experienced values returned.

    ``draws`` are each encounter's service quality (before a failure's severity), whether it
    failed and whether a complaint was handled well; ``price_ratio`` is one number for all or
    one per row; ``gen_quality`` the quality of each product generation; ``params`` the failure
    severity and the satisfaction kernel's parameters.
    """
    quality, failed, recovered = draws
    severity, p = params
    value = np.empty(rows.size)
    _encounter(rows, np.ascontiguousarray(quality, dtype=np.float64), failed, recovered,
               np.ascontiguousarray(np.asarray(price_ratio, dtype=np.float64).reshape(-1)), float(severity),
               gen_quality, pop.generation, pop.quality_sensitivity, pop.price_sensitivity, pop.satisfaction,
               pop.expectation, pop.failures, pop.attachment, p, value)
    return value
