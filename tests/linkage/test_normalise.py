"""Normalisation of identifying fields (issue #15): names, dates of birth, sex."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prevalence import DataError
from prevalence.linkage.normalise import (
    PartialDate,
    name_parts,
    normalise_name,
    normalise_sex,
    parse_date,
    phonetic_code,
)


@pytest.mark.parametrize(
    "raw, canonical",
    [
        ("José García-López", "jose garcia lopez"),
        ("  JOSE   GARCIA LOPEZ ", "jose garcia lopez"),
        ("josé garcía lópez", "jose garcia lopez"),
        ("Иван Петров", "ivan petrov"),  # Cyrillic
        ("Ngô Bảo Châu", "ngo bao chau"),  # Vietnamese diacritics
        ("O'Brien", "o brien"),
        ("Müller-Lüdenscheidt", "muller ludenscheidt"),
        ("Łukasz Żółw", "lukasz zolw"),
        ("  ", None),
        (None, None),
        (float("nan"), None),
    ],
)
def test_names_reach_one_canonical_form(raw, canonical):
    assert normalise_name(raw) == canonical


def test_name_parts_and_phonetic_codes():
    assert name_parts("Garcia-Lopez, María") == ("garcia", "lopez", "maria")
    assert name_parts(None) == ()
    assert phonetic_code("nunez") == phonetic_code("nunes")
    assert phonetic_code("smith") == phonetic_code("smyth")
    assert phonetic_code("2024") == "2024"


def test_a_name_that_is_not_text_is_refused():
    with pytest.raises(DataError, match="a name must be text, got 42"):
        normalise_name(42)


@pytest.mark.parametrize(
    "raw, year, month, day",
    [
        ("1990-05-17", 1990, 5, 17),
        ("1990/05/17", 1990, 5, 17),
        ("19900517", 1990, 5, 17),
        ("17/05/1990", 1990, 5, 17),
        ("17-5-1990", 1990, 5, 17),
        ("17.05.1990", 1990, 5, 17),
        ("17 May 1990", 1990, 5, 17),
        ("17 may, 1990", 1990, 5, 17),
        ("May 17 1990", 1990, 5, 17),
        ("3 Sept 1985", 1985, 9, 3),
        ("05/1990", 1990, 5, None),
        ("1990-05", 1990, 5, None),
        ("May 1990", 1990, 5, None),
        ("1990", 1990, None, None),
        (1990, 1990, None, None),
        (dt.date(1990, 5, 17), 1990, 5, 17),
    ],
)
def test_dates_in_the_usual_written_forms(raw, year, month, day):
    assert parse_date(raw, latest=2026) == PartialDate(year, month, day)


def test_day_first_decides_ambiguous_dates():
    assert parse_date("05/06/1990") == PartialDate(1990, 6, 5)
    assert parse_date("05/06/1990", day_first=False) == PartialDate(1990, 5, 6)


@pytest.mark.parametrize(
    "raw, message",
    [
        ("31/02/1990", "does not exist"),
        ("17/13/1990", "no month 13"),
        ("17/05/90", "two-digit year"),
        ("1850-01-01", "outside 1900"),
        ("next tuesday", "cannot read the date 'next tuesday'"),
        ("1990-05-17-3", "cannot read"),
        (3.5, "give text"),
    ],
)
def test_dates_that_cannot_be_read_are_refused(raw, message):
    with pytest.raises(DataError, match=message):
        parse_date(raw, latest=2026)


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2026, 12, 31)))
def test_every_written_form_of_a_date_reads_back(date):
    for form in ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d %B %Y", "%Y%m%d"):
        assert parse_date(date.strftime(form), latest=2026) == PartialDate(
            date.year, date.month, date.day
        )


@pytest.mark.parametrize(
    "raw, code",
    [("M", "M"), ("male", "M"), ("Hombre", "M"), ("femme", "F"), ("Mujer", "F"), ("F", "F"),
     ("x", "X"), ("unknown", None), (None, None), ("", None)],
)  # fmt: skip
def test_sex_codings(raw, code):
    assert normalise_sex(raw) == code


def test_numeric_sex_codes_need_a_mapping():
    with pytest.raises(DataError, match=r"numeric codes differ.*sex_codes"):
        normalise_sex(1)
    assert normalise_sex(1, {1: "M", 2: "F"}) == "M"
    with pytest.raises(DataError, match="unknown coding of sex 'q'"):
        normalise_sex("q")
    with pytest.raises(DataError, match="must map to"):
        normalise_sex(3, {3: "female"})
