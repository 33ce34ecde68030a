"""The pooled stratified MSE study, reduced (slow): the full one is benchmarks/pooled_study.py
and its figures are in docs/pooled.md."""

from __future__ import annotations

import pytest

from prevalence.workbench.pooled import pooled_scenarios, pooled_study, summarise_pooled


@pytest.mark.slow
def test_reduced_pooled_study():
    """Ten replicates of the 4-list scenario (120 stratum intervals per method): the pooled
    model's stratum intervals cover at least 85% of the time (at a true 95%, 120 intervals
    fall below 85% with probability under 1e-4), the total is covered in at least 8 of 10,
    and in strata under 100 people the pooled model's RMSE is below that of separate
    log-linear fits."""
    scenario = pooled_scenarios()["4 lists"]
    results = pooled_study(
        10, 2020, scenarios={"4 lists": scenario}, methods=("pooled", "separate log-linear")
    )
    summary = summarise_pooled(results).set_index(["method", "class"])
    print(summary.round(3).to_string())
    strata = results[(results.method == "pooled") & (results.stratum.astype(str) != "total")]
    covered = ((strata.lower <= strata["size"]) & (strata["size"] <= strata.upper)).mean()
    assert covered >= 0.85
    total = results[(results.method == "pooled") & (results.stratum.astype(str) == "total")]
    assert ((total.lower <= total["size"]) & (total["size"] <= total.upper)).sum() >= 8
    small = "under 100"
    assert (
        summary.loc[("pooled", small), "rmse"] < summary.loc[("separate log-linear", small), "rmse"]
    )
