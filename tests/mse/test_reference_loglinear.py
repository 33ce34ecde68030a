"""Log-linear MSE against R's MultipleSystemsEstimation (values in ../shared/reference)."""

from __future__ import annotations

import math

import pytest

from prevalence import EstimationError, LogLinearMSE
from prevalence.mse import check_model

from ..conftest import load_reference_captures

MAIN_EFFECTS_SETS = ["Korea", "UK_4", "NewOrl_4", "UKdat", "Ned", "NewOrl"]


@pytest.mark.parametrize("name", MAIN_EFFECTS_SETS)
def test_independence_model_matches_main_effects_popest(mse_reference, name):
    expected = mse_reference[name]["main_effects_popest"]
    captures = load_reference_captures(name)
    est = LogLinearMSE(interval="none").fit(captures)
    assert est.value == pytest.approx(expected, rel=1e-6)
    assert est.details["n_observed"] == mse_reference[name]["observed"]
    assert (
        est.details["model"] == "[" + ",".join(str(j) for j in range(1, captures.n_lists + 1)) + "]"
    )


def test_every_reference_data_set_with_main_effects_is_covered(mse_reference):
    with_value = sorted(k for k, v in mse_reference.items() if "main_effects_popest" in v)
    assert with_value == sorted(MAIN_EFFECTS_SETS)


def test_korea_model_12_23(mse_reference):
    est = LogLinearMSE("[12,23]", interval="none").fit(load_reference_captures("Korea"))
    assert est.value == pytest.approx(157.1667, rel=1e-6)
    # the same model is R's BIC choice, with its estimate and BIC value
    assert mse_reference["Korea"]["bic_model"] == "[12,23]"
    assert est.value == pytest.approx(mse_reference["Korea"]["bic_popest"], rel=1e-6)
    assert est.details["BIC"] == pytest.approx(mse_reference["Korea"]["bic_value"], rel=1e-6)


def test_model_by_list_names_equals_bracket_notation():
    captures = load_reference_captures("Korea")
    b, c, d = captures.lists
    by_name = LogLinearMSE([(b, c), (c, d)], interval="none").fit(captures)
    by_string = LogLinearMSE("[12,23]", interval="none").fit(captures)
    assert by_name.value == pytest.approx(by_string.value, rel=1e-12)
    assert by_name.details["model"] == "[12,23]"


def test_artificial_3_check_model_statuses(mse_reference):
    captures = load_reference_captures("Artificial_3")
    expected = mse_reference["Artificial_3"]["check_extended_MLE"]
    assert len(expected) == 8
    for model, status in expected.items():
        check = check_model(captures, model)
        assert check.status == status, (model, check)
        assert (check.reason == "") == (status == 0)


def test_artificial_3_fittable_models_give_r_estimates(mse_reference):
    captures = load_reference_captures("Artificial_3")
    for model, value in mse_reference["Artificial_3"]["fixed_popest"].items():
        est = LogLinearMSE(model, interval="none").fit(captures)
        assert est.value == pytest.approx(value, rel=1e-6), model


def test_artificial_3_failing_models_raise(mse_reference):
    captures = load_reference_captures("Artificial_3")
    statuses = mse_reference["Artificial_3"]["check_extended_MLE"]
    failing = [m for m, s in statuses.items() if s != 0]
    assert set(mse_reference["Artificial_3"]["fixed_fails"]) <= set(failing)
    for model in failing:
        with pytest.raises(EstimationError) as info:
            LogLinearMSE(model).fit(captures)
        assert check_model(captures, model).reason in str(info.value)


def test_artificial_3_model_13_2_fixes_empty_interaction_at_minus_infinity():
    captures = load_reference_captures("Artificial_3")
    est = LogLinearMSE("[13,2]", interval="none").fit(captures)
    assert est.details["infinite_terms"] == ("A:C",)
    fixed = est.details["coefficients"].set_index("term").loc["A:C"]
    assert fixed["estimate"] == float("-inf") and math.isnan(fixed["std_error"])


@pytest.mark.parametrize("name", ["Korea", "UK_4", "NewOrl_4", "hare"])
def test_independence_profile_interval_matches_rcapture_mt(mse_reference, name):
    expected = mse_reference[name]["Mt_profile_ci"]
    est = LogLinearMSE().fit(load_reference_captures(name))
    assert est.details["multinomial_estimate"] == pytest.approx(expected[0], rel=1e-3)
    assert est.lower == pytest.approx(expected[1], rel=1e-3)
    assert est.upper == pytest.approx(expected[2], rel=1e-3)
