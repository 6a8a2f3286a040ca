"""The ledger: signs, groups, and conservation of money and points."""

from __future__ import annotations

import numpy as np
import pytest

from sim.ledger import CATEGORIES, Ledger


def test_costs_by_who_bore_them_and_the_cost_of_keeping():
    """Borne parts keep their category's sign; keeping = retention group + service + complaints."""
    led = Ledger(2, tuple(c for c in CATEGORIES if c.declared))
    assert "points_accrued" not in Ledger(2).magnitudes()  # declared categories only when declared
    led.post(0, "winback_offers", 10.0, (4.0, 6.0))
    led.post(1, "service_cost", 7.0, (7.0, 0.0))
    led.post(1, "points_released", 3.0, (1.0, 2.0))  # a positive flow lowers the cost borne
    led.post(0, "programme_cost", 5.0)  # the firm's own: nobody's
    led.post(0, "fixed_costs", 100.0, (50.0, 50.0))
    assert led.borne("new") == pytest.approx(6.0 - 2.0 + 50.0)
    assert led.borne("base", ("winback_offers", "service_cost")) == pytest.approx(11.0)
    assert led.keeping_cost() == pytest.approx(10.0 + 7.0 - 3.0 + 5.0)
    assert led.borne("new", led.keeping_categories()) == pytest.approx(4.0)
    assert "fixed_costs" not in led.keeping_categories()


def test_profit_identity_by_construction():
    led = Ledger(3, tuple(c for c in CATEGORIES if c.declared))  # every category, the declared ones too
    rng = np.random.default_rng(0)
    for c in CATEGORIES:
        for w in range(3):
            led.post(w, c.name, float(rng.uniform(0, 100)))
    profit = led.weekly_profit().sum()
    rebuilt = (led.group_total("gross_margin") - led.group_total("acquisition") - led.group_total("retention")
               - led.group_total("other"))
    assert profit == pytest.approx(rebuilt, rel=1e-12)
    # Net sales (after discounts and refunds of returned orders) less the cost of goods kept.
    assert led.group_total("gross_margin") == pytest.approx(
        led.total("sales") - led.total("discounts") - led.total("refunds") - led.total("cogs")
        + led.total("returned_goods"))
    assert np.allclose(sum(led.weekly_group(g) * (1 if g == "gross_margin" else -1)
                           for g in ("gross_margin", "acquisition", "retention", "other")), led.weekly_profit())


def test_partner_funding_offsets_loyalty_cost():
    led = Ledger(1)
    led.post(0, "reward_cost", 100.0)
    led.post(0, "partner_funding", 30.0)
    assert led.loyalty_cost() == pytest.approx(70.0)
    assert led.group_total("retention") == pytest.approx(70.0)


def test_negative_amounts_refused():
    led = Ledger(1)
    with pytest.raises(ValueError, match="cogs"):
        led.post(0, "cogs", -1.0)
    with pytest.raises(ValueError, match="issued"):
        led.post_points(0, "issued", -1)


def test_points_outstanding_is_running_balance():
    led = Ledger(3)
    led.post_points(0, "issued", 100)
    led.post_points(1, "redeemed", 40)
    led.post_points(2, "expired", 10)
    led.post_points(2, "issued", 5)
    pts = led.points()
    assert list(pts["points_outstanding"]) == [100, 60, 55]
    assert pts["points_issued"].sum() == (pts["points_redeemed"].sum() + pts["points_expired"].sum()
                                          + pts["points_outstanding"][-1])
