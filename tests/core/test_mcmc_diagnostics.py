"""Vectorised rank diagnostics against ArviZ, quantity by quantity."""

from __future__ import annotations

import arviz as az
import numpy as np
import pytest

from prevalence import DataError
from prevalence.core.mcmc import rank_diagnostics


def ar1(rng, chains, draws, n):
    phi = rng.uniform(-0.3, 0.95, n)
    x = np.empty((chains, draws, n))
    x[:, 0] = rng.normal(size=(chains, n))
    for t in range(1, draws):
        x[:, t] = phi * x[:, t - 1] + rng.normal(size=(chains, n))
    return x


@pytest.mark.parametrize(("chains", "draws"), [(4, 1000), (2, 301), (1, 200), (3, 7)])
def test_rank_diagnostics_equal_arviz(chains, draws):
    rng = np.random.default_rng(chains * 1000 + draws)
    x = ar1(rng, chains, draws, 12)
    x[:, :, 0] = np.round(x[:, :, 0])  # ties
    if chains > 1:
        x[1, :, 1] += 0.7  # a chain apart
    x[:, :, 2] = 3.0  # constant
    mine = rank_diagnostics(x)
    for i in range(x.shape[2]):
        ref = {
            "rhat": float(az.rhat(x[:, :, i], method="rank")),
            "ess_bulk": float(az.ess(x[:, :, i], method="bulk")),
            "ess_tail": float(az.ess(x[:, :, i], method="tail")),
        }
        for key, value in ref.items():
            if key == "rhat" and chains == 1:
                # ArviZ refuses one chain (NaN); the halves of the one chain are compared here
                assert np.isfinite(mine[key][i]) or i == 2
                continue
            if np.isnan(value):
                assert np.isnan(mine[key][i]), (key, i)
            else:
                assert mine[key][i] == pytest.approx(value, rel=1e-10), (key, i)


def test_rank_diagnostics_blocks_and_bad_shapes():
    x = ar1(np.random.default_rng(3), 2, 100, 9)
    whole = rank_diagnostics(x)
    blocked = rank_diagnostics(x, block=4)
    for key in whole:
        np.testing.assert_array_equal(whole[key], blocked[key])
    with pytest.raises(DataError, match=r"shaped \(chains, draws, quantities\)"):
        rank_diagnostics(x[0])
    with pytest.raises(DataError, match="at least 4 draws"):
        rank_diagnostics(x[:, :3])
