"""The contact network: who talks to whom about the firm.

Under full mixing (``market.network=full``) every customer's word of mouth reaches every prospect
alike, which is the Bass (1969) model. Real word of mouth travels along personal ties
(Goldenberg, Libai & Muller 2001), and the shape of the tie network changes how fast news
spreads. This module builds an undirected contact graph over all people in the market (ids
``0 .. potential - 1``, initial customers included) as a symmetric sparse adjacency matrix:

* ``random``: Erdos-Renyi ``G(n, m)`` with ``m = round(n * degree / 2)`` distinct ties drawn
  uniformly (Erdos & Renyi 1959). Little clustering, short paths.
* ``small_world``: the Watts & Strogatz (1998) model. A ring lattice where each person knows the
  ``round(degree / 2)`` nearest on each side (so the realised mean degree is the nearest even
  number, at least 2), then each tie has its far end moved to a uniformly drawn person with
  probability ``rewire``. Low rewiring keeps the lattice's high clustering while a few long ties
  already make paths short.
* ``scale_free``: a Chung & Lu (2002) graph with power-law expected degrees, the vectorized
  stand-in for Barabasi & Albert (1999) preferential attachment. Person ``i`` (in a random order)
  gets expected degree proportional to ``(i + 1) ** (-1 / (exponent - 1))``, capped at the
  structural cut-off ``sqrt(n * degree)`` and rescaled to the mean ``degree``; then ``m`` distinct
  ties are drawn with both ends chosen in proportion to expected degree. The degree distribution
  has a power-law tail ``P(k) ~ k ** -exponent`` up to the cut-off (Barabasi-Albert gives
  exponent 3; many social and communication networks show 2 to 3).

Where people sit in the graph: with ``seeding=random`` graph positions are assigned to people by a
random permutation (so the initial customers are a random sample of positions, not an arc of the
ring); with ``seeding=hubs`` the best-connected positions go to the lowest ids, i.e. the firm's
initial customers are the hubs (seeding a campaign on hubs; Hinz, Skiera, Barrot & Becker 2011).

All randomness comes from one numpy Generator (the run's keyed ``network`` stream); the work is
vectorized over ties, with loops only over a few rounds of redrawing ties that collided. Memory:
the adjacency holds ``n * degree`` int32 column indices and float32 ones plus ``n + 1`` int32 row
pointers, about 80 MB at ``n = 1,000,000`` and degree 10 (peak during construction a few times that).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import sparse

from sim.config import MAX_TIES, NETWORKS, SEEDINGS
from sim.jit import njit

__all__ = [
    "NETWORKS",
    "SEEDINGS",
    "MAX_TIES",
    "random_graph",
    "small_world_graph",
    "scale_free_graph",
    "contact_network",
    "mean_degree",
    "network_exposure",
    "contact_exposure",
    "clustering_coefficient",
]

_MAX_ROUNDS = 64


def _pair_keys(u: np.ndarray, v: np.ndarray, n: int) -> np.ndarray:
    """Undirected tie keys ``min * n + max`` (int64); self-ties get the key -1."""
    key = np.minimum(u, v).astype(np.int64)
    hi = np.maximum(u, v)
    loop = key == hi
    key *= n
    key += hi
    key[loop] = -1
    return key


def _sorted_unique(x: np.ndarray) -> np.ndarray:
    """Distinct values of ``x``, sorted (sort-based: much faster than ``np.unique`` on int64 here)."""
    x = np.sort(x)
    if x.size:
        x = x[np.concatenate(([True], x[1:] != x[:-1]))]
    return x


def _first_of_each(x: np.ndarray) -> np.ndarray:
    """Mask of the first occurrence of each distinct value of ``x``."""
    order = np.argsort(x, kind="stable")
    xs = x[order]
    first = np.zeros(x.size, dtype=bool)
    if x.size:
        first[order[np.concatenate(([True], xs[1:] != xs[:-1]))]] = True
    return first


def _split(keys: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    return (keys // n).astype(np.int32), (keys % n).astype(np.int32)


def _distinct_ties(n: int, m: int, draw_pairs) -> np.ndarray:
    """Sorted keys of ``m`` distinct non-self ties, drawing pairs with ``draw_pairs(k)``.

    Each round draws exactly as many pairs as ties are missing and drops self-ties and repeats,
    so the ties kept are a uniform sample of the draws (no truncation).
    """
    keys = np.empty(0, dtype=np.int64)
    for _ in range(_MAX_ROUNDS):
        need = m - keys.size
        if need <= 0:
            break
        new = _pair_keys(*draw_pairs(need), n)
        keys = _sorted_unique(np.concatenate([keys, new[new >= 0]]))
    return keys


def _tie_count(n: int, degree: float) -> int:
    return min(int(round(n * degree / 2.0)), n * (n - 1) // 2)


def random_graph(n: int, degree: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Erdos-Renyi ``G(n, m)`` ties with ``m = round(n * degree / 2)``.

    Parameters
    ----------
    n : int
        People (nodes).
    degree : float
        Mean contacts per person.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    u, v : ndarray of int32
        The ends of each tie, ``u < v``, no tie twice.
    """
    m = _tie_count(n, degree)
    total = n * (n - 1) // 2
    if m > total // 4 and total <= 5_000_000:
        # Dense and small: choose ties directly among all pairs (rejection would crawl).
        pick = np.sort(rng.choice(total, size=m, replace=False))
        u, v = np.triu_indices(n, 1)
        return u[pick].astype(np.int32), v[pick].astype(np.int32)
    return _split(_distinct_ties(n, m, lambda k: (rng.integers(0, n, k, dtype=np.int32),
                                                 rng.integers(0, n, k, dtype=np.int32))), n)


def small_world_graph(n: int, degree: float, rewire: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Watts-Strogatz ties: a ring lattice of ``round(degree / 2)`` neighbours a side, rewired.

    Each lattice tie ``(i, i + j)`` keeps ``i`` and, with probability ``rewire``, gets a uniformly
    drawn far end; far ends that would make a self-tie or a tie twice are redrawn (Watts &
    Strogatz 1998). Parameters and returns as :func:`random_graph`, plus ``rewire`` in [0, 1].
    """
    k = max(1, int(round(degree / 2.0)))
    src = np.repeat(np.arange(n, dtype=np.int32), k)
    dst = src + np.tile(np.arange(1, k + 1, dtype=np.int32), n)
    dst[dst >= n] -= n
    moved = rng.random(src.size) < rewire
    # Lattice ties that stay come first, so a moved tie never displaces one of them.
    keys = _pair_keys(src[~moved], dst[~moved], n)
    keys = _sorted_unique(keys[keys >= 0])
    pending = src[moved]
    del src, dst, moved
    for _ in range(_MAX_ROUNDS):
        if pending.size == 0:
            break
        new = _pair_keys(pending, rng.integers(0, n, pending.size, dtype=np.int32), n)
        pos = np.searchsorted(keys, new)
        known = np.zeros(new.size, dtype=bool)
        inside = pos < keys.size
        known[inside] = keys[pos[inside]] == new[inside]
        # A tie drawn twice in this round counts once.
        ok = (new >= 0) & ~known & _first_of_each(new)
        keys = np.sort(np.concatenate([keys, new[ok]]))
        pending = pending[~ok]
    return _split(keys, n)


def scale_free_graph(n: int, degree: float, exponent: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Chung-Lu ties with power-law expected degrees (exponent > 2) and mean ``degree``.

    See the module docstring. Parameters and returns as :func:`random_graph`, plus ``exponent``,
    the tail exponent of the degree distribution.
    """
    m = _tie_count(n, degree)
    weight = (np.arange(n, dtype=np.float64) + 1.0) ** (-1.0 / (exponent - 1.0))
    weight *= degree / weight.mean()
    cutoff = max(math.sqrt(n * degree), degree)
    for _ in range(8):  # cap at the structural cut-off, keep the mean
        np.minimum(weight, cutoff, out=weight)
        weight *= degree / weight.mean()
    np.minimum(weight, min(cutoff, n - 1.0), out=weight)
    cdf = np.cumsum(weight)
    cdf /= cdf[-1]

    def ends(k: int) -> tuple[np.ndarray, np.ndarray]:
        u = np.minimum(np.searchsorted(cdf, rng.random(k), side="right"), n - 1).astype(np.int32)
        v = np.minimum(np.searchsorted(cdf, rng.random(k), side="right"), n - 1).astype(np.int32)
        return u, v

    return _split(_distinct_ties(n, m, ends), n)


def _adjacency(n: int, rows: np.ndarray, cols: np.ndarray) -> sparse.csr_array:
    """CSR adjacency (float32 ones, int32 indices) with an entry at each ``(rows[k], cols[k])``."""
    # Built with one-byte data, which keeps the peak of the conversion low, then given float32
    # ones so that the weekly mat-vec runs in single precision without a cast.
    adj = sparse.csr_array((np.ones(rows.size, dtype=np.int8), (rows, cols)), shape=(n, n))
    adj.indices = adj.indices.astype(np.int32, copy=False)
    adj.indptr = adj.indptr.astype(np.int32, copy=False)
    adj.data = np.ones(adj.indices.size, dtype=np.float32)
    return adj


def contact_network(kind: str, n: int, degree: float, rng: np.random.Generator, *, rewire: float = 0.1,
                    exponent: float = 2.5, seeding: str = "random") -> sparse.csr_array | None:
    """The contact graph of ``market.network``: a symmetric CSR adjacency over people, or None.

    Parameters
    ----------
    kind : str
        One of :data:`NETWORKS`; ``full`` returns None (full mixing, no graph).
    n : int
        People in the market (``market.potential``).
    degree : float
        Mean contacts per person.
    rng : numpy.random.Generator
        The run's ``network`` stream.
    rewire : float
        Watts-Strogatz rewiring probability (``small_world`` only).
    exponent : float
        Power-law exponent of the degree distribution (``scale_free`` only).
    seeding : str
        ``random``: graph positions go to people in a random order; ``hubs``: the best-connected
        positions go to the lowest ids (the initial customers), ties broken at random.

    Returns
    -------
    scipy.sparse.csr_array or None
        ``adj[i, j] = 1`` when ``i`` and ``j`` are in contact; symmetric, zero diagonal.
    """
    if kind == "full":
        return None
    if kind == "random":
        u, v = random_graph(n, degree, rng)
    elif kind == "small_world":
        u, v = small_world_graph(n, degree, rewire, rng)
    elif kind == "scale_free":
        u, v = scale_free_graph(n, degree, exponent, rng)
    else:
        raise ValueError(f"The 'kind' parameter of contact_network must be one of {NETWORKS}. Got {kind!r} instead.")
    if seeding == "hubs":
        deg = np.bincount(u, minlength=n) + np.bincount(v, minlength=n)
        position = np.lexsort((rng.random(n), -deg))  # position[r]: node of rank r
        label = np.empty(n, dtype=np.int32)
        label[position] = np.arange(n, dtype=np.int32)
    else:
        label = rng.permutation(n).astype(np.int32)
    u, v = label[u], label[v]
    del label
    rows, cols = np.concatenate([u, v]), np.concatenate([v, u])  # both directions: symmetric
    del u, v
    return _adjacency(n, rows, cols)


def mean_degree(adj: sparse.csr_array) -> float:
    """Mean contacts per person of an adjacency matrix."""
    return adj.nnz / adj.shape[0]


def clustering_coefficient(adj: sparse.csr_array) -> float:
    """Mean local clustering coefficient (Watts & Strogatz 1998) over people with 2+ contacts.

    The share of pairs of a person's contacts who are in contact themselves. Costs one sparse
    matrix product; meant for checks on graphs of up to about 10^5 people.
    """
    a = adj.astype(np.float64)
    deg = np.asarray(a.sum(axis=1)).ravel()
    triangles = np.asarray((a @ a).multiply(a).sum(axis=1)).ravel() / 2.0
    ok = deg >= 2
    return float(np.mean(2.0 * triangles[ok] / (deg[ok] * (deg[ok] - 1.0)))) if ok.any() else 0.0


def network_exposure(adjacency: sparse.csr_array, promoter_weight: np.ndarray, mean_degree: float) -> np.ndarray:
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


@njit(cache=True, nogil=True)
def _spread(indptr, indices, sources, weights, out):  # pragma: no cover - compiled
    for k in range(sources.size):
        p = sources[k]
        w = np.float64(weights[k])
        for e in range(indptr[p], indptr[p + 1]):
            out[np.uint64(indices[e])] += w


def contact_exposure(adjacency: sparse.csr_array, promoter_ids: np.ndarray, promoter_weight: np.ndarray,
                     mean_degree: float) -> np.ndarray:
    """:func:`network_exposure` computed from the promoters' ties alone.

    The same exposure (summed in float64 in the order of ``promoter_ids`` and then of each
    promoter's ties, so equal up to rounding), at the cost of the promoters' ties instead of
    every tie of the graph: customers are a minority of the market.

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
    exposure = np.zeros(adjacency.shape[0])
    _spread(adjacency.indptr, adjacency.indices, promoter_ids, promoter_weight, exposure)
    exposure /= mean_degree
    return exposure
