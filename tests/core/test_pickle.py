"""Estimates and comparisons pickle and deep-copy, and stay read-only (part of issue #17)."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pandas as pd
import pytest

from prevalence import CaptureHistories, Estimate, LogLinearMSE, SurveyDesign, SurveyPrevalence
from prevalence.core.compare import compare_estimates

pytestmark = pytest.mark.filterwarnings("ignore::prevalence.EstimationWarning")


def _captures(scale: int = 1) -> CaptureHistories:
    df = pd.DataFrame({"A": [1, 0, 1], "B": [0, 1, 1], "count": [60 * scale, 40, 20]})
    return CaptureHistories.from_counts(df)


def _same(a: Estimate, b: Estimate) -> None:
    assert (a.value, a.lower, a.upper, a.level, a.method) == (
        b.value,
        b.lower,
        b.upper,
        b.level,
        b.method,
    )
    assert a.warnings == b.warnings
    assert a.scale == b.scale and a.interval_method == b.interval_method
    assert set(a.details) == set(b.details)
    if a.draws is None:
        assert b.draws is None
    else:
        np.testing.assert_array_equal(a.draws, b.draws)


def _read_only(est: Estimate) -> None:
    with pytest.raises(TypeError):
        est.details["model"] = "changed"  # type: ignore[index]
    if est.draws is not None:
        with pytest.raises(ValueError):
            est.draws[0] = 0.0


@pytest.mark.parametrize("how", ["pickle", "deepcopy"])
def test_mse_estimate_round_trip(how):
    est = LogLinearMSE(select="bic", n_boot=400, seed=1).fit(_captures())
    back = pickle.loads(pickle.dumps(est)) if how == "pickle" else copy.deepcopy(est)
    _same(est, back)
    pd.testing.assert_frame_equal(est.details["models"], back.details["models"])
    _read_only(back)


def test_survey_estimate_and_comparison_round_trip():
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"victim": rng.integers(0, 2, 200), "w": rng.uniform(1, 3, 200)})
    est = SurveyPrevalence("victim").fit(SurveyDesign(frame, weights="w"))
    _same(est, pickle.loads(pickle.dumps(est)))
    cmp = compare_estimates(
        LogLinearMSE().fit(_captures()), LogLinearMSE().fit(_captures(2)), seed=1
    )
    back = pickle.loads(pickle.dumps(cmp))
    for name in ("baseline", "endline", "difference", "ratio"):
        _same(getattr(cmp, name), getattr(back, name))
        _read_only(getattr(back, name))
    assert copy.deepcopy(cmp).difference.value == cmp.difference.value
