"""Retention economics: Gupta-Lehmann-Stuart elasticities and the Reichheld-Sasser question.

    python experiments/retention_economics/run.py [--out DIR] [--runs DIR]

Both from the closed form and from ``experiment=classic_clv`` simulations (200,000 customers,
one period per simulated week so that long horizons are quick; the clock unit does not change
the value). Writes ``elasticities.csv``/``.md``, ``reichheld_sasser.csv``/``.md`` and
``figure.png`` to ``--out`` (default: this folder).
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy.optimize import brentq

from sim.analysis.clv import clv_constant_retention, retention_elasticity
from sim.report.style import HIGHLIGHT, PALETTE, deck_figure, deck_style, footnote
from sim.study import simulate, study_arguments, write_table

N = 200_000
SEED = 1
#: Ameritrade as reported by Gupta, Lehmann & Stuart (2004), and two other retention levels.
GLS_CASES = [("Ameritrade", 200.0, 0.95, 0.12, 203.0), ("r = 0.9", 200.0, 0.90, 0.12, 203.0),
             ("r = 0.8", 200.0, 0.80, 0.12, 203.0)]
#: Reichheld & Sasser (1990), credit-card profit per customer in years 1-5 (30, 42, 44, 49, 55
#: dollars), as multipliers of year 1; held flat after year 5.
CREDIT_CARD = [1.0, 42 / 30, 44 / 30, 49 / 30, 55 / 30]
RS_RATE, RS_BEFORE, RS_AFTER = 0.10, 0.90, 0.95
#: The credit-card trend (about +21 % of the first-year margin a year, years 1-5) carried on.
TREND = (55 / 30 - 1) / 4
PERIODS = 400  # value left after 400 periods: below 1e-9 of the total in every case here


#: Labels of the schedules in the figure.
SHORT = {"credit card (RS 1990), flat after year 5": "credit card, flat after yr 5",
         "credit-card trend to year 10": "trend to yr 10", "credit-card trend for 30 years": "trend for 30 yrs",
         "flat, discount rate 5%": "flat, i = 5%", "flat, undiscounted": "flat, i = 0", "flat": "flat, i = 10%"}


def linear(growth: float, until: int) -> list[float]:
    """Margin multipliers 1 + growth (t - 1) for t = 1 .. until, flat afterwards."""
    return list(np.round(1.0 + growth * np.arange(until), 6))


def closed_value(margin: float, retention: float, rate: float, tenure: list[float] | None = None) -> float:
    """sum_t m_t r^t / (1 + i)^t over PERIODS periods (m r/(1+i-r) when flat)."""
    t = np.arange(1, PERIODS + 1)
    factors = np.ones(PERIODS)
    if tenure:
        factors = np.asarray(tenure)[np.minimum(t - 1, len(tenure) - 1)]
    return float(np.sum(margin * factors * (retention / (1.0 + rate)) ** t))


def simulated_values(margin: float, retention: float, rate: float, run_dir: Path, tenure=None) -> np.ndarray:
    """Each customer's discounted value (clv_pv) in a classic_clv run; same seed, same customers."""
    periods = min(5200, math.ceil(math.log(1e-9) / math.log(retention / (1.0 + rate))))
    overrides = ["experiment=classic_clv", f"classic.margin={margin}", f"classic.retention={retention}",
                 f"classic.discount_rate={rate}", f"customers.initial={N}", "classic.period_weeks=1",
                 f"horizon.weeks={periods}", f"seed={SEED}"]
    if tenure:
        overrides.append(f"classic.tenure_margin=[{','.join(map(str, tenure))}]")
    return simulate(overrides, run_dir).customers["clv_pv"].to_numpy()


def paired_change(base: np.ndarray, changed: np.ndarray) -> tuple[float, float]:
    """Relative change of the mean and its standard error from per-customer paired differences."""
    diff = changed - base
    mean = base.mean()
    return float(diff.mean() / mean), float(diff.std(ddof=1) / math.sqrt(diff.size) / mean)


def elasticities(args) -> pd.DataFrame:
    rows = []
    for label, m, r, i, cost in GLS_CASES:
        value = float(clv_constant_retention(m, r, i))
        net = value - cost
        base = simulated_values(m, r, i, args.runs / f"{label}-base")
        better_r = simulated_values(m, 1.01 * r, i, args.runs / f"{label}-retention")
        better_m = simulated_values(1.01 * m, r, i, args.runs / f"{label}-margin")
        sim_r, se_r = paired_change(base, better_r)
        sim_m, se_m = paired_change(base, better_m)
        unpaired_se = math.sqrt(better_r.var() / N + base.var() / N) / base.mean()
        closed = {
            "retention +1%": float(clv_constant_retention(m, 1.01 * r, i)) / value - 1.0,
            "margin +1%": 0.01,
            "acquisition cost -1%": 0.0,
        }
        simulated = {"retention +1%": (sim_r, se_r), "margin +1%": (sim_m, se_m), "acquisition cost -1%": (0.0, 0.0)}
        for lever, change in closed.items():
            sim_change, se = simulated[lever]
            gross_sim = sim_change * base.mean()
            net_closed = 0.01 * cost / net if lever.startswith("acquisition") else change * value / net
            net_sim = (0.01 * cost / (base.mean() - cost) if lever.startswith("acquisition")
                       else gross_sim / (base.mean() - cost))
            rows.append({
                "case": label, "margin": m, "retention": r, "discount rate": i, "acquisition cost": cost,
                "lever": lever, "value change % (closed)": 100 * change, "value change % (sim)": 100 * sim_change,
                "sim SE % (paired)": 100 * se,
                "net value change % (closed)": 100 * net_closed, "net value change % (sim)": 100 * net_sim,
                "elasticity (1+i)/(1+i-r)": (float(retention_elasticity(r, i)) if lever.startswith("retention")
                                             else np.nan),
                "unpaired SE %": 100 * unpaired_se if lever.startswith("retention") else np.nan,
            })
    return pd.DataFrame(rows)


def reichheld_sasser(args) -> tuple[pd.DataFrame, dict[str, list[float] | None], float]:
    schedules: dict[str, tuple[list[float] | None, float]] = {
        "flat": (None, RS_RATE),
        "credit card (RS 1990), flat after year 5": (CREDIT_CARD, RS_RATE),
        "credit-card trend to year 10": (linear(TREND, 10), RS_RATE),
        "credit-card trend for 30 years": (linear(TREND, 30), RS_RATE),
        "flat, discount rate 5%": (None, 0.05),
        "flat, undiscounted": (None, 0.0),
    }
    rows = []
    for k, (label, (tenure, rate)) in enumerate(schedules.items()):
        before, after = closed_value(1.0, RS_BEFORE, rate, tenure), closed_value(1.0, RS_AFTER, rate, tenure)
        sim_before = simulated_values(100.0, RS_BEFORE, rate, args.runs / f"rs{k}-before", tenure)
        sim_after = simulated_values(100.0, RS_AFTER, rate, args.runs / f"rs{k}-after", tenure)
        gain, se = paired_change(sim_before, sim_after)
        rows.append({"margin schedule": label, "discount rate": rate, "value at 10% defection (x m1)": before,
                     "value at 5% defection (x m1)": after, "gain % (closed)": 100 * (after / before - 1),
                     "gain % (sim)": 100 * gain, "sim SE %": 100 * se})
    # Yearly growth (share of the first-year margin, never stopping) that gives +85 % at 10 %.
    needed = brentq(lambda g: closed_value(1, RS_AFTER, RS_RATE, linear(g, PERIODS)) /
                    closed_value(1, RS_BEFORE, RS_RATE, linear(g, PERIODS)) - 1.85, 0.0, 100.0)
    return pd.DataFrame(rows), {label: tenure for label, (tenure, _) in schedules.items()}, needed


def main() -> None:
    args = study_arguments(__doc__, Path(__file__).resolve().parent)
    gls = elasticities(args)
    write_table(gls, args.out, "elasticities")
    rs, schedules, needed = reichheld_sasser(args)
    write_table(rs, args.out, "reichheld_sasser")

    with deck_style():
        fig, axes = deck_figure(1, 3, gridspec_kw={"width_ratios": [1.0, 1.0, 1.3]})
        ameritrade = gls[gls["case"] == "Ameritrade"]
        x = np.arange(len(ameritrade))
        axes[0].bar(x - 0.2, ameritrade["net value change % (closed)"], width=0.4, color=PALETTE[0],
                    label="closed form")
        axes[0].bar(x + 0.2, ameritrade["net value change % (sim)"], width=0.4, color=HIGHLIGHT, label="simulation")
        axes[0].set_xticks(x, ["retention\n+1%", "margin\n+1%", "acq. cost\n-1%"])
        axes[0].set(ylabel="% change in value net of acquisition cost", title="Ameritrade: 1% better")
        axes[0].legend(loc="upper right", fontsize=10)
        years = np.arange(1, 31)
        for k, (label, tenure) in enumerate(schedules.items()):
            if tenure is None and label != "flat":
                continue
            factors = (np.ones(years.size) if tenure is None
                       else np.asarray(tenure)[np.minimum(years - 1, len(tenure) - 1)])
            axes[1].plot(years, factors, color=HIGHLIGHT if k == 1 else PALETTE[k % len(PALETTE)], lw=2,
                         label=SHORT.get(label, label))
        axes[1].set(xlabel="year of tenure", ylabel="margin / first-year margin", title="Margin schedules")
        axes[1].legend(loc="upper left", fontsize=9)
        y = np.arange(len(rs))
        axes[2].axvspan(25, 85, color=PALETTE[7], alpha=0.5, label="RS 1990: profit +25 to +85%")
        axes[2].barh(y, rs["gain % (closed)"], color=[HIGHLIGHT if k == 1 else PALETTE[0] for k in range(len(rs))])
        axes[2].plot(rs["gain % (sim)"], y, "o", color="#333333", label="simulation")
        axes[2].set_yticks(y, [SHORT.get(label, label) for label in rs["margin schedule"]], fontsize=10)
        axes[2].invert_yaxis()
        axes[2].set(xlabel="value gain %, defection 10% -> 5%", title="Reichheld-Sasser")
        axes[2].legend(loc="upper right", fontsize=9)
        footnote(fig, f"experiment=classic_clv, {N:,} customers, seed {SEED}; +85% at 10% needs margins growing "
                      f"{needed:.0%} of year 1 every year")
        fig.savefig(args.out / "figure.png")
        plt.close(fig)
    print((args.out / "elasticities.md").read_text())
    print((args.out / "reichheld_sasser.md").read_text())
    print(f"+85 % at a 10 % discount rate needs margins to grow by {needed:.0%} of the first year's every year")


if __name__ == "__main__":
    main()
