"""Network scale-up against networkreporting 0.3.1 on its Rwanda survey, and on known truth."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from prevalence import DataError, Estimate, EstimationWarning, SurveyDesign
from prevalence.network import ScaleUp
from prevalence.network.answers import known_population_degrees

N_RWANDA = 10718378


def _design(survey: pd.DataFrame) -> SurveyDesign:
    return SurveyDesign(survey, weights="indweight", strata="region", clusters="cluster")


def _fit(model: ScaleUp, data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimationWarning)  # one row lacks an answer
        return model.fit(data)


@pytest.mark.parametrize("hidden", ["sex.workers", "idu"])
def test_weighted_unweighted_and_killworth_match_networkreporting(rwanda, nsum_reference, hidden):
    survey, known = rwanda
    ref = nsum_reference[hidden]
    assert nsum_reference["total_popn_size"] == N_RWANDA
    model = ScaleUp(hidden, known, N_RWANDA, topcode=nsum_reference["topcode"], n_boot=50, seed=1)
    weighted = _fit(model, _design(survey))
    assert weighted.value == pytest.approx(ref["weighted"], rel=1e-9)
    assert weighted.details["sum_weighted_degree"] == pytest.approx(ref["weighted_sum_d"], rel=1e-9)
    assert weighted.details["unweighted_estimate"] == pytest.approx(ref["unweighted"], rel=1e-9)
    plain = _fit(ScaleUp(hidden, known, N_RWANDA, topcode=30, interval="killworth"), survey)
    assert plain.value == pytest.approx(ref["unweighted"], rel=1e-9)
    assert plain.std_error == pytest.approx(ref["killworth_se"], rel=1e-9)
    assert plain.interval_method == "wald"


def test_degrees_match_networkreporting(rwanda, nsum_reference):
    survey, known = rwanda
    ref = nsum_reference["degree"]
    model = ScaleUp("idu", known, N_RWANDA, topcode=30)
    degrees = model.degrees(survey)
    np.testing.assert_allclose(degrees.to_numpy()[:10], ref["first10"], rtol=1e-9)
    # R gives the one respondent with a missing known-population answer degree 0 (it then
    # adds nothing to the estimate); here that degree is nan, so the mean counts it as 0
    assert int(degrees.isna().sum()) == 1
    assert degrees.fillna(0.0).mean() == pytest.approx(ref["mean_unweighted"], rel=1e-9)
    assert model.mean_degree(_design(survey)) == pytest.approx(
        ref["weighted_mean_kp_estimator"], rel=1e-9
    )


def test_rescaled_bootstrap_within_monte_carlo_error_of_r(rwanda, nsum_reference):
    """R's run is 1000 replicates with one seed; ours with 20,000 is close to the bootstrap's
    limit. The difference must lie within R's own Monte Carlo error: the standard deviation of
    a 1000-replicate sd is about sd / sqrt(2 * 999), of a 2.5% quantile about
    sqrt(0.025 * 0.975 / 1000) / density."""
    survey, known = rwanda
    for hidden in ("sex.workers", "idu"):
        ref = nsum_reference[hidden]["rescaled_bootstrap"]
        est = _fit(
            ScaleUp(hidden, known, N_RWANDA, topcode=30, n_boot=20_000, seed=5), _design(survey)
        )
        draws = est.draws
        sd_error = ref["sd"] / math.sqrt(2 * (ref["reps"] - 1))
        assert abs(est.std_error - ref["sd"]) < 3 * sd_error
        for q, key in ((0.025, "q025"), (0.975, "q975")):
            lo, hi = np.quantile(draws, [q - 0.01, q + 0.01])
            density = 0.02 / (hi - lo)
            q_error = math.sqrt(q * (1 - q) / ref["reps"]) / density
            assert abs(np.quantile(draws, q) - ref[key]) < 3.5 * q_error, (hidden, key)


def test_internal_consistency_matches_networkreporting(rwanda, r_network_values):
    """R's nsum.internal.consistency(kp.method=TRUE, weights='indweight',
    missing='complete.obs', alter.popn.size=N), which counts missing answers as zero."""
    survey, known = rwanda
    ref = pd.DataFrame(r_network_values["nsum_internal_consistency"])
    ic = ScaleUp("idu", known, N_RWANDA, topcode=30, missing="zero").internal_consistency(
        _design(survey)
    )
    assert list(ic.table["known_population"]) == list(ref["name"])
    np.testing.assert_allclose(ic.table["estimate"], ref["estimate"], rtol=1e-9)
    assert ic.rmse == pytest.approx(r_network_values["nsum_internal_consistency_rmse"], rel=1e-9)
    assert ic.mean_absolute_relative_error == pytest.approx(
        r_network_values["nsum_internal_consistency_are"], rel=1e-9
    )
    fig = ic.plot()
    assert fig.axes[0].get_xscale() == "log"


@pytest.mark.parametrize("hidden", ["msm", "clients"])
def test_other_hidden_populations_match_r(rwanda, r_network_values, hidden):
    survey, known = rwanda
    ref = r_network_values["nsum_other"][hidden]
    est = _fit(ScaleUp(hidden, known, N_RWANDA, topcode=30, n_boot=20), _design(survey))
    assert est.value == pytest.approx(ref["weighted"], rel=1e-9)
    plain = _fit(ScaleUp(hidden, known, N_RWANDA, topcode=30, interval="killworth"), survey)
    assert plain.value == pytest.approx(ref["unweighted"], rel=1e-9)
    assert plain.std_error == pytest.approx(ref["killworth_se"], rel=1e-9)


def test_linearization_and_replicate_intervals_agree_with_survey_ratio(rwanda):
    survey, known = rwanda
    design = _design(survey)
    lin = _fit(ScaleUp("idu", known, N_RWANDA, topcode=30, interval="linearization"), design)
    boot = _fit(ScaleUp("idu", known, N_RWANDA, topcode=30, n_boot=2000, seed=3), design)
    assert lin.value == pytest.approx(boot.value, rel=1e-12)
    # the two variance estimators of one ratio agree roughly
    assert lin.std_error == pytest.approx(boot.std_error, rel=0.15)
    rep = design.replicate("jkn")
    jk = _fit(ScaleUp("idu", known, N_RWANDA, topcode=30), rep)
    assert jk.details["interval"] == "replicate"
    assert jk.value == pytest.approx(lin.value, rel=1e-12)
    # the delete-one-PSU jackknife of a ratio equals linearization to first order
    assert jk.std_error == pytest.approx(lin.std_error, rel=0.05)


def test_adjustments_divide_and_carry_uncertainty(rwanda):
    survey, known = rwanda
    design = _design(survey)
    base = _fit(ScaleUp("idu", known, N_RWANDA, topcode=30, n_boot=400, seed=2), design)
    fixed = _fit(
        ScaleUp(
            "idu",
            known,
            N_RWANDA,
            topcode=30,
            n_boot=400,
            seed=2,
            degree_ratio=0.5,
            transmission=0.8,
        ),
        design,
    )
    assert fixed.value == pytest.approx(base.value / 0.4, rel=1e-12)
    assert fixed.lower == pytest.approx(base.lower / 0.4, rel=1e-12)
    tau = Estimate(0.8, 0.6, 0.95, scale="proportion")
    uncertain = _fit(
        ScaleUp("idu", known, N_RWANDA, topcode=30, n_boot=400, seed=2, transmission=tau),
        design,
    )
    assert uncertain.value == pytest.approx(base.value / 0.8, rel=1e-12)
    width = (uncertain.upper - uncertain.lower) / uncertain.value
    assert width > (base.upper - base.lower) / base.value


def test_simulated_truth_is_recovered():
    """Respondents' ties drawn at random from a population with known group sizes: the
    scale-up estimate is consistent, and its bootstrap interval covers in most replicates."""
    rng = np.random.default_rng(11)
    total = 1_000_000
    sizes = {f"k{j}": s for j, s in enumerate([5_000, 12_000, 20_000, 8_000, 30_000])}
    hidden_size = 4_000
    covered = 0
    for r in range(40):
        n = 800
        degree = rng.gamma(2.0, 150.0, n)
        data = {k: rng.poisson(degree * s / total) for k, s in sizes.items()}
        data["hidden"] = rng.poisson(degree * hidden_size / total)
        est = ScaleUp("hidden", sizes, total, n_boot=300, seed=r).fit(pd.DataFrame(data))
        covered += est.lower <= hidden_size <= est.upper
    assert covered >= 33


def test_bad_input_is_named():
    df = pd.DataFrame({"a": [1, 2, 3], "b": [0, 1, 2], "h": [0, 1, 0]})
    with pytest.raises(DataError, match=r"column 'a' row 1.*negative"):
        ScaleUp("h", {"a": 10, "b": 20}, 1000).fit(df.assign(a=[1, -2, 3]))
    with pytest.raises(DataError, match=r"column 'b' row 2.*whole number"):
        ScaleUp("h", {"a": 10, "b": 20}, 1000).fit(df.assign(b=[0, 1, 2.5]))
    with pytest.raises(DataError, match=r"column 'h' row 0.*not a number"):
        ScaleUp("h", {"a": 10, "b": 20}, 1000).fit(df.assign(h=["x", 1, 0]))
    with pytest.raises(DataError, match="larger than the total"):
        ScaleUp("h", {"a": 10, "b": 2000}, 1000)
    with pytest.raises(DataError, match="missing or not positive"):
        ScaleUp("h", {"a": 10, "b": float("nan")}, 1000)
    with pytest.raises(DataError, match=r"\['c'\] not in the data"):
        ScaleUp("h", {"a": 10, "c": 20}, 1000).fit(df)
    with pytest.raises(DataError, match="sum to zero"):
        ScaleUp("h", {"a": 10, "b": 20}, 1000).fit(df.assign(a=0, b=0))
    with pytest.raises(DataError, match="row 1 has no answer"):
        ScaleUp("h", {"a": 10, "b": 20}, 1000, missing="error").fit(df.assign(a=[1, None, 3]))
    with pytest.raises(ValueError, match="interval must be one of"):
        ScaleUp("h", {"a": 10}, 1000, interval="exact")
    with pytest.raises(ValueError, match="degree_ratio must be a positive number"):
        ScaleUp("h", {"a": 10}, 1000, degree_ratio=0)
    with pytest.raises(DataError, match="needs a ReplicateDesign"):
        ScaleUp("h", {"a": 10, "b": 20}, 1000, interval="replicate").fit(df)


def test_nobody_known_is_said_not_hidden():
    df = pd.DataFrame({"a": [1, 2, 3, 1], "h": [0, 0, 0, 0]})
    with pytest.warns(EstimationWarning, match="cannot bound the population"):
        est = ScaleUp("h", {"a": 10}, 1000, n_boot=20, seed=1).fit(df)
    assert est.value == 0 and est.warnings


def test_missing_rules():
    answers = np.array([[1.0, np.nan], [2.0, 4.0]])
    sizes = np.array([100.0, 300.0])
    drop = known_population_degrees(answers, sizes, 1000.0, "drop")
    assert math.isnan(drop[0]) and drop[1] == pytest.approx(6 / 400 * 1000)
    assert known_population_degrees(answers, sizes, 1000.0, "available")[0] == pytest.approx(10.0)
    assert known_population_degrees(answers, sizes, 1000.0, "zero")[0] == pytest.approx(2.5)


def test_a_stratum_with_one_psu_is_named():
    df = pd.DataFrame(
        {
            "a": [1, 2, 3, 1, 2],
            "h": [0, 1, 0, 1, 0],
            "st": ["n", "n", "s", "s", "east"],
            "psu": [1, 2, 3, 4, 5],
            "w": 1.0,
        }
    )
    design = SurveyDesign(df, weights="w", strata="st", clusters="psu")
    with pytest.raises(DataError, match="stratum 'east' has one"):
        ScaleUp("h", {"a": 10}, 1000).fit(design)


def test_compare_two_surveys():
    rng = np.random.default_rng(4)
    sizes = {"k0": 5_000, "k1": 12_000, "k2": 20_000}

    def survey(hidden: int) -> pd.DataFrame:
        degree = rng.gamma(2.0, 150.0, 1500)
        data = {k: rng.poisson(degree * s / 1_000_000) for k, s in sizes.items()}
        data["hidden"] = rng.poisson(degree * hidden / 1_000_000)
        return pd.DataFrame(data)

    model = ScaleUp("hidden", sizes, 1_000_000, n_boot=500, seed=3)
    change = model.compare(survey(8_000), survey(5_000))
    assert change.difference.value < 0
    assert change.ratio.lower < 5 / 8 * 1.3 and change.ratio.upper > 5 / 8 * 0.8
    assert change.ratio.upper < 1
