"""The change-interval study (issue 21): interface, reproducibility, input checks."""

from __future__ import annotations

import pytest

from prevalence import LogLinearMSE
from prevalence.core.errors import DataError
from prevalence.simulate import CaptureScenario
from prevalence.workbench.change import change_study

SCENARIO = CaptureScenario(
    [2000, 1500], {"A": 0.3, "B": 0.25, "C": 0.3}, dependence={("A", "B"): 0.7}, periods=2
)
ESTIMATORS = {
    "bic": LogLinearMSE(select="bic", n_boot=200, progress=False),
    "profile": LogLinearMSE(interval="profile"),
}


def test_rules_truth_and_bounds_are_recorded():
    res = change_study(ESTIMATORS, {"s": SCENARIO}, 3, seed=4)
    r = res.results
    assert set(r["quantity"]) == {"difference", "ratio"}
    assert (r.loc[r["quantity"] == "difference", "truth"] == -500).all()
    assert r.loc[r["quantity"] == "ratio", "truth"].iloc[0] == pytest.approx(0.75)
    assert (r["error"] == "").all()
    assert set(r.loc[r["estimator"] == "bic", "interval_bca"]) == {"bca"}
    assert set(r.loc[r["estimator"] == "profile", "interval_after"]) == {"percentile"}
    s = res.summary
    assert set(s["rule"]) == {"before", "bca", "after"}
    assert (s["replicates"] == 3).all()
    d = r[r["quantity"] == "difference"]
    assert (d["bound_lower"] < d["bound_upper"]).all()


def test_same_seed_same_numbers():
    a = change_study(ESTIMATORS, {"s": SCENARIO}, 2, seed=9).results.drop(columns="seconds")
    b = change_study(ESTIMATORS, {"s": SCENARIO}, 2, seed=9).results.drop(columns="seconds")
    assert a.equals(b)


def test_one_period_scenario_is_refused():
    one = CaptureScenario(2000, {"A": 0.3, "B": 0.25, "C": 0.3})
    with pytest.raises(DataError, match="2 periods"):
        change_study(ESTIMATORS, {"one": one}, 1)
    with pytest.raises(DataError, match="replicates"):
        change_study(ESTIMATORS, {"s": SCENARIO}, 0)
