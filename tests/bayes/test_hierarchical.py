"""Hierarchical prevalence: input checks, structure, reproducibility, limiting cases (short chains)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from prevalence import Comparison, DataError, EstimationWarning, HierarchicalPrevalence
from prevalence.core.details import check_details
from prevalence.simulate import simulate_areas

FAST = {"draws": 300, "tune": 300, "chains": 2, "progress": False}


def counts_model(**kw):
    settings = {"covariates": ["x"], **FAST, **kw}
    return HierarchicalPrevalence(
        area="area",
        period="period",
        cases="cases",
        trials="trials",
        population="population",
        **settings,
    )


@pytest.fixture(scope="module")
def sim():
    return simulate_areas(12, 2, seed=3)


@pytest.fixture(scope="module")
def fitted(sim):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimationWarning)
        return counts_model(seed=7).fit(sim.frame)


# ------------------------------------------------------------------ bad input (no sampling)
@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda f: f.assign(cases=np.where(f.index == 2, -1, f.cases)),
            "cases must not be negative: row 2",
        ),
        (
            lambda f: f.assign(cases=np.where(f.index == 3, f.trials + 1, f.cases)),
            "cases exceed trials: row 3",
        ),
        (
            lambda f: f.assign(trials=np.where(f.index == 4, 0, f.trials)),
            "trials must be positive: row 4",
        ),
        (lambda f: f.drop(index=5), "missing.*every area needs a row for every period"),
        (lambda f: pd.concat([f, f.iloc[[0]]]), "appears more than once"),
        (
            lambda f: f.assign(cases=f.cases.astype(object).where(f.index != 6, "n/a")),
            "cases.*row 6",
        ),
    ],
)
def test_bad_counts(sim, change, message):
    with pytest.raises(DataError, match=message):
        counts_model().fit(change(sim.frame.copy()))


def test_bad_direct_estimates():
    f = pd.DataFrame({"area": ["a", "b", "c"], "est": [0.1, 0.2, 0.15], "se": [0.02, 0.0, 0.03]})
    model = HierarchicalPrevalence(area="area", estimate="est", std_error="se", **FAST)
    with pytest.raises(DataError, match="standard errors must be positive: row 1"):
        model.fit(f)
    with pytest.raises(DataError, match="strictly between 0 and 1"):
        model.fit(f.assign(est=[0.1, 0.0, 0.2], se=[0.01, 0.01, 0.01]))


def test_model_specification_errors(sim):
    with pytest.raises(DataError, match="either cases= and trials="):
        HierarchicalPrevalence(area="area", **FAST).fit(sim.frame)
    with pytest.raises(DataError, match="either cases= and trials="):
        HierarchicalPrevalence(
            area="area",
            period="period",
            cases="cases",
            trials="trials",
            estimate="cases",
            std_error="trials",
            **FAST,
        ).fit(sim.frame)
    with pytest.raises(DataError, match="unknown prior"):
        HierarchicalPrevalence(area="area", priors={"tau": 1.0})
    with pytest.raises(DataError, match="unknown covariate column"):
        counts_model(covariates=["nope"]).fit(sim.frame)


# ------------------------------------------------------------------ fitted model
def test_structure_of_the_estimate(fitted, sim):
    d = fitted.details
    assert fitted.draws.size == 2 * 300
    assert fitted.lower < fitted.value < fitted.upper
    assert list(d["national"]["period"]) == [0, 1]
    assert {"count", "count_lower", "count_upper"} <= set(d["national"].columns)
    areas = d["areas"]
    assert len(areas) == len(sim.frame)
    assert (areas.lower <= areas.value).all() and (areas.value <= areas.upper).all()
    assert set(d["diagnostics"]) == {
        "max_rhat",
        "min_ess_bulk",
        "min_ess_tail",
        "rhat_limit",
        "min_ess",
        "divergences",
        "max_treedepth_hits",
    }
    assert "posterior" in d["idata"].groups()
    assert check_details(d, HierarchicalPrevalence.details_schema) == []
    assert len(d["change"]["areas"]) == 12
    national = d["national"]
    assert fitted.value == pytest.approx(national["value"].iloc[-1])


def test_same_seed_same_draws(fitted, sim):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimationWarning)
        again = counts_model(seed=7).fit(sim.frame)
    np.testing.assert_array_equal(again.draws, fitted.draws)


def test_many_respondents_and_weak_priors_reproduce_direct_estimates():
    rng = np.random.default_rng(4)
    p = rng.uniform(0.05, 0.3, 6)
    n = np.full(6, 200_000)
    frame = pd.DataFrame({"area": list("abcdef"), "cases": rng.binomial(n, p), "trials": n})
    model = HierarchicalPrevalence(
        area="area",
        cases="cases",
        trials="trials",
        seed=1,
        priors={"area_sd": 10.0, "intercept_sd": 10.0},
        **FAST,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimationWarning)
        est = model.fit(frame)
    areas = est.details["areas"]
    np.testing.assert_allclose(areas["value"], areas["direct"], rtol=0.02)


def test_one_area_degrades_gracefully():
    frame = pd.DataFrame({"area": ["only"], "cases": [30], "trials": [400]})
    model = HierarchicalPrevalence(area="area", cases="cases", trials="trials", seed=2, **FAST)
    with pytest.warns(EstimationWarning, match="only one area"):
        est = model.fit(frame)
    assert est.value == pytest.approx(30 / 400, rel=0.05)
    assert est.lower < 30 / 400 < est.upper


def test_fay_herriot_direct_estimates(sim):
    f = sim.frame[sim.frame.period == 0].copy()
    p = (f.cases + 0.5) / (f.trials + 1)
    f["est"], f["se"] = p, np.sqrt(p * (1 - p) / f.trials)
    model = HierarchicalPrevalence(
        area="area", estimate="est", std_error="se", population="population", seed=3, **FAST
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimationWarning)
        est = model.fit(f)
    assert "Fay-Herriot" in est.method
    assert 0 < est.lower < est.value < est.upper < 1


def test_compare_from_the_joint_posterior(sim):
    base = sim.frame[sim.frame.period == 0].drop(columns="period")
    end = sim.frame[sim.frame.period == 1].drop(columns="period")
    model = HierarchicalPrevalence(
        area="area", cases="cases", trials="trials", population="population", seed=5, **FAST
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimationWarning)
        c = model.compare(base, end)
    assert isinstance(c, Comparison)
    np.testing.assert_allclose(c.difference.draws, c.endline.draws - c.baseline.draws)
    assert c.difference.lower < c.difference.value < c.difference.upper
    assert 0 <= c.difference.details["probability_decrease"] <= 1


def test_covariates_as_one_string_is_refused():
    with pytest.raises(
        DataError, match="covariates must be a list of names, got the single string 'xy'"
    ):
        HierarchicalPrevalence(area="area", cases="c", trials="t", covariates="xy")
