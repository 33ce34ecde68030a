"""CaptureHistories: construction, transformations and every bad-input error."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from prevalence import CaptureHistories, DataError, DataWarning


@pytest.fixture
def three_lists() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "A": [1, 0, 0, 1, 1, 0, 1],
            "B": [0, 1, 0, 1, 0, 1, 1],
            "C": [0, 0, 1, 0, 1, 1, 1],
            "count": [30, 25, 20, 8, 6, 4, 2],
        }
    )


def test_from_counts_basic(three_lists):
    ch = CaptureHistories.from_counts(three_lists)
    assert ch.lists == ("A", "B", "C")
    assert ch.n_lists == 3
    assert ch.n_observed == 95
    counts = ch.counts
    assert list(counts.columns) == ["A", "B", "C", "count"]
    assert len(counts) == 7
    assert counts["count"].sum() == 95
    assert ch.list_totals().to_dict() == {"A": 46, "B": 39, "C": 32}


def test_counts_include_zero_patterns():
    df = pd.DataFrame({"A": [1, 0], "B": [0, 1], "C": [1, 1], "count": [3, 4]})
    counts = CaptureHistories.from_counts(df).counts
    assert len(counts) == 7
    assert (counts["count"] == 0).sum() == 5


def test_repeated_patterns_are_summed(three_lists):
    doubled = pd.concat([three_lists, three_lists.iloc[[0]]], ignore_index=True)
    ch = CaptureHistories.from_counts(doubled)
    assert ch.n_observed == 125
    row = ch.counts.query("A == 1 and B == 0 and C == 0")
    assert int(row["count"].iloc[0]) == 60


def test_lists_argument_orders_and_selects(three_lists):
    df = three_lists.assign(region="north")
    ch = CaptureHistories.from_counts(df, lists=["C", "A", "B"])
    assert ch.lists == ("C", "A", "B")
    assert ch.n_observed == 95


def test_all_zero_row_with_zero_count_is_allowed(three_lists):
    df = pd.concat([three_lists, pd.DataFrame({"A": [0], "B": [0], "C": [0], "count": [0]})])
    assert CaptureHistories.from_counts(df).n_observed == 95


def test_bool_columns_are_accepted():
    df = pd.DataFrame({"A": [True, False, True], "B": [False, True, True], "count": [1, 2, 3]})
    assert CaptureHistories.from_counts(df).n_observed == 6


def test_from_records_agrees_with_from_counts(three_lists):
    records = three_lists.loc[three_lists.index.repeat(three_lists["count"]), ["A", "B", "C"]]
    assert CaptureHistories.from_records(
        records, lists=["A", "B", "C"]
    ) == CaptureHistories.from_counts(three_lists)


def test_omit_and_merge(three_lists):
    ch = CaptureHistories.from_counts(three_lists)
    no_c = ch.omit("C")
    assert no_c.lists == ("A", "B")
    assert no_c.n_observed == 95 - 20
    merged = ch.merge(["A", "C"], into="AC")
    assert merged.lists == ("AC", "B")
    assert merged.n_observed == 95
    totals = merged.list_totals()
    assert totals["AC"] == 30 + 20 + 8 + 6 + 4 + 2
    assert totals["B"] == 39
    assert ch.merge(["B", "C"]).lists == ("A", "B+C")


def test_reorder_is_a_permutation(three_lists):
    ch = CaptureHistories.from_counts(three_lists)
    back = ch.reorder(["C", "A", "B"]).reorder(["A", "B", "C"])
    assert back == ch
    with pytest.raises(DataError, match="permutation"):
        ch.reorder(["A", "B"])


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("value", "message"),
    [
        (-1, "must not be negative"),
        (2.5, "whole numbers"),
        (np.nan, "missing value"),
        ("x", "numeric"),
    ],
)
def test_bad_counts_name_column_and_row(three_lists, value, message):
    df = three_lists.astype({"count": object})
    df.loc[3, "count"] = value
    with pytest.raises(DataError, match=message) as info:
        CaptureHistories.from_counts(df)
    assert "'count'" in str(info.value)
    assert "row 3" in str(info.value)


@pytest.mark.parametrize("value", [2, -1, 0.5, "yes"])
def test_list_values_must_be_binary(three_lists, value):
    df = three_lists.astype({"B": object})
    df.loc[4, "B"] = value
    with pytest.raises(DataError, match="0/1") as info:
        CaptureHistories.from_counts(df)
    assert "'B'" in str(info.value) and "row 4" in str(info.value)


def test_missing_list_value(three_lists):
    df = three_lists.astype({"A": float})
    df.loc[2, "A"] = np.nan
    with pytest.raises(DataError, match="missing value at row 2"):
        CaptureHistories.from_counts(df)


def test_positive_count_on_all_zero_pattern(three_lists):
    df = pd.concat(
        [three_lists, pd.DataFrame({"A": [0], "B": [0], "C": [0], "count": [5]}, index=[99])]
    )
    with pytest.raises(DataError, match="row 99.*no list"):
        CaptureHistories.from_counts(df)


def test_fewer_than_two_lists():
    with pytest.raises(DataError, match="at least two"):
        CaptureHistories.from_counts(pd.DataFrame({"A": [1], "count": [4]}))
    with pytest.raises(DataError, match="at least two"):
        CaptureHistories.from_records(pd.DataFrame({"A": [1, 1]}), lists=["A"])


def test_unknown_list_names(three_lists):
    with pytest.raises(DataError, match=r"unknown list column\(s\) \['D'\]"):
        CaptureHistories.from_counts(three_lists, lists=["A", "D"])
    with pytest.raises(DataError, match="unknown count column"):
        CaptureHistories.from_counts(three_lists, count="n")
    ch = CaptureHistories.from_counts(three_lists)
    with pytest.raises(DataError, match="unknown list 'Z'"):
        ch.omit("Z")
    with pytest.raises(DataError, match="unknown list 'Z'"):
        ch.merge(["A", "Z"])


def test_list_that_caught_nobody_is_dropped_with_warning(three_lists):
    df = three_lists.assign(D=0)
    with pytest.warns(DataWarning, match=r"\['D'\] caught nobody"):
        ch = CaptureHistories.from_counts(df, lists=["A", "B", "D", "C"])
    assert ch == CaptureHistories.from_counts(three_lists)


def test_only_one_list_caught_anyone():
    df = pd.DataFrame({"A": [1], "B": [0], "count": [7]})
    with pytest.warns(DataWarning), pytest.raises(DataError, match="at least two lists"):
        CaptureHistories.from_counts(df)


def test_record_on_no_list_is_an_error():
    df = pd.DataFrame({"A": [1, 0, 0], "B": [0, 1, 0]})
    with pytest.raises(DataError, match="row 2 is on none of the lists"):
        CaptureHistories.from_records(df, lists=["A", "B"])


def test_not_a_dataframe():
    with pytest.raises(DataError, match="DataFrame"):
        CaptureHistories.from_counts([[1, 0, 3]])  # type: ignore[arg-type]
    with pytest.raises(
        DataError, match="lists must be a list of names, got the single string 'AB'"
    ):
        CaptureHistories.from_records(pd.DataFrame({"AB": [1]}), lists="AB")


def test_a_string_is_never_split_into_list_names():
    """'AB' as lists is refused everywhere, never read as the lists 'A' and 'B'."""
    counts = pd.DataFrame({"A": [1, 0, 1], "B": [0, 1, 1], "count": [3, 4, 5]})
    ch = CaptureHistories.from_counts(counts)
    calls = [
        lambda: CaptureHistories.from_counts(counts, lists="AB"),
        lambda: ch.reorder("BA"),
        lambda: CaptureHistories([0, 1, 2, 3], "AB"),
    ]
    for call in calls:
        with pytest.raises(DataError, match="single string"):
            call()
