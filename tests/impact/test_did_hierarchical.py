"""Difference in differences from the hierarchical model: the programme effect as a parameter."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from prevalence import DataError, EstimationWarning, HierarchicalPrevalence
from prevalence.impact import DifferenceInDifferences

FAST = {"draws": 400, "tune": 400, "chains": 2, "progress": False, "seed": 5}
EFFECT = -0.6  # logit-scale programme effect


@pytest.fixture(scope="module")
def areas() -> tuple[pd.DataFrame, float]:
    rng = np.random.default_rng(12)
    n_areas = 16
    u = rng.normal(0, 0.4, n_areas)
    v = rng.normal(0, 0.1, n_areas)
    prog = np.arange(n_areas) < n_areas // 2
    pop = rng.uniform(2e4, 2e5, n_areas)
    rows, truth = [], {}
    for t in (0, 1):
        p = 1 / (1 + np.exp(-(-2.3 + u + t * (-0.1 + v) + t * prog * EFFECT)))
        for g in (True, False):
            m = prog == g
            truth[(g, t)] = float(p[m] @ pop[m] / pop[m].sum())
        for a in range(n_areas):
            n = 400
            rows.append(
                {
                    "district": f"d{a}",
                    "programme": "yes" if prog[a] else "no",
                    "year": 2020 + 3 * t,
                    "cases": int(rng.binomial(n, p[a])),
                    "trials": n,
                    "population": pop[a],
                }
            )
    true_did = (truth[(True, 1)] - truth[(True, 0)]) - (truth[(False, 1)] - truth[(False, 0)])
    return pd.DataFrame(rows), true_did


@pytest.fixture(scope="module")
def result(areas):
    frame, _ = areas
    model = HierarchicalPrevalence(
        area="district", cases="cases", trials="trials", population="population", **FAST
    )
    did = DifferenceInDifferences(
        model, group="programme", period="year", treated="yes", baseline=2020, endline=2023
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimationWarning)
        return did.fit(frame)


def test_programme_effect_is_a_model_parameter(result):
    from prevalence.bayes.details import HierarchicalDetails
    from prevalence.core.details import check_details

    # the fit with a programme column and two periods: every optional key of the schema
    assert check_details(result.details["fit"].details, HierarchicalDetails) == []
    assert {"programme_effect", "group_draws", "change"} <= set(result.details["fit"].details)
    effect = result.details["programme_effect"]
    assert list(effect["period"]) == [2023]
    assert effect["lower"].iloc[0] < EFFECT < effect["upper"].iloc[0]
    assert effect["probability_negative"].iloc[0] > 0.95


def test_did_from_the_joint_posterior(result, areas):
    _, true_did = areas
    did = result.did
    assert did.draws_kind == "posterior"
    assert did.lower < true_did < did.upper
    cells = result.cells
    combined = (cells[("programme", "endline")].draws - cells[("programme", "baseline")].draws) - (
        cells[("comparison", "endline")].draws - cells[("comparison", "baseline")].draws
    )
    np.testing.assert_array_equal(did.draws, combined)
    assert did.value == pytest.approx(float(np.median(combined)))
    p = result.probability_reduced(absolute=0.0)
    assert p.kind == "posterior" and p.value == pytest.approx(float(np.mean(combined <= 0)))


def test_programme_must_be_constant_within_an_area(areas):
    frame, _ = areas
    bad = frame.copy()
    bad.loc[(bad["district"] == "d0") & (bad["year"] == 2023), "programme"] = "no"
    model = HierarchicalPrevalence(area="district", cases="cases", trials="trials", **FAST)
    did = DifferenceInDifferences(
        model, group="programme", period="year", treated="yes", baseline=2020, endline=2023
    )
    with pytest.raises(DataError, match="changes within area 'd0'"):
        did.fit(bad)
