"""The engine: a SimPy clock that ticks every week and applies the behaviour kernels to everyone.

One process is the weekly tick; other processes are the scheduled interventions (price changes,
campaign bursts, service outages), which fire before the tick of their week. Each tick runs the
lifecycle in a fixed order:

1. media spend and awareness (advertising + word of mouth), 2. conversion of aware prospects,
3. purchases, baskets and service encounters, 4. satisfaction and expectations (after purchases
and after support contacts without a sale), 5. lapsing,
6. churn, 7. win-back offers, 8. cost to serve, loyalty bookkeeping, fixed costs, 9. records.

All state lives in :class:`~sim.population.Population` and :class:`~sim.market.Market` arrays;
every step is a vectorized kernel; every random number comes from the run's keyed streams; every
currency unit and point goes through the :class:`~sim.ledger.Ledger`.
"""

from __future__ import annotations

import dataclasses
import math
import time
from typing import Callable

import numpy as np
import simpy

from sim import behaviour as bh
from sim import allocator, compiled, mathfn
from sim.behaviour.risk import churn_risk
from sim.config import Config, validate
from sim.analysis.segments import SEGMENTS, value_segment_codes
from sim.competition import Competition
from sim.ledger import Ledger
from sim.market import Market
from sim.network import contact_network
from sim.population import ACTIVE, CHURNED, LAPSING, Population, saturating_increment
from sim.product import DECLINE, DEVELOPMENT, INTRODUCTION, MATURITY, StageTracker
from sim.record import Recorder, RunResult
from sim.rng import Streams
from sim.strategy import Levers, build_programme, schedule_interventions
from sim.strategy.levers import _at
from sim.strategy.pricing import PricingPolicy
from sim.strategy.support import SupportDesk

__all__ = ["Simulation", "CHUNK_ROWS"]

#: Customers processed at once where work is done in blocks (drawing the initial base, the
#: weekly customer kernels): bounds temporary memory at about 150 bytes per row of a block,
#: well inside the freed memory :mod:`sim.allocator` keeps for reuse.
CHUNK_ROWS = 1 << 19


@dataclasses.dataclass
class _Part:
    """What one block of customers did this week (rows, and positions of buyers in them)."""

    rows: np.ndarray
    bought: np.ndarray
    buyers: np.ndarray  # rows[bought]
    margin: np.ndarray  # per buyer: paid less cost of goods (currency units)
    paid: np.ndarray
    occasions: np.ndarray
    churned: np.ndarray


@dataclasses.dataclass
class _Week:
    """Figures of the week summed over its blocks of customers."""

    parts: list = dataclasses.field(default_factory=list)
    category_rate: float = 0.0  # purchase occasions per week in the category, before the choice among firms
    firm_rate: float = 0.0
    units: float = 0.0
    value_sum: float = 0.0
    value_n: int = 0
    complaints: int = 0
    recovered: int = 0


def _concat(arrays: list[np.ndarray], dtype=np.float64) -> np.ndarray:
    """One array from the blocks' arrays (no copy for a single block)."""
    if len(arrays) == 1:
        return arrays[0]
    return np.concatenate(arrays) if arrays else np.empty(0, dtype=dtype)


def _needs_and_sensitivities(streams: Streams, ids: np.ndarray, c) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Segment of need, price sensitivity and quality sensitivity of people ``ids``."""
    price = np.maximum(c.price_sensitivity_mean + c.price_sensitivity_sd * streams.normal("traits", -1, ids, draw=2), 0.0)
    quality = np.maximum(
        c.quality_sensitivity_mean + c.quality_sensitivity_sd * streams.normal("traits", -1, ids, draw=3), 0.0
    )
    needs = np.searchsorted(np.cumsum(c.needs_shares)[:-1], streams.uniform("traits", -1, ids, draw=5), side="right")
    price_seeker, quality_seeker = needs == 0, needs == 1
    price = np.where(price_seeker, price * c.price_seeker_price_factor,
                     np.where(quality_seeker, price / c.quality_seeker_quality_factor, price))
    quality = np.where(quality_seeker, quality * c.quality_seeker_quality_factor,
                       np.where(price_seeker, quality / c.price_seeker_price_factor, quality))
    return needs.astype(np.int8), price, quality


def draw_traits(streams: Streams, ids: np.ndarray, c) -> dict[str, np.ndarray]:
    """Traits of people ``ids`` from the keyed ``traits`` stream (the same in every scenario).

    Parameters
    ----------
    streams : Streams
        The run's streams.
    ids : ndarray
        Market ids.
    c : CustomersConfig
        Trait distributions.
    """
    shape = c.purchase_rate_shape
    rate = streams.gamma("traits", -1, ids, shape, c.purchase_rate_mean / shape, draw=0)
    sigma = c.basket_sigma
    basket = c.basket_units_mean * np.exp(sigma * streams.normal("traits", -1, ids, draw=1) - 0.5 * sigma * sigma)
    needs, price, quality = _needs_and_sensitivities(streams, ids, c)
    ds = c.service_demand_sigma
    demand = np.exp(ds * streams.normal("traits", -1, ids, draw=6) - 0.5 * ds * ds)
    return {
        "service_demand": demand,
        "purchase_rate": rate,
        "basket_mean": basket,
        "price_sensitivity": price,
        "quality_sensitivity": quality,
        "needs": needs,
    }


class Simulation:
    """One run of one scenario.

    Parameters
    ----------
    cfg : Config
        A validated scenario config.
    """

    def __init__(self, cfg: Config):
        self.cfg = validate(cfg)
        self.weeks = cfg.horizon.weeks
        self.streams = Streams(cfg.seed)
        self.ledger = Ledger(self.weeks)
        self.levers = Levers.from_config(cfg)
        self.competition = Competition(cfg.market.competitors, self.weeks)
        self.pricing = PricingPolicy(cfg.pricing, self.competition)
        self.list_price, self.discount = cfg.pricing.list_price, cfg.pricing.discount
        pr = cfg.product
        self.stages = StageTracker(pr.launch_week, pr.initial_stage, pr.stage_window, pr.takeoff_share,
                                   pr.plateau_growth, pr.decline_share)
        self.share_of_wallet = 1.0
        self._detractor_share = 0.0
        self._age_factor = 1.0
        # Product generations: quality, unit cost and launch week by generation index.
        gens = pr.generations
        self._gen_quality = np.array([pr.quality, *[g.quality for g in gens]])
        self._gen_cost = np.array([pr.unit_cost, *[g.unit_cost for g in gens]])
        self._gen_launch = np.array([pr.launch_week, *[g.launch_week for g in gens]])
        self._gen_substitution = np.array([0.0, *[g.substitution_rate for g in gens]])
        self.launched = pr.launch_week == 0
        self.generation_now = 0
        # Segment treatments as lookup tables indexed by segment (platinum .. lead).
        self._seg_price = np.ones(len(SEGMENTS))
        self._seg_service = np.zeros(len(SEGMENTS))
        self._seg_cost = np.zeros(len(SEGMENTS))
        for t in cfg.segments.treatments:
            k = SEGMENTS.index(t.segment)
            self._seg_price[k], self._seg_service[k], self._seg_cost[k] = t.price_factor, t.service_bonus, t.service_cost_per_week
        self._treated = bool(cfg.segments.treatments)
        self.programme = build_programme(cfg.loyalty)
        m = cfg.market
        network = contact_network(m.network, m.potential, m.network_degree, self.streams.generator("network", -1, m.network_draw),
                                  rewire=m.network_rewire, exponent=m.network_exponent, seeding=m.network_seeding)
        self.market = Market(m.potential, cfg.customers.initial, m.initially_aware, self.streams, network=network)
        self.support = SupportDesk(cfg.service, cfg.customers)
        self._review_value = cfg.customers.reference_value  # mean experienced value of last week's purchases
        c = cfg.customers
        # Prospects' sensitivities (pure functions of their ids) are drawn once, when they hear of the firm.
        self.market.keep_for_pool(lambda ids: dict(zip(("price_sensitivity", "quality_sensitivity"),
                                                       _needs_and_sensitivities(self.streams, ids, c)[1:])))
        # Room for the base and a quarter more; the arrays grow by half when acquisitions pass it.
        self.pop = Population(capacity=min(cfg.market.potential, max(1024, c.initial + c.initial // 4)))
        self.recorder = Recorder(cfg, self.weeks)
        self.week = 0
        # Discount factor by weeks since acquisition (continuous compounding of the annual rate).
        self._discount_by_age = np.exp(-math.log1p(cfg.market.discount_rate_annual) / 52.0 * np.arange(self.weeks + 1))
        # Per-row cost of the current week; rows are zeroed once the week is booked.
        self._cost_buf = np.zeros(self.pop._cap)
        self._rows_buf = np.empty(0, dtype=np.int64)  # each week's list of customers (see _extended)
        # The initial base, drawn in blocks so that a base of millions needs no full-size temporaries.
        for start in range(0, c.initial, CHUNK_ROWS):
            ids = np.arange(start, min(start + CHUNK_ROWS, c.initial), dtype=np.int64)
            traits = draw_traits(self.streams, ids, c)
            # The base has been buying before week 0: weeks since the last purchase are the
            # (floored) waiting time of each customer's own purchase process, so lapsing starts
            # spread out rather than all at once.
            since = np.floor(self.streams.exponential("traits", -1, ids, draw=4) / traits["purchase_rate"])
            last = -np.minimum(since, 10 * c.lapse_weeks).astype(np.int64)
            self.pop.add(ids, acquired_week=-1, satisfaction=c.satisfaction_neutral, expectation=c.reference_value,
                         last_purchase_week=last, seen_week=last, **traits)
            del traits, since, last
        if c.initial:
            rows = slice(0, c.initial)
            self.programme.enrol(self, rows)

    # -- money -------------------------------------------------------------------------------
    def charge(self, rows: np.ndarray | None, amounts: np.ndarray | float, category: str) -> None:
        """Post a cost to the ledger and, when ``rows`` is given, to those customers' cost to serve.

        Parameters
        ----------
        rows : ndarray of int or None
            Population rows bearing the cost (each at most once), or None for a cost of the
            firm as a whole. Only this week's customers and win-back targets may bear costs.
        amounts : ndarray or float
            Cost per row, or the total when ``rows`` is None (currency units).
        category : str
            Ledger category.
        """
        if rows is None:
            self.ledger.post(self.week, category, float(amounts))
            return
        amounts = np.broadcast_to(np.asarray(amounts, dtype=np.float64), rows.shape)
        self.ledger.post(self.week, category, float(amounts.sum()))
        self._ensure_buffers()
        compiled.scatter_add(self._cost_buf, rows, amounts)

    def charge_per_row(self, rows: np.ndarray, unit_cost: float, weights: np.ndarray, category: str,
                       counts: np.ndarray | None = None) -> None:
        """:meth:`charge` of ``unit_cost * weights[rows]`` (times ``counts`` if given) in one pass.

        Parameters
        ----------
        rows : ndarray of int
            Distinct population rows bearing the cost.
        unit_cost : float
            Cost per unit of weight (currency units).
        weights : ndarray of float32
            A per-row field of the population (e.g. ``service_demand``), all rows.
        category : str
            Ledger category.
        counts : ndarray, optional
            Units per row (e.g. purchase occasions).
        """
        self._ensure_buffers()
        amounts = compiled.per_row_charge(self._cost_buf, rows, weights, unit_cost, counts)
        self.ledger.post(self.week, category, float(amounts.sum()))

    def _extended(self, head: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """``head`` followed by ``rows``: in place when ``head`` is the head of the week's row buffer
        and there is room after it (the list of every customer is then not copied), else a copy."""
        buf, n = self._rows_buf, head.size + rows.size
        if n <= buf.size and (head.size == 0 or np.shares_memory(head[:1], buf[:1])):
            buf[head.size:n] = rows
            return buf[:n]
        return np.concatenate([head, rows])

    def _ensure_buffers(self) -> None:
        if self._cost_buf.size < self.pop.n:
            size = self.pop._cap
            self._cost_buf = np.concatenate([self._cost_buf, np.zeros(size - self._cost_buf.size)])

    # -- the clock ---------------------------------------------------------------------------
    def run(self, on_week: Callable[[int], None] | None = None) -> RunResult:
        """Run the scenario to the horizon and return its results.

        Parameters
        ----------
        on_week : callable, optional
            Called with the week number after each weekly tick (e.g. to drive a progress bar).
        """
        allocator.tune()  # weekly temporaries reuse freed memory instead of fresh pages
        start = time.perf_counter()
        env = simpy.Environment()
        schedule_interventions(env, self.levers, self.cfg)
        # The product's launch and each later generation are scheduled events of the clock.
        env.process(_at(env, self.cfg.product.launch_week, lambda: setattr(self, "launched", True)))
        for k, week in enumerate(self._gen_launch[1:], start=1):
            env.process(_at(env, int(week), lambda k=k: setattr(self, "generation_now", k)))
        env.process(self._clock(env, on_week))
        env.run(until=self.weeks)
        self._cost_buf = np.zeros(0)  # the books are closed: free the weekly buffers before the tables
        self._rows_buf = np.empty(0, dtype=np.int64)
        return self.recorder.result(self, wall_seconds=time.perf_counter() - start)

    def _clock(self, env: simpy.Environment, on_week: Callable[[int], None] | None):
        # Yield once first so that interventions of week 0 (URGENT) are in force for its tick.
        yield env.timeout(0)
        while True:
            self.week = int(env.now)
            self.step()
            if on_week is not None:
                on_week(self.week)
            yield env.timeout(1)

    # -- one week ----------------------------------------------------------------------------
    def step(self) -> None:
        """Advance every customer and prospect by one week."""
        cfg, week, lev, streams, prog = self.cfg, self.week, self.levers, self.streams, self.programme
        c, rec = cfg.customers, self.recorder
        ref_price = cfg.pricing.reference_price

        if not self.launched:
            self._develop()
            return

        # 0. Customers on an older generation of the product may upgrade to the newest.
        self._substitute()

        # Segment review (the firm's CRM re-ranks customers by lifetime contribution).
        if self._treated and week > 0 and week % cfg.segments.review_weeks == 0:
            self._review_segments()

        # Prices in force: scheduled list price, promotions, matching a rival with a lag.
        self.list_price = self.pricing.list_price(week, lev.list_price)
        self.discount = self.pricing.discount(week, lev.discount)
        price_paid = self.list_price * (1.0 - self.discount)

        # 1. Media and awareness. Promoters spread the word (attached ones more); advertising
        #    works through the firm's share of voice among rivals. The lifecycle stage sets how
        #    much media the budget needs: heavy at launch, rising with rivals in maturity.
        media = lev.media_budget * self._stage_media_factor()
        self.charge(None, media, "acquisition_media")
        pop = self.pop
        if self._rows_buf.size <= pop._cap:
            self._rows_buf = np.empty(pop._cap + 1, dtype=np.int64)  # only the pages written are touched
        alive_before, promoting, detractors = compiled.advocates(pop.state, CHURNED, pop.satisfaction,
                                                                 cfg.market.promoter_satisfaction,
                                                                 cfg.market.detractor_satisfaction, self._rows_buf)
        promoters, promoting, weights = self._promoters(alive_before, promoting)
        self._detractor_share = detractors / alive_before.size if alive_before.size else 0.0
        ad = bh.advertising_hazard(lev.media_budget, cfg.acquisition.reach_max, cfg.acquisition.reach_half_budget)
        ad *= self.competition.share_of_voice(week, lev.media_budget)
        # An ageing product sells less (obsolescence): by the age of each customer's generation,
        # and of the newest generation for prospects.
        obsolescence = cfg.product.obsolescence_rate / 52.0
        self._age_factor = math.exp(-obsolescence * (week - self._gen_launch[self.generation_now]))
        if self.market.network is None:
            wom = bh.awareness_hazard(0.0, cfg.market.word_of_mouth, promoters, cfg.market.potential)
            self.market.expose(ad + wom, wom / (ad + wom) if ad + wom > 0 else 0.0, streams, week)
        else:  # each prospect hears its own contacts
            self.market.expose_network(ad, cfg.market.word_of_mouth, pop.id[promoting], weights, streams, week)
        del promoting, weights

        # 2. Conversion of aware prospects (the first purchase is part of this week's purchases);
        #    those who do not buy may stop considering the firm.
        new_rows, referred_new = self._convert(price_paid / ref_price)
        pop = self.pop
        self._ensure_buffers()
        alive = self._extended(alive_before, new_rows)
        del alive_before  # ``alive[:first]``; row lists stay int64: numpy gathers fastest with intp
        first = alive.size - new_rows.size

        # Win-back targets among customers lost before this week, drawn before this week's churners join them.
        targets = self._winback_targets()

        # 3.-6. Purchases, service encounters, satisfaction, lapsing and churn: per customer, so
        #       done in blocks of CHUNK_ROWS to bound temporary memory.
        wk = _Week()
        for start in range(0, max(alive.size, 1), CHUNK_ROWS):
            stop = min(start + CHUNK_ROWS, alive.size)
            self._customer_week(alive[start:stop], max(0, min(stop, first) - start), price_paid, obsolescence, wk)
        self.share_of_wallet = wk.firm_rate / wk.category_rate if wk.category_rate > 0 else 1.0
        if wk.value_n and cfg.market.review_weight > 0:  # what this week's buyers publish in reviews
            self._review_value = wk.value_sum / wk.value_n
        churned = _concat([p.churned for p in wk.parts], np.int64)

        # 7. Win-back offers to customers who churned before this week.
        won_back, targeted = self._win_back(targets)

        # 8. Retention offers, loyalty, fixed costs (allocated over this week's customers); the
        #    cost to serve of each customer was charged with its block.
        offers, offers_hit = self._retention_offers(alive)
        if prog.active:
            prog.end_of_week(self, alive)
        # Fixed costs, allocated over this week's customers as the last charge of the week (added
        # to their costs as they are booked, below).
        fixed_share = 0.0
        if alive.size:
            fixed_share = cfg.product.fixed_cost_per_week / alive.size
            self.ledger.post(week, "fixed_costs", float(np.broadcast_to(np.float64(fixed_share), alive.shape).sum()))
        else:
            self.charge(None, cfg.product.fixed_cost_per_week, "fixed_costs")
        # Book everyone who bought or bore a cost this week: this week's customers, block by
        # block, then win-back targets.
        self._ensure_buffers()
        contribution_by_week = np.zeros(self.weeks + 1)
        for p in wk.parts:
            margin = compiled.spread_into(p.rows.size, p.bought, p.margin)
            compiled.book_week(p.rows, margin, self._cost_buf, pop, self._discount_by_age, week, contribution_by_week,
                               fixed_share)
        if targeted.size:
            compiled.book_week(targeted, np.zeros(targeted.size), self._cost_buf, pop, self._discount_by_age, week,
                               contribution_by_week)

        # 9. The lifecycle stage read from this week's sales, then records.
        self.stages.update(week, wk.units, pop.n / cfg.market.potential)
        buyers = _concat([p.buyers for p in wk.parts], np.int64)
        rec.record_week(self, alive=alive, new_rows=new_rows, churned=churned, won_back=won_back, buyers=buyers,
                        paid=_concat([p.paid for p in wk.parts]), margin=_concat([p.margin for p in wk.parts]),
                        occasions=_concat([p.occasions for p in wk.parts], np.int32),
                        complaints=wk.complaints, recovered=wk.recovered, referred_new=referred_new,
                        offers=offers, offers_hit=offers_hit, contribution_by_week=contribution_by_week)

    def _customer_week(self, rows: np.ndarray, n_risk: int, price_paid: float, obsolescence: float, wk: "_Week") -> None:
        """Steps 3-6 of the week for the block of this week's customers ``rows``.

        The first ``n_risk`` rows were customers before this week; the rest were acquired this
        week (they all buy, and cannot churn yet). Adds the block's figures to ``wk``.
        """
        cfg, week, lev, streams, prog, pop = self.cfg, self.week, self.levers, self.streams, self.programme, self.pop
        c, s = cfg.customers, cfg.service
        ref_price = cfg.pricing.reference_price
        # 3. Purchases and baskets: each occasion is a choice between the firm and its rivals;
        #    loyalty schemes may lower a member's price. Every failure met erodes trust.
        price_factor = prog.price_factor(self, rows) if prog.active else 1.0
        seg_factor = self._seg_price[pop.segment[rows]] if self._treated else 1.0
        price_ratio = price_paid * np.asarray(price_factor, dtype=np.float64) * seg_factor / ref_price
        sat_eff, ids, bought, buyers, n_occ, bid, share, rival_share, leaving = self._draw_purchases(
            rows, n_risk, price_ratio, obsolescence, wk)
        drawn = compiled.basket_units(pop, buyers, n_occ, bid, streams.key("basket", week), c.basket_sigma,
                                      self._gen_cost)
        if drawn is None:  # the numpy reference
            units = bh.basket_units(n_occ, pop.basket_mean[buyers], c.basket_sigma, streams.normal("basket", week, bid))
            cogs = units * self._gen_cost[pop.generation[buyers]]
        else:
            units, cogs = drawn
        sales = units * self.list_price
        if self._treated:
            sales = sales * seg_factor[bought]
        # After the pricing policy's discount (without one, the product by 1 and the zero differences
        # would change nothing).
        paid = sales * (1.0 - self.discount) if self.discount else sales
        self.ledger.post(week, "sales", float(sales.sum()))
        self.ledger.post(week, "discounts", float((sales - paid).sum()) if self.discount else 0.0)
        self.ledger.post(week, "cogs", float(cogs.sum()))
        buyer_price_ratio = price_ratio if price_ratio.ndim == 0 else price_ratio[bought]
        if prog.active:
            loyalty_discount = paid * (1.0 - np.broadcast_to(np.asarray(price_factor, dtype=np.float64), rows.shape)[bought])
            if loyalty_discount.any():
                self.charge(buyers, loyalty_discount, "loyalty_discounts")
        n_new = rows.size - n_risk
        if cfg.pricing.new_customer_discount > 0 and n_new:
            # The first purchase of a new customer is all occasions of the newest rows (they all buy).
            welcome = paid[-n_new:] * cfg.pricing.new_customer_discount
            self.ledger.post(week, "acquisition_offers", float(welcome.sum()))
            pop.acquisition_cost[rows[n_risk:]] += welcome
        compiled.book_purchases(pop, buyers, paid, n_occ, week)
        self.charge_per_row(buyers, s.cost_per_transaction, pop.service_demand, "service_cost", counts=n_occ)
        if prog.active:
            prog.on_purchases(self, buyers, paid)
        # What the firm sees: every visit of a member, some of an anonymous customer's.
        compiled.book_seen(pop, buyers, n_occ, bid, streams.key("observe", week), cfg.retention.anonymous_visibility, week,
                           lambda: streams.uniform("observe", week, bid))

        # 4. Service encounters, satisfaction, expectations and attachment of buyers.
        drawn = compiled.service_draws(bid, streams.key("service", week, 0), streams.key("service", week, 1),
                                       s.quality, s.quality_sd, lev.failure_prob)
        if drawn is None:  # the numpy reference
            quality = s.quality + s.quality_sd * streams.normal("service", week, bid, draw=0)
            failed = streams.uniform("service", week, bid, draw=1) < lev.failure_prob
        else:
            quality, failed = drawn
        if prog.active:
            quality = quality + prog.service_bonus(self, buyers)
        if self._treated:
            quality = quality + self._seg_service[pop.segment[buyers]]
        # Keyed draws depend on the id alone: drawn for those they decide (the failed, then the
        # complainants), they are the numbers every buyer would have had.
        at = np.flatnonzero(failed)
        complained = np.zeros(bid.size, dtype=bool)
        complained[at] = streams.uniform("complaint", week, bid[at], draw=0) < c.complaint_propensity
        at = at[complained[at]]
        recovered = np.zeros(bid.size, dtype=bool)
        recovered[at] = streams.uniform("complaint", week, bid[at], draw=1) < s.complaint_handling_quality
        del at
        if complained.any():
            self.charge(buyers[complained], s.cost_per_complaint, "complaint_handling")
            pop.complaints[buyers[complained]] = np.minimum(pop.complaints[buyers[complained]].astype(np.int16) + 1, 127)
        # Attachment fades for everyone; lapsing (step 5) only needs this week's purchases, booked above.
        if leaving is None:  # else done with the purchases
            compiled.decay_and_lapse(pop, rows, np.float32(1.0 - c.attachment_decay), week - c.lapse_weeks, LAPSING,
                                     ACTIVE)
        recovery_t = min(1.0, c.satisfaction_neutral + c.recovery_gain)
        value = compiled.encounter(
            pop, buyers, quality, failed, recovered, buyer_price_ratio, s.failure_severity, self._gen_quality,
            (c.satisfaction_neutral, c.reference_value, c.value_weight, c.disconfirmation_weight, c.loss_aversion,
             c.satisfaction_memory, c.expectation_adaptation, recovery_t, c.attachment_growth, c.attachment_threshold),
        )
        if value is None:  # the numpy reference
            value = self._encounter_numpy(buyers, quality, failed, recovered, buyer_price_ratio, recovery_t)
        wk.value_sum += float(value.sum())
        wk.value_n += value.size

        # Support and information contacts without a sale: more service encounters.
        if self.support.active:
            self.support.contact(self, rows, price_ratio)

        # 5. Lapsing (set above): no purchase for lapse_weeks; a purchase makes a customer active again.
        st = pop.state

        # 6. Churn (not in the week of acquisition).
        at_risk = rows[:n_risk]
        if leaving is None:  # else drawn with the purchases
            m1 = prog.churn_multiplier(self, at_risk) if prog.active else None
            m2 = None if rival_share is None else 1.0 + c.competitor_churn_effect * (1.0 - share[:n_risk])
            leaving = compiled.churn_draw(
                pop, at_risk, sat_eff, streams.key("churn", week), c.satisfaction_neutral, c.churn_satisfaction_effect,
                c.churn_rate, LAPSING, c.lapsing_churn_multiplier, m1, m2, ids,
            ) if compiled.AVAILABLE else None
        if leaving is None:  # the numpy reference
            p_churn = bh.churn_probability(
                sat_eff[:n_risk],
                st[at_risk] == LAPSING,
                c.churn_rate,
                c.satisfaction_neutral,
                c.churn_satisfaction_effect,
                c.lapsing_churn_multiplier,
            )
            if m1 is not None:
                p_churn = np.minimum(p_churn * m1, 1.0)
            if m2 is not None:
                p_churn = np.minimum(p_churn * m2, 1.0)
            leaving = streams.uniform("churn", week, ids[:n_risk]) < p_churn
        churned = at_risk[leaving]
        st[churned] = CHURNED
        saturating_increment(pop.churn_count, churned)
        pop.churn_to[churned] = self._churn_destination(churned, None if share is None else share[:n_risk][leaving],
                                                        None if rival_share is None else rival_share[:, :n_risk][:, leaving])

        # The cost to serve each customer this week (after the encounters, as the books read).
        self.charge_per_row(rows, s.cost_per_customer_week, pop.service_demand, "service_cost")
        if self._treated:
            self.charge(rows, self._seg_cost[pop.segment[rows]], "service_cost")
        wk.units += float(units.sum())
        wk.complaints += int(complained.sum())
        wk.recovered += int(recovered.sum())
        wk.parts.append(_Part(rows, bought, buyers, paid - cogs, paid, n_occ, churned))


    def _draw_purchases(self, rows: np.ndarray, n_risk: int, price_ratio, obsolescence: float, wk: "_Week"):
        """This week's purchase occasions of the block ``rows`` (step 3 of :meth:`_customer_week`).

        Returns each row's effective satisfaction and id; the positions in ``rows`` of those who
        buy and their rows, occasions and ids; the firm's choice share and the rivals' (None
        without rivals); and None. When attachment alone multiplies the rate and no rival
        competes, one compiled pass also lets attachment fade, marks the lapsing and draws the
        churners (steps 5 and 6, which nothing in between changes): the satisfaction and ids are
        then None and the last item is the positions in ``rows`` of those who churn.
        """
        cfg, week, prog, pop, streams = self.cfg, self.week, self.programme, self.pop, self.streams
        c = cfg.customers
        key = streams.key("purchase", week)
        alone = not (prog.active or obsolescence) and price_ratio.ndim == 0  # attachment's multiplier alone
        if alone and self.competition.active(week).size == 0:
            drawn = compiled.purchase_week(pop, rows, n_risk, key, c.attachment_price_relief, c.failure_trust_penalty,
                                           price_ratio, c.satisfaction_neutral, c.satisfaction_purchase_effect,
                                           c.attachment_purchase_ratio, np.float32(1.0 - c.attachment_decay),
                                           week - c.lapse_weeks, LAPSING, ACTIVE, streams.key("churn", week),
                                           c.churn_satisfaction_effect, c.churn_rate, c.lapsing_churn_multiplier)
            if drawn is not None:
                return (None, None, *drawn[:4], None, None, drawn[4])
        fused = compiled.state_and_rate(pop, rows, c.attachment_price_relief, c.failure_trust_penalty, price_ratio,
                                        c.satisfaction_neutral, c.satisfaction_purchase_effect,
                                        c.attachment_purchase_ratio) if alone else None
        if fused is not None:
            attach, ps, sat_eff, ids, rate = fused
        else:
            attach, ps, sat_eff, ids = compiled.customer_state(pop, rows, c.attachment_price_relief,
                                                               c.failure_trust_penalty)
            extra = None  # the rate's multipliers when strategies add to attachment's (None: attachment's alone)
            if prog.active or obsolescence:
                extra = bh.attachment_multiplier(attach, c.attachment_purchase_ratio)
                if prog.active:
                    extra = extra * prog.purchase_multiplier(self, rows)
                if obsolescence:
                    extra = extra * mathfn.exp(-obsolescence * (week - self._gen_launch[pop.generation[rows]]))
            rate = compiled.purchase_rate(pop, rows, sat_eff, ps, attach, price_ratio, c.satisfaction_neutral,
                                          c.satisfaction_purchase_effect, c.attachment_purchase_ratio, extra)
        share, rival_share = self._firm_share(rows, price_ratio, ps, c.switching_inertia)
        if rival_share is not None:
            wk.category_rate += float(rate.sum())
            rate *= share
            wk.firm_rate += float(rate.sum())
        counted = compiled.poisson_bought(ids, key, rate, n_risk)
        if counted is None:  # the numpy reference
            count = streams.poisson("purchase", week, ids, rate)
            count[n_risk:] = np.maximum(count[n_risk:], 1)
            bought = np.flatnonzero(count > 0)  # positions in ``rows``: one index array for every gather
        else:
            count, bought = counted
        return sat_eff, ids, bought, rows[bought], count[bought], ids[bought], share, rival_share, None

    def _promoters(self, alive: np.ndarray, promoting: np.ndarray) -> tuple[float, np.ndarray | None, np.ndarray | None]:
        """The promoters' number weighted by attachment, summed by block of CHUNK_ROWS of ``alive``.

        ``promoting`` are the promoters' rows (ascending, among ``alive``). Returns the weighted
        number (0 under full mixing without word of mouth) and, on a contact network, the
        promoters' rows and weights (None under full mixing).
        """
        cfg, pop = self.cfg, self.pop
        by_network = self.market.network is not None
        if not (by_network or cfg.market.word_of_mouth > 0):
            return 0.0, None, None  # without word of mouth, promoters reach nobody: their weight is never read
        # Each block's weights summed on their own, then added: the sums do not depend on how the
        # promoters were found.
        weights = compiled.attachment_weights(promoting, pop.attachment, cfg.customers.attachment_advocacy_ratio)
        promoters = 0.0
        for block in np.split(weights, np.searchsorted(promoting, alive[CHUNK_ROWS::CHUNK_ROWS])):
            promoters += float(block.sum())
        if not by_network:
            return promoters, None, None
        return promoters, promoting.copy(), weights

    def _encounter_numpy(self, buyers, quality, failed, recovered, price_ratio, recovery_t) -> np.ndarray:
        """Buyers' service encounters in numpy (the reference :func:`sim.compiled.encounter` matches).

        Updates satisfaction, expectation, failures and (already decayed) attachment of
        ``buyers`` in place and returns their experienced values.
        """
        c, pop = self.cfg.customers, self.pop
        quality = np.where(failed, quality - self.cfg.service.failure_severity, quality)
        # Only a customer's first failure, handled well, can leave them more satisfied than before.
        paradox = recovered & (pop.failures[buyers] == 0)
        value = bh.experienced_value(
            pop.quality_sensitivity[buyers], self._gen_quality[pop.generation[buyers]], quality,
            pop.price_sensitivity[buyers], price_ratio
        )
        new_sat, new_exp, transaction = bh.update_satisfaction(
            pop.satisfaction[buyers].astype(np.float64),
            pop.expectation[buyers].astype(np.float64),
            value,
            neutral=c.satisfaction_neutral,
            reference_value=c.reference_value,
            value_weight=c.value_weight,
            disconfirmation_weight=c.disconfirmation_weight,
            loss_aversion=c.loss_aversion,
            memory=c.satisfaction_memory,
            adaptation=c.expectation_adaptation,
        )
        if paradox.any():
            transaction[paradox] = recovery_t
            old = pop.satisfaction[buyers[paradox]].astype(np.float64)
            new_sat[paradox] = (1.0 - c.satisfaction_memory) * old + c.satisfaction_memory * transaction[paradox]
        pop.satisfaction[buyers] = new_sat
        pop.expectation[buyers] = new_exp
        hit = buyers[failed]
        pop.failures[hit] = np.minimum(pop.failures[hit].astype(np.int16) + 1, 127)
        pop.attachment[buyers] = bh.update_attachment(
            pop.attachment[buyers].astype(np.float64), transaction,
            growth=c.attachment_growth, threshold=c.attachment_threshold, neutral=c.satisfaction_neutral,
        )
        return value

    def _review_segments(self) -> None:
        """Re-rank every customer into value segments by contribution so far."""
        seg = self.cfg.segments
        pop = self.pop
        pop.segment[:] = value_segment_codes(pop.gross_margin - pop.cost_to_serve, seg.platinum_share,
                                             seg.gold_share, seg.silver_share)

    def _retention_offers(self, alive: np.ndarray) -> tuple[int, int]:
        """Send this week's retention offers; return (offers sent, offers to customers who were lapsing).

        Targets the highest ``risk x observed visit rate`` among current customers with risk of at
        least ``retention.min_risk`` and no offer within the cooldown, as many as the budget buys.
        """
        r, pop, week = self.cfg.retention, self.pop, self.week
        n_offers = int(r.budget_per_week // r.offer_cost)
        if n_offers == 0 or alive.size == 0:
            return 0, 0
        cand = alive[(pop.state[alive] != CHURNED) & (week - pop.offer_week[alive] >= r.cooldown_weeks)]
        tenure = week - pop.acquired_week[cand]  # the initial base counts from its acquisition at week -1
        seen = pop.seen_purchases[cand].astype(np.float64)
        risk = churn_risk(seen, tenure, week - pop.seen_week[cand], pop.complaints[cand], r.prior_churn)
        keep = risk >= r.min_risk
        cand, score = cand[keep], (risk * (seen + 1.0) / (tenure + 2.0))[keep]
        if cand.size > n_offers:
            top = np.argpartition(-score, n_offers - 1)[:n_offers]
            cand = cand[np.sort(top)]
        if cand.size == 0:
            return 0, 0
        self.charge(cand, r.offer_cost, "retention_offers")
        pop.satisfaction[cand] = np.minimum(pop.satisfaction[cand] + np.float32(r.satisfaction_gain), 1.0)
        pop.offer_week[cand] = week
        return int(cand.size), int(np.count_nonzero(pop.state[cand] == LAPSING))

    def _substitute(self) -> None:
        """Customers on older generations upgrade to the newest with its substitution rate."""
        if self._gen_launch.size == 1:
            return
        pop, now = self.pop, self.generation_now
        older = np.flatnonzero((pop.generation < now) & (pop.state != CHURNED))
        up = older[self.streams.uniform("generation", self.week, pop.id[older]) < self._gen_substitution[now]]
        pop.generation[up] = now
        alive_gen = pop.generation[pop.state != CHURNED]
        counts = np.bincount(alive_gen, minlength=self._gen_launch.size)
        for k, n in enumerate(counts):
            self.recorder.extra.setdefault(f"generation_{k}_customers", np.zeros(self.weeks))[self.week] = n
        self.recorder.extra.setdefault("upgrades", np.zeros(self.weeks))[self.week] = up.size

    def _stage_media_factor(self) -> float:
        """Media spend needed per unit of budget in the current lifecycle stage."""
        p, st = self.cfg.product, self.stages
        # In the launch week the tracker has not seen a sale yet: the stage is the launch stage.
        stage = st.stage if st.stage != DEVELOPMENT else max(st.initial_stage, INTRODUCTION)
        if stage == INTRODUCTION:
            return p.introduction_marketing_multiplier
        if stage in (MATURITY, DECLINE):
            since = self.week - st.entered.get(MATURITY, st.entered.get(stage, self.week))
            return 1.0 + p.maturity_advertising_growth * since / 52.0
        return 1.0

    def _develop(self) -> None:
        """A week in development: costs, no market activity."""
        self.stages.update(self.week, 0.0, 0.0)
        self.charge(None, self.cfg.product.development_cost_per_week, "product_costs")
        none = np.empty(0, dtype=np.int64)
        self.recorder.record_week(self, alive=none, new_rows=none, churned=none, won_back=none, buyers=none,
                                  paid=np.empty(0), margin=np.empty(0), occasions=np.empty(0, dtype=np.int64),
                                  contribution=np.empty(0), touched=none)

    def service_bonus(self, rows: np.ndarray) -> np.ndarray | float:
        """Service quality added for customers ``rows`` by loyalty benefits and segment treatments (0-1 scale)."""
        bonus = self.programme.service_bonus(self, rows) if self.programme.active else 0.0
        if self._treated:
            bonus = bonus + self._seg_service[self.pop.segment[rows]]
        return bonus

    def product_quality(self, rows: np.ndarray) -> np.ndarray:
        """Quality of the product generation each of customers ``rows`` has (0-1 scale)."""
        return self._gen_quality[self.pop.generation[rows]]

    def _firm_share(self, rows: np.ndarray, price_ratio, price_sensitivity: np.ndarray, inertia: float):
        """The firm's choice share for customers (or prospects) ``rows``, and each rival's."""
        if self.competition.active(self.week).size == 0:
            return np.ones(rows.size), None
        cfg = self.cfg
        return self.competition.firm_share(
            self.week,
            (self._gen_quality[self.pop.generation[rows]] + cfg.service.quality) / 2,
            price_ratio,
            self.pop.quality_sensitivity[rows].astype(np.float64),
            np.asarray(price_sensitivity, dtype=np.float64),
            cfg.pricing.reference_price,
            cfg.customers.choice_sensitivity,
            inertia,
        )

    def _churn_destination(self, churned: np.ndarray, share: np.ndarray, rival_share: np.ndarray | None) -> np.ndarray:
        """Where churners go: 0 leaves the category, k + 1 switches to active rival k.

        A churner switches with probability equal to the rivals' combined choice share and then
        picks a rival in proportion to its share (keyed ``churn`` stream, draw 1).
        """
        dest = np.zeros(churned.size, dtype=np.int8)
        if rival_share is None or churned.size == 0:
            return dest
        u = self.streams.uniform("churn", self.week, self.pop.id[churned], draw=1)
        cum = np.cumsum(rival_share, axis=0)  # shape (active rivals, churners)
        switched = u < 1.0 - share
        pick = (u[None, :] > cum).sum(axis=0)  # rival index whose cumulative share passes u
        active = self.competition.active(self.week)
        dest[switched] = active[np.minimum(pick[switched], active.size - 1)] + 1
        return dest

    def _convert(self, price_ratio: float) -> tuple[np.ndarray, int]:
        """Aware prospects who buy for the first time this week become customers.

        Returns their rows and how many of them came by referral. A prospect converts less when
        rivals offer more value or when many customers are detractors, more when referred.
        """
        cfg, c, a, week = self.cfg, self.cfg.customers, self.cfg.acquisition, self.week
        pool = self.market.aware_pool
        none = np.empty(0, dtype=np.int64)
        if pool.size == 0:
            return none, 0
        ps = self.market.pool_data["price_sensitivity"]
        mult = bh.price_multiplier(price_ratio, ps)
        if self.competition.active(week).size:
            qs = self.market.pool_data["quality_sensitivity"]
            share, _ = self.competition.firm_share(
                week, (self._gen_quality[self.generation_now] + cfg.service.quality) / 2, price_ratio, qs, ps,
                cfg.pricing.reference_price, c.choice_sensitivity, 0.0)
            mult = mult * share
        referred = self.market.pool_referred
        mult = mult * self._age_factor * np.where(referred, a.referral_conversion_boost, 1.0) * math.exp(-cfg.market.detractor_effect * self._detractor_share)
        expectation = c.reference_value
        if cfg.market.review_weight > 0 or a.ad_expectation_lift != 0:
            # Reviews and advertising set what prospects expect; expecting more, more try the firm.
            expectation = bh.prior_expectation(c.reference_value, cfg.market.review_weight, self._review_value,
                                               a.ad_expectation_lift, referred)
            mult = mult * np.exp(np.minimum(c.expectation_conversion_effect * (expectation - c.reference_value), 50.0))
        p_conv = bh.conversion_probability(c.conversion_rate, mult)
        u = self.streams.uniform("acquisition", week, pool)
        won = u < p_conv
        # Same uniform, upper tail: a prospect cannot both buy and leave in one week.
        gone = u > 1.0 - cfg.market.consideration_exit * (1.0 - p_conv)
        lost = pool[gone] if gone.any() else None  # leave the pool with the converts, below
        if not won.any():
            if lost is not None:
                self.market.lose(lost, keep=~gone)
            return none, 0
        ids = pool[won]
        rows = self.pop.add(
            ids,
            acquired_week=week,
            satisfaction=c.satisfaction_neutral,
            expectation=expectation if np.isscalar(expectation) else expectation[won],
            last_purchase_week=week,
            acquisition_cost=cfg.acquisition.offer_cost + self.levers.media_budget / ids.size,
            generation=self.generation_now,
            **draw_traits(self.streams, ids, c),
        )
        self.market.convert(ids, lost, keep=~(won | gone))  # the pool is all aware: those who stay
        self._ensure_buffers()
        self.ledger.post(week, "acquisition_offers", cfg.acquisition.offer_cost * ids.size)
        new_rows = np.arange(rows.start, rows.stop)
        by_referral = new_rows[referred[won]]
        if by_referral.size and a.referral_reward > 0:
            self.ledger.post(week, "referral_rewards", a.referral_reward * by_referral.size)
            self.pop.acquisition_cost[by_referral] += a.referral_reward
        self.programme.enrol(self, rows)
        return new_rows, int(by_referral.size)

    def _winback_targets(self) -> np.ndarray | None:
        """Churned customers who get a win-back offer this week (keyed ``winback`` stream, draw 0)."""
        a, pop, week = self.cfg.acquisition, self.pop, self.week
        if a.winback_share <= 0:
            return None
        targets = compiled.rows_drawn(pop.state, CHURNED, pop.id, self.streams.key("winback", week, 0), a.winback_share)
        if targets is None:
            lost = np.flatnonzero(pop.state == CHURNED)
            targets = lost[self.streams.uniform("winback", week, pop.id[lost], draw=0) < a.winback_share]
        return targets

    def _win_back(self, targeted: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """Offers to ``targeted`` customers (churned before this week); return (won back, targeted) rows."""
        a, c, pop, week = self.cfg.acquisition, self.cfg.customers, self.pop, self.week
        none = np.empty(0, dtype=np.int64)
        if targeted is None or targeted.size == 0:
            return none, none
        self.charge(targeted, a.winback_offer_cost, "winback_offers")
        won_back = targeted[self.streams.uniform("winback", week, pop.id[targeted], draw=1) < a.winback_success_prob]
        pop.state[won_back] = ACTIVE
        saturating_increment(pop.won_back_count, won_back)
        pop.last_purchase_week[won_back] = week
        pop.satisfaction[won_back] = c.satisfaction_neutral
        pop.expectation[won_back] = c.reference_value
        return won_back, targeted
