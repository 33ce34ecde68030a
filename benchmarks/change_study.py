"""The change-interval study of docs/comparisons.md (issue 21).

    .venv/bin/python benchmarks/change_study.py [REPLICATES] [WORKERS]

Runs :func:`prevalence.workbench.change.change_study` with the scenarios and estimators of
:mod:`prevalence.workbench.change` (default 600 replicates per scenario, 2 spawn worker
processes, seed 2111), writes ``build/change-study/{results,summary}.csv`` and prints the
summary with the time taken. The slow test suite runs a reduced version.
"""

from __future__ import annotations

import multiprocessing
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import pandas as pd

SEED = 2111


def main() -> int:
    from prevalence.workbench.change import change_estimators, change_scenarios, change_study

    replicates = int(sys.argv[1]) if len(sys.argv) > 1 else 600
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    t0 = time.perf_counter()
    if workers > 1:
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(workers, mp_context=ctx) as pool:
            res = change_study(
                change_estimators(),
                change_scenarios(),
                replicates,
                seed=SEED,
                executor=pool,
                chunksize=4,
            )
    else:
        res = change_study(change_estimators(), change_scenarios(), replicates, seed=SEED)
    seconds = time.perf_counter() - t0
    res.save("build/change-study")
    pd.set_option("display.width", 250)
    pd.set_option("display.max_columns", 30)
    cols = [
        "scenario",
        "estimator",
        "quantity",
        "rule",
        "replicates",
        "coverage",
        "coverage_mcse",
        "miss_low",
        "miss_high",
        "median_width",
        "within_bounds",
    ]
    print(res.summary[cols].round(3).to_string(index=False))
    print(
        f"\n{replicates} replicates per scenario, seed {SEED}, {workers} worker(s): {seconds:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
