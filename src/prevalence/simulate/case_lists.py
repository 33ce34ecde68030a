"""Synthetic case lists with known truth: people, the lists they are on, and the messy records
each list keeps of them.

For measuring linkage and its effect on multiple systems estimation: a population of people
with names, dates of birth, sex, region and exploitation type; each list (police, NGO,
shelter, labour inspectorate...) finds each person with a probability that varies between
people (a shared catchability, as :func:`~prevalence.simulate.simulate_captures`); and each
record is written the way real case files are: typos in names, accents dropped or added,
names in capitals, dates in the list's own format, day and month swapped, partial or missing
dates, the same person recorded twice on one list. The truth (who each record is) comes with
the records, so linkage precision and recall and the MSE estimate from the true links can be
computed.

Names are made of syllables, not taken from any list of real names.

Examples
--------
>>> pop = simulate_case_lists(500, seed=1)
>>> sorted(pop.records)
['labour', 'ngo', 'police', 'shelter']
>>> pop.truth.columns.tolist()
['list', 'record_id', 'person']
>>> int(pop.true_histories().n_observed) == pop.truth["person"].nunique()
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import DataError
from ..core.random import SeedLike, as_generator
from ..mse.data.captures import CaptureHistories

__all__ = ["CaseListPopulation", "simulate_case_lists", "DEFAULT_LISTS", "NAME_POOR"]

#: Four lists and their average capture probabilities, with each list's way of writing dates.
DEFAULT_LISTS: dict[str, float] = {"police": 0.25, "ngo": 0.2, "shelter": 0.15, "labour": 0.1}
#: The name-poor setting of issue #38, as keyword arguments of :func:`simulate_case_lists`:
#: three lists, given names from a pool of 20 and family names from 216 (36 stems with short
#: suffixes), both with Zipf frequencies (about 60% of people share both names with someone),
#: 5% typos, 3% duplicate records.
NAME_POOR: dict[str, object] = {
    "lists": {"police": 0.3, "ngo": 0.25, "shelter": 0.2},
    "given_name_pool": 20,
    "family_name_pool": 216,
    "typo_rate": 0.05,
    "duplicate_rate": 0.03,
}
_DATE_FORMATS = {
    "police": "%d/%m/%Y",
    "ngo": "%Y-%m-%d",
    "shelter": "%d.%m.%Y",
    "labour": "%d %B %Y",
}
_ONSETS = ["b", "ch", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "sh", "t",
           "v", "y", "z", "br", "kr", "tr", "dr", "gr", "st"]  # fmt: skip
_NUCLEI = ["a", "e", "i", "o", "u", "ai", "ia", "ou", "ei", "ua"]
_CODAS = ["", "", "", "n", "r", "s", "l", "m", "k", "z"]
_ACCENTS = {"a": "á", "e": "é", "i": "í", "o": "ó", "u": "ú", "n": "ñ", "c": "ç", "s": "š"}
_REGIONS = ["north", "south", "east", "west", "capital"]
_TYPES = ["labour", "sexual", "domestic", "begging", "criminal"]


@dataclass(frozen=True)
class CaseListPopulation:
    """Simulated people, their case records on each list, and who each record is.

    ``people``: one row per person (``person``, the true identity fields, ``region``,
    ``exploitation``, and 0/1 per list). ``records``: per list, the records as the list keeps
    them (``record_id``, ``given_name``, ``family_name``, ``date_of_birth`` as text in the
    list's format, ``sex``, ``region``, ``exploitation``, ``year``). ``truth``: the person
    behind each record.
    """

    people: pd.DataFrame
    records: Mapping[str, pd.DataFrame]
    truth: pd.DataFrame
    true_size: int
    settings: Mapping[str, float] = field(default_factory=dict)

    @property
    def lists(self) -> tuple[str, ...]:
        return tuple(self.records)

    def true_histories(self) -> CaptureHistories:
        """The capture histories of the people found by at least one list (the truth a
        linkage should recover)."""
        seen = self.people[list(self.lists)].sum(axis=1) > 0
        return CaptureHistories.from_records(self.people.loc[seen, list(self.lists)], self.lists)

    def true_links(self) -> pd.DataFrame:
        """Every pair of records of the same person (within and across lists):
        ``list_l, record_id_l, list_r, record_id_r``."""
        t = self.truth.reset_index(drop=True)
        pairs = t.merge(t, on="person", suffixes=("_l", "_r"))
        key_l = pairs["list_l"] + "\x1f" + pairs["record_id_l"]
        key_r = pairs["list_r"] + "\x1f" + pairs["record_id_r"]
        return pairs.loc[key_l < key_r, ["list_l", "record_id_l", "list_r", "record_id_r"]]


def _names(rng: np.random.Generator, n: int, parts: tuple[int, int]) -> list[str]:
    count = rng.integers(parts[0], parts[1] + 1, size=n)
    out = []
    for k in count:
        syllables = [
            _ONSETS[rng.integers(len(_ONSETS))]
            + _NUCLEI[rng.integers(len(_NUCLEI))]
            + _CODAS[rng.integers(len(_CODAS))]
            for _ in range(int(k))
        ]
        out.append("".join(syllables).capitalize())
    return out


#: Short endings that turn one family-name stem into several names (as in many languages:
#: -ov/-ova, -i, -a), so that a name-poor population also has names that differ by a letter.
_SUFFIXES = ["", "a", "i", "ov", "ova", "in"]


def _pool(rng: np.random.Generator, size: int, parts: tuple[int, int]) -> list[str]:
    """``size`` distinct generated names."""
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < size:
        for name in _names(rng, size, parts):
            if name not in seen and len(out) < size:
                seen.add(name)
                out.append(name)
    return out


def _family_pool(rng: np.random.Generator, size: int) -> list[str]:
    """``size`` distinct family names made of a few stems with short suffixes."""
    stems = _pool(rng, max(1, -(-size // len(_SUFFIXES))), (1, 2))
    names = [stem + suffix for stem in stems for suffix in _SUFFIXES]
    return list(dict.fromkeys(names))[:size]


def _zipf_choice(rng: np.random.Generator, pool: list[str], n: int) -> list[str]:
    """``n`` draws from ``pool`` with Zipf frequencies (the k-th most common name 1/k as often
    as the first): a handful of names cover most people, as in many countries."""
    weights = 1.0 / np.arange(1, len(pool) + 1)
    return [pool[k] for k in rng.choice(len(pool), size=n, p=weights / weights.sum())]


def _typo(rng: np.random.Generator, text: str) -> str:
    """One typing or transcription error: a letter changed, dropped, doubled or swapped with
    its neighbour, or an accent added."""
    if len(text) < 3:
        return text
    i = int(rng.integers(1, len(text) - 1))
    kind = int(rng.integers(5))
    if kind == 0:
        return text[:i] + "aeioulnrst"[rng.integers(10)] + text[i + 1 :]
    if kind == 1:
        return text[:i] + text[i + 1 :]
    if kind == 2:
        return text[:i] + text[i] + text[i:]
    if kind == 3:
        return text[: i - 1] + text[i] + text[i - 1] + text[i + 1 :]
    hits = [j for j, c in enumerate(text) if c.lower() in _ACCENTS]
    if not hits:
        return text
    j = hits[int(rng.integers(len(hits)))]
    accented = _ACCENTS[text[j].lower()]
    return text[:j] + (accented.upper() if text[j].isupper() else accented) + text[j + 1 :]


def simulate_case_lists(
    n_people: int = 10_000,
    lists: Mapping[str, float] | None = None,
    *,
    heterogeneity: float = 1.0,
    duplicate_rate: float = 0.05,
    typo_rate: float = 0.1,
    missing_rate: float = 0.05,
    year: int = 2025,
    given_name_pool: int | None = None,
    family_name_pool: int | None = None,
    birth_years: int = 47,
    birth_places: int | None = None,
    seed: SeedLike = None,
) -> CaseListPopulation:
    """Simulate ``n_people`` people, the lists that find them and the records the lists keep.

    Parameters
    ----------
    n_people : int
        True population size.
    lists : mapping of list name to average capture probability
        Default :data:`DEFAULT_LISTS` (four lists). Each list writes dates in its own format
        (the four defaults: ``17/05/1990``, ``1990-05-17``, ``17.05.1990``, ``17 May 1990``;
        other lists ISO).
    heterogeneity : float
        Standard deviation of each person's catchability on the logit scale, shared by all
        lists (positive dependence between lists, as in practice).
    duplicate_rate : float
        Probability that a list records a person it found a second time (a separate record,
        with its own errors).
    typo_rate : float
        Probability of an error in each name and in each date of a record (dates: day and
        month swapped, a day off, a year off, or only the year kept).
    missing_rate : float
        Probability that a record lacks the date of birth, and (half as often) the given name
        or sex.
    year : int
        Year of identification of the records.
    given_name_pool, family_name_pool : int, optional
        Name-poor populations: draw given names from this many names and family names from
        this many (a few stems with short suffixes such as -ov/-ova, so that names also
        differ by a letter or two), both with Zipf frequencies, as in countries where a
        handful of names cover most people. Default None: every person's names are their
        own (a large pool, where namesakes are rare).
    birth_years : int
        Span of the years of birth (from 1960). Fewer years: more namesakes born in the same
        year. ``settings["namesakes_same_year"]`` reports the share of people who share both
        names and the year of birth with someone else.
    birth_places : int, optional
        Give every person a place of birth among this many places (Zipf frequencies: a
        capital, then ever smaller towns), recorded as ``place_of_birth`` on each record:
        missing as often as the date of birth (``missing_rate``), drawn anew on a fifth
        of ``typo_rate`` of the records. Drawn after everything else, so the people and
        records are otherwise those of the same seed without places. Default None: no place.
    seed : int or Generator
        Same seed, same population and records.
    """
    if int(n_people) != n_people or n_people < 1:
        raise DataError(f"n_people must be a positive whole number, got {n_people!r}")
    probs = dict(DEFAULT_LISTS if lists is None else lists)
    if len(probs) < 2:
        raise DataError("at least two lists are needed")
    for name, p in probs.items():
        if not 0.0 < float(p) < 1.0:
            raise DataError(f"capture probability of list {name!r} must lie in (0, 1), got {p}")
    for label, rate in (
        ("duplicate_rate", duplicate_rate),
        ("typo_rate", typo_rate),
        ("missing_rate", missing_rate),
    ):
        if not 0.0 <= rate < 1.0:
            raise DataError(f"{label} must lie in [0, 1), got {rate}")
    if heterogeneity < 0:
        raise DataError(f"heterogeneity must be non-negative, got {heterogeneity}")
    for label, pool in (
        ("given_name_pool", given_name_pool),
        ("family_name_pool", family_name_pool),
    ):
        if pool is not None and (isinstance(pool, bool) or int(pool) != pool or pool < 1):
            raise DataError(f"{label} must be a positive whole number or None, got {pool!r}")
    if isinstance(birth_years, bool) or int(birth_years) != birth_years or birth_years < 1:
        raise DataError(f"birth_years must be a positive whole number, got {birth_years!r}")
    if birth_places is not None and (
        isinstance(birth_places, bool) or int(birth_places) != birth_places or birth_places < 1
    ):
        raise DataError(
            f"birth_places must be a positive whole number or None, got {birth_places!r}"
        )
    rng = as_generator(seed)
    n = int(n_people)
    given = (
        _names(rng, n, (2, 3))
        if given_name_pool is None
        else _zipf_choice(rng, _pool(rng, int(given_name_pool), (2, 3)), n)
    )
    family_pool = None if family_name_pool is None else _family_pool(rng, int(family_name_pool))
    family = _names(rng, n, (2, 3)) if family_pool is None else _zipf_choice(rng, family_pool, n)
    people = pd.DataFrame(
        {
            "person": np.arange(n),
            "given_name": given,
            "family_name": family,
            "date_of_birth": pd.to_datetime("1960-01-01")
            + pd.to_timedelta(rng.integers(0, 365 * birth_years, size=n), unit="D"),
            "sex": rng.choice(["F", "M"], size=n, p=[0.6, 0.4]),
            "region": rng.choice(_REGIONS, size=n),
            "exploitation": rng.choice(_TYPES, size=n, p=[0.4, 0.3, 0.15, 0.05, 0.1]),
        }
    )
    compound = rng.random(n) < 0.2  # a second family name, which records often drop
    second = _names(rng, n, (2, 2)) if family_pool is None else _zipf_choice(rng, family_pool, n)
    people.loc[compound, "family_name"] = [
        f"{a} {b}"
        for a, b in zip(
            people.loc[compound, "family_name"], np.array(second)[compound], strict=True
        )
    ]
    names = list(probs)
    logit = np.log(np.array([probs[k] for k in names]) / (1 - np.array([probs[k] for k in names])))
    effect = rng.normal(0.0, heterogeneity, size=(n, 1))
    caught = rng.random((n, len(names))) < 1.0 / (1.0 + np.exp(-(logit[None, :] + effect)))
    for j, name in enumerate(names):
        people[name] = caught[:, j].astype(np.int64)
    records: dict[str, pd.DataFrame] = {}
    truth = []
    # plain dicts: a DataFrame row per record (iloc) took most of the time at a million people
    person_rows = people.to_dict("records")
    for j, name in enumerate(names):
        found = np.flatnonzero(caught[:, j])
        twice = found[rng.random(found.size) < duplicate_rate]
        who = np.sort(np.concatenate([found, twice]))
        rows = [_record(rng, person_rows[i], name, typo_rate, missing_rate) for i in who]
        frame = pd.DataFrame(rows)
        order = rng.permutation(len(frame))  # lists are not sorted by person
        frame = frame.iloc[order].reset_index(drop=True)
        who = who[order]
        prefix = name[:3].upper()
        frame.insert(0, "record_id", [f"{prefix}-{k:06d}" for k in range(1, len(frame) + 1)])
        frame["year"] = year
        records[name] = frame
        truth.append(pd.DataFrame({"list": name, "record_id": frame["record_id"], "person": who}))
    if birth_places is not None:
        _add_places(rng, people, records, truth, int(birth_places), typo_rate, missing_rate)
    key = people[["given_name", "family_name"]].assign(year=people["date_of_birth"].dt.year)
    settings = {
        "heterogeneity": float(heterogeneity),
        "duplicate_rate": float(duplicate_rate),
        "typo_rate": float(typo_rate),
        "missing_rate": float(missing_rate),
        "namesakes_same_year": float(key.duplicated(keep=False).mean()),
        "namesakes": float(key[["given_name", "family_name"]].duplicated(keep=False).mean()),
    }
    return CaseListPopulation(
        people, records, pd.concat(truth, ignore_index=True), n, {**probs, **settings}
    )


def _add_places(
    rng: np.random.Generator,
    people: pd.DataFrame,
    records: dict[str, pd.DataFrame],
    truth: list[pd.DataFrame],
    n_places: int,
    typo_rate: float,
    missing_rate: float,
) -> None:
    """Places of birth for the people and their records (in place), drawn after all else."""
    pool = _pool(rng, n_places, (2, 3))
    weights = 1.0 / np.arange(1, n_places + 1)
    weights /= weights.sum()
    born_in = np.array(pool, dtype=object)[rng.choice(n_places, size=len(people), p=weights)]
    people["place_of_birth"] = born_in
    for frame, who in zip(records.values(), truth, strict=True):
        place = born_in[who["person"].to_numpy()].copy()
        wrong = rng.random(len(frame)) < typo_rate / 5
        place[wrong] = np.array(pool, dtype=object)[
            rng.choice(n_places, size=int(wrong.sum()), p=weights)
        ]
        place[rng.random(len(frame)) < missing_rate] = None
        frame["place_of_birth"] = place


def _record(
    rng: np.random.Generator,
    person: dict[str, Any],
    list_name: str,
    typo_rate: float,
    missing_rate: float,
) -> dict[str, object]:
    given, family = str(person["given_name"]), str(person["family_name"])
    if rng.random() < typo_rate:
        given = _typo(rng, given)
    if rng.random() < typo_rate:
        family = _typo(rng, family)
    if " " in family and rng.random() < 0.5:  # the second family name dropped
        family = family.split(" ")[0]
    if list_name == "police":  # capitals, as on many police forms
        given, family = given.upper(), family.upper()
    born: pd.Timestamp = person["date_of_birth"]
    text: str | None = born.strftime(_DATE_FORMATS.get(list_name, "%Y-%m-%d"))
    if rng.random() < typo_rate:
        kind = int(rng.integers(4))
        if kind == 0 and born.day <= 12:  # day and month swapped
            text = born.replace(month=born.day, day=born.month).strftime(
                _DATE_FORMATS.get(list_name, "%Y-%m-%d")
            )
        elif kind == 1:
            text = (born + pd.Timedelta(days=1)).strftime(_DATE_FORMATS.get(list_name, "%Y-%m-%d"))
        elif kind == 2:
            shifted = born.replace(
                year=born.year + (1 if rng.random() < 0.5 else -1), day=min(born.day, 28)
            )
            text = shifted.strftime(_DATE_FORMATS.get(list_name, "%Y-%m-%d"))
        else:
            text = str(born.year)  # only the year known
    if rng.random() < missing_rate:
        text = None
    sex: str | None = str(person["sex"])
    if rng.random() < missing_rate / 2:
        sex = None
    given_out: str | None = given
    if rng.random() < missing_rate / 2:
        given_out = None
    return {
        "given_name": given_out,
        "family_name": family,
        "date_of_birth": text,
        "sex": sex,
        "region": person["region"],
        "exploitation": person["exploitation"],
    }
