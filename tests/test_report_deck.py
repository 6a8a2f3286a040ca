"""The report of a sweep and of a run: PNG, SVG and PDF charts and a 16:9 deck whose takeaway and
headline numbers match the results, built from a real (small) sweep; bad input fails cleanly."""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from scipy import stats as sps

from sim.report.__main__ import main
from sim.report.deck import ANSWER_TITLE, APPENDIX_TITLE, SUMMARY_TITLE
from sim.report.style import DPI, FIGURE_SIZE

# A tiny market with costs scaled down with it, so that profits are of a realistic sign.
SMALL = ["customers.initial=300", "market.potential=3000", "horizon.weeks=26", "output.plots=false",
         "product.fixed_cost_per_week=300", "acquisition.media_budget_per_week=180",
         "acquisition.reach_half_budget=300"]
SWEEP_CHARTS = ["strategy_comparison", "paired_differences", "spend_and_profit", "funnel", "profit_by_category",
                "cohort_retention", "whale_curve", "value_pyramid"]
RUN_CHARTS = ["funnel", "lifecycle_states", "profit_by_category", "acquisition_vs_retention", "cohort_retention",
              "whale_curve", "value_pyramid"]


def product_chart(run_dir: Path) -> list[str]:
    """The product-lifecycle chart, when the run records product stages."""
    columns = pd.read_parquet(run_dir / "timeseries.parquet").columns
    return ["product_lifecycle"] if {"adoptions", "product_stage"} <= set(columns) else []
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> Path:
    """loyalty=none,points x seeds 0-2 through the real command line, two workers."""
    sweep_dir = tmp_path_factory.mktemp("report") / "loyalty_sweep"
    proc = subprocess.run([sys.executable, "-m", "sim", "--multirun", "loyalty=none,points", "seed=range(3)", *SMALL,
                           f"hydra.sweep.dir={sweep_dir}", "hydra.launcher.n_jobs=2"],
                          capture_output=True, text=True, timeout=120, cwd=sweep_dir.parent)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return sweep_dir


@pytest.fixture(scope="module")
def sweep_report(sweep) -> Path:
    assert main([str(sweep)]) == 0
    return sweep / "report"


@pytest.fixture(scope="module")
def run_dir(sweep) -> Path:
    results = pd.read_parquet(sweep / "results.parquet")
    return sweep / results.loc[(results["loyalty"] == "none") & (results["seed"] == 0), "job"].iloc[0]


# -- helpers ---------------------------------------------------------------------------------
_SCALE = {"": 1.0, "k": 1e3, "m": 1e6, "bn": 1e9}


def parse(text: str) -> float:
    """A number as the deck writes it: '-1,234', '12.3k', '1.23m', '74.7%', '0.913x'."""
    m = re.fullmatch(r"(-?)\$?([\d,]*\.?\d+)(bn|m|k|%|x)?", text.strip())
    assert m, f"not a deck number: {text!r}"
    value = float(m.group(2).replace(",", "")) * _SCALE.get(m.group(3) or "", 1.0)
    value = value / 100 if m.group(3) == "%" else value
    return -value if m.group(1) else value


def assert_shown_as(text: str, value: float) -> None:
    """``text`` is ``value`` rounded the deck's way (3 significant digits, or whole units, or cents)."""
    shown = parse(text)
    if text.endswith("%"):
        assert shown == pytest.approx(value, abs=0.0005 if "." in text else 0.005), text
    elif abs(value) >= 10_000 or text.endswith("x"):
        assert shown == pytest.approx(value, rel=0.005), text
    else:
        assert shown == pytest.approx(value, abs=0.5 if abs(value) >= 100 else 0.005), text


def slide_texts(slide) -> list[str]:
    return [sh.text_frame.text for sh in slide.shapes if sh.has_text_frame]


def check_deck(report: Path, title: str, charts: list[str]) -> Presentation:
    """Slide count and titles, and every picture a valid PNG equal to its chart file."""
    manifest = json.loads((report / "report.json").read_text())
    assert [Path(c["png"]).stem.split("_", 1)[1] for c in manifest["charts"]] == charts
    prs = Presentation(str(report / "deck.pptx"))
    assert (prs.slide_width, prs.slide_height) == (12_191_695, 6_858_000)  # 13.333 x 7.5 in: 16:9
    slides = list(prs.slides)
    assert len(slides) == 1 + 2 + len(charts) + 1
    titles = [s.shapes.title.text for s in slides]
    assert titles[0] == title and titles[1] == ANSWER_TITLE and titles[2] == SUMMARY_TITLE
    assert titles[-1] == APPENDIX_TITLE
    assert titles[3:-1] == [c["headline"] for c in manifest["charts"]]
    assert all(len(t) > 30 for t in titles[3:-1])  # messages, not topics
    for slide, chart in zip(slides[3:-1], manifest["charts"]):
        pictures = [sh for sh in slide.shapes if sh.shape_type == MSO_SHAPE_TYPE.PICTURE]
        assert len(pictures) == 1
        blob = pictures[0].image.blob
        assert blob[:8] == PNG_SIGNATURE
        image = Image.open(io.BytesIO(blob))
        image.verify()
        assert image.size == (round(FIGURE_SIZE[0] * DPI), round(FIGURE_SIZE[1] * DPI))
        png, svg = report / chart["png"], report / chart["svg"]
        assert hashlib.sha256(png.read_bytes()).digest() == hashlib.sha256(blob).digest()
        assert svg.read_text(encoding="utf-8").lstrip().startswith("<?xml") and "<svg" in svg.read_text()
    pdf = (report / manifest["pdf"]).read_bytes()
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf)) == len(charts)
    return prs


# -- sweep -----------------------------------------------------------------------------------
def test_sweep_deck_has_a_slide_per_chart_with_valid_pictures(sweep, sweep_report, run_dir):
    check_deck(sweep_report, f"Strategy comparison: {sweep.name}", SWEEP_CHARTS + product_chart(run_dir))


def test_sweep_takeaway_matches_the_results_table(sweep, sweep_report):
    results = pd.read_parquet(sweep / "results.parquet")
    means = results.groupby("loyalty")["npv_profit"].mean().sort_values(ascending=False)
    winner, runner = means.index[:2]
    by_seed = results.pivot(index="seed", columns="loyalty", values="npv_profit")
    d = (by_seed[winner] - by_seed[runner]).to_numpy()
    lo, hi = sps.t.interval(0.95, d.size - 1, loc=d.mean(), scale=sps.sem(d))
    summary = Presentation(str(sweep_report / "deck.pptx")).slides[2]
    takeaway = next(t for t in slide_texts(summary) if t.startswith("loyalty="))
    number = r"(-?[\d.,]+(?:bn|m|k)?)"
    if lo > 0 or hi < 0:
        m = re.fullmatch(rf"loyalty={winner} wins on NPV profit: {number} more than the runner-up loyalty={runner} "
                         rf"\(95% CI {number} to {number}, paired over (\d+) seeds; simulation noise only, "
                         rf"assumptions fixed\)\.", takeaway)
    else:
        m = re.fullmatch(rf"loyalty={winner} has the highest NPV profit, but its lead of {number} over "
                         rf"loyalty={runner} is not significant \(95% CI {number} to {number}, paired over (\d+) "
                         rf"seeds; simulation noise only, assumptions fixed\)\.", takeaway)
    assert m, takeaway
    for text, value in zip(m.groups()[:3], (d.mean(), lo, hi)):
        assert_shown_as(text, value)
    assert int(m.group(4)) == d.size == 3
    # The summary table: one row per strategy, best first, NPV mean and interval as in the results.
    table = next(sh.table for sh in summary.shapes if sh.has_table)
    rows = [[c.text for c in row.cells] for row in table.rows]
    assert rows[0][:2] == ["Strategy", "NPV profit (95% CI)"]
    assert [r[0] for r in rows[1:]] == [f"loyalty={s}" for s in means.index]
    for row, strategy in zip(rows[1:], means.index):
        x = results.loc[results["loyalty"] == strategy, "npv_profit"]
        m = re.fullmatch(rf"{number} \[{number}, {number}\]", row[1])
        a, b = sps.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=sps.sem(x))
        for text, value in zip(m.groups(), (x.mean(), a, b)):
            assert_shown_as(text, value)


def test_sweep_appendix_records_seeds_version_and_revision(sweep, sweep_report):
    records = [json.loads(p.read_text()) for p in sweep.glob("*/run.json")]
    appendix = "\n".join(slide_texts(Presentation(str(sweep_report / "deck.pptx")).slides[-1]))
    assert "Seeds: 0, 1, 2" in appendix and f"Package version: {records[0]['package_version']}" in appendix
    # Runs may record different revisions when the tree changes during the sweep: all are listed.
    revisions = re.search(r"Git revision: (.*)", appendix).group(1).split(", ")
    assert {r["git_revision"] or "not recorded" for r in records} == set(revisions)
    assert "Swept (loyalty): none, points" in appendix and "Market size (people) (market.potential): 3,000" in appendix
    assert f"hydra.sweep.dir={sweep}" in appendix and "loyalty=none,points" in appendix


# -- one run ---------------------------------------------------------------------------------
HIGHLIGHTS = {"Profit": "profit", "NPV profit": "npv_profit", "Customers acquired": "customers_acquired",
              "CAC": "cac", "CLV/CAC": "ltv_to_cac", "Annual retention": "retention_rate_annual",
              "Profitable customers": "share_profitable_customers",
              "Profit from the retained base": "profit_from_retained", "Profit from new customers": "profit_from_new"}


def test_run_deck_summary_numbers_equal_summary_json(run_dir, tmp_path, capsys):
    out = tmp_path / "run_report"
    assert main([str(run_dir), "--out", str(out)]) == 0
    assert f"Report: {out}" in capsys.readouterr().out
    prs = check_deck(out, "Customer lifecycle simulation: results of one scenario", RUN_CHARTS + product_chart(run_dir))
    summary = json.loads((run_dir / "summary.json").read_text())
    lines = [line for text in slide_texts(prs.slides[2]) for line in text.splitlines()]
    shown = dict(line.split(": ", 1) for line in lines if line.split(": ", 1)[0] in HIGHLIGHTS)
    assert set(shown) == set(HIGHLIGHTS)
    for label, kpi in HIGHLIGHTS.items():
        assert_shown_as(shown[label], summary[kpi])
    takeaway = next(t for t in slide_texts(prs.slides[2]) if t.startswith("The scenario "))
    m = re.match(r"The scenario (makes (\S+) profit|loses (\S+)) over 26 weeks \(NPV (\S+)\): new customers return "
                 r"(\S+) their acquisition cost \(CLV/CAC\), (\S+) of customers stay each year and (\S+) of customers "
                 r"are profitable\.", takeaway)
    assert m, takeaway
    profit = parse(m.group(2)) if m.group(2) else -parse(m.group(3))
    assert profit == pytest.approx(summary["profit"], rel=0.005, abs=0.5)
    for text, kpi in zip(m.groups()[3:], ("npv_profit", "ltv_to_cac", "retention_rate_annual",
                                          "share_profitable_customers")):
        assert_shown_as(text, summary[kpi])
    record = json.loads((run_dir / "run.json").read_text())
    appendix = "\n".join(slide_texts(prs.slides[-1]))
    assert f"Seed: {record['seed']}" in appendix and f"Package version: {record['package_version']}" in appendix


def test_optional_charts_appear_only_when_their_data_exist(run_dir, tmp_path):
    """Tier and product columns (synthetic here) and a sensitivity directory each add their charts."""
    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy)
    ts = pd.read_parquet(copy / "timeseries.parquet")
    weeks = ts["week"].to_numpy()
    ts = ts.assign(tier_base=200.0 - weeks, tier_gold=1.0 * weeks, adoptions=10.0 * np.sin(weeks / 8.0) ** 2,
                   product_stage=np.where(weeks < 10, "introduction", "growth"))
    ts.to_parquet(copy / "timeseries.parquet")
    summary = json.loads((copy / "summary.json").read_text())
    (copy / "summary.json").write_text(json.dumps(summary | {"tier_migration_base_to_gold": 30,
                                                             "tier_migration_gold_to_base": 4}))
    sens = tmp_path / "sensitivity"
    sens.mkdir()
    pd.DataFrame({"target": "npv_profit", "factor": ["customers.churn_rate", "market.word_of_mouth"],
                  "mu": [-5e4, 1e4], "mu_star": [5e4, 1e4], "mu_star_conf": [5e3, 2e3],
                  "sigma": [1e3, 1e3]}).to_csv(sens / "indices.csv", index=False)
    (sens / "summary.json").write_text(json.dumps({"method": "morris", "design_points": 12, "seeds": [0]}))
    assert main([str(copy), "--sensitivity", str(sens), "--currency", "$"]) == 0
    prs = check_deck(copy / "report", "Customer lifecycle simulation: results of one scenario",
                     [*RUN_CHARTS, "tier_members", "tier_migration", "product_lifecycle", "tornado_1"])
    titles = [s.shapes.title.text for s in prs.slides]
    assert titles[-2] == ("customers.churn_rate moves npv_profit most: $50.0k over its range, 5.0 times the next "
                          "factor (market.word_of_mouth)")
    assert "30 promotions and 4 demotions at tier reviews" in titles[-4]


# -- bad input -------------------------------------------------------------------------------
def test_an_unfinished_run_fails_with_one_message_and_no_traceback(run_dir, tmp_path):
    unfinished = tmp_path / "unfinished"
    shutil.copytree(run_dir, unfinished)
    (unfinished / "run.json").unlink()
    proc = subprocess.run([sys.executable, "-m", "sim.report", str(unfinished)], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == (f"Error: The 'PATH' argument must be a complete run directory, but it has no run.json: "
                           f"the run has not finished or was killed. Got '{unfinished}' instead.\n")


@pytest.mark.parametrize(("make", "message"), [
    (lambda p: (p / "notes.txt").write_text("x"), "must be a run directory (with run.json) or a sweep directory "
                                                  "holding run directories"),
    (lambda p: (p / "run.json").write_text("{}"), "must be a complete run directory with summary.json, run.json, "
                                                  "timeseries.parquet, cohorts.parquet, customers.parquet; missing: "
                                                  "summary.json, timeseries.parquet"),
])
def test_a_directory_that_is_neither_run_nor_sweep_fails_cleanly(tmp_path, capsys, make, message):
    make(tmp_path)
    assert main([str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_a_bad_sensitivity_directory_fails_cleanly(run_dir, tmp_path, capsys):
    assert main([str(run_dir), "--out", str(tmp_path / "r"), "--sensitivity", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "The '--sensitivity' argument must be a directory written by python -m sim.sensitivity" in err


# -- the headline answer, business names and titles ------------------------------------------
def answer_numbers(sentences: list[str]) -> list[float]:
    """Every number of the answer's sentences, in order (currency prefixes and separators removed)."""
    found = re.findall(r"(-?)\$?(\d[\d,]*(?:\.\d+)?)", " ".join(sentences))
    return [float(sign + digits.replace(",", "")) for sign, digits in found]


def test_answer_slide_opens_the_deck_with_the_headline_numbers(run_dir, tmp_path):
    from sim.report.headline import headline_answer, headline_figures

    out = tmp_path / "answer"
    assert main([str(run_dir), "--out", str(out), "--currency", "$"]) == 0
    prs = Presentation(str(out / "deck.pptx"))
    assert prs.slides[1].shapes.title.text == ANSWER_TITLE
    body = [t for t in slide_texts(prs.slides[1]) if t != ANSWER_TITLE][0].splitlines()
    summary = json.loads((run_dir / "summary.json").read_text())
    assert body == headline_answer(summary, "$")
    f = headline_figures(summary)
    # The cost of keeping a customer is all of it: offers, loyalty, service and complaints.
    keep = summary["cost_to_keep"] / (summary["customer_weeks"] / 52)
    assert f["cost_to_keep_per_year"] == pytest.approx(keep) and f["cost_to_acquire"] == summary["cac"]
    assert f["acquire_to_keep"] == pytest.approx(summary["cac"] / keep)
    assert body[0].startswith(f"Winning a customer costs ${summary['cac']:,.2f}; keeping one costs ${keep:,.2f} a year")
    assert f"{summary['ltv_to_cac']:,.1f} times what it cost to win (LTV/CAC)" in body[1]
    numbers = answer_numbers(body[2:])
    assert numbers == pytest.approx([summary["profit"], summary["profit_from_new"], summary["acquisition_spend"],
                                     summary["cost_to_keep_new"], summary["profit_from_retained"],
                                     summary["cost_to_keep_base"]], abs=0.5)


def test_labels_and_title_name_the_scenarios_in_table_charts_and_deck(sweep, tmp_path, capsys):
    out = tmp_path / "named"
    assert main([str(sweep), "--out", str(out), "--title", "Loyalty review 2026", "--label",
                 "loyalty=points:Points programme", "--label", "loyalty=none:No programme"]) == 0
    table = capsys.readouterr().out
    assert "Points programme" in table and "loyalty=points" not in table
    prs = Presentation(str(out / "deck.pptx"))
    title_slide = slide_texts(prs.slides[0])
    assert title_slide[0] == "Loyalty review 2026"
    assert "(1) No programme; (2) Points programme" in title_slide[1]
    summary_text = "\n".join(slide_texts(prs.slides[2]))
    assert "Points programme" in summary_text and "loyalty=" not in summary_text
    headlines = json.loads((out / "report.json").read_text())["charts"]
    assert any("programme" in c["headline"] for c in headlines)
    assert not any("loyalty=" in c["headline"] for c in headlines)
    assert main([str(sweep), "--no-charts", "--label", "loyalty=gold:Gold"]) == 2
    assert "The '--label' argument must be SCENARIO:NAME" in capsys.readouterr().err


def test_a_firms_experiment_folder_on_the_searchpath_runs_alone_and_labels_its_runs(tmp_path):
    """A scenario library outside the package: a single run (refused before), a sweep, the report."""
    library = tmp_path / "library" / "experiment"
    library.mkdir(parents=True)
    for name, label, price in (("premium_push", "Premium push", 27.5), ("price_cut", "Price cut", 21.0)):
        (library / f"{name}.yaml").write_text(f"# @package _global_\nlabel: {label}\npricing:\n  list_price: {price}\n")
    searchpath = f"hydra.searchpath=[file://{tmp_path / 'library'}]"
    single = subprocess.run([sys.executable, "-m", "sim", "experiment=premium_push", searchpath, *SMALL,
                             "hydra.run.dir=single"], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert single.returncode == 0, single.stderr
    record = json.loads((tmp_path / "single" / "run.json").read_text())
    assert record["config"]["label"] == "Premium push" and record["config"]["pricing"]["list_price"] == 27.5
    sweep_dir = tmp_path / "library_sweep"
    proc = subprocess.run([sys.executable, "-m", "sim", "--multirun", "experiment=premium_push,price_cut", "seed=0,1",
                           searchpath, *SMALL, f"hydra.sweep.dir={sweep_dir}", "hydra.launcher.n_jobs=2"],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert main([str(sweep_dir), "--out", str(tmp_path / "r")]) == 0
    subtitle = slide_texts(Presentation(str(tmp_path / "r" / "deck.pptx")).slides[0])[1]
    assert "Premium push" in subtitle and "Price cut" in subtitle


# -- robustness over the priors ---------------------------------------------------------------
@pytest.mark.slow
def test_takeaway_says_whether_the_verdict_holds_over_the_priors(sweep, tmp_path, capsys):
    from sim.sensitivity import main as sensitivity_main

    study = tmp_path / "robustness"
    assert sensitivity_main(["--priors", "loyalty.points", "--compare", "loyalty=none", "loyalty=points",
                             "--out", str(study), "--no-progress", *SMALL]) == 0
    info = json.loads((study / "robustness.json").read_text())
    capsys.readouterr()
    assert main([str(sweep), "--sensitivity", str(study), "--out", str(tmp_path / "r")]) == 0
    assert info["statement"] in capsys.readouterr().out
    takeaway = json.loads((tmp_path / "r" / "report.json").read_text())["takeaway"]
    assert "simulation noise only, assumptions fixed" in takeaway
    assert re.search(r"(Robust over the priors \(holds in (\d+) of \2\)|Not robust over the priors \(holds in \d+ of "
                     r"\d+\): .* hangs on loyalty\.points\.)", takeaway), takeaway
    summary = Presentation(str(tmp_path / "r" / "deck.pptx")).slides[2]
    assert any(info["statement"].split(":")[0] in t for t in slide_texts(summary))


def test_a_broken_robustness_record_fails_cleanly(sweep, tmp_path, capsys):
    (tmp_path / "robustness.json").write_text("{\"statement\": 1}")
    assert main([str(sweep), "--no-charts", "--sensitivity", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Error: The '--sensitivity' argument must be a directory written by python -m "
                          "sim.sensitivity --priors with two or more strategies") and err.count("\n") == 1
