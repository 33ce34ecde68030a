"""The standard study's statistical claims, with 200 replicates (slow)."""

from __future__ import annotations

import pytest

from prevalence import LogLinearMSE, study
from prevalence.workbench.standard import standard_scenarios


@pytest.mark.slow
def test_independence_model_is_calibrated_under_independence_and_biased_under_dependence():
    scenarios = standard_scenarios()
    res = study(
        {"independence": LogLinearMSE()},
        {k: scenarios[k] for k in ("independent", "positive dependence", "negative dependence")},
        200,
        seed=2026,
    )
    s = res.summary.set_index("scenario")
    print("\n" + s[["relative_bias", "coverage", "rmse"]].to_string())
    assert 0.92 <= s.loc["independent", "coverage"] <= 0.98
    assert abs(s.loc["independent", "relative_bias"]) < 0.01
    assert (
        s.loc["positive dependence", "relative_bias"] < -0.1
    )  # people on both lists: under-estimate
    assert s.loc["positive dependence", "coverage"] < 0.2
    assert s.loc["negative dependence", "relative_bias"] > 0.1
