"""numba's caches are stamped with every compiled module: editing a rule recompiles the loops that inline it."""

from __future__ import annotations

import shutil

from sim import jit


def test_compiled_functions_use_the_package_locator():
    from sim.behaviour import churn
    from sim.kernels import purchases

    for dispatcher in (purchases._rate, churn.churn_probability):
        locator = dispatcher._cache._impl._locator
        assert isinstance(locator, jit.PackageCacheLocator)
        assert locator.get_source_stamp() == jit.package_stamp()


def test_the_stamp_changes_with_any_compiled_module(tmp_path):
    sources = jit.compiled_sources()
    names = {p.relative_to(jit._PACKAGE).as_posix() for p in sources}
    assert {"mathfn.py", "rng.py", "behaviour/churn.py", "kernels/purchase_week.py", "jit.py"} <= names
    copies = []
    for p in sources:
        target = tmp_path / p.relative_to(jit._PACKAGE)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(p, target)
        copies.append(target)
    before = jit.package_stamp(copies)
    rule = tmp_path / "behaviour" / "churn.py"
    rule.write_text(rule.read_text().replace("return min(p * multiplier, 1.0)", "return min(p * multiplier, 0.9)"))
    assert jit.package_stamp(copies) != before
