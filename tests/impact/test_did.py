"""Difference in differences: against R survey (panel DiD on apistrat), closed forms, bad input."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from prevalence import DataError, Estimate, LogLinearMSE, SurveyDesign, SurveyPrevalence
from prevalence.impact import DifferenceInDifferences
from prevalence.simulate import simulate_captures

from ..survey.conftest import api

RTOL = 1e-6


@pytest.fixture(scope="module")
def ref(contrast_reference) -> dict:
    return contrast_reference


@pytest.fixture(scope="module")
def panel() -> SurveyDesign:
    """apistrat in long form: each school twice (1999, 2000), the school its own PSU.

    The same schools at two times: a panel. Domain estimation by (stype, year) in this design
    is R's svyby(~hi99+hi00, ~stype) on the wide data, covariance between years included.
    """
    wide = api("apistrat")
    long = pd.concat(
        [
            wide.assign(year=1999, high=(wide["api99"] >= 700).astype(float)),
            wide.assign(year=2000, high=(wide["api00"] >= 700).astype(float)),
        ],
        ignore_index=True,
    )
    return SurveyDesign(long, weights="pw", strata="stype", clusters="snum", fpc="fpc")


def _did(**kw) -> DifferenceInDifferences:
    args = dict(group="stype", period="year", treated="E", comparison="H", baseline=1999)
    args.update(endline=2000)
    args.update(kw)
    return DifferenceInDifferences(SurveyPrevalence("high"), **args)


def test_panel_did_equals_r_svycontrast(panel, ref):
    result = _did().fit(panel)
    c = ref["contrasts"]
    i = c["names"].index("did_E_minus_H")
    assert result.did.value == pytest.approx(c["estimate"][i], rel=RTOL)
    assert result.did.std_error == pytest.approx(c["se"][i], rel=RTOL)
    for group, name in (("programme", "change_E"), ("comparison", "change_H")):
        j = c["names"].index(name)
        assert result.changes[group].difference.value == pytest.approx(c["estimate"][j], rel=RTOL)
        assert result.changes[group].difference.std_error == pytest.approx(c["se"][j], rel=RTOL)
    # the four cells are R's domain means
    cells = {k: v.value for k, v in result.cells.items()}
    assert cells[("programme", "endline")] == pytest.approx(0.46, rel=RTOL)
    assert cells[("comparison", "baseline")] == pytest.approx(0.22, rel=RTOL)


def test_ratio_of_ratios_is_the_delta_method_on_the_cells(panel):
    result = _did().fit(panel)
    table = SurveyPrevalence("high").cell_table(panel, ["stype", "year"])
    by_delta = table.contrast(
        lambda v: math.log(v["E.2000"] / v["E.1999"] / (v["H.2000"] / v["H.1999"]))
    )
    assert math.log(result.ratio_of_ratios.value) == pytest.approx(by_delta.value, rel=1e-12)
    assert result.ratio_of_ratios.details["std_error_log"] == pytest.approx(
        by_delta.std_error, rel=1e-7
    )


def test_panel_narrower_than_independent_periods(panel):
    joint = _did().fit(panel)
    naive = _did(independent_periods=True).fit(panel)
    assert joint.did.value == naive.did.value
    assert joint.did.std_error < 0.8 * naive.did.std_error


def test_four_independent_mse_lists():
    lists = {"police": 0.3, "ngo": 0.25, "labour": 0.2}
    sizes = {("A", 0): 2000, ("A", 1): 1500, ("B", 0): 1800, ("B", 1): 1750}
    data = {
        k: simulate_captures(n, lists, seed=i).captures for i, (k, n) in enumerate(sizes.items())
    }
    did = DifferenceInDifferences(
        LogLinearMSE(), group="region", period="round", treated="A", baseline=0, endline=1, seed=4
    )
    result = did.fit(data)
    cells = result.cells
    expected = (
        cells[("programme", "endline")].value
        - cells[("programme", "baseline")].value
        - (cells[("comparison", "endline")].value - cells[("comparison", "baseline")].value)
    )
    assert result.did.value == pytest.approx(expected, rel=1e-12)
    assert result.did.draws_kind == "approximation"
    assert result.did.lower < -450 < result.did.upper  # true DiD -500 + 50 = -450
    assert (
        result.ratio_of_ratios.lower < (1500 / 2000) / (1750 / 1800) < result.ratio_of_ratios.upper
    )
    # same seed, same numbers
    again = did.fit(data)
    assert (again.did.lower, again.did.upper) == (result.did.lower, result.did.upper)


def test_posterior_draws_are_combined_draw_by_draw():
    rng = np.random.default_rng(11)
    sds = [30.0, 25.0, 20.0, 35.0]
    means = [1000.0, 800.0, 900.0, 880.0]
    n = 200_000
    cells = {
        (g, p): Estimate(m, m - 2 * s, m + 2 * s, draws=rng.normal(m, s, n), draws_kind="posterior")
        for (g, p), m, s in zip([("T", 0), ("T", 1), ("C", 0), ("C", 1)], means, sds, strict=True)
    }
    result = DifferenceInDifferences(
        LogLinearMSE(), group="g", period="p", treated="T", baseline=0, endline=1
    ).from_estimates(cells)
    assert result.did.draws_kind == "posterior"
    sd = math.sqrt(sum(s * s for s in sds))
    z = stats.norm.ppf(0.975)
    centre = (800 - 1000) - (880 - 900)
    assert result.did.lower == pytest.approx(centre - z * sd, abs=4 * sd / math.sqrt(n) * 3)
    assert result.did.upper == pytest.approx(centre + z * sd, abs=4 * sd / math.sqrt(n) * 3)
    p = result.probability_reduced(absolute=100)
    assert p.kind == "posterior"
    assert p.value == pytest.approx(stats.norm.cdf((-100 - centre) / sd), abs=0.005)


def test_records_frame_is_split_into_cells(panel):
    frame = panel.data[["stype", "year", "high", "pw", "snum"]]
    did = DifferenceInDifferences(
        _FrameMean(),
        group="stype",
        period="year",
        treated="E",
        comparison="H",
        baseline=1999,
        endline=2000,
        seed=1,
    )
    result = did.fit(frame)
    assert result.did.value == pytest.approx(0.04, rel=1e-12)


class _FrameMean:
    """A minimal estimator of a weighted mean (each cell an independent sample)."""

    def fit(self, data: pd.DataFrame) -> Estimate:
        design = SurveyDesign(data, weights="pw")
        return SurveyPrevalence("high").fit(design)


# ------------------------------------------------------------------ bad input
def test_bad_input(panel):
    with pytest.raises(DataError, match="programme group 'X' does not occur.*'E'"):
        _did(treated="X").fit(panel)
    with pytest.raises(DataError, match="endline period 2001 does not occur"):
        _did(endline=2001).fit(panel)
    with pytest.raises(DataError, match="unknown group column 'region'"):
        _did(group="region").fit(panel)
    with pytest.raises(DataError, match="2 values besides 'E'.*comparison="):
        DifferenceInDifferences(
            SurveyPrevalence("high"),
            group="stype",
            period="year",
            treated="E",
            baseline=1999,
            endline=2000,
        ).fit(panel)
    empty = SurveyDesign(
        panel.data[~((panel.data["stype"] == "H") & (panel.data["year"] == 2000))],
        weights="pw",
        strata="stype",
        clusters="snum",
        fpc="fpc",
    )
    with pytest.raises(DataError, match="cell stype='H', year=2000 has no data"):
        _did().fit(empty)
    with pytest.raises(DataError, match="cannot estimate cells within one survey design"):
        DifferenceInDifferences(
            LogLinearMSE(),
            group="stype",
            period="year",
            treated="E",
            comparison="H",
            baseline=1999,
            endline=2000,
        ).fit(panel)
    with pytest.raises(DataError, match="same period"):
        _did(endline=1999).fit(panel)


def test_cells_on_different_scales_are_refused():
    count = Estimate(1000.0, 900.0, 1100.0, scale="count")
    share = Estimate(0.1, 0.08, 0.12, scale="proportion")
    cells = {("T", 0): count, ("T", 1): count, ("C", 0): share, ("C", 1): share}
    did = DifferenceInDifferences(
        LogLinearMSE(), group="g", period="p", treated="T", baseline=0, endline=1
    )
    with pytest.raises(DataError, match="different scales"):
        did.from_estimates(cells)
    with pytest.raises(DataError, match=r"no estimate for the cell \('C', 1\)"):
        did.from_estimates({k: v for k, v in cells.items() if k != ("C", 1)})


def test_empty_cell_data_set():
    lists = {"a": 0.3, "b": 0.3}
    good = simulate_captures(500, lists, seed=1).captures
    did = DifferenceInDifferences(
        LogLinearMSE(), group="g", period="p", treated="T", baseline=0, endline=1
    )
    with pytest.raises(DataError, match=r"cell \('comparison', 'endline'\) has no data"):
        did.fit({("T", 0): good, ("T", 1): good, ("C", 0): good, ("C", 1): pd.DataFrame()})


def test_did_by_area_equals_r_svyby_contrasts(panel):
    """One DiD per level of `awards`, cells from one table, against R's svyby(~awards+stype)."""
    rec = json.loads(
        (Path(__file__).resolve().parents[1] / "survey" / "r_contrast_values.json").read_text()
    )["strat_by_awards_stype"]
    k = len(rec["names"])
    V = np.array(rec["vcov"]).reshape(k, k, order="F")
    est = np.array(rec["estimate"])
    results = _did().fit_by(panel, "awards")
    assert set(results) == {"Yes", "No"}
    for level, result in results.items():
        c = np.zeros(k)
        for name, coef in (("E:hi00", 1), ("E:hi99", -1), ("H:hi00", -1), ("H:hi99", 1)):
            c[rec["names"].index(f"{level}.{name}")] = coef
        assert result.did.value == pytest.approx(float(c @ est), rel=RTOL)
        assert result.did.std_error == pytest.approx(math.sqrt(c @ V @ c), rel=RTOL)
        assert result.labels["awards"] == level
