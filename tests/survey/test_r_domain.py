"""R survey's own tests/domain.R, ported (issue #16): a domain mean from a subset of the design
equals the same mean written as a ratio estimator and as a regression coefficient, for a
stratified design, a calibrated one and a raked one (the api parts of the file; its `fpc`
data set is not among the reference data)."""

from __future__ import annotations

import pytest

from prevalence.survey import SurveyDesign

from .conftest import api


def _three_ways(design, y: str):
    data = design.data
    yes = (data["comp.imp"] == "Yes").astype(float)
    sub = design.subset("`comp.imp` == 'Yes'").mean(y)
    ratio = design.with_columns(num=data[y] * yes, den=yes).ratio("num", "den")
    glm = design.with_columns(yes=yes, no=1.0 - yes).glm(f"{y} ~ yes + no - 1")
    return sub, ratio, glm


@pytest.mark.parametrize("kind", ["stratified", "calibrated", "raked"])
def test_domain_mean_as_subset_ratio_and_regression(kind):
    if kind == "stratified":
        design = SurveyDesign(api("apistrat"), weights="pw", strata="stype", fpc="fpc")
        y = "enroll"
    else:
        dclus1 = SurveyDesign(api("apiclus1"), weights="pw", clusters="dnum", fpc="fpc")
        y = "api00"
        if kind == "calibrated":
            design = dclus1.calibrate({"stype": {"E": 4421, "H": 755, "M": 1018}, "api99": 3914069})
        else:
            design = dclus1.rake(
                {"stype": {"E": 4421, "H": 755, "M": 1018}, "sch.wide": {"No": 1072, "Yes": 5122}}
            )
    sub, ratio, glm = _three_ways(design, y)
    assert sub.value == pytest.approx(ratio.value, rel=1e-10)
    assert sub.std_error == pytest.approx(ratio.std_error, rel=1e-8)
    assert glm.params["yes"] == pytest.approx(sub.value, rel=1e-8)
    assert glm.bse["yes"] == pytest.approx(sub.std_error, rel=1e-6)
