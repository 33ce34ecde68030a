"""A subset means the same thing in every method (issue #37), against R survey 4.1.1.

Values from ``tests/survey/r_subset.R`` (run by hand, output ``r_subset.json``): calibration
of a subset on Taylor and replicate designs, a missing value outside the subset, lonely PSUs
of a domain under ``svyby``, a two-phase subset, ``svyglm``'s ``na.action``, per-unit bounds,
several ratios and contrasts with their covariance, contrasts of replicate statistics and of
GLM coefficients, predictions of a survey GLM, ``svyby`` with ``svyvar`` and
``svyquantile``. Each of these gave a wrong number or an error before the issue.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from prevalence import DataError, DataWarning
from prevalence.survey import SurveyDesign, TwoPhaseDesign

from .conftest import api, twophase_sample

HERE = Path(__file__).parent
R = json.loads((HERE / "r_subset.json").read_text())
REL = 1e-9
AWARDS = {"No": 1500, "Yes": 2900}
SCH_WIDE = {"No": 600, "Yes": 3800}
CAL = ({"api99": 4400 * 640}, 4400)


def agree(est, key: str, rel: float = REL) -> None:
    ref = R[key]
    assert est.value == pytest.approx(ref["estimate"], rel=rel), key
    assert est.std_error == pytest.approx(ref["se"], rel=rel), key


@pytest.fixture(scope="module")
def clus1() -> pd.DataFrame:
    return api("apiclus1")


@pytest.fixture(scope="module")
def strat() -> pd.DataFrame:
    return api("apistrat")


@pytest.fixture(scope="module")
def dclus1(clus1) -> SurveyDesign:
    return SurveyDesign(clus1, weights="pw", clusters="dnum", fpc="fpc")


@pytest.fixture(scope="module")
def dstrat(strat) -> SurveyDesign:
    return SurveyDesign(strat, weights="pw", strata="stype", fpc="fpc")


# ---------------------------------------------------------------------------- calibration of a subset
def test_poststratifying_a_subset_calibrates_its_rows_only(dclus1):
    sub = dclus1.subset("stype == 'E'")
    ps = sub.poststratify("awards", AWARDS)
    agree(ps.mean("api00"), "sub_poststratify")
    total = ps.total("enroll")
    assert total.value == pytest.approx(R["sub_poststratify"]["total_enroll"], rel=REL)
    assert total.std_error == pytest.approx(R["sub_poststratify"]["total_enroll_se"], rel=REL)
    inside = sub.data["stype"] == "E"
    # the subset's weights add up to the population given; the rows outside are untouched
    assert ps.weights[inside].sum() == pytest.approx(R["sub_poststratify"]["weights_sum"])
    np.testing.assert_array_equal(ps.weights[~inside], dclus1.weights[~inside])
    assert (
        ps.total("enroll").value
        != dclus1.poststratify("awards", AWARDS).subset("stype == 'E'").total("enroll").value
    )  # calibrating all rows, then subsetting, is another estimate


def test_raking_and_calibrating_a_subset(dclus1):
    sub = dclus1.subset("stype == 'E'")
    agree(sub.rake({"awards": AWARDS, "sch.wide": SCH_WIDE}).mean("api00"), "sub_rake")
    agree(sub.calibrate(*CAL).mean("api00"), "sub_calibrate")
    raking = sub.calibrate(*CAL, bounds=(0.7, 1.7), calfun="raking")
    agree(raking.mean("api00"), "sub_calibrate_raking")


def test_calibrating_a_subset_of_a_replicate_design(dclus1):
    rsub = dclus1.replicate("jk1").subset("stype == 'E'")
    agree(rsub.mean("api00"), "rsub_mean")
    ps = rsub.poststratify("awards", AWARDS)
    agree(ps.mean("api00"), "rsub_poststratify")
    # every replicate of the subset adds up to the population (it summed to 800/750/875 of
    # 1,000 in the issue's example when the subset was dropped)
    inside = ps.data["stype"].to_numpy() == "E"
    sums = ps.replicate_weights()[inside].sum(axis=0)
    np.testing.assert_allclose(sums, R["rsub_poststratify"]["replicate_sums"], rtol=1e-12)
    assert ps.degf(inside) == R["rsub_poststratify"]["degf"]
    agree(rsub.rake({"awards": AWARDS, "sch.wide": SCH_WIDE}).mean("api00"), "rsub_rake")
    agree(rsub.calibrate(*CAL).mean("api00"), "rsub_calibrate")


def test_the_subset_survives_calibration_of_a_replicate_design(dclus1):
    rsub = dclus1.replicate("jk1").subset("stype == 'E'").with_degf(5)
    ps = rsub.poststratify("awards", AWARDS)
    assert ps.mean("api00").details["n_observed"] == int((dclus1.data["stype"] == "E").sum())
    assert ps.degf() == 5  # the degrees of freedom the user set carry over too


# ---------------------------------------------------------------------------- missing values outside
def test_a_missing_value_outside_the_subset_is_not_an_error(strat):
    data = strat.copy()
    data.loc[data["stype"] == "H", "api00"] = np.nan
    design = SurveyDesign(data, weights="pw", strata="stype", fpc="fpc")
    with pytest.raises(DataError, match="missing value"):
        design.mean("api00")  # on the whole design it is
    sub = design.subset(lambda d: d["api00"].notna())
    agree(sub.mean("api00"), "na_outside_mean")
    agree(sub.total("api00"), "na_outside_total")
    agree(sub.variance("api00"), "na_outside_var")
    assert sub.quantile("api00", 0.5).value == pytest.approx(
        design.subset(data["stype"] != "H").quantile("api00", 0.5).value
    )
    inside_missing = design.subset(data["stype"] != "E")  # still holds the missing values
    with pytest.raises(DataError, match="row"):
        inside_missing.mean("api00")


# ---------------------------------------------------------------------------- lonely PSUs by domain
@pytest.mark.parametrize("option", ["adjust", "average", "remove"])
def test_by_domain_standard_errors_equal_the_subsets(clus1, option):
    """svyby goes through subset, so its domain standard errors are the subsets' (5.9119 under
    "adjust" where by= gave 5.8909); its covariance matrix is the whole design's."""
    data = clus1[clus1["dnum"] != 413].reset_index(drop=True)
    data["dom"] = np.where(np.arange(len(data)) == 30, "out", "in")
    ref = R[f"domain_lonely_{option}"]
    design = SurveyDesign(
        data, weights="pw", strata="dnum", lonely_psu=option, adjust_domain_lonely=True
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        by_stype = design.mean("api00", by="stype")
        by_dom = design.mean("api00", by="dom", output="estimates")
        table = design.mean("api00", by="dom", vcov=True)
        sub = design.subset(data["dom"] == "in").mean("api00")
    np.testing.assert_allclose(by_stype["value"], ref["by_estimate"], rtol=1e-12)
    np.testing.assert_allclose(by_stype["std_error"], ref["by_se"], rtol=REL)
    assert by_dom["in"].std_error == pytest.approx(ref["by_dom_se"][0], rel=REL)
    assert by_dom["in"].std_error == pytest.approx(sub.std_error, rel=1e-12)
    assert sub.std_error == pytest.approx(ref["subset_in_se"], rel=REL)
    assert table.std_errors["in"] == pytest.approx(ref["by_dom_vcov_se"][0], rel=REL)
    if option == "average":  # the one-row domain's only stratum drops out: R gives NaN
        assert np.isnan(by_dom["out"].std_error) and ref["by_dom_se"][1] == "NaN"
        assert by_dom["out"].warnings and "could not be estimated" in by_dom["out"].warnings[0]


# ---------------------------------------------------------------------------- two-phase subset
def test_two_phase_phase_variances_of_a_subset():
    design = TwoPhaseDesign(
        twophase_sample(), "in2", strata2="screen", strata1="region2", fpc1="N2"
    )
    sub = design.subset(lambda d: d["hours"] > 30)
    ref = R["twophase_subset"]
    parts = sub.phase_variances("hours")
    assert parts["total"] == pytest.approx(ref["total"], rel=1e-12)
    assert parts["phase1"] == pytest.approx(ref["phase1"], rel=REL)
    assert parts["phase2"] == pytest.approx(ref["phase2"], rel=REL)
    assert sub.total("hours").std_error == pytest.approx(ref["se"], rel=REL)
    assert parts["total"] < design.phase_variances("hours")["total"]


# ---------------------------------------------------------------------------- GLM, bounds, degf
def test_glm_omits_rows_with_missing_values_when_asked(strat):
    data = strat.copy()
    data.loc[[2, 49, 119], "meals"] = np.nan
    design = SurveyDesign(data, weights="pw", strata="stype", fpc="fpc")
    with pytest.raises(DataError, match="'meals'.*row 2.*na_action='omit'"):
        design.glm("api00 ~ ell + meals")
    fit = design.glm("api00 ~ ell + meals", na_action="omit")
    ref = R["glm_na_omit"]
    np.testing.assert_allclose(fit.params, ref["estimate"], rtol=REL)
    np.testing.assert_allclose(fit.bse, ref["se"], rtol=REL)
    assert fit.df_resid == ref["df_residual"]
    assert fit.n_omitted == 3 and "3 row(s) with a missing model value omitted" in fit.method
    assert design.glm("api00 ~ ell", na_action="omit").n_omitted == 0  # meals not in the model
    with pytest.raises(ValueError, match="na_action"):
        design.glm("api00 ~ ell", na_action="drop")


def test_calibration_bounds_per_unit(strat, dstrat):
    lower = np.full(len(strat), 0.8)
    upper = np.where(strat["stype"] == "E", 1.6, 1.25)
    ref = R["bounds_per_unit"]
    for bounds in ((lower, upper), {"lower": lower, "upper": upper}):
        cal = dstrat.calibrate({"api99": 6194 * 640}, 6194, bounds=bounds)
        agree(cal.mean("api00"), "bounds_per_unit")
        g = cal.weights / dstrat.weights
        assert g.min() == pytest.approx(ref["g_min"], rel=REL)
        assert g[strat["stype"] == "E"].max() == pytest.approx(ref["g_max_E"], rel=REL)
    with pytest.raises(DataError, match="one number per row"):
        dstrat.calibrate({"api99": 6194 * 640}, 6194, bounds=(lower[:10], 2.0))
    bad = lower.copy()
    bad[7] = 1.2
    with pytest.raises(ValueError, match="row 7"):
        dstrat.calibrate({"api99": 6194 * 640}, 6194, bounds=(bad, upper))


def test_more_degrees_of_freedom_than_replicates_warns(dclus1):
    rep = dclus1.replicate("bootstrap", 4, seed=1)
    with pytest.warns(DataWarning, match="4 replicates"):
        assert rep.with_degf(10).degf() == 10
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert rep.with_degf(3).degf() == 3  # fewer than the replicates: no warning


# ---------------------------------------------------------------------------- ratios and contrasts
def test_several_ratios_with_their_covariance(dstrat):
    table = dstrat.ratio(["api00", "api99"], "enroll", vcov=True)
    assert table.names == ["api00/enroll", "api99/enroll"]
    np.testing.assert_allclose(table.values, R["ratios"]["estimate"], rtol=1e-12)
    np.testing.assert_allclose(table.vcov.to_numpy().ravel(), R["ratios"]["vcov"], rtol=REL)
    single = dstrat.ratio("api99", "enroll")
    assert single.std_error == pytest.approx(table.std_errors["api99/enroll"], rel=1e-12)


CONTRASTS = {"diff": {"api00": 1, "api99": -1}, "avg": {"api00": 0.5, "api99": 0.5}}


def test_a_list_of_contrasts_with_their_covariance(dstrat, dclus1):
    for design, key in ((dstrat, "contrast_list"), (dclus1.replicate("jk1"), "contrast_replicate")):
        table = design.mean(["api00", "api99"], vcov=True).contrasts(CONTRASTS)
        assert table.names == ["diff", "avg"]
        np.testing.assert_allclose(table.values, R[key]["estimate"], rtol=1e-12)
        np.testing.assert_allclose(table.vcov.to_numpy().ravel(), R[key]["vcov"], rtol=REL)
    rtable = dclus1.replicate("jk1").mean(["api00", "api99"], vcov=True)
    agree(rtable.contrast(lambda v: v["api00"] / v["api99"]), "contrast_replicate_nonlinear")


def test_contrasts_and_predictions_of_a_survey_glm(strat, dstrat):
    fit = dstrat.glm("api00 ~ ell + meals + stype")
    agree(fit.contrast({"ell": 1, "meals": -1}), "glm_contrast")
    new = pd.DataFrame({"ell": [10, 30, 5], "meals": [20, 50, 80], "stype": ["E", "H", "M"]})
    pred = fit.predict(new)
    np.testing.assert_allclose(pred.values, R["glm_predict"]["estimate"], rtol=1e-12)
    np.testing.assert_allclose(pred.std_errors, R["glm_predict"]["se"], rtol=REL)
    binomial = dstrat.with_columns(hi00=(strat["api00"] >= 700).astype(float)).glm(
        "hi00 ~ meals + stype", family="binomial"
    )
    ref = R["glm_predict_binomial"]
    link, response = binomial.predict(new), binomial.predict(new, type="response")
    np.testing.assert_allclose(link.values, ref["link"], rtol=REL)
    np.testing.assert_allclose(link.std_errors, ref["link_se"], rtol=REL)
    np.testing.assert_allclose(response.values, ref["response"], rtol=REL)
    np.testing.assert_allclose(response.std_errors, ref["response_se"], rtol=REL)
    with pytest.raises(DataError, match="lacks the model's column"):
        fit.predict(new.drop(columns="meals"))
    with pytest.raises(DataError, match="missing value at row 1"):
        fit.predict(new.assign(ell=[1.0, np.nan, 2.0]))


def test_variance_and_quantiles_by_domain(dstrat):
    by = dstrat.variance("api00", by="stype")
    np.testing.assert_allclose(by["value"], R["by_variance"]["estimate"], rtol=1e-12)
    np.testing.assert_allclose(by["std_error"], R["by_variance"]["se"], rtol=REL)
    q = dstrat.quantile("api00", [0.25, 0.5], by="stype")
    assert list(q.columns[:2]) == ["stype", "p"]
    ref = R["by_quantile"]  # R orders quantile-major: E, H, M at 0.25, then at 0.5
    got = q.sort_values(["p", "stype"])
    np.testing.assert_allclose(got["value"], ref["estimate"], rtol=1e-12)
    np.testing.assert_allclose(got["std_error"], ref["se"], rtol=REL)
    keyed = dstrat.quantile("api00", [0.25, 0.5], by="stype", output="estimates")
    assert keyed[("H", "0.5")].value == 635
    assert set(dstrat.quantile("api00", [0.25, 0.5], output="estimates")) == {"0.25", "0.5"}


# ---------------------------------------------------------------------------- PPS without a dense matrix
def _dense_delta(p: np.ndarray, strata: np.ndarray, method: str, psum: float | None = None):
    """The units x units Delta of Overton's or Hartley-Rao's approximation, written out
    entry by entry from R's formulas (ppsvar's Dcheck), for comparison only."""
    n = np.bincount(strata)[strata].astype(float)
    d = np.zeros((p.size, p.size))
    for i in range(p.size):
        for j in range(p.size):
            if i == j:
                d[i, j] = 1 - p[i]
            elif strata[i] == strata[j]:
                if method == "overton":
                    fbar = (p[i] + p[j]) / 2
                    d[i, j] = 0.0 if fbar == 1 else 1 - (n[i] - fbar) / (n[i] - 1)
                else:
                    fbar = p[i] + p[j]
                    p2 = psum if psum is not None else p[strata == strata[i]].mean()
                    d[i, j] = 0.0 if fbar == 1 else 1 - (n[i] - fbar + p2) / (n[i] - 1)
    return d


@pytest.mark.parametrize("method", ["overton", "hartley-rao"])
@pytest.mark.parametrize("variance", ["HT", "YG"])
def test_pps_approximations_need_no_units_by_units_matrix(method, variance):
    rng = np.random.default_rng(7)
    n = 60
    p = rng.choice([0.2, 0.3, 0.5, 0.7, 0.8, 1.0, rng.uniform(0.05, 0.95)], size=n)
    strata = np.repeat([0, 1, 2, 3], [25, 20, 14, 1])  # one unit alone in its stratum
    df = pd.DataFrame({"p": p, "s": strata, "y": rng.gamma(2, 5, n), "z": rng.normal(size=n)})
    from prevalence.survey.pps import ApproximateDelta, PPSDesign

    design = PPSDesign(df, probs="p", strata="s", method=method, variance=variance)
    assert isinstance(design._dcheck, ApproximateDelta)
    dense = _dense_delta(p, strata, method)
    X = (df[["y", "z"]].to_numpy() / p[:, None]) - 1.0
    expected = X.T @ dense @ X
    if variance == "YG":
        expected -= X.T @ (dense.sum(axis=1)[:, None] * X)
    got = design._variance_of_unit_totals(X, diagonal=False)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-8)
    # certainty pairs (Overton) and probabilities adding to 1 (Hartley-Rao) are present
    assert (p == 1.0).sum() > 1 and ((p == 0.3).any() and (p == 0.7).any())


def test_poisson_sampling_and_sparse_joint_probabilities():
    from scipy import sparse

    from prevalence.survey.pps import PPSDesign

    sample = pd.read_csv(HERE / "pps_sample.csv")
    poisson = PPSDesign(sample, probs="p", method="poisson")
    agree(poisson.total("y1"), "poisson_total")
    agree(poisson.mean("y1"), "poisson_mean")
    # the same design from a sparse matrix holding only the diagonal (pairs independent)
    pij = sparse.diags(sample["p"].to_numpy())
    as_sparse = PPSDesign(sample, probs="p", method=pij)
    agree(as_sparse.total("y1"), "poisson_total")
    # 4,000 units: no 4,000 x 4,000 matrix is built, and by= domains are cheap
    rng = np.random.default_rng(3)
    big = pd.DataFrame({"p": rng.uniform(0.05, 0.6, 4000), "y": rng.gamma(2, 5, 4000)})
    big["g"] = rng.integers(0, 5, 4000)
    design = PPSDesign(big, probs="p", method="overton")
    assert not any(
        isinstance(v, np.ndarray) and v.ndim == 2 and v.shape[0] >= 4000
        for v in vars(design._dcheck).values()
    )
    table = design.mean("y", by="g")
    assert len(table) == 5 and (table["std_error"] > 0).all()
