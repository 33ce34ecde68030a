"""Many-list model searches (issue 19): time against R's MultipleSystemsEstimation.

* downhill BIC search on the eight New Orleans lists (point estimate), and with 1000
  bootstrap replicates that each repeat the search plus the jackknife (BCa interval);
* the multi-start search on the same data;
* the refusal of an exhaustive search over 2**28 models (seven and eight lists).

R's times were measured on this kind of 2-core machine with MultipleSystemsEstimation 1.2.0:
``downhill_fit`` 0.5 s; ``downhill_bootstrapcal`` (1000 replicates) + ``downhill_jackknifecal``
944 s (seed 1234).

    .venv/bin/python benchmarks/bench_search.py
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import pandas as pd

from prevalence import CaptureHistories, DataError, LogLinearMSE

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "data"
R_SECONDS = {"point": 0.5, "bca": 944.0}


def main() -> None:
    df = pd.read_csv(DATA / "NewOrl.csv")
    captures = CaptureHistories.from_counts(df, count=df.columns[-1])
    LogLinearMSE(select="bic", search="downhill", interval="none").fit(captures)  # compile
    t0 = time.perf_counter()
    est = LogLinearMSE(select="bic", search="downhill", interval="none").fit(captures)
    t_point = time.perf_counter() - t0
    print(
        f"downhill, 8 lists: {est.value:.2f} {est.details['model']} in {t_point:.3f} s "
        f"(R {R_SECONDS['point']} s, x{R_SECONDS['point'] / t_point:.0f})"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        est = LogLinearMSE(select="bic", search="downhill", seed=1234, progress=False).fit(captures)
        t_bca = time.perf_counter() - t0
    print(
        f"  + BCa, 1000 replicates: [{est.lower:.0f}, {est.upper:.0f}] in {t_bca:.1f} s "
        f"(R {R_SECONDS['bca']:.0f} s, x{R_SECONDS['bca'] / t_bca:.0f})"
    )
    t0 = time.perf_counter()
    est = LogLinearMSE(select="bic", search="multistart", interval="none").fit(captures)
    print(
        f"multi-start ({est.details['search']['starts']} starts): {est.value:.2f} in "
        f"{time.perf_counter() - t0:.2f} s"
    )
    for data in (captures, captures.omit("H")):
        t0 = time.perf_counter()
        try:
            LogLinearMSE(select="bic").fit(data)
        except DataError:
            pass
        print(
            f"exhaustive search on {data.n_lists} lists refused in "
            f"{1000 * (time.perf_counter() - t0):.1f} ms"
        )


if __name__ == "__main__":
    main()
