"""Decomposable graphical model averaging against R ``dga`` (values in ../shared/reference)."""

from __future__ import annotations

import warnings
from itertools import combinations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prevalence import (
    CaptureHistories,
    DataError,
    DecomposableBMA,
    EstimationError,
    EstimationWarning,
)
from prevalence.mse import decomposable_graphs
from prevalence.simulate import simulate_captures

from ..conftest import load_reference_captures

DGA_SETS = ["Korea", "UK_4", "NewOrl_4"]


@pytest.mark.parametrize("name", DGA_SETS)
def test_posterior_equals_dga(mse_reference, name):
    ref = mse_reference[name]["dga"]
    captures = load_reference_captures(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimationWarning)  # NewOrl_4: grid of 15 x observed
        est = DecomposableBMA(delta=ref["delta"], seed=1).fit(captures)
    d = est.details
    assert d["delta"] == ref["delta"] == 2.0**-captures.n_lists  # the default is dga's 2^-t
    assert d["posterior_mean"] == pytest.approx(ref["mean"], rel=1e-9)
    assert d["quantiles"]["2.5%"] == ref["q025"]
    assert d["quantiles"]["50%"] == ref["q50"]
    assert d["quantiles"]["97.5%"] == ref["q975"]
    assert est.value == ref["q50"]
    assert est.interval == (ref["q025"], ref["q975"])


def test_default_delta_and_grid_are_dga_settings(mse_reference):
    captures = load_reference_captures("Korea")
    est = DecomposableBMA().fit(captures)
    assert est.details["delta"] == 0.125
    assert est.details["max_missing"] == 15 * captures.n_observed
    assert est.details["posterior_mean"] == pytest.approx(mse_reference["Korea"]["dga"]["mean"])


@pytest.mark.parametrize(("t", "count"), [(2, 2), (3, 8), (4, 61), (5, 822), (6, 18154)])
def test_number_of_decomposable_graphs(t, count):
    # OEIS A058862: labelled chordal graphs
    assert len(decomposable_graphs(t)) == count


def _chordal_brute_force(t, edges):
    """A graph is chordal iff it has no induced cycle of length 4 or more."""
    adj = {(i, j) for i, j in edges} | {(j, i) for i, j in edges}
    from itertools import permutations

    for k in range(4, t + 1):
        for subset in combinations(range(t), k):
            for perm in permutations(subset):
                if perm[0] != min(perm) or perm[1] > perm[-1]:
                    continue
                cyc = all((perm[i], perm[(i + 1) % k]) in adj for i in range(k))
                chords = any(
                    (perm[i], perm[j]) in adj
                    for i in range(k)
                    for j in range(i + 2, k)
                    if not (i == 0 and j == k - 1)
                )
                if cyc and not chords:
                    return False
    return True


def test_graphs_are_exactly_the_chordal_graphs_with_valid_cliques():
    t = 5
    graphs = decomposable_graphs(t)
    found = {g.edges for g in graphs}
    pairs = list(combinations(range(t), 2))
    for mask in range(2 ** len(pairs)):
        edges = tuple(p for k, p in enumerate(pairs) if mask >> k & 1)
        assert (edges in found) == _chordal_brute_force(t, edges)
    for g in graphs:
        adj = set(g.edges)
        sizes = sum(bin(c).count("1") for c in g.cliques) - sum(
            bin(s).count("1") for s in g.separators
        )
        assert sizes == t  # each list counted once net
        for c in g.cliques:
            members = [j for j in range(t) if c >> j & 1]
            assert all(p in adj for p in combinations(members, 2))
        covered = {
            p for c in g.cliques for p in combinations([j for j in range(t) if c >> j & 1], 2)
        }
        assert covered == adj


def _table(counts, names):
    t = len(names)
    codes = np.arange(1, 2**t)
    df = pd.DataFrame(((codes[:, None] >> np.arange(t)) & 1), columns=names)
    df["count"] = counts
    return df


@pytest.mark.filterwarnings("ignore::prevalence.EstimationWarning")
def test_list_order_does_not_matter():
    rng = np.random.default_rng(3)
    df = _table(rng.integers(0, 40, 15), ["A", "B", "C", "D"])
    a = DecomposableBMA(n_draws=0).fit(CaptureHistories.from_counts(df))
    perm = CaptureHistories.from_counts(df).reorder(["C", "A", "D", "B"])
    b = DecomposableBMA(n_draws=0).fit(perm)
    assert a.details["posterior_mean"] == pytest.approx(b.details["posterior_mean"], rel=1e-10)
    assert a.interval == b.interval
    pa = a.details["posterior"]["probability"].to_numpy()
    pb = b.details["posterior"]["probability"].to_numpy()
    np.testing.assert_allclose(pa, pb, rtol=1e-8, atol=1e-300)


def test_list_that_caught_nobody_changes_nothing():
    rng = np.random.default_rng(4)
    df = _table(rng.integers(1, 40, 7), ["A", "B", "C"])
    base = DecomposableBMA(n_draws=0).fit(CaptureHistories.from_counts(df))
    wide = df.copy()
    wide.insert(3, "Z", 0)
    with pytest.warns(Warning, match="caught nobody"):
        ch = CaptureHistories.from_counts(wide)
    est = DecomposableBMA(n_draws=0).fit(ch)
    assert est.details["posterior_mean"] == pytest.approx(base.details["posterior_mean"])


def test_seed_gives_identical_draws_and_model_table_is_a_distribution():
    captures = simulate_captures(1500, {"A": 0.3, "B": 0.25, "C": 0.2, "D": 0.3}, seed=2).captures
    a = DecomposableBMA(seed=11).fit(captures)
    b = DecomposableBMA(seed=11).fit(captures)
    np.testing.assert_array_equal(a.draws, b.draws)
    assert a.draws.size == 4000
    models = a.details["models"]
    assert len(models) == 61
    assert models["weight"].sum() == pytest.approx(1.0)
    assert models["weight"].is_monotonic_decreasing
    # truth inside the 95% interval for independent lists, and the draws follow the posterior
    assert a.lower <= 1500 <= a.upper
    assert np.median(a.draws) == pytest.approx(a.details["posterior_median"], rel=0.02)


def test_short_grid_warns():
    df = _table([30, 25, 2, 20, 1, 1, 0], ["A", "B", "C"])
    with pytest.warns(EstimationWarning, match="raise max_missing"):
        est = DecomposableBMA(max_missing=50).fit(CaptureHistories.from_counts(df))
    assert est.warnings


def test_bad_settings_and_data_are_named():
    with pytest.raises(ValueError, match="delta"):
        DecomposableBMA(delta=0)
    with pytest.raises(ValueError, match="point"):
        DecomposableBMA(point="mode")
    with pytest.raises(ValueError, match="n_prior"):
        DecomposableBMA(n_prior="jeffreys")
    two = pd.DataFrame({"A": [1, 0, 1], "B": [0, 1, 1], "count": [5, 6, 7]})
    with pytest.raises(DataError, match="3 to 6 lists"):
        DecomposableBMA().fit(CaptureHistories.from_counts(two))
    with pytest.raises(ValueError, match="one log prior weight"):
        df = _table([30, 25, 2, 20, 1, 1, 3], ["A", "B", "C"])
        DecomposableBMA(n_prior=lambda n: np.zeros(3)).fit(CaptureHistories.from_counts(df))


@pytest.mark.filterwarnings("ignore::prevalence.EstimationWarning")
def test_uniform_prior_and_graph_prior():
    df = _table([30, 25, 2, 20, 1, 1, 3], ["A", "B", "C"])
    ch = CaptureHistories.from_counts(df)
    inverse = DecomposableBMA(n_draws=0).fit(ch)
    flat = DecomposableBMA(n_prior="uniform", n_draws=0, max_missing=5000).fit(ch)
    assert flat.details["posterior_mean"] > inverse.details["posterior_mean"]
    # a graph prior that puts all weight on independence gives that model alone
    only_independence = DecomposableBMA(
        graph_prior=lambda g: 0.0 if not g.edges else -np.inf, n_draws=0
    ).fit(ch)
    models = only_independence.details["models"]
    assert models.iloc[0]["model"] == "[1,2,3]"
    assert models.iloc[0]["weight"] == pytest.approx(1.0)


@pytest.mark.filterwarnings("ignore::prevalence.EstimationWarning")
@pytest.mark.filterwarnings("ignore::prevalence.DataWarning")
@settings(max_examples=25, deadline=None)
@given(
    counts=st.lists(st.integers(0, 40), min_size=15, max_size=15),
    perm=st.permutations(range(4)),
)
def test_property_list_permutation_leaves_the_posterior_unchanged(counts, perm):
    names = ["A", "B", "C", "D"]
    df = _table(counts, names)
    try:
        captures = CaptureHistories.from_counts(df)
    except DataError:
        return  # fewer than two lists caught anyone
    if captures.n_lists < 3:
        return
    a = DecomposableBMA(n_draws=0, max_missing=2000).fit(captures)
    b = DecomposableBMA(n_draws=0, max_missing=2000).fit(
        captures.reorder([captures.lists[j] for j in perm if j < captures.n_lists])
    )
    assert b.details["posterior_mean"] == pytest.approx(a.details["posterior_mean"], rel=1e-9)
    assert b.interval == a.interval


def test_priors_that_exclude_everything_are_refused():
    df = _table([30, 25, 2, 20, 1, 1, 3], ["A", "B", "C"])
    with pytest.raises(EstimationError, match="zero prior or posterior weight"):
        DecomposableBMA(n_prior=lambda n: np.full(n.shape, -np.inf)).fit(
            CaptureHistories.from_counts(df)
        )


def test_a_grid_too_large_for_memory_is_refused_before_it_is_built():
    """Five lists of 3.4 million people: the default grid (15 x n values of N) would take
    about 15 GB; refused with the figures and the setting that bounds it."""
    counts = pd.DataFrame(
        {
            "A": [1, 0, 1, 0, 1, 0, 1, 0],
            "B": [0, 1, 1, 0, 0, 1, 1, 0],
            "C": [0, 0, 0, 1, 1, 1, 1, 0],
            "D": [0, 0, 0, 0, 0, 0, 0, 1],
            "E": [1, 0, 0, 0, 0, 0, 0, 1],
            "count": [3_000_000, 200_000, 50_000, 100_000, 20_000, 30_000, 5_000, 4_000],
        }
    )
    with pytest.raises(DataError, match=r"grid of 51,135,001 values of N .* give max_missing"):
        DecomposableBMA().fit(CaptureHistories.from_counts(counts))
