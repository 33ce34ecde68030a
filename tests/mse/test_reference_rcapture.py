"""Rcapture's closed-population models (closedp.t, closedpCI.t) against ../shared/reference."""

from __future__ import annotations

import math
import warnings

import pytest

from prevalence import ClosedPopulationMSE
from prevalence.mse import CLOSED_MODELS, closed_population_table

from ..conftest import load_reference_captures

RCAPTURE_SETS = ["Korea", "UK_4", "NewOrl_4", "UKdat", "Ned", "NewOrl", "hare"]


def test_every_reference_data_set_with_rcapture_values_is_covered(mse_reference):
    assert sorted(k for k, v in mse_reference.items() if "rcapture" in v) == sorted(RCAPTURE_SETS)


@pytest.mark.parametrize("name", RCAPTURE_SETS)
def test_closedp_table_matches_rcapture(mse_reference, name):
    table = closed_population_table(load_reference_captures(name)).set_index("model")
    rows = mse_reference[name]["rcapture"]
    assert [r["model"] for r in rows] == list(CLOSED_MODELS)
    assert list(table.index) == list(CLOSED_MODELS)
    for r in rows:
        got = table.loc[r["model"]]
        for col in ("abundance", "stderr", "deviance"):
            assert got[col] == pytest.approx(r[col], rel=1e-4), (r["model"], col)
        assert got["df"] == r["df"], r["model"]


@pytest.mark.parametrize("name", RCAPTURE_SETS)
@pytest.mark.parametrize("model", ["M0", "Mt", "Mth Chao (LB)", "Mh Darroch", "Mb"])
def test_single_model_estimator_matches_table(mse_reference, name, model):
    ref = next(r for r in mse_reference[name]["rcapture"] if r["model"] == model)
    captures = load_reference_captures(name)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est = ClosedPopulationMSE(model, interval="none").fit(captures)
    below = ref["abundance"] < captures.n_observed
    assert bool(est.warnings) == below
    assert len(caught) == len(est.warnings)
    assert est.value == pytest.approx(ref["abundance"], rel=1e-4)
    assert est.std_error == pytest.approx(ref["stderr"], rel=1e-4)
    assert est.details["df"] == ref["df"]


@pytest.mark.parametrize("name", ["Korea", "UK_4", "NewOrl_4", "hare"])
def test_mt_profile_interval_matches_closedpci(mse_reference, name):
    abundance, lower, upper, info = mse_reference[name]["Mt_profile_ci"]
    assert info == 0
    est = ClosedPopulationMSE("Mt").fit(load_reference_captures(name))
    assert est.details["multinomial_estimate"] == pytest.approx(abundance, rel=1e-3)
    assert est.lower == pytest.approx(lower, rel=1e-3)
    assert est.upper == pytest.approx(upper, rel=1e-3)
    assert est.warnings == ()


def test_wald_interval_is_chaos_log_transformed_interval(mse_reference):
    captures = load_reference_captures("Korea")
    est = ClosedPopulationMSE("Mb", interval="wald").fit(captures)
    n = captures.n_observed
    f0 = est.value - n
    c = math.exp(1.959963984540054 * math.sqrt(math.log(1 + est.std_error**2 / f0**2)))
    assert est.lower == pytest.approx(n + f0 / c, rel=1e-12)
    assert est.upper == pytest.approx(n + f0 * c, rel=1e-12)
    assert est.lower < est.value < est.upper


@pytest.mark.parametrize("name", ["Korea", "UK_4", "hare"])
def test_coefficients_are_named_and_agree_with_the_log_linear_independence_model(name):
    # Mt is the independence model: R's glm iteration (Rcapture) and the engine
    # (LogLinearMSE) must give the same coefficients and standard errors by term
    from prevalence import LogLinearMSE

    captures = load_reference_captures(name)
    closed = ClosedPopulationMSE("Mt", interval="wald").fit(captures).details["coefficients"]
    independence = "[" + ",".join(str(j + 1) for j in range(captures.n_lists)) + "]"
    loglin = LogLinearMSE(independence, interval="wald").fit(captures).details["coefficients"]
    assert list(closed["term"]) == ["(intercept)", *captures.lists]
    a, b = closed.set_index("term"), loglin.set_index("term").loc[list(closed["term"])]
    # Rcapture's covariance comes from the working weights of R's last IRLS step, which stops
    # at a relative deviance change of 1e-8, a little short of the maximum (2.5e-6 here)
    for col in ("estimate", "std_error", "lower", "upper"):
        assert a[col].to_numpy() == pytest.approx(b[col].to_numpy(), rel=1e-5, abs=1e-6), col
    names = ClosedPopulationMSE("Mh Chao (LB)", interval="wald").fit(captures).details
    assert names["coefficients"]["term"].iloc[1] == "captures"
