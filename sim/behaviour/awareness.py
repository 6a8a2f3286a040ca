"""Awareness: prospects learn of the firm from advertising (innovation) and from customers
who talk about it (imitation), the two forces of the Bass (1969) diffusion model.

Under full mixing every prospect hears every promoter alike (:func:`awareness_hazard`); over a
contact network a prospect hears only its own contacts (:func:`network_exposure`, computed from the
promoters' ties alone by :func:`contact_exposure`)."""

from __future__ import annotations

import math

import numpy as np

from sim import compiled

__all__ = ["advertising_hazard", "awareness_hazard", "network_exposure", "contact_exposure"]


def advertising_hazard(budget: float, reach_max: float, reach_half_budget: float) -> float:
    """Awareness hazard per week from advertising, with diminishing returns in spend.

    The share of unaware prospects reached in a week is ``reach_max * B / (B + B_half)``
    (a saturating response curve); the hazard is ``-log(1 - reach)``.

    Parameters
    ----------
    budget : float
        Media spend this week (currency units).
    reach_max : float
        Largest weekly reach share at saturation, in [0, 1].
    reach_half_budget : float
        Spend per week that reaches half of ``reach_max`` (currency units).
    """
    reach = reach_max * budget / (budget + reach_half_budget) if budget > 0 else 0.0
    return -math.log1p(-min(reach, 1.0 - 1e-12))


def awareness_hazard(ad_hazard: float, word_of_mouth: float, promoters: float, potential: int) -> float:
    """Total awareness hazard per week for an unaware prospect under full mixing.

    ``ad_hazard + word_of_mouth * promoters / potential``: with ``promoters`` equal to the
    adopters this is the Bass hazard ``p + q F(t)`` per week.
    """
    return ad_hazard + word_of_mouth * promoters / potential


def network_exposure(adjacency, promoter_weight: np.ndarray, mean_degree: float) -> np.ndarray:
    """Word-of-mouth exposure of every person over a contact network (one sparse mat-vec).

    ``exposure_j = sum over contacts i of promoter_weight_i / mean_degree``; a prospect's
    word-of-mouth hazard per week is ``word_of_mouth * exposure_j``. Each tie thus carries
    ``word_of_mouth / mean_degree`` per unit of promoter weight (per-contact transmission, as in
    SI contagion on networks; Pastor-Satorras & Vespignani 2001): a person with the mean number
    of contacts, a share ``F`` of them promoting, faces the Bass hazard ``q F``, people with more
    contacts hear more. On the complete graph (``mean_degree = n - 1``) the exposure of a
    prospect is ``promoters / (n - 1)``, the full-mixing formula up to the factor ``n / (n - 1)``.

    Parameters
    ----------
    adjacency : scipy.sparse.csr_array
        Symmetric contact matrix over people (``n x n``).
    promoter_weight : ndarray
        Word-of-mouth weight of each person (0 for non-promoters), length ``n``.
    mean_degree : float
        Mean contacts per person of ``adjacency``.

    Returns
    -------
    ndarray
        Exposure of each person (promoter weight per mean contact count), length ``n``.
    """
    return (adjacency @ promoter_weight) / mean_degree


def contact_exposure(adjacency, promoter_ids: np.ndarray, promoter_weight: np.ndarray, mean_degree: float) -> np.ndarray:
    """:func:`network_exposure` computed from the promoters' ties alone.

    The same exposure (summed in float64, so equal up to rounding), at the cost of the
    promoters' ties instead of every tie of the graph: customers are a minority of the market.

    Parameters
    ----------
    adjacency : scipy.sparse.csr_array
        Symmetric 0/1 contact matrix over people (``n x n``).
    promoter_ids : ndarray of int
        People who promote this week (distinct).
    promoter_weight : ndarray
        Their word-of-mouth weights.
    mean_degree : float
        Mean contacts per person of ``adjacency``.
    """
    exposure = compiled.spread(adjacency.indptr, adjacency.indices, promoter_ids, promoter_weight, adjacency.shape[0])
    exposure /= mean_degree
    return exposure
