"""Transaction logs: reading them and summarising them for the customer-base models.

Three formats are read, recognised from the file (Parquet by its name or its first bytes, the
others from the first non-blank line):

* CDNOW text (Fader, Hardie & Lee 2005): whitespace-separated fields, either the sample's five
  (customer id, a second id, date ``YYYYMMDD``, number of items, amount) or the master file's
  four (customer id, date, number of items, amount).
* CSV with a header naming at least the customer, date and amount columns (by default
  ``customer_id``, ``date`` and ``amount``; any order, extra columns ignored); dates
  ``YYYY-MM-DD`` or ``YYYYMMDD``, optionally with a time (``YYYY-MM-DD HH:MM[:SS]``, ISO 8601
  ``T`` and a UTC offset allowed), which is dropped: the day as written is the purchase day.
* Parquet with those columns; dates as timestamps (any time zone: the local day is kept), dates,
  or strings as in CSV; customer ids of any type (read as text).

Time in the summaries is in weeks (days / 7) with dates treated as day indices, the convention
under which the published BG/NBD fit of the CDNOW sample is reproduced.
"""

from __future__ import annotations

import csv
import io
import os
import re
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["TransactionLogError", "cdnow_sample_path", "read_transactions", "summarize_calibration"]

REQUIRED_COLUMNS = ("customer_id", "date", "amount")
#: CDNOW text layouts by number of fields: the position of the date, quantity and amount.
_CDNOW_LAYOUTS = {5: (2, 3, 4), 4: (1, 2, 3)}
_FORMATS_HELP = (
    "expected CDNOW text (5 whitespace-separated fields: customer id, id, date YYYYMMDD, quantity, amount; "
    "or the master file's 4: customer id, date YYYYMMDD, quantity, amount), a CSV with a header naming the "
    "customer, date and amount columns, or Parquet with those columns"
)
_DAYS_PER_WEEK = 7.0
# strptime format -> regular expression its strings must match exactly, and its name for messages.
_DATE_SHAPES = {"%Y-%m-%d": r"\d{4}-\d{2}-\d{2}", "%Y%m%d": r"\d{8}"}
_DATE_NAMES = {"%Y-%m-%d": "YYYY-MM-DD", "%Y%m%d": "YYYYMMDD"}
# A time after an ISO date: " HH:MM", "THH:MM:SS.ffffff", with an optional Z or UTC offset.
_TIME_SHAPE = r"[ T]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?"
_PARQUET_MAGIC = b"PAR1"
#: Years a transaction date may have: a customer log spans decades at most, and pandas' dates end
#: in 1677 and 2262.
FIRST_YEAR, LAST_YEAR = 1900, 2199
#: The largest amount of one transaction line, in currency units: more is a unit or parsing error.
MAX_AMOUNT = 1e12


class TransactionLogError(ValueError):
    """A transaction log that cannot be read; the message says where, what and what is allowed."""


def cdnow_sample_path() -> Traversable:
    """Location of the bundled CDNOW sample.

    2,357 customers whose first purchase at CDNOW was in the first quarter of 1997, followed to
    the end of June 1998 (78 weeks); 6,919 transaction lines. Distributed by Bruce Hardie with
    Fader, Hardie & Lee (2005), Marketing Science 24(2).

    Returns
    -------
    importlib.resources.abc.Traversable
        The file inside the installed package (a :class:`pathlib.Path` for a normal install);
        pass it to :func:`read_transactions`.
    """
    return files("sim") / "data" / "cdnow_sample.txt"


def read_transactions(path: str | os.PathLike[str] | Traversable, *, customer: str = "customer_id",
                      date: str = "date", amount: str = "amount") -> pd.DataFrame:
    """Read a transaction log in CDNOW, CSV or Parquet format and validate every row.

    Rows are kept in file order and not merged: a customer may legitimately buy twice on one
    day (the CDNOW sample has such lines), so repeated identical rows are accepted in both
    formats; :func:`summarize_calibration` merges same-day purchases. Blank lines are skipped.

    Parameters
    ----------
    path : str, os.PathLike or Traversable
        The log file.
    customer, date, amount : str
        Names of the customer id, date and amount columns of a CSV or Parquet log (CDNOW text
        has fixed positions).

    Returns
    -------
    pandas.DataFrame
        Columns ``customer_id`` (str, as written, e.g. CDNOW's ``"00004"``), ``date``
        (datetime64, day resolution) and ``amount`` (float, currency units, >= 0).

    Raises
    ------
    TransactionLogError
        If the file is missing, empty, not UTF-8, of an unrecognised format, lacks a required
        column, or a row has a wrong field count, an empty customer id, a bad date or one outside
        :data:`FIRST_YEAR`-:data:`LAST_YEAR`, or an amount that is non-numeric, not finite,
        negative or above :data:`MAX_AMOUNT`. The message names the file, the 1-based
        line (or the column), the offending value and what is allowed.
    """
    source = Path(path) if isinstance(path, (str, os.PathLike)) else path
    name = str(path)
    if not source.is_file():
        raise TransactionLogError(f"{name}: file not found; {_FORMATS_HELP}")
    columns = (customer, date, amount)
    data = source.read_bytes()
    if data[:4] == _PARQUET_MAGIC or source.name.lower().endswith((".parquet", ".pq")):
        return _read_parquet(name, data, columns)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TransactionLogError(f"{name}: not UTF-8 text ({exc}); {_FORMATS_HELP}") from exc
    fast = _read_plain_csv(name, text, columns)
    if fast is not None:
        return fast
    numbered = [(number, line) for number, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if not numbered:
        raise TransactionLogError(f"{name}: empty file; {_FORMATS_HELP}")
    # A comma in the first line can only be a CSV header: CDNOW fields never contain one.
    if "," in numbered[0][1]:
        lines, ids, dates, amounts = _split_csv(name, numbered, columns)
        date_formats = _DATE_SHAPES
    else:
        lines, ids, dates, amounts = _split_cdnow(name, numbered)
        date_formats = {"%Y%m%d": _DATE_SHAPES["%Y%m%d"]}
    return _validate(name, np.array(lines), ids, dates, amounts, date_formats, times="," in numbered[0][1])


#: What only the line-by-line reader reads right: quotes, line breaks str.splitlines knows besides \n and \r\n.
_NOT_PLAIN = re.compile('["\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]')
_BLANK_LINE = re.compile(r"(?m)^[ \t]*$")


def _read_plain_csv(name: str, text: str, columns: tuple[str, str, str]) -> pd.DataFrame | None:
    """A plain CSV log read by pandas' C parser: the same table as the line-by-line reader, twice as fast.

    Only CSV with a header, no quotes and no blank lines, every line with the header's fields and every row
    valid; else None, and the line-by-line reader reads the file (and names the line of the first fault).
    """
    body = text.replace("\r\n", "\n")
    body = body[:-1] if body.endswith("\n") else body
    first = body.split("\n", 1)[0]
    header = [cell.strip() for cell in first.split(",")]
    lines = body.count("\n") + 1
    if ("," not in first or any(c not in header for c in columns) or len(set(header)) != len(header)
            or body.count(",") != (len(header) - 1) * lines or _NOT_PLAIN.search(body) or _BLANK_LINE.search(body)):
        return None  # commas: as many on every line as in the header, when no line has fewer (checked below)
    try:
        frame = pd.read_csv(io.StringIO(body), dtype=str, keep_default_na=False, na_filter=False, engine="c",
                            header=0, names=header, usecols=list(columns), skip_blank_lines=False, index_col=False)
    except (ValueError, pd.errors.ParserError):  # a line with more fields than the header
        return None
    if frame.isna().to_numpy().any() or lines - 1 != len(frame):
        return None  # a line with fewer fields
    raw = [frame[c].str.strip().tolist() for c in columns]
    try:
        return _validate(name, np.arange(2, len(frame) + 2), *raw, _DATE_SHAPES, times=True)
    except TransactionLogError:
        return None


def _missing(name: str, where: str, header: list[str], columns: tuple[str, str, str]) -> None:
    missing = [column for column in columns if column not in header]
    if missing:
        raise TransactionLogError(
            f"{name}{where}: missing column(s) {', '.join(map(repr, missing))} in header {header}; the customer, "
            f"date and amount columns are {', '.join(columns)} (choose others with --customer-column, "
            "--date-column, --amount-column)"
        )


def _read_parquet(name: str, data: bytes, columns: tuple[str, str, str]) -> pd.DataFrame:
    """A Parquet log, its columns converted to the strings the text formats give, then validated."""
    import io

    try:
        frame = pd.read_parquet(io.BytesIO(data))
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise TransactionLogError(f"{name}: not a readable Parquet file ({exc}); {_FORMATS_HELP}") from None
    _missing(name, "", [str(c) for c in frame.columns], columns)
    ids, dates, amounts = (frame[c] for c in columns)
    if isinstance(dates.dtype, pd.DatetimeTZDtype):
        dates = dates.dt.tz_localize(None)  # the local day as recorded
    if pd.api.types.is_datetime64_any_dtype(dates.dtype):
        dates = dates.dt.strftime("%Y-%m-%d")
    lines = np.arange(1, len(frame) + 1)
    as_text = [("" if pd.isna(v) else str(v)) for v in ids]
    return _validate(name, lines, as_text, [("" if pd.isna(v) else str(v)) for v in dates],
                     [("" if pd.isna(v) else str(v)) for v in amounts], _DATE_SHAPES, times=True, unit="row")


def _split_csv(name: str, numbered: list[tuple[int, str]],
               columns: tuple[str, str, str]) -> tuple[list[int], list[str], list[str], list[str]]:
    """Split CSV lines into line numbers and the raw id, date and amount strings."""
    rows = csv.reader(line for _, line in numbered)
    header = [cell.strip() for cell in next(rows)]
    _missing(name, f", line {numbered[0][0]}", header, columns)
    positions = [header.index(column) for column in columns]
    lines, ids, dates, amounts = [], [], [], []
    for (number, line), row in zip(numbered[1:], rows):
        if len(row) != len(header):
            raise TransactionLogError(
                f"{name}, line {number}: {len(row)} fields in {line!r}; the header has {len(header)}"
            )
        lines.append(number)
        ids.append(row[positions[0]].strip())
        dates.append(row[positions[1]].strip())
        amounts.append(row[positions[2]].strip())
    return lines, ids, dates, amounts


def _split_cdnow(name: str, numbered: list[tuple[int, str]]) -> tuple[list[int], list[str], list[str], list[str]]:
    """Split CDNOW lines (the first line's layout, 5 or 4 fields) into line numbers and the raw id,
    date and amount strings."""
    width = len(numbered[0][1].split())
    if width not in _CDNOW_LAYOUTS:
        first, line = numbered[0]
        raise TransactionLogError(f"{name}, line {first}: {width} fields in {line!r}; {_FORMATS_HELP}")
    at_date, at_quantity, at_amount = _CDNOW_LAYOUTS[width]
    lines, ids, dates, amounts = [], [], [], []
    for number, line in numbered:
        fields = line.split()
        if len(fields) != width:
            raise TransactionLogError(
                f"{name}, line {number}: {len(fields)} fields in {line!r}; line {numbered[0][0]} has {width}, "
                f"so every line must; {_FORMATS_HELP}"
            )
        if not fields[at_quantity].isdigit():
            raise TransactionLogError(
                f"{name}, line {number}, column 'quantity' (field {at_quantity + 1}): {fields[at_quantity]!r} is not "
                "an integer >= 0"
            )
        lines.append(number)
        ids.append(fields[0])
        dates.append(fields[at_date])
        amounts.append(fields[at_amount])
    return lines, ids, dates, amounts


def _validate(
    name: str, lines: np.ndarray, ids: list[str], dates: list[str], amounts: list[str], date_formats: dict[str, str],
    *, times: bool = False, unit: str = "line",
) -> pd.DataFrame:
    """Convert the raw strings, raising on the first bad row of each kind.

    With ``times``, an ISO date may carry a time of day, checked and then dropped.
    """

    def fail(bad: np.ndarray, column: str, raw: list[str], problem: str) -> None:
        if bad.any():
            row = int(np.argmax(bad))
            raise TransactionLogError(f"{name}, {unit} {lines[row]}, column {column!r}: {raw[row]!r} {problem}")

    if not ids:
        raise TransactionLogError(f"{name}: header but no transactions; {_FORMATS_HELP}")
    fail(np.array([not value for value in ids]), "customer_id", ids, "is empty; a non-empty id is required")

    raw_dates = pd.Series(dates, dtype=str)
    if times:
        timed = raw_dates.str.fullmatch(_DATE_SHAPES["%Y-%m-%d"] + _TIME_SHAPE)
        clock = pd.to_datetime(raw_dates.where(timed), format="ISO8601", errors="coerce", utc=True)
        # A time that is not a time of day (25:00) makes the whole value invalid.
        raw_dates = raw_dates.where(~timed | clock.isna(), raw_dates.str[:10]).where(~timed | clock.notna(), "")
    parsed = pd.Series(pd.NaT, index=raw_dates.index, dtype="datetime64[ns]")
    date_help = " or ".join(_DATE_NAMES[date_format] for date_format in date_formats)
    for date_format, shape in date_formats.items():
        # Check the shape first: to_datetime alone would accept e.g. "1997-1-1".
        matches = raw_dates.where(raw_dates.str.fullmatch(shape))
        # Then the year: pandas cannot hold dates outside 1677-2262, and no customer log has them.
        year = pd.to_numeric(matches.str[:4], errors="coerce").to_numpy(float)
        fail((year < FIRST_YEAR) | (year > LAST_YEAR), "date", dates,
             f"is outside the dates allowed ({FIRST_YEAR}-01-01 to {LAST_YEAR}-12-31, {date_help})")
        parsed = parsed.fillna(pd.to_datetime(matches, format=date_format, errors="coerce"))
    if times:
        date_help += " (YYYY-MM-DD may be followed by a time, HH:MM[:SS])"
    fail(parsed.isna().to_numpy(), "date", dates, f"is not a valid date; allowed: {date_help}")

    values = pd.to_numeric(pd.Series(amounts, dtype=str), errors="coerce").to_numpy(float)
    fail(~np.isfinite(values), "amount", amounts, "is not a finite number; allowed: a number >= 0")
    fail(values < 0, "amount", amounts, "is negative; allowed: a number >= 0")
    fail(values > MAX_AMOUNT, "amount", amounts, f"is absurdly large; allowed: a number <= {MAX_AMOUNT:.0e}")

    return pd.DataFrame(
        {
            "customer_id": pd.Series(ids, dtype=str),
            "date": parsed,
            "amount": values,
        }
    )


def summarize_calibration(
    df: pd.DataFrame, calibration_weeks: float, observation_end: str | pd.Timestamp | None = None
) -> pd.DataFrame:
    """Per-customer recency-frequency summary of a calibration period and the holdout after it.

    Purchases on the same day by the same customer are merged into one transaction (amounts
    summed), the convention that reproduces the published CDNOW fits. Dates are day indices:
    the calibration period covers the days from the earliest date in the log up to, not
    including, ``calibration_end`` = earliest date + 7 * `calibration_weeks` days, and T is
    measured to the last calibration day. For CDNOW with 39 weeks that is 1997-01-01 to
    1997-09-30, so a customer who first bought on 1997-01-01 has T = 272/7 = 38.86 weeks, as in
    Fader, Hardie & Lee (2005). Customers whose first purchase is on or after
    ``calibration_end`` are left out (they have no calibration history).

    Parameters
    ----------
    df : pandas.DataFrame
        Transactions with columns ``customer_id``, ``date``, ``amount`` as returned by
        :func:`read_transactions`.
    calibration_weeks : float
        Length of the calibration period in weeks, > 0 (whole days: 7 * weeks is rounded).
    observation_end : str or pandas.Timestamp, optional
        Last day of the holdout period, inclusive; defaults to the last date in the log.
        Purchases after it are ignored.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id``, one row per customer (read T as ``summary["T"]``:
        ``summary.T`` is the transpose): ``first_purchase`` (date of the first purchase), ``x``
        (repeat transactions, purchase days after the first, in the calibration period), ``t_x``
        (weeks from the first purchase to the last calibration repeat transaction, 0 if x = 0),
        ``T`` (weeks from the first purchase to the last calibration day), ``mean_repeat_spend``
        (mean amount of the calibration repeat transactions, currency units, NaN if x = 0),
        ``x_holdout`` (transactions from ``calibration_end`` to `observation_end`, inclusive) and
        ``holdout_weeks`` (length of the holdout in weeks, (observation_end - last calibration
        day) / 7).

    Raises
    ------
    ValueError
        If a column is missing, the log is empty, `calibration_weeks` is not positive, or
        `observation_end` is before the last calibration day.
    """
    _check_log(df, calibration_weeks)
    days = df["date"].dt.normalize()
    calibration_end, end = _period(days, calibration_weeks, observation_end)
    daily = (
        df.assign(date=days)
        .groupby(["customer_id", "date"], as_index=False, sort=True)["amount"]
        .sum()
    )
    first = daily.groupby("customer_id")["date"].min()
    first = first[first < calibration_end]
    daily = daily[daily["customer_id"].isin(first.index)]
    return _rfm_table(daily, first, calibration_end, end)


def _period(days: pd.Series, calibration_weeks: float,
            observation_end: str | pd.Timestamp | None) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The first day after calibration and the last observed day (inclusive)."""
    calibration_end = days.min() + pd.Timedelta(days=round(7 * calibration_weeks))
    last_calibration_day = calibration_end - pd.Timedelta(days=1)
    end = days.max() if observation_end is None else pd.Timestamp(observation_end)
    if end < last_calibration_day:
        raise ValueError(
            f"observation_end {end.date()} is before the last calibration day {last_calibration_day.date()}"
        )
    return calibration_end, end


def _check_log(df: pd.DataFrame, calibration_weeks: float) -> None:
    """Refuse a log without the required columns, an empty log or a calibration of no weeks."""
    missing = [column for column in REQUIRED_COLUMNS if column not in df.columns]
    if missing:
        raise ValueError(f"transactions lack column(s) {missing}; required: {list(REQUIRED_COLUMNS)}")
    if df.empty:
        raise ValueError("transactions are empty")
    if not calibration_weeks > 0:
        raise ValueError(f"calibration_weeks must be > 0, got {calibration_weeks!r}")


def _rfm_table(daily: pd.DataFrame, first: pd.Series, calibration_end: pd.Timestamp,
               end: pd.Timestamp) -> pd.DataFrame:
    """The summary of :func:`summarize_calibration` from the daily purchases of customers with a
    calibration history and their first purchase dates."""
    last_calibration_day = calibration_end - pd.Timedelta(days=1)
    since_first = daily["date"] - daily["customer_id"].map(first)
    repeat = (since_first > pd.Timedelta(0)) & (daily["date"] < calibration_end)
    calibration = daily[repeat].assign(weeks=since_first[repeat] / pd.Timedelta(days=_DAYS_PER_WEEK))
    by_customer = calibration.groupby("customer_id")
    holdout = daily[(daily["date"] >= calibration_end) & (daily["date"] <= end)]

    summary = pd.DataFrame(index=first.index)
    summary["first_purchase"] = first
    summary["x"] = by_customer.size().reindex(first.index, fill_value=0).astype(np.int64)
    summary["t_x"] = by_customer["weeks"].max().reindex(first.index, fill_value=0.0)
    summary["T"] = (last_calibration_day - first) / pd.Timedelta(days=_DAYS_PER_WEEK)
    summary["mean_repeat_spend"] = by_customer["amount"].mean().reindex(first.index)
    summary["x_holdout"] = holdout.groupby("customer_id").size().reindex(first.index, fill_value=0).astype(np.int64)
    summary["holdout_weeks"] = (end - last_calibration_day) / pd.Timedelta(days=_DAYS_PER_WEEK)
    return summary
