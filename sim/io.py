"""Files and provenance: atomic writes, the completion marker of a run directory, versions.

Every file is written to a temporary name in the same directory and moved into place with
``os.replace``, so a reader never sees half a file.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["atomic_write", "write_text", "is_complete", "package_version", "git_revision", "COMPLETION_FILE",
           "current_umask"]

COMPLETION_FILE = "run.json"


def current_umask() -> int:
    """The process's file-creation mask (read without changing it for long)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp_path)`` and move the result to ``path`` atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o666 & ~current_umask())  # mkstemp makes 0600; output files are ordinary files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))


def package_version() -> str:
    """Installed version of the package (or 'unknown' when run from a bare source tree)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("customer-sim")
    except PackageNotFoundError:
        return "unknown"


def git_revision() -> str | None:
    """Git commit of the source tree, with '-dirty' when it has uncommitted changes."""
    root = Path(__file__).resolve().parent.parent
    try:
        rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=5)
        if rev.returncode != 0:
            return None
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, timeout=5)
        return rev.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return None


def is_complete(run_dir: Path) -> bool:
    """Whether ``run_dir`` holds a fully written run."""
    return (Path(run_dir) / COMPLETION_FILE).is_file()
