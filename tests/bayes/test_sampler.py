"""The two NUTS routes (nutpie and PyMC's own): reproducibility within each, reuse of a compiled
model, the same posterior from both, and the model's likelihood written by hand."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import stats

from prevalence import DataError, EstimationWarning, HierarchicalPrevalence
from prevalence.bayes.model import build_model, resolve_priors
from prevalence.core import mcmc
from prevalence.simulate import simulate_areas

FAST = {"draws": 300, "tune": 300, "chains": 2, "progress": False}


def model(**kw):
    return HierarchicalPrevalence(
        area="area",
        period="period",
        cases="cases",
        trials="trials",
        population="population",
        covariates=["x"],
        **{**FAST, **kw},
    )


def fit(estimator, frame):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimationWarning)
        return estimator.fit(frame)


def test_sampler_argument_is_checked():
    with pytest.raises(DataError, match="sampler must be one of"):
        model(sampler="stan")
    assert mcmc.resolve_sampler("auto") == ("nutpie" if mcmc.nutpie_available() else "pymc")


def test_binomial_kernel_is_the_binomial_likelihood():
    """The model enters the counts as the binomial kernel: at any parameter value its log
    density differs from the one with the full binomial likelihood by the constant sum of
    log binomial coefficients."""
    sim = simulate_areas(6, 2, seed=4)
    d = model()._prepare(sim.frame)
    m = build_model(d, resolve_priors(None))
    logp = m.compile_logp()
    rng = np.random.default_rng(0)
    constant = np.sum(
        stats.binom.logpmf(d.cases, d.trials, 0.5) - (d.trials * np.log(0.5))
    )  # log C(n, k)
    diffs = []
    for _ in range(3):
        point = {
            k: v + rng.normal(scale=0.3, size=np.shape(v)) for k, v in m.initial_point().items()
        }
        with m:
            p = m.compile_fn(m["p"], inputs=m.value_vars, on_unused_input="ignore")(point)
        priors = logp(point) - float(
            np.sum(d.cases * np.log(p) + (d.trials - d.cases) * np.log1p(-p))
        )
        full = float(np.sum(stats.binom.logpmf(d.cases, d.trials, p)))
        diffs.append(logp(point) - (priors + full) + constant)
    np.testing.assert_allclose(diffs, 0.0, atol=1e-8)


@pytest.mark.skipif(not mcmc.nutpie_available(), reason="nutpie is not installed")
def test_nutpie_route_reproducible_reused_and_independent_of_cores():
    # the shape of test_hierarchical's data: a compiled model may already be in the cache
    first = simulate_areas(12, 2, seed=11).frame
    second = simulate_areas(12, 2, seed=12).frame
    a = fit(model(seed=3, sampler="nutpie", cores=2), first)
    assert a.details["sampler"] == "nutpie"
    # same seed, one core: identical draws
    b = fit(model(seed=3, sampler="nutpie", cores=1), first)
    np.testing.assert_array_equal(a.draws, b.draws)
    # another data set of the same shape reuses the compiled model ...
    compiled = len(mcmc._COMPILED)
    reused = fit(model(seed=5, sampler="nutpie"), second)
    assert len(mcmc._COMPILED) == compiled
    # ... and gives exactly what a fresh compilation gives
    mcmc._COMPILED.clear()
    fresh = fit(model(seed=5, sampler="nutpie"), second)
    np.testing.assert_array_equal(reused.draws, fresh.draws)
    assert not np.array_equal(reused.draws, a.draws)
    # the reused model reports this data set's area labels
    areas = reused.details["idata"].posterior["area"].to_numpy().tolist()
    assert areas == [str(x) for x in sorted(second["area"].unique())]
    # a different seed gives different draws
    c = fit(model(seed=4, sampler="nutpie"), first)
    assert not np.array_equal(a.draws, c.draws)


@pytest.mark.slow
@pytest.mark.skipif(not mcmc.nutpie_available(), reason="nutpie is not installed")
def test_both_routes_sample_the_same_posterior():
    """nutpie and PyMC's NUTS on one data set: national prevalence and every area's posterior
    median agree within Monte Carlo error (4 chains x 1000 draws each)."""
    frame = simulate_areas(15, 2, seed=21).frame
    settings = {"draws": 1000, "tune": 1000, "chains": 4}
    a = fit(model(seed=1, sampler="nutpie", **settings), frame)
    b = fit(model(seed=1, sampler="pymc", **settings), frame)
    assert (a.details["sampler"], b.details["sampler"]) == ("nutpie", "pymc")
    # Monte Carlo standard error of a posterior mean: sd / sqrt(ESS), ESS >= 1000 here
    se = np.hypot(a.draws.std(), b.draws.std()) / np.sqrt(1000)
    assert abs(a.draws.mean() - b.draws.mean()) < 4 * se
    pa = a.details["idata"].posterior["p"].to_numpy().reshape(-1, len(frame))
    pb = b.details["idata"].posterior["p"].to_numpy().reshape(-1, len(frame))
    se_rows = np.hypot(pa.std(axis=0), pb.std(axis=0)) / np.sqrt(1000)
    assert np.all(np.abs(pa.mean(axis=0) - pb.mean(axis=0)) < 4.5 * se_rows)
    for est in (a, b):
        d = est.details["diagnostics"]
        assert d["max_rhat"] < 1.01 and d["divergences"] == 0


def test_without_nutpie_auto_falls_back_to_pymc(monkeypatch):
    monkeypatch.setattr(mcmc, "nutpie_available", lambda: False)
    assert mcmc.resolve_sampler("auto") == "pymc"
    assert mcmc.resolve_sampler("pymc") == "pymc"
    with pytest.raises(DataError, match="sampler='nutpie' needs the packages nutpie and numba"):
        mcmc.resolve_sampler("nutpie")
