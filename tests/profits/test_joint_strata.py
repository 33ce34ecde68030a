"""Victims by stratum from one joint posterior keep their correlation in the total."""

from __future__ import annotations

import numpy as np
import pytest

from prevalence import Estimate
from prevalence.profits import IllicitProfits, ProfitAssumption


def victims(draws: np.ndarray, posterior_id: str | None) -> Estimate:
    lo, med, hi = np.quantile(draws, [0.025, 0.5, 0.975])
    details = {} if posterior_id is None else {"posterior_id": posterior_id}
    return Estimate(
        med, lo, hi, draws=draws, details=details, draws_kind="posterior", scale="count"
    )


@pytest.mark.parametrize("n_draws", [3000, 5000])  # as many draws as the posterior, and more
def test_perfectly_anticorrelated_strata_give_a_certain_total(n_draws):
    """Two strata whose draws always add up to 1,000 people: from one posterior, the victims'
    part of the total's uncertainty is exactly zero (resampled together); as independent
    estimates resampled to more draws it is not."""
    d = np.random.default_rng(0).integers(200, 800, size=3000).astype(float)
    per = {"a": ProfitAssumption(100.0, 90.0, 110.0), "b": ProfitAssumption(100.0, 90.0, 110.0)}

    def victims_only_sd(pid):
        res = IllicitProfits(per, by="s", n_draws=n_draws, seed=1).fit(
            {"a": victims(d, pid), "b": victims(1000.0 - d, pid)}
        )
        return res.decomposition.set_index("uncertain").loc["victims only", "std_dev"]

    assert victims_only_sd("one fit") == pytest.approx(0.0, abs=1e-6)
    if n_draws != d.size:  # independent estimates are resampled each on its own
        assert victims_only_sd(None) > 1000.0
