"""The coverage study of SS-PSE in docs/network.md (issue 36).

    .venv/bin/python benchmarks/sspse_coverage.py [REPLICATES] [WORKERS] [WORDS]

Runs :func:`prevalence.workbench.network.sspse_study` (default 200 replicates per scenario,
seed 3636, two worker processes; WORDS: only the scenarios whose name contains them, for
example ``measurement``) and prints the summary with the time taken. The slow test suite
runs the first and the last scenario with fewer replicates.
"""

from __future__ import annotations

import multiprocessing
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import pandas as pd

SEED = 3636
COLUMNS = ["scenario", "replicates", "failures", "relative_bias", "coverage", "mean_width"]


def main() -> int:
    from prevalence.workbench.network import sspse_study

    replicates = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    words = sys.argv[3] if len(sys.argv) > 3 else ""
    from prevalence.workbench.network import _sspse_scenarios

    chosen = [name for name in _sspse_scenarios() if words in name]
    pd.set_option("display.width", 160)
    t0 = time.perf_counter()
    # spawn: numba's threads are not fork-safe (prevalence.study's advice)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        summary = sspse_study(replicates, SEED, scenarios=chosen, executor=pool)
    seconds = time.perf_counter() - t0
    print(
        f"SS-PSE: {replicates} replicates per scenario, seed {SEED}, {workers} workers, "
        f"{seconds:.0f} s"
    )
    print(summary[COLUMNS].round(4).to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
