"""Product returns (sim/engine/returns.py): the books of a returned order, and who returns.

Paired runs on common random numbers, returns on (the default) and off: returns change the
books, not behaviour, so both runs hold the same customers making the same purchases, and every
difference between their accounts is what the returns booked. Runs are small (2,000 customers
over two years; a second or two each).
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine import Simulation
from tests.conftest import SMALL, compose_config

RETURN_CATEGORIES = ("refunds", "returned_goods", "return_handling")
#: A general retailer's returns (about 9 % of sales come back; the default firm has none).
RETAILER = "customers.return_propensity_mean=0.07"
#: Without the service orders need (the default's 12 an order times each buyer's service demand),
#: so that the small runs' customer profit is well above zero and its shares mean something.
OWN_COSTS = ["service.cost_per_order_service=0"]


def simulate(overrides: list[str]):
    """The simulation (for its ledger and customers) and its result."""
    sim = Simulation(compose_config([*SMALL, *overrides]))
    return sim, sim.run()


@pytest.fixture(scope="module")
def paired():
    """The default scenario with a general retailer's returns and the same without them (the default)."""
    return simulate([RETAILER, *OWN_COSTS]), simulate(OWN_COSTS)


def test_without_returns_the_run_books_none_of_their_categories(paired):
    _, (sim_off, off) = paired
    assert not any(c in off.timeseries for c in RETURN_CATEGORIES)
    assert not any(c.name in RETURN_CATEGORIES for c in sim_off.ledger.categories)


def test_returns_change_the_books_not_what_customers_do(paired):
    (sim_on, on), (_, off) = paired
    a, b = on.customers, off.customers
    assert np.array_equal(a["customer_id"].to_numpy(), b["customer_id"].to_numpy())
    assert np.array_equal(a["purchases"].to_numpy(), b["purchases"].to_numpy())
    assert np.array_equal(on.timeseries["sales"].to_numpy(), off.timeseries["sales"].to_numpy())
    refunded = b["revenue"].to_numpy() - a["revenue"].to_numpy()  # no loyalty discount: the price paid
    assert (refunded >= -1e-9).all() and refunded.sum() == pytest.approx(sim_on.ledger.total("refunds"), rel=1e-9)
    # The handling is a cost to serve of the customer who returned; nothing else moved.
    handling = a["cost_to_serve"].to_numpy() - b["cost_to_serve"].to_numpy()
    assert handling.sum() == pytest.approx(sim_on.ledger.total("return_handling"), rel=1e-9)
    assert ((handling > 0) == (refunded > 0)).all()


def test_the_customers_accounts_add_up_to_the_ledger_with_returns(paired):
    (sim, result), _ = paired
    led, c, s = sim.ledger, result.customers, result.summary
    net_sales = led.total("sales") - led.total("discounts") - led.total("refunds")
    assert s["revenue"] == pytest.approx(net_sales, rel=1e-12)
    assert c["revenue"].sum() == pytest.approx(net_sales, rel=1e-9)
    assert c["gross_margin"].sum() == pytest.approx(s["gross_margin"], rel=1e-9)
    assert s["gross_margin"] == pytest.approx(net_sales - led.total("cogs") + led.total("returned_goods"), rel=1e-12)
    # Goods back in stock: the cost of goods of the returned orders less the write-off.
    writeoff = sim.cfg.service.return_writeoff
    assert 0 < led.total("returned_goods") < (1 - writeoff) * led.total("cogs")


def test_a_returned_order_costs_its_margin_the_goods_written_off_and_the_handling(paired):
    """Each customer's contribution falls by exactly what her returns cost; about a tenth of sales come back."""
    (sim, on), (_, off) = paired
    loss = off.customers["contribution"].to_numpy() - on.customers["contribution"].to_numpy()
    assert (loss >= -1e-9).all()
    total = sim.ledger.total("refunds") - sim.ledger.total("returned_goods") + sim.ledger.total("return_handling")
    assert loss.sum() == pytest.approx(total, rel=1e-9)
    returned_share = sim.ledger.total("refunds") / (sim.ledger.total("sales") - sim.ledger.total("discounts"))
    assert 0.05 < returned_share < 0.15  # about 10 % of sales (National Retail Federation 2018)


def test_return_habits_raise_returns_and_a_zero_mean_switches_them_off():
    """More returns with a stronger habit (rates rising with the orders placed), the same purchases."""
    sims = [simulate([RETAILER, f"customers.return_habit={h}"]) for h in (0.0, 0.5)]
    refunds = [sim.ledger.total("refunds") for sim, _ in sims]
    assert refunds[1] > 1.2 * refunds[0] > 0
    assert np.array_equal(*(r.customers["purchases"].to_numpy() for _, r in sims))


def test_subscriptions_do_not_return():
    sim, _ = simulate([RETAILER, "customers.billing_period_weeks=4"])
    assert not any(c.name in RETURN_CATEGORIES for c in sim.ledger.categories)


def test_returns_concentrate_losses_on_few_customers(paired):
    """Returns fall on a minority of habitual returners: the whale curve steepens (the top fifth
    earns a larger share of customer profit) and fewer customers cover their costs."""
    (_, on), (_, off) = paired
    def top_fifth(result):
        c = np.sort(result.customers["contribution"].to_numpy())[::-1]
        return c[: int(0.2 * c.size)].sum() / c.sum()
    assert top_fifth(on) > top_fifth(off)
    assert on.summary["share_profitable_customers"] < off.summary["share_profitable_customers"]
