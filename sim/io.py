"""Files and provenance: atomic writes, directory locks, the completion marker of a run directory, versions.

Every file is written to a temporary name in the same directory and moved into place with
``os.replace``, so a reader never sees half a file. A process writing a directory holds its
:class:`DirLock`, so two processes never write one directory at once.
"""

from __future__ import annotations

import errno
import os
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["atomic_write", "write_text", "is_complete", "package_version", "git_revision", "COMPLETION_FILE",
           "FIRM_FILE", "current_umask", "DirLock", "DirBusyError", "LOCK_FILE", "DISK_FULL", "finite_json"]

COMPLETION_FILE = "run.json"
#: A calibrated firm's run keeps its fit here: what is fitted and assumed, the sampling record, the
#: parameters the run used (so a report reads the run directory only).
FIRM_FILE = "firm.json"
#: The lock file a writing process holds in the directory it writes (removed when it is done).
LOCK_FILE = ".lock"
#: Error numbers of a write that failed for want of room: no space left, quota exceeded, a file larger
#: than the file system or the process may write.
DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


class DirBusyError(OSError):
    """Another process holds the lock of the directory."""


class DirLock:
    """An exclusive lock of a directory, held by one process while it writes there.

    The lock is ``flock`` on ``LOCK_FILE`` in the directory: the system releases it when the
    process ends, however it ends (a SIGKILLed run never leaves a directory locked). Taking it
    never waits: a directory another process writes is refused at once. :meth:`release`
    removes the file, and a lock taken on a file removed meanwhile is retried on the new one, so
    removing never lets two processes hold the lock.

    Parameters
    ----------
    directory : path
        An existing directory.

    Raises
    ------
    DirBusyError
        If another process holds the lock.
    OSError
        If the lock file cannot be created (a read-only or missing directory).
    """

    def __init__(self, directory: str | os.PathLike):
        import fcntl

        self.path = Path(directory) / LOCK_FILE
        for _ in range(100):
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666 & ~current_umask())
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as err:
                os.close(fd)
                if err.errno in (errno.EAGAIN, errno.EACCES):
                    raise DirBusyError(err.errno, "another process is writing into this directory",
                                       str(directory)) from None
                raise
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                self._fd: int | None = fd
                return
            os.close(fd)  # the holder released it and removed the file meanwhile: lock the new one
        raise DirBusyError(errno.EAGAIN, "the lock of this directory keeps changing hands", str(directory))

    def release(self) -> None:
        """Remove the lock file and release the lock (idempotent)."""
        if self._fd is None:
            return
        try:
            self.path.unlink(missing_ok=True)
        finally:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> DirLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


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


def finite_json(value: Any, path: str = "") -> tuple[Any, list[str]]:
    """``value`` with every NaN and infinity replaced by None, and the paths replaced.

    JSON has no NaN: a file that holds one is not JSON to most readers. Callers record why each
    listed value is null.

    Parameters
    ----------
    value : Any
        Plain data: dicts, lists, tuples, numbers, strings, None (numpy scalars too).
    path : str
        The path of ``value`` itself, for the listing (``a.b[2]``).

    Returns
    -------
    value : Any
        The same data with lists for tuples and None for every non-finite number.
    paths : list of str
        Where a non-finite number was.
    """
    import math

    if isinstance(value, dict):
        out, paths = {}, []
        for k, v in value.items():
            out[k], sub = finite_json(v, f"{path}.{k}" if path else str(k))
            paths += sub
        return out, paths
    if isinstance(value, (list, tuple)):
        items = [finite_json(v, f"{path}[{i}]") for i, v in enumerate(value)]
        return [v for v, _ in items], [p for _, sub in items for p in sub]
    if isinstance(value, (float, int)) and not isinstance(value, bool) and not math.isfinite(value):
        return None, [path]
    if hasattr(value, "item") and callable(value.item):  # numpy scalar
        return finite_json(value.item(), path)
    return value, []


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
