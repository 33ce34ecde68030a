"""Linkage quality and its effect on multiple systems estimation (issue #15).

Synthetic case lists with known truth (10,000 people, four lists, typos, duplicates, missing
fields; `simulate_case_lists`), pseudonymised and linked with `link_case_lists` on DuckDB.
Prints, for several thresholds, the pairwise precision and recall against the true links, the
people observed, and the log-linear MSE estimate (BIC selection among models with two-way
interactions) from the linked lists next to the one from the true links; then the time of
each step. Run: `.venv/bin/python benchmarks/linkage_quality.py [n_people] [seed] [poor]`;
with `poor`, a name-poor population (issue #38): three lists, given names from a pool of 20 and
family names from 216 (36 stems with short suffixes), both with Zipf frequencies, 5% typos,
3% duplicates. With `places`, every person also has a place of birth among 300 (Zipf
frequencies; 5% missing, 1% recorded as another), pseudonymised and compared (issue #35).
"""

from __future__ import annotations

import sys
import time
import warnings

import numpy as np

from prevalence import LogLinearMSE
from prevalence.linkage import estimate_with_linkage_uncertainty, link_case_lists, pseudonymise
from prevalence.simulate import NAME_POOR, simulate_case_lists

SECRET = "a benchmark secret, long enough to be safe"
PLACES = 300  # with `places`: a place of birth among 300 (Zipf), pseudonymised and compared


def main(
    n_people: int = 10_000, seed: int = 20261128, poor: bool = False, places: bool = False
) -> None:
    t0 = time.perf_counter()
    pop = simulate_case_lists(
        n_people,
        seed=seed,
        birth_places=PLACES if places else None,
        **(NAME_POOR if poor else {}),
    )
    t_sim = time.perf_counter() - t0
    t0 = time.perf_counter()
    lists = {
        name: pseudonymise(
            records, SECRET, list_name=name, record_id="record_id", given_name="given_name",
            family_name="family_name", date_of_birth="date_of_birth", sex="sex",
            place_of_birth="place_of_birth" if places else None,
            keep=["region", "exploitation", "year"],
        )
        for name, records in pop.records.items()
    }  # fmt: skip
    t_hash = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = link_case_lists(lists, seed=1)
    t_link = time.perf_counter() - t0
    person_of = {}
    for name, frame in lists.items():
        truth = pop.truth[pop.truth["list"] == name]
        person_of.update(zip(frame["record"], truth["person"], strict=True))
    n_true_links = len(pop.true_links())
    same = np.array(
        [
            person_of[a] == person_of[b]
            for a, b in zip(result.pairs["record_l"], result.pairs["record_r"], strict=True)
        ]
    )
    n_records = sum(len(r) for r in pop.records.values())
    print(
        f"{n_people:,} people, {len(pop.lists)} lists, {n_records:,} records "
        f"({pop.true_histories().n_observed:,} people observed, {n_true_links:,} true links); "
        f"seed {seed}"
        + (
            f"; name-poor: {pop.settings['namesakes']:.0%} of people share both names with "
            f"someone, {pop.settings['namesakes_same_year']:.0%} also the year of birth"
            if poor
            else ""
        )
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LogLinearMSE(select="bic", max_order=2, seed=1)
        true_fit = model.fit(pop.true_histories())
        print(
            f"MSE from the true links: N = {true_fit.value:,.0f} "
            f"[{true_fit.lower:,.0f}, {true_fit.upper:,.0f}] (truth {n_people:,})"
        )
        summary = result.summary()
        print(
            f"links on the names alone: {summary['links_on_names_alone']:,} "
            f"({summary['share_of_links_on_names_alone']:.1%})"
        )
        print("threshold  precision  recall  observed  N (linked)  interval")
        for t in (0.5, 0.8, 0.9, 0.95, 0.99):
            linked = result.pairs["match_probability"].to_numpy() >= t
            precision = same[linked].mean()
            recall = same[linked].sum() / n_true_links
            histories = result.histories(t)
            fit = model.fit(histories)
            print(
                f"{t:9.2f}  {precision:9.4f}  {recall:6.4f}  {histories.n_observed:8,d}  "
                f"{fit.value:10,.0f}  [{fit.lower:,.0f}, {fit.upper:,.0f}]"
            )
        combined = estimate_with_linkage_uncertainty(result, model, draws=20, seed=seed)
        print(
            f"combined over 20 drawn linkages: N = {combined.value:,.0f} "
            f"[{combined.lower:,.0f}, {combined.upper:,.0f}] "
            f"(linkage share of the variance {combined.details['linkage_share']:.2f})"
        )
    print(
        f"time: simulate {t_sim:.1f} s, pseudonymise {t_hash:.1f} s, link {t_link:.1f} s "
        f"({len(result.pairs):,} scored pairs)"
    )


if __name__ == "__main__":
    flags = {a for a in sys.argv[1:] if not a.isdigit()}
    args = [int(a) for a in sys.argv[1:] if a.isdigit()]
    main(*args, poor="poor" in flags, places="places" in flags)
