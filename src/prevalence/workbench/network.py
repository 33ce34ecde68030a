"""Coverage studies of the hidden-population survey estimators (network scale-up and RDS).

The scenarios are simulated social networks with known truth
(:mod:`prevalence.simulate.network`); each is sampled many times and every estimator's bias,
RMSE and interval coverage are summarised. ``benchmarks/network_coverage.py`` runs the full
study reported in docs/network.md; the slow tests run a smaller one.
"""

from __future__ import annotations

import warnings
from typing import Any

import pandas as pd

from ..network import RDS, GeneralizedScaleUp, ScaleUp
from ..simulate.network import RDSScenario, ScaleUpScenario
from .study import study

__all__ = ["KNOWN_SIZES", "scaleup_study", "rds_study"]

#: Known populations of the scale-up scenarios (population 20,000).
KNOWN_SIZES = {f"known{i}": s for i, s in enumerate([200, 300, 400, 500, 600, 700, 800, 1000])}
SCALEUP_POPULATION = 20_000
RDS_POPULATION = 3_000


#: The network and sample every scale-up scenario shares.
SCALEUP_BASE: dict[str, Any] = dict(
    size=SCALEUP_POPULATION,
    hidden_size=300,
    known_sizes=KNOWN_SIZES,
    respondents=1000,
    mean_degree=60,
    population_seed=11,
)


def _scaleup_scenarios() -> dict[str, tuple[ScaleUpScenario, dict[str, Any]]]:
    base = SCALEUP_BASE
    out = {
        "random mixing": (ScaleUpScenario(**base), {}),
        "barrier (degree ratio 0.5)": (ScaleUpScenario(**base, degree_ratio=0.5), {}),
        "transmission 0.7": (ScaleUpScenario(**base, transmission=0.7), {"transmission": 0.7}),
    }
    # the barrier scenario's adjustment is the realised degree ratio of its network
    sc = out["barrier (degree ratio 0.5)"][0]
    pop = sc.population()
    ratio = float(pop.degree[pop.hidden].mean() / pop.degree.mean())
    out["barrier (degree ratio 0.5)"] = (sc, {"degree_ratio": ratio})
    return out


def scaleup_study(replicates: int, seed: int, n_boot: int = 400) -> pd.DataFrame:
    """Bias and coverage of :class:`ScaleUp` (rescaled bootstrap and Killworth intervals, and
    with the true adjustment factors) on three network scenarios, and of
    :class:`GeneralizedScaleUp` with barrier and transmission effects together; one summary
    row per (scenario, estimator)."""
    rows = []
    for name, (scenario, factors) in _scaleup_scenarios().items():
        estimators: dict[str, Any] = {
            "scale-up, bootstrap": ScaleUp(
                "hidden", KNOWN_SIZES, SCALEUP_POPULATION, n_boot=n_boot
            ),
            "scale-up, Killworth": ScaleUp(
                "hidden", KNOWN_SIZES, SCALEUP_POPULATION, interval="killworth"
            ),
        }
        if factors:
            estimators["adjusted with the true factor"] = ScaleUp(
                "hidden", KNOWN_SIZES, SCALEUP_POPULATION, n_boot=n_boot, **factors
            )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = study(estimators, {name: scenario}, replicates, seed=seed, progress=False)
        rows.append(res.summary)
    # the generalized estimator needs no factor: a sample of the hidden population reports
    # its visibility
    both = ScaleUpScenario(
        **SCALEUP_BASE, degree_ratio=0.5, transmission=0.7, hidden_respondents=150
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = study(
            {
                "generalized scale-up": GeneralizedScaleUp(
                    "hidden", KNOWN_SIZES, SCALEUP_POPULATION, n_boot=n_boot
                )
            },
            {"barrier 0.5 and transmission 0.7": both},
            replicates,
            seed=seed,
            progress=False,
        )
    rows.append(res.summary)
    return pd.concat(rows, ignore_index=True)


def _rds_scenarios() -> dict[str, RDSScenario]:
    base: dict[str, Any] = dict(
        size=RDS_POPULATION, prevalence=0.2, sample_size=500, mean_degree=12, population_seed=7
    )
    return {
        "random recruitment": RDSScenario(**base),
        "differential activity 2": RDSScenario(**base, activity=2.0),
        "sampling fraction 0.5, activity 2": RDSScenario(
            **{**base, "sample_size": 1500}, activity=2.0
        ),
        "strong seed dependence": RDSScenario(
            **{**base, "sample_size": 150},
            homophily=8.0,
            seed_bias=100.0,
            seeds=2,
            coupons=2,
            return_rate=0.9,
        ),
    }


def rds_study(replicates: int, seed: int, n_boot: int = 300) -> pd.DataFrame:
    """Bias and coverage of RDS-I, RDS-II (R's standard error and Salganik's bootstrap) and
    SS (Gile's bootstrap) on four network scenarios; one summary row per (scenario,
    estimator)."""
    N = RDS_POPULATION
    estimators = {
        "RDS-I": RDS("trait", estimator="RDS-I", population_size=N),
        "RDS-II": RDS("trait", estimator="RDS-II", population_size=N),
        "RDS-II, Salganik bootstrap": RDS(
            "trait", estimator="RDS-II", population_size=N, interval="salganik", n_boot=n_boot
        ),
        "SS, Gile bootstrap": RDS(
            "trait",
            estimator="SS",
            population_size=N,
            interval="gile",
            ss_samples=500,
            n_boot=n_boot,
        ),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = study(estimators, _rds_scenarios(), replicates, seed=seed, progress=False)
    return res.summary
