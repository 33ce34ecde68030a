"""How well could any linkage do on these lists? An oracle bound for the name-poor setting
(issue #38).

`link_case_lists` sees, for each scored pair of records, the comparison levels of the names
(with the full name's frequency) and of the dates of birth, and whether the sexes agree. This
script replaces its match probabilities by the share of true matches among all scored pairs
with the same evidence (the same name level, date level, sex agreement, frequency class of an
equal full name and pair kind, within or across lists), counted from the truth: the
probabilities of a classifier that knows the answer for every kind of evidence, fitted in the
sample (optimistic). People are then formed as `link_case_lists` forms them. A second line
links every true pair that was scored (what blocking allows). Where even the oracle is far
from the true-link estimate, the lists do not hold the evidence; no model of the same fields
can close the gap.

Run: `.venv/bin/python benchmarks/linkage_oracle.py [n_people] [seeds...]` (default 3,000
people, seeds 1 2 3; about 20 s a seed).
"""

from __future__ import annotations

import dataclasses
import sys
import time
import warnings

import numpy as np
import pandas as pd

from prevalence import LogLinearMSE
from prevalence.linkage import link_case_lists, pseudonymise
from prevalence.simulate import NAME_POOR, simulate_case_lists

SECRET = "a benchmark secret, long enough to be safe"


def _full_name_share(records: pd.DataFrame) -> pd.Series:
    """Each record's full name's frequency as the product of its two names' shares."""
    given = records["given_name"].fillna("").str.lower()
    family = records["family_name"].fillna("").str.lower()
    return given.map(given.value_counts(normalize=True)) * family.map(
        family.value_counts(normalize=True)
    )


def one_seed(n_people: int, seed: int) -> dict[str, float]:
    pop = simulate_case_lists(n_people, seed=seed, **NAME_POOR)
    lists = {
        name: pseudonymise(
            records, SECRET, list_name=name, record_id="record_id", given_name="given_name",
            family_name="family_name", date_of_birth="date_of_birth", sex="sex",
            keep=["region"],
        )
        for name, records in pop.records.items()
    }  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the ambiguity warning: measured here instead
        result = link_case_lists(lists, seed=1)
    # the truth and the plain fields of every record, in the order of result.records
    plain = (
        pd.concat(
            [
                pop.records[name].assign(
                    record=lists[name]["record"].to_numpy(),
                    person=pop.truth.loc[pop.truth["list"] == name, "person"].to_numpy(),
                )
                for name in pop.lists
            ],
            ignore_index=True,
        )
        .set_index("record")
        .loc[result.records["record"]]
        .reset_index()
    )
    plain["share"] = _full_name_share(plain)
    pairs = result.pairs
    i, j = pairs["index_l"].to_numpy(), pairs["index_r"].to_numpy()
    person = plain["person"].to_numpy()
    same = person[i] == person[j]
    sex = plain["sex"].to_numpy(dtype=object)
    sex_level = np.where(pd.isna(sex[i]) | pd.isna(sex[j]), -1, (sex[i] == sex[j]).astype(int))
    share = plain["share"].to_numpy()
    equal_full = pairs["name_level"].to_numpy() == pairs["name_level"].max()
    frequency_class = np.where(equal_full, np.floor(np.log2(share[i])).astype(int), 0)
    evidence = pd.DataFrame(
        {
            "name": pairs["name_level"].to_numpy(),
            "birth": pairs["birth_level"].to_numpy(),
            "sex": sex_level,
            "frequency": frequency_class,
            "within": pairs["list_l"].to_numpy() == pairs["list_r"].to_numpy(),
        }
    )
    oracle = evidence.assign(same=same).groupby(list(evidence.columns))["same"].transform("mean")
    seen = pop.true_histories()
    n_true = len(pop.true_links())
    model = LogLinearMSE()
    rows: dict[str, float] = {"seen": float(seen.n_observed)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rows["true-link estimate"] = model.fit(seen).value
        for label, probability in (
            ("link_case_lists", pairs["match_probability"].to_numpy()),
            ("oracle on the same evidence", oracle.to_numpy()),
            ("every scored true pair", same.astype(float)),
        ):
            linked = probability >= 0.5
            run = dataclasses.replace(result, pairs=pairs.assign(match_probability=probability))
            histories = run.histories(0.5)
            rows[f"{label}: people"] = float(histories.n_observed)
            rows[f"{label}: recall"] = float(same[linked].sum() / n_true)
            rows[f"{label}: precision"] = float(same[linked].mean())
            rows[f"{label}: estimate"] = model.fit(histories).value
    return rows


def main(n_people: int = 3000, seeds: tuple[int, ...] = (1, 2, 3)) -> None:
    print(
        f"{n_people:,} name-poor people (NAME_POOR), linked at 0.5; independence model; "
        "differences from the people seen and from the true-link estimate"
    )
    print(f"{'seed':>4}  {'linkage':<28}  {'people':>8}  {'recall':>6}  {'precision':>9}  "
          f"{'estimate':>8}")  # fmt: skip
    for seed in seeds:
        t0 = time.perf_counter()
        r = one_seed(n_people, seed)
        for label in ("link_case_lists", "oracle on the same evidence", "every scored true pair"):
            print(
                f"{seed:>4}  {label:<28}  {r[f'{label}: people'] / r['seen'] - 1:+8.1%}  "
                f"{r[f'{label}: recall']:6.3f}  {r[f'{label}: precision']:9.3f}  "
                f"{r[f'{label}: estimate'] / r['true-link estimate'] - 1:+8.1%}"
            )
        print(f"      ({r['seen']:,.0f} people seen, true-link estimate "
              f"{r['true-link estimate']:,.0f}; {time.perf_counter() - t0:.0f} s)")  # fmt: skip


if __name__ == "__main__":
    numbers = [int(a) for a in sys.argv[1:]]
    if len(numbers) > 1:
        main(numbers[0], tuple(numbers[1:]))
    elif numbers:
        main(numbers[0])
    else:
        main()
