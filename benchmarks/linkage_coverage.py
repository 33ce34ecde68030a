"""Coverage of MSE intervals after linkage (issue #15).

Each replicate draws synthetic case lists with known truth (`simulate_case_lists`: four
lists, typos, duplicates, missing fields; lists independent, so that the log-linear
independence model is right and the study measures the linkage, not the model), pseudonymises
and links them, and estimates the population size three ways with that estimator: from the
true links, from the linkage at threshold 0.5, and combined over drawn linkage configurations
(`estimate_with_linkage_uncertainty`). Prints the coverage of
the 95% intervals of the true size, their median widths and the mean relative bias, with the
seed and the time. Replicates run in parallel over processes (the same numbers on any number
of workers: each replicate has its own seed).

Run: `.venv/bin/python benchmarks/linkage_coverage.py [replicates] [n_people] [workers] [draws]`
(defaults 200, 2000, 2, 20).
"""

from __future__ import annotations

import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor

import numpy as np

SEED = 20261128
SECRET = "a coverage-study secret, long enough"


def replicate(args: tuple[int, int, int]) -> dict[str, float]:
    k, n_people, draws = args
    from prevalence import LogLinearMSE
    from prevalence.linkage import estimate_with_linkage_uncertainty, link_case_lists, pseudonymise
    from prevalence.simulate import simulate_case_lists

    warnings.simplefilter("ignore")
    pop = simulate_case_lists(n_people, heterogeneity=0.0, seed=SEED + k)
    lists = {
        name: pseudonymise(
            records, SECRET, list_name=name, record_id="record_id", given_name="given_name",
            family_name="family_name", date_of_birth="date_of_birth", sex="sex",
        )
        for name, records in pop.records.items()
    }  # fmt: skip
    result = link_case_lists(lists, seed=k)
    model = LogLinearMSE()  # independence: the model that generated the lists
    out = {}
    for label, est in (
        ("true links", model.fit(pop.true_histories())),
        ("threshold 0.5", model.fit(result.histories(0.5))),
        (
            "linkage uncertainty",
            estimate_with_linkage_uncertainty(result, model, draws=draws, seed=SEED + k),
        ),
    ):
        out[f"{label}|value"] = est.value
        out[f"{label}|lower"] = est.lower
        out[f"{label}|upper"] = est.upper
    return out


def main(replicates: int = 200, n_people: int = 2000, workers: int = 2, draws: int = 20) -> None:
    t0 = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool:
        rows = list(pool.map(replicate, [(k, n_people, draws) for k in range(replicates)]))
    elapsed = time.perf_counter() - t0
    print(
        f"{replicates} replicates of {n_people:,} people, four lists; {draws} linkage "
        f"configurations; seeds {SEED}+k; {elapsed:.0f} s on {workers} workers"
    )
    print("estimate               coverage   median width   mean relative bias")
    for label in ("true links", "threshold 0.5", "linkage uncertainty"):
        v = np.array([r[f"{label}|value"] for r in rows])
        lo = np.array([r[f"{label}|lower"] for r in rows])
        hi = np.array([r[f"{label}|upper"] for r in rows])
        cover = np.mean((lo <= n_people) & (n_people <= hi))
        se = np.sqrt(cover * (1 - cover) / replicates)
        print(
            f"{label:20s}  {cover:6.3f} ({se:.3f})  {np.median(hi - lo):12,.0f}  "
            f"{np.mean(v / n_people - 1):+17.3f}"
        )


if __name__ == "__main__":
    main(*[int(a) for a in sys.argv[1:]])
