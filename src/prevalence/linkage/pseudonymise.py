"""Pseudonymisation at the source: each data holder replaces identifiers by keyed hashes.

Police, NGOs, shelters and labour inspectors may not share names, but multiple systems
estimation needs to know who is on which list. Each holder runs :func:`pseudonymise` on its
own machine with a secret agreed between the holders (and with nobody else): every identifying
field is normalised (:mod:`prevalence.linkage.normalise`) and replaced by an HMAC-SHA256 of the
canonical form under a key derived from the secret and the field's name. Equal values give
equal hashes across lists, so records can be linked, and without the secret a hash reveals
nothing (a dictionary of likely names cannot be tried without the key). The output holds no
identifier in clear: only hashes, the coarse fields needed to block and compare records
(birth year, sex) and the columns the holder declares non-identifying (region, exploitation
type, year of identification...).

Approximate matching without names: the hashes of each name part (order-insensitive, for
swapped given and family names or a second family name dropped), of each part's phonetic code
(for spelling variants such as Nunez / Nunes), a keyed Bloom filter of the letter pairs of
every part (the share of bits two names have in common measures their similarity through a
typo: the "cryptographic long-term key" of privacy-preserving record linkage, Schnell et al.
2009), and a year-month hash for dates of birth known only partly. The Bloom filter is the
least protected field: its bit frequencies follow those of letter pairs in names, which an
attacker holding the output and a list of names could exploit in part (the keyed bit positions
make it harder, not impossible); drop the ``name_bloom`` column before sharing when that risk
is not acceptable (linkage then falls back on exact parts and phonetic codes).

The secret is never written anywhere; a short check value (the HMAC of a fixed label under
the secret) travels with the records, so lists hashed under different secrets are refused at
linkage instead of silently producing no links.

Examples
--------
>>> import pandas as pd
>>> police = pd.DataFrame({"case": ["P-1", "P-2"], "given": ["José", "Ana"],
...                        "family": ["García López", "Silva"],
...                        "born": ["17/05/1990", "1988"], "sex": ["m", "f"],
...                        "region": ["north", "south"]})
>>> out = pseudonymise(police, "a secret the holders share, 32+ chars", list_name="police",
...                    record_id="case", given_name="given", family_name="family",
...                    date_of_birth="born", sex="sex", keep=["region"])
>>> sorted(out.columns)[:4]
['birth_date', 'birth_year', 'birth_year_month', 'family_name']
>>> out["birth_year"].tolist(), "García" in out.to_csv()
([1990, 1988], False)
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import DataError
from .normalise import _missing, normalise_name, normalise_sex, parse_date, phonetic_code

__all__ = ["pseudonymise", "key_check", "HASHED_FIELDS", "MIN_SECRET_BYTES", "BLOOM_BITS"]

#: Columns of the output that hold keyed hashes.
HASHED_FIELDS = (
    "record",
    "given_name",
    "family_name",
    "family_phonetic",
    "given_phonetic",
    "name_parts",
    "phonetic_parts",
    "name_bloom",
    "birth_date",
    "birth_year_month",
)
MIN_SECRET_BYTES = 16
_DOMAIN = b"prevalence/linkage/v1/"
_HEX = 32  # 128 bits of each HMAC: collisions are out of reach for any list size


def _secret_bytes(secret: str | bytes) -> bytes:
    if isinstance(secret, str):
        secret = secret.encode("utf-8")
    if not isinstance(secret, bytes):
        raise DataError("the secret must be text or bytes")
    if len(secret) < MIN_SECRET_BYTES:
        raise DataError(
            f"the secret must be at least {MIN_SECRET_BYTES} bytes (a long random passphrase "
            "agreed between the data holders, never stored with the data); a short one can be "
            "guessed by trying hashes of common names"
        )
    return secret


def _field_key(secret: bytes, field: str) -> bytes:
    """A key per field, so equal strings in different fields hash differently."""
    return hmac.new(secret, _DOMAIN + field.encode(), hashlib.sha256).digest()


def _hasher(secret: bytes, field: str, *, cached: bool = False) -> Callable[[str], str]:
    """The keyed hash of one field. ``cached`` remembers the digests of values already seen
    (for fields with few distinct values: letter pairs, phonetic codes, dates), which makes a
    list of a million records several times faster to pseudonymise; the cache lives as long as
    the call that made it."""
    key = _field_key(secret, field)

    def digest(text: str) -> str:
        return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()[:_HEX]

    return functools.lru_cache(maxsize=None)(digest) if cached else digest


def _bigrams(part: str) -> list[str]:
    """The letter pairs of a name part, its ends marked (``"ana"``: ``_a an na a_``)."""
    padded = f"_{part}_"
    return [padded[i : i + 2] for i in range(len(padded) - 1)]


BLOOM_BITS = 256


def _bloom(digest: Any, parts: Sequence[str]) -> str:
    """The letter pairs of every name part in a keyed Bloom filter (each pair sets two of
    :data:`BLOOM_BITS` bits chosen by its HMAC), as hexadecimal."""
    bits = 0
    for part in parts:
        for gram in _bigrams(part):
            code = digest(gram)
            bits |= 1 << (int(code[:4], 16) % BLOOM_BITS)
            bits |= 1 << (int(code[4:8], 16) % BLOOM_BITS)
    return f"{bits:0{BLOOM_BITS // 4}x}"


def key_check(secret: str | bytes) -> str:
    """A short value that identifies the secret without revealing it (the HMAC of a fixed
    label under it): lists whose check values differ were hashed under different secrets.

    >>> key_check("a secret the holders share, 32+ chars") == key_check(b"a secret the holders share, 32+ chars")
    True
    """
    return _hasher(_secret_bytes(secret), "key-check")("key-check")[:16]


def _column(records: pd.DataFrame, name: str | None, role: str) -> pd.Series | None:
    if name is None:
        return None
    if name not in records.columns:
        raise DataError(
            f"unknown {role} column {name!r}; the records have columns {list(records.columns)}"
        )
    return records[name]


def pseudonymise(
    records: pd.DataFrame,
    secret: str | bytes,
    *,
    list_name: str,
    record_id: str,
    given_name: str | None = None,
    family_name: str | None = None,
    date_of_birth: str | None = None,
    sex: str | None = None,
    place_of_birth: str | None = None,
    keep: Sequence[str] | str | None = (),
    day_first: bool = True,
    sex_codes: Mapping[Any, str] | None = None,
) -> pd.DataFrame:
    """Pseudonymised records of one list, ready to leave the data holder.

    Parameters
    ----------
    records : DataFrame
        One row per record of the list, as the holder keeps it.
    secret : str or bytes
        The key agreed between the holders (at least 16 bytes); never stored.
    list_name : str
        The list's name (``"police"``), kept in the ``list`` column.
    record_id : str
        The holder's record identifier (hashed: case numbers can identify people too).
    given_name, family_name, date_of_birth, sex : str, optional
        The identifying columns; at least one of the names. Dates are read by
        :func:`~prevalence.linkage.normalise.parse_date` (``day_first``), sex by
        :func:`~prevalence.linkage.normalise.normalise_sex` (``sex_codes``).
    place_of_birth : str, optional
        A place of birth (town, district or country of birth, as the lists record it),
        normalised as names are and hashed into ``birth_place``. Where names are few or lists
        are large it keeps namesakes apart: :func:`~prevalence.linkage.link_case_lists`
        compares it when the lists carry it.
    keep : sequence of str
        Non-identifying columns copied as they are (region, exploitation type, year of
        identification...). The holder is responsible for what is declared here.

    Returns
    -------
    DataFrame
        ``list``, ``record`` and the hashed fields :data:`HASHED_FIELDS` (``name_parts`` and
        ``phonetic_parts``: the sorted hashes of every part of both names, space-separated;
        ``family_phonetic``, ``given_phonetic``: of the first family and given names'
        phonetic codes, for blocking;
        ``name_bloom``: a keyed Bloom filter of the names' letter pairs, 256 bits in hex;
        missing fields are missing), ``birth_year`` and ``sex`` in clear (coarse, for
        blocking), ``birth_place`` (hashed) when ``place_of_birth`` is given, the ``keep``
        columns, and ``key_check`` (:func:`key_check`).

    Raises
    ------
    DataError
        An unknown column, a list without records, a weak secret, a row with no name, a date
        that cannot be read (the row and value named), an unknown coding of sex.
    """
    key = _secret_bytes(secret)
    keep = [] if keep is None else [keep] if isinstance(keep, str) else list(keep)
    if not isinstance(records, pd.DataFrame):
        raise DataError(f"records must be a pandas DataFrame, got {type(records).__name__}")
    if not isinstance(list_name, str) or not list_name.strip():
        raise DataError("list_name must be a non-empty name, such as 'police'")
    if len(records) == 0:
        raise DataError(f"list {list_name!r} has no records")
    if given_name is None and family_name is None:
        raise DataError("pseudonymise needs a name column: given_name, family_name or both")
    ids = _column(records, record_id, "record_id")
    given = _column(records, given_name, "given_name")
    family = _column(records, family_name, "family_name")
    born = _column(records, date_of_birth, "date_of_birth")
    sexes = _column(records, sex, "sex")
    birth_places = _column(records, place_of_birth, "place_of_birth")
    for c in keep:
        _column(records, c, "keep")
    identifying = {
        c for c in (record_id, given_name, family_name, date_of_birth, sex, place_of_birth) if c
    }
    clash = sorted(identifying & set(keep))
    if clash:
        raise DataError(f"keep lists identifying columns {clash}: they are hashed, not kept")
    assert ids is not None
    if ids.isna().any():
        pos = int(np.flatnonzero(ids.isna().to_numpy())[0])
        raise DataError(f"record_id column {record_id!r} has a missing value at row {pos}")
    if ids.duplicated().any():
        pos = int(np.flatnonzero(ids.duplicated().to_numpy())[0])
        raise DataError(
            f"record_id column {record_id!r} repeats {ids.iloc[pos]!r} at row {pos}: each "
            "record needs its own identifier (the same person recorded twice is found by "
            "deduplication, not by a shared record id)"
        )
    n = len(records)
    h = {f: _hasher(key, f, cached=f != "record") for f in HASHED_FIELDS}
    given_norm = [normalise_name(v) for v in given] if given is not None else [None] * n
    family_norm = [normalise_name(v) for v in family] if family is not None else [None] * n
    nameless = [i for i in range(n) if given_norm[i] is None and family_norm[i] is None]
    if nameless:
        raise DataError(
            f"list {list_name!r}: {len(nameless)} record(s) have no name (first at row "
            f"{nameless[0]}); records without any name cannot be linked: drop them or complete them"
        )
    out: dict[str, list[Any]] = {f: [] for f in HASHED_FIELDS}
    birth_year: list[Any] = []
    id_values = ids.tolist()
    born_values = born.tolist() if born is not None else None
    for i in range(n):
        # the names are canonical already: their parts are the words
        given_i, family_i = given_norm[i], family_norm[i]
        given_parts = given_i.split() if given_i else []
        family_parts = family_i.split() if family_i else []
        parts = given_parts + family_parts
        codes = {p: phonetic_code(p) for p in parts}
        out["record"].append(h["record"](f"{list_name}\x1f{id_values[i]}"))
        out["given_name"].append(h["given_name"](given_i) if given_i else None)
        out["family_name"].append(h["family_name"](family_i) if family_i else None)
        # the first family name's phonetic code: a blocking key that survives spelling
        # variants and a dropped second family name
        out["family_phonetic"].append(
            h["family_phonetic"](codes[family_parts[0]]) if family_parts else None
        )
        out["given_phonetic"].append(
            h["given_phonetic"](codes[given_parts[0]]) if given_parts else None
        )
        out["name_parts"].append(" ".join(sorted({h["name_parts"](p) for p in parts})))
        out["phonetic_parts"].append(
            " ".join(sorted(h["phonetic_parts"](c) for c in set(codes.values())))
        )
        out["name_bloom"].append(_bloom(h["name_bloom"], parts))
        date = None
        if born_values is not None:
            try:
                date = parse_date(born_values[i], day_first=day_first)
            except DataError as err:
                raise DataError(
                    f"list {list_name!r}, row {i}, column {date_of_birth!r}: {err}"
                ) from None
        iso = date.iso() if date else None
        out["birth_date"].append(h["birth_date"](iso) if iso and date and date.complete else None)
        year_month = iso[:7] if iso and date and date.month is not None else None
        out["birth_year_month"].append(h["birth_year_month"](year_month) if year_month else None)
        birth_year.append(date.year if date else None)
    frame = pd.DataFrame({"list": list_name, **out})
    frame["birth_year"] = pd.array(birth_year, dtype="Int64")
    if sexes is not None:
        coded = []
        for i, v in enumerate(sexes):
            try:
                coded.append(normalise_sex(v, sex_codes))
            except DataError as err:
                raise DataError(f"list {list_name!r}, row {i}, column {sex!r}: {err}") from None
        frame["sex"] = pd.array(coded, dtype="string")
    if birth_places is not None:
        place_hash = _hasher(key, "birth_place", cached=True)
        # place codes may be numbers: read as text, normalised as names are
        normalised = [
            None if _missing(v) else normalise_name(v if isinstance(v, str) else str(v))
            for v in birth_places
        ]
        frame["birth_place"] = [place_hash(v) if v else None for v in normalised]
    for c in keep:
        frame[c] = records[c].to_numpy()
    frame["key_check"] = key_check(key)
    return frame
