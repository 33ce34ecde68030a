"""Survey designs: bad input, invariants (hypothesis), replicate weights, prevalence and change."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prevalence import (
    Comparison,
    DataError,
    EstimationWarning,
    ReplicateDesign,
    SurveyDesign,
    SurveyPrevalence,
)


def synthetic(n_strata=4, psu_per=5, per_psu=8, seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for h in range(n_strata):
        for c in range(psu_per):
            eff = rng.normal(0, 0.5)
            for _ in range(per_psu):
                p = 1 / (1 + math.exp(-(-1.5 + 0.3 * h + eff)))
                rows.append(
                    {
                        "stratum": f"s{h}",
                        "psu": f"s{h}c{c}",
                        "w": float(rng.uniform(50, 150)),
                        "y": int(rng.random() < p),
                        "x": float(rng.gamma(2, 3)),
                        "region": f"r{rng.integers(3)}",
                        "N_h": 40,
                    }
                )
    return pd.DataFrame(rows)


@pytest.fixture
def df() -> pd.DataFrame:
    return synthetic()


# ------------------------------------------------------------------ bad designs
def test_missing_or_negative_weights(df):
    bad = df.copy()
    bad.loc[7, "w"] = np.nan
    with pytest.raises(DataError, match="weights column 'w'.*row 7"):
        SurveyDesign(bad, weights="w", strata="stratum", clusters="psu")
    bad.loc[7, "w"] = -1.0
    with pytest.raises(DataError, match="not negative.*-1.0 at row 7"):
        SurveyDesign(bad, weights="w", strata="stratum", clusters="psu")
    bad.loc[7, "w"] = 0.0  # allowed, as in R: the row carries no weight
    SurveyDesign(bad, weights="w", strata="stratum", clusters="psu")


def test_fpc_smaller_than_sample(df):
    bad = df.assign(N_h=3)
    with pytest.raises(DataError, match="population of 3 units.*5 were sampled"):
        SurveyDesign(bad, weights="w", strata="stratum", clusters="psu", fpc="N_h")


def test_psus_crossing_strata_need_nest(df):
    reused = df.assign(psu=df["psu"].str[-2:])  # c0..c4 reused in every stratum
    with pytest.raises(DataError, match="more than one stratum.*nest=True"):
        SurveyDesign(reused, weights="w", strata="stratum", clusters="psu")
    nested = SurveyDesign(reused, weights="w", strata="stratum", clusters="psu", nest=True)
    plain = SurveyDesign(df, weights="w", strata="stratum", clusters="psu")
    assert nested.mean("x").std_error == pytest.approx(plain.mean("x").std_error, rel=1e-12)


def test_unknown_columns_and_options(df):
    with pytest.raises(DataError, match="unknown cluster column"):
        SurveyDesign(df, weights="w", clusters="nope")
    with pytest.raises(DataError, match="lonely_psu"):
        SurveyDesign(df, weights="w", lonely_psu="ignore")
    d = SurveyDesign(df, weights="w", strata="stratum", clusters="psu")
    with pytest.raises(DataError, match="unknown column 'nope'"):
        d.mean("nope")
    with pytest.raises(DataError, match="unknown domain column"):
        d.mean("x", by="nope")
    with pytest.raises(DataError, match="must hold 0/1"):
        d.proportion("x")
    with pytest.raises(ValueError, match="ci must be"):
        d.proportion("y", ci="exact")


def test_missing_values_name_row_and_na_rm(df):
    bad = df.copy()
    bad.loc[11, "x"] = np.nan
    d = SurveyDesign(bad, weights="w", strata="stratum", clusters="psu")
    with pytest.raises(DataError, match="'x' has a missing value at row 11"):
        d.mean("x")
    est = d.mean("x", na_rm=True)
    assert est.details["n"] == len(df) - 1


def test_lonely_psu_fails_by_default(df):
    lonely = df[~((df.stratum == "s0") & (df.psu != "s0c0"))]
    with pytest.raises(DataError, match="stratum 's0' has only one PSU"):
        SurveyDesign(lonely, weights="w", strata="stratum", clusters="psu").mean("x")
    est = SurveyDesign(
        lonely, weights="w", strata="stratum", clusters="psu", lonely_psu="remove"
    ).mean("x")
    assert est.std_error > 0


def test_single_psu_design_is_refused():
    with pytest.raises(DataError, match="only one primary sampling unit"):
        SurveyDesign(
            pd.DataFrame({"y": [1, 2], "c": [1, 1], "w": [1.0, 1.0]}), weights="w", clusters="c"
        )


def test_weights_from_fpc(df):
    d = SurveyDesign(df, strata="stratum", clusters="psu", fpc="N_h")
    np.testing.assert_allclose(d.weights, 40 / 5)


# ------------------------------------------------------------------ invariants
@settings(max_examples=30, deadline=None)
@given(st.floats(0.01, 1000), st.integers(0, 10_000))
def test_scaling_weights_changes_no_mean_proportion_or_se(factor, seed):
    df = synthetic(seed=seed % 7)
    a = SurveyDesign(df, weights="w", strata="stratum", clusters="psu")
    b = SurveyDesign(df.assign(w=df.w * factor), weights="w", strata="stratum", clusters="psu")
    for stat in (lambda d: d.mean("x"), lambda d: d.proportion("y"), lambda d: d.ratio("y", "x")):
        ea, eb = stat(a), stat(b)
        assert eb.value == pytest.approx(ea.value, rel=1e-9)
        assert eb.std_error == pytest.approx(ea.std_error, rel=1e-9)
        assert eb.interval == pytest.approx(ea.interval, rel=1e-9)


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**31 - 1))
def test_permuting_rows_changes_nothing(seed):
    df = synthetic(seed=1)
    shuffled = df.sample(frac=1.0, random_state=np.random.RandomState(seed))
    a = SurveyDesign(df, weights="w", strata="stratum", clusters="psu")
    b = SurveyDesign(shuffled, weights="w", strata="stratum", clusters="psu")
    assert b.mean("x").std_error == pytest.approx(a.mean("x").std_error, rel=1e-10)
    fa, fb = a.proportion("y", by="region"), b.proportion("y", by="region")
    np.testing.assert_allclose(
        fb[["value", "std_error", "lower", "upper"]],
        fa[["value", "std_error", "lower", "upper"]],
        rtol=1e-10,
    )


def test_domain_equals_design_with_out_of_domain_weights_zero(df):
    d = SurveyDesign(df, weights="w", strata="stratum", clusters="psu")
    by = d.mean("x", by="region", output="estimates")
    for level in ("r0", "r1", "r2"):
        x = np.where(df.region == level, df.x, 0.0)
        ind = (df.region == level).astype(float)
        # a domain mean is the ratio of totals of x*1[domain] and 1[domain] over the whole design
        zero = SurveyDesign(df.assign(xd=x, ind=ind), weights="w", strata="stratum", clusters="psu")
        ratio = zero.ratio("xd", "ind")
        assert by[level].value == pytest.approx(ratio.value, rel=1e-12)
        assert by[level].std_error == pytest.approx(ratio.std_error, rel=1e-12)


def test_domain_output_forms(df):
    d = SurveyDesign(df, weights="w", strata="stratum", clusters="psu")
    frame = d.total("x", by=["stratum", "region"])
    assert list(frame.columns[:2]) == ["stratum", "region"] and len(frame) == 12
    assert frame["value"].sum() == pytest.approx(d.total("x").value)
    ests = d.total("x", by="stratum", output="estimates")
    assert set(ests) == {"s0", "s1", "s2", "s3"}


# ------------------------------------------------------------------ replicate designs
def test_replicate_types_agree_roughly_with_taylor(df):
    d = SurveyDesign(df, weights="w", strata="stratum", clusters="psu")
    taylor = d.mean("x").std_error
    for kind, kw in (
        ("jkn", {}),
        ("bootstrap", {"replicates": 400, "seed": 1}),
        ("subbootstrap", {"replicates": 400, "seed": 1}),
    ):
        rep = d.replicate(kind, **kw)
        assert rep.mean("x").std_error == pytest.approx(taylor, rel=0.25), kind
    jkn = d.replicate("jkn")
    # for a linear statistic the stratified jackknife equals the linearisation variance
    assert jkn.total("x").std_error == pytest.approx(d.total("x").std_error, rel=1e-10)


def test_bootstrap_replicates_are_seeded(df):
    d = SurveyDesign(df, weights="w", strata="stratum", clusters="psu")
    a = d.replicate("bootstrap", replicates=30, seed=5).mean("x").std_error
    b = d.replicate("bootstrap", replicates=30, seed=5).mean("x").std_error
    c = d.replicate("bootstrap", replicates=30, seed=6).mean("x").std_error
    assert a == b and a != c


def test_replicate_design_from_weights_matches_compressed(df):
    d = SurveyDesign(df, weights="w", strata="stratum", clusters="psu")
    jkn = d.replicate("jkn")
    rep = jkn.replicate_weights()
    data = df.copy()
    names = [f"rw{i}" for i in range(rep.shape[1])]
    data[names] = rep
    shipped = ReplicateDesign.from_weights(data, "w", "rw", "jkn", rscales=jkn.rscales)
    for stat in (lambda x: x.mean("x"), lambda x: x.proportion("y", by="region")):
        a, b = stat(jkn), stat(shipped)
        if isinstance(a, pd.DataFrame):
            np.testing.assert_allclose(a["std_error"], b["std_error"], rtol=1e-12)
        else:
            assert a.std_error == pytest.approx(b.std_error, rel=1e-12)
    with pytest.raises(DataError, match="needs rscales"):
        ReplicateDesign.from_weights(data, "w", names, "jkn")


def test_replicate_restrictions(df):
    d = SurveyDesign(df, weights="w", strata="stratum", clusters="psu")
    with pytest.raises(DataError, match="JK1 is for unstratified"):
        d.replicate("jk1")
    with pytest.raises(DataError, match="two PSUs per stratum"):
        d.replicate("brr")
    with pytest.raises(DataError, match="calibrate the replicate design"):
        d.poststratify("region", {"r0": 100, "r1": 100, "r2": 100}).replicate("jkn")


# ------------------------------------------------------------------ calibration
def test_poststratification_hits_population_and_reduces_variance(df):
    d = SurveyDesign(df, weights="w", strata="stratum", clusters="psu")
    pop = {"r0": 4000.0, "r1": 5000.0, "r2": 6000.0}
    ps = d.poststratify("region", pop)
    totals = ps.total("y", by="region")  # weights now add up to the population in each post-stratum
    ones = ps.data.assign(one=1.0)
    ps1 = SurveyDesign(ones, weights="w", strata="stratum", clusters="psu").poststratify(
        "region", pop
    )
    with pytest.warns(EstimationWarning, match="the weights were calibrated to it"):
        one = ps1.total("one")  # the population size itself: no variance, and said so
    assert one.value == pytest.approx(15000.0)
    assert one.std_error == pytest.approx(0.0, abs=1e-6)
    assert len(totals) == 3
    with pytest.raises(DataError, match="missing from the population"):
        d.poststratify("region", {"r0": 1.0, "r1": 2.0})


def test_calibration_rejects_inconsistent_totals(df):
    d = SurveyDesign(df, weights="w", strata="stratum", clusters="psu")
    with pytest.raises(DataError, match="inconsistent"):
        d.calibrate({"region": {"r0": 10.0, "r1": 10.0, "r2": 10.0}}, population_size=1000.0)


def test_unit_sizes_need_a_stage(df):
    # a mapping of unit sizes is for calibration within units (stage=1); without it the
    # call used to fail inside the calibration
    d = SurveyDesign(df, weights="w", strata="stratum", clusters="psu")
    with pytest.raises(DataError, match="only with stage=1"):
        d.calibrate({"region": {"r0": 10.0, "r1": 10.0, "r2": 10.0}}, population_size={1: 5.0})


def test_replicate_design_refuses_what_is_not_a_frame():
    # its `type` argument hid the builtin: the refusal itself failed with "'str' object is
    # not callable"
    with pytest.raises(DataError, match="expected a pandas DataFrame, got list"):
        ReplicateDesign.from_weights([[1.0]], "w", ["r1"], "jk1")


# ------------------------------------------------------------------ prevalence and change
def test_survey_prevalence_and_counts(df):
    d = SurveyDesign(df, weights="w", strata="stratum", clusters="psu")
    est = SurveyPrevalence("y", population=1_000_000).fit(d)
    direct = d.proportion("y")
    assert est.value == direct.value and est.interval == direct.interval
    assert est.details["count"] == pytest.approx(1_000_000 * est.value)
    assert est.details["count_lower"] == pytest.approx(1_000_000 * est.lower)


def test_compare_independent_surveys():
    a = SurveyDesign(synthetic(seed=1), weights="w", strata="stratum", clusters="psu")
    b = SurveyDesign(synthetic(seed=2), weights="w", strata="stratum", clusters="psu")
    c = SurveyPrevalence("y").compare(a, b)
    assert isinstance(c, Comparison)
    se = math.hypot(c.baseline.std_error, c.endline.std_error)
    assert c.difference.value == pytest.approx(c.endline.value - c.baseline.value)
    assert c.difference.std_error == pytest.approx(se)
    assert c.ratio.lower < c.ratio.value < c.ratio.upper


def test_compare_panel_uses_shared_psu_covariance():
    base = synthetic(seed=3)
    rng = np.random.default_rng(9)
    end = base.copy()
    flip = rng.random(len(end)) < 0.1  # the same people, a few change status
    end["y"] = np.where(flip, 1 - end["y"], end["y"])
    panel = pd.concat([base.assign(wave="base"), end.assign(wave="end")], ignore_index=True)
    d = SurveyDesign(panel, weights="w", strata="stratum", clusters="psu")
    est = SurveyPrevalence("y")
    paired = est.compare_panel(d, "wave", "base", "end")
    independent = est.compare(
        SurveyDesign(base, weights="w", strata="stratum", clusters="psu"),
        SurveyDesign(end, weights="w", strata="stratum", clusters="psu"),
    )
    assert paired.difference.value == pytest.approx(independent.difference.value)
    assert paired.difference.details["covariance"] > 0
    assert paired.difference.std_error < 0.8 * independent.difference.std_error
    rep = est.compare_panel(d.replicate("jkn"), "wave", "base", "end")
    assert rep.difference.std_error == pytest.approx(paired.difference.std_error, rel=0.15)
