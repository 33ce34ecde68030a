"""Rcapture's normal heterogeneity models (``closedpCI.t(h = "Normal")``, Rivest 2011).

Reference values from Rcapture 1.4-4, computed by hand with ``tests/mse/r_normal.R`` into
``tests/mse/r_normal.json``: the published example of ``closedpCI.t``'s help page (the diabetes
data of Bruno et al. 1994, with the data inline) and Mh / Mth on the hare and HIV data (read
from ../shared/reference, skipped without it).

Rcapture minimises the deviance with ``optim`` (BFGS, finite-difference gradients), which stops
short of the maximum by up to 1e-6 relative on these data and 9e-4 on HIV's flat likelihood;
we go to the maximum (our deviance is never above Rcapture's). Rcapture's ``stderr`` comes from
the inverse of the deviance's Hessian, half the variance (the deviance is twice the negative
log-likelihood; with R's glm, ``vcov`` is twice ``solve(optim(..., hessian = TRUE)$hessian)``
of the deviance): we report the inverse information's and keep Rcapture's beside it.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from prevalence import CaptureHistories, ClosedPopulationMSE, EstimationError
from prevalence.core.intervals import log_transformed_interval
from prevalence.mse import capture_patterns, closed_population_models
from prevalence.mse.closed import _layout, _normal_log_means

from ..conftest import load_reference_captures

REF = json.loads((Path(__file__).parent / "r_normal.json").read_text())


def _diabetes() -> CaptureHistories:
    frame = capture_patterns(4).assign(count=REF["diabetes"]["counts"])
    return CaptureHistories.from_counts(frame, count="count")


def _fit(data: CaptureHistories, **kwargs) -> object:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ClosedPopulationMSE(h="Normal", **kwargs).fit(data)


def _check_against_rcapture(est, ref: dict, n_rel: float) -> None:
    assert est.value == pytest.approx(ref["abundance"], rel=n_rel)
    assert est.details["df"] == ref["df"]
    # the deviance at our maximum: never above Rcapture's, and within its optimiser's stop
    assert est.details["deviance"] <= ref["deviance"] * (1 + 1e-12)
    assert est.details["deviance"] == pytest.approx(ref["deviance"], rel=1e-7)
    assert est.details["AIC"] == pytest.approx(ref["AIC"], abs=1e-4)
    assert est.details["BIC"] == pytest.approx(ref["BIC"], abs=1e-4)
    assert est.details["sigma"] == pytest.approx(abs(ref["params"][-1]), rel=10 * n_rel)
    # Rcapture's standard error and interval (from half the variance)...
    assert est.details["std_error_rcapture"] == pytest.approx(ref["stderr"], rel=10 * n_rel)
    lower, upper = log_transformed_interval(
        est.value, est.details["std_error_rcapture"], est.details["n_observed"], 0.95
    )
    assert lower == pytest.approx(ref["lower"], rel=10 * n_rel)
    assert upper == pytest.approx(ref["upper"], rel=10 * n_rel)
    # ...and ours, from the whole inverse information: Rcapture's intercept variance doubled
    u = ref["abundance"] - est.details["n_observed"]
    full = math.sqrt(u + 2 * u**2 * ref["param_var_rcapture"][0])
    assert est.std_error == pytest.approx(full, rel=10 * n_rel)
    assert (est.lower, est.upper) == pytest.approx(
        log_transformed_interval(est.value, est.std_error, est.details["n_observed"], 0.95)
    )


def test_published_example_diabetes_interaction_set_i():
    """closedpCI.t(diabetes, dfreq = TRUE, mX = ~ . + c1:c3 + c2:c4 + c3:c4, h = "Normal")."""
    est = _fit(_diabetes(), design="[13,24,34]")
    ref = REF["diabetes"]
    _check_against_rcapture(est, ref, n_rel=1e-5)
    coefficients = est.details["coefficients"]
    assert coefficients["term"].tolist() == [
        "(intercept)", "c1", "c2", "c3", "c4", "c1:c3", "c2:c4", "c3:c4", "sigma"
    ]  # fmt: skip
    np.testing.assert_allclose(coefficients["estimate"], ref["params"], rtol=1e-4, atol=1e-5)
    assert est.interval_method == "log-wald" and est.warnings == ()


@pytest.mark.parametrize(("key", "model"), [("diabetes_Mth", "Mt"), ("diabetes_Mh", "M0")])
def test_diabetes_mh_and_mth(key, model):
    # Rcapture's Mth optimum has sigma -1.24 (the likelihood is even in sigma: same fit)
    _check_against_rcapture(_fit(_diabetes(), model=model), REF[key], n_rel=1e-4)


@pytest.mark.parametrize(
    ("key", "data", "model", "n_rel"),
    [
        ("hare_Mh", "hare", "M0", 1e-5),
        ("hare_Mth", "hare", "Mt", 1e-5),
        # HIV: N 22,114 from 112 people, a flat likelihood where optim stops 9e-4 short
        ("HIV_Mh", "HIV", "M0", 2e-3),
    ],
)
def test_reference_data_sets(key, data, model, n_rel):
    if data == "HIV":
        from ..conftest import reference_file

        frame = pd.read_csv(reference_file("data/rcapture_HIV.csv"))
        captures = CaptureHistories.from_counts(frame, count="freq")
    else:
        captures = load_reference_captures(data)
    _check_against_rcapture(_fit(captures, model=model), REF[key], n_rel=n_rel)


def test_mean_function_is_the_integral_it_approximates():
    """phi(k) = log(E[exp(k s Z) C(s Z)] / E[C(s Z)]) by adaptive quadrature against the
    20-point Gauss-Hermite rule, and sigma 0 gives the model without heterogeneity."""
    lay = _layout(4)
    X = np.column_stack([np.ones(lay.codes.size), lay.x])
    b = np.array([5.0, -1.0, -1.5, -0.5, -2.0])
    sigma = 0.8
    got = _normal_log_means(np.append(b, sigma), X, lay.k)
    eta = X @ b

    def missed(z: float) -> float:
        return 1.0 / (1.0 + np.exp(eta - b[0] + lay.k * sigma * z).sum())

    def expect(f) -> float:
        return integrate.quad(lambda z: stats.norm.pdf(z) * f(z), -12, 12, epsabs=0, epsrel=1e-12)[
            0
        ]

    denominator = expect(missed)
    phi = [math.log(expect(lambda z, k=k: math.exp(k * sigma * z) * missed(z)) / denominator)
           for k in range(1, 5)]  # fmt: skip
    np.testing.assert_allclose(got, eta + np.array(phi)[lay.k.astype(int) - 1], rtol=1e-9)
    np.testing.assert_allclose(_normal_log_means(np.append(b, 0.0), X, lay.k), eta, rtol=1e-12)


def test_every_hierarchical_model_with_normal_heterogeneity():
    three = capture_patterns(3).assign(count=[12, 30, 25, 40, 55, 70, 90])
    captures = CaptureHistories.from_counts(three, count="count")
    table = closed_population_models(captures, h="Normal").set_index("model")
    single = _fit(captures, design="[12,3]")
    assert table.loc["[12,3]", "abundance"] == pytest.approx(single.value, rel=1e-10)
    assert table.loc["[12,3]", "df"] == single.details["df"] == 7 - 6  # 5 coefficients, sigma
    # a model with more parameters than patterns is named, not fitted
    assert math.isnan(table.loc["[12,13,23]", "abundance"])
    assert "not estimable" in table.loc["[12,13,23]", "warnings"]


def test_bad_requests_are_named():
    with pytest.raises(
        ValueError, match="profile likelihood interval is not available for h='Normal'"
    ):
        ClosedPopulationMSE("Mt", h="Normal", interval="profile")
    with pytest.raises(ValueError, match="theta applies"):
        ClosedPopulationMSE("Mt", h="Normal", theta=2.0)
    three = capture_patterns(3).assign(count=[5, 20, 30, 15, 40, 60, 80])
    captures = CaptureHistories.from_counts(three, count="count")
    with pytest.raises(EstimationError, match="8 parameters but 7 capture patterns"):
        _fit(captures, design="[12,13,23]")
