"""The synthetic case-list generator (issue #15): known truth behind messy records."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from prevalence import DataError
from prevalence.linkage.normalise import normalise_name, parse_date
from prevalence.simulate import simulate_case_lists


@pytest.fixture(scope="module")
def pop():
    return simulate_case_lists(4000, seed=11)


def test_same_seed_same_records():
    a, b = simulate_case_lists(300, seed=5), simulate_case_lists(300, seed=5)
    for name in a.records:
        pd.testing.assert_frame_equal(a.records[name], b.records[name])
    pd.testing.assert_frame_equal(a.truth, b.truth)
    c = simulate_case_lists(300, seed=6)
    assert not a.records["police"].equals(c.records["police"])


def test_truth_accounts_for_every_record(pop):
    for name, records in pop.records.items():
        truth = pop.truth[pop.truth["list"] == name]
        assert truth["record_id"].tolist() == records["record_id"].tolist()
        found = int(pop.people[name].sum())
        duplicates = len(records) - found
        assert truth["person"].nunique() == found
        assert 0 <= duplicates <= 0.1 * found  # duplicate_rate 0.05
        # every record is of a person the list found, with that person's region
        people = pop.people.set_index("person").loc[truth["person"]]
        assert (people[name] == 1).all()
        assert (people["region"].to_numpy() == records["region"].to_numpy()).all()


def test_true_histories_and_links(pop):
    histories = pop.true_histories()
    seen = (pop.people[list(pop.lists)].sum(axis=1) > 0).sum()
    assert int(histories.n_observed) == seen == pop.truth["person"].nunique()
    links = pop.true_links()
    per_person = pop.truth.groupby("person").size()
    assert len(links) == int((per_person * (per_person - 1) // 2).sum())


def test_records_are_messy_at_the_rates_asked(pop):
    """About typo_rate of family names differ from the truth after normalisation (more where
    a second family name was dropped); dates are written in each list's format and mostly
    read back to the truth."""
    police = pop.records["police"]
    truth = pop.people.set_index("person").loc[
        pop.truth.loc[pop.truth["list"] == "police", "person"]
    ]
    same = [
        normalise_name(r) == normalise_name(t)
        for r, t in zip(police["family_name"], truth["family_name"], strict=True)
    ]
    share_changed = 1 - np.mean(same)
    assert 0.08 < share_changed < 0.25
    assert police["family_name"].str.isupper().all()  # police forms in capitals
    written = police["date_of_birth"].dropna()
    assert written.str.fullmatch(r"\d{2}/\d{2}/\d{4}|\d{4}").all()
    assert 0.02 < police["date_of_birth"].isna().mean() < 0.09  # missing_rate 0.05
    dates = [parse_date(d) for d in written]
    assert all(d is not None for d in dates)
    labour = pop.records["labour"]["date_of_birth"].dropna()
    assert labour.str.contains(r"[A-Za-z]").mean() > 0.8  # "17 May 1990"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(n_people=0), "positive whole number"),
        (dict(lists={"a": 0.2}), "at least two lists"),
        (dict(lists={"a": 0.2, "b": 1.0}), "must lie in \\(0, 1\\)"),
        (dict(typo_rate=1.5), "typo_rate must lie in"),
        (dict(heterogeneity=-1), "heterogeneity must be non-negative"),
    ],
)
def test_bad_settings(kwargs, message):
    with pytest.raises(DataError, match=message):
        simulate_case_lists(**{"n_people": 10, **kwargs})
