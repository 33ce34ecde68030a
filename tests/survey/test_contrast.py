"""Domain covariance, contrasts, survey GLM and predictive margins against R survey 4.1.1.

Every value of ../shared/reference/values_contrast.json (svyby(covmat=TRUE), svycontrast,
svyglm(family=quasibinomial()), svypredmeans on the stratified api sample) to 1e-6 relative.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from prevalence import DataError, SurveyDesign
from prevalence.survey import DomainTable

from .conftest import HERE, api

RTOL = 1e-6


@pytest.fixture(scope="module")
def ref(contrast_reference) -> dict:
    return contrast_reference


@pytest.fixture(scope="module")
def dstrat() -> SurveyDesign:
    df = api("apistrat")
    df = df.assign(hi99=(df["api99"] >= 700).astype(float), hi00=(df["api00"] >= 700).astype(float))
    return SurveyDesign(df, weights="pw", strata="stype", fpc="fpc")


@pytest.fixture(scope="module")
def table(dstrat) -> DomainTable:
    return dstrat.mean(["hi99", "hi00"], by="stype", vcov=True)


def test_by_estimates_and_covariance(table, ref):
    assert table.names == ref["by_names"]
    np.testing.assert_allclose(table.values.to_numpy(), ref["by_estimates"], rtol=RTOL)
    k = len(ref["by_names"])
    expected = np.array(ref["by_vcov"]).reshape(k, k, order="F")
    np.testing.assert_allclose(table.vcov.to_numpy(), expected, rtol=RTOL, atol=1e-15)
    frame = table.to_frame()
    assert list(frame["stype"]) == ["E", "H", "M"] * 2
    assert list(frame["variable"]) == ["hi99"] * 3 + ["hi00"] * 3


def test_linear_contrasts(table, ref):
    c = ref["contrasts"]
    weights = {
        "change_E": {"E:hi00": 1, "E:hi99": -1},
        "change_H": {"H:hi00": 1, "H:hi99": -1},
        "change_M": {"M:hi00": 1, "M:hi99": -1},
        "did_E_minus_H": {"E:hi00": 1, "E:hi99": -1, "H:hi00": -1, "H:hi99": 1},
    }
    for name, est, se in zip(c["names"], c["estimate"], c["se"], strict=True):
        got = table.contrast(weights[name], name=name)
        assert got.value == pytest.approx(est, rel=RTOL)
        assert got.std_error == pytest.approx(se, rel=RTOL)
        assert got.details["name"] == name


def test_nonlinear_contrast_ratio(table, ref):
    got = table.contrast(lambda v: v["E:hi00"] / v["H:hi00"], name="ratio")
    assert got.value == pytest.approx(ref["ratio_E_H_00"]["estimate"], rel=RTOL)
    assert got.std_error == pytest.approx(ref["ratio_E_H_00"]["se"], rel=RTOL)


def test_overall_change_panel(dstrat, ref):
    both = dstrat.mean(["hi99", "hi00"], vcov=True)
    assert both.names == ["hi99", "hi00"]
    got = both.contrast({"hi00": 1, "hi99": -1})
    assert got.value == pytest.approx(ref["overall_change"]["estimate"], rel=RTOL)
    assert got.std_error == pytest.approx(ref["overall_change"]["se"], rel=RTOL)
    # the panel's covariance narrows the change: independent parts would be wider
    se_indep = float(np.sqrt(np.trace(both.vcov.to_numpy())))
    assert got.std_error < se_indep


R_TO_FORMULAIC = {"(Intercept)": "Intercept", "stypeH": "stype[T.H]", "stypeM": "stype[T.M]"}


def test_logistic_regression(dstrat, ref):
    fit = dstrat.glm("hi00 ~ stype + meals", family="binomial")
    names = [R_TO_FORMULAIC.get(n, n) for n in ref["logit"]["names"]]
    assert list(fit.params.index) == names
    np.testing.assert_allclose(fit.params[names], ref["logit"]["estimate"], rtol=RTOL)
    np.testing.assert_allclose(fit.bse[names], ref["logit"]["se"], rtol=RTOL)
    assert fit.df_resid == 200 - 3 + 1 - 4
    ci = fit.conf_int()
    assert (ci["lower"] < fit.params).all() and (fit.params < ci["upper"]).all()
    assert set(fit.summary().columns) >= {"estimate", "std_error", "t", "p_value"}


def test_predictive_margins(dstrat, ref):
    margins = dstrat.predictive_margins("hi00 ~ meals + ell", by="stype", family="binomial")
    pm = ref["predictive_margins"]
    assert margins.names == pm["names"]
    np.testing.assert_allclose(margins.values, pm["estimate"], rtol=RTOL)
    np.testing.assert_allclose(margins.std_errors, pm["se"], rtol=RTOL)
    # margins can be contrasted like any table
    diff = margins.contrast({"E": 1, "H": -1})
    assert diff.value == pytest.approx(pm["estimate"][0] - pm["estimate"][2], rel=1e-12)


# ------------------------------------------------------------------ bad input
def test_contrast_naming_an_unknown_domain(table):
    with pytest.raises(DataError, match=r"'X:hi00'.*E:hi99"):
        table.contrast({"X:hi00": 1, "E:hi00": -1})
    with pytest.raises(DataError, match="'Z:hi00'"):
        table.contrast(lambda v: v["Z:hi00"] - v["E:hi00"])
    with pytest.raises(DataError, match="no coefficients"):
        table.contrast({})


def test_glm_bad_input(dstrat):
    with pytest.raises(DataError, match=r"names \['nope'\]"):
        dstrat.glm("hi00 ~ nope", family="binomial")
    with pytest.raises(DataError, match="binomial outcome.*row"):
        dstrat.glm("api00 ~ meals", family="binomial")
    with pytest.raises(ValueError, match="family must be one of"):
        dstrat.glm("hi00 ~ meals", family="gamma")
    df = dstrat.data.copy()
    df.loc[5, "meals"] = np.nan
    d = SurveyDesign(df, weights="pw", strata="stype", fpc="fpc")
    with pytest.raises(DataError, match="'meals'.*row 5"):
        d.glm("hi00 ~ meals", family="binomial")
    with pytest.raises(DataError, match="unknown group column 'nope'"):
        dstrat.predictive_margins("hi00 ~ meals", by="nope")


def test_several_columns_without_covariance(dstrat):
    frame = dstrat.mean(["hi99", "hi00"], by="stype")
    assert list(frame.columns[:2]) == ["stype", "variable"]
    assert isinstance(frame, pd.DataFrame) and len(frame) == 6
    single = dstrat.mean("hi00", by="stype")
    np.testing.assert_allclose(frame["std_error"].to_numpy()[3:], single["std_error"].to_numpy())


# ------------------------------------------------------------------ further designs (R by hand)
@pytest.fixture(scope="module")
def r_contrast() -> dict:
    """R survey 4.1.1 values from tests/survey/r_contrast_reference.R (each records its R call)."""
    return json.loads((HERE / "r_contrast_values.json").read_text())


def _with_outcomes(name: str) -> pd.DataFrame:
    df = api(name)
    return df.assign(
        hi99=(df["api99"] >= 700).astype(float), hi00=(df["api00"] >= 700).astype(float)
    )


@pytest.fixture(scope="module")
def designs() -> dict:
    clus1 = SurveyDesign(_with_outcomes("apiclus1"), weights="pw", clusters="dnum", fpc="fpc")
    return {
        "strat": SurveyDesign(_with_outcomes("apistrat"), weights="pw", strata="stype", fpc="fpc"),
        "clus1": clus1,
        "clus2": SurveyDesign(
            _with_outcomes("apiclus2"), clusters=["dnum", "snum"], fpc=["fpc1", "fpc2"]
        ),
        "jk1": clus1.replicate("jk1"),
        "ps": clus1.poststratify("stype", {"E": 4421, "H": 755, "M": 1018}),
    }


def _check(got_values, got_vcov, rec, diagonal_only=False):
    k = len(rec["estimate"])
    np.testing.assert_allclose(np.asarray(got_values, dtype=float), rec["estimate"], rtol=RTOL)
    expected = np.array(rec["vcov"]).reshape(k, k, order="F")
    got = np.asarray(got_vcov, dtype=float)
    if diagonal_only:
        got, expected = np.diag(got), np.diag(expected)
    scale = np.abs(expected).max()
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=RTOL * scale)


@pytest.mark.parametrize(
    "key, design, statistic",
    [
        ("clus1_by_mean", "clus1", "mean"),
        ("clus2_by_total", "clus2", "total"),
        ("jk1_by_mean", "jk1", "mean"),
        ("ps_by_mean_diagonal", "ps", "mean"),
    ],
)
def test_domain_covariance_other_designs(designs, r_contrast, key, design, statistic):
    rec = r_contrast[key]
    table = getattr(designs[design], statistic)(["hi99", "hi00"], by="stype", vcov=True)
    assert table.names == rec["names"]
    _check(table.values, table.vcov, rec, diagonal_only=key.endswith("diagonal"))


def test_post_stratified_joint_covariance(designs, r_contrast):
    table = designs["ps"].mean(["hi99", "hi00"], vcov=True)
    _check(table.values, table.vcov, r_contrast["ps_mean"])


def test_ratio_by_domain(designs, r_contrast):
    rec = r_contrast["strat_by_ratio"]
    table = designs["strat"].ratio("api.stu", "enroll", by="stype", vcov=True)
    assert table.names == rec["names"]
    _check(table.values, table.vcov, rec)


GLMS = {
    "clus1_logit": ("clus1", "hi00 ~ stype + meals", "binomial"),
    "clus1_gaussian": ("clus1", "api00 ~ ell + meals + stype", "gaussian"),
    "clus1_poisson": ("clus1", "api.stu ~ stype + ell", "poisson"),
    "clus2_logit": ("clus2", "hi00 ~ meals + ell", "binomial"),
    "jk1_logit": ("jk1", "hi00 ~ stype + meals", "binomial"),
    "ps_gaussian": ("ps", "api00 ~ ell + meals", "gaussian"),
}


@pytest.mark.parametrize("key", sorted(GLMS))
def test_glm_other_designs(designs, r_contrast, key):
    design, formula, family = GLMS[key]
    fit = designs[design].glm(formula.replace("api.stu", "`api.stu`"), family=family)
    rec = r_contrast[key]
    _check(fit.params, fit.vcov, rec)


def test_predictive_margins_cluster_design(designs, r_contrast):
    rec = r_contrast["clus1_margins"]
    margins = designs["clus1"].predictive_margins("hi00 ~ meals + ell", by="stype")
    assert margins.names == rec["names"]
    _check(margins.values, margins.vcov, rec)


def test_predictive_margins_replicate_design(designs, r_contrast):
    """R 4.1.1's svypredmeans fails on replicate designs; the reference runs its body by hand."""
    rec = r_contrast["jk1_margins"]
    margins = designs["jk1"].predictive_margins("hi00 ~ meals + ell", by="stype")
    assert margins.names == rec["names"]
    _check(margins.values, margins.vcov, rec)
