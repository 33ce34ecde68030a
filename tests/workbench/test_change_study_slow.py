"""Reduced change-interval study (slow): the sanity bounds and coverage of issue 21.

The full study (600 replicates of three scenarios, four estimators) is
``benchmarks/change_study.py``; its figures are in docs/comparisons.md. This runs 300
replicates of two of its scenarios with BIC selection (BCa bootstrap, 500 replicates) and the
independence model (profile likelihood), under a minute.
"""

from __future__ import annotations

import pytest

from prevalence import LogLinearMSE
from prevalence.workbench.change import change_scenarios, change_study

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def summary():
    scenarios = change_scenarios()
    keep = {k: v for k, v in scenarios.items() if not k.startswith("strong")}
    estimators = {
        "bic": LogLinearMSE(select="bic", n_boot=500, progress=False),
        "profile": LogLinearMSE(interval="profile"),
    }
    return change_study(estimators, keep, 300, seed=2111).summary.set_index(
        ["scenario", "estimator", "quantity", "rule"]
    )


def test_change_intervals_stay_within_the_marginal_bounds(summary):
    after = summary.xs("after", level="rule")
    assert (after["within_bounds"] >= 0.99).all(), after["within_bounds"]
    before = summary.xs("before", level="rule").xs("bic", level="estimator")
    assert (before["within_bounds"] < 0.95).all()  # the old rule broke them


def test_bca_change_coverage_is_at_least_as_close_to_nominal(summary):
    bic = summary.xs("bic", level="estimator")
    for (scenario, quantity), rows in bic.groupby(level=["scenario", "quantity"]):
        cov = rows["coverage"].droplevel(["scenario", "quantity"])
        mcse = float(rows["coverage_mcse"].max())
        assert 0.90 <= cov["after"] <= 0.995, (scenario, quantity, cov)
        assert abs(cov["after"] - 0.95) <= abs(cov["before"] - 0.95) + 2 * mcse, (
            scenario,
            quantity,
            cov,
        )
