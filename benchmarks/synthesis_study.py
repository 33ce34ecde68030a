"""The evidence synthesis study of docs/synthesis.md (issue 34).

    .venv/bin/python benchmarks/synthesis_study.py [REPLICATES] [OUT_DIR]

Runs :func:`prevalence.workbench.synthesis.synthesis_study` on its two scenarios (default 100
replicates each, seed 20261207: six areas, two periods, three sources) and prints the summary
(:func:`~prevalence.workbench.synthesis.summarise_synthesis`) with the time taken; with
``OUT_DIR`` the per-quantity results are written to ``OUT_DIR/synthesis_results.csv``. The
slow test suite runs a smaller study.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pandas as pd

SEED = 20261207


def main() -> int:
    from prevalence.workbench.synthesis import summarise_synthesis, synthesis_study

    replicates = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    t0 = time.perf_counter()
    results = synthesis_study(replicates, SEED)
    seconds = time.perf_counter() - t0
    if len(sys.argv) > 2:
        out = Path(sys.argv[2])
        out.mkdir(parents=True, exist_ok=True)
        results.to_csv(out / "synthesis_results.csv", index=False)
    pd.set_option("display.width", 200)
    print(
        f"evidence synthesis study: {replicates} replicates per scenario, seed {SEED}, "
        f"{seconds:.0f} s"
    )
    print(summarise_synthesis(results).round(3).to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
