"""R survey's own tests/testoutput/caleg.R and vignettes/precalibrated.Rnw, ported (issue #16):
calibration within first-stage clusters, calibration averaged to the first stage, bounded
weights, ratio estimators through calibration, post-stratification against calibration, and
pre-calibrated weights.

Two sources: the values caleg.Rout.save prints (checked to the precision printed there), and
the same calls run in R 4.1.1 (tests/survey/r_caleg.R -> r_caleg.json, full precision).
caleg_french.csv is the example's data drawn with R's random numbers (set.seed(17)).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from prevalence import DataError, EstimationWarning
from prevalence.survey import SurveyDesign

from .conftest import api

HERE = Path(__file__).parent
R = json.loads((HERE / "r_caleg.json").read_text())
REL = 1e-9


def printed(value: float, text: str) -> None:
    """``value`` rounds to what R printed (``text``, as it appears in caleg.Rout.save)."""
    # within one unit of the last printed digit: R's print may round the last digit either
    # way (it prints SE 31.43453234 as 31.434)
    decimals = len(text.split(".")[1]) if "." in text else 0
    unit = 10.0**-decimals
    if not decimals:  # integers printed to their significant digits
        unit = 10.0 ** max(0, len(str(round(value))) - len(text.lstrip("0")))
    assert abs(value - float(text)) <= unit, (value, text)


@pytest.fixture(scope="module")
def two_stage():
    ref = R["stage1"]
    sample = api("apiclus2")[api("apiclus2")["dnum"].isin(ref["dnum"])]
    design = SurveyDesign(sample, clusters=["dnum", "snum"], fpc=["fpc1", "fpc2"])
    totals = {d: {"api99": t} for d, t in zip(ref["dnum"], ref["pop_api99"], strict=True)}
    sizes = dict(zip(ref["dnum"], ref["pop_size"], strict=True))
    return design, totals, sizes


def test_calibration_within_first_stage_clusters(two_stage):
    design, totals, sizes = two_stage
    ref = R["stage1"]
    calibrated = design.calibrate(totals, sizes, stage=1)
    plain_mean, mean = design.mean("api99"), calibrated.mean("api99")
    printed(plain_mean.value, "642.14")
    printed(plain_mean.std_error, "31.434")
    printed(mean.value, "654.49")
    printed(mean.std_error, "29.82")
    np.testing.assert_allclose(calibrated.weights, ref["weights"], rtol=1e-10)
    for key, est in (
        ("mean_cal", mean),
        ("total_cal", calibrated.total("api99")),
        ("total_api00_cal", calibrated.total("api00")),
        ("mean_api00_cal", calibrated.mean("api00")),
    ):
        assert est.value == pytest.approx(ref[key]["estimate"], rel=REL), key
        assert est.std_error == pytest.approx(ref[key]["se"], rel=REL), key


def test_calibration_within_clusters_by_district(two_stage):
    """caleg.Rout.save's svyby tables: each district's mean, to 4 decimals; within a
    calibrated district the calibrated variable has no variance left."""
    design, totals, sizes = two_stage
    ref = R["stage1"]
    calibrated = design.calibrate(totals, sizes, stage=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimationWarning)  # zero-variance domains, by design
        plain_by = design.mean("api99", by="dnum", output="frame")
        cal_by = calibrated.mean("api99", by="dnum", output="frame")
    np.testing.assert_allclose(plain_by["value"], ref["by_plain"]["api99"], rtol=1e-12)
    np.testing.assert_allclose(plain_by["std_error"], ref["by_plain"]["se"], atol=1e-9)
    np.testing.assert_allclose(cal_by["value"], ref["by_cal"]["api99"], rtol=1e-12)
    np.testing.assert_allclose(cal_by["std_error"], 0.0, atol=1e-9)
    # printed: district 200 plain 589.8000 (SE 6.8335), calibrated 567.5455
    row = plain_by.set_index("dnum").loc[200]
    printed(row["value"], "589.8000")
    printed(row["std_error"], "6.8335")
    printed(cal_by.set_index("dnum").loc[200, "value"], "567.5455")


def test_every_calibrated_district_warns_of_its_zero_width_interval(two_stage):
    design, totals, sizes = two_stage
    calibrated = design.calibrate(totals, sizes, stage=1)
    with pytest.warns(EstimationWarning, match="no sampling variance") as caught:
        calibrated.mean("api99", by="dnum", output="frame")
    assert len({str(w.message) for w in caught}) == len(R["stage1"]["dnum"])


def test_calibration_averaged_to_the_first_stage():
    ref = R["aggregate"]
    design = SurveyDesign(api("apiclus1"), weights="pw", clusters="dnum", fpc="fpc")
    size, enroll = ref["population"]
    calibrated = design.calibrate({"enroll": enroll}, size, aggregate=1)
    with pytest.warns(EstimationWarning, match="the weights were calibrated to it"):
        enroll_total = calibrated.total("enroll")
    printed(enroll_total.value, "3811472")
    assert enroll_total.std_error < 1e-6
    api_stu = calibrated.total("api.stu")
    printed(api_stu.value, "3242857")
    printed(api_stu.std_error, "38967")
    assert api_stu.std_error == pytest.approx(ref["total_api_stu"]["se"], rel=REL)
    assert calibrated.mean("api00").std_error == pytest.approx(ref["mean_api00"]["se"], rel=REL)
    np.testing.assert_allclose(calibrated.weights, ref["weights"], rtol=1e-9)
    # "variation within clusters should be zero"
    spread = pd.Series(calibrated.weights).groupby(api("apiclus1")["dnum"].to_numpy()).std()
    assert spread.fillna(0).max() < 1e-9
    # the same through a column, and with raking
    by_column = design.calibrate({"enroll": enroll}, size, aggregate="dnum")
    np.testing.assert_allclose(by_column.weights, calibrated.weights, rtol=1e-14)
    raked = design.calibrate({"enroll": enroll}, size, aggregate=1, calfun="raking")
    np.testing.assert_allclose(raked.weights, R["aggregate_raking"]["weights"], rtol=1e-9)
    est = raked.total("api.stu")
    assert est.value == pytest.approx(R["aggregate_raking"]["total_api_stu"]["estimate"], rel=REL)
    assert est.std_error == pytest.approx(R["aggregate_raking"]["total_api_stu"]["se"], rel=REL)


def test_replicate_calibration_averaged_within_a_column():
    """R's calibrate(svrep design, aggregate.index=~dnum)."""
    ref = R["aggregate_replicate"]
    size, enroll = R["aggregate"]["population"]
    design = SurveyDesign(api("apiclus1"), weights="pw", clusters="dnum", fpc="fpc")
    calibrated = design.replicate("jk1").calibrate({"enroll": enroll}, size, aggregate="dnum")
    np.testing.assert_allclose(calibrated.weights, ref["weights"], rtol=1e-9)
    est = calibrated.total("api.stu")
    assert est.value == pytest.approx(ref["total_api_stu"]["estimate"], rel=REL)
    assert est.std_error == pytest.approx(ref["total_api_stu"]["se"], rel=REL)


def test_bounded_weights():
    size, enroll = R["aggregate"]["population"]
    design = SurveyDesign(api("apiclus1"), weights="pw", clusters="dnum", fpc="fpc")
    unbounded = design.calibrate({"enroll": enroll}, size).weights / design.weights
    printed(unbounded.min(), "0.7906782")
    printed(unbounded.max(), "1.7891164")
    bounded = design.calibrate({"enroll": enroll}, size, bounds=(0.6, 1.5))
    g = bounded.weights / design.weights
    printed(g.min(), "0.7198751")
    printed(g.max(), "1.5000000")
    np.testing.assert_allclose([g.min(), g.max()], R["bounds"]["bounded"], rtol=1e-9)
    est = bounded.total("api.stu")
    assert est.value == pytest.approx(R["bounds"]["bounded_api_stu"]["estimate"], rel=REL)
    assert est.std_error == pytest.approx(R["bounds"]["bounded_api_stu"]["se"], rel=REL)


def test_ratio_estimator_through_calibration():
    ref = R["ratio"]
    design = SurveyDesign(api("apistrat"), weights="pw", strata="stype", fpc="fpc")
    plain = design.total("api.stu")
    printed(plain.value, "3086009")
    printed(plain.std_error, "99477")
    ratio = design.ratio("api.stu", "enroll")
    predicted = ratio.value * ref["total_enroll"]
    printed(predicted, "3190038")
    printed(ratio.std_error * ref["total_enroll"], "29565.98")
    calibrated = design.calibrate({"enroll": ref["total_enroll"]}, variance="enroll")
    est = calibrated.total("api.stu")
    printed(est.value, "3190038")
    printed(est.std_error, "29566")
    for key in ("variance1", "variance_enroll"):
        assert est.value == pytest.approx(ref[key]["estimate"], rel=REL)
        assert est.std_error == pytest.approx(ref[key]["se"], rel=REL)
    per_row = design.calibrate(
        {"enroll": ref["total_enroll"]}, variance=api("apistrat")["enroll"].to_numpy(float)
    )
    assert per_row.total("api.stu").std_error == pytest.approx(est.std_error, rel=1e-12)


def test_poststratify_and_calibrate_agree_in_a_stratified_sample():
    """caleg.R (Ben French): all.equal(SE(svymean(~x, dcal)), SE(svymean(~x, dps))) is TRUE."""
    data = pd.read_csv(HERE / "caleg_french.csv")
    design = SurveyDesign(data, strata="y", fpc="fpc")
    post = design.poststratify("w", {0: 2000, 1: 8000}).mean("x")
    cal = design.calibrate({"w": {0: 2000, 1: 8000}}).mean("x")
    assert cal.std_error == pytest.approx(post.std_error, rel=1e-12)
    assert post.value == pytest.approx(R["french"]["poststratified"]["estimate"], rel=REL)
    assert post.std_error == pytest.approx(R["french"]["poststratified"]["se"], rel=REL)


def test_precalibrated_weights():
    """vignettes/precalibrated.Rnw: declaring the weights calibrated to the population size
    leaves every estimate alone, makes the size's SE zero, and ties the total's SE to the
    mean's (SE(total) = 6194 SE(mean))."""
    ref = R["precalibrated"]
    data = api("apiclus1").assign(one=1.0)
    design = SurveyDesign(data, weights="pw", clusters="dnum", fpc="fpc")
    declared = design.declare_calibrated()
    np.testing.assert_array_equal(declared.weights, design.weights)
    assert design.total("one").std_error == pytest.approx(ref["one_plain"]["se"], rel=REL)
    with pytest.warns(EstimationWarning, match="the weights were calibrated to it"):
        assert declared.total("one").std_error < 1e-8
    for key, est in (
        ("enroll_total", declared.total("enroll")),
        ("enroll_mean", declared.mean("enroll")),
    ):
        assert est.value == pytest.approx(ref[key]["estimate"], rel=REL)
        assert est.std_error == pytest.approx(ref[key]["se"], rel=REL)
    assert declared.total("enroll").std_error == pytest.approx(
        declared.mean("enroll").std_error * declared.weights.sum(), rel=1e-9
    )
    by_type = design.declare_calibrated("stype")
    assert by_type.total("enroll").std_error == pytest.approx(
        ref["stype_enroll_total"]["se"], rel=REL
    )
    assert by_type.mean("api00").std_error == pytest.approx(ref["stype_api00_mean"]["se"], rel=REL)


# --------------------------------------------------------------------------- refusals
def test_calibration_within_clusters_refuses_what_it_cannot_do(two_stage):
    design, totals, sizes = two_stage
    first = next(iter(totals))
    with pytest.raises(DataError, match=rf"no population totals .*\[{first}\]"):
        design.calibrate({k: v for k, v in totals.items() if k != first}, sizes, stage=1)
    with pytest.raises(DataError, match="linear, without bounds"):
        design.calibrate(totals, sizes, stage=1, calfun="raking")
    with pytest.raises(DataError, match="needs a stage below it"):
        design.calibrate(totals, sizes, stage=2)
    with pytest.raises(DataError, match="stage must be 0 or a stage number"):
        design.calibrate(totals, sizes, stage=-1)
    bad = dict(totals)
    bad[first] = {"api00": 1.0}
    with pytest.raises(DataError, match="same calibration variables"):
        design.calibrate(bad, sizes, stage=1)
    # a unit whose sampled rows hold no woman cannot match a count of women
    toy = pd.DataFrame(
        {
            "psu": [1, 1, 1, 2, 2, 2, 3, 3, 3],
            "ssu": range(9),
            "N1": 10,
            "N2": 30,
            "sex": ["f", "m", "f", "m", "m", "m", "f", "f", "m"],
        }
    )
    toy_design = SurveyDesign(toy, clusters=["psu", "ssu"], fpc=["N1", "N2"])
    counts = {psu: {"sex": {"f": 15.0, "m": 15.0}} for psu in (1, 2, 3)}
    with pytest.raises(DataError, match=r"unit 2 cannot be matched by its 3 sampled row\(s\)"):
        toy_design.calibrate(counts, None, stage=1)
    counts[2] = {"sex": {"m": 30.0}}  # a level a unit does not list counts 0 there
    # first-stage weight 10/3, conditional weight 30/3 = 10: in unit 1, two women and a man
    # carry 15 each (g = 0.75 and 1.5), unit 2 is left alone
    weights = toy_design.calibrate(counts, None, stage=1).weights
    np.testing.assert_allclose(weights, np.array([7.5, 15, 7.5, 10, 10, 10, 7.5, 7.5, 15]) * 10 / 3)
    one_stage = SurveyDesign(api("apiclus1"), weights="pw", clusters="dnum", fpc="fpc")
    with pytest.raises(DataError, match="needs a stage below it"):
        one_stage.calibrate(totals, sizes, stage=1)
    with pytest.raises(DataError, match="needs a multistage design"):
        one_stage.replicate("jk1").calibrate(totals, sizes, stage=1)
    with pytest.raises(DataError, match="has no stages; give a column"):
        one_stage.replicate("jk1").calibrate({"enroll": 3e6}, 6194, aggregate=1)
    with pytest.raises(DataError, match="2 stage"):
        design.calibrate({"api99": 4e6}, 6000, aggregate=3)
    with pytest.raises(DataError, match="unknown aggregate column 'district'"):
        design.calibrate({"api99": 4e6}, 6000, aggregate="district")


def test_stage_weights_that_vary_within_a_unit_are_refused():
    """With weights given, R takes them as the stage weights; they must then be constant
    within each first-stage unit for the conditional weights to mean anything."""
    ref = R["stage1"]
    sample = api("apiclus2")[api("apiclus2")["dnum"].isin(ref["dnum"])].copy()
    sample["w"] = np.linspace(1, 2, len(sample))
    design = SurveyDesign(sample, weights="w", clusters=["dnum", "snum"], fpc=["fpc1", "fpc2"])
    totals = {d: {"api99": t} for d, t in zip(ref["dnum"], ref["pop_api99"], strict=True)}
    with pytest.raises(DataError, match=r"vary within unit \d+ \(row 1\)"):
        design.calibrate(totals, None, stage=1)


def test_declaring_a_subset_calibrated_is_refused():
    design = SurveyDesign(api("apiclus1"), weights="pw", clusters="dnum", fpc="fpc")
    with pytest.raises(DataError, match="then take the subset"):
        design.subset(design.data["stype"] == "E").declare_calibrated()
    with pytest.raises(DataError, match="unknown column 'styp'"):
        design.declare_calibrated("styp")
    with pytest.raises(DataError, match="needs columns or population_size"):
        design.declare_calibrated(population_size=False)


def test_aggregate_warns_when_weights_vary_within_groups():
    design = SurveyDesign(api("apistrat"), weights="pw", strata="stype", fpc="fpc")
    with pytest.warns(EstimationWarning, match="not constant within the aggregation groups"):
        design.calibrate({"enroll": 3.8e6}, 6194, aggregate="cname")
