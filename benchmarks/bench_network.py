"""Hidden-population surveys at scale (issue 14).

* Network scale-up on a survey of 100,000 respondents (20 known populations, 40 strata,
  2,000 PSUs) with 1,000 rescaled-bootstrap replicates;
* RDS with Gile's successive-sampling estimator and 1,000 bootstrap replicates on 5,000
  respondents recruited through a simulated network of 50,000 people.

Prints each time and the process's peak memory, with R's time on the reference data for scale
(networkreporting 0.3.1 + surveybootstrap, RDS 0.9-10; measured by
tests/network/r_reference.R on this kind of machine) and ours on the same reference data.
"""

from __future__ import annotations

import json
import resource
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from prevalence import SurveyDesign
from prevalence.network import RDS, ScaleUp
from prevalence.simulate import RDSScenario

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT.parent / "shared" / "reference" / "data"
R_VALUES = json.loads((ROOT / "tests" / "network" / "r_values.json").read_text())


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def scaleup_survey(n: int = 100_000, seed: int = 1) -> tuple[pd.DataFrame, dict[str, float]]:
    rng = np.random.default_rng(seed)
    total = 20_000_000
    sizes = {f"known{k}": float(s) for k, s in enumerate(rng.integers(20_000, 400_000, 20))}
    psu = np.sort(rng.integers(0, 2000, n))
    degree = rng.lognormal(np.log(300), 0.7, n) * np.exp(rng.normal(0, 0.2, 2000))[psu]
    data = {k: np.minimum(rng.poisson(degree * s / total), 30) for k, s in sizes.items()}
    data["hidden"] = rng.poisson(degree * 40_000 / total)
    frame = pd.DataFrame(data).assign(psu=psu, stratum=psu // 50, w=rng.uniform(100, 300, n))
    return frame, sizes


def main() -> int:
    warnings.simplefilter("ignore")
    # ---------------------------------------------------------------- network scale-up
    frame, sizes = scaleup_survey()
    design = SurveyDesign(frame, weights="w", strata="stratum", clusters="psu")
    model = ScaleUp("hidden", sizes, 20_000_000, topcode=30, n_boot=1000, seed=1)
    model.fit(design)  # warm-up
    t_nsum, est = timed(lambda: model.fit(design))
    print(
        f"scale-up, 100,000 respondents, 1,000 rescaled-bootstrap replicates: {t_nsum:.2f} s "
        f"({est.value:,.0f} [{est.lower:,.0f}, {est.upper:,.0f}])"
    )
    rwanda = pd.read_csv(REFERENCE / "nsum_rwanda_survey.csv")
    kp = pd.read_csv(REFERENCE / "nsum_rwanda_knownpop.csv")
    known = dict(zip(kp["known.popn"], kp["size"].astype(float), strict=True))
    rdesign = SurveyDesign(rwanda, weights="indweight", strata="region", clusters="cluster")
    rmodel = ScaleUp("idu", known, 10718378, topcode=30, n_boot=1000, seed=1)
    t_rw, _ = timed(lambda: rmodel.fit(rdesign))
    r_rw = R_VALUES["nsum_bootstrap_seconds"]
    print(
        f"  Rwanda (2,406 respondents), 1,000 replicates: {t_rw:.3f} s; R {r_rw:.2f} s "
        f"(x{r_rw / t_rw:.0f})"
    )
    # ---------------------------------------------------------------- RDS
    scenario = RDSScenario(
        50_000, 0.15, 5_000, seeds=30, mean_degree=15, activity=1.5, population_seed=3
    )
    t_sim, (data, truth) = timed(lambda: scenario(np.random.default_rng(1)))
    ss = RDS(
        "trait",
        estimator="SS",
        population_size=50_000,
        interval="gile",
        n_boot=1000,
        ss_samples=500,
        seed=1,
    )
    t_ss, est = timed(lambda: ss.fit(data))
    print(
        f"RDS, 5,000 respondents, SS estimate and Gile's bootstrap (1,000 replicates): "
        f"{t_ss:.2f} s (simulating the sample {t_sim:.1f} s); estimate {est.value:.4f} "
        f"[{est.lower:.4f}, {est.upper:.4f}], truth {truth:.4f}"
    )
    faux = pd.read_csv(REFERENCE / "rds_fauxmadrona.csv", dtype={"id": str, "recruiter.id": str})
    small = RDS(
        "disease",
        estimator="SS",
        population_size=1000,
        interval="gile",
        n_boot=500,
        ss_samples=500,
        seed=1,
    )
    small.fit(faux)
    t_faux, _ = timed(lambda: small.fit(faux))
    ref = R_VALUES["rds"]["fauxmadrona"]
    r_faux = ref["ss_seconds"] + ref["gile_seconds"]
    print(
        f"  fauxmadrona (500), SS and Gile's bootstrap (500 replicates): {t_faux:.3f} s; "
        f"R {r_faux:.2f} s (x{r_faux / t_faux:.1f})"
    )
    sal = RDS("disease", population_size=1000, interval="salganik", n_boot=500, seed=1)
    t_sal, _ = timed(lambda: sal.fit(faux))
    r_sal = ref["salganik_rds2_seconds"]
    print(
        f"  fauxmadrona, RDS-II and Salganik's bootstrap (500 replicates): {t_sal:.3f} s; "
        f"R {r_sal:.2f} s (x{r_sal / t_sal:.0f})"
    )
    print(f"peak memory of the process: {peak_mb():,.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
