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
