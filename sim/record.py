"""Recording a run: weekly series, acquisition cohorts, transactions and the final snapshot.

The :class:`Recorder` observes the engine once a week into preallocated buffers and turns them
into tidy tables only at the end, in :meth:`Recorder.result`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim import compiled
from sim.analysis.segments import value_segment_codes
from sim.config import Config
from sim.results import KPI_NAMES, RunResult
from sim.ledger import CATEGORIES
from sim.analysis.segments import SEGMENTS
from sim.population import NEEDS, STATE_NAMES
from sim.product import STAGES

if TYPE_CHECKING:  # pragma: no cover
    from sim.engine import Simulation

__all__ = ["Recorder", "RunResult", "KPI_NAMES"]

_COUNTS = (
    "unaware",
    "aware",
    "active",
    "lapsing",
    "new",
    "churned",
    "won_back",
    "buyers",
    "purchase_occasions",
    "members",
    "complaints",
    "recovered",
    "referrals",
    "churned_to_rivals",
    "retention_offers_sent",
    "offers_to_lapsing",
)
_LEVELS = ("mean_satisfaction", "media_budget", "list_price", "discount", "failure_prob", "share_of_wallet")


class Recorder:
    """Weekly buffers filled by the engine.

    Parameters
    ----------
    cfg : Config
        The scenario (for cohort width and whether to keep transactions).
    weeks : int
        Length of the run in weeks.
    """

    def __init__(self, cfg: Config, weeks: int):
        self.weeks = weeks
        self.cohort_weeks = cfg.output.cohort_weeks
        self.n_cohorts = 2 + (weeks - 1) // self.cohort_weeks
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
        self.extra: dict[str, np.ndarray] = {}  # columns added by strategies (e.g. loyalty schemes)
        self.keep_transactions = cfg.output.transactions
        self._tx: list[tuple[np.ndarray, int, np.ndarray, np.ndarray]] = []

    def cohort_of(self, acquired_week: np.ndarray) -> np.ndarray:
        """Acquisition cohort of customers acquired in ``acquired_week`` (0 for the initial base)."""
        return self._cohort_of_week.astype(np.int16)[np.asarray(acquired_week) + 1]

    def _by_cohort(self, acquired_week: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """Counts (or sums of ``weights``) by cohort: a bincount by week folded into cohorts."""
        by_week = compiled.bincount(acquired_week, self.weeks + 1, weights, offset=1)
        by_cohort = np.bincount(self._cohort_of_week, weights=by_week, minlength=self.n_cohorts)
        return by_cohort if weights is not None else by_cohort.astype(np.int64)

    def record_week(self, sim: "Simulation", *, alive, new_rows, churned, won_back, buyers, paid, margin, occasions,
                    contribution=None, touched=None, complaints: int = 0, recovered: int = 0, referred_new: int = 0,
                    offers: int = 0, offers_hit: int = 0, contribution_by_week: np.ndarray | None = None) -> None:
        """Observe the week just simulated (called by the engine at the end of each tick).

        The week's contribution by cohort comes either as ``contribution`` per ``touched`` row or,
        already summed, as ``contribution_by_week`` (by acquisition week + 1).
        """
        w, pop, nc = sim.week, sim.pop, self.n_cohorts
        active, lapsing, members, mean_sat, active_by_week = compiled.census(pop, self.weeks)
        c = self.counts
        c["unaware"][w] = sim.market.unaware
        c["aware"][w] = sim.market.aware
        c["active"][w] = active
        c["lapsing"][w] = lapsing
        c["new"][w] = new_rows.size
        c["churned"][w] = churned.size
        c["won_back"][w] = won_back.size
        c["buyers"][w] = buyers.size
        c["purchase_occasions"][w] = int(occasions.sum())
        c["members"][w] = members
        c["complaints"][w] = complaints
        c["recovered"][w] = recovered
        c["referrals"][w] = referred_new
        c["retention_offers_sent"][w] = offers
        c["offers_to_lapsing"][w] = offers_hit
        dest = pop.churn_to[churned]
        c["churned_to_rivals"][w] = int(np.count_nonzero(dest > 0))
        for k, name in enumerate(sim.competition.names if hasattr(sim, "competition") else ()):
            self.extra.setdefault(f"churned_to_{name}", np.zeros(self.weeks))[w] = np.count_nonzero(dest == k + 1)
        self.at_risk[w] = alive.size - new_rows.size
        self.adopters[w] = pop.n
        if hasattr(sim, "stages"):
            self.stage[w] = sim.stages.stage
        lv = self.levels
        lv["mean_satisfaction"][w] = mean_sat
        lv["media_budget"][w] = sim.levers.media_budget
        lv["list_price"][w] = getattr(sim, "list_price", sim.levers.list_price)
        lv["discount"][w] = getattr(sim, "discount", sim.levers.discount)
        lv["share_of_wallet"][w] = getattr(sim, "share_of_wallet", 1.0)
        lv["failure_prob"][w] = sim.levers.failure_prob
        acq = pop.acquired_week
        self.cohort_active[w] = np.bincount(self._cohort_of_week, weights=active_by_week, minlength=nc).astype(np.int64)
        revenue_by_week, margin_by_week = compiled.sums_by_week(buyers, acq, paid, margin, self.weeks + 1)
        self.cohort_revenue[w] = np.bincount(self._cohort_of_week, weights=revenue_by_week, minlength=nc)
        self.cohort_margin[w] = np.bincount(self._cohort_of_week, weights=margin_by_week, minlength=nc)
        if contribution_by_week is None:
            contribution_by_week = compiled.bincount(acq[touched], self.weeks + 1, contribution, offset=1)
        self.cohort_contribution[w] = np.bincount(self._cohort_of_week, weights=contribution_by_week, minlength=nc)
        if sim.programme.active:
            for name, value in sim.programme.weekly(sim).items():
                self.extra.setdefault(name, np.zeros(self.weeks))[w] = value
        if self.keep_transactions and buyers.size:
            self._tx.append((pop.id[buyers].copy(), w, occasions.copy(), paid.copy()))

    # -- tables --------------------------------------------------------------------------------
    def _timeseries(self, sim: "Simulation") -> pd.DataFrame:
        led = sim.ledger
        cols: dict[str, Any] = {"week": np.arange(self.weeks)}
        cols["prospects"] = self.counts["unaware"] + self.counts["aware"]
        cols.update(self.counts)
        mags = led.magnitudes()
        cols["revenue"] = mags["sales"] - mags["discounts"]
        cols["gross_margin"] = led.weekly_group("gross_margin")
        for cat in CATEGORIES:
            cols[cat.name] = mags[cat.name]
        cols["acquisition_spend"] = led.weekly_group("acquisition")
        cols["retention_spend"] = led.weekly_group("retention")
        cols["other_costs"] = led.weekly_group("other")
        cols["profit"] = led.weekly_profit()
        cols.update(led.points())
        cols.update(self.levels)
        cols["cumulative_adopters"] = self.adopters
        cols["adoptions"] = self.counts["new"]
        cols["product_stage"] = pd.Categorical(np.array(STAGES, dtype=object)[self.stage], categories=list(STAGES))
        cols.update(self.extra)
        return pd.DataFrame(cols)

    def _cohorts(self) -> pd.DataFrame:
        weeks, cw = self.weeks, self.cohort_weeks
        w_idx, k_idx = np.meshgrid(np.arange(weeks), np.arange(self.n_cohorts), indexing="ij")
        start = np.where(k_idx == 0, 0, (k_idx - 1) * cw)
        size = np.zeros(self.n_cohorts, dtype=np.int64)
        size[:] = self._cohort_sizes
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

    def _customers(self, sim: "Simulation") -> pd.DataFrame:
        """The final snapshot, one row per customer ever acquired.

        Numeric columns are the population's own arrays (no copy: the run is over), and the
        categorical ones are built from their integer codes, so a run of millions of customers
        does not hold its state twice in memory at the end.
        """
        pop, cfg = sim.pop, sim.cfg
        contribution = pop.gross_margin - pop.cost_to_serve
        states = list(STATE_NAMES.values())
        rivals = getattr(getattr(sim, "competition", None), "names", [])
        segment = value_segment_codes(contribution, cfg.segments.platinum_share, cfg.segments.gold_share,
                                      cfg.segments.silver_share)
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
                "churned_to": pd.Categorical.from_codes(pop.churn_to + 1, categories=["", "left", *rivals]),
                "failures": pop.failures,
                "complaints": pop.complaints,
                "seen_purchases": pop.seen_purchases,
                "won_back_count": pop.won_back_count,
                "segment": pd.Categorical.from_codes(segment, categories=list(SEGMENTS)),
            },
            copy=False,
        )

    def _transactions(self) -> pd.DataFrame | None:
        if not self.keep_transactions:
            return None
        if not self._tx:
            return pd.DataFrame({"customer_id": np.empty(0, np.int64), "week": np.empty(0, np.int32),
                                 "occasions": np.empty(0, np.int32), "amount": np.empty(0)})
        return pd.DataFrame(
            {
                "customer_id": np.concatenate([t[0] for t in self._tx]),
                "week": np.concatenate([np.full(t[0].size, t[1], dtype=np.int32) for t in self._tx]),
                "occasions": np.concatenate([t[2] for t in self._tx]).astype(np.int32),
                "amount": np.concatenate([t[3] for t in self._tx]),
            }
        )

    # -- KPIs ----------------------------------------------------------------------------------
    def result(self, sim: "Simulation", wall_seconds: float) -> RunResult:
        """Assemble tables and KPIs once the run has finished."""
        pop, cfg = sim.pop, sim.cfg
        self._cohort_sizes = self._by_cohort(pop.acquired_week)
        ts = self._timeseries(sim)
        customers = self._customers(sim)
        summary = compute_kpis(sim, ts, customers, self, wall_seconds)
        return RunResult(
            summary=summary,
            timeseries=ts,
            cohorts=self._cohorts(),
            customers=customers,
            transactions=self._transactions(),
            config=cfg,
            segments=segment_table(customers),
        )


def segment_table(customers: pd.DataFrame) -> pd.DataFrame:
    """Customers, revenue and contribution per value segment (platinum first, lead last)."""
    codes = customers["segment"].cat.codes.to_numpy()  # categories are SEGMENTS, in order
    k = len(SEGMENTS)
    g = pd.DataFrame({
        "segment": list(SEGMENTS),
        "customers": compiled.bincount(codes, k),
        "revenue": compiled.bincount(codes, k, customers["revenue"].to_numpy()),
        "contribution": compiled.bincount(codes, k, customers["contribution"].to_numpy()),
    })
    total = customers["contribution"].sum()
    g["share_of_customers"] = g["customers"] / max(len(customers), 1)
    g["share_of_contribution"] = g["contribution"] / total if total != 0 else 0.0
    return g


def _ratio(num: float, den: float) -> float | None:
    return None if den == 0 or not math.isfinite(num / den) else num / den


def payback_weeks(rec: Recorder, cac: float | None) -> int | None:
    """Weeks from acquisition until the average new customer's contribution covers the CAC.

    Uses acquisition cohorts (``output.cohort_weeks`` wide), so it is resolved to about a cohort
    width; None when acquisition is free, nobody was acquired, or payback is beyond the horizon.
    """
    if cac is None or rec.n_cohorts < 2:
        return None
    cw, weeks = rec.cohort_weeks, rec.weeks
    total = np.zeros(weeks)
    size = np.zeros(weeks)
    for k in range(1, rec.n_cohorts):
        start = (k - 1) * cw
        n = rec._cohort_sizes[k]
        if n == 0 or start >= weeks:
            continue
        series = rec.cohort_contribution[start:, k]
        total[: series.size] += series
        size[: series.size] += n
    with np.errstate(invalid="ignore", divide="ignore"):
        per_head = np.cumsum(np.where(size > 0, total / np.maximum(size, 1), 0.0))
    hit = np.flatnonzero((per_head >= cac) & (size > 0))
    return int(hit[0]) if hit.size else None


def compute_kpis(sim: "Simulation", ts: pd.DataFrame, customers: pd.DataFrame, rec: Recorder,
                 wall_seconds: float) -> dict[str, Any]:
    """The KPI dict of DESIGN.md from the ledger, the weekly series and the customer snapshot."""
    cfg, led = sim.cfg, sim.ledger
    acquired = int(ts["new"].sum())
    churned = int(ts["churned"].sum())
    won_back = int(ts["won_back"].sum())
    gross_margin = led.group_total("gross_margin")
    acquisition = led.group_total("acquisition")
    retention = led.group_total("retention")
    other = led.group_total("other")
    profit = float(led.weekly_profit().sum())
    weekly_rate = math.log1p(cfg.market.discount_rate_annual) / 52.0
    npv = float((led.weekly_profit() * np.exp(-weekly_rate * (np.arange(rec.weeks) + 1))).sum())
    cac = _ratio(acquisition, acquired)
    at_risk = int(rec.at_risk.sum())
    weekly_churn = churned / at_risk if at_risk else 0.0
    new = customers["acquired_week"].to_numpy() >= 0
    contribution = customers["contribution"].to_numpy()
    clv_base = customers["clv_pv"].to_numpy()[new] if new.any() else customers["clv_pv"].to_numpy()
    mean_clv = float(clv_base.mean()) if clv_base.size else 0.0
    loyalty_cost = led.loyalty_cost()
    points = led.points()
    outstanding = int(points["points_outstanding"][-1])
    profit_from_new = float(contribution[new].sum()) - acquisition
    summary: dict[str, Any] = {
        "customers_initial": int(cfg.customers.initial),
        "customers_acquired": acquired,
        "customers_churned": churned,
        "customers_won_back": won_back,
        "customers_active_end": int(ts["active"].iloc[-1]),
        "revenue": float(ts["revenue"].sum()),
        "gross_margin": gross_margin,
        "acquisition_spend": acquisition,
        "retention_spend": retention,
        "other_costs": other,
        "profit": profit,
        "npv_profit": npv,
        "cac": cac,
        "retention_rate_annual": (1.0 - weekly_churn) ** 52,
        "mean_clv": mean_clv,
        "ltv_to_cac": _ratio(mean_clv, cac) if cac else None,
        "payback_weeks": payback_weeks(rec, cac),
        "loyalty_cost": loyalty_cost,
        "loyalty_roi": None,
        "points_liability": sim.programme.liability(sim),
        "points_issued": int(points["points_issued"].sum()),
        "points_redeemed": int(points["points_redeemed"].sum()),
        "points_expired": int(points["points_expired"].sum()),
        "points_outstanding": outstanding,
        "share_profitable_customers": float((contribution > 0).mean()) if contribution.size else 0.0,
        "profit_from_retained": profit - profit_from_new,
        "profit_from_new": profit_from_new,
        "customer_weeks": int(rec.at_risk.sum() + ts["new"].sum()),
        "wall_seconds": float(wall_seconds),
    }
    # Beyond the contract KPIs: programme size and each scheme's own figures.
    if sim.programme.active:
        summary["members_end"] = int(rec.counts["members"][-1])
        summary.update(sim.programme.kpis(sim))
    return summary
