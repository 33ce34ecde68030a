"""Subsets of designs and svyvar against R survey 4.1.1 (tests/survey/r_depth.R, issue #16)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from prevalence import DataError
from prevalence.core.errors import EstimationWarning
from prevalence.survey import SurveyDesign

from .conftest import api

R = json.loads((Path(__file__).parent / "r_depth.json").read_text())
REL = 1e-6


@pytest.fixture(scope="module")
def designs():
    strat, clus1, clus2 = api("apistrat"), api("apiclus1"), api("apiclus2")
    for frame in (strat, clus1, clus2):
        frame["no"] = (frame["sch.wide"] == "No").astype(int)
    return {
        "dstrat": SurveyDesign(strat, weights="pw", strata="stype", fpc="fpc"),
        "dclus1": SurveyDesign(clus1, weights="pw", clusters="dnum", fpc="fpc"),
        "dclus2": SurveyDesign(clus2, clusters=["dnum", "snum"], fpc=["fpc1", "fpc2"]),
    }


def check(est, key, ci=False):
    ref = R[key]
    assert est.value == pytest.approx(ref["estimate"], rel=REL), key
    assert est.std_error == pytest.approx(ref["se"], rel=REL), key
    if ci:
        assert est.lower == pytest.approx(ref["ci"][0], rel=1e-5), key
        assert est.upper == pytest.approx(ref["ci"][1], rel=1e-5), key


def test_subsets_are_domain_estimates(designs):
    e = designs["dclus1"].subset("stype == 'E'")
    check(e.mean("api00"), "sub_clus1_E_mean_api00")
    check(e.total("enroll"), "sub_clus1_E_total_enroll")
    check(e.proportion("no", ci="logit"), "sub_clus1_E_prop_no_logit", ci=True)
    check(e.proportion("no", ci="beta"), "sub_clus1_E_prop_no_beta", ci=True)
    not_h = designs["dstrat"].subset(lambda df: df["stype"] != "H")
    check(not_h.mean("api00"), "sub_strat_notH_mean_api00")
    check(not_h.total("enroll"), "sub_strat_notH_total_enroll")
    check(designs["dclus2"].subset("stype == 'E'").mean("api00"), "sub_clus2_E_mean_api00")
    check(e.subset("api99 > 600").mean("api00"), "sub_sub_clus1_mean_api00")


def test_subsets_of_replicate_designs():
    clus1 = api("apiclus1")
    jk1 = SurveyDesign(clus1, weights="pw", clusters="dnum").replicate("jk1")
    e = jk1.subset("stype == 'E'")
    check(e.mean("api00"), "sub_jk1_E_mean_api00")
    check(e.total("enroll"), "sub_jk1_E_total_enroll")


def test_zero_weights_as_r():
    strat = api("apistrat")
    strat["no"] = (strat["sch.wide"] == "No").astype(int)
    strat.loc[:11, "pw"] = 0.0
    d = SurveyDesign(strat, weights="pw", strata="stype")
    check(d.mean("api00"), "zero_mean_api00")
    check(d.total("enroll"), "zero_total_enroll")
    check(d.proportion("no"), "zero_prop_no", ci=True)  # t with the df of the weighted PSUs
    check(d.variance("api00"), "zero_var_api00")
    with pytest.raises(DataError, match="zero in every row"):
        SurveyDesign(strat.assign(pw=0.0), weights="pw")


def test_subset_equals_the_domain_of_by(designs):
    d = designs["dclus1"]
    by = d.mean("api00", by="stype", output="estimates")["E"]
    sub = d.subset("stype == 'E'").mean("api00")
    assert sub.value == pytest.approx(by.value, rel=1e-12)
    assert sub.std_error == pytest.approx(by.std_error, rel=1e-12)


def test_variance(designs):
    check(designs["dclus1"].variance("api00"), "var_clus1_api00")
    check(designs["dstrat"].variance("api00"), "var_strat_api00")
    check(designs["dclus1"].subset("stype == 'E'").variance("api00"), "var_sub_clus1_E_api00")


@pytest.mark.parametrize(
    "condition, message",
    [
        ("stype == 'Z'", "keeps no row"),
        ("nonexistent > 1", "cannot evaluate"),
        ("api00", "true/false"),
        ([True, False], "values for"),
    ],
)
def test_bad_subsets_are_refused(designs, condition, message):
    with pytest.raises(DataError, match=message):
        designs["dclus1"].subset(condition)


@pytest.mark.parametrize("key", sorted(R["quantiles"]))
def test_quantiles_as_r(designs, key):
    """svyquantile: every quantile rule and Woodruff interval of R survey (r_depth.R)."""
    ref = R["quantiles"][key]
    design = designs[ref["design"]]
    probs = ref["p"] if isinstance(ref["p"], list) else [ref["p"]]
    values = [
        ref[k] if isinstance(ref[k], list) else [ref[k]] for k in ("value", "lower", "upper", "se")
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimationWarning)  # R's own empty intervals warn here
        got = design.quantile(
            ref["variable"], probs, interval=ref["interval"], qrule=ref["qrule"], output="estimates"
        )
    for i, prob in enumerate(probs):
        est = got[f"{prob:g}"]
        assert est.value == pytest.approx(values[0][i], rel=REL), (key, prob)
        assert est.lower == pytest.approx(values[1][i], rel=REL), (key, prob)
        assert est.upper == pytest.approx(values[2][i], rel=REL), (key, prob)
        assert est.details["std_error"] == pytest.approx(values[3][i], rel=REL, abs=1e-9), (
            key,
            prob,
        )


def test_quantile_arguments_are_checked(designs):
    d = designs["dclus1"]
    with pytest.raises(ValueError, match="qrule must be one of"):
        d.quantile("api00", 0.5, qrule="hf10")
    with pytest.raises(ValueError, match="interval must be one of"):
        d.quantile("api00", 0.5, interval="wald")
    with pytest.raises(ValueError, match="p must be a probability"):
        d.quantile("api00", 1.5)
    with pytest.raises(DataError, match="one column name"):
        d.quantile(["api00"], 0.5)


@pytest.mark.parametrize("key", sorted(R["chisq"]))
def test_rao_scott_as_r(designs, key):
    """svychisq's F (second-order) and Chisq (first-order) Rao-Scott tests (r_depth.R)."""
    ref = R["chisq"][key]
    _, design, row, column, statistic = key.split("_", 4)
    names = {"schwide": "sch.wide", "stype": "stype", "awards": "awards", "both": "both"}
    d = designs["d" + design]
    test = d.chisq(names[row], names[column], statistic=statistic)
    assert test.statistic == pytest.approx(ref["statistic"], rel=REL), key
    assert test.p_value == pytest.approx(ref["p"], rel=1e-5), key
    params = ref["parameter"] if isinstance(ref["parameter"], list) else [ref["parameter"]]
    assert test.ndf == pytest.approx(params[0], rel=REL), key
    if statistic == "F":
        assert test.ddf == pytest.approx(params[1], rel=REL), key


def test_rao_scott_arguments(designs):
    with pytest.raises(DataError, match="unknown column 'region'"):
        designs["dclus1"].chisq("region", "stype")
    with pytest.raises(ValueError, match="statistic must be"):
        designs["dclus1"].chisq("sch.wide", "stype", statistic="Wald")


CALIBRATIONS = {
    "raking": {"calfun": "raking"},
    "logit": {"calfun": "logit", "bounds": (0.7, 1.7)},
    "linear_bounded": {"bounds": (0.6, 1.7)},
    "raking_trim": {"calfun": "raking", "trim": (0.8, 1.2)},
}


@pytest.mark.parametrize("key", sorted(CALIBRATIONS) + ["ratio_variance", "hetero_variance"])
def test_calibration_functions_as_r(designs, key):
    """calibrate(calfun=, bounds=, trim=, variance=) against R (r_depth.R)."""
    ref = R["calibration"][key]
    totals = {"stype": {"E": 4421, "H": 755, "M": 1018}, "api99": 3914069}
    if key == "ratio_variance":  # the ratio estimator: one total, variance proportional to x
        totals = {"api99": 3914069}
    settings = CALIBRATIONS.get(key, {})
    if key.endswith("variance"):
        settings = {"variance": "api99" if key == "ratio_variance" else "enroll"}
    d = designs["dclus1"].calibrate(totals, **settings)
    m, t = d.mean("api00"), d.total("enroll", na_rm=True)
    assert m.value == pytest.approx(ref["mean"], rel=REL)
    assert m.std_error == pytest.approx(ref["mean_se"], rel=REL)
    assert t.value == pytest.approx(ref["total"], rel=REL)
    assert t.std_error == pytest.approx(ref["total_se"], rel=REL)


def test_calibration_that_cannot_reach_the_totals_says_so(designs):
    totals = {"stype": {"E": 4421, "H": 755, "M": 1018}, "api99": 3914069}
    # R's calibrate stops too ("Failed to converge: eps=0.0585 in 51 iterations")
    with pytest.raises(DataError, match="did not converge.*0.0585"):
        designs["dclus1"].calibrate(totals, bounds=(0.75, 1.5))
    with pytest.raises(DataError, match="finite bounds"):
        designs["dclus1"].calibrate(totals, calfun="logit")
    with pytest.raises(ValueError, match="calfun must be one of"):
        designs["dclus1"].calibrate(totals, calfun="sinh")


def test_deff_replace_as_r(designs):
    ref = R["deff_replace"]["deff"]
    got = [
        designs["dstrat"].mean("api00", deff="replace").details["deff"],
        designs["dclus1"].total("enroll", deff="replace").details["deff"],
        designs["dclus1"].mean("api00", deff="replace").details["deff"],
    ]
    assert got == pytest.approx(ref, rel=REL)
    with pytest.raises(ValueError, match="deff must be"):
        designs["dstrat"].mean("api00", deff="yes")


def test_replicate_proportions_and_user_degf_as_r():
    clus1 = api("apiclus1")
    clus1["no"] = (clus1["sch.wide"] == "No").astype(int)
    jk1 = SurveyDesign(clus1, weights="pw", clusters="dnum").replicate("jk1")
    for key, design, ci in (
        ("jk1_prop_no_logit", jk1, "logit"),
        ("jk1_df5_prop_no_logit", jk1.with_degf(5), "logit"),
        ("jk1_prop_no_beta", jk1, "beta"),
        ("jk1_prop_no_xlogit", jk1, "xlogit"),
    ):
        check(design.proportion("no", ci=ci), key, ci=True)
    with pytest.raises(DataError, match="degf must be"):
        jk1.with_degf(0)


def test_module_calibrate_takes_the_same_options(designs):
    from prevalence.survey import calibrate

    totals = {"stype": {"E": 4421, "H": 755, "M": 1018}, "api99": 3914069}
    a = calibrate(designs["dclus1"], totals, calfun="raking").mean("api00")
    b = designs["dclus1"].calibrate(totals, calfun="raking").mean("api00")
    assert (a.value, a.std_error) == (b.value, b.std_error)
    assert a.std_error == pytest.approx(R["calibration"]["raking"]["mean_se"], rel=REL)
