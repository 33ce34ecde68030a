"""PPS sampling without replacement against R survey 4.1.1 (tests/survey/r_pps.R, issue #16).

The sample is synthetic (written by r_pps.R); the joint inclusion probabilities are those of
stratified simple random sampling, so the exact Horvitz-Thompson variance must also equal
the usual stratified variance with finite population corrections.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from prevalence import DataError, EstimationWarning
from prevalence.survey import SurveyDesign
from prevalence.survey.pps import PPSDesign

HERE = Path(__file__).parent
R = json.loads((HERE / "r_pps.json").read_text())
SAMPLE = pd.read_csv(HERE / "pps_sample.csv")
N_H, n_H = {1: 200, 2: 120}, {1: 25, 2: 15}


def _joint() -> tuple[pd.DataFrame, np.ndarray]:
    s = SAMPLE["stratum"].to_numpy()
    f = np.array([n_H[h] / N_H[h] for h in s])
    pij = np.outer(f, f)
    same = s[:, None] == s[None, :]
    within = np.array([n_H[h] * (n_H[h] - 1) / (N_H[h] * (N_H[h] - 1)) for h in s])
    pij[same] = np.broadcast_to(within[:, None], pij.shape)[same]
    np.fill_diagonal(pij, f)
    return SAMPLE.assign(f=f), pij


def _designs():
    data, pij = _joint()
    return {
        "overton": PPSDesign(SAMPLE, probs="p", strata="stratum", method="overton"),
        "overton_YG": PPSDesign(
            SAMPLE, probs="p", strata="stratum", method="overton", variance="YG"
        ),
        "hartley_rao": PPSDesign(SAMPLE, probs="p", strata="stratum", method="hartley-rao"),
        "hartley_rao_psum": PPSDesign(SAMPLE, probs="p", method="hartley-rao", hr_psum=0.05),
        "joint": PPSDesign(data, probs="f", method=pij),
        "joint_YG": PPSDesign(data, probs="f", method=pij, variance="YG"),
        "srswor": SurveyDesign(
            data.assign(w=1 / data["f"], N=data["stratum"].map(N_H)),
            weights="w",
            strata="stratum",
            fpc="N",
        ),
    }


@pytest.mark.parametrize("name", sorted(k for k in R if not k.startswith(("brewer", "calibrated"))))
def test_pps_as_r(name):
    d = _designs()[name]
    ref = R[name]
    t, m = d.total("y1"), d.mean("y2")
    assert t.value == pytest.approx(ref["total_y1"], rel=1e-9)
    assert t.std_error == pytest.approx(ref["total_y1_se"], rel=1e-9)
    assert m.value == pytest.approx(ref["mean_y2"], rel=1e-9)
    assert m.std_error == pytest.approx(ref["mean_y2_se"], rel=1e-9)
    # a regression's standard errors go through the same PPS variance (R's ppsvar)
    fit = d.glm("y1 ~ y2")
    np.testing.assert_allclose(fit.params, ref["glm_coef"], rtol=1e-9)
    np.testing.assert_allclose(fit.bse, ref["glm_se"], rtol=1e-9)


CALIBRATED = {
    "overton_greg": ("overton", {"y2": 100.0}, 320.0, {}),
    "overton_raking": ("overton", {"y2": 100.0}, 320.0, {"calfun": "raking"}),
    "hr_greg_class": ("hartley_rao", {"size_class": {"large": 260.0, "small": 60.0}}, None, {}),
}


@pytest.mark.parametrize("key", sorted(CALIBRATED))
def test_calibrated_pps_designs_as_r(key):
    """R's ppsvar removes a calibration (GREG or raking) before its PPS variance."""
    ref = R[f"calibrated_{key}"]
    name, totals, size, options = CALIBRATED[key]
    base = _designs()[name]
    if "size_class" in totals:
        base = base.with_columns(size_class=np.where(SAMPLE["p"] > 0.3, "large", "small"))
    d = base.calibrate(totals, size, **options)
    np.testing.assert_allclose(d.weights, ref["weights"], rtol=1e-9)
    t = d.total("y1")
    assert t.value == pytest.approx(ref["total_y1"], rel=1e-9)
    assert t.std_error == pytest.approx(ref["total_y1_se"], rel=1e-8)
    if "y2" in totals:  # the mean of a calibration variable: known, and said so
        with pytest.warns(EstimationWarning, match="the weights were calibrated to it"):
            m = d.mean("y2")
        assert m.std_error == pytest.approx(ref["mean_y2_se"], abs=1e-12)
    else:
        m = d.mean("y2")
        assert m.std_error == pytest.approx(ref["mean_y2_se"], rel=1e-8)
    assert m.value == pytest.approx(ref["mean_y2"], rel=1e-9)


def test_poststratified_pps_design_centres_at_the_weighted_post_stratum_mean():
    """One post-stratum holding every unit is calibration to the population size: the same
    standard errors. (R 4.5's ppsvar centres a post-stratum at the unweighted mean of y
    instead, which with PPS weights is not the linearisation of the estimator; R 4.1.1 stops.)"""
    d = _designs()["overton"].with_columns(everyone="all")
    post = d.poststratify("everyone", {"all": 320.0})
    cal = d.calibrate({}, 320.0)
    for est in ("total", "mean"):
        a, b = getattr(post, est)("y1"), getattr(cal, est)("y1")
        assert a.value == pytest.approx(b.value, rel=1e-12)
        assert a.std_error == pytest.approx(b.std_error, rel=1e-10)


def test_exact_joint_probabilities_of_srswor_give_the_stratified_variance():
    designs = _designs()
    a, b = designs["joint"].total("y1"), designs["srswor"].total("y1")
    assert a.std_error == pytest.approx(b.std_error, rel=1e-12)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"probs": "q"}, "unknown probs column 'q'"),
        ({"probs": "y1"}, "inclusion probabilities must lie in"),
        ({"probs": "p", "method": "brewer"}, "method must be one of"),
        ({"probs": "p", "variance": "HTYG"}, "variance must be"),
        ({"probs": "p", "method": np.eye(3)}, "40 x 40 matrix"),
    ],
)
def test_bad_pps_arguments(kwargs, message):
    with pytest.raises((DataError, ValueError), match=message):
        PPSDesign(SAMPLE, **kwargs)


def test_brewer_as_r():
    ref = R["brewer"]
    d = SurveyDesign(SAMPLE, strata="stratum", fpc="p", pps="brewer")
    t, m = d.total("y1"), d.mean("y2")
    assert t.value == pytest.approx(ref["total_y1"], rel=1e-9)
    assert t.std_error == pytest.approx(ref["total_y1_se"], rel=1e-9)
    assert m.std_error == pytest.approx(ref["mean_y2_se"], rel=1e-9)


def test_two_stage_brewer_as_r():
    from .conftest import api

    ref = R["brewer_two_stage"]
    clus2 = api("apiclus2")
    clus2["pi1"] = 0.3 + (clus2["dnum"] % 7) / 20
    clus2["pi2"] = clus2.groupby("dnum")["snum"].transform("size") / clus2["fpc2"]
    d = SurveyDesign(clus2, clusters=["dnum", "snum"], fpc=["pi1", "pi2"], pps="brewer")
    m, t = d.mean("api00"), d.total("enroll", na_rm=True)
    assert m.value == pytest.approx(ref["mean_api00"], rel=1e-9)
    assert m.std_error == pytest.approx(ref["mean_api00_se"], rel=1e-9)
    assert t.value == pytest.approx(ref["total_enroll"], rel=1e-9)
    assert t.std_error == pytest.approx(ref["total_enroll_se"], rel=1e-9)


def test_brewer_arguments():
    with pytest.raises(DataError, match="needs fpc"):
        SurveyDesign(SAMPLE, pps="brewer")
    with pytest.raises(DataError, match="pps must be None or 'brewer'"):
        SurveyDesign(SAMPLE, fpc="p", pps="overton")
    with pytest.raises(DataError, match="inclusion probabilities"):
        SurveyDesign(SAMPLE.assign(N=500), fpc="N", pps="brewer")
