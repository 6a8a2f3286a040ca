"""Phase 3 of the week: purchase occasions, baskets and the books of each sale.

Each occasion is a choice between the firm and its rivals; loyalty schemes may raise the rate
and lower a member's price; an ageing product sells less. Purchases are drawn per block of this
week's customers (:mod:`sim.kernels.purchases`); when attachment alone multiplies the rate and no
rival competes, one fused pass also fades attachment, marks the lapsing and draws the churn
(:mod:`sim.kernels.purchase_week`).
"""

from __future__ import annotations

import numpy as np

from sim import mathfn
from sim.engine.churn import churn_multipliers, offer_relief, relieves
from sim.engine.returns import Returns
from sim.engine.week import Block, Prices, PurchaseDraw, WeekFigures
from sim.kernels import purchases as kp
from sim.kernels.choice import firm_shares
from sim.kernels.churn import ChurnParams, churn_draw, dropout_at_purchase
from sim.kernels.events import happened
from sim.kernels.purchase_week import LapseParams, WeekKeys, purchase_week
from sim.population import ACTIVE, LAPSING

__all__ = ["Purchases"]


class Purchases:
    """Purchase draws and sales of this week's customers.

    Parameters
    ----------
    cfg : Config
        The scenario.
    pop : Population
        The customers.
    streams : Streams
        The run's keyed streams (``purchase``, ``churn``, ``basket``, ``observe``).
    books : Books
        The books.
    strategy : tuple
        ``(programme, ctx, lifecycle, treatments, offer)``: the loyalty programme and the
        context its hooks get, the product, the segment treatments, and a function
        ``offer(week, rows, price_ratio, inertia)`` giving the firm's and rivals' offer to
        customers ``rows`` (None without rivals).
    """

    def __init__(self, cfg, pop, streams, books, strategy):
        self.cfg, self.pop, self.streams, self.books = cfg, pop, streams, books
        self.programme, self.ctx, self.lifecycle, self.treatments, self.offer = strategy
        c = cfg.customers
        self.params = kp.PurchaseParams.from_config(c)
        self.churn = ChurnParams.from_config(c)
        self.returns = Returns(cfg, pop, streams, books)

    def block(self, rows: np.ndarray, n_risk: int, prices: Prices) -> Block:
        """The block of customers ``rows`` with the price each pays this week."""
        prog, treat = self.programme, self.treatments
        loyalty = prog.price_factor(self.ctx, rows) if prog.active else 1.0
        segment = treat.price[self.pop.segment[rows]] if treat.active else 1.0
        ratio = prices.paid * np.asarray(loyalty, dtype=np.float64) * segment / prices.reference
        return Block(rows, n_risk, loyalty, segment, ratio)

    def draw(self, week: int, b: Block, wk: WeekFigures) -> PurchaseDraw:
        """This week's purchase occasions of block ``b``; the category and firm rates go into ``wk``."""
        c, prog, pop = self.cfg.customers, self.programme, self.pop
        if c.billing_period_weeks:
            return self.renewals(week, b)
        obsolescence = self.lifecycle.obsolescence
        key = self.streams.key("purchase", week)
        # Attachment's multiplier alone on the rate, and churn the same rule for all, each week.
        alone = (not (prog.active or obsolescence) and np.ndim(b.price_ratio) == 0
                 and c.churn_propensity == "none" and c.churn_timing == "weekly" and not relieves(self.cfg.retention))
        offer = self.offer(week, b.rows, b.price_ratio, c.switching_inertia)
        if alone and offer is None:
            keys = WeekKeys(key, self.streams.key("churn", week))
            lapse = LapseParams(np.float32(1.0 - self.cfg.customers.attachment_decay),
                                week - self.cfg.customers.lapse_weeks, LAPSING, ACTIVE)
            bought, buyers, occasions, ids, leaving = purchase_week(pop, b.rows, b.n_risk, b.price_ratio, keys,
                                                                    (self.params, self.churn, lapse))
            return PurchaseDraw(bought, buyers, occasions, ids, leaving=leaving, faded=True)
        if alone:
            attach, ps, sat_eff, ids, rate = kp.state_and_rate(pop, b.rows, b.price_ratio, self.params)
        else:
            attach, ps, sat_eff, ids = kp.customer_state(pop, b.rows, self.params)
            rate = kp.purchase_rate(pop, b.rows, (sat_eff, ps, attach), b.price_ratio, self.params,
                                    self._multipliers(week, b.rows, attach))
        share = rival_share = None
        if offer is not None:
            share, rival_share = firm_shares(pop.quality_sensitivity[b.rows], ps, offer)
            wk.category_rate += float(rate.sum())
            rate *= share
            wk.firm_rate += float(rate.sum())
        count, bought = kp.poisson_bought(ids, key, rate, b.n_risk)
        leaving = None
        if c.churn_timing == "at_purchase":  # occasions after her dropout are not made
            multipliers = churn_multipliers(self.cfg, pop, (prog, self.ctx), week, b.rows,
                                            None if rival_share is None else share)
            leaving = dropout_at_purchase(ids, count, sat_eff, self.streams.key("churn", week), self.churn, b.n_risk,
                                          multipliers)
        return PurchaseDraw(bought, b.rows[bought], count[bought], ids[bought], sat_eff, ids, share, rival_share,
                            leaving=leaving)

    def renewals(self, week: int, b: Block) -> PurchaseDraw:
        """A subscription's week: subscribers at the end of a billing period renew, and pay, or leave.

        A subscriber renews ``P`` weeks (``customers.billing_period_weeks``) after her last
        payment: acquired in week ``a`` (the base in week -1), in weeks ``a + k P``; won back in
        week ``w``, in weeks ``w + 1 + k P`` (a new subscription). She leaves at a renewal with
        the churn rule's probability times her propensity and the loyalty programme's multiplier,
        and pays otherwise. A new
        subscriber pays on joining. Every payment is one occasion.
        """
        c, pop, n_risk = self.cfg.customers, self.pop, b.n_risk
        at_risk = b.rows[:n_risk]
        since = week - pop.last_purchase_week[at_risk].astype(np.int64)
        if c.recency_purchase_probs:
            return self._recency_decisions(week, b, since)
        due = np.flatnonzero(since >= c.billing_period_weeks)
        rows = at_risk[due]
        _, _, sat_eff, ids = kp.customer_state(pop, rows, self.params)
        prog = self.programme
        multipliers = (prog.churn_multiplier(self.ctx, rows) if prog.active else None,
                       pop.churn_propensity[rows] if c.churn_propensity != "none" else None,
                       offer_relief(self.cfg.retention, pop, week, rows))
        leaving = due[churn_draw(pop, rows, sat_eff, ids, self.streams.key("churn", week), self.churn, LAPSING,
                                 multipliers)]
        bought = np.concatenate([np.setdiff1d(due, leaving, assume_unique=True), np.arange(n_risk, b.rows.size)])
        buyers = b.rows[bought]
        return PurchaseDraw(bought, buyers, np.ones(bought.size, dtype=np.int32), pop.id[buyers], leaving=leaving)

    def _recency_decisions(self, week: int, b: Block, since: np.ndarray) -> PurchaseDraw:
        """A recency chain's week (``customers.recency_purchase_probs``): each customer ``P``, ``2P``, ...
        weeks after her last purchase buys with the probability of her recency state (``purchase``
        stream) and pays; one who does not buy and whose next state cannot buy any more has left.

        ``since`` are the weeks since the last purchase of the block's customers at risk; new
        customers pay on joining.
        """
        c, pop, n_risk = self.cfg.customers, self.pop, b.n_risk
        period, probs = c.billing_period_weeks, np.asarray(c.recency_purchase_probs, dtype=np.float64)
        due = np.flatnonzero(since % period == 0)
        state = np.minimum(since[due] // period, probs.size)  # 1, 2, ..., the last for that many or more
        ids = pop.id[b.rows[due]]
        buys = happened(self.streams.uniform("purchase", week, ids), probs[state - 1])
        # From the first state after which no state can buy, nobody comes back.
        buying = np.flatnonzero(probs > 0)
        lost_state = int(buying[-1]) + 2 if buying.size else 1
        leaving = due[~buys & (np.minimum(state + 1, probs.size) >= lost_state)]
        bought = np.concatenate([due[buys], np.arange(n_risk, b.rows.size)])
        buyers = b.rows[bought]
        return PurchaseDraw(bought, buyers, np.ones(bought.size, dtype=np.int32), pop.id[buyers], leaving=leaving)

    def _fee_factors(self, week: int, buyers: np.ndarray) -> np.ndarray | None:
        """Each paying subscriber's fee multiplier by renewal (``customers.billing_tenure_factors``)."""
        factors, period = self.cfg.customers.billing_tenure_factors, self.cfg.customers.billing_period_weeks
        if not (period and factors):
            return None
        renewal = (week - self.pop.acquired_week[buyers].astype(np.int64)) // period  # 0 on joining
        steps = np.asarray(factors, dtype=np.float64)
        return np.where(renewal > 0, steps[np.clip(renewal - 1, 0, steps.size - 1)], 1.0)

    def _multipliers(self, week: int, rows: np.ndarray, attach: np.ndarray) -> np.ndarray | None:
        """The rate's multipliers when strategies add to attachment's (None: attachment's alone)."""
        prog, obsolescence = self.programme, self.lifecycle.obsolescence
        if not (prog.active or obsolescence):
            return None
        extra = kp.attachment_multipliers(attach, self.params.slope)
        if prog.active:
            extra = extra * prog.purchase_multiplier(self.ctx, rows)
        if obsolescence:
            extra = extra * mathfn.exp_array(-obsolescence * (week - self.lifecycle.launch[self.pop.generation[rows]]))
        return extra

    def sell(self, week: int, b: Block, d: PurchaseDraw, prices: Prices) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Book the block's sales: baskets, revenue, discounts, cost of goods, service per sale, returns.

        Returns the units bought, the amount paid (currency units, after discounts, before loyalty
        discounts) and the cost of goods of each buyer, both net of returned orders.
        """
        cfg, pop, books, prog = self.cfg, self.pop, self.books, self.programme
        if cfg.customers.billing_period_weeks:  # one plan per payment, at the generation's unit cost
            units = d.occasions.astype(np.float64)
            cogs = units * np.asarray(self.lifecycle.unit_cost, dtype=np.float64)[pop.generation[d.buyers]]
        else:
            units, cogs = kp.basket_units(pop, d.buyers, d.occasions, d.buyer_ids,
                                          self.streams.key("basket", week), cfg.customers.basket_sigma,
                                          self.lifecycle.unit_cost)
        sales = units * prices.list_price
        if self.treatments.active:
            sales = sales * b.segment_factor[d.bought]
        fee = self._fee_factors(week, d.buyers)
        if fee is not None:
            sales = sales * fee
        # After the pricing policy's discount (without one, the product by 1 and the zero
        # differences would change nothing).
        paid = sales * (1.0 - prices.discount) if prices.discount else sales
        books.post("sales", float(sales.sum()))
        books.post("discounts", float((sales - paid).sum()) if prices.discount else 0.0)
        books.post("cogs", float(cogs.sum()))
        cash = paid  # what the buyers hand over
        if prog.active:
            loyalty = paid * (1.0 - np.broadcast_to(np.asarray(b.loyalty_factor, dtype=np.float64),
                                                    b.rows.shape)[d.bought])
            if loyalty.any():
                books.charge(d.buyers, loyalty, "loyalty_discounts")
                cash = paid - loyalty
        n_new = b.rows.size - b.n_risk
        if cfg.pricing.new_customer_discount > 0 and n_new:
            # The first purchase of a new customer is all occasions of the newest rows (they all buy).
            welcome = paid[-n_new:] * cfg.pricing.new_customer_discount
            books.post("acquisition_offers", float(welcome.sum()))
            pop.acquisition_cost[b.rows[b.n_risk:]] += welcome
        gross = paid  # the loyalty programme rewards the orders placed, returned or not
        if self.returns.active:
            paid, cogs = self.returns.take_back(week, d.buyers, d.buyer_ids, d.occasions, (paid, cash), cogs)
        kp.book_purchases(pop, d.buyers, paid, d.occasions, week)
        # Handling an order costs the same whatever its size (small baskets lose money); the
        # service that comes with it follows the buyer's own service demand (whale customers).
        books.charge(d.buyers, cfg.service.cost_per_transaction * d.occasions, "service_cost")
        if cfg.service.cost_per_order_service:
            books.charge_per_row(d.buyers, cfg.service.cost_per_order_service, pop.service_demand, "service_cost",
                                 d.occasions)
        if prog.active:
            prog.on_purchases(self.ctx, d.buyers, gross)
        # What the firm sees: every visit of a member, some of an anonymous customer's.
        kp.book_seen(pop, d.buyers, d.occasions, d.buyer_ids, self.streams.key("observe", week),
                     cfg.retention.anonymous_visibility, week)
        return units, paid, cogs
