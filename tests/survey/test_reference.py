"""Survey estimates against R's survey package: ../shared/reference/values_survey.json and the
further R calls of tests/survey/r_reference.R (values in r_values.json). All to 1e-6 relative."""

from __future__ import annotations

import numpy as np
import pytest

from prevalence.survey import SurveyDesign

from .conftest import api

REL = 1e-6
POP_TYPES = {"E": 4421, "H": 755, "M": 1018}


def _add(df):
    df = df.copy()
    df["schwideNo"] = (df["sch.wide"] == "No").astype(int)
    return df


def designs():
    strat, clus1, clus2 = _add(api("apistrat")), _add(api("apiclus1")), _add(api("apiclus2"))
    pair = strat.copy()
    pair["pair"] = pair.groupby("stype").cumcount().add(1) % 2
    lonely = strat.copy()
    lonely["lonelystrat"] = lonely["stype"].astype(str)
    lonely.loc[0, "lonelystrat"] = "X"
    return {
        "dstrat": SurveyDesign(strat, weights="pw", strata="stype", fpc="fpc"),
        "dstrat_nofpc": SurveyDesign(strat, weights="pw", strata="stype"),
        "dclus1": SurveyDesign(clus1, weights="pw", clusters="dnum", fpc="fpc"),
        "dclus1_nofpc": SurveyDesign(clus1, weights="pw", clusters="dnum"),
        "dclus2": SurveyDesign(clus2, clusters=["dnum", "snum"], fpc=["fpc1", "fpc2"]),
        "dclus2w": SurveyDesign(clus2, weights="pw", clusters=["dnum", "snum"]),
        "dpair": SurveyDesign(pair, weights="pw", strata="stype", clusters="pair", nest=True),
        "lonely": lonely,
    }


@pytest.fixture(scope="module")
def d():
    return designs()


def close(got, expected, rel=REL):
    assert got == pytest.approx(expected, rel=rel), (got, expected)


def check(est, ref, rel=REL):
    close(est.value, ref["estimate"], rel)
    if "se" in ref:
        close(est.std_error, ref["se"], rel)
    if "ci" in ref:
        close(est.lower, ref["ci"][0], rel)
        close(est.upper, ref["ci"][1], rel)
    if "deff" in ref:
        close(est.details["deff"], ref["deff"], rel)


def check_by(frame, ref, rel=REL):
    assert [str(x) for x in frame.iloc[:, 0]] == ref["levels"]
    np.testing.assert_allclose(frame["value"], ref["estimate"], rtol=rel)
    np.testing.assert_allclose(frame["std_error"], ref["se"], rtol=rel)
    if "deff" in ref:
        np.testing.assert_allclose(frame["deff"], ref["deff"], rtol=rel)
    if "lower" in ref:
        np.testing.assert_allclose(frame["lower"], ref["lower"], rtol=rel)
        np.testing.assert_allclose(frame["upper"], ref["upper"], rtol=rel)


# ------------------------------------------------------------------ ../shared/reference/values_survey.json
def test_values_survey_json(d, survey_reference):
    ref = survey_reference
    check(d["dstrat"].mean("api00"), ref["strat_mean_api00"])
    check(d["dstrat"].total("enroll"), ref["strat_total_enroll"])
    check(d["dstrat"].proportion("schwideNo", ci="logit"), ref["strat_prop_schwideNo_logit"])
    check(d["dstrat_nofpc"].mean("api00"), ref["strat_nofpc_mean_api00"])
    check(d["dclus1"].mean("api00"), ref["clus1_mean_api00"])
    check(d["dclus1"].total("enroll", na_rm=True), ref["clus1_total_enroll"])
    check(d["dclus1"].proportion("sch.wide", "No"), ref["clus1_prop_schwideNo_logit"])
    check(d["dclus1_nofpc"].mean("api00"), ref["clus1_nofpc_mean_api00"])
    check(d["dclus1"].replicate("jk1").mean("api00"), ref["clus1_JK1_mean_api00"])
    check(
        d["dclus1"].poststratify("stype", POP_TYPES).mean("api00"),
        ref["clus1_poststrat_mean_api00"],
    )
    assert len(ref) == 10


# ------------------------------------------------------------------ further R calls (r_values.json)
def test_two_stage_design(d, r_values):
    check(d["dclus2"].mean("api00"), r_values["clus2_mean_api00"])
    check(d["dclus2"].total("enroll", na_rm=True), r_values["clus2_total_enroll"])
    check(d["dclus2"].proportion("schwideNo"), r_values["clus2_prop_logit"])
    check(d["dclus2"].ratio("api.stu", "enroll", na_rm=True), r_values["clus2_ratio_apistu_enroll"])
    check(d["dclus2w"].mean("api00"), r_values["clus2w_mean_api00"])
    check_by(d["dclus2"].mean("api00", by="stype"), r_values["clus2_by_stype_mean_api00"])


def test_ratios_and_design_effects(d, r_values):
    check(d["dstrat"].ratio("api.stu", "enroll"), r_values["strat_ratio_apistu_enroll"])
    check(d["dclus1"].ratio("api.stu", "enroll"), r_values["clus1_ratio_apistu_enroll"])
    check(d["dstrat"].mean("api00", deff=True), r_values["strat_mean_api00_deff"])
    check(d["dstrat"].total("enroll", deff=True), r_values["strat_total_enroll_deff"])
    check(d["dclus1"].mean("api00", deff=True), r_values["clus1_mean_api00_deff"])


def test_domains(d, r_values):
    check_by(
        d["dclus1"].mean("api00", by="stype", deff=True), r_values["clus1_by_stype_mean_api00"]
    )
    check_by(d["dstrat"].total("enroll", by="stype"), r_values["strat_by_stype_total_enroll"])
    check_by(d["dclus1"].mean("api00", by="sch.wide"), r_values["clus1_by_schwide_mean_api00"])
    check_by(d["dstrat"].proportion("schwideNo", by="stype"), r_values["strat_by_stype_prop_logit"])
    check_by(d["dclus1"].ratio("api.stu", "enroll", by="stype"), r_values["clus1_by_stype_ratio"])


# R finds the likelihood limits by spline interpolation of a profile evaluated at ten points;
# we solve for them exactly, so the limits agree to the interpolation error (about 3e-5).
LIKELIHOOD_REL = 1e-4


@pytest.mark.parametrize("method", ["logit", "likelihood", "beta", "xlogit", "asin", "wald"])
def test_proportion_intervals(d, r_values, method):
    key = "mean" if method == "wald" else method
    rel = LIKELIHOOD_REL if method == "likelihood" else REL
    check(d["dclus1"].proportion("schwideNo", ci=method), r_values[f"clus1_prop_{key}"], rel)


def test_proportion_intervals_stratified(d, r_values):
    check(d["dstrat"].proportion("schwideNo", ci="beta"), r_values["strat_prop_beta"])
    check(
        d["dstrat"].proportion("schwideNo", ci="likelihood"),
        r_values["strat_prop_likelihood"],
        LIKELIHOOD_REL,
    )


def test_calibration(d, r_values):
    raked = d["dclus1"].rake({"stype": POP_TYPES, "sch.wide": {"No": 1072, "Yes": 5122}})
    check(raked.mean("api00"), r_values["clus1_raked_mean_api00"])
    check(raked.total("enroll"), r_values["clus1_raked_total_enroll"])
    greg = d["dclus1"].calibrate({"stype": POP_TYPES, "api99": 3914069}, population_size=6194)
    check(greg.mean("api00"), r_values["clus1_greg_mean_api00"])
    check(greg.total("enroll"), r_values["clus1_greg_total_enroll"])
    ps = d["dstrat"].poststratify("awards", {"No": 2500, "Yes": 3694})
    check(ps.mean("api00"), r_values["strat_poststrat_awards_mean_api00"])
    check_by(
        d["dclus1"].poststratify("stype", POP_TYPES).mean("api00", by="stype"),
        r_values["clus1_poststrat_by_stype_mean"],
    )


def test_replicate_designs(d, r_values):
    jkn = d["dstrat"].replicate("jkn")
    check(jkn.mean("api00"), r_values["strat_JKn_mean_api00"])
    check(jkn.total("enroll"), r_values["strat_JKn_total_enroll"])
    check(jkn.ratio("api.stu", "enroll"), r_values["strat_JKn_ratio"])
    check_by(jkn.mean("api00", by="awards"), r_values["strat_JKn_by_stype_mean"])
    check(d["dclus1"].replicate("jk1").total("enroll"), r_values["clus1_JK1_total_enroll"])


def test_calibrated_replicate_designs(d, r_values):
    jk1 = d["dclus1"].replicate("jk1")
    check(
        jk1.poststratify("stype", POP_TYPES).mean("api00"),
        r_values["clus1_JK1_poststrat_mean_api00"],
    )
    raked = jk1.rake({"stype": POP_TYPES, "sch.wide": {"No": 1072, "Yes": 5122}})
    check(raked.mean("api00"), r_values["clus1_JK1_raked_mean_api00"])
    greg = jk1.calibrate({"stype": POP_TYPES, "api99": 3914069}, population_size=6194)
    check(greg.total("enroll"), r_values["clus1_JK1_greg_total_enroll"])


def test_brr_and_fay(d, r_values):
    check(d["dpair"].mean("api00"), r_values["pair_mean_api00"])
    check(d["dpair"].replicate("brr").total("enroll"), r_values["pair_BRR_total_enroll"])
    check(d["dpair"].replicate("brr").mean("api00"), r_values["pair_BRR_mean_api00"])
    check(d["dpair"].replicate("fay", fay_rho=0.3).mean("api00"), r_values["pair_Fay_mean_api00"])


@pytest.mark.parametrize("option", ["remove", "certainty", "average", "adjust"])
def test_lonely_psu_options(d, r_values, option):
    design = SurveyDesign(d["lonely"], weights="pw", strata="lonelystrat", lonely_psu=option)
    check(design.mean("api00"), r_values[f"lonely_{option}_mean_api00"])


def test_lonely_psu_adjust_as_r_4_3(d):
    """R survey >= 4.3 centres a lonely PSU at the average PSU total (tests/survey/r_adjust43.R:
    survey 4.5's onestage/onestrat run in R 4.1.1); totals differ from the older rule."""
    import json
    from pathlib import Path

    r = json.loads((Path(__file__).parent / "r_adjust43.json").read_text())

    def se(entry):
        value = entry["se"]
        while isinstance(value, list):
            value = value[0]
        return value

    lonely = SurveyDesign(d["lonely"], weights="pw", strata="lonelystrat", lonely_psu="adjust")
    for name, est in (
        ("lonely_adjust_mean_api00", lonely.mean("api00")),
        ("lonely_adjust_total_enroll", lonely.total("enroll")),
        ("lonely_adjust_total_api00", lonely.total("api00")),
    ):
        assert est.value == pytest.approx(r[name]["value"], rel=REL), name
        assert est.std_error == pytest.approx(se(r[name]), rel=REL), name
    clus2 = api("apiclus2")
    dn = clus2["dnum"].unique()
    clus2["st"] = np.where(clus2["dnum"].isin(dn[:20]), "a", "b")
    clus2.loc[clus2["dnum"] == dn[20], "st"] = "c"
    d2 = SurveyDesign(
        clus2, weights="pw", strata="st", clusters=["dnum", "snum"], nest=True, lonely_psu="adjust"
    )
    for name, est in (
        ("clus2_adjust_total_enroll", d2.total("enroll", na_rm=True)),
        ("clus2_adjust_mean_api00", d2.mean("api00")),
    ):
        assert est.value == pytest.approx(r[name]["value"], rel=REL), name
        assert est.std_error == pytest.approx(se(r[name]), rel=REL), name
