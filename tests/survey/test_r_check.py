"""R survey's own tests/check.R, tests/testoutput/fpc.R (example(fpc)) and
tests/testoutput/multistage.R (example(mu284)), ported (issue #16): the same mean under every
way of declaring weights, clusters, strata, nesting and finite population corrections, to the
four decimals the .Rout.save files print. R's data (fpc, mu284) are exported by
tests/survey/r_vignettes.R."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from prevalence import DataWarning
from prevalence.survey import SurveyDesign

DATA = Path(__file__).parent / "data"
FPC = pd.read_csv(DATA / "fpc.csv").assign(
    one=1.0,
    inv_prob=lambda d: 1 / (1 / d["weight"]),
    fraction=lambda d: d["nh"] / d["Nh"],
    stratum_psu=lambda d: d["stratid"].astype(str) + "." + d["psuid"].astype(str),
    N27=27,
)

# (SurveyDesign arguments, the R call, printed mean and SE)
CASES = [
    (dict(weights="weight", clusters="psuid", strata="stratid", nest=True),
     "svydesign(weights=~weight, ids=~psuid, strata=~stratid, nest=TRUE)", "5.4481", "0.7413"),
    (dict(weights="weight", strata="stratid", nest=True),
     "svydesign(weights=~weight, ids=~0, strata=~stratid, nest=TRUE)", "5.4481", "0.7413"),
    (dict(weights="one", strata="stratid", nest=True),
     "svydesign(weights=1, ids=~0, strata=~stratid, nest=TRUE)", "5.525", "0.7796"),
    (dict(strata="stratid", nest=True),
     "svydesign(ids=~0, strata=~stratid, nest=TRUE)", "5.525", "0.7796"),
    (dict(weights="inv_prob", strata="stratid", nest=True),
     "svydesign(ids=~0, strata=~stratid, prob=~I(1/weight), nest=TRUE)", "5.4481", "0.7413"),
    (dict(clusters="psuid", strata="stratid", nest=True),
     "svydesign(ids=~psuid, strata=~stratid, nest=TRUE)", "5.525", "0.7796"),
    (dict(clusters="psuid", nest=True),
     "svydesign(ids=~psuid, nest=TRUE)", "5.525", "0.838"),
    (dict(weights="weight", clusters="psuid", nest=True),
     "svydesign(ids=~psuid, weights=~weight, nest=TRUE)", "5.4481", "0.7938"),
    (dict(weights="weight", clusters=["stratid", "psuid"]),
     "svydesign(ids=~stratid+psuid, weights=~weight)", "5.4481", "0.5465"),
    (dict(clusters=["stratid", "psuid"]),
     "svydesign(ids=~stratid+psuid)", "5.525", "0.5188"),
    (dict(weights="weight", clusters="psuid", fpc="N27"),
     "svydesign(weights=fpc$weight, ids=fpc$psuid, fpc=rep(27,8))", "5.4481", "0.7165"),
    (dict(weights="weight", clusters="psuid", strata="stratid", nest=True, fpc="Nh"),
     "svydesign(weights=fpc$weight, ids=fpc$psuid, strata=fpc$stratid, nest=TRUE, fpc=fpc$Nh)",
     "5.4481", "0.616"),
    # tests/testoutput/fpc.R: example(fpc)'s equivalent forms
    (dict(weights="inv_prob", clusters="psuid", strata="stratid", nest=True, fpc="Nh"),
     "svydesign(prob=~I(1/weight), ids=~psuid, strata=~stratid, fpc=~Nh, nest=TRUE)",
     "5.4481", "0.616"),
    (dict(weights="weight", clusters="psuid", strata="stratid", nest=True, fpc="fraction"),
     "svydesign(weights=~weight, ids=~psuid, strata=~stratid, fpc=~I(nh/Nh), nest=TRUE)",
     "5.4481", "0.616"),
    (dict(weights="weight", clusters="stratum_psu", strata="stratid", fpc="fraction"),
     "svydesign(weights=~weight, ids=~interaction(stratid,psuid), strata=~stratid, fpc=~I(nh/Nh))",
     "5.4481", "0.616"),
    (dict(clusters="psuid", strata="stratid", nest=True, fpc="Nh"),
     "svydesign(ids=~psuid, strata=~stratid, fpc=~Nh, nest=TRUE)", "5.4481", "0.616"),
    (dict(clusters="psuid", strata="stratid", nest=True, fpc="fraction"),
     "svydesign(ids=~psuid, strata=~stratid, fpc=~I(nh/Nh), nest=TRUE)", "5.4481", "0.616"),
]  # fmt: skip


def printed(value: float, text: str) -> None:
    """Within one unit of R's last printed digit."""
    unit = 10.0 ** -len(text.split(".")[1])
    assert abs(value - float(text)) <= unit, (value, text)


@pytest.mark.parametrize("kwargs, call, mean, se", CASES, ids=[c[1] for c in CASES])
def test_every_way_of_declaring_the_design(kwargs, call, mean, se):
    equal_probability = "weights" not in kwargs and "fpc" not in kwargs
    if equal_probability:  # R: "No weights or probabilities supplied, assuming equal probability"
        with pytest.warns(DataWarning, match="assuming equal probability"):
            design = SurveyDesign(FPC, **kwargs)
    else:
        design = SurveyDesign(FPC, **kwargs)
    est = design.mean("x")
    printed(est.value, mean)
    printed(est.std_error, se)


def test_fpc_gives_the_weights_when_none_are_given():
    """example(fpc): without weights, the fpc's Nh / nh are the weights (3 and 4)."""
    design = SurveyDesign(FPC, clusters="psuid", strata="stratid", nest=True, fpc="Nh")
    np.testing.assert_allclose(design.weights, FPC["weight"])


def test_mu284_two_stage_total():
    """example(mu284): total 15080, SE 2274.3, variance 5172234."""
    mu284 = pd.read_csv(DATA / "mu284.csv")
    design = SurveyDesign(mu284, clusters=["id1", "id2"], fpc=["n1", "n2"])
    est = design.total("y1")
    assert est.value == pytest.approx(15080, abs=0.5)
    printed(est.std_error, "2274.3")
    assert est.std_error**2 == pytest.approx(5172234, abs=1)


def test_rao_wu_bootstrap_of_two_psus_gives_weights_0_and_2():
    """R survey's tests/raowuboot.R (Valliant's bug report): with two PSUs in a stratum, Rao
    and Wu's bootstrap draws one and doubles it, so every replicate weight is 0 or 2."""
    data = pd.DataFrame({"h": [1, 1], "psu": [1, 2], "w": [1.0, 1.0], "y": [1.0, 2.0]})
    design = SurveyDesign(data, weights="w", strata="h", clusters="psu")
    weights = design.replicate("subbootstrap", 50, seed=3).replicate_weights()
    assert set(np.unique(weights)) == {0.0, 2.0}
    assert np.all(weights.sum(axis=0) == 2.0)  # one PSU doubled in each replicate
