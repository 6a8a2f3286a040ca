"""Recording a run: weekly series, acquisition cohorts, transactions and the final snapshot.

The :class:`Recorder` observes each week into preallocated buffers and turns them into tidy tables
only at the end (:meth:`Recorder.tables`). What it records comes in two kinds: the engine's own
figures of the week (:class:`WeekRecord`, :class:`WeekLevels`), and columns declared by the parts
that have them (loyalty schemes, the support desk, product generations), each a *reporter*: a
function of the week that returns its columns' values, or None while it has nothing to report
(the way Mesa's data collector takes reporters). A reporter's columns join the series the first
week it reports.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from sim.kernels.census import bincount, census, sums_by_week
from sim.population import CHURNED, LAPSING, NEEDS, STATE_NAMES
from sim.product import STAGES
from sim.segments import SEGMENTS, value_segment_codes

__all__ = ["Recorder", "WeekRecord", "WeekLevels", "Reporter", "TRANSACTION_COLUMNS"]

#: Columns of the transactions table, in order.
TRANSACTION_COLUMNS = ("customer_id", "week", "date", "occasions", "amount", "initial_base")

#: A function of the week returning columns' values for it, or None (nothing to report yet).
Reporter = Callable[[int], "dict[str, float] | None"]

_COUNTS = (
    "unaware", "aware", "active", "lapsing", "new", "churned", "won_back", "buyers", "purchase_occasions", "members",
    "complaints", "recovered", "referrals", "churned_to_rivals", "retention_offers_sent", "offers_to_lapsing",
)
_LEVELS = ("mean_satisfaction", "media_budget", "list_price", "discount", "failure_prob", "share_of_wallet")


@dataclasses.dataclass
class WeekRecord:
    """What the customers did this week (rows of the population; amounts in currency units).

    The week's contribution by cohort comes either as ``contribution`` per ``touched`` row or,
    already summed, as ``contribution_by_week`` (by acquisition week + 1).
    """

    alive: np.ndarray
    new_rows: np.ndarray
    churned: np.ndarray
    won_back: np.ndarray
    buyers: np.ndarray
    paid: np.ndarray
    margin: np.ndarray
    occasions: np.ndarray
    contribution_by_week: np.ndarray | None = None
    contribution: np.ndarray | None = None
    touched: np.ndarray | None = None
    complaints: int = 0
    recovered: int = 0
    referred_new: int = 0
    offers: int = 0
    offers_hit: int = 0


@dataclasses.dataclass
class WeekLevels:
    """The market and the firm's levers this week."""

    unaware: int  # prospects who have not heard of the firm
    aware: int  # aware prospects who are not (yet) customers
    stage: int  # lifecycle stage code (sim.product.STAGES)
    media_budget: float  # currency units
    list_price: float  # currency units per unit
    discount: float
    failure_prob: float
    share_of_wallet: float = 1.0


class Recorder:
    """Weekly buffers of one run.

    Parameters
    ----------
    cfg : Config
        The scenario (cohort width, whether to keep transactions).
    weeks : int
        Length of the run in weeks.
    rivals : list of str
        Names of the rivals (for the ``churned_to_<name>`` columns).
    """

    def __init__(self, cfg, weeks: int, rivals: list[str] | tuple = ()):
        self.weeks = weeks
        self.cohort_weeks = cfg.output.cohort_weeks
        self.n_cohorts = 2 + (weeks - 1) // self.cohort_weeks
        self.rivals = list(rivals)
        self.counts = {k: np.zeros(weeks, dtype=np.int64) for k in _COUNTS}
        self.levels = {k: np.zeros(weeks, dtype=np.float64) for k in _LEVELS}
        self.at_risk = np.zeros(weeks, dtype=np.int64)
        self.stage = np.zeros(weeks, dtype=np.int8)
        self.adopters = np.zeros(weeks, dtype=np.int64)
        self.cohort_active = np.zeros((weeks, self.n_cohorts), dtype=np.int64)
        self.cohort_revenue = np.zeros((weeks, self.n_cohorts))
        self.cohort_margin = np.zeros((weeks, self.n_cohorts))
        self.cohort_contribution = np.zeros((weeks, self.n_cohorts))
        # Cohort by acquisition week + 1 (index 0: the initial base, acquired at week -1).
        self._cohort_of_week = np.r_[0, 1 + np.arange(weeks) // self.cohort_weeks].astype(np.intp)
        self.extra: dict[str, np.ndarray] = {}  # declared columns, in the order they first reported
        self._reporters: list[Reporter] = []
        self._dest = np.empty(0, dtype=np.int8)  # where this week's churners went
        self.keep_transactions = cfg.output.transactions
        self.start_date = np.datetime64(cfg.output.start_date, "D")
        self._tx: list[tuple[np.ndarray, int, np.ndarray, np.ndarray, np.ndarray]] = []
        self.cohort_sizes = np.zeros(self.n_cohorts, dtype=np.int64)

    def rival_columns(self, week: int) -> dict[str, float]:
        """A reporter of the week's churners to each rival (``churned_to_<name>``)."""
        return {f"churned_to_{name}": np.count_nonzero(self._dest == k + 1) for k, name in enumerate(self.rivals)}

    def add_reporter(self, reporter: Reporter) -> None:
        """Collect ``reporter``'s columns every week (see the module docstring)."""
        self._reporters.append(reporter)

    def cohort_of(self, acquired_week: np.ndarray) -> np.ndarray:
        """Acquisition cohort of customers acquired in ``acquired_week`` (0 for the initial base)."""
        return self._cohort_of_week.astype(np.int16)[np.asarray(acquired_week) + 1]

    def _by_cohort(self, acquired_week: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """Counts (or sums of ``weights``) by cohort: a bincount by week folded into cohorts."""
        by_week = bincount(acquired_week, self.weeks + 1, weights, offset=1)
        by_cohort = np.bincount(self._cohort_of_week, weights=by_week, minlength=self.n_cohorts)
        return by_cohort if weights is not None else by_cohort.astype(np.int64)

    def _fold(self, by_week: np.ndarray) -> np.ndarray:
        return np.bincount(self._cohort_of_week, weights=by_week, minlength=self.n_cohorts)

    def record_week(self, w: int, pop, rec: WeekRecord, lv: WeekLevels) -> None:
        """Observe week ``w`` just simulated (called once at the end of each week)."""
        active, lapsing, members, mean_sat, active_by_week = census(pop, self.weeks, (CHURNED, LAPSING))
        self.counts["unaware"][w], self.counts["aware"][w] = lv.unaware, lv.aware
        self._count(w, rec, (active, lapsing, members))
        dest = self._dest = pop.churn_to[rec.churned]
        self.counts["churned_to_rivals"][w] = int(np.count_nonzero(dest > 0))
        self.at_risk[w] = rec.alive.size - rec.new_rows.size
        self.adopters[w] = pop.n
        self.stage[w] = lv.stage
        levels = self.levels
        levels["mean_satisfaction"][w] = mean_sat
        for name in ("media_budget", "list_price", "discount", "share_of_wallet", "failure_prob"):
            levels[name][w] = getattr(lv, name)
        acq = pop.acquired_week
        self.cohort_active[w] = self._fold(active_by_week).astype(np.int64)
        revenue_by_week, margin_by_week = sums_by_week(rec.buyers, acq, (rec.paid, rec.margin), self.weeks + 1)
        self.cohort_revenue[w] = self._fold(revenue_by_week)
        self.cohort_margin[w] = self._fold(margin_by_week)
        contribution_by_week = rec.contribution_by_week
        if contribution_by_week is None:
            contribution_by_week = bincount(acq[rec.touched], self.weeks + 1, rec.contribution, offset=1)
        self.cohort_contribution[w] = self._fold(contribution_by_week)
        for reporter in self._reporters:
            values = reporter(w)
            for name, value in (values or {}).items():
                self.extra.setdefault(name, np.zeros(self.weeks))[w] = value
        if self.keep_transactions and rec.buyers.size:
            self._tx.append((pop.id[rec.buyers].copy(), w, rec.occasions.copy(), rec.paid.copy(),
                             pop.acquired_week[rec.buyers] < 0))

    def _count(self, w: int, rec: WeekRecord, census_counts: tuple[int, int, int]) -> None:
        c = self.counts
        c["active"][w], c["lapsing"][w], c["members"][w] = census_counts
        c["new"][w] = rec.new_rows.size
        c["churned"][w] = rec.churned.size
        c["won_back"][w] = rec.won_back.size
        c["buyers"][w] = rec.buyers.size
        c["purchase_occasions"][w] = int(rec.occasions.sum())
        c["complaints"][w] = rec.complaints
        c["recovered"][w] = rec.recovered
        c["referrals"][w] = rec.referred_new
        c["retention_offers_sent"][w] = rec.offers
        c["offers_to_lapsing"][w] = rec.offers_hit

    # -- tables --------------------------------------------------------------------------------
    def timeseries(self, ledger) -> pd.DataFrame:
        """One row per week: counts, ledger flows by category and group, points, levels, declared columns."""
        cols: dict[str, Any] = {"week": np.arange(self.weeks)}
        cols["prospects"] = self.counts["unaware"] + self.counts["aware"]
        cols.update(self.counts)
        mags = ledger.magnitudes()
        cols["revenue"] = mags["sales"] - mags["discounts"] - mags.get("refunds", 0.0)
        cols["gross_margin"] = ledger.weekly_group("gross_margin")
        for cat in ledger.categories:
            cols[cat.name] = mags[cat.name]
        cols["acquisition_spend"] = ledger.weekly_group("acquisition")
        cols["retention_spend"] = ledger.weekly_group("retention")
        cols["other_costs"] = ledger.weekly_group("other")
        cols["profit"] = ledger.weekly_profit()
        cols.update(ledger.points())
        cols.update(self.levels)
        cols["cumulative_adopters"] = self.adopters
        cols["adoptions"] = self.counts["new"]
        cols["product_stage"] = pd.Categorical(np.array(STAGES, dtype=object)[self.stage], categories=list(STAGES))
        cols.update(self.extra)
        return pd.DataFrame(cols)

    def cohorts(self) -> pd.DataFrame:
        """One row per acquisition cohort and week since the cohort began."""
        weeks, cw = self.weeks, self.cohort_weeks
        w_idx, k_idx = np.meshgrid(np.arange(weeks), np.arange(self.n_cohorts), indexing="ij")
        start = np.where(k_idx == 0, 0, (k_idx - 1) * cw)
        size = self.cohort_sizes
        keep = (w_idx >= start) & (size[k_idx] > 0)
        return pd.DataFrame(
            {
                "cohort": k_idx[keep],
                "cohort_start_week": start[keep],
                "initial_base": k_idx[keep] == 0,
                "week": w_idx[keep],
                "age_weeks": (w_idx - start)[keep],
                "cohort_size": size[k_idx[keep]],
                "active": self.cohort_active[keep],
                "revenue": self.cohort_revenue[keep],
                "gross_margin": self.cohort_margin[keep],
                "contribution": self.cohort_contribution[keep],
            }
        )

    def customers(self, pop, segments) -> pd.DataFrame:
        """The final snapshot, one row per customer ever acquired (``segments``: the shares config).

        Numeric columns are the population's own arrays (no copy: the run is over), and the
        categorical ones are built from their integer codes, so a run of millions of customers
        does not hold its state twice in memory at the end.
        """
        contribution = pop.gross_margin - pop.cost_to_serve
        states = list(STATE_NAMES.values())
        segment = value_segment_codes(contribution, segments.platinum_share, segments.gold_share,
                                      segments.silver_share)
        return pd.DataFrame(
            {
                "customer_id": pop.id,
                "state": pd.Categorical.from_codes(pop.state - min(STATE_NAMES), categories=states),
                "initial_base": pop.acquired_week < 0,
                "acquired_week": pop.acquired_week,
                "cohort": self.cohort_of(pop.acquired_week).astype(np.int16),
                "purchases": pop.purchases,
                "revenue": pop.revenue,
                "gross_margin": pop.gross_margin,
                "cost_to_serve": pop.cost_to_serve,
                "contribution": contribution,
                "acquisition_cost": pop.acquisition_cost,
                "clv_pv": pop.clv_pv,
                "satisfaction": pop.satisfaction,
                "expectation": pop.expectation,
                "purchase_rate": pop.purchase_rate,
                "basket_mean": pop.basket_mean,
                "price_sensitivity": pop.price_sensitivity,
                "quality_sensitivity": pop.quality_sensitivity,
                "generation": pop.generation,
                "needs": pd.Categorical.from_codes(pop.needs, categories=list(NEEDS)),
                "attachment": pop.attachment,
                "member": pop.member,
                "points": pop.points,
                "churn_count": pop.churn_count,
                # Last churn: '' never churned, 'left' the category, or the rival's name.
                "churned_to": pd.Categorical.from_codes(pop.churn_to + 1, categories=["", "left", *self.rivals]),
                "failures": pop.failures,
                "complaints": pop.complaints,
                "seen_purchases": pop.seen_purchases,
                "won_back_count": pop.won_back_count,
                "segment": pd.Categorical.from_codes(segment, categories=list(SEGMENTS)),
            },
            copy=False,
        )

    def transactions(self) -> pd.DataFrame | None:
        """One row per customer-week with a purchase, when kept (see :data:`TRANSACTION_COLUMNS`).

        ``amount`` is the week's spend summed over its ``occasions``; ``date`` is the first day of
        the week (``output.start_date + 7 week``). Customers of the initial base (``initial_base``)
        were buying before week 0, so their first row is not their first purchase (left-censored).
        """
        if not self.keep_transactions:
            return None
        tx = self._tx or [(np.empty(0, np.int64), 0, np.empty(0, np.int32), np.empty(0), np.empty(0, bool))]
        week = np.concatenate([np.full(t[0].size, t[1], dtype=np.int32) for t in tx])
        return pd.DataFrame(
            {
                "customer_id": np.concatenate([t[0] for t in tx]),
                "week": week,
                # Day resolution in milliseconds: pandas holds any start date with a long horizon.
                "date": (self.start_date + 7 * week.astype(np.int64)).astype("datetime64[ms]"),
                "occasions": np.concatenate([t[2] for t in tx]).astype(np.int32),
                "amount": np.concatenate([t[3] for t in tx]),
                "initial_base": np.concatenate([t[4] for t in tx]),
            }
        )

    def close(self, pop) -> None:
        """Count each cohort's size once the run is over (read by the cohort table and payback)."""
        self.cohort_sizes = self._by_cohort(pop.acquired_week)
