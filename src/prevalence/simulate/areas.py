"""Synthetic area-by-period prevalence data with known truth (for the hierarchical models)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.errors import DataError
from ..core.random import SeedLike, as_generator

__all__ = ["AreaPopulation", "simulate_areas"]


@dataclass(frozen=True)
class AreaPopulation:
    """Simulated survey counts by area and period with the true prevalences behind them."""

    frame: pd.DataFrame  # area, period, cases, trials, population, covariate, true_prevalence
    national: pd.DataFrame  # period, true national prevalence (population-weighted)
    true_change: float  # national prevalence, last period minus first


def simulate_areas(
    n_areas: int = 30,
    periods: int = 2,
    *,
    prevalence: float = 0.08,
    area_sd: float = 0.5,
    change: float = -0.25,
    change_sd: float = 0.15,
    covariate_effect: float = 0.3,
    trials: tuple[int, int] = (15, 300),
    population: tuple[float, float] = (2e4, 5e5),
    seed: SeedLike = None,
) -> AreaPopulation:
    """Binomial survey counts for areas whose log-odds follow the hierarchical model.

    ``logit p[a, t] = logit(prevalence) + covariate_effect * x[a] + u[a] + t * (change + v[a])``
    with ``u ~ N(0, area_sd)``, ``v ~ N(0, change_sd)``; sample sizes are drawn log-uniformly
    from ``trials``, so some areas are small. Same seed, same data.

    Examples
    --------
    >>> sim = simulate_areas(5, seed=1)
    >>> list(sim.frame.columns)[:4]
    ['area', 'period', 'cases', 'trials']
    """
    if n_areas < 1 or periods < 1:
        raise DataError("n_areas and periods must be at least 1")
    if not 0 < prevalence < 1:
        raise DataError(f"prevalence must lie in (0, 1), got {prevalence}")
    rng = as_generator(seed)
    x = rng.normal(size=n_areas)
    u = rng.normal(0, area_sd, n_areas)
    v = rng.normal(0, change_sd, n_areas)
    pop = np.exp(rng.uniform(np.log(population[0]), np.log(population[1]), n_areas)).round()
    base = np.log(prevalence / (1 - prevalence))
    rows = []
    for t in range(periods):
        logit = base + covariate_effect * x + u + t * (change + v)
        p = 1 / (1 + np.exp(-logit))
        n = np.exp(rng.uniform(np.log(trials[0]), np.log(trials[1]), n_areas)).round().astype(int)
        y = rng.binomial(n, p)
        for a in range(n_areas):
            rows.append(
                {
                    "area": f"area{a:03d}",
                    "period": t,
                    "cases": int(y[a]),
                    "trials": int(n[a]),
                    "population": pop[a],
                    "x": x[a],
                    "true_prevalence": p[a],
                }
            )
    frame = pd.DataFrame(rows)
    national = (
        frame.groupby("period")
        .apply(
            lambda g: float(np.sum(g.population * g.true_prevalence) / g.population.sum()),
            include_groups=False,
        )
        .rename("true_prevalence")
        .reset_index()
    )
    change_true = float(national["true_prevalence"].iloc[-1] - national["true_prevalence"].iloc[0])
    return AreaPopulation(frame, national, change_true)
