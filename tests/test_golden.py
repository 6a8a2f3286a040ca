"""Whole runs of 22 varied scenarios give exactly the recorded tables and KPIs.

Refactors must not change a single output bit. The fingerprints were recorded with particular
versions of numpy, scipy, pandas and numba, one recording per CPU family
(``tests/regression/golden.json`` for AVX2, ``golden-avx512.json`` for AVX-512); with other
versions the comparison would test the libraries rather than the engine, so it is skipped
there. After a deliberate change of behaviour, rewrite them on a machine of each family with
``python -m tests.regression.golden write`` and say why in the commit message.
"""

from __future__ import annotations

import json

import pytest

from tests.regression import golden

RECORDING = golden.recording()
RECORDED = json.loads(RECORDING.read_text()) if RECORDING.exists() else {"versions": None}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(golden.SCENARIOS))
def test_whole_run_fingerprint_unchanged(name):
    if golden.versions() != RECORDED["versions"]:
        pytest.skip(f"{RECORDING.name}: fingerprints recorded with {RECORDED['versions']}, running {golden.versions()}")
    if name not in RECORDED["scenarios"]:  # changed since, and not yet recorded on a machine of this family
        pytest.skip(f"{name} is not recorded in {RECORDING.name}: run `python -m tests.regression.golden write {name}`")
    assert golden.fingerprint(golden.SCENARIOS[name]) == RECORDED["scenarios"][name]
