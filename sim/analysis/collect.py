"""Collecting a sweep into one tidy table: one row per finished run, written as ``results.parquet``.

Each job of a sweep writes its own record as it finishes: ``summary.json`` (the KPIs) and then,
last, ``run.json`` (seed, overrides, resolved config). Nothing accumulates in memory while the
sweep runs, parallel workers never share a file, and a killed sweep loses only its unfinished
jobs. :func:`collect` merges the records of the complete runs (those with ``run.json``) and
writes the table atomically, so it is safe to call while a sweep is still running.

Columns: ``job`` (run directory relative to the sweep directory), one column per override key
(e.g. ``loyalty``, ``pricing.list_price``, typed as Hydra parses the value), ``seed``, then every
KPI of :data:`sim.results.KPI_NAMES`, then any further numeric KPIs the runs recorded. Counts
(:data:`sim.results.COUNT_KPIS`: customers, points, weeks) are integers, the rest floats; a KPI
that is undefined (``cac`` without acquisitions, ``payback_weeks`` when it never pays back) is
null (NaN in pandas, which reads an integer column holding nulls as float). The parameters are
exactly the columns between ``job`` and ``seed``. Rows follow the sweep's job order, so the first
scenario is the one defined first.

Every column carries its ``unit`` and ``description`` in the file's Parquet metadata (field
metadata, read by any Arrow-based tool); :func:`describe_columns` lists them, as does
``python -m sim.report --describe PATH``.
"""

from __future__ import annotations

import json
import math
import os
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.io import COMPLETION_FILE, atomic_write
from sim.results import COUNT_KPIS, KPI_INFO, KPI_NAMES

__all__ = ["RESULTS_FILE", "collect", "find_runs", "parameter_columns", "parse_override", "describe_columns",
           "SkippedRunWarning", "design_difference"]

RESULTS_FILE = "results.parquet"
_META = ("job", "seed")


@lru_cache(maxsize=4096)
def parse_override(override: str) -> tuple[str, Any]:
    """The column name and typed value of one Hydra override (``'seed=3'`` -> ``('seed', 3)``).

    Uses Hydra's own grammar, so ``1`` is an int, ``1.5`` a float, ``'1'`` a string; lists and
    dicts are kept as their override text. Cached: a sweep repeats a few distinct overrides.
    """
    from hydra.core.override_parser.overrides_parser import OverridesParser

    o = OverridesParser.create().parse_override(override)
    key = o.key_or_group + (f"@{o.package}" if o.package else "")
    if o.is_delete():
        return key, None
    value = o.value()
    if isinstance(value, (list, dict)):
        value = o.get_value_element_as_str()
    return key, value


def find_runs(sweep_dir: Path) -> tuple[list[Path], list[Path]]:
    """Complete and incomplete run directories below ``sweep_dir``.

    A run directory is complete when it holds ``run.json``; a directory with Hydra's ``.hydra/``
    but no ``run.json`` is a job that has not finished (or was killed). Hidden folders such as
    ``.submitit`` are not searched.
    """
    complete: list[Path] = []
    incomplete: list[Path] = []
    for root, dirs, files in os.walk(sweep_dir):
        if COMPLETION_FILE in files:
            complete.append(Path(root))
        elif ".hydra" in dirs:
            incomplete.append(Path(root))
        else:
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            continue
        dirs[:] = []
    return sorted(complete), sorted(incomplete)


def _read_run(run_dir: Path) -> tuple[int | None, dict[str, Any], int, dict[str, float]]:
    """Job number, parameters, seed and numeric KPIs of one complete run directory."""
    record = json.loads((run_dir / COMPLETION_FILE).read_text(encoding="utf-8"))
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    overrides = record.get("overrides")
    if overrides is None and (run_dir / ".hydra" / "overrides.yaml").is_file():
        from omegaconf import OmegaConf

        overrides = list(OmegaConf.load(run_dir / ".hydra" / "overrides.yaml"))
    params: dict[str, Any] = {}
    for item in overrides or ():
        key, value = parse_override(str(item))
        if key not in _META and key not in KPI_NAMES:
            params[key] = value
    kpis = {k: math.nan if v is None else float(v) for k, v in summary.items()
            if v is None or (isinstance(v, (int, float)) and k not in params and k not in _META)}
    return record.get("job_num"), params, int(record["seed"]), kpis


class SkippedRunWarning(UserWarning):
    """A complete run directory whose records cannot be read: left out of the table."""


def _readable_runs(complete: list[Path], sweep_dir: Path) -> list[tuple]:
    """``(job, job number, parameters, seed, KPIs)`` of each run whose records can be read.

    A run whose ``run.json`` or ``summary.json`` is unreadable, not JSON or lacks a field is
    left out with a :class:`SkippedRunWarning` naming the file: one corrupt run does not hide
    the others.
    """
    runs = []
    for d in complete:
        try:
            runs.append((d.relative_to(sweep_dir).as_posix(), *_read_run(d)))
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
            if isinstance(err, OSError) and err.filename:
                name = err.filename
            elif _is_json(d / COMPLETION_FILE) and not _is_json(d / "summary.json"):
                name = d / "summary.json"
            else:  # not JSON, or a field missing or of the wrong type
                name = d / COMPLETION_FILE
            reason = err.strerror if isinstance(err, OSError) and err.strerror else f"{type(err).__name__}: {err}"
            warnings.warn(SkippedRunWarning(f"skipped the run {d}: cannot read {name} ({reason})"), stacklevel=3)
    return runs


def _is_json(path: Path) -> bool:
    try:
        json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return True


def _flat(config: Any, prefix: str = "") -> dict[str, Any]:
    """A nested config as ``{dotted.key: value}``."""
    if isinstance(config, dict):
        out: dict[str, Any] = {}
        for k, v in config.items():
            out.update(_flat(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return {prefix: config}


def _sweep_keys(sweep_dir: Path) -> set[str] | None:
    """The keys the sweep of ``sweep_dir`` varies (its ``multirun.yaml``), or None without one."""
    path = sweep_dir / "multirun.yaml"
    if not path.is_file():
        return None
    try:
        from hydra.core.override_parser.overrides_parser import OverridesParser
        from omegaconf import OmegaConf

        task = OmegaConf.load(path).hydra.overrides.task
        overrides = OverridesParser.create().parse_overrides([str(o) for o in task])
    except Exception:  # noqa: BLE001 -- any unreadable record: fall back to the runs' overrides
        return None
    return {o.key_or_group for o in overrides if o.is_sweep_override()}


def design_difference(sweep_dir: str | os.PathLike) -> str | None:
    """The first setting, other than the swept values and the seed, in which the complete runs differ.

    Runs paired by seed compare scenarios only if everything else is the same: a run of 26
    weeks beside one of 52 compares horizons, not the swept strategy. The swept keys are those
    the sweep's ``multirun.yaml`` varies (a comma list, ``range(...)``, ...), or, without one,
    those whose values differ between the runs' overrides; settings under a swept key are
    ignored (``loyalty=points`` changes every ``loyalty.*`` value), and a swept ``experiment``
    (whose files may set anything) is a sweep of whole designs.

    Returns
    -------
    str or None
        ``"horizon.weeks: 26 in a, 52 in b"``; None when the runs share one design.
    """
    sweep_dir = Path(sweep_dir)
    complete, _ = find_runs(sweep_dir)
    configs: list[tuple[str, dict[str, Any]]] = []
    given: dict[str, set[str]] = {}
    for d in complete:
        try:
            record = json.loads((d / COMPLETION_FILE).read_text(encoding="utf-8"))
            config = _flat(record["config"])
            for o in record.get("overrides") or ():
                key, value = str(o).split("=", 1) if "=" in str(o) else (str(o), "")
                given.setdefault(key.lstrip("+~"), set()).add(value)
        except (OSError, ValueError, KeyError, TypeError):
            continue  # unreadable: collect skips it with a warning
        configs.append((d.relative_to(sweep_dir).as_posix() or ".", config))
    if len(configs) < 2:
        return None
    # The sweep's own definition says what it varies; without one, whatever the runs' overrides vary.
    swept = _sweep_keys(sweep_dir)
    if swept is None:
        swept = {k for k, values in given.items() if len(values) > 1}
    swept.add("seed")
    if "experiment" in swept:  # an experiment file may set any key: its arms are whole designs
        return None

    def fixed(key: str) -> bool:
        # A label names a scenario and changes no number.
        return key != "label" and not any(key == k or key.startswith(k + ".") for k in swept)

    (first_job, first), *others = configs
    for job, config in others:
        for key in sorted(set(first) | set(config)):
            if fixed(key) and first.get(key) != config.get(key):
                return f"{key}: {first.get(key)!r} in {first_job}, {config.get(key)!r} in {job}"
    return None


def parameter_columns(results: pd.DataFrame) -> list[str]:
    """The override columns of a results table: those between ``job`` and ``seed``.

    Tables not laid out by :func:`collect` fall back to every column that is not ``job``,
    ``seed`` or a KPI of :data:`sim.results.KPI_NAMES`.
    """
    cols = list(results.columns)
    if "job" in cols and "seed" in cols and cols.index("job") < cols.index("seed"):
        return cols[cols.index("job") + 1: cols.index("seed")]
    return [c for c in cols if c not in _META and c not in KPI_NAMES]


def _tidy_types(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """One type per parameter column: numbers stay numbers, anything mixed becomes text."""
    for c in columns:
        kinds = {type(v) for v in df[c] if v is not None and v == v}
        if len(kinds) > 1 and not kinds <= {int, float}:
            df[c] = df[c].map(lambda v: None if v is None or v != v else str(v))
    return df


def collect(sweep_dir: str | os.PathLike, *, write: bool = True) -> pd.DataFrame:
    """The results table of a sweep: one row per complete run, swept parameters, seed and KPIs.

    Parameters
    ----------
    sweep_dir : path
        A sweep directory (``hydra.sweep.dir``) or a single run directory.
    write : bool
        Also write the table to ``sweep_dir/results.parquet`` (atomically).

    Returns
    -------
    DataFrame
        Columns ``job``, the override keys (sorted), ``seed``, the KPIs in the order of
        :data:`sim.results.KPI_NAMES`, then further numeric KPIs found in ``summary.json``.
        Empty (with those columns) when no run is complete yet.

    Raises
    ------
    FileNotFoundError
        If ``sweep_dir`` is not a directory.

    Warns
    -----
    SkippedRunWarning
        For each complete run whose records cannot be read (left out of the table).
    """
    sweep_dir = Path(sweep_dir)
    if not sweep_dir.is_dir():
        raise FileNotFoundError(
            f"The 'sweep_dir' parameter of collect must be an existing directory. Got '{sweep_dir}' instead."
        )
    complete, _ = find_runs(sweep_dir)
    runs = _readable_runs(complete, sweep_dir)
    # Sweep order (job number) first; runs from other sweeps into the same directory follow.
    runs.sort(key=lambda r: (r[1] is None, r[1] if r[1] is not None else 0, r[0]))
    params = sorted({k for r in runs for k in r[2]})
    kpis = [*KPI_NAMES, *dict.fromkeys(k for r in runs for k in r[4] if k not in KPI_NAMES and k not in params)]
    rows = [{"job": job, **p, "seed": seed, **k} for job, _, p, seed, k in runs]
    df = pd.DataFrame(rows, columns=["job", *params, "seed", *kpis])
    df = _tidy_types(df, params)
    df["seed"] = df["seed"].astype("int64")
    df[kpis] = df[kpis].astype("float64")
    # Through Arrow, so the table returned has exactly the types read back from the file.
    table = _with_column_info(pa.Table.from_pandas(df, preserve_index=False), params)
    if write:
        atomic_write(sweep_dir / RESULTS_FILE, lambda p: pq.write_table(table, p))
    return table.to_pandas()


def _column_info(name: str, params: list[str]) -> tuple[str, str]:
    """Unit and description of a column of the results table."""
    if name == "job":
        return "", "run directory, relative to the sweep directory"
    if name == "seed":
        return "", "seed of the run (runs of the same seed share their random numbers: paired)"
    if name in params:
        return "", f"the sweep's override of {name} (Hydra syntax; a config group's option name for a group)"
    return KPI_INFO.get(name, ("", "further KPI recorded by the run (summary.json)"))


def _with_column_info(table: pa.Table, params: list[str]) -> pa.Table:
    """Counts as int64 (nulls kept), and each column's unit and description as field metadata."""
    for i, field in enumerate(table.schema):
        column = table.column(i)
        if field.name in COUNT_KPIS:
            column = column.cast(pa.int64())  # safe cast: fails loudly on a fractional count
        unit, description = _column_info(field.name, params)
        meta = {"description": description, **({"unit": unit} if unit else {})}
        table = table.set_column(i, field.with_type(column.type).with_metadata(meta), column)
    return table


def describe_columns(path: str | os.PathLike) -> pd.DataFrame:
    """The columns of a Parquet table with their type, unit and description.

    Parameters
    ----------
    path : path
        A Parquet file, or a sweep directory (its ``results.parquet``).

    Returns
    -------
    DataFrame
        ``column``, ``type`` (Arrow type), ``unit`` and ``description`` (empty where the file
        records none), one row per column in file order.

    Raises
    ------
    FileNotFoundError
        If ``path`` is neither a Parquet file nor a directory holding ``results.parquet``.
    """
    path = Path(path)
    if path.is_dir():
        path = path / RESULTS_FILE
    if not path.is_file():
        raise FileNotFoundError(f"The 'path' parameter of describe_columns must be a Parquet file or a sweep "
                                f"directory with {RESULTS_FILE}. Got '{path}' instead.")
    rows = []
    for field in pq.read_schema(path):
        meta = {k.decode(): v.decode() for k, v in (field.metadata or {}).items()}
        rows.append({"column": field.name, "type": str(field.type), "unit": meta.get("unit", ""),
                     "description": meta.get("description", "")})
    return pd.DataFrame(rows, columns=["column", "type", "unit", "description"])
