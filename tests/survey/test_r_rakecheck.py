"""R survey's own tests/rakecheck.R, ported (issue #16): raking by iterative proportional
fitting equals calibration with calfun="raking", for a JK1 replicate design and a Taylor
design, and raking to a joint and a marginal distribution; each value rakecheck.Rout.save
prints, to its precision."""

from __future__ import annotations

import numpy as np
import pytest

from prevalence.survey import SurveyDesign

from .conftest import api

TYPES = {"E": 4421, "H": 755, "M": 1018}
SCHWIDE = {"No": 1072, "Yes": 5122}


def _printed(est, digits_value: int, digits_se: int) -> tuple[float, float]:
    return round(est.value, digits_value), round(est.std_error, digits_se)


@pytest.fixture(scope="module")
def dclus1():
    return SurveyDesign(api("apiclus1"), weights="pw", clusters="dnum", fpc="fpc")


@pytest.mark.parametrize(
    "replicate, mean_se, total_se", [(True, 26.874, 463582), (False, 23.704, 400603)]
)
def test_rake_equals_raking_calibration(dclus1, replicate, mean_se, total_se):
    design = dclus1.replicate("jk1") if replicate else dclus1
    raked = design.rake({"stype": TYPES, "sch.wide": SCHWIDE}, max_iter=30, epsilon=1e-10)
    calibrated = design.calibrate(
        {"stype": TYPES, "sch.wide": SCHWIDE}, calfun="raking", epsilon=1e-10
    )
    for d in (raked, calibrated):
        assert _printed(d.mean("api00"), 2, 3) == (641.23, mean_se)
        t = d.total("enroll")
        assert (round(t.value, -1), round(t.std_error)) == (3647280, total_se)
    if not replicate:  # R: all.equal(weights(dclus1g) / weights(dclus1r), 1) is TRUE
        np.testing.assert_allclose(calibrated.weights / raked.weights, 1, rtol=1e-6)


def test_rake_to_a_joint_and_a_marginal_distribution(dclus1):
    pop = api("apipop")
    joint = pop.groupby(["stype", "sch.wide"]).size().to_dict()
    imp = {"No": 1712, "Yes": 4482}
    raked = dclus1.rake({("stype", "sch.wide"): joint, "comp.imp": imp}, max_iter=30, epsilon=1e-10)
    assert _printed(raked.mean("api00"), 2, 3) == (642.61, 22.731)
