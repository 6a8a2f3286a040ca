"""Keep freed memory in the process for reuse, so the weekly temporaries are not fresh pages.

Each week the engine makes arrays of a few megabytes per block of customers. glibc's
allocator gives arrays that large their own ``mmap`` and returns them to the system when freed (or
trims its heap), so the next week's arrays are new zero-filled pages: at a million customers the
page faults and zeroing took a fifth of the run time. :func:`tune` raises the two thresholds so
that blocks up to 32 MiB come from the heap and up to 128 MiB of freed heap is kept for reuse,
about twice what one block of :data:`sim.engine.CHUNK_ROWS` customers frees (with blocks of a
million, 64 MiB brought the faults back). What is kept counts in the peak resident memory: at 10 M
customers about 1.87 GB against 1.90 GB untuned and 1.99 GB with 1 GiB kept.

Only glibc is tuned (``mallopt``); elsewhere, or with ``SIM_MALLOC_TUNING=0`` in the
environment, or when the user already set glibc's own ``MALLOC_MMAP_THRESHOLD_`` or
``MALLOC_TRIM_THRESHOLD_``, the allocator is left alone.
"""

from __future__ import annotations

import ctypes
import os
import platform

__all__ = ["tune", "MMAP_THRESHOLD", "TRIM_THRESHOLD"]

MMAP_THRESHOLD = 32 << 20  # bytes: larger blocks keep their own mapping (population columns at 10 M)
TRIM_THRESHOLD = 128 << 20  # bytes of free heap kept: about twice what a block of the week frees
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's malloc.h
_tuned: bool | None = None


def tune() -> bool:
    """Set glibc's ``mallopt`` thresholds once per process; True if they are in force.

    Returns
    -------
    bool
        Whether this process runs with the thresholds of this module.
    """
    global _tuned
    if _tuned is not None:
        return _tuned
    _tuned = False
    if os.environ.get("SIM_MALLOC_TUNING", "1") == "0":
        return False
    if "MALLOC_MMAP_THRESHOLD_" in os.environ or "MALLOC_TRIM_THRESHOLD_" in os.environ:
        return False  # the user's own settings win
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        ok = libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
        ok = libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1 and ok
    except (OSError, AttributeError):
        return False
    _tuned = ok
    return ok
