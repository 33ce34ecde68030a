"""Pseudonymisation at the source (issue #15): keyed hashes, nothing identifying in clear."""

from __future__ import annotations

import io
import re

import pandas as pd
import pytest

from prevalence import DataError
from prevalence.linkage.normalise import normalise_name, parse_date
from prevalence.linkage.pseudonymise import HASHED_FIELDS, key_check, pseudonymise
from prevalence.simulate.case_lists import simulate_case_lists

from .conftest import FIELDS, SECRET


def one(df: pd.DataFrame, secret: str = SECRET, **kwargs) -> pd.DataFrame:
    return pseudonymise(
        df, secret, list_name=kwargs.pop("list_name", "police"), **{**FIELDS, **kwargs}
    )


def leaks(records: pd.DataFrame, out: pd.DataFrame) -> list[str]:
    """Identifying inputs found in ``out`` written as CSV: the names as recorded and
    normalised (each part with a letter no hash can hold), the dates as written and in ISO
    form, and the record identifiers. (The birth year is kept in clear on purpose, as a
    coarse field for blocking.)"""
    text = io.StringIO()
    out.to_csv(text, index=False)
    written = text.getvalue().lower()
    needles: set[str] = set()
    for column in ("given_name", "family_name"):
        for raw in records[column].dropna():
            needles.add(raw.lower())
            normalised = normalise_name(raw) or ""
            needles.update(p for p in normalised.split() if re.search("[g-z]", p))
    for raw in records["date_of_birth"].dropna():
        if not raw.isdigit():  # a year alone is the birth year
            needles.add(raw.lower())
        date = parse_date(raw)
        if date is not None and date.complete:
            needles.add(date.iso())
    needles.update(r.lower() for r in records["record_id"])
    kept = {str(v).lower() for c in ("region", "exploitation") for v in records[c]}
    found = sorted(n for n in needles - kept if n and n in written)
    if SECRET.lower() in written:
        found.append("the secret")
    return found


def test_nothing_identifying_leaves_the_holder():
    pop = simulate_case_lists(300, seed=7)
    for name, records in pop.records.items():
        out = pseudonymise(
            records, SECRET, list_name=name, keep=["region", "exploitation", "year"], **FIELDS
        )
        assert not leaks(records, out), f"{name}: {leaks(records, out)[:5]}"


def test_the_leak_search_finds_leaks():
    records = simulate_case_lists(100, seed=7).records["ngo"]
    out = pseudonymise(records, SECRET, list_name="ngo", **FIELDS)
    assert leaks(records, out.assign(note=records["family_name"].str.upper()))
    assert leaks(records, out.assign(note=records["date_of_birth"]))
    assert leaks(records, out.assign(note=records["record_id"]))


def test_equal_people_hash_equal_across_lists_and_spellings():
    police = pd.DataFrame(
        {"record_id": ["P1"], "given_name": ["JOSE"], "family_name": ["GARCIA LOPEZ"],
         "date_of_birth": ["17/05/1990"], "sex": ["M"]}
    )  # fmt: skip
    ngo = pd.DataFrame(
        {"record_id": ["N7"], "given_name": ["José"], "family_name": ["García-López"],
         "date_of_birth": ["1990-05-17"], "sex": ["hombre"]}
    )  # fmt: skip
    a, b = one(police), one(ngo, list_name="ngo")
    for field in ("given_name", "family_name", "name_parts", "phonetic_parts", "birth_date"):
        assert a[field].iloc[0] == b[field].iloc[0], field
    assert a["record"].iloc[0] != b["record"].iloc[0]
    assert a["birth_year"].iloc[0] == 1990 and a["sex"].iloc[0] == b["sex"].iloc[0] == "M"
    # swapped given and family names, or a second family name dropped: the parts still meet
    swapped = one(police.assign(given_name="GARCIA", family_name="JOSE LOPEZ"))
    assert swapped["name_parts"].iloc[0] == a["name_parts"].iloc[0]
    dropped = one(police.assign(family_name="GARCIA"))
    assert set(dropped["name_parts"].iloc[0].split()) < set(a["name_parts"].iloc[0].split())
    # a spelling variant keeps the phonetic hash
    variant = one(police.assign(family_name="GARSIA LOPES"))
    assert variant["family_name"].iloc[0] != a["family_name"].iloc[0]
    assert variant["phonetic_parts"].iloc[0] == a["phonetic_parts"].iloc[0]


def test_the_secret_decides_every_hash_and_is_checkable():
    records = simulate_case_lists(50, seed=1).records["ngo"]
    a, b = one(records), one(records, secret=SECRET + "!")
    for field in HASHED_FIELDS:
        both = a[field].notna() & b[field].notna() & (a[field] != "")
        assert not (a.loc[both, field] == b.loc[both, field]).any(), field
    assert (a["key_check"] == key_check(SECRET)).all()
    assert a["key_check"].iloc[0] != b["key_check"].iloc[0]
    pd.testing.assert_frame_equal(a, one(records))  # deterministic


def test_partial_dates_keep_what_they_know():
    df = pd.DataFrame(
        {"record_id": ["a", "b", "c", "d"], "given_name": ["Ana"] * 4, "family_name": ["Silva"] * 4,
         "date_of_birth": ["1988-03-02", "03/1988", "1988", None], "sex": ["f"] * 4}
    )  # fmt: skip
    out = one(df)
    assert out["birth_date"].notna().tolist() == [True, False, False, False]
    assert out["birth_year_month"].iloc[0] == out["birth_year_month"].iloc[1]
    assert out["birth_year_month"].iloc[2:].isna().all()
    assert out["birth_year"].tolist()[:3] == [1988, 1988, 1988] and pd.isna(
        out["birth_year"].iloc[3]
    )


def test_missing_name_parts_are_missing_not_hashed_empties():
    df = pd.DataFrame(
        {"record_id": ["a", "b"], "given_name": [None, "Ana"], "family_name": ["Silva", None],
         "date_of_birth": [None, None], "sex": [None, "F"]}
    )  # fmt: skip
    out = one(df)
    assert out["given_name"].isna().tolist() == [True, False]
    assert out["family_name"].isna().tolist() == [False, True]
    assert out["sex"].isna().tolist() == [True, False]


@pytest.mark.parametrize(
    "change, message",
    [
        (dict(secret="short"), "at least 16 bytes"),
        (dict(list_name=""), "list_name must be a non-empty name"),
        (dict(given_name="first_name"), "unknown given_name column 'first_name'"),
        (dict(keep=["given_name"]), "keep lists identifying columns"),
        (dict(keep=["province"]), "unknown keep column 'province'"),
        (dict(given_name=None, family_name=None), "needs a name column"),
    ],
)
def test_bad_arguments(change, message):
    records = simulate_case_lists(30, seed=2).records["police"]
    secret = change.pop("secret", SECRET)
    with pytest.raises(DataError, match=message):
        one(records, secret=secret, **change)


def test_bad_records_are_named_by_row():
    base = pd.DataFrame(
        {"record_id": ["a", "b", "c"], "given_name": ["Ana", "Rui", "Eva"],
         "family_name": ["Silva", "Costa", "Lima"], "date_of_birth": ["1990", "1991", "1992"],
         "sex": ["f", "m", "f"]}
    )  # fmt: skip
    with pytest.raises(DataError, match="list 'police' has no records"):
        one(base.iloc[:0])
    with pytest.raises(
        DataError, match=r"row 1, column 'date_of_birth': the date '31/02/1991' does not exist"
    ):
        one(base.assign(date_of_birth=["1990", "31/02/1991", "1992"]))
    with pytest.raises(DataError, match=r"1 record\(s\) have no name \(first at row 2\)"):
        one(base.assign(given_name=["Ana", "Rui", None], family_name=["Silva", "Costa", " "]))
    with pytest.raises(DataError, match=r"repeats 'a' at row 2"):
        one(base.assign(record_id=["a", "b", "a"]))
    with pytest.raises(DataError, match=r"row 0, column 'sex': unknown coding of sex 'q'"):
        one(base.assign(sex=["q", "m", "f"]))
    with pytest.raises(DataError, match="missing value at row 1"):
        one(base.assign(record_id=["a", None, "c"]))


def test_keep_takes_one_name_or_none():
    records = pd.DataFrame({"id": ["a", "b"], "name": ["Ana", "Bo"], "region": ["n", "s"]})
    one = pseudonymise(records, SECRET, list_name="x", record_id="id", given_name="name",
                       keep="region")  # fmt: skip
    assert one["region"].tolist() == ["n", "s"]
    none = pseudonymise(records, SECRET, list_name="x", record_id="id", given_name="name",
                        keep=None)  # fmt: skip
    assert "region" not in none.columns
