"""Partially pooled stratified MSE: input checks, counting, limiting cases, joint draws."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from prevalence import (
    CaptureHistories,
    DataError,
    DataWarning,
    EstimationWarning,
    LogLinearMSE,
    PooledStratifiedMSE,
)
from prevalence.core.details import check_details
from prevalence.mse.details import PooledStratumDetails
from prevalence.simulate import CaptureScenario, StratifiedCaptureScenario

LISTS = ["A", "B", "C", "D"]
FAST = {"draws": 400, "tune": 400, "chains": 2, "progress": False}


@pytest.fixture(scope="module")
def scenario():
    return StratifiedCaptureScenario.random(
        {"region": ["n", "s", "e"], "year": [2023, 2024]}, 4, seed=3
    )


@pytest.fixture(scope="module")
def records(scenario):
    return scenario.records(1)


@pytest.fixture(scope="module")
def fitted(records):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimationWarning)
        return PooledStratifiedMSE(LISTS, by=["region", "year"], seed=5, **FAST).fit(records)


# ------------------------------------------------------------------ bad input (no sampling)
def model(**kw):
    return PooledStratifiedMSE(kw.pop("lists", LISTS), by=kw.pop("by", ["region", "year"]), **kw)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lists": ["A", "B"]}, "at least three list columns"),
        ({"lists": "A"}, "at least three list columns"),
        ({"by": ["A"]}, "both a list and a stratum"),
        ({"by": []}, "by needs at least one name"),
        ({"lists": ["A", "B", "A"]}, "lists names 'A' more than once"),
        ({"structure": ["sex"]}, r"structure columns must be among by"),
        ({"interactions": "triples"}, "interactions must be 'pairs' or 'none'"),
        ({"absent": "auto"}, "absent must be 'empty', 'none' or a mapping"),
        ({"absent": {"Z": ["n"]}}, "absent names lists that are not in lists"),
        ({"priors": {"list_sd": -1}}, "prior scale 'list_sd' must be a positive number"),
        ({"priors": {"listsd": 1}}, "unknown prior 'listsd'"),
        ({"draws": 0}, "draws must be a whole number of at least 1"),
        ({"target_accept": 1.5}, r"target_accept must lie in \(0, 1\)"),
        ({"sampler": "gibbs"}, "sampler must be one of"),
        ({"cores": 0}, "cores must be a whole number of at least 1"),
    ],
)
def test_bad_settings(kwargs, message):
    with pytest.raises(DataError, match=message):
        model(**kwargs)


def test_bad_level():
    with pytest.raises(ValueError, match="level must lie strictly between 0 and 1"):
        model(level=1.5)


def test_missing_stratum_labels_are_reported_with_their_rows(records):
    bad = records.copy()
    bad.loc[[3, 7], "region"] = None
    with pytest.raises(
        DataError, match=r"stratum column 'region' has 2 missing value\(s\) \(row 3, row 7"
    ):
        model().prepare(bad)


def test_list_absent_everywhere_is_refused(records):
    with pytest.raises(DataError, match=r"list\(s\) \['D'\] record nobody in any stratum"):
        without = records.assign(D=0)
        model(absent="none").prepare(without[without[LISTS].sum(axis=1) > 0])


def test_stratum_with_nobody_observed_is_refused():
    counts = pd.DataFrame(
        {
            "region": ["n"] * 3 + ["s"] * 3,
            "A": [1, 0, 0] * 2,
            "B": [0, 1, 0] * 2,
            "C": [0, 0, 1] * 2,
            "n": [10, 12, 9, 0, 0, 0],
        }
    )
    with pytest.raises(DataError, match="stratum 's' has no observed people"):
        PooledStratifiedMSE(["A", "B", "C"], by="region", count="n").prepare(counts)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.drop(columns="C"), r"columns \['C'\] are not in the data"),
        (lambda f: f.assign(A=f.A.where(f.index != 4, 2)), "list column 'A' must hold 0/1 values"),
        (lambda f: f.assign(A=0, B=0, C=0, D=f.D.where(f.index != 2, 0)), "on none of the lists"),
        (lambda f: f.iloc[:0], "no rows"),
        (lambda f: pd.concat([f, f[["A"]]], axis=1), r"columns \['A'\] appear more than once"),
    ],
)
def test_bad_records(records, change, message):
    with pytest.raises(DataError, match=message):
        model(absent="none").prepare(change(records))


def test_not_a_frame_and_bad_counts(records):
    with pytest.raises(DataError, match="expects a DataFrame"):
        model().prepare(records.to_numpy())
    counts = records.assign(n=1.5)
    with pytest.raises(DataError, match="count column 'n' must hold non-negative whole numbers"):
        model(count="n").prepare(counts)


def test_absent_mapping_is_checked_against_the_data(records):
    with pytest.raises(DataError, match="names stratum .* which is not in the data"):
        model(absent={"D": [("w", 2023)]}).prepare(records)
    with pytest.raises(DataError, match="declared absent from stratum .* but records"):
        model(absent={"D": [("n", 2023)]}).prepare(records)


# ------------------------------------------------------------------ counting
def test_pattern_counts_by_stratum_match_a_crosstab(records):
    prepared = model(absent="none").prepare(records)
    assert prepared.labels == sorted(set(zip(records.region, records.year, strict=True)))
    code = records[LISTS].to_numpy() @ (1 << np.arange(4))
    for s, (region, year) in enumerate(prepared.labels):
        mine = (records.region == region) & (records.year == year)
        expected = np.bincount(code[mine], minlength=16)[1:]
        np.testing.assert_array_equal(prepared.counts[s], expected)
    # a table of pattern counts gives the same
    table = records.groupby(["region", "year", *LISTS]).size().rename("n").reset_index()
    again = model(absent="none", count="n").prepare(table)
    np.testing.assert_array_equal(again.counts, prepared.counts)


def test_empty_lists_become_structural_zeros_with_a_warning(records):
    thin = records[~((records.region == "n") & (records.year == 2023) & (records.D == 1))]
    with pytest.warns(DataWarning, match=r"'D' in \('n', 2023\)"):
        prepared = model().prepare(thin)
    s = prepared.labels.index(("n", 2023))
    assert prepared.present[s].tolist() == [True, True, True, False]
    on_d = (np.arange(1, 16) >> 3) & 1 == 1
    assert np.all(prepared.possible[s, on_d] == 0) and np.all(prepared.possible[s, ~on_d] == 1)
    # declaring it gives the same structure, without the warning
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        declared = model(absent={"D": [("n", 2023)]}).prepare(thin)
    np.testing.assert_array_equal(declared.possible, prepared.possible)


def test_stratum_with_one_operating_list_is_flagged():
    frame = pd.DataFrame(
        {
            "g": ["x"] * 6 + ["y"] * 3,
            "A": [1, 0, 0, 1, 1, 0, 1, 1, 1],
            "B": [0, 1, 0, 1, 0, 1, 0, 0, 0],
        }
    ).assign(C=[0, 0, 1, 0, 1, 1, 0, 0, 0])
    with pytest.warns(
        EstimationWarning, match=r"strata \['y'\] have fewer than two operating lists"
    ):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataWarning)
            PooledStratifiedMSE(["A", "B", "C"], by="g").prepare(frame)


# ------------------------------------------------------------------ fitting
def test_estimate_structure_and_joint_draws(fitted, records):
    strata = fitted.details["strata"]
    assert list(strata.columns[:2]) == ["region", "year"] and len(strata) == 6
    draws = fitted.details["stratum_draws"]
    np.testing.assert_allclose(fitted.draws, draws.sum(axis=1))
    assert fitted.draws_kind == "posterior" and fitted.scale == "count"
    assert fitted.lower <= fitted.value <= fitted.upper
    assert np.all(strata["lower"] >= strata["n_observed"])
    assert check_details(fitted.details, PooledStratifiedMSE.details_schema) == []
    for s, (label, est) in enumerate(fitted.details["by_stratum"].items()):
        assert check_details(est.details, PooledStratumDetails) == []
        assert label == fitted.details["labels"][s]
        np.testing.assert_array_equal(est.draws, draws[:, s])
        assert est.value == strata["value"].iloc[s]
    comparison = PooledStratifiedMSE(LISTS, by=["region", "year"]).compare_strata(
        fitted, [("n", 2023), ("s", 2023)], [("n", 2024), ("s", 2024)]
    )
    at = fitted.details["labels"].index
    expected = draws[:, [at(("n", 2024)), at(("s", 2024))]].sum(axis=1) - draws[
        :, [at(("n", 2023)), at(("s", 2023))]
    ].sum(axis=1)
    np.testing.assert_allclose(comparison.difference.draws, expected)
    with pytest.raises(DataError, match=r"endline: stratum \('w', 2024\) is not among the strata"):
        PooledStratifiedMSE(LISTS, by=["region", "year"]).compare_strata(
            fitted, ("n", 2023), ("w", 2024)
        )


def test_same_seed_same_draws(fitted, records):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimationWarning)
        again = PooledStratifiedMSE(LISTS, by=["region", "year"], seed=5, **FAST).fit(records)
    np.testing.assert_array_equal(again.draws, fitted.draws)


@pytest.mark.slow
def test_one_large_stratum_agrees_with_the_log_linear_mle():
    """One stratum of 20,000 people: the pooled model is then an ordinary Bayesian log-linear
    model with vague priors, and its posterior median of N lies within 1% of the maximum
    likelihood estimate of the same model (independence, and all two-list interactions)."""
    scenario = CaptureScenario(20_000, {"A": 0.2, "B": 0.3, "C": 0.25, "D": 0.15})
    rec = scenario.records(4)[LISTS].assign(g="all")
    captures = CaptureHistories.from_records(rec, lists=LISTS)
    for interactions, spec in (("none", "[1,2,3,4]"), ("pairs", "[12,13,14,23,24,34]")):
        mle = LogLinearMSE(spec, interval="none").fit(captures).value
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", EstimationWarning)
            est = PooledStratifiedMSE(LISTS, by="g", interactions=interactions, seed=1, **FAST).fit(
                rec
            )
        assert abs(est.value / mle - 1) < 0.01, (interactions, est.value, mle)


@pytest.mark.slow
def test_structured_strata_share_zero_sum_shifts(scenario, records):
    """structure=["year"]: each list has one shift per year, summing to zero over the years,
    on top of the shared list effects; the sampler has no divergences."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimationWarning)
        est = PooledStratifiedMSE(
            LISTS, by=["region", "year"], structure=["year"], seed=2, **FAST
        ).fit(records)
    shift = est.details["idata"].posterior["shift_year"].to_numpy()  # chains, draws, lists, years
    assert shift.shape[2:] == (4, 2)
    np.testing.assert_allclose(shift.sum(axis=3), 0.0, atol=1e-9)
    assert est.details["diagnostics"]["divergences"] == 0
    truth = scenario.sizes.sum()
    assert est.lower <= truth <= est.upper


def test_strata_pair_their_draws_in_compare_and_did(fitted):
    """Strata of one fit are draws of one posterior: compare_estimates and the DiD pair them
    draw by draw (the same as compare_strata), rather than treating them as independent."""
    from prevalence.core.compare import compare_estimates
    from prevalence.impact import DifferenceInDifferences

    s = fitted.details["by_stratum"]
    c = compare_estimates(s[("n", 2023)], s[("n", 2024)], seed=1)
    np.testing.assert_allclose(c.difference.draws, s[("n", 2024)].draws - s[("n", 2023)].draws)
    cells = {
        ("n", "before"): s[("n", 2023)],
        ("n", "after"): s[("n", 2024)],
        ("s", "before"): s[("s", 2023)],
        ("s", "after"): s[("s", 2024)],
    }
    did = DifferenceInDifferences(
        None, group="region", period="year", treated="n", baseline="before", endline="after"
    ).from_estimates(cells)
    expected = (s[("n", 2024)].draws - s[("n", 2023)].draws) - (
        s[("s", 2024)].draws - s[("s", 2023)].draws
    )
    assert did.did.value == pytest.approx(np.median(expected))
    assert "one joint posterior" in did.method


def test_profits_take_the_strata_of_one_fit(fitted):
    """Victims by stratum from one pooled fit enter the profits module as they are: with as
    many simulation draws as the posterior has, each stratum's column is its own draws in
    order (times a profit per victim of 999-1001); tests/profits/test_joint_strata.py checks
    that resampled draws stay paired."""
    from prevalence.profits import IllicitProfits, ProfitAssumption

    s = fitted.details["by_stratum"]
    keys = [("n", 2023), ("n", 2024)]
    per = {k[1]: ProfitAssumption(1000.0, 999.0, 1001.0) for k in keys}
    res = IllicitProfits(per, by="year", n_draws=len(s[keys[0]].draws), seed=1).fit(
        {k[1]: s[k] for k in keys}
    )
    ratio = res.draws.to_numpy() / np.column_stack([s[k].draws for k in keys])
    assert np.all(np.abs(ratio / 1000.0 - 1) < 0.005)


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["x", "y", "z"]), st.integers(1, 7), st.integers(0, 3)),
        min_size=1,
        max_size=80,
    ),
    st.randoms(use_true_random=False),
)
def test_counting_is_exact_and_order_free(rows, shuffle):
    """Any records: the pattern counts add up to the records of each stratum, and shuffling
    the records changes nothing."""
    frame = pd.DataFrame(
        [(g, code & 1, code >> 1 & 1, code >> 2 & 1, w) for g, code, w in rows],
        columns=["g", "A", "B", "C", "w"],
    )
    frame = frame[frame[["A", "B", "C"]].sum(axis=1) > 0]
    model = PooledStratifiedMSE(["A", "B", "C"], by="g", absent="none")
    if frame.empty or frame[["A", "B", "C"]].sum().min() == 0:
        return  # refused inputs are tested above
    prepared = model.prepare(frame)
    assert prepared.n_observed.tolist() == frame.groupby("g").size().sort_index().tolist()
    order = list(frame.index)
    shuffle.shuffle(order)
    again = model.prepare(frame.loc[order])
    np.testing.assert_array_equal(again.counts, prepared.counts)
    weighted = PooledStratifiedMSE(["A", "B", "C"], by="g", absent="none", count="w")
    on_lists = frame[["A", "B", "C"]].mul(frame["w"], axis=0).sum()
    if frame["w"].groupby(frame["g"]).sum().min() == 0:
        with pytest.raises(DataError, match="has no observed people"):
            weighted.prepare(frame)
    elif on_lists.min() == 0:
        with pytest.raises(DataError, match="record nobody in any stratum"):
            weighted.prepare(frame)
    else:
        counts = weighted.prepare(frame).counts
        assert counts.sum() == frame["w"].sum()
