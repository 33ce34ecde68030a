"""Coverage of MSE intervals after linkage (issue #15), as a workbench study.

Each replicate draws synthetic case lists with known truth (`CaseListScenario`: four lists,
typos, duplicates, missing fields; lists independent, so that the log-linear independence
model is right and the study measures the linkage, not the model), pseudonymises and links
them, and estimates the population size three ways with that estimator (`LinkedEstimate`):
from the true links, from the linkage at threshold 0.5, and combined over drawn linkage
configurations. Prints the coverage of the 95% intervals of the true size, their mean widths
and the mean relative bias, with the seed and the time. `study()` gives every replicate its
own seed, so the numbers are the same on any number of workers.

Run: `.venv/bin/python benchmarks/linkage_coverage.py [replicates] [n_people] [workers] [draws]
[poor]` (defaults 200, 2000, 2, 20); `poor` draws name-poor populations instead (issue #38:
given names from 20, family names from 216, Zipf; three lists, 5% typos, 3% duplicates).
"""

from __future__ import annotations

import multiprocessing
import sys
import time
from concurrent.futures import ProcessPoolExecutor

SEED = 20261128


def run(
    replicates: int = 200,
    n_people: int = 2000,
    workers: int = 2,
    draws: int = 20,
    poor: bool = False,
):
    """The study's summary and its wall time (also used by the slow test, reduced)."""
    from prevalence import LogLinearMSE
    from prevalence.simulate import NAME_POOR
    from prevalence.workbench import CaseListScenario, LinkedEstimate, study

    model = LogLinearMSE()  # independence: the model that generated the lists
    estimators = {
        "true links": LinkedEstimate(model, "true"),
        "threshold 0.5": LinkedEstimate(model, "threshold", threshold=0.5),
        "linkage uncertainty": LinkedEstimate(model, "uncertainty", draws=draws),
    }
    settings = NAME_POOR if poor else {}
    scenarios = {f"{n_people} people": CaseListScenario(n_people, heterogeneity=0.0, **settings)}
    t0 = time.perf_counter()
    if workers > 1:
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(workers, mp_context=ctx) as pool:
            result = study(estimators, scenarios, replicates, seed=SEED, executor=pool)
    else:
        result = study(estimators, scenarios, replicates, seed=SEED)
    return result, time.perf_counter() - t0


def main(
    replicates: int = 200,
    n_people: int = 2000,
    workers: int = 2,
    draws: int = 20,
    poor: bool = False,
) -> None:
    result, elapsed = run(replicates, n_people, workers, draws, poor)
    lists = "three lists, name-poor" if poor else "four lists"
    print(
        f"{replicates} replicates of {n_people:,} people, {lists}; {draws} linkage "
        f"configurations; seed {SEED}; {elapsed:.0f} s on {workers} workers"
    )
    table = result.summary.set_index("estimator")
    print("estimate               coverage   mean width   mean relative bias   failures")
    for label in ("true links", "threshold 0.5", "linkage uncertainty"):
        row = table.loc[label]
        cover = row["coverage"]
        se = (cover * (1 - cover) / replicates) ** 0.5
        print(
            f"{label:20s}  {cover:6.3f} ({se:.3f})  {row['mean_width']:10,.0f}  "
            f"{row['relative_bias']:+19.3f}   {int(row['failures'])}"
        )


if __name__ == "__main__":
    flags = {a for a in sys.argv[1:] if not a.isdigit()}
    main(*[int(a) for a in sys.argv[1:] if a.isdigit()], poor="poor" in flags)
