"""R survey's tests/testoutput/api.R, ported (issue #16): example(api) run twice, with
options(survey.replicates.mse = TRUE) and FALSE. Stratified, one- and two-stage cluster
samples, two stages "with replacement", the jackknife, post-stratification on school type of
both; every mean and total api.Rout.saved prints (within one unit of the last digit)."""

from __future__ import annotations

import pytest

from prevalence.survey import SurveyDesign

from .conftest import api

# (design, statistic, column): (value, SE) as printed; the replicate designs' SEs by mse
PRINTED = {
    ("dstrat", "mean", "api00"): ("662.29", "9.4089"),
    ("dstrat", "total", "enroll"): ("3687178", "114642"),
    ("dclus1", "mean", "api00"): ("644.17", "23.542"),
    ("dclus1", "total", "enroll"): ("3404940", "932235"),
    ("dclus2", "mean", "api00"): ("670.81", "30.099"),
    ("dclus2", "total", "enroll"): ("2639273", "799638"),
    ("dclus2wr", "mean", "api00"): ("670.81", "30.712"),
    ("dclus2wr", "total", "enroll"): ("2639273", "820261"),
    ("dclus1p", "mean", "api00"): ("642.31", "23.921"),
    ("dclus1p", "total", "enroll"): ("3680893", "406293"),
}
PRINTED_REPLICATE = {  # mse = TRUE, mse = FALSE
    ("rclus1", "mean", "api00"): ("644.17", {True: "26.335", False: "26.329"}),
    ("rclus1", "total", "enroll"): ("3404940", {True: "932235", False: "932235"}),
    ("rclus1p", "mean", "api00"): ("642.31", {True: "26.936", False: "26.934"}),
    ("rclus1p", "total", "enroll"): ("3680893", {True: "473434", False: "473431"}),
}


def printed(value: float, text: str) -> None:
    decimals = len(text.split(".")[1]) if "." in text else 0
    assert abs(value - float(text)) <= 10.0**-decimals, (value, text)


def designs(mse: bool) -> dict:
    strat, clus1, clus2, pop = api("apistrat"), api("apiclus1"), api("apiclus2"), api("apipop")
    dclus1 = SurveyDesign(clus1, weights="pw", clusters="dnum", fpc="fpc")
    types = pop["stype"].value_counts().to_dict()  # xtabs(~stype, data = apipop)
    rclus1 = dclus1.replicate("jk1", mse=mse)  # as.svrepdesign's default for this design
    return {
        "dstrat": SurveyDesign(strat, weights="pw", strata="stype", fpc="fpc"),
        "dclus1": dclus1,
        "dclus2": SurveyDesign(clus2, clusters=["dnum", "snum"], fpc=["fpc1", "fpc2"]),
        "dclus2wr": SurveyDesign(clus2, weights="pw", clusters=["dnum", "snum"]),
        "rclus1": rclus1,
        "dclus1p": dclus1.poststratify("stype", types),
        "rclus1p": rclus1.poststratify("stype", types),
    }


@pytest.mark.parametrize("mse", [True, False])
def test_example_api(mse):
    d = designs(mse)
    for (name, stat, column), (value, se) in PRINTED.items():
        est = getattr(d[name], stat)(column, na_rm=True)
        printed(est.value, value)
        printed(est.std_error, se)
    for (name, stat, column), (value, ses) in PRINTED_REPLICATE.items():
        est = getattr(d[name], stat)(column, na_rm=True)
        printed(est.value, value)
        printed(est.std_error, ses[mse])


def test_population_figures():
    pop = api("apipop")
    printed(pop["api00"].mean(), "664.7126")
    assert pop["enroll"].sum() == 3811472
