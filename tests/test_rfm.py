"""Exports other tools read: transactions carry a calendar date and the initial-base flag, and
the RFM summary follows lifetimes' and PyMC-Marketing's definitions (checked on hand-made logs,
whose expected values are worked out by hand from those definitions) and is non-trivial on a run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sim
from sim.analysis.rfm import rfm_summary, run_end
from sim.rundir import write_run_dir

SMALL = ["customers.initial=300", "market.potential=3000", "horizon.weeks=30", "output.plots=false",
         "output.transactions=true"]


def log(rows):
    return pd.DataFrame(rows, columns=["customer_id", "date", "amount"]).assign(date=lambda d: pd.to_datetime(d.date))


def test_daily_summary_by_the_definitions():
    tx = log([("a", "2024-01-01", 10.0), ("a", "2024-01-01", 5.0), ("a", "2024-01-04", 20.0),
              ("a", "2024-01-11", 40.0), ("b", "2024-01-05", 7.0), ("c", "2024-01-02", 1.0),
              ("c", "2024-01-03", 3.0)])
    rfm = rfm_summary(tx, unit="D", observation_end="2024-01-15")
    # a: days 1 (15 merged), 4, 11 -> 2 repeats, recency 10, T 14, mean repeat spend (20 + 40) / 2.
    assert rfm.loc["a"].to_dict() == {"frequency": 2.0, "recency": 10.0, "T": 14.0, "monetary_value": 30.0}
    assert rfm.loc["b"].to_dict() == {"frequency": 0.0, "recency": 0.0, "T": 10.0, "monetary_value": 0.0}
    assert rfm.loc["c"].to_dict() == {"frequency": 1.0, "recency": 1.0, "T": 13.0, "monetary_value": 3.0}
    assert list(rfm.index) == ["a", "b", "c"] and rfm.index.name == "customer_id"


def test_weekly_summary_merges_a_week_and_ends_at_the_last_date():
    # 2024-01-01 is a Monday: weeks are Mon-Sun, as pandas' W periods.
    tx = log([("a", "2024-01-01", 1.0), ("a", "2024-01-07", 2.0), ("a", "2024-01-08", 4.0),
              ("a", "2024-01-29", 8.0), ("b", "2024-01-16", 5.0), ("b", "2024-02-01", 6.0)])
    rfm = rfm_summary(tx, unit="W")  # the end of observation: the latest date, week of 2024-01-29
    assert rfm.loc["a"].to_dict() == {"frequency": 2.0, "recency": 4.0, "T": 4.0, "monetary_value": 6.0}
    assert rfm.loc["b"].to_dict() == {"frequency": 1.0, "recency": 2.0, "T": 2.0, "monetary_value": 6.0}
    with_first = rfm_summary(tx, unit="W", include_first_transaction=True)
    assert with_first.loc["a", "frequency"] == 3.0 and with_first.loc["a", "monetary_value"] == pytest.approx(5.0)
    cut = rfm_summary(tx, unit="W", observation_end="2024-01-20")  # later purchases are left out
    assert cut.loc["a"].to_dict() == {"frequency": 1.0, "recency": 1.0, "T": 2.0, "monetary_value": 4.0}
    assert cut.loc["b", "T"] == 0.0
    with pytest.raises(ValueError, match="'unit' parameter"):
        rfm_summary(tx, unit="M")


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    result = sim.run(sim.compose([*SMALL, "output.start_date=2025-03-03"]))
    run_dir = write_run_dir(result, tmp_path_factory.mktemp("rfm") / "run")
    return result, pd.read_parquet(run_dir / "transactions.parquet"), run_dir


def test_export_has_a_date_and_flags_the_initial_base(exported):
    result, tx, _ = exported
    assert list(tx.columns) == ["customer_id", "week", "date", "occasions", "amount", "initial_base"]
    assert (tx["date"] == pd.Timestamp("2025-03-03") + pd.to_timedelta(7 * tx["week"], unit="D")).all()
    initial = result.customers.set_index("customer_id")["initial_base"]
    assert (tx["initial_base"].to_numpy() == initial.reindex(tx["customer_id"]).to_numpy()).all()
    assert tx["initial_base"].any() and not tx["initial_base"].all()


def test_export_documents_its_columns_in_the_parquet_metadata(exported):
    from sim.analysis.collect import describe_columns

    columns = describe_columns(exported[2] / "transactions.parquet").set_index("column")
    assert list(columns.index) == ["customer_id", "week", "date", "occasions", "amount", "initial_base"]
    assert columns.loc["amount", "unit"] == "currency unit" and columns.loc["date", "type"] == "timestamp[ms]"
    assert "output.start_date + 7 week" in columns.loc["date", "description"]
    assert "left-censored" in columns.loc["initial_base", "description"]
    assert (columns["description"] != "").all()


def test_rfm_of_the_export_is_non_trivial_and_counts_purchase_weeks(exported):
    result, tx, _ = exported
    end = run_end(result.config.output.start_date, result.config.horizon.weeks)
    rfm = rfm_summary(tx, unit="W", observation_end=end)
    weeks = tx.groupby("customer_id")["week"]
    assert (rfm["frequency"] == weeks.nunique() - 1).all()
    assert (rfm["recency"] == weeks.max() - weeks.min()).all()
    assert (rfm["T"] == 29 - weeks.min()).all()
    assert (rfm["frequency"] > 0).mean() > 0.5 and (rfm["recency"] > 0).mean() > 0.5 and rfm["T"].mean() > 10
    assert (rfm["recency"] <= rfm["T"]).all() and rfm["initial_base"].any()
    days = rfm_summary(tx, unit="D", observation_end=end)
    np.testing.assert_array_equal(days["T"], 7 * rfm["T"])
    np.testing.assert_array_equal(days["frequency"], rfm["frequency"])


def test_bad_start_date_is_refused():
    with pytest.raises(sim.ConfigError, match="'output.start_date' parameter must be a date YYYY-MM-DD"):
        sim.validate(sim.compose(["output.start_date=2024-13-01"]))
