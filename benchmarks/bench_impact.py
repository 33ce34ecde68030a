"""Programme impact at scale: 200,000 interviews, 100 strata, 2,000 PSUs, 2 groups x 2 periods.

Prints the time of each step and its ratio to R survey 4.1.1 on the same data on this kind of
machine (R timings measured by hand with the script printed by ``--r-script``):

* DiD from one design: 4 cells with their covariance (``svyby(~y, ~group+period, covmat=TRUE)``
  and ``svycontrast``);
* DiD by 10 regions from one table (``svyby(~y, ~region+group+period, covmat=TRUE)``);
* survey logistic regression with 5 terms (``svyglm(family=quasibinomial())``);
* predictive margins of the group (``svypredmeans``).

    python benchmarks/bench_impact.py            # our timings and ratios
    python benchmarks/bench_impact.py --r-script # writes the data and the R script to time R
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from prevalence import SurveyDesign, SurveyPrevalence
from prevalence.impact import DifferenceInDifferences

R_SECONDS = {"did": 0.41, "did_by_region": 1.35, "glm": 0.39, "margins": 1.38}


def synthetic(n: int = 200_000, strata: int = 100, psus: int = 2000, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    psu = np.sort(rng.integers(0, psus, n))
    stratum = psu // (psus // strata)
    group = np.where(stratum % 2 == 0, "programme", "comparison")
    region = (stratum // 2) % 10  # each region has programme and comparison strata
    period = rng.integers(0, 2, n)
    x = rng.normal(size=n)
    u = rng.normal(0, 0.4, psus)[psu]
    eta = -1.6 + 0.3 * x + u - 0.1 * period - 0.4 * period * (group == "programme")
    y = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(int)
    return pd.DataFrame(
        {
            "psu": psu,
            "stratum": stratum,
            "group": group,
            "region": region,
            "period": period,
            "x": x,
            "weight": rng.uniform(50, 150, n),
            "victim": y,
        }
    )


R_SCRIPT = """suppressPackageStartupMessages(library(survey))
d <- read.csv("{path}"); d$group <- factor(d$group); d$period <- factor(d$period)
des <- svydesign(id=~psu, strata=~stratum, weights=~weight, data=d)
t <- function(e) system.time(e)[["elapsed"]]
cat("did", t({{b <- svyby(~victim, ~group+period, des, svymean, covmat=TRUE); svycontrast(b, c(1, -1, -1, 1))}}), "\\n")
cat("did_by_region", t(svyby(~victim, ~region+group+period, des, svymean, covmat=TRUE)), "\\n")
cat("glm", t(m <- svyglm(victim ~ group * period + x, des, family=quasibinomial())), "\\n")
cat("margins", t(svypredmeans(svyglm(victim ~ x + period, des, family=quasibinomial()), ~group)), "\\n")
"""


def main() -> None:
    data = synthetic()
    if "--r-script" in sys.argv:
        path = Path("build/bench_impact.csv").resolve()
        path.parent.mkdir(exist_ok=True)
        data.to_csv(path, index=False)
        script = path.with_suffix(".R")
        script.write_text(R_SCRIPT.format(path=path))
        print(f"Rscript {script}")
        return
    design = SurveyDesign(data, weights="weight", strata="stratum", clusters="psu")
    did = DifferenceInDifferences(
        SurveyPrevalence("victim"),
        group="group",
        period="period",
        treated="programme",
        baseline=0,
        endline=1,
    )
    steps = {
        "did": lambda: did.fit(design),
        "did_by_region": lambda: did.fit_by(design, "region"),
        "glm": lambda: design.glm("victim ~ group * C(period) + x", family="binomial"),
        "margins": lambda: design.predictive_margins("victim ~ x + C(period)", by="group"),
    }
    print(f"{len(data):,} rows, 100 strata, 2,000 PSUs")
    print(f"{'step':<15}{'seconds':>9}{'R (s)':>8}{'x vs R':>8}")
    for name, step in steps.items():
        step()  # warm (imports, compilation)
        t0 = time.perf_counter()
        step()
        sec = time.perf_counter() - t0
        print(f"{name:<15}{sec:9.3f}{R_SECONDS[name]:8.2f}{R_SECONDS[name] / sec:7.0f}x")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory {peak:.0f} MB")


if __name__ == "__main__":
    main()
