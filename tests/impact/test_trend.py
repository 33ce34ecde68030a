"""Trends: exact cases, two periods against the panel comparison, closed-form probabilities,
coverage of the slope interval in a quick simulation, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from prevalence import DataError, Estimate, SurveyPrevalence
from prevalence.impact import Trend

from .test_did import panel  # noqa: F401  (fixture)


def _est(v: float, sd_log: float) -> Estimate:
    return Estimate(
        v, v * math.exp(-1.959963984540054 * sd_log), v * math.exp(1.959963984540054 * sd_log)
    )


def test_exact_log_linear_series():
    times = [2020, 2021, 2022, 2023, 2024]
    series = [_est(0.2 * 0.9**k, 0.05) for k in range(5)]
    fit = Trend().fit(series, times)
    assert fit.change_per_unit.value == pytest.approx(-0.1, rel=1e-10)
    assert fit.dispersion == 1.0  # no residual scatter
    # equal log-scale SEs: GLS is OLS, slope variance sd^2 / sum (t - tbar)^2
    se = 0.05 / math.sqrt(sum((t - 2022) ** 2 for t in times))
    assert fit.slope.std_error == pytest.approx(se, rel=1e-6)
    proj = fit.project(2030)
    assert proj.value == pytest.approx(0.2 * 0.9**10, rel=1e-10)
    # on track to halve by 2030: P(b <= log(0.5)/10)
    p = fit.probability_on_track(by=0.5, at=2030)
    expected = stats.norm.cdf((math.log(0.5) / 10 - math.log(0.9)) / se)
    assert p.value == pytest.approx(expected, rel=1e-6)
    assert p.kind == "normal"


def test_two_periods_of_a_panel_equal_the_panel_change(panel):  # noqa: F811
    table = SurveyPrevalence("high").cell_table(panel, ["year"])
    fit = Trend().fit(table, [1999, 2000])
    change = SurveyPrevalence("high").compare_panel(panel, "year", 1999, 2000)
    assert fit.slope.value == pytest.approx(math.log(change.ratio.value), rel=1e-12)
    assert fit.slope.std_error == pytest.approx(change.ratio.details["std_error_log"], rel=1e-9)


def test_overdispersion_widens_a_zigzag_series():
    times = list(range(8))
    values = [0.2 * 0.95**t * (1.15 if t % 2 else 0.87) for t in times]
    series = [_est(v, 0.02) for v in values]
    plain = Trend(overdispersion=False).fit(series, times)
    wide = Trend().fit(series, times)
    assert wide.dispersion > 5
    assert wide.slope.std_error == pytest.approx(
        plain.slope.std_error * math.sqrt(wide.dispersion), rel=1e-12
    )


def test_slope_interval_coverage_quick_simulation():
    """1,000 series of 6 independent log-normal estimates with known slope: 95% coverage."""
    rng = np.random.default_rng(2026)
    times = np.arange(6.0)
    sds = np.array([0.05, 0.08, 0.06, 0.1, 0.07, 0.05])
    truth = math.log(0.93)
    covered = 0
    n = 1000
    for _ in range(n):
        logs = math.log(0.15) + truth * times + rng.normal(0, sds)
        series = [_est(math.exp(y), s) for y, s in zip(logs, sds, strict=True)]
        fit = Trend(overdispersion=False).fit(series, times)
        covered += fit.slope.lower <= truth <= fit.slope.upper
    rate = covered / n
    assert abs(rate - 0.95) < 4 * math.sqrt(0.95 * 0.05 / n)


def test_draws_give_draw_based_probabilities():
    rng = np.random.default_rng(5)
    n = 4000
    series = [
        Estimate(
            v,
            v * 0.9,
            v * 1.1,
            draws=np.exp(rng.normal(math.log(v), 0.04, n)),
            draws_kind="posterior",
        )
        for v in (0.2, 0.18, 0.165, 0.15)
    ]
    fit = Trend().fit(series, [0, 1, 2, 3])
    assert fit.draws is not None and fit.draws.shape == (n, 2)
    p = fit.probability_on_track(by=0.3, at=4)
    assert p.kind == "posterior" and p.n_draws == n
    normal = Trend().fit([Estimate(e.value, e.lower, e.upper) for e in series], [0, 1, 2, 3])
    assert p.value == pytest.approx(normal.probability_on_track(by=0.3, at=4).value, abs=0.05)


def test_bad_input():
    series = [_est(0.2, 0.05), _est(0.18, 0.05), _est(0.17, 0.05)]
    fit = Trend().fit(series, [2022, 2023, 2024])
    with pytest.raises(DataError, match="before the baseline"):
        fit.project(2020)
    with pytest.raises(DataError, match="before the baseline"):
        fit.probability_on_track(by=0.5, at=2021)
    with pytest.raises(DataError, match="3 estimates but 2 times"):
        Trend().fit(series, [2022, 2023])
    with pytest.raises(DataError, match="same time"):
        Trend().fit(series, [2022, 2022, 2023])
    with pytest.raises(DataError, match="positive estimates"):
        Trend().fit([_est(0.2, 0.05), Estimate(0.0, 0.0, 0.01)], [1, 2])
    with pytest.raises(DataError, match="different scales"):
        Trend().fit(
            [Estimate(1.0, 0.9, 1.1, scale="count"), Estimate(0.1, 0.09, 0.11, scale="proportion")],
            [1, 2],
        )
