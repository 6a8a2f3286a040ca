"""Tests of sim.analysis.transactions: reading logs, validating them, summarising them.

CDNOW facts (2,357 customers, 6,919 lines, first purchases in Q1 1997, data to 1998-06-30) are
from Fader, Hardie & Lee (2005), "Counting your customers the easy way", Marketing Science 24(2),
and Hardie's read-me distributed with the file.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from sim.analysis.transactions import (
    TransactionLogError,
    cdnow_sample_path,
    read_transactions,
    summarize_calibration,
)

CDNOW_SHA256 = "6fae10155c0b0ba363c2c386e30f77990d22328220efd862a5edd1443420d94a"


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    """The bundled CDNOW sample as read."""
    return read_transactions(cdnow_sample_path())


def _write(tmp_path, text: str, name: str = "log.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


# ------------------------------------------------------------------------------------------
# Reading
# ------------------------------------------------------------------------------------------


def test_bundled_cdnow_file_is_the_distributed_one():
    """The packaged file is byte-identical to Hardie's distribution (hash pinned in sim/data/README.md)."""
    assert hashlib.sha256(cdnow_sample_path().read_bytes()).hexdigest() == CDNOW_SHA256


def test_read_cdnow(cdnow):
    """6,919 lines and 2,357 customers; ids keep their leading zeros; all lines are kept,
    including the 21 exact duplicates (a customer may buy the same thing twice in a day)."""
    assert len(cdnow) == 6919
    assert cdnow["customer_id"].nunique() == 2357
    assert list(cdnow.columns) == ["customer_id", "date", "amount"]
    assert pd.api.types.is_string_dtype(cdnow["customer_id"])
    assert pd.api.types.is_datetime64_dtype(cdnow["date"])
    assert cdnow["amount"].dtype == np.float64
    first = cdnow.iloc[0]
    assert (first["customer_id"], first["date"], first["amount"]) == ("00004", pd.Timestamp("1997-01-01"), 29.33)
    assert cdnow.duplicated().sum() == 21
    assert cdnow["date"].min() == pd.Timestamp("1997-01-01") and cdnow["date"].max() == pd.Timestamp("1998-06-30")


def test_csv_round_trip(cdnow, tmp_path):
    """Writing the CDNOW log as CSV (ISO dates) and reading it back gives the same frame."""
    path = tmp_path / "cdnow.csv"
    cdnow.to_csv(path, index=False, date_format="%Y-%m-%d")
    pd.testing.assert_frame_equal(read_transactions(path), cdnow)


def test_csv_accepts_compact_dates_any_column_order_and_extra_columns(tmp_path):
    path = _write(
        tmp_path, "amount,store,date,customer_id\n12.5,A,19970105,c1\n3,B,1997-01-06,c2\n\n4,A,1997-01-06,c2\n"
    )
    df = read_transactions(path)
    assert list(df["customer_id"]) == ["c1", "c2", "c2"]
    assert list(df["date"]) == [pd.Timestamp("1997-01-05"), pd.Timestamp("1997-01-06"), pd.Timestamp("1997-01-06")]
    assert list(df["amount"]) == [12.5, 3.0, 4.0]


def test_cdnow_master_format_reads_as_the_sample(cdnow, tmp_path):
    """The 4-column CDNOW master file (id, date, quantity, amount) gives the same log as the
    5-column sample: the layout is taken from the first line."""
    lines = cdnow_sample_path().read_text().splitlines()
    master = "\n".join(" ".join(f for i, f in enumerate(line.split()) if i != 1) for line in lines if line.strip())
    pd.testing.assert_frame_equal(read_transactions(_write(tmp_path, master + "\n", "CDNOW_master.txt")), cdnow)


def test_cdnow_mixed_layouts_are_refused(tmp_path):
    text = "00001 19970101 1 11.77\n00002 0001 19970112 1 12.00\n"
    with pytest.raises(TransactionLogError, match=r"line 2: 5 fields.*line 1 has 4"):
        read_transactions(_write(tmp_path, text, "log.txt"))


def test_columns_named_by_the_caller_and_dates_with_times(tmp_path):
    """A firm's export: its own column names, timestamps with times and offsets; the purchase
    day is the day as written (23:59 and 00:01 are different days whatever the offset)."""
    text = ("order_id,client,ts,net_value\n"
            "1,A,2024-03-01 23:59,10\n"
            "2,A,2024-03-02T00:01:05+05:00,5.5\n"
            "3,B,2024-03-03T10:00:00.123Z,7\n"
            "4,B,20240304,1\n")
    df = read_transactions(_write(tmp_path, text), customer="client", date="ts", amount="net_value")
    assert list(df["customer_id"]) == ["A", "A", "B", "B"]
    assert list(df["date"].dt.strftime("%Y-%m-%d")) == ["2024-03-01", "2024-03-02", "2024-03-03", "2024-03-04"]
    assert list(df["amount"]) == [10.0, 5.5, 7.0, 1.0]
    with pytest.raises(TransactionLogError, match=r"missing column\(s\) 'customer_id'.*--customer-column"):
        read_transactions(_write(tmp_path, text))
    with pytest.raises(TransactionLogError, match=r"line 2, column 'date': '2024-03-01 25:00'"):
        read_transactions(_write(tmp_path, "customer_id,date,amount\nA,2024-03-01 25:00,1\n"))


def test_parquet_log(cdnow, tmp_path):
    """Parquet with timestamps (time-zone aware, local day kept), integer ids and named columns
    reads as the same log; a bad row is named by its 1-based row number."""
    frame = pd.DataFrame({
        "cust": cdnow["customer_id"].astype(int),
        "when": (cdnow["date"] + pd.Timedelta(hours=23)).dt.tz_localize("America/New_York"),
        "value": cdnow["amount"]})
    frame.to_parquet(tmp_path / "log.parquet")
    got = read_transactions(tmp_path / "log.parquet", customer="cust", date="when", amount="value")
    pd.testing.assert_series_equal(got["date"], cdnow["date"])
    assert np.array_equal(got["amount"], cdnow["amount"])
    assert (got["customer_id"] == cdnow["customer_id"].astype(int).astype(str)).all()
    frame.loc[5, "value"] = -1.0
    frame.to_parquet(tmp_path / "bad.pq")
    with pytest.raises(TransactionLogError, match=r"bad.pq, row 6, column 'amount': '-1.0' is negative"):
        read_transactions(tmp_path / "bad.pq", customer="cust", date="when", amount="value")
    (tmp_path / "broken.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(TransactionLogError, match="not a readable Parquet file"):
        read_transactions(tmp_path / "broken.parquet")


def test_missing_file(tmp_path):
    path = tmp_path / "nope.csv"
    with pytest.raises(TransactionLogError, match="nope.csv.*not found"):
        read_transactions(path)


@pytest.mark.parametrize("text", ["", "\n  \n"])
def test_empty_file(tmp_path, text):
    with pytest.raises(TransactionLogError, match="empty file"):
        read_transactions(_write(tmp_path, text))


def test_header_without_rows(tmp_path):
    with pytest.raises(TransactionLogError, match="no transactions"):
        read_transactions(_write(tmp_path, "customer_id,date,amount\n"))


def test_missing_column_is_named(tmp_path):
    path = _write(tmp_path, "customer_id,day,amount\nc1,1997-01-01,3\n")
    with pytest.raises(TransactionLogError, match=r"log.csv, line 1: missing column\(s\) 'date'"):
        read_transactions(path)


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        # Line numbers are lines in the file: the header is line 1, blank lines still count.
        (
            "customer_id,date,amount\nc1,1997-01-01,3\n\nc2,1997-02-30,4\n",
            r"line 4, column 'date': '1997-02-30'.*YYYY-MM-DD or YYYYMMDD",
        ),
        ("customer_id,date,amount\nc1,01/02/1997,3\n", r"line 2, column 'date': '01/02/1997'"),
        ("customer_id,date,amount\nc1,1997-1-1,3\n", r"line 2, column 'date': '1997-1-1'"),
        (
            "customer_id,date,amount\nc1,1997-01-01,3\nc1,1997-01-02,-0.5\n",
            r"line 3, column 'amount': '-0.5' is negative",
        ),
        ("customer_id,date,amount\nc1,1997-01-01,ten\n", r"line 2, column 'amount': 'ten' is not a finite number"),
        ("customer_id,date,amount\nc1,1997-01-01,\n", r"line 2, column 'amount': '' is not a finite number"),
        ("customer_id,date,amount\nc1,1997-01-01,inf\n", r"line 2, column 'amount': 'inf' is not a finite number"),
        ("customer_id,date,amount\n,1997-01-01,3\n", r"line 2, column 'customer_id': '' is empty"),
        ("customer_id,date,amount\nc1,1997-01-01\n", r"line 2: 2 fields"),
    ],
)
def test_csv_bad_rows_are_located(tmp_path, text, pattern):
    with pytest.raises(TransactionLogError, match=pattern):
        read_transactions(_write(tmp_path, text))


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        (
            " 00004 0001 19970101  2   29.33\n 00004 0001 1997-01-18  2   29.73\n",
            r"line 2, column 'date': '1997-01-18'.*allowed: YYYYMMDD$",
        ),
        (" 00004 0001 19970101  2   29.33\n 00004 0001 19970118  2\n", r"line 2: 4 fields"),
        (" 00004 0001 19970101  2   -29.33\n", r"line 1, column 'amount': '-29.33' is negative"),
        (" 00004 0001 19970101  2   $29.33\n", r"line 1, column 'amount': '\$29.33'"),
        (" 00004 0001 19970101  2.5 29.33\n", r"line 1, column 'quantity'.*'2.5'"),
    ],
)
def test_cdnow_bad_rows_are_located(tmp_path, text, pattern):
    with pytest.raises(TransactionLogError, match=pattern):
        read_transactions(_write(tmp_path, text, "log.txt"))


def test_error_is_a_value_error(tmp_path):
    """Callers that catch ValueError also catch bad logs."""
    assert issubclass(TransactionLogError, ValueError)


# ------------------------------------------------------------------------------------------
# Summaries
# ------------------------------------------------------------------------------------------


def test_cdnow_calibration_summary(cdnow):
    """39-week calibration on CDNOW (Fader, Hardie & Lee 2005): 2,457 repeat transactions by
    946 repeaters (1,411 customers with none), T up to 272/7 = 38.86 weeks, 39 holdout weeks.
    Customer 00004 bought on 1997-01-01, 01-18, 08-02 and 12-12: x = 2, t_x = 213/7 = 30.43,
    one holdout purchase, mean repeat spend (29.73 + 14.96)/2."""
    summary = summarize_calibration(cdnow, calibration_weeks=39)
    assert len(summary) == 2357
    assert summary["x"].sum() == 2457
    assert (summary["x"] == 0).sum() == 1411
    assert summary["T"].max() == pytest.approx(272 / 7)
    assert np.all(summary["holdout_weeks"] == 39.0)
    assert summary["x_holdout"].sum() == 1882
    row = summary.loc["00004"]
    assert row["x"] == 2 and row["x_holdout"] == 1
    assert row["t_x"] == pytest.approx(213 / 7)
    assert row["T"] == pytest.approx(272 / 7)
    assert row["mean_repeat_spend"] == pytest.approx((29.73 + 14.96) / 2)
    assert summary.loc[summary["x"] == 0, "mean_repeat_spend"].isna().all()
    assert (summary.loc[summary["x"] == 0, "t_x"] == 0).all()


def test_same_day_purchases_are_merged(tmp_path):
    """Two purchases on one day count as one transaction whose value is their sum, in both
    periods; an identical duplicate line is not rejected."""
    path = _write(
        tmp_path,
        "customer_id,date,amount\n"
        "a,2020-01-01,5\n"
        "a,2020-01-01,5\n"  # same-day, identical: part of the first purchase
        "a,2020-01-08,10\n"
        "a,2020-01-08,20\n"  # same-day: one repeat worth 30
        "a,2020-01-14,6\n"
        "a,2020-01-29,1\n"
        "a,2020-01-29,1\n"  # holdout, same day: one transaction
        "b,2020-01-10,7\n",
    )
    summary = summarize_calibration(read_transactions(path), calibration_weeks=2)
    a, b = summary.loc["a"], summary.loc["b"]
    assert (a["x"], a["t_x"], a["T"]) == (2, 13 / 7, 13 / 7)
    assert a["mean_repeat_spend"] == pytest.approx(18.0)
    assert a["x_holdout"] == 1
    assert (b["x"], b["t_x"], b["T"], b["x_holdout"]) == (0, 0.0, 4 / 7, 0)
    assert a["holdout_weeks"] == pytest.approx(15 / 7)


def test_observation_end_and_late_customers(tmp_path):
    """Customers first seen after calibration are left out; purchases after observation_end are
    ignored; an observation_end before the calibration ends is refused."""
    path = _write(
        tmp_path,
        "customer_id,date,amount\na,2020-01-01,1\na,2020-01-20,1\na,2020-02-20,1\nlate,2020-01-16,1\n",
    )
    df = read_transactions(path)
    summary = summarize_calibration(df, calibration_weeks=2, observation_end="2020-01-31")
    assert list(summary.index) == ["a"]
    assert summary.loc["a", "x_holdout"] == 1
    assert summary.loc["a", "holdout_weeks"] == pytest.approx(17 / 7)
    with pytest.raises(ValueError, match="observation_end"):
        summarize_calibration(df, calibration_weeks=2, observation_end="2020-01-10")
    with pytest.raises(ValueError, match="calibration_weeks"):
        summarize_calibration(df, calibration_weeks=0)
    with pytest.raises(ValueError, match="amount"):
        summarize_calibration(df.drop(columns="amount"), calibration_weeks=2)


@pytest.mark.parametrize("text", [
    "customer_id,date,amount\r\n1,2020-01-01,5\r\n2,2020-01-02 10:00,6\r\n",
    "customer_id , date,amount,extra\n 1 ,2020-01-01, 5 ,x\n",
    "customer_id,date,amount\n1,2020-01-01,5\n\n2,2020-01-03,1\n",
    "customer_id,date,amount\n1,2020-01-01,5\n2,2020-13-01,1\n",
    "customer_id,date,amount\n1,2020-01-01,5,6\n2,2020-01-01\n",
    "customer_id,date,amount\n1,2020-01-01,5\n1,2020-01-01,5,6\n",
    'customer_id,date,amount\n"1,a",2020-01-01,5\n',
    "customer_id,date,amount\n1,2020-01-01,5",
])
def test_plain_csv_fast_path_reads_what_the_line_reader_reads(text, tmp_path, monkeypatch):
    """pandas' C parser reads plain CSV logs (5 M lines: 26 s of 54 s saved); any other file, or a fault, goes to
    the line-by-line reader: the same table or the same message, with its line, either way."""
    from sim.analysis import transactions

    path = tmp_path / "log.csv"
    path.write_bytes(text.encode())

    def read() -> object:
        try:
            return read_transactions(path)
        except TransactionLogError as err:
            return str(err)

    fast = read()
    monkeypatch.setattr(transactions, "_read_plain_csv", lambda *args: None)
    slow = read()
    if isinstance(slow, str):
        assert fast == slow
    else:
        pd.testing.assert_frame_equal(fast, slow)
