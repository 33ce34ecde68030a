"""Several sources of one hidden population with known truth (for evidence synthesis).

Areas and periods with a true number of victims each; case lists that see a share of them
(their *visibility*) and catch each of those independently; a household survey that sees
another share, estimated from a simple random sample of households; a network scale-up
estimate with log-normal error around a third share. Each source's visibility is known, so
a synthesis can be given priors that contain it (or do not).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.errors import DataError
from ..core.random import SeedLike, as_generator

__all__ = ["SourcesPopulation", "simulate_sources"]


@dataclass(frozen=True)
class SourcesPopulation:
    """Simulated source tables and the truth behind them.

    ``tables`` maps ``"population"``, ``"lists"`` (one row per listed person: area, period
    and 0/1 list columns), ``"survey"`` (area, period, prevalence, its se, and the sample
    size n: its effective sample size, a simple random sample) and ``"scaleup"`` (area,
    period, estimate, se of its log) to DataFrames: the argument of
    :meth:`~prevalence.synthesis.EvidenceSynthesis.fit`. ``truth`` has the true number of
    each area and period; ``visibility`` each source's true visibility.
    """

    tables: dict[str, pd.DataFrame]
    truth: pd.DataFrame  # area, period, population, victims
    visibility: dict[str, float]
    lists: tuple[str, ...]

    @property
    def national(self) -> pd.Series:
        """The true total by period."""
        return self.truth.groupby("period")["victims"].sum()


def simulate_sources(
    n_areas: int = 6,
    periods: Sequence[int] = (2020, 2024),
    *,
    prevalence: float = 0.004,
    area_sd: float = 0.4,
    change: float = 0.75,
    change_sd: float = 0.15,
    population: tuple[float, float] = (2e5, 1.5e6),
    visibility: dict[str, float] | None = None,
    catch: Sequence[float] = (0.25, 0.2, 0.3),
    survey_size: int = 5000,
    scaleup_se: float = 0.3,
    seed: SeedLike = None,
) -> SourcesPopulation:
    """Draw the sources of ``n_areas`` areas over ``periods``.

    The true prevalence of area ``a`` is ``prevalence * exp(u[a])`` at the first period and
    is multiplied by ``change * exp(w[a])`` at every later one (``u ~ N(0, area_sd)``,
    ``w ~ N(0, change_sd)``); victims are ``Poisson(population * prevalence)``. The lists see
    ``Binomial(victims, visibility["lists"])`` of them and catch each with the probabilities
    ``catch`` (one list each); the survey interviews ``survey_size`` people per area and
    period, each a victim it recognises with probability ``visibility["survey"]`` times the
    prevalence (its standard error the binomial one); the scale-up estimate is the true
    number times ``visibility["scaleup"]`` times ``exp(N(0, scaleup_se))``. Default
    visibilities: lists 0.7, survey 0.6, scale-up 1 (unbiased). Same seed, same data.

    Examples
    --------
    >>> sim = simulate_sources(3, seed=1)
    >>> sorted(sim.tables)
    ['lists', 'population', 'scaleup', 'survey']
    """
    if n_areas < 1 or len(periods) < 1:
        raise DataError("n_areas and periods must be at least 1")
    if not 0 < prevalence < 1:
        raise DataError(f"prevalence must lie in (0, 1), got {prevalence}")
    vis = {"lists": 0.7, "survey": 0.6, "scaleup": 1.0, **(visibility or {})}
    rng = as_generator(seed)
    u = rng.normal(0, area_sd, n_areas)
    w = rng.normal(0, change_sd, (n_areas, len(periods)))
    low, high = np.log(population[0]), np.log(population[1])
    people = np.exp(rng.uniform(low, high, n_areas)).round()
    lists = tuple(f"list{j + 1}" for j in range(len(catch)))
    truth, pop_rows, survey, scaleup, records = [], [], [], [], []
    for t, period in enumerate(periods):
        for a in range(n_areas):
            area = f"area{a + 1}"
            factor = 1.0 if t == 0 else (change * np.exp(w[a, t])) ** t
            p = min(prevalence * np.exp(u[a]) * factor, 0.5)
            victims = int(rng.poisson(people[a] * p))
            truth.append((area, period, people[a], victims))
            pop_rows.append((area, period, people[a]))
            p_true = victims / people[a]
            cases = rng.binomial(survey_size, min(vis["survey"] * p_true, 1.0))
            phat = max(cases, 0.5) / survey_size  # half a case where none: keeps se > 0
            survey.append(
                (
                    area,
                    period,
                    cases / survey_size,
                    np.sqrt(phat * (1 - phat) / survey_size),
                    survey_size,
                )
            )
            scale = victims * vis["scaleup"] * np.exp(rng.normal(0, scaleup_se))
            scaleup.append((area, period, max(scale, 1.0), scaleup_se))
            listed = rng.binomial(victims, min(vis["lists"], 1.0))
            caught = rng.random((listed, len(catch))) < np.asarray(catch)
            caught = caught[caught.any(axis=1)]
            for row in caught.astype(int):
                records.append((area, period, *row))
    tables = {
        "population": pd.DataFrame(pop_rows, columns=["area", "period", "population"]),
        "lists": pd.DataFrame(records, columns=["area", "period", *lists]),
        "survey": pd.DataFrame(survey, columns=["area", "period", "prevalence", "se", "n"]),
        "scaleup": pd.DataFrame(scaleup, columns=["area", "period", "estimate", "se"]),
    }
    return SourcesPopulation(
        tables=tables,
        truth=pd.DataFrame(truth, columns=["area", "period", "population", "victims"]),
        visibility=vis,
        lists=lists,
    )
