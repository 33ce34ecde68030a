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
