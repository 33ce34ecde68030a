"""Coverage of total illicit profits on synthetic victims' and wage surveys (slow).

Each replicate draws, in four strata (two regions x two sectors):

* a general-population survey (simple random sample of 8,000 people per region, split by
  sector) whose weighted proportion of victims, times the known population, estimates the
  victims (logit interval: asymmetric, so the victims enter as draws matched to it);
* a wage survey (25 free workers per stratum) giving the market hourly wage with its
  standard error;
* a survey of 30 victims per stratum (hours worked, pay) for the profit per victim.

The true total is the finite population's own: victims x (true wage x mean hours - mean pay)
summed over strata. 95% intervals must cover 93-97% with both sources of uncertainty; with
the profit per victim held at its estimate (the victims' uncertainty only) they under-cover.
Run alone with ``python -m tests.profits.test_coverage`` for the figures in docs/profits.md.
"""

from __future__ import annotations

import math
import time
import warnings

import numpy as np
import pandas as pd
import pytest

from prevalence import Estimate
from prevalence.profits import ForcedLabourProfit, IllicitProfits
from prevalence.survey import SurveyDesign

SEED = 20261127
REGIONS = {"north": 400_000, "south": 250_000}  # population per region
SECTORS = {"farm": (0.006, 1.8), "factory": (0.004, 2.6)}  # victim share, true hourly wage
N_GENERAL, N_WAGE, N_VICTIMS = 16_000, 25, 30


def population(rng: np.random.Generator) -> dict:
    """True victims and their work in every stratum (a finite population, drawn once)."""
    strata = {}
    for region, size in REGIONS.items():
        for sector, (share, wage) in SECTORS.items():
            n_victims = int(rng.binomial(size // 2, share))
            hours = rng.gamma(9.0, 250.0, n_victims)
            paid = hours * wage * rng.beta(2.0, 6.0, n_victims)
            strata[(region, sector)] = {
                "people": size // 2,
                "victims": n_victims,
                "wage": wage,
                "hours": hours,
                "paid": paid,
            }
    return strata


def true_total(pop: dict) -> float:
    return float(sum((s["wage"] * s["hours"] - s["paid"]).sum() for s in pop.values()))


def one_replicate(pop: dict, rng: np.random.Generator) -> dict:
    victims = {}
    wages, survey = [], []
    for key, s in pop.items():
        m = N_GENERAL // 2
        found = rng.hypergeometric(s["victims"], s["people"] - s["victims"], m)
        frame = pd.DataFrame(
            {"victim": np.r_[np.ones(found), np.zeros(m - found)], "w": s["people"] / m}
        )
        p = SurveyDesign(frame, weights="w").proportion("victim")
        victims[key] = Estimate(
            s["people"] * p.value, s["people"] * p.lower, s["people"] * p.upper, scale="count"
        )
        free = s["wage"] * rng.lognormal(-(0.35**2) / 2, 0.35, N_WAGE)  # mean: the true wage
        wages.append(
            {
                "region": key[0],
                "sector": key[1],
                "wage": free.mean(),
                "std_error": free.std(ddof=1) / math.sqrt(N_WAGE),
            }
        )
        idx = rng.choice(s["hours"].size, size=N_VICTIMS, replace=False)
        survey.append(
            pd.DataFrame(
                {
                    "region": key[0],
                    "sector": key[1],
                    "hours": s["hours"][idx],
                    "paid": s["paid"][idx],
                    "w": s["hours"].size / N_VICTIMS,
                }
            )
        )
    design = SurveyDesign(pd.concat(survey, ignore_index=True), weights="w")
    table = ForcedLabourProfit("hours", "paid", pd.DataFrame(wages), by=["region", "sector"]).fit(
        design
    )
    res = IllicitProfits(table, seed=rng.integers(2**32), n_draws=4000).fit(victims)
    dec = res.decomposition.set_index("uncertain")
    return {
        "estimate": res.total.value,
        "both": (res.total.lower, res.total.upper),
        "victims only": tuple(dec.loc["victims only", ["lower", "upper"]]),
        "profit only": tuple(dec.loc["profit per victim only", ["lower", "upper"]]),
        "share_victims": float(dec.loc["victims only", "variance_share"]),
    }


def coverage_study(replicates: int = 500, seed: int = SEED) -> dict:
    rng = np.random.default_rng(seed)
    pop = population(rng)
    truth = true_total(pop)
    hits = {"both": 0, "victims only": 0, "profit only": 0}
    shares, estimates = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(replicates):
            r = one_replicate(pop, rng)
            estimates.append(r["estimate"])
            shares.append(r["share_victims"])
            for k in hits:
                lo, hi = r[k]
                hits[k] += lo <= truth <= hi
    return {
        "truth": truth,
        "coverage": {k: v / replicates for k, v in hits.items()},
        "relative_bias": float(np.mean(estimates) / truth - 1),
        "variance_share_victims": float(np.mean(shares)),
        "replicates": replicates,
    }


@pytest.fixture(scope="module")
def study():
    return coverage_study()


@pytest.mark.slow
def test_both_sources_cover_nominally(study):
    assert 0.93 <= study["coverage"]["both"] <= 0.97, study
    assert abs(study["relative_bias"]) < 0.02, study


@pytest.mark.slow
def test_ignoring_the_per_victim_uncertainty_under_covers(study):
    cov = study["coverage"]
    assert cov["victims only"] < 0.93 and cov["victims only"] < cov["both"] - 0.03, study
    assert cov["profit only"] < 0.90, study


if __name__ == "__main__":
    t0 = time.perf_counter()
    out = coverage_study()
    print(out, f"({time.perf_counter() - t0:.1f} s, seed {SEED})")
    print(
        f"Monte Carlo SE of a 95% coverage from {out['replicates']}: "
        f"{math.sqrt(0.95 * 0.05 / out['replicates']):.4f}"
    )
