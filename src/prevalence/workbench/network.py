"""Coverage studies of the hidden-population survey estimators (network scale-up and RDS).

The scenarios are simulated social networks with known truth
(:mod:`prevalence.simulate.network`); each is sampled many times and every estimator's bias,
RMSE and interval coverage are summarised. ``benchmarks/network_coverage.py`` runs the full
study reported in docs/network.md; the slow tests run a smaller one.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import pandas as pd

from ..network import RDS, SSPSE, GeneralizedScaleUp, ScaleUp, size_prior_weights
from ..simulate.network import (
    RDSScenario,
    ScaleUpScenario,
    SuccessiveSampleScenario,
    VisibilitySampleScenario,
)
from .study import study

__all__ = ["KNOWN_SIZES", "scaleup_study", "rds_study", "sspse_study"]

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


#: SS-PSE's scenarios: its own model (a successive sample of 400 from CMP degrees, mean 10,
#: sd 6) with the size drawn from the estimator's prior or fixed, and RDS through a simulated
#: network. The prior: beta on the sample share with median 1,000, sizes up to 4,000.
SSPSE_SAMPLE = 400
SSPSE_PRIOR = (1000, 4000)


#: The estimator's settings for a sample drawn by the measurement-error model: the numbers
#: of recruits as simulated (no tree), the reported degrees already on the visibility scale.
VISIBILITY_SETTINGS: dict[str, Any] = dict(
    visibility=True, recruits="recruits", include_tree=False, optimism=1.0
)


def _sspse_scenarios() -> dict[str, tuple[Any, tuple[float, int]]]:
    """Scenario and the prior the estimator is given (median and largest size)."""
    model: dict[str, Any] = dict(log_lambda=math.log(1.5), nu=0.2)
    prior = size_prior_weights(SSPSE_SAMPLE, median=SSPSE_PRIOR[0], maximum=SSPSE_PRIOR[1])
    network: dict[str, Any] = dict(
        size=RDS_POPULATION, prevalence=0.2, sample_size=500, mean_degree=12,
        population_seed=7, target="size",
    )  # fmt: skip
    return {
        "model holds, N from the prior": (
            SuccessiveSampleScenario(SSPSE_SAMPLE, size_log_weights=prior, **model),
            SSPSE_PRIOR,
        ),
        "model holds, N = 1,000 (the prior median)": (
            SuccessiveSampleScenario(SSPSE_SAMPLE, size=1000, **model),
            SSPSE_PRIOR,
        ),
        "model holds, N = 2,500": (
            SuccessiveSampleScenario(SSPSE_SAMPLE, size=2500, **model),
            SSPSE_PRIOR,
        ),
        "RDS on a network, N = 3,000, prior median 3,000": (
            RDSScenario(**network),
            (RDS_POPULATION, 4 * RDS_POPULATION),
        ),
        "RDS on a network, N = 3,000, prior median 1,500": (
            RDSScenario(**network),
            (RDS_POPULATION // 2, 2 * RDS_POPULATION),
        ),
        # SSPSE(visibility=True) on its own model
        "measurement model holds, N from the prior": (
            VisibilitySampleScenario(SSPSE_SAMPLE, size_log_weights=prior, **model),
            SSPSE_PRIOR,
        ),
    }


def sspse_study(
    replicates: int,
    seed: int,
    *,
    draws: int = 1000,
    chains: int = 2,
    thin: int = 10,
    scenarios: list[str] | None = None,
    executor: Any = None,
) -> pd.DataFrame:
    """Coverage of SS-PSE's 95% interval for the population size: on its own model with the
    size drawn from the prior the estimator is given (where a Bayesian interval covers at its
    level on average over the replicates), at fixed sizes, and on RDS samples recruited
    through a simulated network (not a successive sample) with a prior centred on the truth or
    at half of it, and ``SSPSE(visibility=True)`` on samples from its measurement-error model
    (:class:`~prevalence.simulate.network.VisibilitySampleScenario`). One summary row per
    scenario; ``scenarios`` picks some by name (each keeps its own seed)."""
    every = _sspse_scenarios()
    chosen = every if scenarios is None else {name: every[name] for name in scenarios}
    rows = []
    for name, (scenario, (median, maximum)) in chosen.items():
        k = list(every).index(name)  # each scenario's seed, whichever are run
        extra = VISIBILITY_SETTINGS if isinstance(scenario, VisibilitySampleScenario) else {}
        estimator = SSPSE(
            "degree", median_size=median, max_size=maximum, draws=draws, chains=chains,
            thin=thin, warmup=1000, **extra,
        )  # fmt: skip
        res = study(
            {"SS-PSE": estimator}, {name: scenario}, replicates, seed=seed + 1000 * k,
            progress=False, executor=executor,
        )  # fmt: skip
        rows.append(res.summary)
    return pd.concat(rows, ignore_index=True)
