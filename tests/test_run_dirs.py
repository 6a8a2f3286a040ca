"""One run, one directory (issue 21, point 2), and runs that do not complete leave nothing (point 5).

A run directory is claimed before Hydra writes into it: it must be new or empty, and the run holds its lock
(:class:`sim.io.DirLock`) until it ends. A rerun into a finished run's directory, two runs started into one
directory, an empty ``hydra.run.dir`` and a sweep whose jobs would share a directory are refused with exit 2
and one line, before anything is written. A run interrupted by Ctrl-C or stopped by a full disk ends in one
line and leaves no directory.
"""

from __future__ import annotations

import json
import os
import re
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.errors import ArgumentError
from sim.io import LOCK_FILE, DirBusyError, DirLock
from sim.rundir import claim_run_dir
from tests.conftest import interruptible

SMALL = ["customers.initial=50", "market.potential=300", "horizon.weeks=3", "output.plots=false"]


def sim_cmd(args: list[str]) -> list[str]:
    return [sys.executable, "-m", "sim", *args]


def run_sim(args: list[str], cwd: Path, **kw) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    return subprocess.run(sim_cmd(args), cwd=cwd, capture_output=True, text=True, timeout=180, env=env, **kw)


def one_line(proc: subprocess.CompletedProcess) -> str:
    assert "Traceback" not in proc.stderr, proc.stderr
    # Progress lines (sim.progress, written without a terminal) are status, not part of the message.
    lines = [ln for ln in proc.stderr.strip().splitlines() if not re.match(r"^[\w ]+: \d+/\d+ \w+ \(\d+%\)", ln)]
    assert len(lines) == 1, proc.stderr
    return lines[0]


def test_rerun_into_a_finished_run_directory_is_refused_and_keeps_the_first_run(tmp_path):
    first = run_sim([*SMALL, "output.transactions=true", "seed=1", "hydra.run.dir=out"], tmp_path)
    assert first.returncode == 0, first.stderr
    before = {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir() if p.is_file()}
    # Other settings (no transactions) would have left the old transactions.parquet beside a new run.json.
    again = run_sim([*SMALL, "seed=2", "hydra.run.dir=out"], tmp_path)
    assert again.returncode == 2
    line = one_line(again)
    assert "'hydra.run.dir' override must be a new or empty directory" in line and "another run" in line
    after = {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir() if p.is_file()}
    assert after == before and json.loads(after["run.json"])["seed"] == 1


def test_a_directory_holding_other_files_is_refused_and_an_empty_one_is_used(tmp_path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("keep me")
    proc = run_sim([*SMALL, "hydra.run.dir=notes"], tmp_path)
    assert proc.returncode == 2 and "other files (todo.txt)" in one_line(proc)
    assert [p.name for p in (tmp_path / "notes").iterdir()] == ["todo.txt"]
    (tmp_path / "empty").mkdir()
    proc = run_sim([*SMALL, "hydra.run.dir=empty"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "empty" / "run.json").is_file() and not (tmp_path / "empty" / LOCK_FILE).exists()


def test_a_directory_locked_by_a_running_run_is_refused(tmp_path):
    (tmp_path / "busy").mkdir()
    with DirLock(tmp_path / "busy"):
        proc = run_sim([*SMALL, "hydra.run.dir=busy"], tmp_path)
    assert proc.returncode == 2 and "no other run is writing into" in one_line(proc)
    assert [p.name for p in (tmp_path / "busy").iterdir()] == []


def test_two_runs_started_into_one_directory_leave_exactly_one_run(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    procs = [subprocess.Popen(sim_cmd([*SMALL, f"seed={seed}", "output.transactions=true", "hydra.run.dir=same"]),
                              cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
             for seed in (1, 2)]
    outs = [(p.wait(timeout=180), p.stderr.read()) for p in procs]
    codes = sorted(code for code, _ in outs)
    assert codes == [0, 2], outs
    winner = [seed for seed, (code, _) in zip((1, 2), outs) if code == 0][0]
    record = json.loads((tmp_path / "same" / "run.json").read_text())
    assert record["seed"] == winner
    assert "'hydra.run.dir' override must be" in [err for code, err in outs if code == 2][0]


@pytest.mark.parametrize("value", ["''", "' '"])
def test_an_empty_run_dir_is_refused_and_nothing_is_written_into_the_current_directory(tmp_path, value):
    proc = run_sim([*SMALL, f"hydra.run.dir={value}"], tmp_path)
    assert proc.returncode == 2 and "'hydra.run.dir' override must be a non-empty path" in one_line(proc)
    assert list(tmp_path.iterdir()) == []


def test_a_sweep_with_a_repeated_value_is_refused_before_it_starts(tmp_path):
    proc = run_sim(["--multirun", *SMALL, "seed=0,0,0", "hydra.sweep.dir=sweep"], tmp_path)
    assert proc.returncode == 2
    line = one_line(proc)
    assert "jobs have distinct directories; 3 jobs would write into" in line
    assert not (tmp_path / "sweep").exists()


def test_a_sweep_with_a_fixed_subdir_is_refused(tmp_path):
    proc = run_sim(["--multirun", *SMALL, "seed=0,1", "hydra.sweep.dir=sweep", "hydra.sweep.subdir=one"], tmp_path)
    assert proc.returncode == 2 and "2 jobs would write into" in one_line(proc)
    assert not (tmp_path / "sweep").exists()


@pytest.mark.parametrize("override, needle", [
    ("hydra.launcher.n_jobs=0", "'hydra.launcher.n_jobs' override must be an integer >= 1"),
    ("hydra.sweep.dir=''", "'hydra.sweep.dir' override must be a non-empty path"),
])
def test_a_sweep_no_job_could_run_is_refused(tmp_path, override, needle):
    proc = run_sim(["--multirun", *SMALL, "seed=0,1", "hydra.sweep.dir=sweep", override], tmp_path)
    assert proc.returncode == 2 and needle in one_line(proc)
    assert list(tmp_path.iterdir()) == []


def test_unwritable_run_dir_is_one_line(tmp_path):
    (tmp_path / "file").write_text("x")
    proc = run_sim([*SMALL, "hydra.run.dir=file/run"], tmp_path)
    assert proc.returncode == 2 and "'hydra.run.dir' override must be a directory that can be created" in \
        one_line(proc)


def test_ctrl_c_ends_in_one_line_and_leaves_no_run_directory(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    proc = subprocess.Popen(sim_cmd(["customers.initial=200000", "market.potential=2000000", "horizon.weeks=520",
                                     "output.plots=false", "hydra.run.dir=out/run"]),
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            preexec_fn=interruptible)
    deadline = time.monotonic() + 120
    while not (tmp_path / "out" / "run" / ".hydra").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    assert proc.poll() is None, proc.stderr.read()
    proc.send_signal(signal.SIGINT)
    code = proc.wait(timeout=60)
    err = proc.stderr.read()
    assert code == 130 and "Traceback" not in err, err
    assert err.strip().splitlines()[-1] == "Interrupted: nothing of the run was kept."
    assert not (tmp_path / "out").exists()


def _small_files() -> None:
    # Files may not grow beyond 64 kB: a parquet table of transactions cannot be written (EFBIG, like a full
    # disk for the run's purposes; Python ignores SIGXFSZ, so the write raises).
    resource.setrlimit(resource.RLIMIT_FSIZE, (64_000, 64_000))


def test_a_write_that_fails_midway_is_one_line_and_keeps_nothing(tmp_path):
    proc = run_sim(["customers.initial=3000", "market.potential=20000", "horizon.weeks=60", "output.plots=false",
                    "output.transactions=true", "hydra.run.dir=out/run"], tmp_path, preexec_fn=_small_files)
    assert proc.returncode == 1, proc.stderr
    line = one_line(proc)
    assert line.startswith("Error: cannot write the run directory") and "Nothing of the run was kept." in line
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------------------------------------ in process


def test_dir_lock_is_exclusive_and_released(tmp_path):
    lock = DirLock(tmp_path)
    with pytest.raises(DirBusyError):
        DirLock(tmp_path)
    lock.release()
    assert not (tmp_path / LOCK_FILE).exists()
    with DirLock(tmp_path):
        assert (tmp_path / LOCK_FILE).exists()


def test_claim_discard_removes_the_run_and_the_folders_it_created(tmp_path):
    claim = claim_run_dir(tmp_path / "a" / "b" / "run")
    (claim.path / "summary.json").write_text("{}")
    with pytest.raises(ArgumentError, match="no other run is writing"):
        claim_run_dir(tmp_path / "a" / "b" / "run")
    claim.discard()
    assert list(tmp_path.iterdir()) == []


def test_a_sweep_resumed_across_a_version_that_added_a_config_field_is_refused_naming_it(tmp_path):
    args = ["--multirun", *SMALL, "seed=0", "hydra.sweep.dir=sweep"]
    assert run_sim(args, tmp_path).returncode == 0
    job = next(p for p in (tmp_path / "sweep").iterdir() if (p / "run.json").is_file())
    record = json.loads((job / "run.json").read_text())
    del record["config"]["customers"]["lapse_weeks"]  # as recorded by a version without the field
    (job / "run.json").write_text(json.dumps(record))
    proc = run_sim(args, tmp_path)
    assert proc.returncode == 2 and "another scenario (customers.lapse_weeks: None there" in one_line(proc)


def test_a_sweep_resumed_onto_a_finished_run_of_another_scenario_is_refused(tmp_path):
    args = ["--multirun", *SMALL, "seed=0,1", "hydra.sweep.dir=sweep"]
    assert run_sim(args, tmp_path).returncode == 0
    job = sorted(p for p in (tmp_path / "sweep").iterdir() if (p / "run.json").is_file())[0]
    original = (job / "run.json").read_text()
    record = json.loads(original)
    record["config"]["customers"]["churn_rate"] = 0.5  # as if written by another scenario
    (job / "run.json").write_text(json.dumps(record))
    before = (job / "summary.json").read_text()
    proc = run_sim(args, tmp_path)
    assert proc.returncode == 2 and "holds a finished run of another scenario (customers.churn_rate" in \
        one_line(proc)
    assert (job / "summary.json").read_text() == before
    # Untouched, the same sweep resumes: its finished jobs are not run again.
    (job / "run.json").write_text(original)
    proc = run_sim(args, tmp_path)
    log = (tmp_path / "sweep" / "sweep.log").read_text()  # finished jobs are logged there, off the progress bar
    assert proc.returncode == 0 and log.count("already complete, not run again") == 2, log
