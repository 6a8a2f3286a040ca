"""The loyalty-scheme protocol and the programme that runs the active schemes.

A scheme changes behaviour only through these hooks, each vectorized over population ``rows``.
The engine calls the first nine (through :class:`LoyaltyProgramme`):

==================== ====================================================================
hook                 effect
==================== ====================================================================
purchase_multiplier  multiplier on the purchase rate (goal gradient, status, engagement)
price_factor         multiplier on the price a member pays (tier discounts); the engine
                     books the difference as ``loyalty_discounts``
service_bonus        added to experienced service quality (tier upgrades), 0-1 scale
churn_multiplier     multiplier on the churn probability (switching costs, status)
on_purchases         react to purchases (earn points, progress, donations); ``paid`` is
                     what each buyer paid after loyalty discounts (currency units)
end_of_week          redemptions, expiry, tier reviews; costs go through ``ctx.charge``
liability            value of what the firm still owes members (currency units)
kpis                 extra summary KPIs of the scheme
weekly               extra timeseries columns of the scheme for the week just simulated
==================== ====================================================================

The programme (and :func:`~sim.strategy.loyalty.build_programme`) calls four more, which let
schemes work together in a hybrid. :class:`SchemeBase` defines all four; the programme treats a
scheme without the last three as neutral, so schemes written for the first nine still work:

==================== ====================================================================
from_config          classmethod building the scheme from the whole ``LoyaltyConfig``
bind                 called once with the programme, to look up sibling schemes
on_enrol             new members ``rows`` just joined (head-start points, affinities)
earn_multiplier      multiplier on points earned (tier bonus earn)
==================== ====================================================================

:class:`SchemeBase` gives the neutral version of every hook, so a scheme overrides only what it
changes. Every hook gets the run's narrow context ``ctx`` (:class:`~sim.strategy.context.RunContext`:
the week, the customers, the streams and the books), never the engine. Money moves only through
``ctx.charge`` (costs, borne by customers or by the firm); positive flows (partner funding,
prepaid cash) through ``ctx.post``; points through ``ctx.post_points``.

A scheme also declares, as class attributes, what it adds to a run, so that adding one touches
one module (see :func:`~sim.strategy.loyalty.register_scheme`):

==================== ====================================================================
declaration          meaning
==================== ====================================================================
name                 the name used in ``loyalty.schemes``
config               its settings' dataclass, for a scheme registered beyond the built-in
                     ones (read from ``loyalty.plugins.<name>``)
fields               population fields it keeps, ``name: (dtype, fill of a new row)``
categories           ledger categories it books (:class:`~sim.ledger.Category`)
draws                draws of the ``loyalty`` stream it uses (0 is the programme's enrolment)
tallies, columns()   its weekly counters, and all its weekly timeseries columns
==================== ====================================================================

Random numbers come from the ``loyalty`` stream, by draw: 0 enrolment (the programme), 1 and 15
points, 10-12 gamified, 13-14 coalition; tiers and charity draw none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from sim.config import plugin_settings
from sim.ledger import CATEGORIES, Category
from sim.population import ACTIVE, CHURNED

if TYPE_CHECKING:  # pragma: no cover
    from sim.strategy.context import RunContext

__all__ = ["LoyaltyScheme", "SchemeBase", "LoyaltyProgramme", "current_members", "category"]

_BY_NAME = {c.name: c for c in CATEGORIES}


def category(name: str) -> Category:
    """The built-in ledger category ``name`` (for a scheme's ``categories``)."""
    return _BY_NAME[name]


def current_members(ctx: RunContext) -> np.ndarray:
    """Rows of members who are customers now (not churned)."""
    pop = ctx.pop
    return np.flatnonzero(pop.member & (pop.state != CHURNED))


class LoyaltyScheme(Protocol):
    """What a scheme must provide (see the module docstring for the meaning of each hook)."""

    name: str

    def purchase_multiplier(self, ctx: RunContext, rows: np.ndarray) -> np.ndarray | float: ...

    def price_factor(self, ctx: RunContext, rows: np.ndarray) -> np.ndarray | float: ...

    def service_bonus(self, ctx: RunContext, rows: np.ndarray) -> np.ndarray | float: ...

    def churn_multiplier(self, ctx: RunContext, rows: np.ndarray) -> np.ndarray | float: ...

    def on_purchases(self, ctx: RunContext, rows: np.ndarray, paid: np.ndarray) -> None: ...

    def end_of_week(self, ctx: RunContext) -> None: ...

    def liability(self, ctx: RunContext) -> float: ...

    def kpis(self, ctx: RunContext) -> dict[str, Any]: ...

    def weekly(self, ctx: RunContext) -> dict[str, float]: ...


class SchemeBase:
    """Neutral hooks: a scheme derived from this changes nothing it does not override.

    Also keeps weekly tallies: :meth:`tally` adds to a per-week counter, one of the names in
    ``tallies``, that :meth:`weekly` reports for the week just simulated and :meth:`kpis` sums
    over the run.
    """

    name = "base"
    config: type | None = None
    fields: dict[str, tuple[type, float | int]] = {}
    categories: tuple[Category, ...] = ()
    draws: tuple[int, ...] = ()
    tallies: tuple[str, ...] = ()

    def columns(self) -> tuple[str, ...]:
        """Names of the weekly timeseries columns :meth:`weekly` reports (by default the tallies)."""
        return tuple(self.tallies)

    @classmethod
    def from_config(cls, cfg) -> SchemeBase:
        """The scheme for ``cfg`` (a ``LoyaltyConfig``): from ``cfg.<name>`` for a built-in scheme,
        else from its settings under ``cfg.plugins.<name>``."""
        if cls.config is not None:
            return cls(plugin_settings(cfg, cls.name))
        return cls(getattr(cfg, cls.name))

    def bind(self, programme: LoyaltyProgramme) -> None:
        """Remember the programme, to find sibling schemes and the programme's combined hooks."""
        self.programme = programme

    def on_enrol(self, ctx: RunContext, rows: np.ndarray) -> None:
        return None

    def earn_multiplier(self, ctx: RunContext, rows: np.ndarray) -> np.ndarray | float:
        return 1.0

    def purchase_multiplier(self, ctx: RunContext, rows: np.ndarray) -> np.ndarray | float:
        return 1.0

    def price_factor(self, ctx: RunContext, rows: np.ndarray) -> np.ndarray | float:
        return 1.0

    def service_bonus(self, ctx: RunContext, rows: np.ndarray) -> np.ndarray | float:
        return 0.0

    def churn_multiplier(self, ctx: RunContext, rows: np.ndarray) -> np.ndarray | float:
        return 1.0

    def on_purchases(self, ctx: RunContext, rows: np.ndarray, paid: np.ndarray) -> None:
        return None

    def end_of_week(self, ctx: RunContext) -> None:
        return None

    def liability(self, ctx: RunContext) -> float:
        return 0.0

    def kpis(self, ctx: RunContext) -> dict[str, Any]:
        return {name: float(series.sum()) for name, series in self._tallies(ctx).items()}

    def weekly(self, ctx: RunContext) -> dict[str, float]:
        return {name: float(series[ctx.week]) for name, series in self._tallies(ctx).items()}

    # -- weekly counters ---------------------------------------------------------------------
    def tally(self, ctx: RunContext, name: str, value: float) -> None:
        """Add ``value`` to this week's counter ``name`` (a timeseries column and a run total)."""
        self._tallies(ctx)[name][ctx.week] += value

    def _tallies(self, ctx: RunContext) -> dict[str, np.ndarray]:
        if "_tally" not in self.__dict__:
            self._tally = {name: np.zeros(ctx.weeks) for name in self.tallies}
        return self._tally


class LoyaltyProgramme:
    """Membership, programme costs, and the active schemes (several at once make a hybrid).

    A hybrid has one membership, one welcome offer, one set-up cost and one running cost,
    whatever the number of schemes; the schemes' effects combine (multipliers multiply,
    service bonuses add) and schemes find each other with :meth:`get`.

    Parameters
    ----------
    schemes : list of LoyaltyScheme
        Schemes in force (empty: no programme).
    enrolment_prob : float
        Probability that a customer joins when acquired (or at week 0).
    signup_offer_cost : float
        Welcome offer per new member (currency units).
    fixed_cost_per_week : float
        Running cost per week (currency units / week).
    cost_per_member_week : float
        Cost per member per week (currency units / week).
    setup_cost : float
        One-off launch cost, booked in week 0 (currency units).
    """

    def __init__(self, schemes, enrolment_prob, signup_offer_cost, fixed_cost_per_week, cost_per_member_week,
                 setup_cost=0.0):
        self.schemes = list(schemes)
        self.enrolment_prob = enrolment_prob
        self.signup_offer_cost = signup_offer_cost
        self.fixed_cost_per_week = fixed_cost_per_week
        self.cost_per_member_week = cost_per_member_week
        self.setup_cost = setup_cost
        self._member_sales: np.ndarray | None = None
        for scheme in self.schemes:
            _call(scheme, "bind", None, self)

    @property
    def active(self) -> bool:
        return bool(self.schemes)

    def fields(self) -> dict[str, tuple[type, float | int]]:
        """Population fields the active schemes keep."""
        out: dict[str, tuple[type, float | int]] = {}
        for scheme in self.schemes:
            out.update(scheme.fields)
        return out

    def categories(self) -> tuple[Category, ...]:
        """Ledger categories the programme and its schemes book."""
        own = (category("programme_cost"), category("loyalty_discounts"))
        return own + tuple(c for scheme in self.schemes for c in scheme.categories)

    def columns(self) -> tuple[str, ...]:
        """The weekly columns the programme reports: its own, then each scheme's."""
        return ("members_active", "member_sales", *(c for scheme in self.schemes for c in scheme.columns()))

    def get(self, name: str):
        """The active scheme called ``name``, or None."""
        return next((s for s in self.schemes if s.name == name), None)

    def enrol(self, ctx: RunContext, rows: slice) -> None:
        """Offer membership to new customers ``rows``; each joins with ``enrolment_prob``."""
        if not self.active:
            return
        pop = ctx.pop
        ids = pop.id[rows]
        joins = ctx.streams.uniform("loyalty", -1, ids, draw=0) < self.enrolment_prob
        pop.member[rows] = joins
        members = np.arange(rows.start, rows.stop)[joins]
        if members.size == 0:
            return
        pop.member_since[members] = ctx.week
        if self.signup_offer_cost > 0:
            ctx.charge(members, self.signup_offer_cost, "programme_cost")
        for scheme in self.schemes:
            _call(scheme, "on_enrol", None, ctx, members)

    def _combine(self, hook: str, ctx: RunContext, rows: np.ndarray, start: float, op) -> np.ndarray | float:
        out: np.ndarray | float = start
        for scheme in self.schemes:
            out = op(out, _call(scheme, hook, start, ctx, rows))
        return out

    def earn_multiplier(self, ctx: RunContext, rows: np.ndarray) -> np.ndarray | float:
        """Multiplier on points earned by ``rows`` (product over the schemes)."""
        return self._combine("earn_multiplier", ctx, rows, 1.0, np.multiply)

    def purchase_multiplier(self, ctx: RunContext, rows: np.ndarray) -> np.ndarray | float:
        return self._combine("purchase_multiplier", ctx, rows, 1.0, np.multiply)

    def price_factor(self, ctx: RunContext, rows: np.ndarray) -> np.ndarray | float:
        return self._combine("price_factor", ctx, rows, 1.0, np.multiply)

    def service_bonus(self, ctx: RunContext, rows: np.ndarray) -> np.ndarray | float:
        return self._combine("service_bonus", ctx, rows, 0.0, np.add)

    def churn_multiplier(self, ctx: RunContext, rows: np.ndarray) -> np.ndarray | float:
        return self._combine("churn_multiplier", ctx, rows, 1.0, np.multiply)

    def on_purchases(self, ctx: RunContext, rows: np.ndarray, paid: np.ndarray) -> None:
        """Schemes react to purchases; ``paid`` is before loyalty discounts (as the engine books it).

        The schemes see what members actually paid, after the programme's price factor (the
        same factor the engine applied this week: tiers change only at the end of a week).
        """
        if self._member_sales is None:
            self._member_sales = np.zeros(ctx.weeks)
        self._member_sales[ctx.week] += float(paid[ctx.pop.member[rows]].sum())
        net = paid * np.broadcast_to(np.asarray(self.price_factor(ctx, rows), dtype=np.float64), paid.shape)
        for scheme in self.schemes:
            scheme.on_purchases(ctx, rows, net)

    def end_of_week(self, ctx: RunContext, alive: np.ndarray) -> None:
        """Programme costs for the week, then each scheme's weekly bookkeeping."""
        if not self.active:
            return
        if ctx.week == 0 and self.setup_cost > 0:
            ctx.charge(None, self.setup_cost, "programme_cost")
        ctx.charge(None, self.fixed_cost_per_week, "programme_cost")
        members = alive[ctx.pop.member[alive]]
        if members.size and self.cost_per_member_week > 0:
            ctx.charge(members, self.cost_per_member_week, "programme_cost")
        for scheme in self.schemes:
            scheme.end_of_week(ctx)

    def liability(self, ctx: RunContext) -> float:
        """What the firm still owes members at the end (currency units)."""
        return float(sum(scheme.liability(ctx) for scheme in self.schemes))

    def kpis(self, ctx: RunContext) -> dict[str, Any]:
        """Programme KPIs (active members, member sales, cost by category) and each scheme's.

        ``member_sales`` is members' spend before loyalty discounts (comparable with
        ``revenue``); ``loyalty_cost_share_of_member_sales`` is ``loyalty_cost`` over it.
        """
        pop, led = ctx.pop, ctx.ledger
        members = current_members(ctx)
        member_sales = float(self._member_sales.sum()) if self._member_sales is not None else 0.0
        revenue = led.total("sales") - led.total("discounts")
        out: dict[str, Any] = {
            "members_active_end": int(np.count_nonzero(pop.state[members] == ACTIVE)),
            "member_sales": member_sales,
            "member_sales_share": member_sales / revenue if revenue > 0 else None,
            "loyalty_cost_share_of_member_sales": led.loyalty_cost() / member_sales if member_sales > 0 else None,
        }
        # Each programme flow as KPI ``loyalty_<category>`` (totals, currency units): the programme
        # costs (``loyalty=True``) and the prepaid-credit float.
        flows = [c.name for c in led.categories if c.loyalty or c.name.startswith("prepaid_")]
        out.update({"loyalty_" + name.removeprefix("loyalty_"): led.total(name) for name in flows})
        for scheme in self.schemes:
            out.update(scheme.kpis(ctx))
        return out

    def weekly(self, ctx: RunContext) -> dict[str, float]:
        """Weekly columns: active members and member sales, then each scheme's."""
        pop = ctx.pop
        members = current_members(ctx)
        out: dict[str, float] = {
            "members_active": float(np.count_nonzero(pop.state[members] == ACTIVE)),
            "member_sales": float(self._member_sales[ctx.week]) if self._member_sales is not None else 0.0,
        }
        for scheme in self.schemes:
            out.update(scheme.weekly(ctx))
        return out


def _call(scheme, hook: str, neutral, *args):
    """Call an optional hook; schemes written before it existed are neutral."""
    method = getattr(scheme, hook, None)
    return neutral if method is None else method(*args)
