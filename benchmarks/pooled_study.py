"""The pooled stratified MSE study of docs/pooled.md (issue 20).

    .venv/bin/python benchmarks/pooled_study.py [REPLICATES] [OUT_DIR]

Runs :func:`prevalence.workbench.pooled.pooled_study` on its three scenarios (default 100
replicates each, seed 2020) and prints the summary
(:func:`~prevalence.workbench.pooled.summarise_pooled`) with the time taken; with ``OUT_DIR``
the per-fit results are written to ``OUT_DIR/pooled_results.csv``. The slow test suite runs a
smaller study.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pandas as pd

SEED = 2020
COLUMNS = [
    "scenario",
    "method",
    "class",
    "fits",
    "failed",
    "relative_bias",
    "rmse",
    "relative_rmse",
    "coverage",
    "median_width",
]


def main() -> int:
    from prevalence.workbench.pooled import pooled_study, summarise_pooled

    replicates = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    t0 = time.perf_counter()
    results = pooled_study(replicates, SEED)
    seconds = time.perf_counter() - t0
    if len(sys.argv) > 2:
        out = Path(sys.argv[2])
        out.mkdir(parents=True, exist_ok=True)
        results.to_csv(out / "pooled_results.csv", index=False)
    pd.set_option("display.width", 200)
    print(
        f"pooled stratified MSE study: {replicates} replicates per scenario, seed {SEED}, {seconds:.0f} s"
    )
    print(summarise_pooled(results)[COLUMNS].round(3).to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
