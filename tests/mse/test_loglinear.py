"""LogLinearMSE behaviour beyond the reference values: synthetic truth, intervals, errors."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from prevalence import CaptureHistories, DataError, EstimationError, LogLinearMSE
from prevalence.simulate import simulate_captures


def test_two_lists_is_lincoln_petersen():
    df = pd.DataFrame({"A": [1, 0, 1], "B": [0, 1, 1], "count": [60, 40, 20]})
    est = LogLinearMSE(interval="wald").fit(CaptureHistories.from_counts(df))
    # N = n1 * n2 / m = 80 * 60 / 20
    assert est.value == pytest.approx(240.0, rel=1e-10)
    assert est.lower < 240 < est.upper
    assert est.details["df"] == 0


def test_recovers_known_truth_on_large_synthetic_population():
    pop = simulate_captures(20000, {"A": 0.3, "B": 0.2, "C": 0.25, "D": 0.15}, seed=3)
    est = LogLinearMSE().fit(pop.captures)
    assert est.lower < 20000 < est.upper
    assert est.value == pytest.approx(20000, rel=0.03)
    assert est.upper - est.lower < 0.1 * 20000


def test_interval_coverage_on_repeated_synthetic_data():
    covered = 0
    reps = 60
    rng = np.random.default_rng(11)
    for _ in range(reps):
        pop = simulate_captures(1500, {"A": 0.25, "B": 0.2, "C": 0.3}, seed=rng)
        est = LogLinearMSE().fit(pop.captures)
        covered += est.lower <= 1500 <= est.upper
    # 95% nominal; with 60 replicates anything below 85% would be a real failure
    assert covered / reps >= 0.85


def test_details_contents():
    pop = simulate_captures(3000, {"A": 0.3, "B": 0.2, "C": 0.25}, seed=1)
    est = LogLinearMSE("[12,3]").fit(pop.captures)
    d = est.details
    for key in (
        "model",
        "deviance",
        "df",
        "AIC",
        "BIC",
        "coefficients",
        "fitted",
        "std_error",
        "multinomial_estimate",
        "unobserved",
    ):
        assert key in d
    assert d["df"] == 7 - 5
    coefs = d["coefficients"].set_index("term")
    assert list(d["coefficients"].columns) == ["term", "estimate", "std_error", "lower", "upper"]
    assert set(coefs.index) == {"(intercept)", "A", "B", "C", "A:B"}
    # N = n + exp(intercept): its standard error is the intercept's, by the delta method
    u, b0 = d["unobserved"], coefs.loc["(intercept)"]
    assert u == pytest.approx(math.exp(b0["estimate"]), rel=1e-12)
    assert d["std_error"] ** 2 == pytest.approx(u + u**2 * b0["std_error"] ** 2, rel=1e-10)
    assert b0["lower"] == pytest.approx(b0["estimate"] - 1.959964 * b0["std_error"], rel=1e-6)
    assert d["fitted"]["fitted"].sum() == pytest.approx(pop.captures.n_observed, rel=1e-9)
    assert d["unobserved"] == pytest.approx(est.value - pop.captures.n_observed)


def test_wald_and_profile_agree_roughly_on_large_data():
    pop = simulate_captures(50000, {"A": 0.3, "B": 0.2, "C": 0.25}, seed=5)
    p = LogLinearMSE().fit(pop.captures)
    w = LogLinearMSE(interval="wald").fit(pop.captures)
    assert p.value == w.value
    assert w.lower == pytest.approx(p.lower, rel=0.01)
    assert w.upper == pytest.approx(p.upper, rel=0.01)


def test_saturated_model_cannot_be_fitted():
    pop = simulate_captures(3000, {"A": 0.3, "B": 0.2, "C": 0.25}, seed=1)
    with pytest.raises(EstimationError, match="not identifiable"):
        LogLinearMSE("[123]").fit(pop.captures)


def test_bad_arguments():
    with pytest.raises(ValueError, match="interval"):
        LogLinearMSE(interval="bootstrap-ish")
    with pytest.raises(ValueError, match="level"):
        LogLinearMSE(level=95)
    with pytest.raises(DataError, match="count"):
        LogLinearMSE().fit(pd.DataFrame({"A": [1], "B": [1]}))
    with pytest.raises(DataError, match="CaptureHistories"):
        LogLinearMSE().fit([1, 2, 3])
    pop = simulate_captures(300, {"A": 0.3, "B": 0.2}, seed=1)
    with pytest.raises(DataError, match="refers to list 3"):
        LogLinearMSE("[13]").fit(pop.captures)


def test_compare_baseline_endline():
    b = simulate_captures(8000, {"A": 0.3, "B": 0.2, "C": 0.25}, seed=1).captures
    e = simulate_captures(6000, {"A": 0.3, "B": 0.2, "C": 0.25}, seed=2).captures
    c = LogLinearMSE(seed=4).compare(b, e)
    assert c.difference.lower < -2000 < c.difference.upper
    assert c.ratio.lower < 0.75 < c.ratio.upper
    assert c.difference.upper < 0  # a change this large is detected
    again = LogLinearMSE(seed=4).compare(b, e)
    assert again.difference.interval == c.difference.interval
