"""Survey estimation at scale: 1,000,000 respondents, 100 strata, 2,000 PSUs, 50 domains.

Prints the time of each step, its ratio to R's survey package and to the Python svy package
on the same kind of machine (figures from issue #4), and the peak memory of the process.
Targets: overall Taylor prevalence < 0.3 s, 50 domains < 0.5 s, 200 bootstrap replicates < 3 s,
memory < 1 GB.
"""

from __future__ import annotations

import resource
import sys
import time

import numpy as np
import pandas as pd

from prevalence.survey import SurveyDesign

R_SECONDS = {"overall": 6.0, "domains": 12.1, "bootstrap": 74.0}
SVY_SECONDS = {"overall": 1.0, "domains": 1.8}
TARGETS = {"overall": 0.3, "domains": 0.5, "bootstrap": 3.0}


def synthetic_survey(
    n: int = 1_000_000, strata: int = 100, psus: int = 2000, domains: int = 50, seed: int = 1
) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    psu = np.sort(rng.integers(0, psus, n))
    stratum = psu // (psus // strata)
    psu_effect = rng.normal(0, 0.4, psus)
    domain = rng.integers(0, domains, n)
    logit = -2.5 + 0.02 * domain + psu_effect[psu]
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int8)
    w = rng.uniform(50, 150, n)
    return pd.DataFrame({"stratum": stratum, "psu": psu, "w": w, "y": y, "domain": domain})


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def main() -> int:
    t_gen, df = timed(synthetic_survey)
    t_design, design = timed(
        lambda: SurveyDesign(df, weights="w", strata="stratum", clusters="psu")
    )
    print(
        f"synthetic survey: {len(df):,} rows, {design.n_strata} strata, {design.n_psu} PSUs "
        f"(generated in {t_gen:.2f} s, design built in {t_design:.2f} s)"
    )
    t_overall, est = timed(lambda: design.proportion("y"))
    t_domains, table = timed(lambda: design.proportion("y", by="domain"))
    t_boot, boot_est = timed(
        lambda: design.replicate("bootstrap", replicates=200, seed=1).proportion("y")
    )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows = [
        ("overall", t_overall, f"p = {est.value:.5f}, se {est.std_error:.6f}"),
        ("domains", t_domains, f"{len(table)} domains"),
        ("bootstrap", t_boot, f"200 replicates, se {boot_est.std_error:.6f}"),
    ]
    print(
        f"{'step':<11}{'seconds':>9}{'target':>8}{'R (s)':>8}{'x vs R':>8}{'svy (s)':>9}{'x vs svy':>9}  result"
    )
    failed = False
    for name, secs, note in rows:
        r, s = R_SECONDS[name], SVY_SECONDS.get(name)
        over = secs > TARGETS[name]
        failed |= over
        svy = f"{s:9.1f}{s / secs:8.1f}x" if s else f"{'-':>9}{'-':>9}"
        print(
            f"{name:<11}{secs:9.3f}{TARGETS[name]:8.1f}{r:8.1f}{r / secs:7.0f}x{svy}  {note}"
            + ("  OVER TARGET" if over else "")
        )
    print(f"peak memory {peak_mb:.0f} MB (target < 1024 MB)")
    return 1 if failed or peak_mb > 1024 else 0


if __name__ == "__main__":
    sys.exit(main())
