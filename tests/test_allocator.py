"""The allocator tuning: freed weekly temporaries are reused, not faulted in afresh."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys

import pytest

GLIBC = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"

# Six 8 MB temporaries at a time, freed and made again, as a week of a million-row block does.
_PROBE = """
import json, resource, numpy as np
from sim import allocator
tuned = allocator.tune()
def week():
    temps = [np.ones(1 << 20) for _ in range(6)]
    return sum(float(t[-1]) for t in temps)
week()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(10):
    week()
print(json.dumps({"tuned": tuned, "faults": resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before}))
"""


def _probe(**env: str) -> dict:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "SIM_MALLOC"))} | env
    out = subprocess.run([sys.executable, "-c", _PROBE], env=full, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not GLIBC, reason="mallopt is glibc's")
def test_tuned_allocator_reuses_freed_temporaries():
    tuned, plain = _probe(), _probe(SIM_MALLOC_TUNING="0")
    assert tuned["tuned"] and not plain["tuned"]
    # 10 weeks x 6 arrays x 2048 pages of 4 KiB would fault afresh without reuse.
    assert plain["faults"] > 10 * tuned["faults"] + 1000


@pytest.mark.skipif(not GLIBC, reason="mallopt is glibc's")
def test_users_own_malloc_settings_win():
    assert not _probe(MALLOC_TRIM_THRESHOLD_="131072")["tuned"]
