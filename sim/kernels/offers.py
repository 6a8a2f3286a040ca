"""Offer kernels: the firm's churn-risk score of its customers, a retention offer's lift and churn relief,
who takes a win-back offer."""

from __future__ import annotations

import numpy as np

from sim.behaviour.acquisition import winback_probability
from sim.behaviour.churn import offer_relief
from sim.behaviour.events import happens
from sim.behaviour.risk import churn_risk
from sim.behaviour.satisfaction import satisfaction_after_offer
from sim.jit import njit

__all__ = ["churn_risks", "give_offers", "offer_reliefs", "winback_returns"]


@njit(cache=True, nogil=True)
def _churn_risks(seen, tenure, recency, complaints, prior, weight, out):  # pragma: no cover - compiled
    for i in range(seen.size):
        out[i] = churn_risk(seen[i], tenure[i], recency[i], complaints[i], prior, weight)


def churn_risks(seen: np.ndarray, tenure: np.ndarray, recency: np.ndarray, complaints: np.ndarray,
                prior: tuple[float, float]) -> np.ndarray:
    """:func:`sim.behaviour.risk.churn_risk` of each customer (float64).

    ``seen`` purchases, ``tenure`` and ``recency`` in weeks, ``complaints``; ``prior`` is the
    prior churn probability per week and the weight of a complaint.
    """
    out = np.empty(seen.size)
    _churn_risks(seen, tenure, recency, complaints, float(prior[0]), float(prior[1]), out)
    return out


@njit(cache=True, nogil=True)
def _give_offers(rows, satisfaction, gain, offer_week, week):  # pragma: no cover - compiled
    for i in range(rows.size):
        r = np.uint64(rows[i])
        satisfaction[r] = satisfaction_after_offer(satisfaction[r], gain)
        offer_week[r] = week


def give_offers(pop, rows: np.ndarray, gain: float, week: int) -> None:
    """Customers ``rows`` receive a retention offer this week: satisfaction up by ``gain``."""
    _give_offers(rows, pop.satisfaction, np.float32(gain), pop.offer_week, week)


@njit(cache=True, nogil=True)
def _offer_reliefs(rows, offer_week, week, relief, relief_weeks, out):  # pragma: no cover - compiled
    for i in range(rows.size):
        out[i] = offer_relief(week - np.int64(offer_week[np.uint64(rows[i])]), relief, relief_weeks)


def offer_reliefs(pop, rows: np.ndarray, week: int, relief: float, relief_weeks: int) -> np.ndarray:
    """:func:`sim.behaviour.churn.offer_relief` of customers ``rows`` this week: their churn multipliers."""
    out = np.empty(rows.size)
    _offer_reliefs(rows, pop.offer_week, np.int64(week), float(relief), np.int64(relief_weeks), out)
    return out


@njit(cache=True, nogil=True)
def _winback_returns(rows, u, last_purchase_week, satisfaction, week, base, decay, neutral, effect,
                     out):  # pragma: no cover - compiled
    for i in range(rows.size):
        r = np.uint64(rows[i])
        p = winback_probability(base, np.float64(week - last_purchase_week[r]), decay, np.float64(satisfaction[r]),
                                neutral, effect)
        out[i] = happens(u[i], p)


def winback_returns(pop, rows: np.ndarray, u: np.ndarray, week: int, offer: tuple[float, float],
                    norms: tuple[float, float]) -> np.ndarray:
    """Whether each churned customer of ``rows``, with her keyed uniform ``u``, takes a win-back offer this week.

    ``offer`` is ``(winback_success_prob, winback_decay_weeks)``, ``norms`` is
    ``(satisfaction_neutral, churn_satisfaction_effect)``
    (:func:`sim.behaviour.acquisition.winback_probability`, :func:`sim.behaviour.events.happens`).
    """
    out = np.empty(rows.size, dtype=np.bool_)
    _winback_returns(rows, np.ascontiguousarray(u, dtype=np.float64), pop.last_purchase_week, pop.satisfaction,
                     int(week), float(offer[0]), float(offer[1]), float(norms[0]), float(norms[1]), out)
    return out
