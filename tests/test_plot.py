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


def test_results_draw_themselves_into_the_callers_axes():
    """plot(ax=None) on Estimate, Comparison, DiDResult and TrendResult: a new figure by
    default, the caller's axes when given, and what is drawn is the result's own numbers."""
    import math

    import matplotlib.pyplot as plt

    from prevalence.core.compare import compare_estimates
    from prevalence.impact import Trend
    from prevalence.impact.results import DiDResult

    rng = np.random.default_rng(0)
    with_draws = Estimate(10.0, 8.0, 12.0, draws=rng.normal(10, 1, 500), draws_kind="bootstrap")
    fig = with_draws.plot()
    ax = fig.axes[0]
    assert len(ax.patches) > 10  # the histogram's bars
    assert ax.lines[0].get_xdata()[0] == 10.0  # the value marked
    plt.close(fig)
    fig, ax = plt.subplots()
    assert with_draws.plot(ax=ax, draws=False) is fig
    assert list(ax.lines[0].get_xdata()) == [8.0, 12.0] and not ax.patches
    plt.close(fig)
    with pytest.raises(TypeError, match="ax must be matplotlib axes, got str"):
        with_draws.plot(ax="left")

    b, e = Estimate(1000.0, 900.0, 1100.0, scale="count"), Estimate(800.0, 700.0, 900.0)
    comparison = compare_estimates(b, e, seed=1)
    fig = comparison.plot()
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["endline", "baseline"]
    assert "change -200" in ax.get_title() and ax.get_xlabel() == "count"
    plt.close(fig)

    cells = {
        ("programme", "baseline"): Estimate(0.2, 0.18, 0.22),
        ("programme", "endline"): Estimate(0.12, 0.1, 0.14),
        ("comparison", "baseline"): Estimate(0.21, 0.19, 0.23),
        ("comparison", "endline"): Estimate(0.19, 0.17, 0.21),
    }
    did = DiDResult(Estimate(-0.06, -0.09, -0.03), Estimate(0.66, 0.5, 0.8), cells, {})
    fig, ax = plt.subplots()
    assert did.plot(ax=ax) is fig
    programme = ax.lines[0]
    assert list(programme.get_ydata()) == [0.2, 0.12]
    assert "-0.06" in ax.get_title()
    plt.close(fig)

    times = [2020, 2021, 2022, 2023]
    series = [
        Estimate(v, v * math.exp(-0.1), v * math.exp(0.1)) for v in (0.2 * 0.9**k for k in range(4))
    ]
    trend = Trend().fit(series, times)
    fig = trend.plot()
    ax = fig.axes[0]
    assert "-10.0%" in ax.get_title()
    np.testing.assert_allclose(ax.lines[1].get_ydata(), [s.value for s in series])
    plt.close(fig)
