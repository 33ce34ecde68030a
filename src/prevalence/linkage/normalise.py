"""Normalising identifying fields before they are hashed: names, dates of birth, sex.

Two records of one person rarely agree letter for letter: "José García-López" on a police
record is "JOSE GARCIA LOPEZ" at a shelter and "Хосе Гарсия" on a consular list. Keyed hashes
match only identical strings, so every field is brought to one canonical form first:

* names: transliterated to ASCII (``anyascii``: any script, accents removed), lower case,
  punctuation and hyphens to spaces, runs of spaces collapsed; the parts are kept for
  order-insensitive matching, and a phonetic code per part (metaphone, ``jellyfish``) for
  near-matches of spelling;
* dates of birth: several written forms (ISO, day-first or month-first with ``/ - .``, month
  names in English, year-month, year alone) to a :class:`PartialDate` whose missing parts are
  None; impossible dates and two-digit years are refused;
* sex: common codings in several languages to ``"M"``, ``"F"``, ``"X"`` or missing; numeric
  codes need an explicit mapping, since 1 and 2 mean different things in different systems.

Examples
--------
>>> normalise_name("  José  GARCÍA-López ")
'jose garcia lopez'
>>> parse_date("17/05/1990"), parse_date("1990-05"), parse_date("1990")
(PartialDate(year=1990, month=5, day=17), PartialDate(year=1990, month=5, day=None), PartialDate(year=1990, month=None, day=None))
>>> normalise_sex("Femme")
'F'
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jellyfish
from anyascii import anyascii

from ..core.errors import DataError

__all__ = [
    "PartialDate",
    "normalise_name",
    "name_parts",
    "phonetic_code",
    "parse_date",
    "normalise_sex",
    "SEX_CODES",
]

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def _missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def normalise_name(value: Any) -> str | None:
    """The canonical form of a name: ASCII, lower case, single spaces; None when missing.

    >>> normalise_name("Иван  Петров"), normalise_name(None)
    ('ivan petrov', None)
    """
    if _missing(value):
        return None
    if not isinstance(value, str):
        raise DataError(f"a name must be text, got {value!r}")
    text = _NOT_ALNUM.sub(" ", anyascii(value).lower()).strip()
    return text or None


def name_parts(value: Any) -> tuple[str, ...]:
    """The parts of a normalised name, in order (empty when missing).

    >>> name_parts("Garcia-Lopez, María")
    ('garcia', 'lopez', 'maria')
    """
    name = normalise_name(value)
    return tuple(name.split()) if name else ()


def phonetic_code(part: str) -> str:
    """Metaphone code of one normalised name part (``jellyfish.metaphone``); the part itself
    when it has no letters (digits only).

    >>> phonetic_code("nunez"), phonetic_code("nunes")
    ('NNS', 'NNS')
    """
    code = jellyfish.metaphone(part) if re.search("[a-z]", part) else part
    return code or part


@dataclass(frozen=True)
class PartialDate:
    """A date of birth with the parts the record gives (None: not recorded)."""

    year: int | None
    month: int | None = None
    day: int | None = None

    @property
    def complete(self) -> bool:
        return self.year is not None and self.month is not None and self.day is not None

    def iso(self) -> str | None:
        """``YYYY-MM-DD`` when complete, ``YYYY-MM`` or ``YYYY`` otherwise."""
        if self.year is None:
            return None
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"


_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS |= {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
_MONTHS["sept"] = 9
_SEP = r"[/\-. ]"


def parse_date(
    value: Any, *, day_first: bool = True, earliest: int = 1900, latest: int | None = None
) -> PartialDate | None:
    """A date of birth in one of the usual written forms, or None when missing.

    ``day_first``: whether ``05/06/1990`` is 5 June (the default) or May 6. Years must have
    four digits and lie between ``earliest`` and ``latest`` (this year by default). Raises
    :class:`~prevalence.DataError` for anything else, naming the value.

    >>> parse_date("05/06/1990", day_first=False)
    PartialDate(year=1990, month=5, day=6)
    >>> parse_date("3 Sept 1985")
    PartialDate(year=1985, month=9, day=3)
    """
    if _missing(value):
        return None
    if isinstance(value, dt.datetime | dt.date):
        return _checked(value.year, value.month, value.day, value, earliest, latest)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise DataError(f"cannot read the date {value!r}: give text such as 1990-05-17")
    text = value.strip().lower().replace(",", " ")
    text = re.sub(r"\s+", " ", text)
    m = re.fullmatch(rf"(\d{{4}})({_SEP})(\d{{1,2}})\2(\d{{1,2}})", text)  # ISO order
    if m:
        return _checked(int(m[1]), int(m[3]), int(m[4]), value, earliest, latest)
    m = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text)  # YYYYMMDD
    if m:
        return _checked(int(m[1]), int(m[2]), int(m[3]), value, earliest, latest)
    m = re.fullmatch(rf"(\d{{1,2}})({_SEP})(\d{{1,2}})\2(\d{{4}})", text)
    if m:
        a, b = int(m[1]), int(m[3])
        day, month = (a, b) if day_first else (b, a)
        return _checked(int(m[4]), month, day, value, earliest, latest)
    m = re.fullmatch(rf"(\d{{4}}){_SEP}(\d{{1,2}})", text)
    if m:
        return _checked(int(m[1]), int(m[2]), None, value, earliest, latest)
    m = re.fullmatch(rf"(\d{{1,2}}){_SEP}(\d{{4}})", text)
    if m:
        return _checked(int(m[2]), int(m[1]), None, value, earliest, latest)
    m = re.fullmatch(r"(\d{4})", text)
    if m:
        return _checked(int(m[1]), None, None, value, earliest, latest)
    m = re.fullmatch(r"(?:(\d{1,2}) )?([a-z]+)\.? (\d{4})", text)
    if m and m[2] in _MONTHS:
        day_given = int(m[1]) if m[1] else None
        return _checked(int(m[3]), _MONTHS[m[2]], day_given, value, earliest, latest)
    m = re.fullmatch(r"([a-z]+)\.? (\d{1,2}) (\d{4})", text)
    if m and m[1] in _MONTHS:
        return _checked(int(m[3]), _MONTHS[m[1]], int(m[2]), value, earliest, latest)
    if re.fullmatch(rf"\d{{1,2}}{_SEP}\d{{1,2}}{_SEP}\d{{2}}", text):
        raise DataError(
            f"cannot read the date {value!r}: a two-digit year is ambiguous; give four digits"
        )
    raise DataError(
        f"cannot read the date {value!r}: use a form such as 1990-05-17, 17/05/1990, 05/1990, "
        "1990 or 17 May 1990"
    )


def _checked(
    year: int, month: int | None, day: int | None, value: Any, earliest: int, latest: int | None
) -> PartialDate:
    last = dt.date.today().year if latest is None else latest
    if not earliest <= year <= last:
        raise DataError(f"the date {value!r} has the year {year}, outside {earliest} to {last}")
    if month is not None and not 1 <= month <= 12:
        raise DataError(f"the date {value!r} has no month {month} (did you mean day_first?)")
    if day is not None and month is not None:
        if not 1 <= day <= calendar.monthrange(year, month)[1]:
            raise DataError(
                f"the date {value!r} does not exist ({year}-{month:02d} has no day {day})"
            )
    return PartialDate(year, month, day)


#: Codings of sex that read the same everywhere (English, French, Spanish, Portuguese,
#: German, Russian transliterated); anything else needs ``mapping``.
SEX_CODES: dict[str, str] = {
    **dict.fromkeys(
        ["m", "male", "man", "boy", "h", "homme", "hombre", "masculin", "masculino", "mann",
         "maennlich", "muzhskoi", "muzhskoy"],
        "M",
    ),
    **dict.fromkeys(
        ["f", "female", "woman", "girl", "femme", "mujer", "feminin", "femenino", "feminino",
         "frau", "weiblich", "w", "zhenskii", "zhenskiy"],
        "F",
    ),
    **dict.fromkeys(["x", "other", "non-binary", "nonbinary", "intersex", "autre", "otro"], "X"),
    **dict.fromkeys(["u", "unknown", "not known", "not stated", "inconnu", "desconocido"], ""),
}  # fmt: skip


def normalise_sex(value: Any, mapping: Mapping[Any, str] | None = None) -> str | None:
    """``"M"``, ``"F"``, ``"X"`` or None (missing or recorded as unknown).

    ``mapping`` adds or overrides codings (``{1: "M", 2: "F"}`` for a numeric system).

    >>> normalise_sex("hombre"), normalise_sex(2, {1: "M", 2: "F"}), normalise_sex("unknown")
    ('M', 'F', None)
    """
    if _missing(value):
        return None
    if mapping is not None and value in mapping:
        code = mapping[value]
    elif isinstance(value, str):
        key = anyascii(value).strip().lower()
        if mapping is not None and key in mapping:
            code = mapping[key]
        elif key in SEX_CODES:
            code = SEX_CODES[key]
        else:
            raise DataError(
                f"unknown coding of sex {value!r}: pass sex_codes={{{value!r}: 'F' or 'M' or 'X'}}"
            )
    else:
        raise DataError(
            f"the coding of sex {value!r} is not text: numeric codes differ between systems, "
            f"so pass sex_codes (for example {{1: 'M', 2: 'F'}})"
        )
    if code not in ("M", "F", "X", ""):
        raise DataError(f"sex_codes must map to 'M', 'F', 'X' or '' (unknown), got {code!r}")
    return code or None
