"""The Bayesian scale-up model: its structure (fast) and its posterior on simulated truth (slow)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from prevalence import DataError
from prevalence.core.details import check_details
from prevalence.network import BayesianScaleUp

SIZES = {f"k{i}": s for i, s in enumerate([20_000, 50_000, 10_000, 30_000, 15_000, 40_000])}
TOTAL = 1_000_000


def _answers(rng: np.random.Generator, n: int, hidden: int, barrier_shape: float) -> pd.DataFrame:
    d = rng.lognormal(np.log(300), 0.6, n)
    df = pd.DataFrame(
        {k: rng.poisson(d * s / TOTAL * rng.gamma(5, 1 / 5, n)) for k, s in SIZES.items()}
    )
    df["h"] = rng.poisson(d * hidden / TOTAL * rng.gamma(barrier_shape, 1 / barrier_shape, n))
    return df


def test_model_structure_and_prior_choices():
    df = _answers(np.random.default_rng(1), 50, 5000, 2.0)
    model = BayesianScaleUp("h", SIZES, TOTAL).build_model(df)
    free = {rv.name for rv in model.free_RVs}
    assert {"mu_log_degree", "sigma_log_degree", "z", "log_size", "overdispersion"} <= free
    assert "transmission" not in free
    with_tau = BayesianScaleUp("h", SIZES, TOTAL, transmission=(8, 2)).build_model(df)
    assert "transmission" in {rv.name for rv in with_tau.free_RVs}
    logp = model.compile_logp()(model.initial_point())
    assert np.isfinite(logp)
    with pytest.raises(DataError, match="column 'h' row 0"):
        BayesianScaleUp("h", SIZES, TOTAL).build_model(df.assign(h=-1))
    with pytest.raises(ValueError, match="size_bounds"):
        BayesianScaleUp("h", SIZES, TOTAL, size_bounds=(10, 5))


def _declared_model(est: BayesianScaleUp, df: pd.DataFrame):
    """The same model with the likelihood declared as PyMC's NegativeBinomial (the form the
    estimator had before it wrote the likelihood out for speed)."""
    import pymc as pm

    answers, sizes = est._data(df)
    n, K = answers.shape
    low, high = est.size_bounds or (1.0, 0.1 * est.total)
    with pm.Model() as model:
        mu_d = pm.Normal("mu_log_degree", mu=np.log(300.0), sigma=2.0)
        sigma_d = pm.HalfNormal("sigma_log_degree", sigma=1.0)
        z = pm.Normal("z", 0.0, 1.0, shape=n)
        log_size = pm.Uniform("log_size", lower=np.log(low), upper=np.log(high))
        log_share = pm.math.concatenate(
            [np.log(sizes / est.total), pm.math.stack([log_size - np.log(est.total)])]
        )
        if est.transmission is not None:
            tau = pm.Beta("transmission", *est.transmission)
            log_tau = pm.math.concatenate([np.zeros(K - 1), pm.math.stack([pm.math.log(tau)])])
        else:
            log_tau = np.zeros(K)
        inv_phi = pm.HalfNormal("overdispersion", sigma=1.0, shape=K)
        mu = pm.math.exp((mu_d + sigma_d * z)[:, None] + log_share[None, :] + log_tau[None, :])
        pm.NegativeBinomial(
            "answers", mu=mu, alpha=1.0 / (inv_phi[None, :] + 1e-6), observed=answers
        )
    return model


@pytest.mark.parametrize("transmission", [None, (8, 2)])
def test_written_out_likelihood_is_the_negative_binomial(transmission):
    """The estimator's likelihood (summed over distinct answers, for speed) against PyMC's
    NegativeBinomial: the log densities differ by the same constant, -sum(lgamma(y + 1)),
    at random points of the parameter space (so the posteriors are the same)."""
    from scipy.special import gammaln

    rng = np.random.default_rng(7)
    df = _answers(rng, 120, 5000, 1.5)
    df.loc[3, "k1"] = 250  # a large answer among small ones
    est = BayesianScaleUp("h", SIZES, TOTAL, transmission=transmission)
    fast, declared = est.build_model(df), _declared_model(est, df)
    answers, _ = est._data(df)
    constant = gammaln(answers + 1.0).sum()
    logp_fast, logp_declared = fast.compile_logp(), declared.compile_logp()
    dlogp_fast, dlogp_declared = fast.compile_dlogp(), declared.compile_dlogp()
    point = fast.initial_point()
    for _ in range(5):
        for name, value in point.items():
            point[name] = value + rng.normal(0.0, 0.5, np.shape(value))
        assert logp_fast(point) - logp_declared(point) == pytest.approx(constant, rel=1e-10)
        np.testing.assert_allclose(dlogp_fast(point), dlogp_declared(point), rtol=1e-8, atol=1e-8)


@pytest.mark.slow
def test_posterior_covers_the_truth_with_barrier_effects():
    """Overdispersed answers about the hidden group (a barrier effect: respondents differ in
    their exposure to it); four simulated surveys, and their intervals must cover the truth (a
    95% interval misses two of four about once in 70): at least three must."""
    covered = 0
    for r in range(4):
        df = _answers(np.random.default_rng(100 + r), 600, 5000, 1.5)
        est = BayesianScaleUp("h", SIZES, TOTAL, draws=400, tune=400, chains=2, seed=r).fit(df)
        assert est.details["diagnostics"]["max_rhat"] < 1.02
        assert check_details(est.details, BayesianScaleUp.details_schema) == []
        assert est.details["n_observed"] == 600
        assert est.draws_kind == "posterior" and est.interval_method == "credible"
        covered += est.lower <= 5000 <= est.upper
    assert covered >= 3
