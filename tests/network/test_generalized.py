"""The generalized scale-up estimator: by hand, with weights, and its errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from prevalence import DataError, SurveyDesign
from prevalence.core.details import check_details
from prevalence.network import GeneralizedScaleUp
from prevalence.simulate import ScaleUpScenario

PROBES = {"nurses": 500, "teachers": 1500}


def test_estimate_by_hand_with_weights():
    frame = pd.DataFrame(
        {"hidden": [0, 1, 0, 2, 0, 1], "w": [10.0, 20, 10, 30, 10, 20], "psu": [1, 1, 2, 2, 3, 3]}
    )
    hidden = pd.DataFrame({"nurses": [1, 0, 2], "teachers": [2, 1, 3], "rw": [1.0, 2.0, 1.0]})
    est = GeneralizedScaleUp("hidden", PROBES, 60_000, hidden_weights="rw", n_boot=200, seed=1).fit(
        (SurveyDesign(frame, weights="w", clusters="psu"), hidden)
    )
    y_total = 60_000 * (20 + 60 + 20) / 100
    visibility = 60_000 / 2000 * (1 * 3 + 2 * 1 + 1 * 5) / 4
    assert est.value == pytest.approx(y_total / visibility, rel=1e-12)
    assert est.details["visibility"] == pytest.approx(visibility, rel=1e-12)
    assert est.lower < est.value < est.upper
    assert check_details(est.details, GeneralizedScaleUp.details_schema) == []
    assert est.details["n_observed"] == 6 + 3  # frame and hidden-population respondents
    same = GeneralizedScaleUp(
        "hidden", PROBES, 60_000, hidden_weights="rw", n_boot=200, seed=1
    ).fit({"frame": SurveyDesign(frame, weights="w", clusters="psu"), "hidden": hidden})
    np.testing.assert_array_equal(same.draws, est.draws)


def test_unaffected_by_barrier_and_transmission_on_a_simulated_network():
    known = {f"k{i}": s for i, s in enumerate([300, 500, 700, 900])}
    sc = ScaleUpScenario(
        20_000,
        300,
        known,
        respondents=1500,
        mean_degree=60,
        degree_ratio=0.5,
        transmission=0.6,
        hidden_respondents=250,
        population_seed=3,
    )
    values = [
        GeneralizedScaleUp("hidden", known, 20_000, n_boot=50, seed=r)
        .fit(sc(np.random.default_rng(r))[0])
        .value
        for r in range(12)
    ]
    assert np.mean(values) == pytest.approx(300, rel=0.08)


def test_bad_input():
    frame = pd.DataFrame({"hidden": [0, 1]})
    with pytest.raises(DataError, match="visibility column 'teachers' row 1 is missing"):
        GeneralizedScaleUp("hidden", PROBES, 60_000).fit(
            (frame, pd.DataFrame({"nurses": [1, 2], "teachers": [1, None]}))
        )
    with pytest.raises(DataError, match="visibility is zero"):
        GeneralizedScaleUp("hidden", PROBES, 60_000).fit(
            (frame, pd.DataFrame({"nurses": [0, 0], "teachers": [0, 0]}))
        )
    with pytest.raises(DataError, match="expects"):
        GeneralizedScaleUp("hidden", PROBES, 60_000).fit(frame)
    with pytest.raises(DataError, match="larger than the total"):
        GeneralizedScaleUp("hidden", {"a": 10**9}, 60_000)
