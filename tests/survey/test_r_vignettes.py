"""R survey's vignettes, ported value by value (issue #16): survey.Rnw (the apiclus1 analysis:
means, quantiles, totals of a factor, ratios, a domain ratio, 21 means with na.rm, svyby,
linear and logistic svyglm, and the same after calibration) and domain.Rnw (a domain mean
four ways: subset, svyby, svyglm without intercept, svyratio; on the fpc example, on a
calibrated cluster sample and on the two-stage mu284 sample). The values are R 4.1.1's for the
vignettes' own calls (tests/survey/r_vignettes.R); domain.Rnw's nwtco part draws random
numbers without a seed, so its printed values change with every build of the vignette and are
not ported.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from prevalence.survey import SurveyDesign

from .conftest import api

HERE = Path(__file__).parent
R = json.loads((HERE / "r_vignettes.json").read_text())
REL = 1e-9


def close(got: float, want: float, rel: float = REL) -> None:
    assert got == pytest.approx(want, rel=rel, abs=1e-12)


@pytest.fixture(scope="module")
def dclus1():
    return SurveyDesign(api("apiclus1"), weights="pw", clusters="dnum", fpc="fpc")


@pytest.fixture(scope="module")
def gclus1(dclus1):
    return dclus1.calibrate({"api99": 3914069}, 6194)


# --------------------------------------------------------------------------- survey.Rnw
def test_survey_vignette_means_totals_ratios(dclus1):
    ref = R["survey"]
    m = dclus1.mean("api00")
    close(m.value, ref["mean_api00"]["estimate"])
    close(m.std_error, ref["mean_api00"]["se"])
    stype = dclus1.with_columns(
        **{f"stype{k}": (dclus1.data["stype"] == k).astype(float) for k in "EHM"}
    )
    for i, level in enumerate("EHM"):
        t = stype.total(f"stype{level}")
        close(t.value, ref["total_stype"]["estimate"][i])
        close(t.std_error, ref["total_stype"]["se"][i])
    t = dclus1.total("enroll")
    close(t.value, ref["total_enroll"]["estimate"])
    close(t.std_error, ref["total_enroll"]["se"])
    r = dclus1.ratio("api.stu", "enroll")
    close(r.value, ref["ratio"]["ratio"])
    close(r.std_error, ref["ratio"]["se"])
    rh = dclus1.subset(dclus1.data["stype"] == "H").ratio("api.stu", "enroll")
    close(rh.value, ref["ratio_H"]["ratio"])
    close(rh.std_error, ref["ratio_H"]["se"])


def test_survey_vignette_quantiles(dclus1, gclus1):
    for key, design in (("quantile_api00", dclus1), ("cal_quantile_api00", gclus1)):
        ref = R["survey"][key]
        result = design.quantile("api00", ref["p"], output="estimates")
        for i, p in enumerate(ref["p"]):
            est = result[f"{p:g}"]
            close(est.value, ref["quantile"][i])
            close(est.lower, ref["lower"][i])
            close(est.upper, ref["upper"][i])
            close(est.std_error, ref["se"][i])


def test_survey_vignette_many_means_with_missing_values(dclus1):
    """svymean(make.formula(vars), dclus1, na.rm=TRUE): rows missing any of the 21 variables
    are left out of every mean (R's na.rm for several variables); a factor gives the share of
    each of its levels."""
    ref = R["survey"]
    data = dclus1.data
    columns: dict[str, pd.Series] = {}
    for v in ref["vars"]:
        if pd.api.types.is_numeric_dtype(data[v]):
            columns[v] = data[v].astype(float)
        else:  # one indicator per level, missing where the factor is
            for level in sorted(data[v].dropna().unique()):
                columns[f"{v}{level}"] = (data[v] == level).astype(float).where(data[v].notna())
    assert list(columns) == ref["mean_vars_narm"]["names"]
    table = dclus1.with_columns(**columns).mean(list(columns), na_rm=True, output="frame")
    np.testing.assert_allclose(table["value"], ref["mean_vars_narm"]["estimate"], rtol=REL)
    np.testing.assert_allclose(table["std_error"], ref["mean_vars_narm"]["se"], rtol=REL)


def test_survey_vignette_by_type_and_regressions(dclus1):
    ref = R["survey"]
    by = ref["by_stype"]
    table = dclus1.mean(["ell", "meals"], by="stype", output="frame")
    for var in ("ell", "meals"):
        rows = table[table["variable"] == var].set_index("stype").loc[by["stype"]]
        np.testing.assert_allclose(rows["value"], by[var], rtol=REL)
        np.testing.assert_allclose(rows["std_error"], by[f"se_{var}"], rtol=REL)
    linear = dclus1.glm("api00 ~ ell + meals")
    np.testing.assert_allclose(linear.params, ref["glm_linear"]["coef"], rtol=1e-8)
    np.testing.assert_allclose(linear.bse, ref["glm_linear"]["se"], rtol=1e-8)
    logit = dclus1.with_columns(yes=(dclus1.data["sch.wide"] == "Yes").astype(float)).glm(
        "yes ~ ell + meals", family="binomial"
    )
    np.testing.assert_allclose(logit.params, ref["glm_logit"]["coef"], rtol=1e-7)
    np.testing.assert_allclose(logit.bse, ref["glm_logit"]["se"], rtol=1e-7)


def test_survey_vignette_calibrated(gclus1):
    ref = R["survey"]
    m = gclus1.mean("api00")
    close(m.value, ref["cal_mean_api00"]["estimate"])
    close(m.std_error, ref["cal_mean_api00"]["se"])
    stype = gclus1.with_columns(
        **{f"stype{k}": (gclus1.data["stype"] == k).astype(float) for k in "EHM"}
    )
    for i, level in enumerate("EHM"):
        t = stype.total(f"stype{level}")
        close(t.value, ref["cal_total_stype"]["estimate"][i])
        close(t.std_error, ref["cal_total_stype"]["se"][i])
    t = gclus1.total("enroll")
    close(t.value, ref["cal_total_enroll"]["estimate"])
    close(t.std_error, ref["cal_total_enroll"]["se"])
    r = gclus1.ratio("api.stu", "enroll")
    close(r.value, ref["cal_ratio"]["ratio"])
    close(r.std_error, ref["cal_ratio"]["se"])


# --------------------------------------------------------------------------- domain.Rnw
def four_ways(design: SurveyDesign, column: str, inside: np.ndarray) -> dict:
    """A domain mean by subset, by domain (svyby), by a regression without intercept and as
    a ratio of totals: four routes to one number, as the vignette shows."""
    d = design.with_columns(
        _in=np.where(inside, "yes", "no"), _num=design.variable(column) * inside, _den=inside * 1.0
    )
    by = d.mean(column, by="_in", output="frame").set_index("_in").loc["yes"]
    fit = d.glm(f"{column} ~ _in + 0")
    return {
        "subset": d.subset(inside).mean(column),
        "by": (by["value"], by["std_error"]),
        "glm": (fit.params["_in[yes]"], fit.bse["_in[yes]"]),
        "glm_other": (fit.params["_in[no]"], fit.bse["_in[no]"]),
        "ratio": d.ratio("_num", "_den"),
    }


def check_four_ways(ways: dict, sub: dict, ratio: dict, glm: dict, rel: float = REL) -> None:
    close(ways["subset"].value, sub["estimate"], rel)
    close(ways["subset"].std_error, sub["se"], rel)
    close(ways["by"][0], sub["estimate"], rel)
    close(ways["by"][1], sub["se"], rel)
    close(ways["ratio"].value, ratio["ratio"], rel)
    close(ways["ratio"].std_error, ratio["se"], rel)
    # R's svyglm coefficients are in the order of its factor levels: FALSE (or "No") first
    close(ways["glm_other"][0], glm["coef"][0], rel)
    close(ways["glm_other"][1], glm["se"][0], rel)
    close(ways["glm"][0], glm["coef"][1], rel)
    close(ways["glm"][1], glm["se"][1], rel)


def test_domain_vignette_fpc():
    ref = R["domain"]
    fpc = pd.read_csv(HERE / "data" / "fpc.csv")
    design = SurveyDesign(fpc, weights="weight", clusters="psuid", strata="stratid", nest=True)
    ways = four_ways(design, "x", (fpc["x"] > 4).to_numpy())
    check_four_ways(ways, ref["fpc_sub_mean"], ref["fpc_ratio"], ref["fpc_glm"])
    np.testing.assert_allclose(
        [ways["glm_other"][0], ways["glm"][0]], ref["fpc_by"]["mean"], rtol=REL
    )
    np.testing.assert_allclose(
        [ways["glm_other"][1], ways["glm"][1]], ref["fpc_by"]["se"], rtol=REL
    )


def test_domain_vignette_calibrated_cluster_sample(dclus1):
    ref = R["domain"]
    gclus1 = dclus1.calibrate(
        {"stype": {"E": 6194 - 755 - 1018, "H": 755, "M": 1018}, "api99": 3914069}
    )
    inside = (dclus1.data["comp.imp"] == "Yes").to_numpy()
    ways = four_ways(gclus1, "api00", inside)
    check_four_ways(ways, ref["api_sub_mean"], ref["api_ratio"], ref["api_glm"])


def test_domain_vignette_two_stage():
    ref = R["domain"]
    mu284 = pd.read_csv(HERE / "data" / "mu284.csv")
    design = SurveyDesign(mu284, clusters=["id1", "id2"], fpc=["n1", "n2"])
    total = design.total("y1")
    close(total.value, ref["mu284_total"]["estimate"])
    close(total.std_error, ref["mu284_total"]["se"])
    ways = four_ways(design, "y1", (mu284["y1"] > 40).to_numpy())
    check_four_ways(ways, ref["mu284_sub_mean"], ref["mu284_ratio"], ref["mu284_glm"])


# --------------------------------------------------------------------------- glm in a subset
def test_regressions_in_a_subset(dclus1, gclus1):
    """svyglm on subset(design, ...): the fit uses the subset's rows only, the variance the
    whole design's (a domain regression); Taylor, calibrated and jackknife designs."""
    ref = R["subset_glm"]
    e = dclus1.data["stype"] == "E"
    cases = {
        "taylor": dclus1.subset(e).glm("api00 ~ ell + meals"),
        "taylor_calibrated": gclus1.subset(e).glm("api00 ~ ell + meals"),
        "jk1": dclus1.replicate("jk1").subset(e).glm("api00 ~ ell + meals"),
        "taylor_logit": dclus1.with_columns(yes=(dclus1.data["sch.wide"] == "Yes") * 1.0)
        .subset(dclus1.data["stype"] != "H")
        .glm("yes ~ meals", family="binomial"),
    }
    for key, fit in cases.items():
        np.testing.assert_allclose(fit.params, ref[key]["coef"], rtol=1e-8, err_msg=key)
        np.testing.assert_allclose(fit.bse, ref[key]["se"], rtol=1e-8, err_msg=key)
