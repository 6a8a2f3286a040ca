"""User errors of ``sim.report``, ``sim.optimize`` and ``sim.sensitivity`` (issue 21, points 5 and 6): one line, no
traceback; ``sim.report`` skips an unreadable run naming its file and refuses to pair runs of different
designs; ``sim.optimize`` fails when no trial completed.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.analysis.collect import design_difference
from tests.conftest import interruptible

SMALL = ["customers.initial=50", "market.potential=300", "horizon.weeks=3", "output.plots=false"]


def run_module(module: str, args: list[str], cwd: Path, preexec_fn=None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    return subprocess.run([sys.executable, "-m", module, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env=env, preexec_fn=preexec_fn)


def _small_files() -> None:
    # No file may grow past 20 kB: a write beyond fails with EFBIG, as on a full disk (Python ignores SIGXFSZ).
    resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))


def _one_line(proc: subprocess.CompletedProcess) -> str:
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


def _no_partial_files(folder: Path) -> None:
    # Every file is written whole or not at all: no temporary file of an atomic write is left behind.
    assert not list(folder.rglob("*.tmp"))


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("sweep")
    proc = run_module("sim", ["--multirun", *SMALL, "loyalty=none,points", "seed=0,1", "hydra.sweep.dir=sw"], tmp)
    assert proc.returncode == 0, proc.stderr
    return tmp / "sw"


def _copy(sweep: Path, dest: Path) -> Path:
    shutil.copytree(sweep, dest, ignore=shutil.ignore_patterns("results.parquet", "comparison.csv", "report"))
    return dest


def _jobs(sweep_dir: Path) -> list[Path]:
    return sorted(p for p in sweep_dir.iterdir() if (p / "run.json").is_file())


def test_report_skips_a_corrupt_summary_naming_its_file(sweep, tmp_path):
    sw = _copy(sweep, tmp_path / "sw")
    broken = _jobs(sw)[0] / "summary.json"
    broken.write_text('{"profit": 1')
    proc = run_module("sim.report", [str(sw), "--no-charts"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    warnings = [line for line in proc.stderr.splitlines() if line.startswith("Warning:")]
    assert len(warnings) == 1 and str(broken) in warnings[0]
    assert len(pd.read_parquet(sw / "results.parquet")) == 3


def test_report_refuses_to_pair_runs_of_different_designs_naming_the_difference(sweep, tmp_path):
    sw = _copy(sweep, tmp_path / "sw")
    record_path = _jobs(sw)[-1] / "run.json"
    record = json.loads(record_path.read_text())
    record["config"]["horizon"]["weeks"] = 52
    record_path.write_text(json.dumps(record))
    proc = run_module("sim.report", [str(sw), "--no-charts"], tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "horizon.weeks: 3 in" in proc.stderr and "52 in" in proc.stderr and "--mixed-designs" in proc.stderr
    assert not (sw / "results.parquet").exists()
    proc = run_module("sim.report", [str(sw), "--no-charts", "--mixed-designs"], tmp_path)
    assert proc.returncode == 0, proc.stderr


def test_runs_differing_only_in_swept_values_share_one_design(sweep):
    assert design_difference(sweep) is None


def test_optimize_fails_when_no_trial_completed(tmp_path):
    # cac is null in these small runs (no acquisition): every trial fails.
    proc = run_module("sim.optimize", [*SMALL, "--param", "pricing.list_price=float:15:40", "--trials", "2",
                                       "--replications", "1", "--kpi", "cac", "--out", "o", "--no-progress"],
                      tmp_path)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith("Error: no trial completed: 2 failed")


@pytest.mark.parametrize("args, needle", [
    (["--storage", "postgresql://nobody@localhost/none"], "The '--storage' argument must be a database URL whose "
                                                          "driver is installed"),
    (["--out", "afile"], "The '--out' argument must be a directory (this names a file)"),
])
def test_optimize_user_errors_are_one_line(tmp_path, args, needle):
    (tmp_path / "afile").write_text("x")
    proc = run_module("sim.optimize", [*SMALL, "--param", "pricing.list_price=float:15:40", "--trials", "1",
                                       "--replications", "1", "--no-progress", *args], tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], proc.stderr


@pytest.mark.parametrize("args, needle", [
    (["--levels", "1"], "The '--levels' argument must be an integer >= 2"),
    (["--kpi", "cac", "--trajectories", "2"], "The '--kpi' argument must be a KPI with a value in these runs"),
])
def test_sensitivity_user_errors_are_one_line(tmp_path, args, needle):
    proc = run_module("sim.sensitivity", [*SMALL, "--factor", "customers.churn_rate=0.01:0.05", "--out", "s",
                                          "--no-progress", *args], tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], proc.stderr
    assert not (tmp_path / "s").exists()


def test_report_refuses_two_sweeps_of_different_horizons_in_one_directory(sweep, tmp_path):
    sw = _copy(sweep, tmp_path / "sw")
    more = [o.replace("horizon.weeks=3", "horizon.weeks=4") for o in SMALL]
    proc = run_module("sim", ["--multirun", *more, "loyalty=none,points", "seed=0", f"hydra.sweep.dir={sw}"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    proc = run_module("sim.report", [str(sw), "--no-charts"], tmp_path)
    assert proc.returncode == 2 and "horizon.weeks: " in proc.stderr, proc.stderr


def test_report_on_a_full_disk_is_one_line_and_writes_nothing_half(sweep, tmp_path):
    sw = _copy(sweep, tmp_path / "sw")
    before = {p: p.stat().st_size for p in sw.rglob("*") if p.is_file()}
    proc = run_module("sim.report", [str(sw)], tmp_path, preexec_fn=_small_files)
    assert proc.returncode == 1
    assert _one_line(proc).startswith("Error: cannot write") and "File too large" in proc.stderr
    _no_partial_files(sw)
    assert all(p.stat().st_size == size for p, size in before.items())  # the runs' own files untouched


def test_report_ctrl_c_is_one_line_and_writes_nothing_half(sweep, tmp_path):
    sw = _copy(sweep, tmp_path / "sw")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "sim.report", str(sw)], cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, preexec_fn=interruptible)
    proc.stdout.readline()  # the table is printed before the charts and the deck are drawn
    proc.send_signal(signal.SIGINT)
    code = proc.wait(timeout=120)
    err = proc.stderr.read()
    proc.stdout.close()
    proc.stderr.close()
    assert code == 130 and "Traceback" not in err, err
    assert err.strip().splitlines() == ["Interrupted: the files written so far are complete (each is written "
                                        "whole); rerun to finish."]
    _no_partial_files(sw)


def test_optimize_with_a_storage_it_cannot_open_is_one_line_and_leaves_no_folder(tmp_path):
    proc = run_module("sim.optimize", [*SMALL, "--param", "pricing.list_price=float:15:40", "--trials", "1",
                                       "--replications", "1", "--no-progress", "--out", "o",
                                       "--storage", f"sqlite:///{tmp_path}/missing/dir/study.db"], tmp_path)
    assert proc.returncode == 2
    assert _one_line(proc).startswith("Error: The '--storage' argument must be a database that can be opened")
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
def test_optimize_on_a_full_disk_is_one_line_and_keeps_nothing(tmp_path):
    proc = run_module("sim.optimize", [*SMALL, "--param", "pricing.list_price=float:15:40", "--trials", "2",
                                       "--replications", "1", "--no-progress", "--out", "o"], tmp_path,
                      preexec_fn=_small_files)
    assert proc.returncode == 1
    line = _one_line(proc)
    assert line.startswith("Error: cannot write the study") and line.endswith("nothing was kept."), line
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
def test_sensitivity_on_a_full_disk_is_one_line_and_keeps_nothing(tmp_path):
    proc = run_module("sim.sensitivity", [*SMALL, "--factor", "customers.churn_rate=0.01:0.05", "--trajectories",
                                          "2", "--out", "s", "--no-progress"], tmp_path, preexec_fn=_small_files)
    assert proc.returncode == 1
    line = _one_line(proc)
    assert line.startswith("Error: cannot write to the '--out' directory 's': File too large"), line
    assert line.endswith("nothing was kept.") and not (tmp_path / "s").exists()


def _loading(pid: int, library: str) -> bool:
    """Whether process ``pid`` has mapped a shared library whose path contains ``library``."""
    try:
        return library in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


# Each command reads something real, so that it is still loading libraries when numpy is mapped.
LOADING = {
    "sim": SMALL,
    "sim.report": ["."],
    "sim.calibrate": ["--transactions", "cdnow", "--calibration-weeks", "39", "--out", "firm"],
    "sim.optimize": [*SMALL, "--param", "pricing.list_price=float:15:40", "--trials", "1", "--out", "o"],
    "sim.sensitivity": [*SMALL, "--factor", "pricing.list_price=15:40", "--out", "s"],
}


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs /proc to see a process load numpy")
@pytest.mark.parametrize("module", sorted(LOADING))
def test_ctrl_c_while_a_command_loads_its_libraries_is_one_line(module, tmp_path):
    """Ctrl-C after the interpreter has started but before the command's own handling (while
    numpy, pandas, Hydra, numba load): one line, status 130, no traceback, nothing written."""
    proc = subprocess.Popen([sys.executable, "-m", module, *LOADING[module]], cwd=tmp_path, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, preexec_fn=interruptible)
    while proc.poll() is None and not _loading(proc.pid, "_multiarray_umath"):
        time.sleep(0.002)
    proc.send_signal(signal.SIGINT)
    err = proc.communicate(timeout=120)[1]
    assert proc.returncode == 130 and "Traceback" not in err, err
    assert len(err.strip().splitlines()) == 1, err
    assert not list(tmp_path.iterdir())


def test_a_held_ctrl_c_ends_the_process_and_a_released_one_is_the_commands_to_handle(tmp_path):
    """:mod:`sim.interrupts`: held while ``python -m sim...`` loads the package (``sys.argv[0]``
    is ``-m`` then), released where a command starts handling ``KeyboardInterrupt`` itself."""
    held = ("import os, signal, sys, time; sys.argv = ['-m']; import sim; "
            "os.kill(os.getpid(), signal.SIGINT); time.sleep(30)")
    proc = subprocess.run([sys.executable, "-c", held], capture_output=True, text=True, timeout=60,
                          preexec_fn=interruptible)
    assert (proc.returncode, proc.stderr) == (130, "Interrupted: nothing was written.\n")
    released = ("import os, signal, sys; sys.argv = ['-m']; import sim; from sim import interrupts; "
                "interrupts.release()\ntry:\n os.kill(os.getpid(), signal.SIGINT); import time; time.sleep(30)\n"
                "except KeyboardInterrupt:\n print('handled')")
    proc = subprocess.run([sys.executable, "-c", released], capture_output=True, text=True, timeout=60,
                          preexec_fn=interruptible)
    assert (proc.returncode, proc.stdout) == (0, "handled\n"), proc.stderr
    library_use = "import os, signal, time, sim\ntry:\n os.kill(os.getpid(), signal.SIGINT); time.sleep(30)\n" \
                  "except KeyboardInterrupt:\n print('handled')"
    proc = subprocess.run([sys.executable, "-c", library_use], capture_output=True, text=True, timeout=60,
                          preexec_fn=interruptible)
    assert (proc.returncode, proc.stdout) == (0, "handled\n"), proc.stderr  # importing the package changes nothing


def test_a_library_failing_on_ctrl_c_still_ends_as_interrupted(tmp_path):
    """Hydra's config loader, interrupted while it opens a file, raises ``UnboundLocalError`` from
    its own clean-up instead of ``KeyboardInterrupt`` (seen in a sweep); after a Ctrl-C any such
    exception ends the command as interrupted, one line and status 130. Without a Ctrl-C the same
    exception is a bug and keeps its traceback."""
    run_hydra = ("import os, signal, sys; sys.argv = ['-m']; import sim.__main__ as m; from sim import interrupts\n"
                 "interrupts.release()\n"
                 "def main():\n"
                 "    try:\n"
                 "        {body}\n"
                 "    finally:\n"
                 "        raise UnboundLocalError(\"cannot access local variable 'f'\")\n"
                 "m.main = main\n"
                 "sys.exit(m._run_hydra(True, 'the sweep directory'))")
    interrupted = run_hydra.format(body="os.kill(os.getpid(), signal.SIGINT); import time; time.sleep(30)")
    proc = subprocess.run([sys.executable, "-c", interrupted], capture_output=True, text=True, timeout=60,
                          preexec_fn=interruptible)
    assert proc.returncode == 130, proc.stderr
    assert proc.stderr == "Interrupted: finished runs are kept; run the same command to resume the sweep.\n"
    bug = run_hydra.format(body="pass")
    proc = subprocess.run([sys.executable, "-c", bug], capture_output=True, text=True, timeout=60,
                          preexec_fn=interruptible)
    assert proc.returncode == 1 and "Traceback" in proc.stderr and "UnboundLocalError" in proc.stderr


def test_ctrl_c_inside_a_library_eval_still_ends_with_status_130(tmp_path):
    """CPython remembers a ``KeyboardInterrupt`` that leaves code it compiled from a string (an
    ``eval`` in ``typing``, a ``dataclass``'s generated methods, numba) and, at exit, kills itself
    with SIGINT, even when the program caught the interrupt and exits 130 (seen once in a fresh-clone
    run of the single-run Ctrl-C test, status -2). Having handled Ctrl-C, a command forgets it."""
    (tmp_path / "handled.py").write_text(
        "import os, signal, sys\n"
        "from sim import interrupts\n"
        "interrupts.release()\n"
        "try:\n"
        "    eval(\"__import__('os').kill(__import__('os').getpid(), 2) or __import__('time').sleep(30)\")\n"
        "except KeyboardInterrupt:\n"
        "    interrupts.ending()\n"
        "    print('Interrupted.', file=sys.stderr)\n"
        "sys.exit(130)\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[1]), str(tmp_path)])}
    proc = subprocess.run([sys.executable, "-m", "handled"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=60, env=env, preexec_fn=interruptible)
    assert (proc.returncode, proc.stderr) == (130, "Interrupted.\n")


def test_ctrl_c_after_the_command_finished_changes_nothing(tmp_path):
    """Once a command is done (``interrupts.finish``), a Ctrl-C while Python shuts down is
    ignored: before, it ended a complete run by signal with no line (2 of 40 interrupts at random
    times of a short run), or printed a traceback from an exit handler."""
    script = ("import atexit, os, signal, sys, time\n"
              "from sim import interrupts\n"
              "interrupts.release()\n"
              "atexit.register(lambda: (os.kill(os.getpid(), signal.SIGINT), time.sleep(0.2)))\n"
              "sys.exit({exit})\n")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    for exit_with, want in (("interrupts.finish(0)", (0, "")), ("0", None)):
        proc = subprocess.run([sys.executable, "-c", script.format(exit=exit_with)], cwd=tmp_path, capture_output=True,
                              text=True, timeout=60, env=env, preexec_fn=interruptible)
        if want is None:  # the same interrupt without finish: what it guards against
            assert "KeyboardInterrupt" in proc.stderr, proc.stderr
        else:
            assert (proc.returncode, proc.stderr) == want
