"""Progress that respects where it is shown: a live bar on a terminal, plain lines in a log.

A bar redrawn with carriage returns is unreadable in a log file or a batch system's output, and
nothing at all leaves a long run silent. :func:`progress_bar` gives tqdm's bar when the stream is
a terminal, and otherwise a :class:`TextProgress` that writes one line every
:data:`PROGRESS_SECONDS` (``SIM_PROGRESS_SECONDS`` in the environment, default 30 s) and one at
the end.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any, TextIO

__all__ = ["PROGRESS_SECONDS", "TextProgress", "progress_bar", "progress_seconds"]

#: Seconds between progress lines without a terminal, unless SIM_PROGRESS_SECONDS says otherwise.
PROGRESS_SECONDS = 30.0


def progress_seconds() -> float:
    """Seconds between progress lines without a terminal (``SIM_PROGRESS_SECONDS``, default 30)."""
    try:
        return max(0.0, float(os.environ.get("SIM_PROGRESS_SECONDS", PROGRESS_SECONDS)))
    except ValueError:
        return PROGRESS_SECONDS


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m" if seconds >= 3600 else \
        f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


class TextProgress:
    """Progress as plain lines, ``desc: 52/260 weeks (20%), 12s elapsed, about 48s left``.

    Parameters
    ----------
    total : int
        Units of work in all.
    desc, unit : str
        What is counted, for the line.
    initial : int
        Units already done (a resumed sweep).
    interval : float, optional
        Seconds between lines (default :func:`progress_seconds`).
    file : text stream
        Where the lines go (default standard error).
    """

    def __init__(self, total: int, desc: str, unit: str, *, initial: int = 0, interval: float | None = None,
                 file: TextIO | None = None):
        self.total, self.desc, self.unit, self.n = total, desc, unit, initial
        self.interval = progress_seconds() if interval is None else interval
        self.file = file or sys.stderr
        self._start = self._last = time.monotonic()
        self._first = initial
        self._shown = initial

    def _line(self) -> str:
        elapsed = time.monotonic() - self._start
        share = f" ({self.n / self.total:.0%})" if self.total else ""
        done = self.n - self._first
        left = (f", about {_duration(elapsed / done * (self.total - self.n))} left"
                if 0 < done and self.n < self.total else "")
        return f"{self.desc}: {self.n:,}/{self.total:,} {self.unit}s{share}, {_duration(elapsed)} elapsed{left}"

    def _emit(self) -> None:
        print(self._line(), file=self.file, flush=True)
        self._last, self._shown = time.monotonic(), self.n

    def update(self, n: int = 1) -> None:
        """Count ``n`` more units; write a line if the interval has passed."""
        self.n += n
        if time.monotonic() - self._last >= self.interval:
            self._emit()

    def set_postfix_str(self, _text: str) -> None:
        """Accepted for tqdm compatibility; the lines carry counts only."""

    def close(self) -> None:
        """Write the last line, unless it would repeat the one before."""
        if self.n != self._shown:
            self._emit()

    def __enter__(self) -> TextProgress:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def progress_bar(total: int, desc: str, unit: str, *, initial: int = 0, file: TextIO | None = None,
                 delay: float = 0.0) -> Any:
    """tqdm's bar on a terminal (``delay`` seconds before it first shows), else :class:`TextProgress`."""
    stream = file or sys.stderr
    if stream.isatty():
        from tqdm import tqdm

        return tqdm(total=total, initial=initial, desc=desc, unit=unit, file=stream, mininterval=1.0,
                    dynamic_ncols=True, delay=delay, leave=False if unit == "week" else True)
    return TextProgress(total, desc, unit, initial=initial, file=stream)
