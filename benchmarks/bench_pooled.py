"""Pooled stratified MSE: 24 strata (6 regions x 2 sexes x 2 years) of 20-500 people on 4 lists.

Prints the wall time of a first fit (PyMC import and nutpie's compilation included) and of a
refit of new data of the same shape (compilation reused), 4 chains x 1000 draws after 1000
tuning steps, with the worst R-hat, the smallest bulk ESS over the stratum sizes and the
divergences. Target (issue 20): under 60 s.
"""

from __future__ import annotations

import sys
import time
import warnings

from prevalence import EstimationWarning, PooledStratifiedMSE
from prevalence.simulate import StratifiedCaptureScenario

TARGET_SECONDS = 60.0


def main() -> int:
    levels = {"region": list("abcdef"), "sex": ["f", "m"], "year": [2023, 2024]}
    scenario = StratifiedCaptureScenario.random(levels, 4, seed=2026)
    model = PooledStratifiedMSE(list(scenario.lists), by=list(scenario.by), seed=1, progress=False)
    failed = False
    for label, replicate in (("first fit (compiles)", 1), ("refit, new data", 2)):
        records = scenario.records(replicate)
        t0 = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", EstimationWarning)
            est = model.fit(records)
        seconds = time.perf_counter() - t0
        d = est.details["diagnostics"]
        ok = seconds < TARGET_SECONDS and d["max_rhat"] < 1.01 and d["divergences"] == 0
        failed |= not ok
        print(
            f"{label:<22} {seconds:6.1f} s  ({est.details['sampler']})  max R-hat {d['max_rhat']:.4f}  "
            f"min bulk ESS {d['min_ess_bulk']:.0f}  divergences {d['divergences']}  "
            f"total {est.value:,.0f} [{est.lower:,.0f}, {est.upper:,.0f}] truth "
            f"{scenario.sizes.sum():,}  {'OK' if ok else 'TARGET MISSED'}"
        )
        for w in caught:
            print(f"    warning: {w.message}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
