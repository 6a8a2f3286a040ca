"""numba's compiler for the package, with on-disk caches that notice a change to any compiled module.

Behaviour rules (``sim/behaviour``) are compiled into the loops that call them (``sim/kernels``).
numba's cache of a compiled function is keyed to its own source file only, so editing a rule
would leave every loop that inlined it running the old rule from the cache. The locator below
keeps numba's caches in each module's ``__pycache__`` (or ``NUMBA_CACHE_DIR``), stamped with a
hash of every compiled module of the package: a change to any of them recompiles all of them,
once. Every compiled module imports :func:`njit` from here, so the locator is in place before the
first function is compiled.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path

from numba import config, njit
from numba.core import caching

# Public since numba 0.62 (private names before).
_CacheImpl = getattr(caching, "CacheImpl", None) or caching._CacheImpl
InTreeCacheLocator = getattr(caching, "InTreeCacheLocator", None) or caching._InTreeCacheLocator

__all__ = ["njit", "PackageCacheLocator", "compiled_sources", "package_stamp"]

_PACKAGE = Path(__file__).resolve().parent
#: Where compiled code lives: a change to any of these files invalidates every cached function.
COMPILED = ("jit.py", "mathfn.py", "rng.py", "network.py", "market.py", "behaviour/*.py", "kernels/*.py")


def compiled_sources(root: Path = _PACKAGE) -> list[Path]:
    """The package's source files that hold compiled functions, in a fixed order."""
    return sorted({p for pattern in COMPILED for p in root.glob(pattern)})


def package_stamp(sources: list[Path] | None = None) -> str:
    """A hash of the contents of ``sources`` (by default :func:`compiled_sources`)."""
    digest = hashlib.sha256()
    for path in sources if sources is not None else compiled_sources():
        digest.update(path.relative_to(_PACKAGE).as_posix().encode() if path.is_relative_to(_PACKAGE) else b"")
        digest.update(path.read_bytes())
    return digest.hexdigest()


@lru_cache(maxsize=1)
def _stamp() -> str:
    return package_stamp()


class PackageCacheLocator(InTreeCacheLocator):
    """numba's in-tree cache locator for the package's functions, stamped with the whole package."""

    def __init__(self, py_func, py_file):
        super().__init__(py_func, py_file)
        if config.CACHE_DIR:  # numba's own setting, honoured as its user locator does
            self._cache_path = os.path.join(config.CACHE_DIR, self.get_suitable_cache_subpath(py_file))

    def get_source_stamp(self):
        return _stamp()

    @classmethod
    def from_function(cls, py_func, py_file):
        if not Path(py_file).resolve().is_relative_to(_PACKAGE):
            return None
        return super().from_function(py_func, py_file)


if PackageCacheLocator not in _CacheImpl._locator_classes:
    _CacheImpl._locator_classes.insert(0, PackageCacheLocator)
