"""Linking four case lists of 250,000 records each on DuckDB (issue #15).

Simulates the lists (`simulate_case_lists`, about a million people so that each list finds a
quarter of them), pseudonymises them, links them with `link_case_lists` and prints the time of
each step, the process's peak memory and the linkage's precision and recall against the
truth. Run: `.venv/bin/python benchmarks/bench_linkage.py [records_per_list] [seed]`.
"""

from __future__ import annotations

import resource
import sys
import time
import warnings

import numpy as np

from prevalence.linkage import link_case_lists, pseudonymise
from prevalence.simulate import simulate_case_lists

SECRET = "a benchmark secret, long enough to be safe"


def main(per_list: int = 250_000, seed: int = 20261128) -> None:
    warnings.simplefilter("ignore")
    n_people = 4 * per_list  # each of the four lists finds about a quarter of the people
    lists = {"police": 0.25, "ngo": 0.25, "shelter": 0.25, "labour": 0.25}
    t0 = time.perf_counter()
    pop = simulate_case_lists(n_people, lists, seed=seed)
    t_sim = time.perf_counter() - t0
    t0 = time.perf_counter()
    hashed = {
        name: pseudonymise(
            records, SECRET, list_name=name, record_id="record_id", given_name="given_name",
            family_name="family_name", date_of_birth="date_of_birth", sex="sex",
            keep=["region", "exploitation", "year"],
        )
        for name, records in pop.records.items()
    }  # fmt: skip
    t_hash = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = link_case_lists(hashed, seed=1)
    t_link = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    person_of: dict[str, int] = {}
    for name, frame in hashed.items():
        truth = pop.truth[pop.truth["list"] == name]
        person_of.update(zip(frame["record"], truth["person"], strict=True))
    linked = result.pairs[result.pairs["match_probability"] >= 0.5]
    same = np.array(
        [
            person_of[a] == person_of[b]
            for a, b in zip(linked["record_l"], linked["record_r"], strict=True)
        ]
    )
    sizes = {k: len(v) for k, v in pop.records.items()}
    print(f"records per list: {sizes}; seed {seed}")
    print(
        f"time: simulate {t_sim:.0f} s, pseudonymise {t_hash:.0f} s, link {t_link:.0f} s; "
        f"peak memory {peak_mb:,.0f} MB"
    )
    print(
        f"at 0.5: precision {same.mean():.4f}, recall {same.sum() / len(pop.true_links()):.4f}; "
        f"{len(result.pairs):,} scored pairs"
    )


if __name__ == "__main__":
    main(*[int(a) for a in sys.argv[1:]])
