"""Coverage studies on simulated networks (slow; the full study is
benchmarks/network_coverage.py, reported in docs/network.md)."""

from __future__ import annotations

import pytest

from prevalence.workbench.network import rds_study, scaleup_study

pytestmark = pytest.mark.slow


def _row(summary, scenario, estimator):
    sel = summary[(summary["scenario"] == scenario) & (summary["estimator"] == estimator)]
    assert len(sel) == 1, (scenario, estimator)
    return sel.iloc[0]


def test_scaleup_coverage_and_the_bias_of_barriers_and_transmission():
    s = scaleup_study(150, seed=20261127, n_boot=300)
    assert (s["failures"] == 0).all()
    mixing = _row(s, "random mixing", "scale-up, bootstrap")
    assert 0.88 <= mixing["coverage"] <= 0.99
    assert abs(mixing["relative_bias"]) < 0.03
    for scenario in ("barrier (degree ratio 0.5)", "transmission 0.7"):
        plain = _row(s, scenario, "scale-up, bootstrap")
        assert plain["relative_bias"] < -0.2 and plain["coverage"] < 0.1
        adjusted = _row(s, scenario, "adjusted with the true factor")
        assert abs(adjusted["relative_bias"]) < 0.04
        assert 0.85 <= adjusted["coverage"] <= 0.99
    generalized = _row(s, "barrier 0.5 and transmission 0.7", "generalized scale-up")
    assert abs(generalized["relative_bias"]) < 0.04
    assert 0.87 <= generalized["coverage"] <= 0.99


def test_rds_coverage_and_where_each_estimator_fails():
    s = rds_study(100, seed=20261127, n_boot=200)
    assert (s["failures"] == 0).all()
    assert _row(s, "random recruitment", "RDS-II")["coverage"] >= 0.88
    assert abs(_row(s, "random recruitment", "RDS-II")["relative_bias"]) < 0.05
    # a large sampling fraction: RDS-II (with replacement) is biased, SS is not
    big = "sampling fraction 0.5, activity 2"
    assert _row(s, big, "RDS-II")["coverage"] < 0.5
    assert _row(s, big, "SS, Gile bootstrap")["coverage"] >= 0.85
    assert abs(_row(s, big, "SS, Gile bootstrap")["relative_bias"]) < 0.04
    # strong homophily with seeds in the group: every estimator keeps the seeds' bias
    assert _row(s, "strong seed dependence", "RDS-II")["relative_bias"] > 0.05
