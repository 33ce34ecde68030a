"""Every estimator's ``Estimate.details`` follows its typed, documented schema.

The fast estimators are fitted here in each configuration that adds keys; the PyMC ones are
checked in their own tests (bayes/test_hierarchical.py, impact/test_did_hierarchical.py,
mse/test_pooled.py, network/test_bayes_scaleup.py under the slow marker), where they are
fitted anyway, and GeneralizedScaleUp in network/test_generalized.py (it needs two surveys).
"""

from __future__ import annotations

import ast
import inspect
import pickle
import re
import sys
import typing
import warnings

import numpy as np
import pandas as pd
import pytest

import prevalence as P
import prevalence.datasets as ds
from prevalence.core.details import Details, check_details
from prevalence.core.estimator import Estimator
from prevalence.core.mcmc import convergence_diagnostics
from prevalence.mse.data.captures import CaptureHistories
from prevalence.workbench.stratified import Stratified


@pytest.fixture(scope="module")
def captures():
    return CaptureHistories.from_counts(ds.load("captures_baseline"), count="count")


@pytest.fixture(scope="module")
def design():
    sv = ds.load("survey")
    return P.SurveyDesign(
        sv[sv.period == 0], weights="weight", strata="stratum", clusters="cluster"
    )


@pytest.fixture(scope="module")
def nsum_design():
    return P.SurveyDesign(
        ds.load("nsum_survey"), weights="weight", strata="region", clusters="village"
    )


KNOWN = {k: v for k, v in ds.NSUM_KNOWN.items() if k != "sex_workers"}

MSE_CASES = {
    "loglinear-profile": lambda: P.LogLinearMSE("[12,3,4]"),
    "loglinear-wald": lambda: P.LogLinearMSE("[12,3,4]", interval="wald"),
    "loglinear-lognormal": lambda: P.LogLinearMSE("[12,3,4]", interval="lognormal"),
    "loglinear-bic-bootstrap": lambda: P.LogLinearMSE(select="bic", n_boot=30, seed=1),
    "loglinear-aic-percentile": lambda: P.LogLinearMSE(
        select="aic", interval="percentile", n_boot=30, seed=1
    ),
    "loglinear-stepwise": lambda: P.LogLinearMSE(select="stepwise", interval="none"),
    "loglinear-downhill": lambda: P.LogLinearMSE(select="bic", search="downhill", interval="none"),
    "closed-Mt": lambda: P.ClosedPopulationMSE("Mt"),
    "closed-Mb-wald": lambda: P.ClosedPopulationMSE("Mb"),
    "closed-Mth": lambda: P.ClosedPopulationMSE("Mth Chao (LB)"),
    "latent-class": lambda: P.LatentClassMSE(K=3, burnin=200, samples=200, seed=1),
    "decomposable-bma": lambda: P.DecomposableBMA(),
    "bayes-threshold": lambda: P.BayesThresholdMSE(samples=400, burnin=200, seed=1),
    "bayes-threshold-triples-improper": lambda: P.BayesThresholdMSE(
        prior="improper", max_order=3, samples=400, burnin=200, seed=1
    ),
}


def _fit(est, data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(data)


def _assert_follows(est, estimate):
    schema = type(est).details_schema
    assert schema is not None, f"{type(est).__name__} has no details_schema"
    problems = check_details(estimate.details, schema)
    assert not problems, f"{type(est).__name__}: " + "; ".join(problems)


@pytest.mark.parametrize("case", list(MSE_CASES))
def test_mse_details_follow_their_schema(case, captures):
    est = MSE_CASES[case]()
    _assert_follows(est, _fit(est, captures))


@pytest.mark.parametrize(
    "kwargs", [{}, {"population": 1e6}, {"ci": "beta", "population": 5e5}], ids=str
)
def test_survey_prevalence_details_follow_their_schema(kwargs, design):
    est = P.SurveyPrevalence("victim", **kwargs)
    _assert_follows(est, _fit(est, design))


def test_a_survey_statistic_follows_the_statistic_schema(design):
    from prevalence.survey.details import SurveyStatisticDetails

    for estimate in (design.mean("victim", deff=True), design.total("victim")):
        assert not check_details(estimate.details, SurveyStatisticDetails)
    by = design.mean("victim", by="area")
    some = next(iter(by.values())) if isinstance(by, dict) else None
    if some is not None:
        assert not check_details(some.details, SurveyStatisticDetails)


@pytest.mark.parametrize(
    "make",
    [
        lambda: P.ScaleUp("sex_workers", KNOWN, ds.NSUM_TOTAL, n_boot=40, seed=1),
        lambda: P.ScaleUp("sex_workers", KNOWN, ds.NSUM_TOTAL, interval="killworth"),
        lambda: P.ScaleUp(
            "sex_workers", KNOWN, ds.NSUM_TOTAL, interval="linearization", degree_ratio=0.8
        ),
        lambda: P.ScaleUp(
            "sex_workers",
            KNOWN,
            ds.NSUM_TOTAL,
            n_boot=40,
            seed=1,
            transmission=P.Estimate(0.7, 0.6, 0.8),
        ),
    ],
    ids=["bootstrap", "killworth", "fixed-adjustment", "uncertain-adjustment"],
)
def test_scaleup_details_follow_their_schema(make, nsum_design):
    est = make()
    _assert_follows(est, _fit(est, nsum_design))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"estimator": "RDS-II"},
        {"estimator": "SS", "population_size": ds.RDS_POPULATION},
        {"estimator": "RDS-I", "interval": "salganik", "n_boot": 30, "seed": 1},
    ],
    ids=str,
)
def test_rds_details_follow_their_schema(kwargs):
    est = P.RDS("forced_labour", **kwargs)
    _assert_follows(est, _fit(est, ds.load("rds_sample")))


def test_stratified_details_follow_their_schema():
    records = ds.load("captures_records")
    lists = ["police", "ngo", "local_authority", "hotline"]
    est = Stratified(
        P.LogLinearMSE(select="bic", n_boot=30, seed=1),
        "stratum",
        prepare=lambda df: CaptureHistories.from_records(df, lists=lists),
        seed=2,
    )
    _assert_follows(est, _fit(est, records))


def documented_keys(schema: type) -> list[str]:
    """The keys the ``Attributes`` sections of ``schema``'s docstring and its bases' name."""
    keys: list[str] = []
    for base in _typed_dict_bases(schema):
        keys += documented_keys(base)
    doc = schema.__dict__.get("__doc__") or ""
    if "Attributes\n" in doc:
        section = doc.split("Attributes\n", 1)[1]
        keys += re.findall(r"^    ([A-Za-z_][A-Za-z0-9_]*)(?: :|$)", section, flags=re.M)
    return keys


def _typed_dict_bases(schema: type) -> list[type]:
    """The TypedDicts ``schema`` extends. Python 3.11 keeps no trace of them on the class (its
    bases are ``dict``), so they are read from the class statement."""
    node = ast.parse(inspect.getsource(schema).lstrip()).body[0]
    namespace = vars(sys.modules[schema.__module__])
    bases = [namespace.get(b.id) for b in getattr(node, "bases", []) if isinstance(b, ast.Name)]
    return [b for b in bases if isinstance(b, type) and hasattr(b, "__required_keys__")]


def _estimator_classes() -> list[type]:
    from prevalence.runs.config import _estimator_types

    found = {cls for cls, _ in _estimator_types().values()}
    found |= {P.GeneralizedScaleUp, P.PooledStratifiedMSE, Stratified, P.EvidenceSynthesis}
    return sorted(found, key=lambda c: c.__name__)


@pytest.mark.parametrize("cls", _estimator_classes(), ids=lambda c: c.__name__)
def test_every_schema_documents_exactly_its_keys(cls):
    schema = cls.details_schema
    assert schema is not None, f"{cls.__name__} has no details_schema"
    keys = list(typing.get_type_hints(schema))
    documented = documented_keys(schema)
    assert sorted(documented) == sorted(keys), (
        f"{schema.__name__}: documented {sorted(set(documented) ^ set(keys))} differ"
    )
    assert len(documented) == len(set(documented))


def test_every_estimator_in_the_package_has_a_schema():
    def subclasses(c):
        for s in c.__subclasses__():
            yield s
            yield from subclasses(s)

    for cls in subclasses(Estimator):
        if cls.__module__.startswith("prevalence.") and not inspect.isabstract(cls):
            assert cls.details_schema is not None, cls.__name__


def test_the_checker_finds_each_kind_of_problem():
    from prevalence.network.details import RDSDetails

    good = {
        "estimator": "SS",
        "std_error": 0.01,
        "design_effect": 1.5,
        "n_observed": np.int64(500),
        "n_seeds": 10,
        "max_wave": 7,
        "population_size": None,
        "weights": np.ones(3),
    }
    assert check_details(good, RDSDetails) == []
    assert check_details({**good, "n": 500}, RDSDetails) == ["n is not in RDSDetails"]
    assert check_details({**good, "n_seeds": 1.5}, RDSDetails)[0].startswith("n_seeds is")
    assert check_details({**good, "design_effect": True}, RDSDetails)[0].startswith(
        "design_effect is"
    )
    missing = {k: v for k, v in good.items() if k != "weights"}
    assert check_details(missing, RDSDetails) == ["weights is missing"]


def test_renamed_keys_still_read_with_a_future_warning():
    est = P.Estimate(
        1.0,
        details={"n_observed": 12, "diagnostics": convergence_diagnostics(1.002, 900.0, 800.0)},
    )
    with pytest.warns(FutureWarning, match=r'details\["n"\] is renamed details\["n_observed"\]'):
        assert est.details["n"] == 12
    with pytest.warns(FutureWarning, match="max_rhat"):
        assert est.details["rhat"] == 1.002
    with pytest.warns(FutureWarning, match="min_ess_tail"):
        assert est.details["diagnostics"]["ess_tail"] == 800.0
    with pytest.warns(FutureWarning):
        assert est.details.get("n") == 12
    assert "n" not in est.details and list(est.details) == ["n_observed", "diagnostics"]
    with pytest.raises(KeyError):
        est.details["nope"]
    with pytest.raises(KeyError):  # an old name whose new key is absent is absent too
        P.Estimate(1.0).details["n"]
    with pytest.raises(TypeError):
        est.details["n_observed"] = 3  # read-only
    back = pickle.loads(pickle.dumps(est))
    assert isinstance(back.details, Details) and dict(back.details) == dict(est.details)
    assert est.to_dict()["details"]["diagnostics"]["max_rhat"] == 1.002


def test_one_diagnostics_function_serves_every_mcmc_estimator(captures):
    keys = set(convergence_diagnostics(1.0, 1.0, 1.0))
    for make in (MSE_CASES["latent-class"], MSE_CASES["bayes-threshold"]):
        assert set(_fit(make(), captures).details["diagnostics"]) == keys
    d = convergence_diagnostics([1.001, np.nan, 1.03], [900.0, 4000.0, 300.0], [700, 4000, 500])
    assert d["max_rhat"] == 1.03 and d["min_ess_bulk"] == 300.0 and d["min_ess_tail"] == 500.0
    stats = pd.DataFrame({"diverging": [0, 1, 1], "reached_max_treedepth": [0, 0, 1]})
    with_stats = convergence_diagnostics(1.0, 500.0, 500.0, stats)
    assert with_stats["divergences"] == 2 and with_stats["max_treedepth_hits"] == 1


def test_models_tables_share_model_n_and_weight(captures):
    selection = _fit(P.LogLinearMSE(select="bic", interval="none"), captures).details["models"]
    averaging = _fit(P.DecomposableBMA(), captures).details["models"]
    for table in (selection, averaging):
        assert list(table.columns[:3]) == ["model", "N", "weight"]
        assert table["weight"].sum() == pytest.approx(1.0)
        assert table["weight"].is_monotonic_decreasing
    # the criterion's weight: exp(-delta BIC / 2), normalised
    w = np.exp(-0.5 * (selection["BIC"] - selection["BIC"].min()))
    np.testing.assert_allclose(selection["weight"], w / w.sum(), rtol=1e-12)
