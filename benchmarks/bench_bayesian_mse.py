"""Bayesian MSE (issue #8): LatentClassMSE, DecomposableBMA and BayesThresholdMSE timings.

Targets from the issue, measured with R on this kind of machine: LCMCR's C++ sampler takes
2.3 s for 110,000 Gibbs sweeps (10,000 burn-in, 1,000 samples thinned by 100) on the four-list
Kosovo data (4,400 people); dga's ``bma.cr`` takes 0.42 s on four lists and 0.34 s on five.
R's ``estimate_population_bayesthresh`` seconds come from ../shared/reference/values_mse.json.

Each case is timed after a warm-up call that loads (or compiles) the numba kernels; the
warm-up time is printed too. Usage: python benchmarks/bench_bayesian_mse.py
"""

from __future__ import annotations

import json
import time
import warnings
from pathlib import Path

REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference"


def _load(name: str):
    import pandas as pd

    from prevalence import CaptureHistories

    df = pd.read_csv(REFERENCE / "data" / f"{name}.csv")
    return CaptureHistories.from_counts(df, count=df.columns[-1])


def _best_of(fn, repeats: int = 3) -> tuple[float, float]:
    start = time.perf_counter()
    fn()
    first = time.perf_counter() - start
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return first, min(times)


def _line(label: str, first: float, best: float, target: float | None) -> None:
    ratio = f"{best / target:6.3f} of R ({target:.3g} s)" if target else ""
    print(f"{label:<52} first {first:7.3f} s  best {best:7.3f} s  {ratio}")


def main() -> None:
    warnings.simplefilter("ignore")
    from prevalence import BayesThresholdMSE, DecomposableBMA, LatentClassMSE

    kosovo = _load("Kosovo")
    print(f"Kosovo: {kosovo.n_lists} lists, {kosovo.n_observed} people")
    for chains in (1, 2):
        est = LatentClassMSE(
            K=10, burnin=10_000, samples=1_000, thinning=100, chains=chains, seed=1
        )
        first, best = _best_of(lambda est=est: est.fit(kosovo))
        _line(f"LatentClassMSE Kosovo, 110,000 sweeps x {chains} chain(s)", first, best, 2.3)

    for name, target in (("Kosovo", 0.42), ("UK_4", 0.42), ("NewOrl_5", 0.34),
                         ("Western", 0.34), ("UKdat_5", 0.34), ("Ned_5", 0.34)):  # fmt: skip
        data = _load(name)
        first, best = _best_of(lambda data=data: DecomposableBMA(seed=1).fit(data))
        label = f"DecomposableBMA {name} ({data.n_lists} lists, n={data.n_observed})"
        _line(label, first, best, target)

    ref = json.loads((REFERENCE / "values_mse.json").read_text())
    for name in ("Korea", "UK_4", "NewOrl_4"):
        data = _load(name)
        first, best = _best_of(lambda data=data: BayesThresholdMSE(seed=1).fit(data))
        r = ref[name]["bayesthresh"]["seconds"]
        _line(f"BayesThresholdMSE {name} (4 chains x 10,000)", first, best, r)


if __name__ == "__main__":
    main()
