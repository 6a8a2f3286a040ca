"""Phase 1 of the week: media spend, and prospects hearing of the firm.

Promoters spread the word (attached ones more; ``attachment_advocacy_ratio``), detractors deter
(their share is used by conversion), advertising works through the firm's share of voice among
rivals, and news from outside the firm (``market.innovation``) reaches every unaware prospect
alike. Under full mixing the hazard of a week is the Bass ``p + q F`` with ``F`` the promoters'
weight at the start of the week over the market potential; over a contact network each prospect
hears its own contacts (:meth:`sim.market.Market.expose_network`).
"""

from __future__ import annotations

import numpy as np

from sim.behaviour import awareness as rule
from sim.kernels.census import advocates, attachment_weights
from sim.population import CHURNED

__all__ = ["Awareness", "RowBuffer"]


class RowBuffer:
    """One buffer of row indices, reused week after week for the list of the week's customers.

    Only the pages written are touched, so its size (every row) costs nothing until used.
    """

    def __init__(self):
        self._buf = np.empty(0, dtype=np.int64)

    def fresh(self, capacity: int) -> np.ndarray:
        """The buffer, grown to hold ``capacity`` rows and one more."""
        if self._buf.size <= capacity:
            self._buf = np.empty(capacity + 1, dtype=np.int64)
        return self._buf

    def extended(self, head: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """``head`` followed by ``rows``: in place when ``head`` is the head of the buffer and there
        is room after it (the list of every customer is then not copied), else a copy."""
        buf, n = self._buf, head.size + rows.size
        if n <= buf.size and (head.size == 0 or np.shares_memory(head[:1], buf[:1])):
            buf[head.size:n] = rows
            return buf[:n]
        return np.concatenate([head, rows])

    def free(self) -> None:
        self._buf = np.empty(0, dtype=np.int64)


class Awareness:
    """Media spend and awareness.

    Parameters
    ----------
    cfg : Config
        The scenario (market, acquisition and customers' advocacy).
    market : Market
        Prospects and their awareness.
    pop : Population
        The customers.
    competition : Competition
        Rivals, for the share of voice.
    streams : Streams
        The run's keyed streams (referrals).
    """

    def __init__(self, cfg, market, pop, competition, streams):
        self.m, self.a, self.ratio = cfg.market, cfg.acquisition, cfg.customers.attachment_advocacy_ratio
        self.market, self.pop, self.competition, self.streams = market, pop, competition, streams
        self.rows = RowBuffer()

    def run(self, week: int, media_budget: float, chunk: int) -> tuple[np.ndarray, float]:
        """Expose prospects to advertising and word of mouth this week.

        ``media_budget`` is the week's budget (currency units); ``chunk`` the block size of the
        customer kernels (promoters' weights are summed by block). Returns the rows of this
        week's customers before conversion (the head of the row buffer) and the share of
        detractors among them.
        """
        m, pop = self.m, self.pop
        buf = self.rows.fresh(pop._cap)
        alive, promoting, detractors = advocates(pop.state, CHURNED, pop.satisfaction,
                                                 (m.promoter_satisfaction, m.detractor_satisfaction), buf)
        promoters, promoting, weights = self._promoters(alive, promoting, chunk)
        ad = rule.advertising_hazard(media_budget, self.a.reach_max, self.a.reach_half_budget)
        ad *= self.competition.share_of_voice(week, media_budget)
        # News from outside the firm reaches prospects alongside its advertising (+ 0.0 leaves ``ad``'s bits).
        outside = ad + m.innovation
        if self.market.network is None:
            wom = rule.awareness_hazard(0.0, m.word_of_mouth, promoters, m.potential)
            total = outside + wom
            self.market.expose(total, wom / total if total > 0 else 0.0, self.streams, week)
        else:  # each prospect hears its own contacts
            self.market.expose_network(outside, m.word_of_mouth, pop.id[promoting], weights, self.streams, week)
        return alive, detractors / alive.size if alive.size else 0.0

    def _promoters(self, alive: np.ndarray, promoting: np.ndarray, chunk: int):
        """The promoters' number weighted by attachment, summed by block of ``chunk`` of ``alive``.

        ``promoting`` are the promoters' rows (ascending, among ``alive``). Returns the weighted
        number (0 under full mixing without word of mouth) and, on a contact network, the
        promoters' rows and weights (None under full mixing).
        """
        by_network = self.market.network is not None
        if not (by_network or self.m.word_of_mouth > 0):
            return 0.0, None, None  # without word of mouth, promoters reach nobody: their weight is never read
        # Each block's weights summed on their own, then added: the sums do not depend on how the
        # promoters were found.
        weights = attachment_weights(promoting, self.pop.attachment, self.ratio)
        promoters = 0.0
        for block in np.split(weights, np.searchsorted(promoting, alive[chunk::chunk])):
            promoters += float(block.sum())
        if not by_network:
            return promoters, None, None
        return promoters, promoting.copy(), weights
