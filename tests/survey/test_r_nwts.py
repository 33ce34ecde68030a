"""R survey's own tests/nwts.R, ported (issue #16): the National Wilms Tumor Study
case-control-within-cohort designs of Breslow and Chatterjee (Applied Statistics 1999, 458).
4,088 children; phase two keeps the cases and a sample of controls within 2 or 8 phase-one
cells; logistic regressions by svyglm on each design, after calibrating phase two to the
phase-one cells, and on a subset of a calibrated design. Every coefficient and SE
nwts.Rout.save prints (to its precision) and R 4.1.1's at full precision (r_nwts.R).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from prevalence.survey.twophase import TwoPhaseDesign

R = json.loads((Path(__file__).parent / "r_nwts.json").read_text())

# R's tests/nwts.rda: by stage, institutional histology, central histology, the controls and
# cases in the cohort (nwts) and in the case-control sample (nwtsb)
CELLS = [(s, i, h) for i in (1, 2) for h in (1, 2) for s in (1, 2, 3, 4)]
COHORT_CONTROL = [1363, 816, 693, 307, 37, 25, 14, 7, 15, 11, 18, 23, 64, 51, 60, 13]
COHORT_CASE = [91, 117, 100, 60, 9, 14, 15, 9, 1, 2, 3, 3, 16, 33, 57, 41]
SAMPLE_CONTROL = [115, 86, 79, 27, 2, 3, 3, 1, 15, 11, 18, 23, 64, 51, 60, 13]
SAMPLE_CASE = COHORT_CASE  # every case is in phase two

# nwts.Rout.save (coefficients to the printed digits, SEs likewise)
PRINTED = {
    "dccs2": (
        ["-2.5701", "0.5482", "0.4791", "1.0037", "1.3505", "0.1152", "0.5066", "0.9785"],
        ["0.1288", "0.1979", "0.2032", "0.2592", "0.3107", "0.4410", "0.4241", "0.6214"],
    ),
    "dccs8": (
        ["-2.71604", "0.78141", "0.80093", "1.07293", "1.45836", "-0.04743", "0.28064", "0.90983"],
        ["0.10827", "0.14726", "0.15250", "0.17817", "0.31780", "0.43495", "0.41298", "0.63774"],
    ),
    "gccs8": (
        ["-2.71604", "0.78141", "0.80093", "1.07293", "1.45836", "-0.04743", "0.28064", "0.90983"],
        ["0.10878", "0.14729", "0.15212", "0.17905", "0.31757", "0.43432", "0.41231", "0.63187"],
    ),
    "dccs8_histol1": (
        ["-2.7160", "0.7814", "0.8009", "1.0729"],
        ["0.1083", "0.1473", "0.1525", "0.1782"],
    ),
    "gccs8_histol1": (
        ["-2.7160", "0.7814", "0.8009", "1.0729"],
        ["0.1082", "0.1457", "0.1504", "0.1759"],
    ),
}


def cohort() -> pd.DataFrame:
    """One row per child, as the R test expands the tables."""
    rows = []
    for (stage, instit, histol), c_all, k_all, c_smp, k_smp in zip(
        CELLS, COHORT_CONTROL, COHORT_CASE, SAMPLE_CONTROL, SAMPLE_CASE, strict=True
    ):
        for rel, in_sample, count in (
            (1, True, k_smp),
            (1, False, k_all - k_smp),
            (0, True, c_smp),
            (0, False, c_all - c_smp),
        ):
            rows += [(stage, instit, histol, in_sample, rel)] * count
    data = pd.DataFrame(rows, columns=["stage", "instit", "histol", "in_ccs", "rel"])
    data["cells2"] = data["instit"].astype(str) + "." + data["rel"].astype(str)
    data["cells8"] = data["cells2"] + "." + data["stage"].astype(str)
    return data


@pytest.fixture(scope="module")
def designs():
    data = cohort()
    assert len(data) == 4088
    dccs2 = TwoPhaseDesign(data, "in_ccs", strata2="cells2")
    dccs8 = TwoPhaseDesign(data, "in_ccs", strata2="cells8")
    gccs8 = dccs2.calibrate_to_phase_one("cells8")
    return {"dccs2": dccs2, "dccs8": dccs8, "gccs8": gccs8}


def printed(value: float, text: str) -> None:
    unit = 10.0 ** -len(text.split(".")[1])
    assert abs(value - float(text)) <= unit, (value, text)


@pytest.mark.parametrize("name", ["dccs2", "dccs8", "gccs8", "dccs8_histol1", "gccs8_histol1"])
def test_logistic_regressions_as_r(designs, name):
    base = designs[name.split("_")[0]]
    if name.endswith("histol1"):
        fit = base.subset(base.data["histol"] == 1).glm("rel ~ C(stage)", family="binomial")
    else:
        fit = base.glm("rel ~ C(stage) * C(histol)", family="binomial")
    ref = R[name]
    np.testing.assert_allclose(fit.params, ref["coef"], rtol=1e-7)
    for got, text in zip(fit.params, PRINTED[name][0], strict=True):
        printed(got, text)
    if name == "gccs8_histol1":
        return  # R's SEs differ on purpose: see the next test
    np.testing.assert_allclose(fit.bse, ref["se"], rtol=1e-7)
    for got, text in zip(fit.bse, PRINTED[name][1], strict=True):
        printed(got, text)


def test_subset_of_a_calibrated_two_phase_design(designs):
    """The one value not reproduced, and why.

    In a subset of a two-phase design R zeroes Dcheck where both units are outside the subset
    ("[.twophase2"); without calibration those units carry nothing, but a calibrated design's
    residuals are non-zero outside the subset too, so R drops part of their variance while
    keeping their covariance with the units inside. For one-phase calibrated designs R keeps
    every residual (svyrecvar), and so does this library for both. The evidence is in R's own
    output: for histol == 1 the stage model is the interaction model's main effects, and R's
    interaction fit on gccs8 prints SEs 0.10878, 0.14729, 0.15212, 0.17905; this library's
    subset fit gives exactly those, R's subset fit 0.1082, 0.1457, 0.1504, 0.1759. Zeroing the
    block as R does reproduces R's subset values to 1e-7, which pins the cause.
    """
    gccs8 = designs["gccs8"]
    inside = (gccs8.data["histol"] == 1).to_numpy()
    fit = gccs8.subset(inside).glm("rel ~ C(stage)", family="binomial")
    full = gccs8.glm("rel ~ C(stage) * C(histol)", family="binomial")
    np.testing.assert_allclose(fit.bse, full.bse.iloc[:4], rtol=1e-6)
    for got, text in zip(fit.bse, PRINTED["gccs8"][1][:4], strict=True):
        printed(got, text)
    as_r = copy.copy(gccs8)
    as_r._domain = inside
    for name in ("_dcheck_full", "_dcheck_phase2"):
        block = getattr(gccs8, name).copy()
        block[np.ix_(~inside, ~inside)] = 0.0
        setattr(as_r, name, block)
    emulated = as_r.glm("rel ~ C(stage)", family="binomial")
    np.testing.assert_allclose(emulated.bse, R["gccs8_histol1"]["se"], rtol=1e-7)
