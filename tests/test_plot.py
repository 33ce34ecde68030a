"""Plot functions draw into the caller's axes when given and never change the backend."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest

from prevalence import CaptureHistories, DataError, Estimate, plot

CAPTURES = CaptureHistories.from_counts(
    pd.DataFrame({"A": [1, 0, 1, 1], "B": [0, 1, 1, 0], "C": [0, 0, 0, 1], "n": [30, 20, 6, 5]}),
    count="n",
)
SUMMARY = pd.DataFrame(
    {
        "scenario": ["s1", "s1"],
        "estimator": ["e1", "e2"],
        "coverage": [0.95, 0.9],
        "relative_bias": [0.01, -0.02],
    }
)
CARD = pd.DataFrame(
    {
        "area": ["north"],
        "baseline": [100.0],
        "change": [-10.0],
        "change_lower": [-20.0],
        "change_upper": [0.0],
    }
)


@pytest.fixture
def pdf_backend():
    before = matplotlib.get_backend()
    matplotlib.use("pdf")  # a non-interactive backend other than Agg, as a user might choose
    yield
    matplotlib.use(before)


def test_the_backend_is_the_callers(pdf_backend):
    import matplotlib.pyplot as plt

    figures = [
        plot.forest({"a": Estimate(10.0, 8.0, 12.0, method="x")}),
        plot.scorecard(CARD),
        plot.list_overlap(CAPTURES),
        plot.study_summary(SUMMARY),
    ]
    assert matplotlib.get_backend() == "pdf"
    for fig in figures:
        plt.close(fig)


def test_plots_draw_into_the_callers_axes():
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2)
    assert plot.forest({"a": Estimate(10.0, 8.0, 12.0, method="x")}, ax=a) is fig
    assert len(a.lines) == 2  # the interval and the point
    assert plot.scorecard(CARD, ax=b) is fig
    fig2, axes = plt.subplots(2, 1)
    assert plot.list_overlap(CAPTURES, axes=axes) is fig2
    assert len(axes[0].patches) == 4  # one bar per pattern
    fig3, axes3 = plt.subplots(1, 2)
    assert plot.study_summary(SUMMARY, axes=axes3) is fig3
    with pytest.raises(DataError, match="axes must be two matplotlib axes, got 1"):
        plot.list_overlap(CAPTURES, axes=a)
    for f in (fig, fig2, fig3):
        plt.close(f)
    assert np.isfinite(a.get_xlim()).all()
