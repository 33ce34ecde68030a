"""Latent class MSE against R ``LCMCR`` (values in ../shared/reference) and on known truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from prevalence import CaptureHistories, EstimationWarning, LatentClassMSE
from prevalence.core.mcmc import chain_diagnostics
from prevalence.simulate import simulate_captures

from ..conftest import load_reference_captures

pytestmark = pytest.mark.filterwarnings("ignore::prevalence.EstimationWarning")

QUANTILES = {"q025": 0.025, "q50": 0.5, "q975": 0.975}


def _reference_settings(ref, chains, seed, samples=2000, thinning=50):
    return LatentClassMSE(
        K=ref["K"], burnin=10_000, samples=samples, thinning=thinning, chains=chains, seed=seed
    )


@pytest.mark.parametrize("name", ["Korea", "UK_4", "NewOrl_4"])
def test_median_and_mean_agree_with_lcmcr(mse_reference, name):
    """Reference settings (K=10, 10,000 burn-in, 2,000 draws thinned by 50), four chains pooled."""
    ref = mse_reference[name]["lcmcr"]
    est = _reference_settings(ref, chains=4, seed=20261125).fit(load_reference_captures(name))
    assert est.value == pytest.approx(ref["q50"], rel=0.05)
    assert est.details["posterior_mean"] == pytest.approx(ref["mean"], rel=0.05)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["Korea", "UK_4", "NewOrl_4"])
def test_lcmcr_figures_lie_within_the_run_to_run_spread_of_ours(mse_reference, name):
    """LCMCR's figures come from one chain (reference settings). 100 chains of ours with the
    same settings give the run-to-run (Monte Carlo) distribution of each figure; LCMCR's must
    lie within 5% of our runs' average or within 4 run-to-run standard deviations of it. A
    sampler of a posterior that moves a figure by more than both fails.

    Measured: NewOrl_4's 97.5% quantile averages 1,381 over these 100 runs (SD about 30); LCMCR's
    run gave 1,456, 2.5 SDs and 5.5% above. A line-by-line C++/GSL transliteration of LCMCR's
    sampler gives the same spread (60 seeds: average 1,385, SD 29, one run at 1,465), so the
    reference figure sits in the upper 2% of LCMCR's own Monte Carlo distribution. UK_4's
    posterior has a second, rarely visited mode near N = 4,500, so its 2.5% quantile varies
    widely from run to run (C++: average 9,501, SD 1,843; 15 of 60 runs visit the mode)."""
    ref = mse_reference[name]["lcmcr"]
    est = _reference_settings(ref, chains=100, seed=11).fit(load_reference_captures(name))
    per_chain = est.details["trace"].groupby("chain")["N"]
    runs = {key: per_chain.quantile(q).to_numpy() for key, q in QUANTILES.items()}
    runs["mean"] = per_chain.mean().to_numpy()
    for key, values in runs.items():
        centre, spread = values.mean(), values.std(ddof=1)
        close = abs(ref[key] / centre - 1) <= 0.05
        assert close or abs(ref[key] - centre) <= 4 * spread, (key, ref[key], centre, spread)


def test_seed_gives_identical_draws_whatever_the_threads():
    captures = simulate_captures(800, {"A": 0.3, "B": 0.25, "C": 0.35}, seed=3).captures
    kw = dict(burnin=500, samples=300, thinning=2, chains=3, seed=42)
    a = LatentClassMSE(**kw, n_jobs=1).fit(captures)
    b = LatentClassMSE(**kw, n_jobs=3).fit(captures)
    np.testing.assert_array_equal(a.draws, b.draws)
    c = LatentClassMSE(**{**kw, "seed": 43}).fit(captures)
    assert not np.array_equal(a.draws, c.draws)
    # the chains as ArviZ InferenceData, chain by chain in the order of the draws
    post = a.details["idata"].posterior
    assert post["N"].shape == (3, 300)
    np.testing.assert_array_equal(post["N"].to_numpy().ravel(), a.draws)
    assert set(post.data_vars) == {"N", "alpha", "occupied_classes"}


def test_known_truth_independent_lists():
    captures = simulate_captures(2000, {"A": 0.3, "B": 0.25, "C": 0.2, "D": 0.3}, seed=5).captures
    est = LatentClassMSE(burnin=2000, samples=1000, thinning=5, seed=1).fit(captures)
    assert est.lower <= 2000 <= est.upper
    assert est.value == pytest.approx(2000, rel=0.1)
    assert est.draws.size == 2000
    trace = est.details["trace"]
    assert set(trace.columns) == {"chain", "draw", "N", "alpha", "occupied_classes"}
    assert (trace["N"] >= captures.n_observed).all()
    assert est.details["diagnostics"]["max_rhat"] < 1.05


def _two_groups():
    lists = {"A": 0.55, "B": 0.5, "C": 0.6, "D": 0.45, "E": 0.5}
    easy = simulate_captures(1000, lists, seed=8).captures
    hard = simulate_captures(2000, {k: v / 4 for k, v in lists.items()}, seed=9).captures
    return CaptureHistories(easy.cell_counts + hard.cell_counts, easy.lists)


def test_known_truth_heterogeneous_catchability():
    # two hidden groups with very different catchability: the independence model falls far
    # short of the truth; the latent classes capture the heterogeneity
    from prevalence import LogLinearMSE

    captures = _two_groups()
    independence = LogLinearMSE(interval="none").fit(captures)
    assert independence.value < 0.85 * 3000
    est = LatentClassMSE(burnin=3000, samples=1000, thinning=5, seed=2).fit(captures)
    assert est.lower <= 3000 <= est.upper
    assert abs(est.value - 3000) < abs(independence.value - 3000)


def test_diagnostics_warn_when_the_chain_is_too_short():
    captures = simulate_captures(500, {"A": 0.3, "B": 0.25, "C": 0.35}, seed=3).captures
    with pytest.warns(EstimationWarning, match="effective sample size"):
        est = LatentClassMSE(burnin=0, samples=20, thinning=1, chains=1, seed=1).fit(captures)
    assert any("effective sample size" in w for w in est.warnings)


def test_truncation_warning_when_K_is_small():
    with pytest.warns(EstimationWarning, match="raise K"):
        LatentClassMSE(K=2, burnin=500, samples=200, seed=1).fit(_two_groups())


def test_chain_diagnostics_split_one_chain():
    rng = np.random.default_rng(0)
    drifting = np.linspace(0, 10, 1000)[None, :] + rng.normal(size=(1, 1000))
    assert chain_diagnostics(drifting)["rhat"] > 1.1
    assert chain_diagnostics(rng.normal(size=(1, 1000)))["rhat"] < 1.02


def test_compare_uses_the_posterior_draws():
    base = simulate_captures(1500, {"A": 0.3, "B": 0.3, "C": 0.3}, seed=1).captures
    end = simulate_captures(1000, {"A": 0.3, "B": 0.3, "C": 0.3}, seed=2).captures
    cmp = LatentClassMSE(burnin=1000, samples=500, thinning=2, seed=4).compare(base, end)
    assert cmp.ratio.lower < 1000 / 1500 < cmp.ratio.upper
    assert "from draws" in cmp.ratio.method


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"K": 0}, "K must be"),
        ({"samples": 1}, "samples must be"),
        ({"thinning": 2.5}, "thinning must be"),
        ({"a_alpha": -1}, "a_alpha must be"),
        ({"point": "mode"}, "point must be"),
        ({"level": 1.5}, "level"),
    ],
)
def test_bad_settings_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        LatentClassMSE(**kwargs)


def test_records_and_counts_give_the_same_draws():
    df = pd.DataFrame(
        {"A": [1, 0, 1, 1], "B": [0, 1, 1, 0], "C": [1, 1, 0, 0], "count": [5, 7, 3, 9]}
    )
    counts = CaptureHistories.from_counts(df)
    records = CaptureHistories.from_records(
        df.loc[df.index.repeat(df["count"]), ["A", "B", "C"]].reset_index(drop=True),
        lists=["A", "B", "C"],
    )
    kw = dict(burnin=200, samples=100, seed=9)
    np.testing.assert_array_equal(
        LatentClassMSE(**kw).fit(counts).draws, LatentClassMSE(**kw).fit(records).draws
    )


def test_a_list_that_caught_nobody_changes_nothing():
    df = pd.DataFrame(
        {"A": [1, 0, 1, 1], "B": [0, 1, 1, 0], "C": [1, 1, 0, 0], "count": [5, 7, 3, 9]}
    )
    wide = df.assign(Z=0)[["A", "B", "Z", "C", "count"]]
    with pytest.warns(Warning, match="caught nobody"):
        padded = CaptureHistories.from_counts(wide)
    kw = dict(burnin=200, samples=100, seed=9)
    np.testing.assert_array_equal(
        LatentClassMSE(**kw).fit(CaptureHistories.from_counts(df)).draws,
        LatentClassMSE(**kw).fit(padded).draws,
    )
