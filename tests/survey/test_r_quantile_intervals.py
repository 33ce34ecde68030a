"""Quantile intervals beyond Woodruff's, against R survey 4.1.1 (issue #16): Francisco and
Fuller's score interval (svyquantile(interval.type="score")) and the interval from the
replicate quantiles (interval.type="quantile"). Values from tests/survey/r_quantile.R.

R survey's own tests/testoutput/quantile-new.R checks the replicate interval on bootstrap
replicates drawn without a seed, so its printed values cannot be reproduced (by R either);
here R's bootstrap factors drawn with set.seed(2026) are read from quantile_bootstrap.csv.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from prevalence import DataError, EstimationWarning
from prevalence.survey import ReplicateDesign, SurveyDesign

from .conftest import api

HERE = Path(__file__).parent
R = json.loads((HERE / "r_quantile.json").read_text())
PROBS = [0.1, 0.25, 0.5, 0.75, 0.9]


@pytest.fixture(scope="module")
def designs():
    strat, clus1, clus2 = api("apistrat"), api("apiclus1"), api("apiclus2")
    return {
        "strat": SurveyDesign(strat, weights="pw", strata="stype", fpc="fpc"),
        "clus1": SurveyDesign(clus1, weights="pw", clusters="dnum", fpc="fpc"),
        "clus2": SurveyDesign(clus2, clusters=["dnum", "snum"], fpc=["fpc1", "fpc2"]),
    }


def check(result: dict, key: str) -> None:
    ref = R[key]
    for i, p in enumerate(ref["p"]):
        est = result[f"{p:g}"]  # keyed as R names the quantiles
        assert est.value == pytest.approx(ref["quantile"][i], rel=1e-12), (key, p)
        if ref["lower"][i] > ref["upper"][i]:  # R's reversed limits: refused with a warning
            assert np.isnan(est.lower) and np.isnan(est.upper), (key, p)
            assert "reversed" in est.warnings[0]
            continue
        assert est.lower == pytest.approx(ref["lower"][i], rel=1e-9), (key, p, "lower")
        assert est.upper == pytest.approx(ref["upper"][i], rel=1e-9), (key, p, "upper")
        assert est.std_error == pytest.approx(ref["se"][i], rel=1e-9), (key, p, "se")


@pytest.mark.parametrize("qrule", ["math", "school", "hf7"])
def test_score_interval_stratified(designs, qrule):
    result = designs["strat"].quantile(
        "api00", PROBS, output="estimates", interval="score", qrule=qrule
    )
    check(result, f"score_strat_api00_{qrule}")


def test_score_interval_whose_limits_cross_is_refused(designs):
    """R maps the score limits back through the unweighted share of rows and a weighted
    rule; with Shah and Vaish's rule at p = 0.9 the limits cross (R: 892 to 878, SE -3.5)."""
    with pytest.warns(EstimationWarning, match=r"limits came out reversed \(\[892, 878\]"):
        result = designs["strat"].quantile(
            "api00", PROBS, output="estimates", interval="score", qrule="shahvaish"
        )
    check(result, "score_strat_api00_shahvaish")


def test_score_interval_clustered_multistage_and_domain(designs):
    clus1 = designs["clus1"]
    check(clus1.quantile("api00", PROBS, output="estimates", interval="score"), "score_clus1_api00")
    check(
        clus1.quantile("enroll", PROBS, output="estimates", interval="score", df=float("inf")),
        "score_clus1_enroll_df_inf",
    )
    check(
        designs["clus2"].quantile("api00", PROBS, output="estimates", interval="score"),
        "score_clus2_api00",
    )
    sub = clus1.subset(clus1.data["stype"] == "E")
    check(sub.quantile("api00", PROBS, output="estimates", interval="score"), "score_clus1_E_api00")


def test_replicate_quantile_interval_jackknife_warns(designs):
    rclus1 = designs["clus1"].replicate("jk1")
    with pytest.warns(EstimationWarning, match="jackknife replicate weights may not give"):
        result = rclus1.quantile("api00", PROBS, output="estimates", interval="quantile")
    check(result, "rep_jk1_clus1_api00")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimationWarning)
        check(
            rclus1.quantile(
                "api00", PROBS, output="estimates", interval="quantile", qrule="school"
            ),
            "rep_jk1_clus1_api00_school",
        )
        check(
            designs["strat"]
            .replicate("jkn")
            .quantile("api00", PROBS, output="estimates", interval="quantile"),
            "rep_jkn_strat_api00",
        )
        sub = rclus1.subset(rclus1.data["stype"] == "E")
        check(
            sub.quantile("api00", PROBS, output="estimates", interval="quantile"),
            "rep_jk1_clus1_E_api00",
        )


def test_replicate_quantile_interval_bootstrap_from_rs_replicates():
    ref = R["bootstrap_design"]
    factors = pd.read_csv(HERE / "quantile_bootstrap.csv")
    data = pd.concat([api("apistrat"), factors.add_prefix("rep_")], axis=1)
    design = ReplicateDesign.from_weights(
        data,
        "pw",
        "rep_",
        "bootstrap",
        scale=ref["scale"],
        rscales=ref["rscales"],
        combined_weights=False,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", EstimationWarning)  # no jackknife warning here
        check(
            design.quantile("api00", PROBS, output="estimates", interval="quantile"),
            "rep_boot_strat_api00",
        )
    check(
        design.quantile("api00", PROBS, output="estimates", interval="quantile", qrule="hf8"),
        "rep_boot_strat_api00_hf8",
    )


def test_replicate_interval_needs_replicates(designs):
    with pytest.raises(DataError, match="needs a replicate design"):
        designs["strat"].quantile("api00", 0.5, interval="quantile")


def test_score_interval_of_a_constant_column_warns_instead_of_failing():
    df = pd.DataFrame({"y": [2.0] * 6 + [3.0, 4.0], "psu": range(8), "w": 1.0})
    design = SurveyDesign(df, weights="w", clusters="psu")
    with pytest.warns(EstimationWarning, match="no score interval"):
        est = design.quantile("y", 0.25, interval="score")
    assert est.value == 2.0
    assert not (est.upper > est.lower)


def test_r_zeroin_steps():
    """The root finder takes R's uniroot steps: on a step function it stops where R does."""
    from prevalence.survey.quantiles import zeroin

    assert zeroin(lambda x: x * x - 2, 0.0, 2.0, 1e-10) == 1.4142135623731364  # R, digits=17
    assert zeroin(lambda x: float(x > 1.3) - 0.5, 0.0, 2.0, 0.001) == 1.2998046875  # R
    assert np.isnan(zeroin(lambda x: x + 5, 0.0, 1.0, 1e-6))
