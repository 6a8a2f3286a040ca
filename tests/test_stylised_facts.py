"""Emergent effect sizes of the default scenario against published ranges (docs/behaviour.md,
"Stylised facts"), measured as a researcher would: paired runs on common random numbers (the
same seed; only the lever differs), the whole five-year horizon, two seeds.

Monte-Carlo error: paired runs share every random number but the lever's consequences, so the
seed-to-seed spread of each measured elasticity is small (about 0.01 for price, 0.005 for
advertising on the default scenario); the tolerances are the published ranges themselves, each
at least ten times that spread away from the measured value.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.runner import run
from tests.conftest import compose_config

pytestmark = pytest.mark.slow
SEEDS = (0, 1)


def units(*overrides: str) -> float:
    """Units sold over the horizon (sales at list price over the list price)."""
    ts = run(compose_config(["output.plots=false", *overrides])).timeseries
    return float((ts["sales"] / ts["list_price"]).sum())


def arc_elasticity(low: list[str], high: list[str], log_ratio: float) -> float:
    """Mean over seeds of ``log(units_high / units_low) / log_ratio`` on paired runs."""
    return float(np.mean([np.log(units(*high, f"seed={s}") / units(*low, f"seed={s}")) / log_ratio
                          for s in SEEDS]))


def test_total_price_elasticity_of_units_is_in_the_published_range():
    """A standing list price 10 % below and above the default (22.5 vs 27.5) over five years:
    the total elasticity of units sold (rate, conversion, satisfaction, word of mouth together)
    lies in [-3, -2]; Bijmolt, van Heerde & Pieters (2005) meta-analysis mean -2.62. Price acts
    once per decision (the purchase rate and conversion); counted again through satisfaction's
    level it gave about -6.8."""
    e = arc_elasticity(["pricing.list_price=22.5"], ["pricing.list_price=27.5"], np.log(27.5 / 22.5))
    assert -3.0 <= e <= -2.0, e


def test_advertising_elasticity_of_sales_is_in_the_published_range():
    """Media budget 0.5x and 1.5x the default: the elasticity of units sold over the horizon
    lies in [0.1, 0.3]; Sethuraman, Tellis & Briesch (2011): 0.12 short term, 0.24 long term.
    With word of mouth ten times the published q and a closed market it was about 0.05."""
    e = arc_elasticity(["acquisition.media_budget_per_week=6000"], ["acquisition.media_budget_per_week=18000"],
                       np.log(3.0))
    assert 0.1 <= e <= 0.3, e


def test_word_of_mouth_imitation_coefficient_is_in_the_published_range():
    """Word of mouth's part of the weekly awareness hazard, per customer share of the market: the
    Bass imitation coefficient ``q`` in ``h_t = p + q F_t`` (Bass 1969), measured as the hazard of
    the default market less that of its paired twin without word of mouth (same advertising, same
    random numbers), over ``F_t`` (customers over potential), averaged over the horizon. With the
    lost kept lost, the unaware change only by becoming aware. The emergent q (promoters only,
    weighted by attachment) lies in [0.1, 0.8] a year, around the meta-analytic mean 0.38 of
    Sultan, Farley & Lehmann (1990) (the band is this project's tolerance). At the old 0.08 a
    week it was about 3 a year."""
    def hazard(*overrides):
        r = run(compose_config(["output.plots=false", "market.reconsideration=0", *overrides]))
        u = r.timeseries["unaware"].to_numpy(dtype=float)
        return -np.log(u[1:] / u[:-1]), r
    h, r = hazard()
    h0, _ = hazard("market.word_of_mouth=0")
    share = (r.timeseries["active"] + r.timeseries["lapsing"]).to_numpy(dtype=float)[:-1] / r.config.market.potential
    q_year = 52 * float(np.mean((h - h0) / share))
    assert 0.1 <= q_year <= 0.8, q_year


def test_points_breakage_is_about_a_third_of_points_earned():
    """Points never redeemed (expired, or still held by members who will not redeem them) over
    all points issued in the five years: in [0.2, 0.4]; about a third of rewards earned go
    unredeemed (COLLOQUY 2011, industry surveys). Reported on settled points (redeemed or
    expired only) it was about 0.14. Seed-to-seed spread about 0.01."""
    breakage = [run(compose_config(["output.plots=false", "loyalty=points", f"seed={s}"])).summary[
        "points_breakage_ultimate"] for s in SEEDS]
    assert 0.2 <= float(np.mean(breakage)) <= 0.4, breakage


def test_points_programme_lifts_members_buying_by_a_few_per_cent_at_most():
    """Purchases of the initial customers who join the points programme, against the very same
    customers in the paired run without a programme (same seed: the same people with the same
    luck, so self-selection into the programme is removed): the lift lies in (0, 10 %).
    Programmes raise members' buying by a few per cent at most once self-selection is removed
    (Leenheer, van Heerde, Bijmolt & Smidts 2007; Liu 2007; Taylor & Neslin 2005 about 6 % in
    the weeks of reward pressure). The goal gradient pulls purchases forward before a reward and
    pauses after it, so the lift is the assumed lasting uplift (0.02): about 2 %; with none it
    was about -0.1 %, at the old permanent-lift goal gradient of 0.25 about 5 %."""
    lifts = []
    for s in SEEDS:
        none = run(compose_config(["output.plots=false", f"seed={s}"])).customers.set_index("customer_id")
        points = run(compose_config(["output.plots=false", "loyalty=points", f"seed={s}"])).customers
        members = points[points["member"] & points["initial_base"]]
        lifts.append(members["purchases"].sum() / none.loc[members["customer_id"], "purchases"].sum() - 1.0)
    assert 0.0 < float(np.mean(lifts)) < 0.10, lifts
