"""``import prevalence`` is light: public names load on first use (issue #20)."""

from __future__ import annotations

import subprocess
import sys

import prevalence

HEAVY = ("numpy", "pandas", "scipy", "numba", "pymc", "statsmodels", "matplotlib", "arviz")


def test_import_loads_no_heavy_dependency():
    code = f"import sys, prevalence; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == ""  # timing: benchmarks/bench_import.py


def test_every_public_name_resolves():
    for name in prevalence.__all__:
        assert getattr(prevalence, name) is not None
        assert name in dir(prevalence)
    from prevalence import DataError, LogLinearMSE  # noqa: F401

    assert prevalence.datasets.load is not None
    assert prevalence.LogLinearMSE.__module__ == "prevalence.mse.loglinear"


def test_unknown_name_is_an_attribute_error():
    try:
        prevalence.NoSuchEstimator  # noqa: B018
    except AttributeError as exc:
        assert "NoSuchEstimator" in str(exc)
    else:
        raise AssertionError("expected AttributeError")
