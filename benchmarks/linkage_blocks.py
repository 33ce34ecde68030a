"""How many record pairs each blocking rule of `link_case_lists` makes at scale, whole and
split by place of birth (#35): the pairs with both places known and equal, and the pairs with
a place missing on one side (what rules for records without a place add).

Simulates and pseudonymises the lists as `bench_linkage.py ... places` does (four lists, 300
places of Zipf frequencies) and counts pairs per key group (n choose 2), before rules share
pairs; no pair is scored. The figures for 1,440,661 records are in docs/scale.md.

Run: `.venv/bin/python benchmarks/linkage_blocks.py [records_per_list] [seed]` (defaults
300000, 20261128; about 4 minutes and 3 GB at the default).
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

SECRET = "a benchmark secret, long enough to be safe"
PLACES = 300
RULES = {
    "family-name code + birth year": ["family_phonetic", "birth_year"],
    "date of birth + sex": ["birth_date", "sex"],
    "given name + birth year": ["given_name", "birth_year"],
    "both names' codes": ["family_phonetic", "given_phonetic"],
    "given-name code + birth year": ["given_phonetic", "birth_year"],
}
TRAINING = {"Splink's EM training block, date of birth": ["birth_date"]}


def pairs(sizes: np.ndarray) -> float:
    n = sizes.astype(float)
    return float((n * (n - 1) / 2).sum())


def count(records: pd.DataFrame, keys: list[str]) -> tuple[float, float, float]:
    """Pairs agreeing on ``keys``: all, with both places known and equal, a place missing."""
    keyed = records.dropna(subset=keys)
    every = pairs(keyed.groupby(keys, sort=False).size().to_numpy())
    known = keyed.dropna(subset=["birth_place"])
    equal = pairs(known.groupby([*keys, "birth_place"], sort=False).size().to_numpy())
    both_known = pairs(known.groupby(keys, sort=False).size().to_numpy())
    return every, equal, every - both_known


def main(per_list: int = 300_000, seed: int = 20261128) -> None:
    from prevalence.linkage import pseudonymise
    from prevalence.simulate import simulate_case_lists

    t0 = time.perf_counter()
    lists = {"police": 0.25, "ngo": 0.25, "shelter": 0.25, "labour": 0.25}
    pop = simulate_case_lists(4 * per_list, lists, seed=seed, birth_places=PLACES)
    columns = ["family_phonetic", "given_phonetic", "given_name", "birth_date", "birth_year"]
    frames = [
        pseudonymise(
            records, SECRET, list_name=name, record_id="record_id", given_name="given_name",
            family_name="family_name", date_of_birth="date_of_birth", sex="sex",
            place_of_birth="place_of_birth",
        )[[*columns, "sex", "birth_place"]]
        for name, records in pop.records.items()
    ]  # fmt: skip
    records = pd.concat(frames, ignore_index=True)
    del pop, frames
    print(
        f"{len(records):,} records (seed {seed}), {records['birth_place'].isna().mean():.1%} "
        f"without a place of birth; made in {time.perf_counter() - t0:.0f} s"
    )
    print(f"{'rule':44s} {'pairs':>10s} {'places equal':>13s} {'a place missing':>16s}")
    total = np.zeros(3)
    for label, keys in {**RULES, **TRAINING}.items():
        figures = count(records, keys)
        if label in RULES:
            total += figures
        print(f"{label:44s}" + "".join(f"{f / 1e6:>12.2f} M" for f in figures))
    print(f"{'the five rules together':44s}" + "".join(f"{f / 1e6:>12.2f} M" for f in total))


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
