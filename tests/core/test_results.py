"""Estimate and Comparison: immutability, conversions, representations."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pandas as pd
import pytest

from prevalence import Comparison, Estimate
from prevalence.core.compare import compare_estimates


def make(value=100.0, lower=80.0, upper=130.0, draws=None, **kw) -> Estimate:
    return Estimate(
        value, lower, upper, method="test", draws=draws, details={"std_error": 12.5}, **kw
    )


def test_fields_and_interval():
    e = make()
    assert e.value == 100.0 and e.interval == (80.0, 130.0) and e.level == 0.95
    assert e.std_error == 12.5
    assert e.warnings == ()


def test_estimate_is_immutable():
    e = make(draws=[1.0, 2.0])
    with pytest.raises(dataclasses.FrozenInstanceError):
        e.value = 3.0  # type: ignore[misc]
    with pytest.raises(TypeError):
        e.details["std_error"] = 1.0  # type: ignore[index]
    with pytest.raises(ValueError):
        e.draws[0] = 5.0  # type: ignore[index]


def test_draws_are_copied():
    source = np.array([1.0, 2.0, 3.0])
    e = make(draws=source)
    source[0] = 99.0
    assert e.draws[0] == 1.0


@pytest.mark.parametrize("level", [0, 1, 1.5, -0.1])
def test_level_must_be_a_probability(level):
    with pytest.raises(ValueError, match="level"):
        make(level=level)


def test_to_dict_is_json_serialisable():
    e = Estimate(
        5.0,
        4.0,
        6.0,
        method="m",
        draws=[4.5, 5.5],
        details={"a": np.int64(3), "b": np.array([1.0, 2.0]), "frame": pd.DataFrame({"x": [1]})},
        warnings=("careful",),
    )
    d = e.to_dict()
    json.dumps(d)
    assert d["n_draws"] == 2 and d["warnings"] == ["careful"] and d["details"]["a"] == 3
    assert "draws" not in d and e.to_dict(include_draws=True)["draws"] == [4.5, 5.5]


def test_to_frame_and_reprs():
    e = make(warnings=("w1",))
    f = e.to_frame()
    assert list(f.columns) == [
        "value",
        "lower",
        "upper",
        "level",
        "std_error",
        "method",
        "warnings",
    ]
    assert f.loc[0, "value"] == 100.0 and f.loc[0, "warnings"] == "w1"
    r = repr(e)
    assert "100.0" in r and "95% interval [80.0, 130.0]" in r and "1 warning" in r
    assert "<table" in e._repr_html_() and "w1" in e._repr_html_()
    assert "no interval" in repr(Estimate(1.0))


def test_comparison_from_draws_pairs_them():
    b = make(draws=[90.0, 100.0, 110.0, 120.0])
    e = make(value=80.0, draws=[70.0, 80.0, 90.0, 100.0])
    c = compare_estimates(b, e)
    assert isinstance(c, Comparison)
    assert c.difference.value == -20.0
    np.testing.assert_allclose(c.difference.draws, [-20.0] * 4)
    assert c.ratio.value == pytest.approx(0.8)
    assert "from draws" in c.difference.method
    f = c.to_frame()
    assert list(f["quantity"]) == ["baseline", "endline", "difference", "ratio"]
    assert "<table" in c._repr_html_() and "difference" in repr(c)


def test_comparison_without_draws_is_seeded_parametric_bootstrap():
    b = Estimate(1000.0, 900.0, 1111.0, method="x")
    e = Estimate(500.0, 450.0, 555.5, method="x")
    c1 = compare_estimates(b, e, seed=7)
    c2 = compare_estimates(b, e, seed=7)
    c3 = compare_estimates(b, e, seed=8)
    assert c1.difference.interval == c2.difference.interval
    assert c1.difference.interval != c3.difference.interval
    assert "parametric bootstrap" in c1.difference.method
    # the ratio of two independent log-normals has a log-normal ratio: check its interval
    z = 1.959963984540054
    sd = math.hypot(math.log(1111 / 900) / (2 * z), math.log(555.5 / 450) / (2 * z))
    assert c1.ratio.lower == pytest.approx(0.5 * math.exp(-z * sd), rel=0.02)
    assert c1.ratio.upper == pytest.approx(0.5 * math.exp(z * sd), rel=0.02)
    assert c1.difference.lower < -500 < c1.difference.upper


def test_comparison_needs_some_measure_of_uncertainty():
    from prevalence import EstimationError

    with pytest.raises(EstimationError, match="cannot compare"):
        compare_estimates(Estimate(1.0), Estimate(2.0), seed=1)


def test_summaries_describe_estimates_and_comparisons():
    est = Estimate(
        1200.0,
        1000.0,
        1500.0,
        method="log-linear",
        draws=[1100.0, 1200.0, 1300.0],
        draws_kind="bootstrap",
        details={"std_error": 120.0, "models": pd.DataFrame({"model": ["[1,2]"], "BIC": [3.0]})},
        warnings=("careful",),
        scale="count",
        interval_method="bca",
    )
    text = str(est.summary())
    for part in ("1,200", "bias-corrected and accelerated", "3 (bootstrap)", "careful", "count"):
        assert part in text, part
    assert "models" in est.summary().tables and "[1,2]" in est.summary().as_html()
    assert est.summary().to_frame().set_index("item").loc["standard error", "value"] == "120.0"
    assert "prevalence-estimate" in est._repr_html_()
    b = Estimate(1000.0, 900.0, 1110.0, scale="count")
    e = Estimate(800.0, 700.0, 915.0, scale="count", warnings=("thin lists",))
    s = compare_estimates(b, e, seed=1).summary()
    assert list(s.tables["estimates"]["quantity"]) == ["baseline", "endline", "difference", "ratio"]
    assert "warning (endline)" in s.as_text() and "thin lists" in s.as_text()


def test_an_interval_upside_down_is_refused():
    with pytest.raises(ValueError, match="lower limit 5 exceeds its upper limit 3"):
        Estimate(4.0, 5.0, 3.0, method="x")
    assert math.isnan(Estimate(4.0, method="no interval").lower)  # no interval: allowed
