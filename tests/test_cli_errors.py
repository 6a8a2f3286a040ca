"""User errors of ``python -m sim`` end in one line naming argument, value and what is allowed, exit 2, nothing
written (issue 21, points 3, 5 and 6): wrong types and unknown keys (Hydra's own text was five lines with exit
1), seeds beyond the 63 bits the random streams use (they were masked and reproduced seed 0), and scenarios far
too large for the memory (they were started and exhausted it).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sim.config import Config, ConfigError, validate
from sim.footprint import check_fits, describe, footprint, notice

SMALL = ["customers.initial=50", "market.potential=300", "horizon.weeks=3", "output.plots=false"]


def run_sim(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=180, env=env)


@pytest.mark.parametrize(
    "args, expected",
    [
        (["horizon.weeks=abc"], "The 'horizon.weeks' override must be an integer. Got 'abc' instead."),
        (["seed=1.5"], "The 'seed' override must be an integer. Got '1.5' instead."),
        (["pricing.list_price=cheap"], "The 'pricing.list_price' override must be a number. Got 'cheap' instead."),
        (["output.plots=maybe"], "The 'output.plots' override must be true or false. Got 'maybe' instead."),
        (["customers.typo=1"], "The 'customers.typo' override must be an existing config key"),
        (["seed=18446744073709551616"], "The 'seed' parameter must be an integer in [0, 9223372036854775807]. "
                                        "Got 18446744073709551616 instead."),
        (["seed=9223372036854775808"], "The 'seed' parameter must be an integer in [0, 9223372036854775807]."),
        (["--config-name", "nosuch"], "The '--config-name' argument must be a config in the search path"),
        (["--config-dir", "no/such/folder"], "The '--config-dir' argument must be an existing folder"),
        (["--experimental-rerun", "x.pickle"], "The '--experimental-rerun' argument must be absent"),
        (["customers.initial=1000000000", "market.potential=2000000000"],
         "The 'customers.initial' parameter must be small enough for the run to fit in memory"),
    ],
)
def test_user_error_is_one_line_exit_2_and_nothing_written(tmp_path, args, expected):
    proc = run_sim([*SMALL, *args, "hydra.run.dir=out/run"] if "=" in args[0] else [*args, *SMALL], tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("Error in config: ") and expected in lines[0], lines[0]
    assert list(tmp_path.iterdir()) == []


def test_the_largest_seed_runs_and_is_not_seed_zero(tmp_path):
    import json

    top = 2**63 - 1
    for seed in (0, top):
        proc = run_sim([*SMALL, f"seed={seed}", f"hydra.run.dir=s{seed}"], tmp_path)
        assert proc.returncode == 0, proc.stderr
    assert json.loads((tmp_path / f"s{top}" / "run.json").read_text())["seed"] == top
    assert (tmp_path / f"s{top}" / "summary.json").read_text() != (tmp_path / "s0" / "summary.json").read_text()


def test_a_seed_beyond_63_bits_is_refused_in_process():
    with pytest.raises(ConfigError) as info:
        validate(Config(seed=2**63))
    assert info.value.field_path == "seed"


# ------------------------------------------------------------------------------------------------ footprint


def _huge() -> Config:
    cfg = Config()
    cfg.customers.initial = 1_000_000_000
    cfg.market.potential = 2_000_000_000
    return cfg


def test_memory_estimate_is_refused_above_what_is_available_unless_allowed():
    cfg = _huge()
    est = footprint(cfg)
    assert est.bytes > 100e9 and est.upper_bytes >= est.bytes  # 150 bytes a customer at least
    with pytest.raises(ConfigError) as info:
        check_fits(cfg, available=16 * 10**9)
    assert info.value.field_path == "customers.initial"
    assert "16.0 GB is available" in info.value.allowed and "output.allow_large=true" in info.value.allowed
    cfg.output.allow_large = True
    assert check_fits(cfg, available=16 * 10**9) is not None


def test_the_estimate_brackets_measured_peaks():
    # Measured peaks (docs/performance.md): 0.42 GB at 1 M x 260 weeks, 1.85 GB at 10 M x 520.
    for initial, potential, weeks, measured in ((1_000_000, 2_000_000, 260, 0.42e9),
                                                (10_000_000, 20_000_000, 520, 1.85e9)):
        cfg = Config()
        cfg.customers.initial, cfg.market.potential, cfg.horizon.weeks = initial, potential, weeks
        est = footprint(cfg)
        assert measured <= est.bytes <= 3 * measured


def test_the_default_scenario_fits_and_needs_no_notice():
    est = check_fits(Config(), available=2 * 10**9)
    assert est.bytes < 1e9 and notice(est, available=2 * 10**9) is None
    assert "GB of memory" in describe(est)
