"""Phase 2 of the week: aware prospects who buy for the first time become customers.

A prospect converts less when rivals offer more value or when many customers are detractors,
more when referred (:mod:`sim.behaviour.acquisition`); those who do not buy may stop considering
the firm. The first purchase is part of this week's purchases.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from sim.behaviour.satisfaction import expectation_base
from sim.engine.traits import draw_traits
from sim.kernels.acquisition import ConversionTerms, conversion_probabilities
from sim.kernels.choice import Offer, firm_shares

__all__ = ["Conversion", "ConversionWeek"]


class ConversionWeek(NamedTuple):
    """What conversion needs to know of the week."""

    price_ratio: float  # price paid over the reference price
    age: float  # the newest generation's ageing factor
    detractor_share: float  # share of detractors among customers
    media_budget: float  # this week's media budget (currency units), shared over the converts
    generation: int  # the newest product generation, which converts buy


class Conversion:
    """Conversion of aware prospects, and the new customers' acquisition costs.

    Parameters
    ----------
    cfg : Config
        The scenario.
    market : Market
        The aware pool.
    pop : Population
        The customers (new ones are appended).
    streams : Streams
        The run's keyed streams (``acquisition`` for conversion, ``traits`` for new customers).
    books : Books
        The books (acquisition offers, referral rewards).
    """

    def __init__(self, cfg, market, pop, streams, books):
        self.cfg, self.market, self.pop, self.streams, self.books = cfg, market, pop, streams, books
        self.review_value = cfg.customers.reference_value  # mean experienced value of last week's purchases

    def _terms(self, wk: ConversionWeek) -> ConversionTerms:
        cfg, c, a = self.cfg, self.cfg.customers, self.cfg.acquisition
        expect = cfg.market.review_weight > 0 or a.ad_expectation_lift != 0
        return ConversionTerms(
            rate=float(c.conversion_rate), neg_log_price_ratio=float(-np.log(wk.price_ratio)), age=float(wk.age),
            boost=float(a.referral_conversion_boost),
            deterrence=math.exp(-cfg.market.detractor_effect * wk.detractor_share), expect=bool(expect),
            base=float(expectation_base(c.reference_value, cfg.market.review_weight, self.review_value)),
            ad_lift=float(a.ad_expectation_lift), reference_value=float(c.reference_value),
            expectation_effect=float(c.expectation_conversion_effect))

    def run(self, week: int, wk: ConversionWeek, offer: Offer | None) -> tuple[np.ndarray, int]:
        """Convert this week's buyers among aware prospects; return their rows and how many were referred.

        ``offer`` is the firm's and rivals' offer for the choice (None without rivals).
        """
        cfg, c = self.cfg, self.cfg.customers
        pool = self.market.aware_pool
        none = np.empty(0, dtype=np.int64)
        if pool.size == 0:
            return none, 0
        ps = self.market.pool_data["price_sensitivity"]
        share = None
        if offer is not None:
            share, _ = firm_shares(self.market.pool_data["quality_sensitivity"], ps, offer)
        referred = self.market.pool_referred
        terms = self._terms(wk)
        p_conv, expectation = conversion_probabilities(ps, referred, share, terms)
        u = self.streams.uniform("acquisition", week, pool)
        won = u < p_conv
        # Same uniform, upper tail: a prospect cannot both buy and leave in one week.
        gone = u > 1.0 - cfg.market.consideration_exit * (1.0 - p_conv)
        lost = pool[gone] if gone.any() else None  # leave the pool with the converts, below
        if not won.any():
            if lost is not None:
                self.market.lose(lost, keep=~gone, week=week)
            return none, 0
        return self._acquire(week, wk, (pool[won], referred[won], c.reference_value if expectation is None
                                         else expectation[won]), (lost, ~(won | gone)))

    def _acquire(self, week: int, wk: ConversionWeek, converts: tuple, leaving: tuple):
        """Add the ``converts`` (ids, whether referred, expectations) as customers; book offers and
        referral rewards. ``leaving`` are the prospects lost this week and the pool's flags of who stays."""
        ids, referred, expectation = converts
        cfg, a = self.cfg, self.cfg.acquisition
        rows = self.pop.add(
            ids,
            acquired_week=week,
            satisfaction=cfg.customers.satisfaction_neutral,
            expectation=expectation,
            last_purchase_week=week,
            seen_week=week,  # she signed up: the firm knows her from her first purchase
            acquisition_cost=a.offer_cost + wk.media_budget / ids.size,
            generation=wk.generation,
            **draw_traits(self.streams, ids, cfg.customers),
        )
        lost, keep = leaving
        self.market.convert(ids, lost, keep=keep, week=week)  # the pool is all aware: those who stay
        self.books.ensure_capacity()
        self.books.post("acquisition_offers", a.offer_cost * ids.size)
        new_rows = np.arange(rows.start, rows.stop)
        by_referral = new_rows[referred]
        if by_referral.size and a.referral_reward > 0:
            self.books.post("referral_rewards", a.referral_reward * by_referral.size)
            self.pop.acquisition_cost[by_referral] += a.referral_reward
        return new_rows, int(by_referral.size)
