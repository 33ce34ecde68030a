"""Simulation studies, scenarios, stratified estimation, plots and synthetic data sets."""

from __future__ import annotations

import math
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd
import pytest

from prevalence import (
    CaptureHistories,
    ClosedPopulationMSE,
    Comparison,
    DataError,
    Estimate,
    LogLinearMSE,
    Stratified,
    SurveyPrevalence,
    datasets,
    study,
)
from prevalence.simulate import CaptureScenario, SurveyScenario
from prevalence.workbench import summarise

PROBS = {"A": 0.3, "B": 0.25, "C": 0.2}
ESTIMATORS = {
    "independence": LogLinearMSE(interval="wald"),
    "bic": LogLinearMSE(select="bic", n_boot=20),
}
SCENARIOS = {
    "independent": CaptureScenario(1500, PROBS),
    "dependent": CaptureScenario(1500, PROBS, dependence={("A", "B"): 1.2}),
}


def _numbers(res):
    return res.results.drop(columns="seconds")


def test_study_results_and_summary():
    res = study(ESTIMATORS, SCENARIOS, 4, seed=3)
    r = res.results
    assert len(r) == 2 * 2 * 4
    assert list(r.columns) == [
        "scenario",
        "estimator",
        "replicate",
        "truth",
        "estimate",
        "lower",
        "upper",
        "seconds",
        "error",
    ]
    assert (r["truth"] == 1500).all() and (r["error"] == "").all()
    s = res.summary
    assert len(s) == 4 and set(s["estimator"]) == {"independence", "bic"}
    again = study(ESTIMATORS, SCENARIOS, 4, seed=3)
    pd.testing.assert_frame_equal(_numbers(res), _numbers(again))
    other = study(ESTIMATORS, SCENARIOS, 4, seed=4)
    assert not np.allclose(other.results["estimate"], r["estimate"])


def test_same_numbers_on_a_process_pool_and_a_dask_cluster():
    serial = study(ESTIMATORS, SCENARIOS, 3, seed=11)
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        pooled = study(ESTIMATORS, SCENARIOS, 3, seed=11, executor=pool)
    pd.testing.assert_frame_equal(_numbers(serial), _numbers(pooled))
    distributed = pytest.importorskip("dask.distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cl,
        distributed.Client(cl) as client,
    ):
        on_dask = study(ESTIMATORS, SCENARIOS, 3, seed=11, executor=client)
    pd.testing.assert_frame_equal(_numbers(serial), _numbers(on_dask))


class Exploding:
    def fit(self, data):
        raise RuntimeError("boom")


def test_failing_fits_are_recorded_not_fatal():
    res = study(
        {"ok": LogLinearMSE(interval="wald"), "bad": Exploding()},
        {"s": SCENARIOS["independent"]},
        3,
        seed=1,
    )
    bad = res.results[res.results["estimator"] == "bad"]
    assert (bad["error"] == "RuntimeError: boom").all() and bad["estimate"].isna().all()
    row = res.summary.set_index("estimator").loc["bad"]
    assert row["failures"] == 3 and row["failure_rate"] == 1.0
    assert res.summary.set_index("estimator").loc["ok", "failures"] == 0


def test_summary_figures_by_hand():
    results = pd.DataFrame(
        {
            "scenario": ["s"] * 4,
            "estimator": ["e"] * 4,
            "replicate": range(4),
            "truth": [100.0] * 4,
            "estimate": [90.0, 110.0, 120.0, np.nan],
            "lower": [80.0, 95.0, 105.0, np.nan],
            "upper": [105.0, 130.0, 115.0, np.nan],
            "seconds": [0.1] * 4,
            "error": ["", "", "", "fail"],
        }
    )
    row = summarise(results).iloc[0]
    assert row["bias"] == pytest.approx(20 / 3)
    assert row["relative_bias"] == pytest.approx(20 / 300)
    assert row["rmse"] == pytest.approx(math.sqrt((100 + 100 + 400) / 3))
    assert row["coverage"] == pytest.approx(2 / 3)
    assert row["mean_width"] == pytest.approx((25 + 35 + 10) / 3)
    assert row["failure_rate"] == 0.25


def test_study_argument_errors():
    with pytest.raises(DataError, match="replicates"):
        study(ESTIMATORS, SCENARIOS, 0)
    with pytest.raises(DataError, match="no fit method"):
        study({"x": object()}, SCENARIOS, 1)
    with pytest.raises(DataError, match="not callable"):
        study(ESTIMATORS, {"x": 3}, 1)


# ------------------------------------------------------------------ scenarios
def test_capture_scenario_dependence_and_heterogeneity():
    rng = np.random.default_rng(0)
    base = CaptureScenario(20000, PROBS)
    pos = CaptureScenario(20000, PROBS, dependence={("A", "B"): 1.5})
    neg = CaptureScenario(20000, PROBS, dependence={("A", "B"): -1.5})

    def log_odds_ratio(scenario):
        rec = scenario.records(rng)
        t = pd.crosstab(rec["A"], rec["B"]).to_numpy().astype(float)
        return math.log(t[1, 1] * t[0, 0] / (t[0, 1] * t[1, 0]))

    # people on neither A nor B are partly unseen, so compare against the independent lists' figure
    assert log_odds_ratio(pos) > log_odds_ratio(base) + 1.0
    assert log_odds_ratio(neg) < log_odds_ratio(base) - 1.0
    two = CaptureScenario([3000, 2000], PROBS, periods=2, classes=[(0.5, -1.0), (0.5, 1.0)])
    rec = two.records(1)
    assert set(rec["period"]) == {0, 1} and two.truth()["change"] == -1000
    with pytest.raises(DataError, match="shares must add up"):
        CaptureScenario(100, PROBS, classes=[(0.5, 0.0)])


def test_survey_scenario_gives_a_design_and_the_truth():
    scenario = SurveyScenario(
        strata=4,
        clusters_per_stratum=10,
        cluster_size=50,
        sampled_clusters=3,
        sampled_per_cluster=10,
    )
    design, truth = scenario(np.random.default_rng(2))
    est = SurveyPrevalence("victim").fit(design)
    assert 0 < truth < 1 and est.lower < est.value < est.upper
    frame, by_area = scenario.sample(3)
    assert {"stratum", "cluster", "area", "weight", "victim"} <= set(frame.columns)
    assert "all" in set(by_area["area"])


# ------------------------------------------------------------------ stratified estimation
def test_stratified_totals_and_comparison():
    scen = CaptureScenario(
        [6000, 4000], PROBS, strata={"north": (0.5, 0.0), "south": (0.5, -0.4)}, periods=2
    )
    rec = scen.records(5)
    prep = lambda df: CaptureHistories.from_records(df, lists=list(PROBS))  # noqa: E731
    est = Stratified(LogLinearMSE(), "stratum", prepare=prep, seed=1)
    base, end = rec[rec.period == 0], rec[rec.period == 1]
    total = est.fit(base)
    strata = est.fit_strata(base)
    assert total.value == pytest.approx(sum(e.value for e in strata.values()))
    assert total.lower < total.value < total.upper and total.draws.size == 10_000
    assert total.lower < 6000 < total.upper
    c = est.compare(base, end)
    assert isinstance(c, Comparison)
    assert list(c.difference.details["strata"]["stratum"]) == ["north", "south"]
    assert c.difference.upper < 0
    with_draws = Stratified(ClosedPopulationMSE("Mt"), "stratum", prepare=prep, seed=2).fit(base)
    assert isinstance(with_draws, Estimate)
    # records without a stratum label are reported, not dropped by the grouping
    unlabelled = base.assign(stratum=base["stratum"].where(base.index != base.index[3]))
    with pytest.raises(DataError, match=r"stratum column 'stratum' has 1 missing value\(s\) \(row"):
        est.fit(unlabelled)


# ------------------------------------------------------------------ plots
def test_plots_render(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from prevalence import plot

    res = study(ESTIMATORS, SCENARIOS, 2, seed=1)
    ch = SCENARIOS["independent"](np.random.default_rng(1))[0]
    a = LogLinearMSE().fit(ch)
    c = LogLinearMSE(seed=1).compare(ch, SCENARIOS["dependent"](np.random.default_rng(2))[0])
    for name, fig in (
        ("summary", plot.study_summary(res.summary)),
        ("forest", plot.forest({"a": a, "change": c})),
        ("overlap", plot.list_overlap(ch)),
    ):
        path = tmp_path / f"{name}.png"
        fig.savefig(path)
        assert path.stat().st_size > 5000


# ------------------------------------------------------------------ synthetic data sets
def test_synthetic_data_sets_are_reproduced_byte_for_byte(tmp_path):
    written = datasets.write_all(tmp_path)
    assert len(written) == len(datasets.names())
    for path in written:
        committed = datasets.DATA_DIR / path.name
        assert committed.exists(), (
            f"{committed} is missing: run python data/synthetic/make_datasets.py"
        )
        assert path.read_bytes() == committed.read_bytes(), path.name


def test_load_data_sets():
    base = datasets.load("captures_baseline")
    ch = CaptureHistories.from_counts(base)
    assert ch.lists == ("police", "ngo", "local_authority", "hotline")
    assert len(datasets.load("areas")) == 60
    with pytest.raises(DataError, match="unknown data set"):
        datasets.load("nope")
