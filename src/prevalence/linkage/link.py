"""Linking and deduplicating pseudonymised case lists (Fellegi-Sunter, with Splink).

The lists that :func:`~prevalence.linkage.pseudonymise` wrote are compared record by record,
within each list (the same person recorded twice) and across lists. Splink does the
probabilistic part: a Fellegi-Sunter model whose parameters are estimated without labels (the
u probabilities from random pairs that another comparison shows to be unlike, so that the
true matches among random pairs do not inflate them; the m probabilities by EM, first in
Splink's blocks, then over every scored pair at once; the share of matching pairs by EM over
every pair, apart for two records of one list and of two lists), on DuckDB by default or on
Spark when the lists outgrow one machine (the same code; pass a Splink ``SparkAPI`` as
``backend``). Where a handful of names cover most people (namesakes abound), equal names count
for as much as they are rare (a term-frequency adjustment of the full name), and a person
never gathers two records of one list through other lists alone. The comparisons work on the
hashes alone:

* name: given and family name equal (weighted by how common the full name is); family name
  equal; letter-pair Bloom filters 80%
  alike (Dice); two or more name parts in common; Bloom filters 60% alike; a phonetic code in
  common; nothing alike although both records give both names; nothing alike, a name missing;
* date of birth: the full date equal; year and month equal; the year equal; years one apart;
* place of birth, when the lists carry one (``pseudonymise(place_of_birth=...)``): equal
  (weighted by how common the place is) or not;
* sex, and any kept column named in ``compare_on`` (region, say): equal or not.

Pairs are only scored within blocks that stay small at scale: keys
such as the family-name phonetic code with the birth year, the date of birth, the phonetic
codes of both names, and rules for the double errors of case files (a name mistyped while the
date of birth is missing or a year off). The result keeps every scored pair with its match
probability; records are grouped into people by joining every pair above a threshold
(connected components, strongest links first, two records of one list joined only by a link
of their own), which gives the capture histories for multiple systems estimation.

Examples
--------
>>> from prevalence.linkage import pseudonymise
>>> from prevalence.simulate import simulate_case_lists
>>> pop = simulate_case_lists(300, seed=2)
>>> hashed = [pseudonymise(r, "a secret the holders share, 32+ chars", list_name=k,
...                        record_id="record_id", given_name="given_name",
...                        family_name="family_name", date_of_birth="date_of_birth",
...                        sex="sex") for k, r in pop.records.items()]
>>> result = link_case_lists(hashed, seed=1)
>>> histories = result.histories()
>>> histories.lists
('police', 'ngo', 'shelter', 'labour')
"""

from __future__ import annotations

import logging
import math
import os
import shutil
import tempfile
import uuid
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from ..core.errors import DataError, DataWarning
from ..core.random import SeedLike, as_generator, check_seed
from ..mse.data.captures import CaptureHistories
from .pseudonymise import BLOOM_BITS, HASHED_FIELDS

__all__ = ["LinkageResult", "link_case_lists"]

_REQUIRED = ("list", "record", "key_check", *HASHED_FIELDS[1:], "birth_year")


@dataclass(frozen=True)
class LinkageResult:
    """Scored pairs of records and what they imply.

    ``records``: every record (``list``, ``record`` and the kept columns), in input order.
    ``pairs``: every scored pair (``record_l``, ``record_r``, their lists,
    ``match_probability``, ``match_weight``), record indices into ``records`` in
    ``index_l``/``index_r``. ``threshold``: the default for grouping records into people.
    """

    records: pd.DataFrame
    pairs: pd.DataFrame
    lists: tuple[str, ...]
    threshold: float
    parameters: Mapping[str, Any]

    def people(self, threshold: float | None = None) -> np.ndarray:
        """A person number for every record: records joined by a pair at or above
        ``threshold`` (default: the result's) are one person (connected components)."""
        t = self.threshold if threshold is None else _check_threshold(threshold)
        keep = self.pairs["match_probability"].to_numpy() >= t
        return self._components(keep)

    def _components(self, keep: np.ndarray) -> np.ndarray:
        """People from the kept links: connected components, except that two records of one
        list are joined only by a kept link between records of that list (a duplicate the
        model itself found), never through records of other lists alone."""
        n = len(self.records)
        i = self.pairs["index_l"].to_numpy()[keep]
        j = self.pairs["index_r"].to_numpy()[keep]
        graph = coo_matrix((np.ones(i.size), (i, j)), shape=(n, n))
        _, components = connected_components(graph, directed=False)
        list_code = pd.factorize(self.records["list"])[0]
        # only components holding two records of one list need the careful join
        twice = pd.DataFrame({"person": components, "list": list_code}).duplicated().to_numpy()
        if not twice.any():
            return components
        crowded = np.zeros(int(components.max()) + 1, dtype=bool)
        crowded[components[twice]] = True
        p = self.pairs["match_probability"].to_numpy()[keep]
        return _one_record_per_list(i, j, p, list_code, components, crowded)

    def histories(
        self, threshold: float | None = None, strata: str | Sequence[str] | None = None
    ) -> CaptureHistories | dict[Any, CaptureHistories]:
        """Capture histories of the linked people (one per person: on which lists).

        ``strata``: kept columns (year, sex, exploitation type...) by which to split the
        people; a person takes the value of their first record. Returns a dict of
        :class:`~prevalence.mse.data.captures.CaptureHistories` keyed by stratum then.
        """
        return self._histories(self.people(threshold), strata)

    def _membership(self, person: np.ndarray) -> pd.DataFrame:
        """One row per person, 0/1 per list."""
        on = pd.crosstab(person, self.records["list"].to_numpy()).reindex(
            columns=list(self.lists), fill_value=0
        )
        return (on > 0).astype(np.int64)

    def _histories(
        self, person: np.ndarray, strata: str | Sequence[str] | None
    ) -> CaptureHistories | dict[Any, CaptureHistories]:
        on = self._membership(person)
        if strata is None:
            return CaptureHistories.from_records(on, self.lists)
        cols = [strata] if isinstance(strata, str) else list(strata)
        missing = [c for c in cols if c not in self.records.columns]
        if missing:
            raise DataError(
                f"unknown strata column(s) {missing}; the linked records have columns "
                f"{list(self.records.columns)} (keep them when pseudonymising)"
            )
        first = self.records.groupby(person, sort=True)[cols].first()
        out: dict[Any, CaptureHistories] = {}
        for key, rows in first.groupby(cols if len(cols) > 1 else cols[0]):
            out[key] = CaptureHistories.from_records(on.loc[rows.index], self.lists)
        return out

    def sensitivity(
        self, thresholds: Sequence[float] = (0.5, 0.8, 0.9, 0.95, 0.99)
    ) -> pd.DataFrame:
        """People observed, records per person and people on several lists at each threshold:
        false matches merge people (fewer observed), missed matches split them (more)."""
        rows = []
        for t in thresholds:
            on_lists = self._membership(self.people(t)).sum(axis=1)
            rows.append(
                {
                    "threshold": float(t),
                    "people_observed": len(on_lists),
                    "records_per_person": len(self.records) / len(on_lists),
                    "on_several_lists": int((on_lists > 1).sum()),
                    "pairs_linked": int((self.pairs["match_probability"] >= t).sum()),
                }
            )
        return pd.DataFrame(rows)

    def summary(self, threshold: float | None = None) -> dict[str, Any]:
        """The linkage in figures (no identifier): records per list, pairs scored and linked,
        people, and the model's own view of its errors at ``threshold``: the expected false
        links (the sum of one minus the probability over linked pairs) and the expected
        missed links among the scored pairs (the sum of the probabilities below it; pairs
        never brought into a block are not counted); and the links that rest on the names
        alone (the dates of birth missing, different or a year apart) with their share of all
        links: where many people share names, a large share says the result depends on
        namesakes being told apart by their names."""
        t = self.threshold if threshold is None else _check_threshold(threshold)
        p = self.pairs["match_probability"].to_numpy()
        linked = p >= t
        people = self.people(t)
        # merges resting on the names alone: the dates of birth do not agree even on the
        # year (one missing, different, or a year apart), so the link is only as good as the
        # names are rare; where namesakes are common, these are the links to doubt
        names_alone = linked & (self.pairs["birth_level"].to_numpy() <= _YEARS_APART_LEVEL)
        return {
            "threshold": t,
            "records": len(self.records),
            "records_per_list": {
                str(k): int(v)
                for k, v in self.records["list"].value_counts().reindex(self.lists).items()
            },
            "pairs_scored": int(p.size),
            "pairs_linked": int(linked.sum()),
            "people": int(people.max() + 1) if people.size else 0,
            "expected_false_links": float((1.0 - p[linked]).sum()),
            "expected_missed_links": float(p[~linked].sum()),
            "links_on_names_alone": int(names_alone.sum()),
            "share_of_links_on_names_alone": (
                float(names_alone.sum() / linked.sum()) if linked.any() else math.nan
            ),
            "probability_two_random_records_match": float(
                self.parameters.get("probability_two_random_records_match", float("nan"))
            ),
        }

    def draw_histories(self, draws: int, seed: SeedLike = None) -> list[CaptureHistories]:
        """Linkage configurations drawn from the match probabilities: each scored pair is a
        link with its probability, independently, and people are the connected components.
        Estimating on each draw carries linkage uncertainty into an estimate."""
        if int(draws) != draws or draws < 1:
            raise DataError(f"draws must be a positive whole number, got {draws!r}")
        rng = as_generator(check_seed(seed))
        p = self.pairs["match_probability"].to_numpy()
        out = []
        for _ in range(int(draws)):
            h = self._histories(self._components(rng.random(p.size) < p), None)
            assert isinstance(h, CaptureHistories)
            out.append(h)
        return out


def _one_record_per_list(
    i: np.ndarray,
    j: np.ndarray,
    p: np.ndarray,
    list_code: np.ndarray,
    components: np.ndarray,
    crowded: np.ndarray,
) -> np.ndarray:
    """Join records along the links ``(i, j)`` strongest first (single linkage), but never
    join two groups that both hold a record of one list unless a link between such records
    of that list was kept: a list records a person once, apart from the duplicates the model
    itself links, so a group that would hold two records of one list through other lists
    alone is two people who share a name (namesakes linked to one record of another list).

    ``components``: the plain connected components; only the ``crowded`` ones (holding two
    records of one list) are rebuilt here. Returns a person number per record.
    Hand-written: a cannot-link constraint that connected components do not know.
    """
    out = components.copy()
    rebuild = crowded[components]
    edges = np.flatnonzero(rebuild[i])
    order = edges[np.argsort(-p[edges], kind="stable")]
    parent: dict[int, int] = {}
    members: dict[int, dict[int, list[int]]] = {}  # root -> list code -> records

    def find(x: int) -> int:
        root = parent.setdefault(x, x)
        while root != parent[root]:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def group(x: int) -> dict[int, list[int]]:
        return members.setdefault(x, {int(list_code[x]): [x]})

    within = {  # the kept links between records of one list, each pair once (low, high)
        (min(int(a), int(b)), max(int(a), int(b)))
        for a, b in zip(i, j, strict=True)
        if list_code[a] == list_code[b]
    }
    for e in order:
        a, b = find(int(i[e])), find(int(j[e]))
        if a == b:
            continue
        ga, gb = group(a), group(b)
        shared = set(ga) & set(gb)
        if any(
            not any((min(x, y), max(x, y)) in within for x in ga[code] for y in gb[code])
            for code in shared
        ):
            continue  # two records of one list with no link of their own: two people
        if len(ga) < len(gb):
            a, b, ga, gb = b, a, gb, ga
        parent[b] = a
        for code, records in gb.items():
            ga.setdefault(code, []).extend(records)
        del members[b]
    rows = np.flatnonzero(rebuild)
    roots = np.array([find(int(r)) for r in rows])
    out[rows] = components.max() + 1 + pd.factorize(roots)[0]
    return np.unique(out, return_inverse=True)[1]  # people numbered 0, 1, ... without gaps


_WORDS = BLOOM_BITS // 64

#: The date-of-birth comparison's level "years one apart" (Splink's gamma value); below it
#: the dates disagree or one is missing (-1).
_YEARS_APART_LEVEL = 1


def _bloom_columns(hexes: pd.Series) -> dict[str, Any]:
    """The Bloom filters as 64-bit words (signed, as SQL integers are) and their bit counts,
    so that similarity is integer arithmetic in the database (list functions were 20 times
    slower when estimating u from millions of random pairs)."""
    missing = hexes.isna().to_numpy()
    filled = hexes.fillna("0" * (BLOOM_BITS // 4))
    raw = np.frombuffer(bytes.fromhex("".join(filled)), dtype=np.uint8).reshape(len(hexes), -1)
    words = raw.view(">u8").astype(np.uint64)  # the hex digits in order: big-endian words
    bits = np.unpackbits(raw, axis=1).sum(axis=1, dtype=np.int64)
    out: dict[str, Any] = {f"bloom{k}": words[:, k].view(np.int64) for k in range(_WORDS)}
    out["bloom_bits"] = np.where(missing, 0, bits)
    return out


def _dice_level(at_least: float) -> Any:
    """Names whose letter-pair Bloom filters agree on ``at_least`` of their bits (Dice:
    twice the shared bits over the bits of both)."""
    import splink.comparison_level_library as cll

    shared = " + ".join(f"bit_count(bloom{k}_l & bloom{k}_r)" for k in range(_WORDS))
    return cll.CustomLevel(
        f"2 * ({shared}) >= {at_least} * (bloom_bits_l + bloom_bits_r) "
        "AND bloom_bits_l > 0 AND bloom_bits_r > 0",
        f"name letter pairs {at_least:.0%} alike",
        base_dialect_str="duckdb",
    )


def _blocking_rules() -> list[Any]:
    """The blocks in which pairs are scored.

    Each rule pairs two keys, or one as selective as a date of birth, so that blocks stay
    small when a country's lists hold millions of records and common family names; together
    they must still bring every true pair into some block, because a pair never scored is a
    missed link whatever the model (and missed links inflate the MSE estimate). The first
    four catch pairs with at most one field wrong; the rest catch the usual double errors of
    case files: a name mistyped while the date of birth is missing on one record (paired by
    the other name's phonetic code and sex, among the records without a birth year only),
    a year of birth one off with a name mistyped (the other name's phonetic code and the
    neighbouring year: an equality join, not a scan), and a family name changed or dropped.
    On synthetic lists of 10,000 people these rules bring 2,220 of 2,223 true pairs into a
    block (the first four alone 2,165). The year and month of birth alone would add one more
    but pair 1.25 billion records at a million records (each year-month holds thousands).
    """
    from splink import block_on
    from splink.blocking_rule_library import CustomRule

    rules: list[Any] = [
        block_on("family_phonetic", "birth_year"),
        # with sex: the date of birth alone paired 40 million records at a million
        block_on("birth_date", "sex"),
        block_on("given_name", "birth_year"),
        block_on("family_phonetic", "given_phonetic"),
        block_on("given_phonetic", "birth_year"),
    ]
    for key in ("family_phonetic", "given_phonetic"):
        # one rule per side: a condition on one table is applied before the join
        for side in ("l", "r"):
            rules.append(
                CustomRule(f"l.{key} = r.{key} AND l.sex = r.sex AND {side}.birth_year IS NULL")
            )
        for step in ("+ 1", "- 1"):
            rules.append(CustomRule(f"l.{key} = r.{key} AND l.birth_year = r.birth_year {step}"))
    return rules


#: The smallest m probability a level keeps after EM. EM drives the m of a level that
#: true pairs never show in the training blocks (sex recorded differently, names with nothing
#: alike) towards zero, and a few sessions on underflow it (Splink then stops); a record of
#: one person does give a different sex or an alias now and then, so such evidence should
#: count heavily against a match (2^-13 here), not infinitely.
_M_FLOOR = 1e-4


def _unlike_levels(comparison: Any) -> int:
    """The highest comparison-vector value at which a comparison says "not alike": the
    else level, and for the names also "both names given, nothing alike"."""
    return 1 if comparison.output_column_name == "name" else 0


def _estimate_u_from_unlike_pairs(
    linker: Any, tables: list[Any], settings_for: Any, conditioned: tuple[str, ...]
) -> None:
    """Estimate each level's u from random pairs that another comparison shows to differ.

    Splink estimates u from random pairs as if none of them matched. On case lists a random
    pair matches with probability of the order of 1e-4, while the u of the top agreement
    levels is of the order of 1e-6, so the matches among the random pairs swamp those u, and
    subtracting them again (u - lambda m) leaves a small difference of large, uncertain
    numbers: match probabilities came out too low (pairs whose names were equal and whose
    date of birth was missing scored 0.93, all true links). Here the u of the name levels are
    counted among random pairs whose birth years are more than one year apart, and the u of
    the date levels among random pairs whose names have nothing alike: people are
    independent in name and date of birth, so these pairs show the levels as non-matches do,
    and almost none of them is a match. Other comparisons (sex) are counted among pairs that
    differ on both.

    The random pairs are the pairs within buckets of a random column drawn in numpy
    (``u_bucket``), so that DuckDB and Spark count the same pairs. Hand-written because
    Splink's random sampling cannot condition on another comparison.
    """
    from splink import Linker, block_on

    sampler = Linker(
        tables,
        settings_for([block_on("u_bucket")], retain_intermediate_calculation_columns=True),
        log_level=logging.ERROR,
    )
    predicted = sampler.inference.predict()
    comparisons = list(linker._settings_obj.comparisons)
    cols = ", ".join(f"gamma_{c.output_column_name}" for c in comparisons)
    counts = sampler.misc.query_sql(
        f"SELECT {cols}, count(*) AS n FROM {predicted.physical_name} GROUP BY {cols}",
        output_type="pandas",
    )
    predicted.drop_table_from_database_and_remove_from_cache()
    n = counts["n"].to_numpy(dtype=float)
    gamma = {
        c.output_column_name: counts[f"gamma_{c.output_column_name}"].to_numpy(dtype=int)
        for c in comparisons
    }
    unlike = {
        c.output_column_name: (gamma[c.output_column_name] >= 0)
        & (gamma[c.output_column_name] <= _unlike_levels(c))
        for c in comparisons
        if c.output_column_name in conditioned
    }
    for c in comparisons:
        name = c.output_column_name
        rows = gamma[name] >= 0  # not the null level
        for other, differs in unlike.items():
            if other != name:
                rows &= differs
        total = float(n[rows].sum())
        if total == 0:
            raise DataError(
                "too few records to estimate how often unrelated records agree; link at "
                "least a few hundred records"
            )
        for level in c.comparison_levels:
            if level.is_null_level:
                continue
            count = float(n[rows & (gamma[name] == level.comparison_vector_value)].sum())
            # a level never seen among the unlike pairs: half a pair, not zero
            level.u_probability = max(count, 0.5) / total
            # Splink re-derives u from its record of trained values after every training
            # step; fixing the level keeps this value (a private flag: splink>=5.0 pinned)
            level._fix_u_probability = True


def _floored(m: Any) -> np.ndarray:
    """The m of one comparison's levels, each at least :data:`_M_FLOOR`, renormalised."""
    out = np.maximum(np.asarray(m, dtype=float), _M_FLOOR)
    return out / out.sum()


def _floor_m(linker: Any) -> None:
    """Every level's m at least :data:`_M_FLOOR`, renormalised within its comparison."""
    for comparison in linker._settings_obj.comparisons:
        levels = [level for level in comparison.comparison_levels if not level.is_null_level]
        m = _floored([float(level.m_probability or 0.0) for level in levels])
        for level, value in zip(levels, m, strict=True):
            level.m_probability = float(value)


_KEEP_PROBABILITY = 1e-3

#: Records per chunk on each side of the scoring step (chunks x chunks queries at scale); the
#: pairs and their probabilities do not depend on it (tests/linkage/test_link.py).
_RECORDS_PER_CHUNK = 250_000


#: The m of an equality comparison (sex, a kept column) while EM trains the others.
_EQUALITY_START = (0.99, 0.01)


def _hold_equality_m(linker: Any) -> None:
    """Hold the m of the equality comparisons (sex, ``compare_on`` columns) during EM.

    In blocks where the names or the date agree, records of different people that differ in
    sex abound and records of one person that differ in sex are rare, so EM drives that m
    towards zero within a session, underflowing float64 after a few (Splink then stops).
    They are held at :data:`_EQUALITY_START` and estimated afterwards over every scored
    pair with the others (:func:`_refit_m`).
    """
    for comparison in linker._settings_obj.comparisons:
        if not comparison.output_column_name.startswith("cmp_"):
            continue
        for level in comparison.comparison_levels:
            if level.is_null_level:
                continue
            positive = level.comparison_vector_value > 0
            level.m_probability = _EQUALITY_START[0] if positive else _EQUALITY_START[1]
            level._fix_m_probability = True  # a private flag: splink>=5.0 pinned


def _trained_m(linker: Any) -> dict[str, dict[int, float]]:
    """Every comparison's m by level value, as training left them."""
    out: dict[str, dict[int, float]] = {}
    for comparison in linker._settings_obj.comparisons:
        out[comparison.output_column_name] = {
            int(level.comparison_vector_value): float(level.m_probability)
            for level in comparison.comparison_levels
            if not level.is_null_level
        }
    return out


def _refit_m(
    scored: Mapping[str, np.ndarray],
    trained: dict[str, dict[int, float]],
    prior: float,
    pair_class: np.ndarray,
    class_pairs: np.ndarray,
    *,
    counts: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """EM over every scored pair for the m of every comparison and lambda, u fixed.

    Splink trains the m by EM within blocking rules, one rule at a time. Where names are few
    that fails: in a block of pairs with alike names most pairs are namesakes, and EM took
    "alike names" for the match class, so the date of birth came out as uninformative
    (m = u) and true duplicates with a mistyped given name scored 0.24. Over the union of
    every block (the pairs with the same date and other names included), with the names'
    evidence term-frequency adjusted, the match class is the pairs that agree on both. The
    M-step of each m is the posterior-weighted share of pairs at each level (floored at
    :data:`_M_FLOOR`); the match weights change by the log ratio of new to old m at each
    pair's level, so nothing is scored again. Lambda is re-estimated per class of pairs
    (:func:`_refit_prior`). Hand-written: Splink has no EM over its predictions.

    ``scored``: ``match_weight`` and ``gamma_<comparison>`` per row; a row may stand for
    ``counts`` pairs alike in weight, class and levels, every sum counting it that often (the
    database groups the scored pairs so: 34 million pairs of 1.44 million synthetic records
    made 667 rows; more where the weights of equal full names, which vary with the names'
    frequency, take many values).

    Returns lambda per class, the match probabilities and the match weights (log2 odds) of
    the rows.
    """
    weight = np.asarray(scored["match_weight"], dtype=float).copy()
    counts = np.ones(weight.size) if counts is None else np.asarray(counts, dtype=float)
    # per comparison: its level values, their current m, and which rows are at each level
    fits = []
    for name, levels in trained.items():
        gamma = np.asarray(scored[f"gamma_{name}"]).astype(np.int64)
        values = list(levels)
        fits.append(
            (np.array([levels[v] for v in values]), [gamma == v for v in values], gamma >= 0)
        )
    for _ in range(200):
        _, probability, _ = _refit_prior(weight, prior, pair_class, class_pairs, counts=counts)
        expected = probability * counts
        change = 0.0
        for k, (m, at_level, observed) in enumerate(fits):
            total = float(expected[observed].sum())
            if total <= 0:
                continue
            m_new = _floored([expected[at].sum() / total for at in at_level])
            for at, old_m, new_m in zip(at_level, m, m_new, strict=True):
                weight[at] += np.log2(new_m / old_m)
            change = max(change, float(np.abs(m_new - m).max()))
            fits[k] = (m_new, at_level, observed)
        if change < 1e-8:
            break
    return _refit_prior(weight, prior, pair_class, class_pairs, counts=counts)


def _refit_prior(
    match_weight: np.ndarray,
    prior: float,
    pair_class: np.ndarray,
    class_pairs: np.ndarray,
    *,
    counts: np.ndarray | None = None,
    tol: float = 1e-10,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Re-estimate the share of pairs that match, lambda, by EM with m and u held fixed, one
    lambda per class of pairs (``pair_class`` 0: two records of one list, 1: of two lists;
    ``class_pairs``: how many pairs each class has in all).

    Splink takes lambda from a deterministic rule and a guessed recall (0.7 here) and keeps
    it through EM on blocks; a lambda too low makes every match probability too low (on
    synthetic lists pairs scored 0.7 to 0.9 were all true links), and drawn linkage
    configurations then split people who are one, which biases MSE estimates upwards. With
    m and u fixed, the EM update of lambda over all the class's pairs is the mean posterior
    match probability; pairs outside the blocks or scored below 1e-5 count as non-matches
    (their posterior is negligible). Two records of one list are one person far more rarely
    than two records of two lists (a list records most people once; the lists overlap), so
    a merge within a list needs that much more evidence: where namesakes abound, one shared
    lambda merged namesakes on one list. Hand-written: Splink has no such step.

    ``counts``: how many pairs each entry stands for (one each by default).

    Returns lambda per class, the match probabilities and the match weights (log2 odds).
    """
    bayes_log2 = match_weight - np.log2(prior / (1.0 - prior))
    lam = np.full(len(class_pairs), prior)
    for _ in range(200):
        odds_log2 = bayes_log2 + np.log2(lam / (1.0 - lam))[pair_class]
        probability = 1.0 / (1.0 + np.exp2(-odds_log2))
        sums = np.bincount(
            pair_class,
            weights=probability if counts is None else probability * counts,
            minlength=len(class_pairs),
        )
        new = np.clip(sums / np.maximum(class_pairs, 1.0), 1e-12, 0.5)
        if np.all(np.abs(new - lam) <= tol * lam):
            lam = new
            break
        lam = new
    odds_log2 = bayes_log2 + np.log2(lam / (1.0 - lam))[pair_class]
    return lam, 1.0 / (1.0 + np.exp2(-odds_log2)), odds_log2


def _comparison_frame(
    data: pd.DataFrame, rows: np.ndarray, u_bucket: np.ndarray, compare_on: Sequence[str]
) -> pd.DataFrame:
    """The records of one list as Splink compares them: ``rows`` their positions among all
    records (the pairs come back as two integers, not as the strings of their identifiers),
    ``u_bucket`` their random buckets for estimating u."""
    frame = pd.DataFrame(
        {
            "unique_id": data["record"].astype(str).to_numpy(),
            "row": rows.astype(np.int64),
            "given_name": data["given_name"].astype(object).to_numpy(),
            "family_name": data["family_name"].astype(object).to_numpy(),
            "full_name": (data["given_name"] + "|" + data["family_name"]).astype(object).to_numpy(),
            "family_phonetic": data["family_phonetic"].astype(object).to_numpy(),
            "given_phonetic": data["given_phonetic"].astype(object).to_numpy(),
            "name_parts": data["name_parts"].fillna("").str.split(" ").to_numpy(),
            "phonetic_parts": data["phonetic_parts"].fillna("").str.split(" ").to_numpy(),
            **_bloom_columns(data["name_bloom"]),
            "birth_date": data["birth_date"].astype(object).to_numpy(),
            "birth_year_month": data["birth_year_month"].astype(object).to_numpy(),
            "birth_year": data["birth_year"].astype("float").to_numpy(),
        }
    )
    sex = data["sex"] if "sex" in data.columns else pd.Series(None, index=data.index)
    frame["sex"] = sex.astype(object).where(sex.notna(), None).to_numpy()
    if "birth_place" in data.columns:
        place = data["birth_place"]
        frame["birth_place"] = place.astype(object).where(place.notna(), None).to_numpy()
    for c in compare_on:
        frame[f"cmp_{c}"] = data[c].astype(object).where(data[c].notna(), None).to_numpy()
    frame["u_bucket"] = u_bucket
    return frame


def _full_name_frequencies_sql(tables: Sequence[str]) -> str:
    """How common each full name is, for Splink's term-frequency adjustment of the level
    "both names equal": the share of records with its given name times the share with its
    family name.

    The adjustment takes, for two records that share the full name x, the chance that a
    record of someone else has x. Splink counts x's own records, so a person recorded on two
    lists under a name no one else has gives it a frequency of two records, and the agreement
    of those two records counts for far less than it should: on synthetic lists with a large
    pool of names (3,000 people, four lists, seeds 1-3) recall at 0.5 is 0.88-0.90 with
    Splink's counts and 0.990-0.992 with these shares (counting people instead of records
    does not escape it: the records whose dates disagree, the very pairs that need the
    names' evidence, are the ones counted twice). Given and family names are drawn independently
    of each other closely enough for this product: a rare given name with a rare family name
    is very rare (1e-7 on those lists, as the pairs of random records show), "Ana Min" where
    a fifth of people are Ana and a sixth Min is common (0.05). Frequencies of the hashes are
    those of the names, so this works on pseudonymised lists. Hand-written: Splink's own
    table counts the full name's records. In SQL, so that the lists never need to sit in
    Python (the same divisions and products as in numpy, so the same values).
    """
    names = " UNION ALL ".join(f"SELECT given_name, family_name FROM {t}" for t in tables)
    return f"""
    WITH names AS ({names}),
    given AS (
        SELECT given_name, CAST(count(*) AS DOUBLE)
            / (SELECT CAST(count(given_name) AS DOUBLE) FROM names) AS share
        FROM names WHERE given_name IS NOT NULL GROUP BY given_name
    ),
    family AS (
        SELECT family_name, CAST(count(*) AS DOUBLE)
            / (SELECT CAST(count(family_name) AS DOUBLE) FROM names) AS share
        FROM names WHERE family_name IS NOT NULL GROUP BY family_name
    ),
    both_names AS (
        SELECT DISTINCT given_name, family_name FROM names
        WHERE given_name IS NOT NULL AND family_name IS NOT NULL
    )
    SELECT concat(b.given_name, '|', b.family_name) AS full_name,
        g.share * f.share AS tf_full_name
    FROM both_names AS b
    JOIN given AS g ON b.given_name = g.given_name
    JOIN family AS f ON b.family_name = f.family_name
    """


def _duckdb(memory_limit: str | None) -> tuple[Any, Any]:
    """Splink's DuckDB API on a connection with a memory limit and a spill directory, and the
    connection."""
    import os
    import tempfile

    import duckdb
    from splink import DuckDBAPI

    if memory_limit is None:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        memory_limit = f"{max(256, int(min(2 * 2**30, 0.4 * total) / 2**20))}MB"
    if not isinstance(memory_limit, str) or not memory_limit.strip():
        raise DataError(f"memory_limit must be a size such as '8GB', got {memory_limit!r}")
    connection = duckdb.connect()
    try:
        connection.execute(f"SET memory_limit = '{memory_limit}'")
    except duckdb.Error as exc:
        raise DataError(
            f"memory_limit {memory_limit!r} is not a size DuckDB reads: {exc}"
        ) from None
    connection.execute(f"SET temp_directory = '{tempfile.gettempdir()}/prevalence-duckdb'")
    return DuckDBAPI(connection=connection), connection


def _arrow_schema(records: pd.DataFrame, compare_on: Sequence[str], places: bool) -> Any:
    """The columns of a prepared list (:func:`_comparison_frame`) with fixed types, so that
    every batch of a list lands in one table whatever its values (a batch whose sex is all
    missing must not decide the column's type)."""
    import pyarrow as pa

    text = pa.large_string()

    def kept(column: str) -> Any:
        if column not in records.columns:
            return text
        field = pa.Schema.from_pandas(records[[column]], preserve_index=False).field(column)
        return text if pa.types.is_null(field.type) else field.type

    fields = [
        ("unique_id", text),
        ("row", pa.int64()),
        *((c, text) for c in ("given_name", "family_name", "full_name")),
        *((c, text) for c in ("family_phonetic", "given_phonetic")),
        ("name_parts", pa.list_(text)),
        ("phonetic_parts", pa.list_(text)),
        *((f"bloom{k}", pa.int64()) for k in range(_WORDS)),
        ("bloom_bits", pa.int64()),
        ("birth_date", text),
        ("birth_year_month", text),
        ("birth_year", pa.float64()),
        ("sex", kept("sex")),
        *((("birth_place", text),) if places else ()),
        *((f"cmp_{c}", kept(c)) for c in compare_on),
        ("u_bucket", pa.int64()),
    ]
    return pa.schema(fields)


def _register(
    db: Any,
    connection: Any,
    frames: Iterator[pd.DataFrame],
    schema: Any,
    name: str,
    number: int,
    cleanup: ExitStack,
) -> Any:
    """One list, prepared a batch at a time, as an input table of Splink.

    On the DuckDB connection made here each batch is appended to a table of DuckDB's own
    (under its memory limit, spilled beyond it), so that Python never holds a whole list's
    compared values: registered as a view, as Splink does, the pandas frame (a gigabyte of
    hashes at a million records) would stay alive throughout. On Spark the batches are
    written as parquet files in a temporary directory (removed when the call ends) that Spark
    reads; it must be one the executors see (local mode, or ``TMPDIR`` on a shared disk).
    Another backend of the caller's gets the list as one frame.
    """
    import pyarrow as pa

    def arrow(frame: pd.DataFrame) -> Any:
        return pa.Table.from_pandas(frame, schema=schema, preserve_index=False)

    if connection is not None:
        view, physical = f"__prevalence_view_{number}", f"__prevalence_list_{number}"
        made = False
        for frame in frames:
            connection.register(view, arrow(frame))
            if made:
                connection.execute(f"INSERT INTO {physical} SELECT * FROM {view}")
            else:
                connection.execute(f"CREATE TABLE {physical} AS SELECT * FROM {view}")
                made = True
            connection.unregister(view)
        return db.register(physical, dataset_display_name=name)
    # a backend of the caller's: table names of this call's own
    table_name = f"__prevalence_{uuid.uuid4().hex[:12]}_{number}"
    spark = getattr(db, "spark", None)
    if spark is not None and hasattr(spark, "read"):
        import pyarrow.parquet as pq

        folder = Path(tempfile.mkdtemp(prefix="prevalence-list-"))
        cleanup.callback(shutil.rmtree, folder, ignore_errors=True)
        for part, frame in enumerate(frames):
            pq.write_table(arrow(frame), folder / f"part-{part:05d}.parquet")
        table = spark.read.parquet(str(folder))
        return db.register(table, dataset_display_name=name, table_name=table_name)
    whole = pd.concat(list(frames), ignore_index=True)
    return db.register(whole, dataset_display_name=name, table_name=table_name)


def _drop(table: Any) -> None:
    """Drop a table this call made; a failure to drop it is ignored, so that cleaning up
    never hides the call's own result or error."""
    try:
        table.drop_table_from_database_and_remove_from_cache(force_non_splink_table=True)
    except Exception:  # noqa: BLE001 - cleaning up after the call
        pass


def _drop_splink_tables(db: Any, before: set[str]) -> None:
    """Drop the tables Splink made during the call (blocked pairs, comparison vectors of its
    training, term-frequency tables), not those it had made before for the caller. Splink
    records them on its database API (a private attribute: splink>=5.0 pinned)."""
    for name in set(getattr(db, "_created_tables", ())) - before:
        try:
            db.delete_table_from_database(name)
            db._created_tables.discard(name)
        except Exception:  # noqa: BLE001 - cleaning up after the call
            pass


def _check_threshold(t: float) -> float:
    if isinstance(t, bool) or not isinstance(t, int | float) or not 0.0 < float(t) <= 1.0:
        raise DataError(f"threshold must be a probability in (0, 1], got {t!r}")
    return float(t)


@contextmanager
def _quiet_splink() -> Iterator[None]:
    """Splink reports its training on the ``splink`` logger; keep only errors (the fit's
    own checks below say what matters)."""
    logger = logging.getLogger("splink")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


#: Records per batch when a list is read and prepared for the database: the compared values of
#: a batch (name-part arrays, Bloom words) take a few hundred MB, never those of a whole list.
_RECORDS_PER_BATCH = 250_000

#: Columns of a pseudonymised list that only the comparisons need (not kept in the result).
_COMPARED_ONLY = (*HASHED_FIELDS[1:], "birth_place", "key_check")


@dataclass(frozen=True)
class _Source:
    """One input of :func:`link_case_lists`: a pseudonymised DataFrame, or parquet files that
    are read a batch at a time (so that lists larger than memory never sit in Python)."""

    label: str
    frame: pd.DataFrame | None
    files: tuple[Path, ...]
    columns: tuple[str, ...]
    n_records: int

    def batches(self, columns: Sequence[str]) -> Iterator[pd.DataFrame]:
        """The source's records in order, ``columns`` only, at most
        :data:`_RECORDS_PER_BATCH` at a time."""
        wanted = [c for c in columns if c in self.columns]
        if self.frame is not None:
            for start in range(0, len(self.frame), _RECORDS_PER_BATCH):
                yield self.frame.iloc[start : start + _RECORDS_PER_BATCH][wanted]
            return
        import pyarrow.parquet as pq

        for path in self.files:
            with pq.ParquetFile(path) as file:
                for batch in file.iter_batches(batch_size=_RECORDS_PER_BATCH, columns=wanted):
                    yield batch.to_pandas()


def _check_columns(label: str, columns: Any) -> None:
    """Refuse a list (or one of its files) without the columns ``pseudonymise`` writes."""
    missing = [c for c in _REQUIRED if c not in columns]
    if missing:
        raise DataError(f"{label} lacks the columns {missing}: give the output of pseudonymise()")


def _parquet_source(k: int, location: str | os.PathLike[str]) -> _Source:
    """Parquet files of one input: a file, or a directory of ``*.parquet`` files (read in
    the order of their names)."""
    import pyarrow.parquet as pq

    path = Path(location)
    label = f"list {k} ({path})"
    if path.is_dir():
        files = tuple(sorted(path.glob("*.parquet")))
        if not files:
            raise DataError(f"{label} is a directory without .parquet files")
    elif path.is_file():
        files = (path,)
    else:
        raise DataError(f"{label}: no such file or directory")
    columns: list[str] = []
    n_records = 0
    for file in files:
        try:
            meta = pq.read_metadata(file)
            names = pq.read_schema(file).names
        except Exception as exc:  # noqa: BLE001 - any unreadable file: say which
            raise DataError(
                f"{label}: {file.name} is not a readable parquet file ({exc})"
            ) from None
        n_records += meta.num_rows
        columns += [c for c in names if c not in columns and not c.startswith("__index")]
        _check_columns(f"{label}: {file.name}", names)
    return _Source(label, None, files, tuple(columns), n_records)


def _sources(lists: Any) -> list[_Source]:
    """The inputs as sources, each checked for the pseudonymised columns and for records."""
    if isinstance(lists, pd.DataFrame | str | os.PathLike):
        raise DataError(
            "lists must be a sequence or mapping of pseudonymised lists (DataFrames or parquet "
            "files), one per list"
        )
    items = list(lists.values()) if isinstance(lists, Mapping) else list(lists)
    if len(items) < 1:
        raise DataError("link_case_lists needs at least one pseudonymised list")
    sources = []
    for k, item in enumerate(items):
        if isinstance(item, str | os.PathLike):
            source = _parquet_source(k, item)
        elif isinstance(item, pd.DataFrame):
            _check_columns(f"list {k}", item.columns)
            source = _Source(f"list {k}", item, (), tuple(item.columns), len(item))
        else:
            raise DataError(
                f"list {k} is a {type(item).__name__}, not a pseudonymised DataFrame or the "
                "path of its parquet file(s)"
            )
        if source.n_records == 0:
            raise DataError(f"{source.label} has no records")
        sources.append(source)
    return sources


def _read_records(
    sources: Sequence[_Source], compare_on: Sequence[str]
) -> tuple[pd.DataFrame, bool, list[set[Any]]]:
    """The first pass over the lists: every record's list, identifier and kept columns (the
    result's records, in input order), whether any gives a place of birth, and which lists
    each source holds; with the checks of the lists as a whole (one secret, no record
    twice)."""
    columns = list(dict.fromkeys(c for source in sources for c in source.columns))
    for c in compare_on:
        if c not in columns:
            raise DataError(f"unknown compare_on column {c!r}; the lists have {columns}")
    kept = [c for c in columns if c not in _COMPARED_ONLY]
    parts, checks, held = [], [], []
    places = False
    for source in sources:
        names: set[Any] = set()
        for batch in source.batches([*kept, "key_check", "birth_place"]):
            parts.append(batch[[c for c in kept if c in batch.columns]])
            checks.append(batch[["list", "key_check"]].drop_duplicates())
            if "birth_place" in batch.columns:
                places = places or bool(batch["birth_place"].notna().any())
            names.update(batch["list"].unique())
        held.append(names)
    records = pd.concat(parts, ignore_index=True)
    by_list = pd.concat(checks, ignore_index=True).groupby("list")["key_check"].unique()
    several = {name: list(v) for name, v in by_list.items() if len(v) > 1}
    if several:
        raise DataError(f"lists {sorted(several)} mix records hashed under different secrets")
    values = {name: v[0] for name, v in by_list.items()}
    if len(set(values.values())) > 1:
        groups: dict[str, list[str]] = {}
        for name, value in values.items():
            groups.setdefault(value, []).append(str(name))
        raise DataError(
            "the lists were hashed under different secrets (their key checks differ: "
            + "; ".join(", ".join(g) for g in groups.values())
            + "), so no record could ever match across them; pseudonymise every list with "
            "the same secret"
        )
    if records["record"].duplicated().any():
        dup = records.loc[records["record"].duplicated(), "list"].iloc[0]
        raise DataError(f"list {dup!r} holds the same record twice (pseudonymised twice?)")
    return records, places, held


def _prepared(
    sources: Sequence[_Source],
    held: Sequence[set[Any]],
    name: Any,
    u_bucket: np.ndarray,
    compare_on: Sequence[str],
    places: bool,
) -> Iterator[pd.DataFrame]:
    """The second pass, for one list: its records as Splink compares them, a batch at a
    time, with their positions among all records. Only the sources that hold the list are
    read (one each when every file is one list, as ``pseudonymise`` writes them; a source
    holding several lists is read once for each)."""
    columns = [
        *_REQUIRED,
        "sex",
        *(("birth_place",) if places else ()),
        *compare_on,
    ]
    offset = 0
    for source, names in zip(sources, held, strict=True):
        if name in names:
            start = offset
            for batch in source.batches(list(dict.fromkeys(columns))):
                at = np.flatnonzero(batch["list"].to_numpy() == name)
                rows = start + at
                start += len(batch)
                if at.size:
                    yield _comparison_frame(batch.iloc[at], rows, u_bucket[rows], compare_on)
        offset += source.n_records


def link_case_lists(
    lists: Sequence[pd.DataFrame | str | os.PathLike[str]]
    | Mapping[str, pd.DataFrame | str | os.PathLike[str]],
    *,
    threshold: float = 0.5,
    compare_on: Sequence[str] = ("sex",),
    backend: Any = "duckdb",
    max_pairs: float = 2e6,
    seed: SeedLike = 0,
    isolated_lists: Literal["error", "warn"] = "error",
    memory_limit: str | None = None,
) -> LinkageResult:
    """Link and deduplicate pseudonymised case lists.

    Parameters
    ----------
    lists : sequence or mapping of DataFrames or parquet files
        The outputs of :func:`~prevalence.linkage.pseudonymise`, one per list (all hashed
        under the same secret: their ``key_check`` must agree), as DataFrames or as the
        paths of parquet files (a file, or a directory of ``*.parquet`` files) written from
        them. Files are read a batch at a time and the records go straight into the
        database, so that lists larger than memory never sit in Python whole: the process
        keeps only each record's list, identifier and kept columns (the result's
        ``records``). The lists' names are those of their ``list`` column.
    threshold : float
        Match probability at or above which two records are taken as one person (the
        result's default; :meth:`LinkageResult.people` takes others).
    compare_on : sequence of str
        Further columns compared for equality (``sex`` by default; kept columns such as a
        region can be added when they are recorded the same way on every list).
    backend : "duckdb" or a Splink database API
        DuckDB in memory by default; a ``splink.SparkAPI`` runs the same model on Spark.
    max_pairs : float
        Random pairs for estimating the u probabilities (about this many, drawn as the pairs
        within random buckets of records).
    seed : int
        Seed of the random pairs (DuckDB and Spark).
    isolated_lists : "error" or "warn"
        A list of 30 records or more that shares no person with any other list, while the
        others share people, was almost surely hashed under another secret or normalised
        with other settings (``day_first``, name columns): every record would become a
        separate person and the estimate a multiple of the truth. ``"error"`` (default)
        refuses it; ``"warn"`` links anyway with a warning (lists that truly share nobody).
    memory_limit : str, optional
        DuckDB's memory limit (``"8GB"``); beyond it DuckDB spills to a temporary directory.
        Default: 2 GB, or 40% of the machine's memory where that is less. With it, four lists
        of 1.44 million records in all, given as parquet files, link in a process of 3.2 GB at
        its peak (2.3 GB with ``"1GB"``; 3.9 GB when given as DataFrames;
        ``benchmarks/bench_linkage.py``; DuckDB's own default, 80% of the memory, ran a million
        records out of memory on a 24 GB machine). A higher limit
        gained no time: 480,000 records linked in 99 s at 2 GB and in 97 s at 9 GB.

    Returns
    -------
    LinkageResult

    Warns
    -----
    DataWarning
        When the model's own expected missed or false links exceed 2% of the people (names
        too common to tell namesakes apart without dates of birth): the people count and an
        estimate from the linked lists are then uncertain beyond what one threshold shows.

    Raises
    ------
    DataError
        No list, a list without the pseudonymised columns or without records, lists hashed
        under different secrets (their key checks differ, or a list shares nobody: see
        ``isolated_lists``), the same record twice, a bad threshold, seed or backend.
    """
    if isolated_lists not in ("error", "warn"):
        raise DataError(f"isolated_lists must be 'error' or 'warn', got {isolated_lists!r}")
    threshold = _check_threshold(threshold)
    seed_value = check_seed(seed)
    if not isinstance(seed_value, int | np.integer):
        raise DataError(f"link_case_lists needs an integer seed, got {seed!r}")
    sources = _sources(lists)
    records, places, held = _read_records(sources, compare_on)
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import Linker, SettingsCreator, block_on

    names = list(dict.fromkeys(records["list"]))
    list_of = records["list"].to_numpy()
    if places:
        compare_on = tuple(c for c in compare_on if c != "birth_place")
    name = cl.CustomComparison(
        [
            cll.And(cll.NullLevel("given_name"), cll.NullLevel("family_name")),
            # term-frequency adjusted: equal common names say less than equal rare ones (the
            # frequencies of the hashes are those of the names)
            cll.ExactMatchLevel("full_name", term_frequency_adjustments=True),
            cll.ExactMatchLevel("family_name"),
            _dice_level(0.8),
            cll.ArrayIntersectLevel("name_parts", 2),
            _dice_level(0.6),
            cll.ArrayIntersectLevel("phonetic_parts", 1),
            # nothing alike although both records give both names: hardly ever one person;
            # kept apart from the else level (a name missing), where true pairs with a
            # mistyped remaining name end up
            cll.CustomLevel(
                "given_name_l IS NOT NULL AND given_name_r IS NOT NULL "
                "AND family_name_l IS NOT NULL AND family_name_r IS NOT NULL",
                "both names given, nothing alike",
            ),
            cll.ElseLevel(),
        ],
        output_column_name="name",
    )
    dob = cl.CustomComparison(
        [
            cll.NullLevel("birth_year"),
            cll.ExactMatchLevel("birth_date"),
            cll.ExactMatchLevel("birth_year_month"),
            cll.ExactMatchLevel("birth_year"),
            cll.CustomLevel("abs(birth_year_l - birth_year_r) <= 1", "years one apart"),
            cll.ElseLevel(),
        ],
        output_column_name="date_of_birth",
    )

    place = cl.CustomComparison(
        [
            cll.NullLevel("birth_place"),
            # term-frequency adjusted: a capital city says less than a village
            cll.ExactMatchLevel("birth_place", term_frequency_adjustments=True),
            cll.ElseLevel(),
        ],
        output_column_name="birth_place",
    )
    others = [place] if places else []

    def settings_for(blocking: list[Any], **extra: Any) -> Any:
        return SettingsCreator(
            link_type="link_and_dedupe",
            comparisons=[
                name,
                dob,
                *others,
                *(cl.ExactMatch(f"cmp_{c}") for c in compare_on),
            ],
            blocking_rules_to_generate_predictions=blocking,
            additional_columns_to_retain=["row"],
            **extra,
        )

    # the comparison levels of each scored pair are kept (gamma_ columns) for the last step
    settings = settings_for(_blocking_rules(), retain_intermediate_calculation_columns=True)
    n_records = len(records)
    n_pairs = n_records * (n_records - 1) / 2
    u_bucket = as_generator(seed_value).integers(
        0, max(1, int(n_pairs / max_pairs)), size=n_records
    )
    if isinstance(backend, str) and backend != "duckdb":
        raise DataError(f"backend must be 'duckdb' or a Splink database API, got {backend!r}")
    db, connection = _duckdb(memory_limit) if backend == "duckdb" else (backend, None)
    tables: list[Any] = []
    # every table this call makes is dropped when it ends, whether it succeeds or fails: a
    # Spark session (or a DuckDB connection of the caller's) outlives the call
    with _quiet_splink(), warnings.catch_warnings(), ExitStack() as cleanup:
        cleanup.callback(_drop_splink_tables, db, set(getattr(db, "_created_tables", ())))
        warnings.simplefilter("ignore")  # Splink's own chatter; the checks below speak
        # one list at a time into the database, a batch at a time: the compared values
        # (name-part arrays, Bloom words) of every record at once took gigabytes of Python
        # memory at a million records
        schema = _arrow_schema(records, compare_on, places)
        for number, k in enumerate(names):
            frames = _prepared(sources, held, k, u_bucket, compare_on, places)
            table = _register(db, connection, frames, schema, str(k), number, cleanup)
            cleanup.callback(_drop, table)
            tables.append(table)
        linker = Linker(tables, settings, log_level=logging.ERROR)
        linker.training.estimate_probability_two_random_records_match(
            [block_on("family_name", "birth_date")], recall=0.7
        )
        _estimate_u_from_unlike_pairs(linker, tables, settings_for, ("name", "date_of_birth"))
        tf_table = linker.misc.query_sql(
            _full_name_frequencies_sql([t.physical_name for t in tables]),
            output_type="splink_df",
        )
        cleanup.callback(_drop, tf_table)
        linker.table_management.register_term_frequency_lookup(tf_table, "full_name")
        if places:  # the share of records born in each place (Splink counts them)
            linker.table_management.compute_tf_table("birth_place")
        _hold_equality_m(linker)
        # m by EM in two kinds of blocks, each leaving the other comparison free
        # (not with sex as a key, as the scoring block is: the held sex comparison is what
        # tells EM that records of the same date but another sex are different people; with
        # it as a key the drawn linkages were biased by -1.5% in the coverage study)
        linker.training.estimate_parameters_using_expectation_maximisation(block_on("birth_date"))
        linker.training.estimate_parameters_using_expectation_maximisation(
            block_on("family_phonetic", "given_phonetic")
        )
        _floor_m(linker)
        trained = _trained_m(linker)
        prior = float(linker._settings_obj._probability_two_random_records_match)
        # The scored pairs stay in the database: tens of millions of them at a million records
        # (34 million at 1.44 million), which in Python took gigabytes. Each chunk of records
        # on each side is scored by Splink, only the columns used below are kept in a table of
        # the database and the chunk's full table (every compared value of both records:
        # name-part arrays, Bloom words) is dropped before the next; Splink's own chunked
        # predict keeps every chunk's full table, then their union. The EM below needs only
        # the distinct rows (weight, class, levels) with their counts, and the result only the
        # pairs kept, so only those come to Python.
        levels = [f"gamma_{name}" for name in trained]
        wanted = [
            "row_l",
            "row_r",
            "match_weight",
            "CASE WHEN source_dataset_l = source_dataset_r THEN 0 ELSE 1 END AS pair_class",
            *(f"CAST({level} AS INTEGER) AS {level}" for level in levels),
        ]
        chunks = max(1, math.ceil(n_records / _RECORDS_PER_CHUNK))
        parts = []
        for left in range(1, chunks + 1):
            for right in range(1, chunks + 1):
                predicted = linker.inference.predict_chunk(
                    left_chunk=(left, chunks),
                    right_chunk=(right, chunks),
                    threshold_match_probability=1e-5,
                    warning_mode="never",
                )
                try:
                    part = linker.misc.query_sql(
                        f"SELECT {', '.join(wanted)} FROM {predicted.physical_name}",
                        output_type="splink_df",
                    )
                finally:
                    _drop(predicted)
                cleanup.callback(_drop, part)
                parts.append(part)
        scored_sql = " UNION ALL ".join(f"SELECT * FROM {part.physical_name}" for part in parts)
        key = ["match_weight", "pair_class", *levels]
        groups = linker.misc.query_sql(
            f"SELECT {', '.join(key)}, count(*) AS n FROM ({scored_sql}) AS scored "
            f"GROUP BY {', '.join(key)} ORDER BY {', '.join(key)}",
            output_type="pandas",
        )
        sizes = records["list"].value_counts().to_numpy(dtype=float)
        within = float((sizes * (sizes - 1) / 2).sum())
        class_pairs = np.array([within, n_pairs - within])
        lambdas, group_probability, group_weight = _refit_m(
            {c: groups[c].to_numpy() for c in ["match_weight", *levels]},
            trained,
            prior,
            groups["pair_class"].to_numpy(dtype=np.int64),
            class_pairs,
            counts=groups["n"].to_numpy(dtype=float),
        )
        prior = float((lambdas * class_pairs).sum() / n_pairs)
        # the pairs of the groups kept, with their new weights and probabilities
        keep = group_probability >= _KEEP_PROBABILITY
        kept = groups.loc[keep, key].assign(
            final_weight=group_weight[keep], final_probability=group_probability[keep]
        )
        kept_table = db.register(kept.reset_index(drop=True))
        cleanup.callback(_drop, kept_table)
        joined = linker.misc.query_sql(
            "SELECT s.row_l, s.row_r, k.final_probability, k.final_weight, "
            "s.gamma_name, s.gamma_date_of_birth "
            f"FROM ({scored_sql}) AS s JOIN {kept_table.physical_name} AS k ON "
            + " AND ".join(f"s.{c} = k.{c}" for c in key),
            output_type="pandas",
        )
    row_l = joined["row_l"].to_numpy(dtype=np.int64)
    row_r = joined["row_r"].to_numpy(dtype=np.int64)
    probability = joined["final_probability"].to_numpy(dtype=float)
    weight = joined["final_weight"].to_numpy(dtype=float)
    record_id = records["record"].astype(str).to_numpy()
    pairs = pd.DataFrame(
        {
            "list_l": list_of[row_l],
            "record_l": record_id[row_l],
            "list_r": list_of[row_r],
            "record_r": record_id[row_r],
            "match_probability": probability,
            "match_weight": weight,
            "index_l": row_l,
            "index_r": row_r,
            # the comparison levels behind the probability (Splink's gamma values: -1 a
            # field missing, 0 nothing alike, higher values closer agreement)
            "name_level": joined["gamma_name"].to_numpy(dtype=np.int64),
            "birth_level": joined["gamma_date_of_birth"].to_numpy(dtype=np.int64),
        }
    )
    pairs = pairs.sort_values(["index_l", "index_r"], ignore_index=True)
    result = LinkageResult(
        records.reset_index(drop=True),
        pairs,
        tuple(str(n) for n in names),
        threshold,
        {
            "compare_on": tuple(compare_on),
            "places_of_birth_compared": places,
            "max_pairs": max_pairs,
            "seed": int(seed_value),
            "probability_two_random_records_match": prior,
            "probability_two_records_of_one_list_match": float(lambdas[0]),
            "probability_two_records_of_two_lists_match": float(lambdas[1]),
        },
    )
    _check_isolated_lists(result, isolated_lists)
    _check_ambiguity(result)
    return result


#: The share of the people count that the model's own expected missed or false links may
#: reach before link_case_lists warns. Measured (benchmarks/linkage_oracle.py and the summary):
#: 0.1% of the people on 10,000 people with many names, 5.4-5.9% on 3,000 name-poor people,
#: where the people count is 6.4-6.8% too high.
_AMBIGUITY_WARNING = 0.02


def _check_ambiguity(result: LinkageResult) -> None:
    """Warn when the linkage's own probabilities say that the people count at the threshold
    is uncertain by more than :data:`_AMBIGUITY_WARNING` of itself (many pairs neither clearly
    matches nor clearly not: namesakes without dates of birth to tell them apart)."""
    summary = result.summary()
    people = max(int(summary["people"]), 1)
    missed, false = summary["expected_missed_links"], summary["expected_false_links"]
    if max(missed, false) > _AMBIGUITY_WARNING * people:
        warnings.warn(
            f"the linkage is uncertain: its own probabilities expect about {missed:,.0f} "
            f"missed and {false:,.0f} false links among the scored pairs at threshold "
            f"{result.threshold} ({max(missed, false) / people:.1%} of the {people:,} people), "
            f"{summary['share_of_links_on_names_alone']:.0%} of the links rest on names "
            "alone. Missed links split people and raise an MSE estimate: carry the "
            "uncertainty with estimate_with_linkage_uncertainty (which still under-states "
            "it where namesakes abound, docs/linkage.md), and give fields that tell "
            "namesakes apart: a place of birth (pseudonymise(place_of_birth=...)) or kept "
            "columns recorded alike on every list (compare_on=)",
            DataWarning,
            stacklevel=3,
        )


def _check_isolated_lists(result: LinkageResult, action: str) -> None:
    """A list that shares nobody with any other list, while the others share people, was most
    likely normalised or hashed differently: refuse it (or warn) rather than report every
    record as a separate person."""
    if len(result.lists) < 3:
        return
    linked = result.pairs[
        (result.pairs["match_probability"] >= result.threshold)
        & (result.pairs["list_l"] != result.pairs["list_r"])
    ]
    counts = pd.concat([linked["list_l"], linked["list_r"]]).value_counts()
    sizes = result.records["list"].value_counts()
    for name in result.lists:
        if counts.get(name, 0) == 0 and sizes[name] >= 30 and counts.sum() > 0:
            message = (
                f"list {name!r} ({int(sizes[name])} records) shares no person with any other "
                "list while the others do: was it pseudonymised under a different secret or "
                "with different settings (day_first, name columns)? Pass "
                "isolated_lists='warn' if it truly shares nobody"
            )
            if action == "error":
                raise DataError(message)
            warnings.warn(message, DataWarning, stacklevel=3)
