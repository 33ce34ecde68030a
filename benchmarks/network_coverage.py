"""The coverage studies of docs/network.md (issue 14): network scale-up and RDS.

    .venv/bin/python benchmarks/network_coverage.py [REPLICATES]

Runs :func:`prevalence.workbench.network.scaleup_study` and
:func:`~prevalence.workbench.network.rds_study` (default 500 replicates per scenario, seed
1414) and prints both summaries with the time taken. The slow test suite runs a smaller one.
"""

from __future__ import annotations

import sys
import time

import pandas as pd

SEED = 1414
COLUMNS = ["scenario", "estimator", "replicates", "relative_bias", "rmse", "coverage", "mean_width"]


def main() -> int:
    from prevalence.workbench.network import rds_study, scaleup_study

    replicates = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    pd.set_option("display.width", 160)
    for name, run in (("network scale-up", scaleup_study), ("RDS", rds_study)):
        t0 = time.perf_counter()
        summary = run(replicates, SEED)
        seconds = time.perf_counter() - t0
        print(f"{name}: {replicates} replicates per scenario, seed {SEED}, {seconds:.0f} s")
        print(summary[COLUMNS].round(4).to_string(index=False))
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
