"""Whole runs of 21 varied scenarios give exactly the recorded tables and KPIs.

Refactors must not change a single output bit. The fingerprints were recorded with particular
versions of numpy, scipy, pandas and numba on a particular CPU family
(``tests/regression/golden.json``); elsewhere the comparison would test the libraries rather than
the engine, so it is skipped there. After a deliberate change of behaviour, rewrite them with
``python -m tests.regression.golden write`` and say why in the commit message.
"""

from __future__ import annotations

import json

import pytest

from tests.regression import golden

RECORDED = json.loads(golden.GOLDEN.read_text())


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(golden.SCENARIOS))
def test_whole_run_fingerprint_unchanged(name):
    if golden.versions() != RECORDED["versions"]:
        pytest.skip(f"fingerprints recorded with {RECORDED['versions']}, running {golden.versions()}")
    assert golden.fingerprint(golden.SCENARIOS[name]) == RECORDED["scenarios"][name]
