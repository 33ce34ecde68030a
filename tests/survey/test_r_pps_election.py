"""R survey's own tests/testoutput/pps.R, ported (issue #16): the election example, a PPS
sample of 40 counties by votes cast, under Brewer's, Overton's, Hartley-Rao's and the exact
Horvitz-Thompson and Yates-Grundy variances; subsets; the with-replacement approximation; and
a two-stage design whose fpc are given as sampling fractions. Every total and SE pps.Rout.save
prints, to its printed precision. The data are R's (tests/survey/r_election.R).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from prevalence.survey import SurveyDesign
from prevalence.survey.pps import PPSDesign

from .conftest import api

DATA = Path(__file__).parent / "data"
ELECTION = pd.read_csv(DATA / "election_pps.csv")
JOINT = pd.read_csv(DATA / "election_jointprob.csv").to_numpy(dtype=float)
HR_PSUM = json.loads((DATA / "election.json").read_text())["hr_psum"]
VARS = ["Bush", "Kerry", "Nader"]

# pps.Rout.save: (totals, SEs) for Bush, Kerry, Nader
TOTALS = [64518472, 51202102, 478530]
PRINTED = {
    "brewer": [2447629, 2450787, 102420],
    "with_replacement": [2671455, 2679433, 105303],
    "ht": [2604404, 2523712, 102326],
    "yg": [2406526, 2408091, 101664],
    "hr": [2624662, 2525222, 102793],
    "hr_yg": [2436738, 2439845, 102016],
    "hr_sample": [2472753, 2426842, 102595],
    "overton": [2939608, 1964632, 104373],
}
SUBSET_TOTALS = [34944285, 25581714, 478530]
PRINTED_SUBSETS = {
    "brewer": [5399833, 4028434, 102420],
    "ht": [5406348, 4047741, 102326],
    "hr_yg": [5377659, 4010908, 102016],
}


def designs():
    e = ELECTION
    return {
        "brewer": SurveyDesign(e, weights="wt", fpc="p", pps="brewer"),
        "brewer_no_weights": SurveyDesign(e, fpc="p", pps="brewer"),
        "with_replacement": SurveyDesign(e, weights="wt"),
        "ht": PPSDesign(e, probs="p", method=JOINT),
        "yg": PPSDesign(e, probs="p", method=JOINT, variance="YG"),
        "hr": PPSDesign(e, probs="p", method="hartley-rao", hr_psum=HR_PSUM),
        "hr_yg": PPSDesign(e, probs="p", method="hartley-rao", hr_psum=HR_PSUM, variance="YG"),
        "hr_sample": PPSDesign(e, probs="p", method="hartley-rao"),
        "overton": PPSDesign(e, probs="p", method="overton"),
    }


def within_print(value: float, printed: float) -> None:
    """R prints these to the unit; within one unit, since R's print can leave the last digit
    unrounded (it prints the Nader total 478530.523, which R 4.1.1 also computes, as 478530)."""
    assert abs(value - printed) <= 1.0, (value, printed)


@pytest.mark.parametrize("name", sorted(PRINTED))
def test_election_totals_as_printed(name):
    design = designs()[name]
    for var, total, se in zip(VARS, TOTALS, PRINTED[name], strict=True):
        est = design.total(var)
        within_print(est.value, total)
        within_print(est.std_error, se)
    if name == "brewer":  # svydesign(fpc = ~p, pps = "brewer") without weights: the same
        other = designs()["brewer_no_weights"]
        for var in VARS:
            assert other.total(var).std_error == pytest.approx(
                design.total(var).std_error, rel=1e-12
            )


@pytest.mark.parametrize("name", sorted(PRINTED_SUBSETS))
def test_election_subset_totals_as_printed(name):
    design = designs()[name]
    sub = design.subset(design.data["Nader"] > 0)
    for var, total, se in zip(VARS, SUBSET_TOTALS, PRINTED_SUBSETS[name], strict=True):
        est = sub.total(var)
        within_print(est.value, total)
        within_print(est.std_error, se)


def test_unweighted_counts_by_domain():
    """svyby(~Bush+Kerry+Nader, ~I(Nader>0), unwtd.count): 19 and 21."""
    counts = (ELECTION["Nader"] > 0).value_counts()
    design = designs()["ht"].with_columns(has_nader=ELECTION["Nader"] > 0)
    table = design.total("Bush", by="has_nader", output="frame")
    assert table.set_index("has_nader")["n"].to_dict() == {False: counts[False], True: counts[True]}


def test_two_stage_fpc_as_sampling_fractions_equals_population_sizes():
    """pps.R: dclus2 with fpc = ~fpc1 + fpc2 and with the sampling fractions 40/fpc1 and
    pmin(1, 5/fpc2) agree (all.equal TRUE) for the total and mean of sch.wide. (R's third
    check, the total of enroll, compares two NAs: enroll has missing values.)"""
    clus2 = api("apiclus2")
    clus2 = clus2.assign(
        sch_wide_yes=(clus2["sch.wide"] == "Yes").astype(float),
        f1=40 / clus2["fpc1"],
        f2=np.minimum(1, 5 / clus2["fpc2"]),
    )
    sizes = SurveyDesign(clus2, clusters=["dnum", "snum"], fpc=["fpc1", "fpc2"])
    fractions = SurveyDesign(clus2, clusters=["dnum", "snum"], fpc=["f1", "f2"])
    np.testing.assert_allclose(fractions.weights, sizes.weights, rtol=1e-12)
    for stat in ("total", "mean"):
        a = getattr(sizes, stat)("sch_wide_yes")
        b = getattr(fractions, stat)("sch_wide_yes")
        assert b.value == pytest.approx(a.value, rel=1e-12)
        assert b.std_error == pytest.approx(a.std_error, rel=1e-12)
