"""The orchestrator: a SimPy clock that ticks every week and runs the week's phases in order.

One SimPy process is the weekly tick; other processes are scheduled interventions (price changes,
campaign bursts, service outages, product launches), which fire before the tick of their week.
Each tick runs, in this order:

1. media spend and awareness (:mod:`.awareness`), 2. conversion of aware prospects
(:mod:`.conversion`), then for each block of this week's customers: 3. purchases and sales
(:mod:`.purchases`), 4. lapsing, service encounters and satisfaction (:mod:`.churn`,
:mod:`.encounters`), support contacts (the support desk), 5.-6. churn (:mod:`.churn`) and the
cost to serve; then 7. win-back and 8. retention offers (:mod:`.offers`), the loyalty
programme's week, fixed costs and the booking of every customer's week (:mod:`.books`), and
9. the lifecycle stage and the records (:mod:`.record`).

All state lives in :class:`~sim.population.Population` and :class:`~sim.market.Market` arrays;
every random number comes from the run's keyed streams; every currency unit and point goes
through the :class:`~sim.ledger.Ledger`.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import simpy

from sim import allocator
from sim.competition import Competition
from sim.config import Config, validate
from sim.engine import kpis
from sim.engine.awareness import Awareness
from sim.engine.books import Books
from sim.engine.churn import Churn
from sim.engine.conversion import Conversion, ConversionWeek
from sim.engine.encounters import Encounters
from sim.engine.lifecycle import Lifecycle
from sim.engine.offers import Offers
from sim.engine.purchases import Purchases
from sim.engine.record import Recorder, WeekLevels, WeekRecord
from sim.engine.returns import return_categories
from sim.engine.traits import CHUNK_ROWS, KnownCustomers, add_initial_base, needs_and_sensitivities
from sim.engine.treatments import Treatments
from sim.engine.week import Part, Prices, WeekFigures
from sim.kernels.choice import Offer
from sim.ledger import Ledger
from sim.market import Market
from sim.network import contact_network
from sim.population import Population
from sim.results import RunResult
from sim.rng import Streams
from sim.strategy import Levers, build_programme, schedule_interventions
from sim.strategy.context import RunContext
from sim.strategy.levers import at_week
from sim.strategy.pricing import PricingPolicy
from sim.strategy.support import SupportDesk

__all__ = ["Simulation"]


class Simulation:
    """One run of one scenario.

    Parameters
    ----------
    cfg : Config
        A scenario config (validated here).
    known : KnownCustomers, optional
        A calibrated firm's customers (``customers.initial`` of them): the initial base is
        drawn from their posteriors rather than from the trait distributions.
    """

    def __init__(self, cfg: Config, known: KnownCustomers | None = None):
        self.cfg = validate(cfg)
        self.weeks = cfg.horizon.weeks
        self.week = 0
        self.streams = Streams(cfg.seed)
        self.levers = Levers.from_config(cfg)
        self.competition = Competition(cfg.market.competitors, self.weeks)
        self.pricing = PricingPolicy(cfg.pricing, self.competition)
        self.prices = Prices(cfg.pricing.list_price, cfg.pricing.discount, 0.0, cfg.pricing.reference_price)
        self.share_of_wallet = 1.0
        self.lifecycle = Lifecycle(cfg.product)
        self.treatments = Treatments(cfg.segments)
        self.programme = build_programme(cfg.loyalty)
        self.market = self._market()
        self.support = SupportDesk(cfg.service, cfg.customers)
        c = cfg.customers
        # Room for the base and a quarter more; the arrays grow by half when acquisitions pass it.
        self.pop = Population(capacity=min(cfg.market.potential, max(1024, c.initial + c.initial // 4)),
                              optional=self.programme.fields())
        self.ledger = Ledger(self.weeks, self.programme.categories() + return_categories(cfg))
        self.books = Books(self.ledger, self.pop, cfg.market.discount_log_rate_weekly, c.initial)
        self.ctx = RunContext(self.weeks, self.pop, self.streams, self.books, self.service_bonus,
                              self.lifecycle.quality, lambda: self.levers.failure_prob)
        self._wire_phases()
        self.recorder = self._recorder()
        # Customers of a calibrated firm drawn as gone before week 0 start churned.
        self.gone_before_start = add_initial_base(self.pop, self.streams, c, known, cfg.pricing.reference_price)
        if c.initial:
            self.programme.enrol(self.ctx, slice(0, c.initial))

    def _market(self) -> Market:
        cfg, m = self.cfg, self.cfg.market
        network = contact_network(m.network, m.potential, m.network_degree,
                                  self.streams.generator("network", -1, m.network_draw),
                                  rewire=m.network_rewire, exponent=m.network_exponent, seeding=m.network_seeding)
        market = Market(m.potential, cfg.customers.initial, m.initially_aware, self.streams, network=network,
                        reconsider=m.reconsideration)
        # Prospects' sensitivities (pure functions of their ids) are drawn once, when they hear of the firm.
        market.keep_for_pool(lambda ids: dict(zip(("price_sensitivity", "quality_sensitivity"),
                                                  needs_and_sensitivities(self.streams, ids, cfg.customers)[1:])))
        return market

    def _wire_phases(self) -> None:
        """Each phase gets the parts of the run it works on, and nothing else."""
        cfg, pop, streams, books = self.cfg, self.pop, self.streams, self.books
        self.awareness = Awareness(cfg, self.market, pop, self.competition, streams)
        self.conversion = Conversion(cfg, self.market, pop, streams, books)
        self.purchases = Purchases(cfg, pop, streams, books, (self.programme, self.ctx, self.lifecycle,
                                                               self.treatments, self._customer_offer))
        self.encounters = Encounters(cfg, pop, streams, books, (self._service_bonuses, self.lifecycle.quality))
        self.churn = Churn(cfg, pop, streams, (self.programme, self.ctx, self.competition.active))
        self.offers = Offers(cfg, pop, streams, books)

    def _recorder(self, cls: type[Recorder] = Recorder) -> Recorder:
        """A recorder (of class ``cls``), with the columns declared by the product, the support desk,
        rivals and the programme."""
        rec = cls(self.cfg, self.weeks, self.competition.names)
        life, support, prog, ctx = self.lifecycle, self.support, self.programme, self.ctx
        if life.generations > 1:
            rec.add_reporter(lambda w: life.report() if self.lifecycle.launched else None)
        rec.add_reporter(lambda w: support.report() if support.active and life.launched else None)
        if rec.rivals:
            rec.add_reporter(rec.rival_columns)
        rec.add_reporter(lambda w: prog.weekly(ctx) if prog.active else None)
        return rec

    # -- what encounters and plugins ask of the engine -------------------------------------------
    def _service_bonuses(self, rows: np.ndarray) -> list:
        """Service quality added for customers ``rows``: loyalty benefits, then segment treatments."""
        out = []
        if self.programme.active:
            out.append(self.programme.service_bonus(self.ctx, rows))
        if self.treatments.active:
            out.append(self.treatments.service[self.pop.segment[rows]])
        return out

    def service_bonus(self, rows: np.ndarray) -> np.ndarray | float:
        """Service quality added for customers ``rows`` by loyalty benefits and segment treatments (0-1 scale)."""
        bonus = self.programme.service_bonus(self.ctx, rows) if self.programme.active else 0.0
        if self.treatments.active:
            bonus = bonus + self.treatments.service[self.pop.segment[rows]]
        return bonus

    def product_quality(self, rows: np.ndarray) -> np.ndarray:
        """Quality of the product generation each of customers ``rows`` has (0-1 scale)."""
        return self.lifecycle.quality[self.pop.generation[rows]]

    def _offer(self, week: int, quality, price_ratio, inertia: float) -> Offer | None:
        """The firm's offer (``quality``, ``price_ratio``) against the rivals in the market, None without any."""
        active = self.competition.active(week)
        if active.size == 0:
            return None
        comp, ref = self.competition, self.cfg.pricing.reference_price
        return Offer(np.asarray(quality, dtype=np.float64), np.asarray(price_ratio, dtype=np.float64) - 1.0,
                     comp.quality[active], comp.prices[active, week] / ref - 1.0, self.cfg.customers.choice_sensitivity,
                     inertia)

    def _customer_offer(self, week: int, rows: np.ndarray, price_ratio, inertia: float) -> Offer | None:
        if self.competition.active(week).size == 0:
            return None
        return self._offer(week, (self.product_quality(rows) + self.cfg.service.quality) / 2, price_ratio, inertia)

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
        for week, action in self.lifecycle.schedule():  # the launch and later generations
            env.process(at_week(env, week, action))
        env.process(self._clock(env, on_week))
        env.run(until=self.weeks)
        self.books.free()  # the books are closed: free the weekly buffers before the tables
        self.awareness.rows.free()
        return self.result(time.perf_counter() - start)

    def _clock(self, env: simpy.Environment, on_week: Callable[[int], None] | None):
        # Yield once first so that interventions of week 0 (URGENT) are in force for its tick.
        yield env.timeout(0)
        while True:
            self.week = int(env.now)
            self.step()
            if on_week is not None:
                on_week(self.week)
            yield env.timeout(1)

    def result(self, wall_seconds: float) -> RunResult:
        """The run's tables and KPIs, once the clock has stopped."""
        rec, cfg, pop = self.recorder, self.cfg, self.pop
        rec.close(pop)
        ts = rec.timeseries(self.ledger)
        customers = rec.customers(pop, cfg.segments)
        summary = kpis.compute_kpis(cfg, self.ledger, rec, (ts, customers), self.programme.liability(self.ctx))
        summary["wall_seconds"] = float(wall_seconds)
        if self.gone_before_start:  # a calibrated firm: the initial base is those still there at week 0
            summary["customers_initial"] -= self.gone_before_start
            summary["customers_gone_before_start"] = self.gone_before_start
        if self.programme.active:  # beyond the contract KPIs: programme size and each scheme's own figures
            summary["members_end"] = int(rec.counts["members"][-1])
            summary.update(self.programme.kpis(self.ctx))
        return RunResult(summary=summary, timeseries=ts, cohorts=rec.cohorts(), customers=customers,
                         transactions=rec.transactions(), config=cfg, segments=kpis.segment_table(customers))

    # -- one week ----------------------------------------------------------------------------
    def step(self) -> None:
        """Advance every customer and prospect by one week."""
        week, pop, lev, prog = self.week, self.pop, self.levers, self.programme
        self.books.week = self.ctx.week = week
        if not self.lifecycle.launched:
            self._develop(week)
            return
        self.lifecycle.substitute(pop, self.streams, week)  # customers on older generations may upgrade
        self.treatments.review(pop, week)  # the firm's CRM re-ranks customers by contribution
        # Prices in force: scheduled list price, promotions, matching a rival with a lag.
        list_price = self.pricing.list_price(week, lev.list_price)
        discount = self.pricing.discount(week, lev.discount)
        self.prices = prices = Prices(list_price, discount, list_price * (1.0 - discount),
                                      self.cfg.pricing.reference_price)
        # 1. Media (the lifecycle stage sets how much the budget needs) and awareness.
        self.books.charge(None, lev.media_budget * self.lifecycle.media_factor(week), "acquisition_media")
        alive_before, detractor_share = self.awareness.run(week, lev.media_budget, CHUNK_ROWS)
        # 2. Conversion of aware prospects (the first purchase is part of this week's purchases).
        new_rows, referred_new = self._convert(week, prices, detractor_share)
        alive = self.awareness.rows.extended(alive_before, new_rows)
        del alive_before  # ``alive[:first]``; row lists stay int64: numpy gathers fastest with intp
        first = alive.size - new_rows.size
        # Win-back targets among customers lost before this week, drawn before this week's churners join them.
        targets = self.offers.winback_targets(week)
        # 3.-6. Per customer, so done in blocks of CHUNK_ROWS to bound temporary memory.
        wk = WeekFigures()
        for start in range(0, max(alive.size, 1), CHUNK_ROWS):
            stop = min(start + CHUNK_ROWS, alive.size)
            self._customer_week(week, alive[start:stop], max(0, min(stop, first) - start), wk)
        self.share_of_wallet = wk.firm_rate / wk.category_rate if wk.category_rate > 0 else 1.0
        if wk.value_n and self.cfg.market.review_weight > 0:  # what this week's buyers publish in reviews
            self.conversion.review_value = wk.value_sum / wk.value_n
        # 7.-8. Win-back and retention offers, the programme's week, fixed costs, the books.
        won_back, targeted = self.offers.win_back(week, targets)
        offers, offers_hit = self.offers.retain(week, alive)
        if prog.active:
            prog.end_of_week(self.ctx, alive)
        by_week = self.books.close_week(wk.parts, targeted, self.cfg.product.fixed_cost_per_week, self.weeks)
        # 9. The lifecycle stage read from this week's sales, then the records.
        self.lifecycle.stages.update(week, wk.units, pop.n / self.cfg.market.potential)
        self.record(week, WeekRecord(
            alive=alive, new_rows=new_rows, churned=wk.gathered("churned", np.int64), won_back=won_back,
            buyers=wk.gathered("buyers", np.int64), paid=wk.gathered("paid"), margin=wk.gathered("margin"),
            occasions=wk.gathered("occasions", np.int32), contribution_by_week=by_week, complaints=wk.complaints,
            recovered=wk.recovered, referred_new=referred_new, offers=offers, offers_hit=offers_hit))

    def _convert(self, week: int, prices: Prices, detractor_share: float) -> tuple[np.ndarray, int]:
        """Step 2: converts' rows (enrolled in the programme) and how many of them were referred."""
        life = self.lifecycle
        ratio = prices.paid / prices.reference
        terms = ConversionWeek(ratio, life.age_factor(week), detractor_share, self.levers.media_budget, life.newest)
        offer = self._offer(week, (life.quality[life.newest] + self.cfg.service.quality) / 2, ratio, 0.0)
        new_rows, referred = self.conversion.run(week, terms, offer)
        if new_rows.size:
            self.programme.enrol(self.ctx, slice(int(new_rows[0]), int(new_rows[-1]) + 1))
        self.books.ensure_capacity()
        return new_rows, referred

    def _customer_week(self, week: int, rows: np.ndarray, n_risk: int, wk: WeekFigures) -> None:
        """Steps 3-6 for the block of this week's customers ``rows``; the first ``n_risk`` were
        customers before this week, the rest were acquired this week."""
        pop, s = self.pop, self.cfg.service
        b = self.purchases.block(rows, n_risk, self.prices)
        d = self.purchases.draw(week, b, wk)
        units, paid, cogs = self.purchases.sell(week, b, d, self.prices)
        if not d.faded:  # else faded and marked with the purchases
            self.churn.lapse(week, b)
        self.encounters.run(week, d, self.encounters.buyer_price_ratio(b, d), self.levers.failure_prob, wk)
        if self.support.active:  # support and information contacts without a sale: more encounters
            self.support.contact(self.ctx, rows, b.price_ratio)
        churned = self.churn.run(week, b, d)
        # The cost to serve each customer this week (after the encounters, as the books read).
        # Cost to serve follows what customers do (orders, support contacts); this is the small rest.
        self.books.charge(rows, s.cost_per_customer_week, "service_cost")
        if self.treatments.active:
            self.books.charge(rows, self.treatments.cost[pop.segment[rows]], "service_cost")
        wk.units += float(units.sum())
        wk.parts.append(Part(rows, d.bought, d.buyers, paid - cogs, paid, d.occasions, churned))

    def _develop(self, week: int) -> None:
        """A week in development: costs, no market activity."""
        self.lifecycle.stages.update(week, 0.0, 0.0)
        self.books.charge(None, self.cfg.product.development_cost_per_week, "product_costs")
        none = np.empty(0, dtype=np.int64)
        self.record(week, WeekRecord(alive=none, new_rows=none, churned=none, won_back=none, buyers=none,
                                      paid=np.empty(0), margin=np.empty(0), occasions=np.empty(0, dtype=np.int64),
                                      contribution=np.empty(0), touched=none))

    def record(self, week: int, rec: WeekRecord, **extra) -> None:
        """Pass the week to the recorder with the levels of the market and the levers
        (``extra`` keywords go to recorders that take more)."""
        lev, p = self.levers, self.prices
        levels = WeekLevels(self.market.unaware, self.market.aware, self.lifecycle.stages.stage, lev.media_budget,
                            p.list_price, p.discount, lev.failure_prob, self.share_of_wallet)
        self.recorder.record_week(week, self.pop, rec, levels, **extra)
