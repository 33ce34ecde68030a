"""The standard case-record schema (issue #15): every failing row reported, local codes mapped."""

from __future__ import annotations

import pandas as pd
import pytest

from prevalence import DataError
from prevalence.linkage.schema import (
    AGE_GROUPS,
    CASE_RECORD_COLUMNS,
    age_group,
    map_codes,
    validate_case_records,
)


def good(n: int = 4) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "list": ["police"] * n,
            "record_id": [f"P{i}" for i in range(n)],
            "sex": ["F", "M", "X", None][:n],
            "age_group": ["0-11", "15-17", "25-34", None][:n],
            "citizenship": ["NGA", "VNM", None, "ROU"][:n],
            "exploitation_type": ["sexual", "labour", "begging", None][:n],
            "year": [2023, 2024, 2025, 2025][:n],
            "region": ["north", None, "east", "west"][:n],
        }
    )


def test_valid_records_pass_in_schema_order():
    records = good().assign(extra="kept out")[list(reversed(CASE_RECORD_COLUMNS)) + ["extra"]]
    out = validate_case_records(records, latest=2026)
    assert list(out.columns) == list(CASE_RECORD_COLUMNS)
    assert out["year"].dtype == "int64"


def test_every_failing_row_is_listed():
    bad = good()
    bad.loc[1, "sex"] = "female"
    bad.loc[2, "age_group"] = "adult"
    bad.loc[3, "citizenship"] = "Nigeria"
    bad.loc[0, "exploitation_type"] = "TSE"
    bad.loc[2, "year"] = 1985
    bad["year"] = bad["year"].astype(object)
    bad.loc[3, "year"] = "2024?"
    bad.loc[3, "record_id"] = "P1"
    with pytest.raises(DataError) as err:
        validate_case_records(bad, latest=2026)
    message = str(err.value)
    assert message.startswith("7 problem(s) in the case records:")
    for expected in (
        "row 0, column 'exploitation_type': 'TSE', expected one of",
        "row 1, column 'sex': 'female', expected one of ['F', 'M', 'X']",
        "row 2, column 'age_group': 'adult'",
        "row 2, column 'year': 1985, expected a year from 1990 to 2026",
        "row 3, column 'citizenship': 'Nigeria', expected a three-letter ISO 3166 code",
        "row 3, column 'year': '2024?', expected a whole year",
        "row 3, column 'record_id': 'P1' repeats row 1 in list 'police'",
    ):
        assert expected in message, expected


def test_long_reports_are_cut_with_a_count():
    bad = pd.concat([good()] * 10, ignore_index=True).assign(sex="woman")
    bad["record_id"] = [f"R{i}" for i in range(len(bad))]
    with pytest.raises(DataError, match=r"(?s)40 problem\(s\).*\.\.\. and 35 more"):
        validate_case_records(bad, latest=2026, max_listed=5)


def test_missing_columns_and_empty_records():
    with pytest.raises(DataError, match=r"lack the column\(s\) \['citizenship'\]"):
        validate_case_records(good().drop(columns="citizenship"))
    with pytest.raises(DataError, match="no rows"):
        validate_case_records(good().iloc[:0])
    with pytest.raises(DataError, match="not nullable|a value \\(it is missing\\)"):
        validate_case_records(good().assign(record_id=["a", None, "c", "d"]), latest=2026)


def test_map_codes():
    local = pd.Series(["TSE", "tle ", None, "TFM"], name="purpose")
    mapped = map_codes(local, {"TSE": "sexual", "TLE": "labour", "TFM": "forced_marriage"})
    assert mapped.tolist() == ["sexual", "labour", None, "forced_marriage"]
    with pytest.raises(
        DataError, match=r"2 code\(s\) of 'purpose' have no mapping: 'X' \(first at row 0\), 'Y'"
    ):
        map_codes(pd.Series(["X", "TSE", "Y", "X"], name="purpose"), {"TSE": "sexual"})
    assert map_codes(pd.Series(["X", "TSE"]), {"TSE": "sexual"}, unknown="missing").tolist() == [
        None,
        "sexual",
    ]
    with pytest.raises(DataError, match="unknown must be"):
        map_codes(local, {}, unknown="drop")


def test_age_groups():
    assert [age_group(a) for a in (0, 11.9, 12, 17, 18, 54, 55, 90)] == [
        "0-11", "0-11", "12-14", "15-17", "18-24", "45-54", "55+", "55+"
    ]  # fmt: skip
    assert set(age_group(a) for a in range(0, 100)) == set(AGE_GROUPS)
    with pytest.raises(DataError, match="not possible"):
        age_group(-3)
