"""The market: every person who could ever buy, and how they come to know the firm.

People have fixed ids ``0 .. potential - 1``; ids below ``customers.initial`` are the firm's
customers at week 0, the rest are prospects. Under full mixing every unaware prospect faces the
same awareness hazard, so each prospect is given a fixed exponential threshold at birth and
becomes aware when the cumulative hazard passes it. Sorting the thresholds once turns a week of
awareness into a slice of that order (no work for those still unaware), and the same person
becomes aware at the same exposure in every scenario: common random numbers for awareness.

Over a contact network (``market.network`` other than ``full``; :mod:`sim.network`) prospects
no longer share one hazard: each keeps its exponential threshold, and its cumulative hazard is the
market-wide advertising part plus its own word-of-mouth part, which grows each week with the
promoters among its contacts (their ties only, :func:`~sim.network.contact_exposure`). The
thresholds are the same numbers as under full mixing, so a network scenario and its full-mixing
twin differ only in who hears whom.

Aware prospects consider the firm for a while: each week they may buy (conversion) or stop
considering it. A market is open: those who stopped considering the firm are, after a while
(``reconsider``, a probability per week), back among the unaware, to be reached again by
advertising and word of mouth. This stands equally for people who forget and for the turnover of
a market's members (a newcomer who has not heard of the firm takes a leaver's place), so the
number of people stays ``potential``. Without it (``reconsider`` 0) the lost are lost for good,
and once everyone has heard of the firm advertising has nobody left to reach.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sim.jit import njit
from sim.network import contact_exposure, mean_degree
from sim.rng import Streams

__all__ = ["Market", "Waiting", "UNAWARE", "AWARE", "CUSTOMER", "LOST"]

UNAWARE, AWARE, CUSTOMER, LOST = 0, 1, 2, 3


@njit(cache=True, nogil=True)
def _merge_runs(older, newer, out):  # pragma: no cover - compiled
    """Merge two runs (ids, keys, ranks), each sorted by key, into ``out``; ties keep ``older`` first."""
    ids_a, keys_a, rank_a = older
    ids_b, keys_b, rank_b = newer
    ids, keys, rank = out
    i = j = 0
    for k in range(ids.size):
        if j < ids_b.size and (i == ids_a.size or keys_b[j] < keys_a[i]):
            ids[k], keys[k], rank[k] = ids_b[j], keys_b[j], rank_b[j]
            j += 1
        else:
            ids[k], keys[k], rank[k] = ids_a[i], keys_a[i], rank_a[i]
            i += 1


def _allocated(a: np.ndarray) -> int:
    """Elements of the buffer that ``a`` (an array or a slice of one) holds on to."""
    return a.size if a.base is None else a.base.size


class Waiting:
    """People waiting for a key of their own (a week, a threshold) to be reached, let go in the order they came.

    They are kept in a few runs sorted by key, so a week's release is a prefix of each run, not a
    scan of everyone waiting. Each arrival is a new run; the newest run is merged into the one
    before it while it is at least half as large, so there are about log2(size) runs and each
    person is merged about as many times. Order of arrival is kept: it is the order in which
    prospects join the pool, and so become customers' rows.

    Parameters
    ----------
    key_dtype : numpy dtype
        Type of the keys.
    """

    #: Ranks of arrival are int32; past this they are renumbered.
    MAX_RANK = np.iinfo(np.int32).max

    def __init__(self, key_dtype):
        self._key_dtype = key_dtype
        # (ids, keys, rank of arrival), each run sorted by key then arrival; runs in order of arrival.
        self._runs: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._arrived = 0

    @property
    def size(self) -> int:
        return sum(run[0].size for run in self._runs)

    def add(self, ids: np.ndarray, keys: np.ndarray) -> None:
        """``ids`` (int32) start waiting, each for its key; after all waiting, in their order."""
        if ids.size == 0:
            return
        if self._arrived + ids.size > self.MAX_RANK:
            self._renumber()
        order = np.argsort(keys, kind="stable")
        rank = (self._arrived + order).astype(np.int32)
        self._runs.append((ids[order], keys.astype(self._key_dtype, copy=False)[order], rank))
        self._arrived += ids.size
        while len(self._runs) > 1 and 2 * self._runs[-1][0].size >= self._runs[-2][0].size:
            newer = self._runs.pop()
            self._runs[-1] = self._merged(self._runs[-1], newer)

    def _renumber(self) -> None:
        """Ranks of arrival 0, 1, ... for those waiting, in the same order (ranks are int32)."""
        ranks = np.concatenate([run[2] for run in self._runs])
        new = np.empty(ranks.size, dtype=np.int32)
        new[np.argsort(ranks)] = np.arange(ranks.size, dtype=np.int32)
        bounds = np.cumsum([0] + [run[0].size for run in self._runs])
        self._runs = [(run[0], run[1], new[lo:hi]) for run, lo, hi in zip(self._runs, bounds[:-1], bounds[1:])]
        self._arrived = ranks.size

    @staticmethod
    def _merged(older, newer):
        """One sorted run of two; a newer arrival goes after older ones with an equal key."""
        merged = tuple(np.empty(a.size + b.size, dtype=a.dtype) for a, b in zip(older, newer))
        _merge_runs(older, newer, merged)
        return merged

    def release(self, up_to) -> np.ndarray:
        """Ids of those whose key is at most ``up_to``, in order of arrival; they stop waiting."""
        ids, arrival, runs = [], [], []
        up_to = np.asarray(up_to, dtype=self._key_dtype)  # of the keys' type: searchsorted would convert the keys
        for run in self._runs:
            k = int(np.searchsorted(run[1], up_to, side="right"))
            ids.append(run[0][:k])
            arrival.append(run[2][:k])
            if k < run[0].size:
                # A run let go of more than half of its buffer is copied, so the buffer is freed.
                runs.append(tuple(a[k:] if 2 * (a.size - k) >= _allocated(a) else a[k:].copy() for a in run))
        self._runs = runs
        if not ids:
            return np.empty(0, dtype=np.int32)
        ids, arrival = np.concatenate(ids), np.concatenate(arrival)
        return ids[np.argsort(arrival)]


class Market:
    """Prospects' awareness and the pool of aware prospects not yet customers.

    Parameters
    ----------
    potential : int
        People in the market, initial customers included.
    initial_customers : int
        People who are customers at week 0 (ids ``0 .. initial_customers - 1``).
    initially_aware : float
        Share of prospects aware at week 0.
    streams : Streams
        The run's keyed random streams.
    network : scipy.sparse.csr_array, optional
        Symmetric contact matrix over all people (:func:`sim.network.contact_network`); None
        for full mixing.
    reconsider : float, optional
        Probability per week that a prospect who stopped considering the firm is back among the
        unaware (``market.reconsideration``); 0 keeps the lost lost.
    """

    def __init__(self, potential: int, initial_customers: int, initially_aware: float, streams: Streams,
                 network=None, reconsider: float = 0.0):
        self.potential = int(potential)
        self.reconsider = float(reconsider)
        # The lost waiting for the week they reconsider, and, under full mixing, the returned
        # unaware waiting for the cumulative hazard to pass their own thresholds (not in the sorted order).
        self._resting, self._back = Waiting(np.int32), Waiting(np.float64)
        self.status = np.zeros(self.potential, dtype=np.int8)
        self.status[:initial_customers] = CUSTOMER
        self._streams = streams
        self.network = network
        self.cumulative_hazard = 0.0
        self.aware_pool = np.empty(0, dtype=np.int32)
        # Columns aligned with the pool: "referred" (aware by word of mouth) and whatever
        # :meth:`keep_for_pool` asks for, each computed once when a prospect becomes aware.
        self.pool_data: dict[str, np.ndarray] = {"referred": np.empty(0, dtype=np.bool_)}
        self._pool_columns: list[Callable[[np.ndarray], dict[str, np.ndarray]]] = []
        prospects = np.arange(initial_customers, self.potential, dtype=np.int32)
        initial_hazard = -np.log1p(-min(initially_aware, 1.0 - 1e-15))
        if network is not None:
            # Unaware prospects in id order, each with its threshold and word-of-mouth hazard so far.
            self._mean_degree = mean_degree(network)
            self._unaware_ids, self._thresholds = prospects, self._threshold(prospects)
            self._wom = np.zeros(prospects.size)
            self.expose_network(initial_hazard)
            return
        # Only the order is kept (4 bytes a person): thresholds are pure functions of the id, so
        # the few needed each week are recomputed at the cursor instead of stored.
        order = np.argsort(self._threshold(prospects), kind="stable")
        self._order = prospects[order]
        del order
        self._cursor = 0
        self._step = 1024  # thresholds computed per look-ahead; adapts to the pace of awareness
        self.expose(initial_hazard)

    @property
    def pool_referred(self) -> np.ndarray:
        """Whether each aware prospect of :attr:`aware_pool` became aware by word of mouth."""
        return self.pool_data["referred"]

    def keep_for_pool(self, columns: Callable[[np.ndarray], dict[str, np.ndarray]]) -> None:
        """Keep ``columns(ids)`` for every aware prospect, in :attr:`pool_data`.

        For per-person values that are pure functions of the id (traits from keyed streams): they
        are computed once, when a prospect becomes aware, instead of every week the prospect
        stays in the pool.
        """
        self._pool_columns.append(columns)
        self.pool_data.update(columns(self.aware_pool))

    def _threshold(self, ids: np.ndarray) -> np.ndarray:
        """Each prospect's exponential awareness threshold (keyed ``awareness`` stream)."""
        return self._streams.exponential("awareness", -1, ids)

    def _passed(self) -> int:
        """Position in the order up to which thresholds are at most the cumulative hazard."""
        start = end = self._cursor
        n = self._order.size
        while end < n:
            stop = min(end + self._step, n)
            k = int(np.searchsorted(self._threshold(self._order[end:stop]), self.cumulative_hazard, side="right"))
            end += k
            if end < stop:
                break
            self._step *= 2
        self._step = max(1024, 2 * (end - start))
        return end

    def expose(self, hazard: float, word_of_mouth_share: float = 0.0, streams: Streams | None = None,
               week: int = 0) -> np.ndarray:
        """Add ``hazard`` of awareness; return the ids of prospects who became aware.

        A share ``word_of_mouth_share`` of the hazard comes from customers' word of mouth; each
        newly aware prospect is marked as referred with that probability (keyed ``referral``
        stream), so referrals can be rewarded and convert better.
        """
        self._wake(week)
        self.cumulative_hazard += hazard
        end = self._passed()
        fresh = self._order[self._cursor : end]
        self._cursor = end
        fresh = fresh[self.status[fresh] == UNAWARE]
        back = self._back.release(self.cumulative_hazard)
        if back.size:
            fresh = np.concatenate([fresh, back])
        self.status[fresh] = AWARE
        if fresh.size:
            if word_of_mouth_share > 0 and streams is not None:
                referred = streams.uniform("referral", week, fresh) < word_of_mouth_share
            else:
                referred = np.zeros(fresh.size, dtype=np.bool_)
            self._join_pool(fresh, referred)
        return fresh

    def _join_pool(self, fresh: np.ndarray, referred: np.ndarray) -> None:
        """Newly aware prospects ``fresh`` join the pool with their columns."""
        new = {"referred": referred}
        for columns in self._pool_columns:
            new.update(columns(fresh))
        self.aware_pool = np.concatenate([self.aware_pool, fresh])
        for name, values in new.items():
            self.pool_data[name] = np.concatenate([self.pool_data[name], values])

    def expose_network(self, ad_hazard: float, word_of_mouth: float = 0.0, promoter_ids: np.ndarray | None = None,
                       promoter_weight: np.ndarray | None = None, streams: Streams | None = None,
                       week: int = 0) -> np.ndarray:
        """A week of awareness over the contact network; return the ids of prospects who became aware.

        Every unaware prospect gets ``ad_hazard``; prospect ``j`` also gets
        ``word_of_mouth * exposure_j`` from the promoters among its contacts
        (:func:`~sim.network.contact_exposure`). A prospect whose cumulative hazard passes its
        threshold becomes aware, and is marked as referred with probability equal to word of
        mouth's share of its own hazard this week (keyed ``referral`` stream).

        Parameters
        ----------
        ad_hazard : float
            Advertising hazard this week, the same for every prospect.
        word_of_mouth : float
            Hazard per week per unit exposure (``market.word_of_mouth``).
        promoter_ids, promoter_weight : ndarray, optional
            Market ids of this week's promoters (distinct) and their word-of-mouth weights.
        streams : Streams, optional
            The run's streams (needed to mark referrals).
        week : int
            The week (key of the referral stream).
        """
        self._wake(week)
        self.cumulative_hazard += ad_hazard
        ids = self._unaware_ids
        wom = None
        if word_of_mouth > 0 and self._mean_degree > 0 and promoter_ids is not None and promoter_ids.size and ids.size:
            wom = word_of_mouth * contact_exposure(self.network, promoter_ids, promoter_weight, self._mean_degree)[ids]
            self._wom += wom
        aware = self._thresholds <= self.cumulative_hazard + self._wom
        fresh = ids[aware]
        referred = np.zeros(fresh.size, dtype=np.bool_)
        if wom is not None and fresh.size and streams is not None:
            w = wom[aware]
            total = ad_hazard + w
            share = np.divide(w, total, out=np.zeros_like(w), where=total > 0)
            referred = streams.uniform("referral", week, fresh) < share
        if fresh.size:
            keep = ~aware
            self._unaware_ids, self._thresholds, self._wom = ids[keep], self._thresholds[keep], self._wom[keep]
            self.status[fresh] = AWARE
            self._join_pool(fresh, referred)
        return fresh

    def _rest(self, lost: np.ndarray, week: int) -> None:
        """The ``lost`` prospects reconsider after a geometric number of weeks (keyed ``reconsider`` stream)."""
        if self.reconsider <= 0 or lost.size == 0:
            return
        rate = -np.log1p(-min(self.reconsider, 1 - 1e-12))  # the geometric wait as a ceiled exponential
        wait = np.ceil(self._streams.exponential("reconsider", week, lost) / rate)
        self._resting.add(lost.astype(np.int32), (week + np.maximum(wait, 1)).astype(np.int32))

    def _wake(self, week: int) -> None:
        """Those lost whose week to reconsider has come are unaware again, each with a fresh
        exponential threshold above the hazard so far (keyed ``reconsider`` stream, draw 1)."""
        ids = self._resting.release(week)
        if ids.size == 0:
            return
        self.status[ids] = UNAWARE
        thresholds = self.cumulative_hazard + self._streams.exponential("reconsider", week, ids, draw=1)
        if self.network is None:
            self._back.add(ids, thresholds)
            return
        # Over a network a prospect's own word-of-mouth exposure starts again from nothing.
        self._unaware_ids = np.concatenate([self._unaware_ids, ids])
        self._thresholds = np.concatenate([self._thresholds, thresholds])
        self._wom = np.concatenate([self._wom, np.zeros(ids.size)])

    def convert(self, ids: np.ndarray, lost: np.ndarray | None = None, keep: np.ndarray | None = None,
                week: int = 0) -> None:
        """Mark aware prospects ``ids`` as customers and drop them from the pool.

        ``lost``, if given, are aware prospects who stop considering the firm in the same week
        (as :meth:`lose`): the pool is pruned once for both. ``keep``, if given, flags the pool's
        entries that stay (all but ``ids`` and ``lost``), which saves reading their status.
        """
        self.status[ids] = CUSTOMER
        if lost is not None:
            self.status[lost] = LOST
            self._rest(lost, week)
        self._prune(keep)

    def lose(self, ids: np.ndarray, keep: np.ndarray | None = None, week: int = 0) -> None:
        """Aware prospects ``ids`` stop considering the firm in ``week`` (``keep`` as in :meth:`convert`)."""
        self.status[ids] = LOST
        self._rest(ids, week)
        self._prune(keep)

    def _prune(self, keep: np.ndarray | None = None) -> None:
        if keep is None:
            keep = self.status[self.aware_pool] == AWARE
        self.aware_pool = self.aware_pool[keep]
        self.pool_data = {name: values[keep] for name, values in self.pool_data.items()}

    @property
    def lost(self) -> int:
        """Prospects who were aware but stopped considering the firm (and have not yet reconsidered)."""
        return int(np.count_nonzero(self.status == LOST))

    @property
    def unaware(self) -> int:
        """Prospects who have not heard of the firm."""
        if self.network is not None:
            return self._unaware_ids.size
        return self._order.size - self._cursor + self._back.size

    @property
    def aware(self) -> int:
        """Aware prospects who are not (yet) customers."""
        return self.aware_pool.size
