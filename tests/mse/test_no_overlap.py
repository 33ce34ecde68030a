"""Lists that share nobody say nothing about the people on none of them: every estimator
that would give a number refuses instead (issue 17)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from prevalence import (
    BayesThresholdMSE,
    CaptureHistories,
    ClosedPopulationMSE,
    EstimationError,
    LogLinearMSE,
)
from prevalence.mse.algebra.existence import mle_exists

NO_OVERLAP = CaptureHistories.from_counts(
    pd.DataFrame({"A": [1, 0, 0], "B": [0, 1, 0], "C": [0, 0, 1], "count": [30, 20, 10]})
)


@pytest.mark.parametrize(
    "estimator",
    [
        LogLinearMSE(),
        ClosedPopulationMSE("M0"),
        ClosedPopulationMSE("Mt"),
        ClosedPopulationMSE("Mh Chao (LB)"),
        ClosedPopulationMSE("Mh Poisson2"),
        ClosedPopulationMSE("Mth Darroch"),
        BayesThresholdMSE(seed=1),
    ],
    ids=lambda e: getattr(e, "model", None) or type(e).__name__,
)
def test_no_overlap_is_refused(estimator):
    with pytest.raises(EstimationError, match="does not exist"):
        estimator.fit(NO_OVERLAP)


def test_behavioural_models_estimate_from_first_captures():
    """Mb estimates N from the fall in first captures (30, 20, 10: a removal estimate), which
    needs no overlap."""
    est = ClosedPopulationMSE("Mb").fit(NO_OVERLAP)
    assert 60 < est.value < 100 and np.isfinite(est.upper)


def test_one_person_on_two_lists_is_enough_for_m0():
    y = np.array([30.0, 20.0, 10.0, 1.0, 0.0, 0.0, 0.0])  # patterns A, B, C, AB, AC, BC, ABC
    k = np.array([1, 1, 1, 2, 2, 2, 3.0])
    X = np.column_stack([np.ones(7), k])
    assert mle_exists(X, y) and not mle_exists(X, np.where(k > 1, 0.0, y))
