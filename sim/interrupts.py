"""Ctrl-C while a command is still loading its libraries: one line, exit status 130, no traceback.

A command (``python -m sim``, ``sim.report``, ``sim.calibrate``, ``sim.optimize``,
``sim.sensitivity``) handles ``KeyboardInterrupt`` itself once it runs; before that, while
Python imports numpy, pandas, Hydra or numba (up to a second or so), an interrupt would end in
the import machinery's traceback. The package holds Ctrl-C from the moment ``python -m sim...``
loads it, and each command releases it where its own handling starts (and, having handled one,
ignores any later one while it ends: :func:`ending`). Nothing is written before
that point, so ending at once is safe. (The interpreter's own start-up, the first few
milliseconds before any of the package runs, is out of reach.)
"""

from __future__ import annotations

import os
import signal

__all__ = ["hold", "release", "ending", "finish", "interrupted"]

_MESSAGE = b"Interrupted: nothing was written.\n"


def _quit(signum, frame) -> None:
    os.write(2, _MESSAGE)
    os._exit(130)  # no clean-up to run: nothing was written yet, and raising would print a traceback


_seen = False


def _raise(signum, frame) -> None:
    """Python's own handling (raise ``KeyboardInterrupt``), remembering that Ctrl-C came."""
    global _seen
    _seen = True
    raise KeyboardInterrupt


def hold() -> None:
    """Until :func:`release`, Ctrl-C ends the process at once with one line (status 130).

    Only Python's default handling is replaced: an ignored or custom SIGINT is left as it is.
    """
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _quit)


def release() -> None:
    """Ctrl-C raises ``KeyboardInterrupt`` again, for the command's own handling."""
    if signal.getsignal(signal.SIGINT) is _quit:
        signal.signal(signal.SIGINT, _raise)


def ending() -> None:
    """Ctrl-C has been handled: later ones are ignored while the command cleans up and exits, so
    a second interrupt cannot cut the clean-up short or turn status 130 into death by signal."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # CPython notes a KeyboardInterrupt that leaves code compiled from a string (``typing``'s
    # eval of annotations, a dataclass's generated methods, numba) and, at exit, kills itself
    # with SIGINT although the interrupt was handled; each such run clears the note, so one
    # empty one makes status 130 the status.
    eval("None")


def finish(status: int) -> int:
    """The command is done (its outputs complete, or nothing kept): returns its exit ``status``.

    A Ctrl-C from here on is ignored, as in :func:`ending`: it would change nothing, and while
    Python shuts down (a few hundred milliseconds after a run) it restores the default handling,
    so the interrupt would end the process by signal, with no line, after a complete run.
    """
    ending()
    return status


def interrupted() -> bool:
    """Whether Ctrl-C came after :func:`release`. A library may fail on the interrupt with another
    exception (Hydra's config loader, interrupted while it opens a file, raises ``UnboundLocalError``
    from its clean-up); the command then still ends as interrupted, with its one line."""
    return _seen
