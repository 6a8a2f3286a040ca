"""The parameter reference in docs/behaviour.md is complete and current."""

from __future__ import annotations

from pathlib import Path

from sim.config.doc import BEGIN, END, parameter_table

DOC = Path(__file__).resolve().parent.parent / "docs" / "behaviour.md"


def test_generated_block_is_current():
    text = DOC.read_text(encoding="utf-8")
    block = text.split(BEGIN, 1)[1].split(END, 1)[0]
    assert block.strip() == parameter_table().strip(), "run `python -m sim.config.doc` and commit docs/behaviour.md"


def test_every_parameter_has_a_meaning():
    rows = [r for r in parameter_table().splitlines() if r.startswith("| `")]
    assert len(rows) > 60
    empty = [r.split("|")[1].strip() for r in rows if not r.split("|")[5].strip()]
    assert not empty, empty
