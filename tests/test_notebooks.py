"""The tutorial notebooks: stored without outputs, and each runs top to bottom at its small size
(``SMALL = True``, as stored) and computes what it claims."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
CELL_TIMEOUT = 120  # seconds; each notebook takes a few seconds at its small size


def execute(name: str, workdir: Path) -> dict:
    """Run ``name`` in ``workdir`` (where it writes its files) and return the JSON it writes."""
    book = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    NotebookClient(book, timeout=CELL_TIMEOUT, kernel_name="python3",
                   resources={"metadata": {"path": str(workdir)}}).execute()
    return json.loads((workdir / f"{name.split('_', 1)[1]}.json").read_text())


def test_notebooks_are_stored_without_outputs_and_small_by_default():
    books = sorted(NOTEBOOKS.glob("*.ipynb"))
    assert [b.stem for b in books] == ["01_quick_start", "02_loyalty_shootout", "03_acquisition_vs_retention",
                                       "04_reproducing_published_results"]
    for path in books:
        book = nbformat.read(path, as_version=4)
        nbformat.validate(book)
        code = [c for c in book.cells if c.cell_type == "code"]
        assert all(c.outputs == [] and c.execution_count is None for c in code), path.name
        assert code[0].source == "SMALL = True" and code[0].metadata.get("tags") == ["parameters"], path.name


def test_quick_start_runs_a_scenario_and_builds_its_deck(tmp_path):
    out = execute("01_quick_start", tmp_path)
    assert abs(out["identity_gap"]) < 1e-3 and out["customers_acquired"] > 0
    funnel = out["funnel"]
    assert funnel["reach"] == 28_000 and funnel["reach"] >= funnel["aware"] >= funnel["acquired"] >= funnel["retained"]
    assert (tmp_path / out["deck"]).is_file()
    assert out["charts"][:7] == ["funnel", "lifecycle_states", "profit_by_category", "acquisition_vs_retention",
                                 "cohort_retention", "whale_curve", "value_pyramid"]


def test_loyalty_shootout_compares_the_arms_pairwise(tmp_path):
    out = execute("02_loyalty_shootout", tmp_path)
    assert {out["winner"], out["runner_up"]} == {"loyalty=none", "loyalty=points"} and out["n_seeds"] == 3
    assert out["ci_low"] <= out["diff"] <= out["ci_high"] and out["diff"] > 0
    assert out["significant"] == (out["ci_low"] > 0)
    assert out["paired_vs_incremental_gap"] < 1.0  # the programme's own baseline is the other arm
    assert out["takeaway"].startswith(out["winner"]) and (tmp_path / out["deck"]).is_file()


def test_acquisition_vs_retention_runs_the_grid_and_the_equal_budget_comparison(tmp_path):
    out = execute("03_acquisition_vs_retention", tmp_path)
    assert out["cells"] == 4 and out["seeds"] == 3 and len(out["npv_by_cell"]) == 4
    low, high = out["diagonal_ci"]
    assert low <= out["diagonal_diff"] <= high and out["diagonal_diff"] > 0
    assert out["diagonal_winner"] in {"media_budget_per_week=1000.0, winback_share=0.02",
                                      "media_budget_per_week=500.0, winback_share=0.14"}
    assert 0.5 < out["spend_ratio"] < 1.5  # the diagonal spends comparable money


def test_reproducing_published_results_matches_the_papers(tmp_path):
    out = execute("04_reproducing_published_results", tmp_path)
    published, reproduced = out["published"], out["reproduced"]
    assert reproduced["bass_peak_years"] == pytest.approx(published["bass_peak_years"], rel=1e-12)
    assert reproduced["bass_numeric_peak_years"] == pytest.approx(published["bass_peak_years"], abs=0.01)
    assert reproduced["bass_share_at_peak"] == pytest.approx(published["bass_share_at_peak"], rel=1e-9)
    for key in ("sbg_alpha", "sbg_beta", "bgnbd_r", "bgnbd_alpha", "bgnbd_a", "bgnbd_b"):
        assert reproduced[key] == pytest.approx(published[key], abs=1e-3), key  # published to 3 decimals
    assert reproduced["bgnbd_log_likelihood"] == pytest.approx(published["bgnbd_log_likelihood"], abs=0.05)
    assert reproduced["ameritrade_clv"] == pytest.approx(published["ameritrade_clv"], abs=0.05)
    assert reproduced["ameritrade_clv_net"] == pytest.approx(published["ameritrade_clv_net"], abs=0.05)
    # A sanity check, not a published figure: the holdout forecast is of the size of what happened.
    assert 0.8 < reproduced["holdout_forecast"] / reproduced["holdout_actual"] < 1.2
    recovered = reproduced["recovered"]
    assert recovered["n"] == 2_000 and recovered["r"] == pytest.approx(published["bgnbd_r"], rel=0.5)
