"""Compare every loyalty scheme on the default scenario and write the table of docs/loyalty.md.

    python experiments/loyalty_schemes/run.py [--seeds 3] [--jobs 2] [OVERRIDE ...]

Runs ``loyalty=<scheme>`` for every file in ``configs/loyalty/`` on the default scenario
(20,000 customers, 260 weeks) with seeds 0..seeds-1; each run also runs its paired no-programme
baseline (same seed), which gives ``loyalty_incremental_profit``. Extra arguments are Hydra
overrides applied to every run. Writes ``results.csv`` (one row per scheme and seed) and
``table.md`` (means over seeds, the paired increment's standard error) next to this file.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from hydra import compose, initialize_config_dir
from joblib import Parallel, delayed
from omegaconf import OmegaConf

from sim import run
from sim.config import register_configs

HERE = Path(__file__).resolve().parent
CONFIGS = HERE.parents[1] / "configs"
SCHEMES = ("none", "points", "tiers", "gamified", "coalition", "charity", "hybrid")
KPIS = ("profit", "npv_profit", "loyalty_cost", "loyalty_incremental_profit", "loyalty_incremental_npv",
        "loyalty_net_roi", "members_end", "members_active_end", "loyalty_cost_share_of_member_sales",
        "points_redemption_rate", "points_breakage_ultimate", "points_liability", "retention_rate_annual",
        "customers_active_end", "revenue")


def one_run(scheme: str, seed: int, overrides: list[str]) -> dict:
    """The KPIs of one scheme and seed on the default scenario."""
    register_configs()
    with initialize_config_dir(config_dir=str(CONFIGS), version_base="1.3"):
        cfg = compose(config_name="config", overrides=[f"loyalty={scheme}", f"seed={seed}", "output.plots=false",
                                                       *overrides])
    summary = run(OmegaConf.to_object(cfg)).summary
    return {"scheme": scheme, "seed": seed, **{k: summary.get(k) for k in KPIS}}


def table(results: pd.DataFrame) -> str:
    """Markdown table: means over seeds; money in thousands; the increment +- its standard error."""
    g = results.groupby("scheme", sort=False)
    mean = g.mean(numeric_only=True)
    se = g["loyalty_incremental_profit"].std(ddof=1) / np.sqrt(g.size())

    def k(x) -> str:
        return "" if pd.isna(x) else f"{x / 1e3:,.0f}"

    def pct(x) -> str:
        return "" if pd.isna(x) else f"{100 * x:.1f} %"

    rows = ["| scheme | profit | npv_profit | loyalty_cost | incremental profit | incremental npv | loyalty_net_roi "
            "| members (active) | cost / member sales | redeemed | breakage | liability | retention/yr |",
            "|---|" + "---:|" * 12]
    for scheme, m in mean.iterrows():
        inc = "" if pd.isna(m.loyalty_incremental_profit) else (
            f"{m.loyalty_incremental_profit / 1e3:,.0f} ± {se[scheme] / 1e3:,.0f}" if g.size()[scheme] > 1
            else k(m.loyalty_incremental_profit))
        rows.append(
            f"| {scheme} | {k(m.profit)} | {k(m.npv_profit)} | {k(m.loyalty_cost)} | {inc} "
            f"| {k(m.loyalty_incremental_npv)} | {'' if pd.isna(m.loyalty_net_roi) else f'{m.loyalty_net_roi:.2f}'} "
            f"| {'' if pd.isna(m.members_end) else f'{m.members_end:,.0f} ({m.members_active_end:,.0f})'} "
            f"| {pct(m.loyalty_cost_share_of_member_sales)} | {pct(m.points_redemption_rate)} "
            f"| {pct(m.points_breakage_ultimate)} | {k(m.points_liability)} | {pct(m.retention_rate_annual)} |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    args, overrides = parser.parse_known_args()
    jobs = [(s, seed) for seed in range(args.seeds) for s in SCHEMES]
    rows = Parallel(n_jobs=args.jobs)(delayed(one_run)(s, seed, overrides) for s, seed in jobs)
    results = pd.DataFrame(rows)
    results["scheme"] = pd.Categorical(results["scheme"], categories=SCHEMES, ordered=True)
    results = results.sort_values(["scheme", "seed"])
    results.to_csv(HERE / "results.csv", index=False)
    text = table(results)
    (HERE / "table.md").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
