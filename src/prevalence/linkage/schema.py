"""A standard case-record schema, validated with pandera, and helpers to reach it.

Case records from police, NGOs, shelters and inspectorates say the same things in different
words ("F", "female", "2"; "trafficking for sexual exploitation", "TSE"). Before lists are
compared or tabulated by stratum they are brought to one schema, close to the common
classification standards the IOM and UNODC ask administrative data to follow:

========================  ===========================================================
column                    values
========================  ===========================================================
``list``                  the list's name (text)
``record_id``             the record's identifier, unique within its list
``sex``                   ``F``, ``M``, ``X`` or missing
``age_group``             :data:`AGE_GROUPS` (children and adults apart) or missing
``citizenship``           ISO 3166-1 alpha-3 code (``NGA``, ``VNM``...) or missing
``exploitation_type``     :data:`EXPLOITATION_TYPES` or missing
``year``                  year of identification (1990 to this year)
``region``                the region of identification (text) or missing
========================  ===========================================================

:func:`validate_case_records` checks a frame against it with pandera and reports every row
that fails, not just the first; :func:`map_codes` translates a list's local codes.

Examples
--------
>>> import pandas as pd
>>> records = pd.DataFrame({"list": "ngo", "record_id": ["N1", "N2"], "sex": ["F", "M"],
...                         "age_group": ["18-24", "15-17"], "citizenship": ["NGA", "VNM"],
...                         "exploitation_type": ["sexual", "labour"], "year": [2024, 2025],
...                         "region": ["north", "south"]})
>>> validate_case_records(records).shape
(2, 8)
>>> map_codes(pd.Series(["TSE", "TLE"]), {"TSE": "sexual", "TLE": "labour"}).tolist()
['sexual', 'labour']
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..core.errors import DataError

__all__ = [
    "AGE_GROUPS",
    "EXPLOITATION_TYPES",
    "CASE_RECORD_COLUMNS",
    "validate_case_records",
    "map_codes",
    "age_group",
]

#: Age groups: children (under 18) in three groups, adults in five.
AGE_GROUPS = ("0-11", "12-14", "15-17", "18-24", "25-34", "35-44", "45-54", "55+")
#: Forms of exploitation, as the Palermo Protocol lists them and case data record them.
EXPLOITATION_TYPES = (
    "sexual",
    "labour",
    "domestic_servitude",
    "forced_marriage",
    "forced_criminality",
    "begging",
    "organ_removal",
    "military",
    "other",
)
CASE_RECORD_COLUMNS = (
    "list",
    "record_id",
    "sex",
    "age_group",
    "citizenship",
    "exploitation_type",
    "year",
    "region",
)


def _schema(earliest: int, latest: int) -> Any:
    import pandera.pandas as pa

    def allowed(values: tuple[str, ...]) -> Any:
        return pa.Check.isin(list(values), error=f"one of {list(values)}")

    return pa.DataFrameSchema(
        {
            "list": pa.Column(str, pa.Check.str_length(min_value=1), nullable=False),
            "record_id": pa.Column(str, pa.Check.str_length(min_value=1), nullable=False),
            "sex": pa.Column(str, allowed(("F", "M", "X")), nullable=True),
            "age_group": pa.Column(str, allowed(AGE_GROUPS), nullable=True),
            "citizenship": pa.Column(
                str,
                pa.Check.str_matches(r"^[A-Z]{3}$", error="a three-letter ISO 3166 code"),
                nullable=True,
            ),
            "exploitation_type": pa.Column(str, allowed(EXPLOITATION_TYPES), nullable=True),
            "year": pa.Column(
                int,
                pa.Check.in_range(earliest, latest, error=f"a year from {earliest} to {latest}"),
                nullable=False,
            ),
            "region": pa.Column(str, nullable=True),
        },
        strict=False,
        ordered=False,
    )


def validate_case_records(
    records: pd.DataFrame, *, earliest: int = 1990, latest: int | None = None, max_listed: int = 20
) -> pd.DataFrame:
    """``records`` checked against the case-record schema; the standard columns, in order.

    Raises :class:`~prevalence.DataError` listing every failing row (up to ``max_listed``,
    then a count): the row, the column, the value and what was expected. Missing columns are
    named first.
    """
    if not isinstance(records, pd.DataFrame):
        raise DataError(f"records must be a pandas DataFrame, got {type(records).__name__}")
    missing = [c for c in CASE_RECORD_COLUMNS if c not in records.columns]
    if missing:
        raise DataError(
            f"the case records lack the column(s) {missing}; the schema has "
            f"{list(CASE_RECORD_COLUMNS)} (map_codes and a rename bring a list to it)"
        )
    if len(records) == 0:
        raise DataError("the case records have no rows")
    import pandera.errors

    frame = records[list(CASE_RECORD_COLUMNS)].reset_index(drop=True)
    text = ["list", "record_id", "sex", "age_group", "citizenship", "exploitation_type", "region"]
    frame = frame.assign(**{c: frame[c].astype("object") for c in text})
    last = dt.date.today().year if latest is None else int(latest)
    # problems pandera would report per column or not at all: years that are not whole
    # numbers (reported with the value as written), record ids repeated within a list
    own: list[tuple[int, str]] = []
    year = pd.to_numeric(frame["year"], errors="coerce")
    bad_year = year.isna() | (year != year.round())
    for pos in map(int, bad_year.to_numpy().nonzero()[0]):
        own.append((pos, f"column 'year': {records['year'].iloc[pos]!r}, expected a whole year"))
    frame["year"] = year.where(~bad_year, float(earliest)).astype("int64")
    repeated = frame.duplicated(["list", "record_id"], keep="first")
    for pos in map(int, repeated.to_numpy().nonzero()[0]):
        first = int(
            (
                (frame["list"] == frame["list"].iloc[pos])
                & (frame["record_id"] == frame["record_id"].iloc[pos])
            ).idxmax()
        )
        own.append(
            (
                pos,
                f"column 'record_id': {frame['record_id'].iloc[pos]!r} repeats row {first} in "
                f"list {frame['list'].iloc[pos]!r}",
            )
        )
    failures: list[tuple[int, str]] = list(own)
    try:
        validated = _schema(int(earliest), last).validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as err:
        failures.extend(_describe(err.failure_cases))
        validated = None
    if failures:
        failures.sort(key=lambda f: f[0])
        lines = [f"row {pos}, {what}" for pos, what in failures]
        more = f"\n  ... and {len(lines) - max_listed} more" if len(lines) > max_listed else ""
        raise DataError(
            f"{len(lines)} problem(s) in the case records:\n  "
            + "\n  ".join(lines[:max_listed])
            + more
        )
    assert validated is not None
    return validated


def _describe(failures: pd.DataFrame) -> list[tuple[int, str]]:
    """pandera's failure cases as (row, what is wrong) for the report."""
    out = []
    for _, f in failures.iterrows():
        pos = -1 if pd.isna(f["index"]) else int(f["index"])
        column = f["column"] if isinstance(f["column"], str) else "records"
        check = str(f["check"])
        if check == "not_nullable":
            expected = "a value (it is missing)"
        elif check.startswith("dtype"):
            expected = f"text ({check})"
        else:
            expected = check
        out.append((pos, f"column {column!r}: {f['failure_case']!r}, expected {expected}"))
    return out


def map_codes(
    values: pd.Series, mapping: Mapping[Any, Any], *, unknown: str = "error"
) -> pd.Series:
    """Local codes translated to the schema's (``mapping``: local code to standard value).

    Text codes are matched without regard to case or surrounding spaces. Missing values stay
    missing. ``unknown="error"`` (the default) refuses codes the mapping lacks, listing them
    all; ``"missing"`` turns them into missing values.

    >>> map_codes(pd.Series(["f", " M ", None]), {"F": "F", "M": "M"}).tolist()
    ['F', 'M', None]
    """
    if unknown not in ("error", "missing"):
        raise DataError(f"unknown must be 'error' or 'missing', got {unknown!r}")
    if not isinstance(values, pd.Series):
        values = pd.Series(values)

    def key(v: Any) -> Any:
        return v.strip().casefold() if isinstance(v, str) else v

    table = {key(k): v for k, v in mapping.items()}
    out: list[Any] = []
    unmapped: dict[Any, int] = {}
    for pos, v in enumerate(values):
        if v is None or (isinstance(v, float) and pd.isna(v)):
            out.append(None)
        elif key(v) in table:
            out.append(table[key(v)])
        else:
            unmapped.setdefault(v, pos)
            out.append(None)
    if unmapped and unknown == "error":
        listed = ", ".join(f"{v!r} (first at row {p})" for v, p in list(unmapped.items())[:10])
        raise DataError(
            f"{len(unmapped)} code(s) of {values.name or 'the column'!r} have no mapping: "
            f"{listed}; add them to the mapping or pass unknown='missing'"
        )
    return pd.Series(out, index=values.index, name=values.name, dtype="object")


def age_group(age: Any) -> str | None:
    """The schema's age group of an age in whole years (None when missing).

    >>> age_group(16), age_group(40), age_group(None)
    ('15-17', '35-44', None)
    """
    if age is None or (isinstance(age, float) and pd.isna(age)):
        return None
    years = float(age)
    if years < 0 or years > 120:
        raise DataError(f"an age of {age!r} years is not possible")
    for label, upper in (("0-11", 12), ("12-14", 15), ("15-17", 18), ("18-24", 25),
                         ("25-34", 35), ("35-44", 45), ("45-54", 55)):  # fmt: skip
        if years < upper:
            return label
    return "55+"
