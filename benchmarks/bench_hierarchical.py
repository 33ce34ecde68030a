"""Hierarchical prevalence: 100 areas x 2 periods, 4 chains x 1000 draws, on this machine.

Prints the wall time including model compilation (first call) and a second fit of the same
model (PyTensor's compilation cache warm), the worst R-hat and bulk/tail ESS over every area
prevalence, divergences and tree-depth saturation. Target: under 60 s with R-hat below 1.01,
bulk ESS above 400 for every area, no divergences.
"""

from __future__ import annotations

import resource
import sys
import time
import warnings

from prevalence import EstimationWarning, HierarchicalPrevalence
from prevalence.simulate import simulate_areas


def main() -> int:
    sim = simulate_areas(100, 2, seed=2026)
    model = HierarchicalPrevalence(
        area="area",
        period="period",
        cases="cases",
        trials="trials",
        population="population",
        covariates=["x"],
        draws=1000,
        tune=1000,
        chains=4,
        seed=1,
        progress=False,
    )
    results = []
    for label in ("first fit (compiles)", "second fit"):
        t0 = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", EstimationWarning)
            est = model.fit(sim.frame)
        seconds = time.perf_counter() - t0
        results.append((label, seconds, est, [str(w.message) for w in caught]))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    failed = False
    for label, seconds, est, caught in results:
        d = est.details["diagnostics"]
        ok = (
            seconds < 60
            and d["max_rhat"] < 1.01
            and d["min_ess_bulk"] > 400
            and d["divergences"] == 0
        )
        failed |= not ok
        print(
            f"{label:<22} {seconds:6.1f} s  max R-hat {d['max_rhat']:.4f}  min bulk ESS {d['min_ess_bulk']:.0f}  "
            f"min tail ESS {d['min_ess_tail']:.0f}  divergences {d['divergences']}  "
            f"tree-depth hits {d['max_treedepth_hits']}  {'OK' if ok else 'TARGET MISSED'}"
        )
        for w in caught:
            print(f"    warning: {w}")
    est = results[-1][2]
    nat = est.details["national"]
    print(
        f"national prevalence by period (posterior median): {nat['value'].round(4).tolist()}, "
        f"truth {sim.national['true_prevalence'].round(4).tolist()}"
    )
    print(f"peak memory {peak_mb:.0f} MB")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
