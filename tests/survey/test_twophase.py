"""Two-phase designs against R survey 4.1.1's twophase (tests/survey/r_twophase.R, issue #16)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from prevalence import DataError, EstimationWarning
from prevalence.survey import SurveyDesign
from prevalence.survey.twophase import TwoPhaseDesign

from .conftest import twophase_sample

HERE = Path(__file__).parent
R = json.loads((HERE / "r_twophase.json").read_text())
PHASE1 = twophase_sample()
DESIGNS = {
    "iid": {"strata2": "screen"},
    "strat_fpc": {"strata2": "screen", "strata1": "region", "fpc1": "N1"},
    "strat_nofpc": {"strata2": "screen", "strata1": "region"},
    "strat_fpc_equal": {"strata2": "screen", "strata1": "region2", "fpc1": "N2"},
}


@pytest.mark.parametrize("name", sorted(DESIGNS))
def test_twophase_as_r(name):
    ref = R[name]
    d = TwoPhaseDesign(PHASE1, "in2", **DESIGNS[name])
    m, t, mh = d.mean("victim"), d.total("hours"), d.mean("hours")
    phases = d.phase_variances("hours")
    assert m.value == pytest.approx(ref["mean_victim"], rel=1e-9)
    assert t.value == pytest.approx(ref["total_hours"], rel=1e-9)
    assert mh.value == pytest.approx(ref["mean_hours"], rel=1e-9)
    assert phases["phase2"] == pytest.approx(ref["phase2_var_total"], rel=1e-9)
    assert d.degf() == ref["degf"]
    if name == "strat_fpc":
        # R's phase-one Dcheck indexes the phase-one sample sizes by the position of the unit
        # in the subsample, not by its stratum, so with unequal strata R's phase-one term
        # differs (56,354,779 in R; 43,804,506 here from each unit's own stratum size). With
        # equal strata ("strat_fpc_equal") the two agree.
        assert phases["phase1"] < ref["phase1_var_total"]
        return
    assert m.std_error == pytest.approx(ref["mean_victim_se"], rel=1e-9)
    assert t.std_error == pytest.approx(ref["total_hours_se"], rel=1e-9)
    assert mh.std_error == pytest.approx(ref["mean_hours_se"], rel=1e-9)
    assert phases["phase1"] == pytest.approx(ref["phase1_var_total"], rel=1e-9)


def test_phase_one_term_is_the_stratified_srswor_dcheck():
    """With an fpc at phase one, D1 is stratified SRSWOR's: -(1 - f_h) / (n_h - 1) within a
    stratum and 1 - f_h on the diagonal, f_h = n_h / N_h, each unit with its own stratum."""
    d = TwoPhaseDesign(PHASE1, "in2", **DESIGNS["strat_fpc"])
    sub = PHASE1[PHASE1["in2"]]
    n_h = PHASE1["region"].map(PHASE1["region"].value_counts()).loc[sub.index].to_numpy(float)
    f = n_h / sub["N1"].to_numpy(float)
    same = sub["region"].to_numpy()[:, None] == sub["region"].to_numpy()[None, :]
    d1 = np.where(same, -(1 - f)[:, None] / (n_h[:, None] - 1), 0.0)
    np.fill_diagonal(d1, 1 - f)
    d2 = d._dcheck_phase2
    x = d.variable("hours") * d.weights
    assert d.phase_variances("hours")["phase1"] == pytest.approx(
        x @ (d1 + d2 - d1 * d2) @ x - x @ d2 @ x, rel=1e-12
    )


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"subset": "flag"}, "unknown subset column 'flag'"),
        ({"subset": "screen", "strata2": "nope"}, "unknown strata2 column 'nope'"),
        ({"subset": "victim"}, "missing value"),
        ({"subset": "in2", "fpc1": "nope"}, "unknown fpc1 column"),
    ],
)
def test_bad_twophase_arguments(kwargs, message):
    with pytest.raises(DataError, match=message):
        TwoPhaseDesign(PHASE1, **kwargs)


# --------------------------------------------------------------------------- regression, calibration
@pytest.mark.parametrize("name", sorted(DESIGNS))
def test_regression_uses_the_two_phase_variance(name):
    """svyglm on a two-phase design: the estimating functions go through twophase2var."""
    ref = R[name]["glm"]
    fit = TwoPhaseDesign(PHASE1, "in2", **DESIGNS[name]).glm("hours ~ victim")
    np.testing.assert_allclose(fit.params, ref["coef"], rtol=1e-9)
    if name == "strat_fpc":  # R's phase-one indexing slip, as above
        return
    np.testing.assert_allclose(fit.bse, ref["se"], rtol=1e-9)


CALIBRATIONS = {
    "phase2_age": ("strat_fpc_equal", ["age"], {}),
    "phase2_age_region": ("strat_fpc_equal", ["age", "region"], {}),
    "phase2_age_raking": ("strat_fpc_equal", ["age"], {"calfun": "raking"}),
    "phase2_iid_age": ("iid", ["age"], {}),
}


@pytest.mark.parametrize("key", sorted(CALIBRATIONS))
def test_calibration_to_phase_one_as_r(key):
    """R's calibrate(d, phase = 2, formula): the subsample calibrated to the phase-one
    sample's totals; the calibration leaves the phase-one part alone and is removed from
    the phase-two part."""
    ref = R["calibration"][key]
    name, columns, options = CALIBRATIONS[key]
    design = TwoPhaseDesign(PHASE1, "in2", **DESIGNS[name])
    cal = design.calibrate_to_phase_one(columns, **options)
    np.testing.assert_allclose(cal.weights, ref["weights"], rtol=1e-9)
    m, t = cal.mean("victim"), cal.total("hours")
    phases = cal.phase_variances("hours")
    for got, want in (
        (m.value, ref["mean_victim"]),
        (m.std_error, ref["mean_victim_se"]),
        (t.value, ref["total_hours"]),
        (t.std_error, ref["total_hours_se"]),
        (phases["phase1"], ref["phase1_var_total"]),
        (phases["phase2"], ref["phase2_var_total"]),
    ):
        assert got == pytest.approx(want, rel=1e-8)
    # the sample's own age total is reproduced by the subsample (weights within phase one), to
    # the calibration's convergence tolerance (epsilon 1e-7 for raking)
    within = cal.weights / (1 / design.pi1)
    assert within @ cal.data["age"] == pytest.approx(PHASE1["age"].sum(), rel=1e-7)


def test_phase_one_calibration_with_a_census_phase_two_is_one_phase_calibration():
    """R cannot check this (its calibrate(d, phase = 1) stops with an indexing error in 4.1.1
    and 4.5). When phase two keeps every phase-one row, the phase-two part vanishes and a
    phase-one calibration must give what calibrating the one-phase stratified design gives."""
    data = PHASE1.assign(all_in=True, hours=PHASE1["hours"].fillna(10.0))
    two = TwoPhaseDesign(data, "all_in", strata1="region", fpc1="N1")
    one = SurveyDesign(data, strata="region", fpc="N1")
    totals = {"age": 8500 * 41.5}
    cal2, cal1 = two.calibrate(totals, 8500), one.calibrate(totals, 8500)
    np.testing.assert_allclose(cal2.weights, cal1.weights, rtol=1e-12)
    assert cal2.total("hours").std_error == pytest.approx(cal1.total("hours").std_error, rel=1e-9)
    assert cal2.mean("hours").std_error == pytest.approx(cal1.mean("hours").std_error, rel=1e-9)
    with pytest.warns(EstimationWarning, match="the weights were calibrated to it"):
        assert cal2.total("age").std_error < 1e-6  # the calibrated total itself
    assert cal2.phase_variances("hours")["phase2"] == pytest.approx(0.0, abs=1e-6)


def test_phase_one_calibration_changes_only_the_phase_one_part():
    design = TwoPhaseDesign(PHASE1, "in2", **DESIGNS["strat_fpc_equal"])
    cal = design.calibrate({"age": 8000 * 41.5}, 8000)
    before, after = design.phase_variances("hours"), cal.phase_variances("hours")
    assert after["phase1"] != pytest.approx(before["phase1"], rel=1e-3)
    # every phase-one row's weight was calibrated: the phase-one sample reproduces the totals
    assert cal._phase1_weights.sum() == pytest.approx(8000, rel=1e-10)
    assert cal._phase1_weights @ PHASE1["age"] == pytest.approx(8000 * 41.5, rel=1e-10)


def test_two_phase_calibration_refusals():
    design = TwoPhaseDesign(PHASE1, "in2", **DESIGNS["strat_fpc_equal"])
    with pytest.raises(DataError, match="phase-one data have columns"):
        design.calibrate_to_phase_one("agee")
    with pytest.raises(DataError, match="missing value at row 2 of phase one"):
        design.calibrate_to_phase_one("hours")  # known only in the subsample
    with pytest.raises(DataError, match="poststratify is not available for two-phase"):
        design.poststratify("region", {"north": 6000, "south": 2500})
    with pytest.raises(DataError, match="stage= and aggregate= are not available"):
        design.calibrate({"age": 1.0}, 10, stage=1)
    with pytest.raises(DataError, match="replicate weights for two-phase"):
        design.replicate("jk1")


def test_sarndal_example_from_r_survey_tests():
    """R survey's tests/twophase.R (Tsuchiya's report for version 3.4): a phase-one simple
    random sample of 20 from 300, phase two stratified by h (5 of 12, 3 of 8).
    twophase.Rout.save prints vcov 36522.63 with phases 24072.63 and 12450, which equal
    Sarndal, Swensson and Wretman's (9.4.14) computed there."""
    rei = pd.DataFrame(
        {
            "id": range(1, 21),
            "N": 300,
            "h": [1] * 12 + [2] * 8,
            "sub": [True] * 5 + [False] * 7 + [True] * 3 + [False] * 5,
            "y": [1, 2, 3, 4, 5] + [np.nan] * 7 + [6, 7, 8] + [np.nan] * 5,
        }
    )
    design = TwoPhaseDesign(rei, "sub", strata2="h", fpc1="N")
    phases = design.phase_variances("y")
    assert round(phases["phase1"] + phases["phase2"], 2) == 36522.63
    assert round(phases["phase1"], 2) == 24072.63
    assert phases["phase2"] == pytest.approx(12450, rel=1e-12)
    assert design.total("y").std_error ** 2 == pytest.approx(36522.63, abs=0.005)
    # Sarndal et al. (9.4.14) written out, as the R test does
    n_a, N = 20, 300
    sizes = {1: (12, 5), 2: (8, 3)}  # n_ah, n_h
    s2 = {1: np.var([1, 2, 3, 4, 5], ddof=1), 2: np.var([6, 7, 8], ddof=1)}
    ybar = {1: 3.0, 2: 7.0}
    w = {h: sizes[h][0] / n_a for h in sizes}
    y_u = sum(w[h] * ybar[h] for h in sizes)
    V = sum(
        N
        * (N - 1)
        * ((sizes[h][0] - 1) / (n_a - 1) - (sizes[h][1] - 1) / (N - 1))
        * w[h]
        * s2[h]
        / sizes[h][1]
        + N * (N - n_a) * w[h] * (ybar[h] - y_u) ** 2 / (n_a - 1)
        for h in sizes
    )
    assert phases["phase1"] + phases["phase2"] == pytest.approx(V, rel=1e-12)


def test_two_phase_simple_random_sampling_is_the_subsample_mean():
    """R's tests/twophase.R (pbc): with no strata and no fpc, the mean is the subsample's and
    its SE sd/sqrt(n) to within 0.2% (R's tolerance)."""
    data = PHASE1.assign(hours=PHASE1["hours"])
    design = TwoPhaseDesign(data, "in2")
    sub = data.loc[data["in2"], "hours"]
    est = design.mean("hours")
    assert est.value == pytest.approx(sub.mean(), rel=1e-12)
    assert est.std_error == pytest.approx(sub.std(ddof=1) / np.sqrt(len(sub)), rel=0.002)


def test_two_stage_sampling_as_two_phase_with_clusters():
    """R survey's tests/twophase.R: mu284's two-stage sample written as a phase-one cluster
    sample (each sampled cluster's every element, phantom rows added) and a phase-two sample
    within clusters gives the two-stage totals, means and SEs (all.equal TRUE in R); values
    from r_twophase_clusters.R, with the phase split of method "full"."""
    ref = json.loads((HERE / "r_twophase_clusters.json").read_text())
    mu284 = pd.read_csv(HERE / "data" / "mu284.csv")
    ii = list(range(15)) + [i for i in range(5) for _ in range(int(mu284["n2"].iloc[i]) - 3)]
    phase1 = mu284.iloc[ii].reset_index(drop=True)
    phase1["sub"] = [True] * 15 + [False] * (len(phase1) - 15)
    two_phase = TwoPhaseDesign(phase1, "sub", clusters1="id1", strata2="id1", fpc1="n1")
    two_stage = SurveyDesign(mu284, clusters=["id1", "id2"], fpc=["n1", "n2"])
    for design in (two_phase, two_stage):
        t, m = design.total("y1"), design.mean("y1")
        assert t.value == pytest.approx(ref["full"]["total"]["estimate"], rel=1e-12)
        assert t.std_error == pytest.approx(ref["full"]["total"]["se"], rel=1e-10)
        assert m.value == pytest.approx(ref["full"]["mean"]["estimate"], rel=1e-12)
        assert m.std_error == pytest.approx(ref["full"]["mean"]["se"], rel=1e-10)
    phases = two_phase.phase_variances("y1")
    assert phases["phase1"] == pytest.approx(ref["full"]["phase1"], rel=1e-10)
    assert phases["phase2"] == pytest.approx(ref["full"]["phase2"], rel=1e-10)

    # Without a phase-one fpc R treats the phase-one *elements* as independent draws (its
    # phase-one Dcheck is the identity), ignoring the clusters; here clusters sampled with
    # replacement keep their clustering: the phase-one part is x'(S - S D2)x with S the
    # same-cluster indicator. Leaving the clusters out reproduces R's numbers exactly.
    nofpc = ref["full_nofpc"]
    as_r = TwoPhaseDesign(phase1, "sub", strata2="id1")
    t = as_r.total("y1")
    assert t.value == pytest.approx(nofpc["total"]["estimate"], rel=1e-12)
    assert t.std_error == pytest.approx(nofpc["total"]["se"], rel=1e-10)
    assert as_r.phase_variances("y1")["phase1"] == pytest.approx(nofpc["phase1"], rel=1e-10)
    clustered = TwoPhaseDesign(phase1, "sub", clusters1="id1", strata2="id1")
    phases = clustered.phase_variances("y1")
    assert phases["phase2"] == pytest.approx(nofpc["phase2"], rel=1e-10)
    x = clustered.variable("y1") * clustered.weights
    ids = clustered.data["id1"].to_numpy()
    same_cluster = (ids[:, None] == ids[None, :]).astype(float)
    d2 = clustered._dcheck_phase2
    assert phases["phase1"] == pytest.approx(x @ (same_cluster - same_cluster * d2) @ x, rel=1e-12)
    assert phases["phase1"] > nofpc["phase1"]  # the clustering adds variance here


def test_phase_one_clusters_must_nest_in_strata():
    data = PHASE1.assign(cluster=np.arange(len(PHASE1)) % 7)
    with pytest.raises(DataError, match="lies in more than one phase-one stratum"):
        TwoPhaseDesign(data, "in2", clusters1="cluster", strata1="region", strata2="screen")
