"""The estimator contract: get_params / set_params / clone from the constructor signature."""

from __future__ import annotations

import numbers
import warnings

import numpy as np
import pytest

import prevalence as P
from prevalence import synthesis
from prevalence.mse.data.captures import CaptureHistories
from prevalence.workbench.stratified import Stratified

ESTIMATORS = [
    P.LogLinearMSE(select="bic", n_boot=50, seed=3, level=0.9),
    P.ClosedPopulationMSE("Mth Chao (LB)"),
    P.LatentClassMSE(K=5, samples=100, seed=1),
    P.DecomposableBMA(delta=0.5),
    P.BayesThresholdMSE(threshold=1.5),
    P.SurveyPrevalence("victim", population=1000),
    P.HierarchicalPrevalence(area="a", cases="c", trials="t", draws=200),
    Stratified(P.LogLinearMSE(), "stratum"),
    P.ScaleUp("h", {"a": 10.0, "b": 20.0}, 1000, topcode=30, degree_ratio=0.8, seed=2),
    P.GeneralizedScaleUp("h", {"a": 10.0}, 1000, hidden_weights="w", n_boot=50),
    P.BayesianScaleUp("h", {"a": 10.0}, 1000, transmission=(8, 2), draws=100),
    P.RDS("trait", estimator="SS", population_size=900, interval="gile", seed=4),
    P.EvidenceSynthesis(
        "area",
        "year",
        sources=[synthesis.EstimateSource("s", "e", "se", visibility=(0.4, 0.8))],
        draws=100,
        seed=5,
    ),
]


def _equal(a, b) -> bool:
    if isinstance(a, P.Estimator):
        return type(a) is type(b) and all(
            _equal(v, b.get_params()[k]) for k, v in a.get_params().items()
        )
    if isinstance(a, np.ndarray):
        return np.array_equal(a, b)
    return a == b


@pytest.mark.parametrize("est", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_get_params_names_the_constructor_arguments_and_clone_rebuilds(est):
    params = est.get_params()
    assert list(params) == type(est)._param_names()
    twin = est.clone()
    assert twin is not est and type(twin) is type(est)
    assert all(_equal(v, twin.get_params()[k]) for k, v in params.items())
    assert repr(twin) == repr(est)


def test_clone_changes_only_what_it_is_told_and_copies_nested_estimators():
    est = Stratified(P.LogLinearMSE(seed=1), "stratum", seed=4)
    twin = est.clone(seed=5)
    assert twin.seed == 5 and est.seed == 4
    assert twin.estimator is not est.estimator and twin.estimator.seed == 1
    twin.estimator.set_params(seed=9)
    assert est.estimator.seed == 1


def test_set_params_validates_like_the_constructor():
    est = P.LogLinearMSE()
    with pytest.raises(ValueError, match=r"has no parameter\(s\) \['n_bootstrap'\]"):
        est.set_params(n_bootstrap=10)
    with pytest.raises(ValueError, match="level"):
        est.set_params(level=1.5)
    assert est.level == 0.95  # a refused change leaves the estimator as it was
    assert est.set_params(level=0.8, n_boot=20) is est and est.n_boot == 20


def test_a_clone_fits_the_same_numbers():
    rec = P.simulate.CaptureScenario(2000, {"A": 0.3, "B": 0.25, "C": 0.3}).records(2)
    captures = CaptureHistories.from_records(rec, lists=["A", "B", "C"])
    est = P.LogLinearMSE(select="bic", n_boot=100, seed=7, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a, b = est.fit(captures), est.clone().fit(captures)
    assert a.interval == b.interval and np.array_equal(a.draws, b.draws)


def test_run_config_registry_is_derived_from_the_estimators():
    from prevalence.runs.config import _estimator_types

    registry = _estimator_types()
    exported = {
        name
        for name in P.__all__
        if isinstance(getattr(P, name), type)
        and issubclass(getattr(P, name), P.Estimator)
        and getattr(P, name).input_kinds
    }
    assert exported == set(registry)
    assert registry["SurveyPrevalence"][1] == ("survey", "questionnaire")
    assert "Stratified" not in registry  # no input kind of its own


def test_compare_refuses_arguments_it_cannot_use():
    with pytest.raises(ValueError, match="closed form"):
        P.SurveyPrevalence("victim").compare(None, None, seed=1)
    with pytest.raises(ValueError, match="n_draws"):
        P.HierarchicalPrevalence(area="a", cases="c", trials="t").compare(None, None, n_draws=100)


AS_GIVEN = [
    (Stratified, {"estimator": P.LogLinearMSE(), "by": "stratum", "level": None}),
    (P.ClosedPopulationMSE, {"model": "mth chao lb", "level": 0.9}),
    (
        P.PooledStratifiedMSE,
        {"lists": ("A", "B", "C"), "by": "region", "structure": (), "priors": {"list_sd": 2.0}},
    ),
    (
        P.HierarchicalPrevalence,
        {"area": "a", "cases": "c", "trials": "t", "covariates": ("x",), "priors": None},
    ),
    (P.ScaleUp, {"hidden": "h", "known": {"a": 10.0}, "total": 1000, "topcode": 30}),
    (P.LogLinearMSE, {"model": "[12,3]", "n_boot": 200, "level": 0.9}),
    (P.RDS, {"outcome": "trait", "population_size": 900}),
]


@pytest.mark.parametrize("cls, given", AS_GIVEN, ids=lambda x: getattr(x, "__name__", ""))
def test_constructors_store_their_arguments_as_given(cls, given):
    """As scikit-learn: get_params returns what the constructor was given (normalised forms,
    a canonical model name, default priors filled in, are the estimator's private affair).
    Numbers are kept equal (a count given as 1000 may be kept as 1000.0)."""
    params = cls(**given).get_params()
    for name, value in given.items():
        assert params[name] is value or params[name] == value, name
        if not isinstance(value, numbers.Number):
            assert type(params[name]) is type(value), name
