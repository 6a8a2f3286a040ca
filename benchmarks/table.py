"""The benchmark table: each target with the figure that decides it, and every figure worth reading."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["GB", "evaluate_targets", "format_table"]

GB = 1e9


def _si(x: float) -> str:
    """A number with an SI prefix (k, M, G), three significant digits."""
    for div, unit in ((1e9, " G"), (1e6, " M"), (1e3, " k")):
        if abs(x) >= div:
            return f"{x / div:.3g}{unit}"
    return f"{x:.3g}"


def _count(n: int) -> str:
    """A count in k or M, as the sizes are named."""
    return f"{n / 1e6:g} M" if n >= 1e6 else f"{n / 1e3:g} k" if n >= 1e3 else str(n)


def _gb(x: float) -> str:
    """Bytes in GB, two decimals."""
    return f"{x / GB:.2f} GB"


def _completed(results: dict[str, Any]) -> dict[str, Any]:
    """The results of the benchmarks that did not fail."""
    return {k: v for k, v in results.items() if "error" not in v}


def evaluate_targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target of the performance issue with the figure that decides it and its status.

    A target is "not measured" when its benchmark did not run, failed, or ran at other sizes
    than the target names (the 1 M and 10 M customer targets under ``--quick``).

    Returns
    -------
    list of dict
        ``target``, ``goal``, ``measured`` (text), ``value`` (number or None) and ``status``
        ("met", "not met" or "not measured").
    """
    res = _completed(results)
    tp, ref, large, sw, crn = (res.get(k) for k in ("throughput", "reference", "large", "sweep", "crn"))
    cal = res.get("calibrate") if res.get("calibrate", {}).get("rows") == 5_000_000 else None
    at_1m = [r for r in tp["runs"] if r["customers"] == 1_000_000] if tp else []
    rows: list[dict[str, Any]] = []

    def add(target: str, goal: str, value: float | None, fmt: Callable[[float], str],
            meets: Callable[[float], bool]) -> None:
        measured, status = (("-", "not measured") if value is None
                            else (fmt(value), "met" if meets(value) else "not met"))
        rows.append({"target": target, "goal": goal, "measured": measured, "value": value, "status": status})

    add("Full default model, 1 M customers, one core", ">= 10 M customer-weeks/s",
        at_1m[0]["customer_weeks_per_s"] if at_1m else None, lambda v: f"{_si(v)}/s", lambda v: v >= 10e6)
    add("Engine vs per-customer SimPy reference, reduced model", ">= 100x",
        ref["speedup_at_scale"] if ref else None,
        lambda v: f"{v:.0f}x ({_count(ref['engine_customers'])} vs {_count(ref['customers'])} customers)",
        lambda v: v >= 100)
    add("Customer state", "<= 100 bytes per customer", tp["state_bytes_per_customer"] if tp else None,
        lambda v: f"{v:.1f} bytes", lambda v: v <= 100)
    add("10 M customers x 520 weeks, peak memory", "< 2 GB", large["peak_rss_bytes"] if large else None,
        _gb, lambda v: v < 2 * GB)
    add("10 M customers x 520 weeks, time", "< 10 minutes", large["minutes"] if large else None,
        lambda v: f"{v:.1f} min", lambda v: v < 10)
    add("Calibration of a 5 M-line log (python -m sim.calibrate)", "< 4 minutes",
        cal["process_seconds"] / 60 if cal else None, lambda v: f"{v:.1f} min", lambda v: v < 4)
    add("Sweep, 2 workers vs 1", ">= 1.8x", sw["speedup"] if sw else None, lambda v: f"{v:.2f}x", lambda v: v >= 1.8)
    add("CRN variance reduction (points vs none)", ">= 10x", crn["variance_ratio"] if crn else None,
        lambda v: f"{v:.1f}x (R = {crn['replications']})", lambda v: v >= 10)
    return rows


def _throughput_rows(tp: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Rate, times and memory of each throughput size, then the state size per customer."""
    rows = []
    for r in tp["runs"]:
        size = f"{_count(r['customers'])} x {r['weeks']} wk"
        rows += [
            ("throughput", f"{size}: customer-weeks/s", _si(r["customer_weeks_per_s"])),
        ]
        if len(r.get("rates", ())) > 1:
            rows.append(("throughput", f"{size}: customer-weeks/s of each of {len(r['rates'])} runs",
                         ", ".join(_si(x) for x in r["rates"])))
        rows += [
            ("throughput", f"{size}: engine / process seconds",
             f"{r['engine_seconds']:.1f} / {r['process_seconds']:.1f}"),
            ("throughput", f"{size}: peak RSS (baseline after imports)",
             f"{_gb(r['peak_rss_bytes'])} ({_gb(r['baseline_rss_bytes'])})"),
        ]
    return rows + [
        ("state", "population bytes per customer row", f"{tp['population_bytes_per_row']}"),
        ("state", "market bytes per person", f"{tp['market_bytes_per_person']:.1f}"),
    ]


def _large_rows(lg: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Rate, minutes and peak memory of the 10 M customer run."""
    size = f"{_count(lg['customers'])} x {lg['weeks']} wk"
    return [
        ("large", f"{size}: customer-weeks/s", _si(lg["customer_weeks_per_s"])),
        ("large", f"{size}: minutes (engine / process)", f"{lg['engine_seconds'] / 60:.1f} / {lg['minutes']:.1f}"),
        ("large", f"{size}: peak RSS", _gb(lg["peak_rss_bytes"])),
    ]


def _reference_rows(ref: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Rates and behaviour of the SimPy reference and the engine, and the speed-ups."""
    rows = []
    w = ref["weeks"]
    for key, n in (("reference", ref["customers"]), ("engine_same_size", ref["customers"]),
                   ("engine_at_scale", ref["engine_customers"])):
        model = "SimPy per customer" if key == "reference" else "engine"
        r = ref[key]
        rows.append(("reference", f"{model}, {_count(n)} x {w} wk: customer-weeks/s", _si(r["customer_weeks_per_s"])))
        rows.append(("reference", f"{model}, {_count(n)} x {w} wk: purchases per customer-week / share churned",
                     f"{r['purchases_per_customer_week']:.4f} / {r['share_churned']:.3f}"))
    rows += [
        ("reference", "speed-up at the same size", f"{ref['speedup_same_size']:.1f}x"),
        ("reference", "speed-up, engine at scale", f"{ref['speedup_at_scale']:.1f}x"),
    ]
    if "speedup_at_scale_range" in ref:
        lo, hi = ref["speedup_at_scale_range"]
        rows.append(("reference", f"speed-up at scale within each of {ref['repeats']} repetitions",
                     f"{lo:.1f}-{hi:.1f}x"))
    return rows


def _sweep_rows(sw: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Runs per minute by worker count, and whether the results agree."""
    size = f"{sw['runs']} runs of {_count(sw['customers'])} x {sw['weeks']} wk"
    rows = [("sweep", f"{size}, {w} worker(s): runs/minute", f"{r['runs_per_minute']:.1f}")
            for w, r in sw["workers"].items()]
    return rows + [("sweep", "same NPVs whatever the workers", "yes" if sw["identical_results"] else "NO")]


def _crn_rows(crn: dict[str, Any]) -> list[tuple[str, str, str]]:
    """The NPV difference paired and with independent seeds, and the variance ratio."""
    size = f"R = {crn['replications']}, {_count(crn['customers'])} x {crn['weeks']} wk"
    return [
        ("crn", f"{size}: NPV difference, paired (CRN)",
         f"{crn['mean_difference_paired']:,.0f} +/- {crn['se_paired']:,.0f}"),
        ("crn", f"{size}: NPV difference, independent seeds",
         f"{crn['mean_difference_independent']:,.0f} +/- {crn['se_independent']:,.0f}"),
        ("crn", "var(independent) / var(paired)", f"{crn['variance_ratio']:.1f}"),
    ]


def _calibrate_rows(cal: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Minutes of the command, its stages and its peak memory."""
    size = f"{_count(cal['rows'])} lines, {_count(cal['customers'])} customers, {cal['replications']} replications"
    stages = ", ".join(f"{k} {v:.1f}" for k, v in cal["stage_seconds"].items())
    return [
        ("calibrate", f"{size}: minutes (process)", f"{cal['process_seconds'] / 60:.1f}"),
        ("calibrate", "seconds by stage", stages),
        ("calibrate", "peak RSS", _gb(cal["peak_rss_bytes"])),
    ]


# Rows of each benchmark's figures, in the order of the table.
_ROWS = {"throughput": _throughput_rows, "large": _large_rows, "reference": _reference_rows, "sweep": _sweep_rows,
         "crn": _crn_rows, "calibrate": _calibrate_rows}


def _figure_rows(results: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(benchmark, figure, value) rows of every figure worth reading, and of every failure."""
    rows = [(name, "FAILED", r["error"].strip().splitlines()[-1]) for name, r in results.items() if "error" in r]
    load = ", ".join(f"{name} {r['load_average_before']:.2f}" for name, r in results.items())
    completed = _completed(results)
    for name, figures in _ROWS.items():
        if completed.get(name):
            rows += figures(completed[name])
    rows.append(("all", "1-minute load average before each benchmark", load))
    return rows


def format_table(record: dict[str, Any]) -> str:
    """The Markdown report of one benchmark record: provenance, targets, figures."""
    m = record["machine"]
    lines = [
        "# Benchmark results",
        "",
        f"Latest run {record['date']} ({record['mode']} sizes), customer-sim {record['package_version']}, "
        f"git {record['git_revision']}.",
        f"Machine: {m['cpu']}, {m['cores']} cores, {_gb(m['memory_bytes'])} memory, {m['platform']}; "
        f"Python {record['python']}, numpy {record['numpy']}.",
        "",
        "| Target | Goal | Measured | Status |",
        "|---|---|---|---|",
    ]
    lines += [f"| {t['target']} | {t['goal']} | {t['measured']} | {t['status']} |" for t in record["targets"]]
    lines += ["", "| Benchmark | Figure | Value |", "|---|---|---|"]
    lines += [f"| {b} | {f} | {v} |" for b, f, v in _figure_rows(record["results"])]
    return "\n".join(lines) + "\n"
