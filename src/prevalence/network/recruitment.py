"""Respondent-driven samples: the recruitment tree, checked, with waves and seeds.

An RDS data set has one row per respondent: an id, the id of the respondent who recruited
them (a marker such as ``"seed"``, or a missing value, for the seeds the study started
from), and the reported degree (network size). :class:`Recruitment` checks that the rows
form a forest (every recruiter is in the data, nobody recruits themselves, no cycles) and
derives each respondent's wave and seed.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.errors import DataError, DataWarning

__all__ = ["Recruitment"]


@dataclass(frozen=True)
class Recruitment:
    """A checked recruitment forest.

    Attributes
    ----------
    ids : ndarray of str
        Respondent ids, in the data's row order.
    recruiter : ndarray of int
        Row of each respondent's recruiter, ``-1`` for seeds.
    wave : ndarray of int
        Recruitment wave (0 for seeds).
    seed : ndarray of int
        Row of the seed at the root of each respondent's tree.
    degree : ndarray of float
        Reported degrees after the treatment of zero and missing values (see
        :meth:`from_frame`).
    degree_replaced : ndarray of bool
        Rows whose degree was zero or missing and was replaced.
    """

    ids: np.ndarray
    recruiter: np.ndarray
    wave: np.ndarray
    seed: np.ndarray
    degree: np.ndarray
    degree_replaced: np.ndarray

    @property
    def n(self) -> int:
        """Number of respondents."""
        return int(self.ids.size)

    @property
    def is_seed(self) -> np.ndarray:
        """True for the seeds."""
        return self.recruiter < 0

    @property
    def n_recruits(self) -> np.ndarray:
        """How many respondents each respondent recruited."""
        r = self.recruiter[self.recruiter >= 0]
        return np.bincount(r, minlength=self.n)

    @classmethod
    def from_frame(
        cls,
        data: pd.DataFrame,
        id: str = "id",
        recruiter: str = "recruiter.id",
        degree: str = "degree",
        seed_marker: object = "seed",
        missing_degree: str = "max",
    ) -> Recruitment:
        """Check an RDS table and build its recruitment forest.

        Parameters
        ----------
        data : DataFrame
            One row per respondent.
        id, recruiter, degree : str
            Columns with the respondent's id, the recruiter's id and the reported degree.
        seed_marker : object
            The value of ``recruiter`` that marks a seed (``"seed"`` by default, as the R
            package ``RDS``); a missing recruiter also marks a seed.
        missing_degree : {"max", "error"}
            Degrees that are zero or missing: ``"max"`` replaces them by the largest
            reported degree with a :class:`DataWarning` (what ``RDS`` does), ``"error"``
            refuses them.

        Examples
        --------
        >>> df = pd.DataFrame({"id": ["a", "b", "c"], "recruiter.id": ["seed", "a", "a"],
        ...                    "degree": [3, 2, 5]})
        >>> Recruitment.from_frame(df).wave.tolist()
        [0, 1, 1]
        """
        if not isinstance(data, pd.DataFrame):
            raise DataError(f"RDS data must be a pandas DataFrame, got {type(data).__name__}")
        for col, role in ((id, "id"), (recruiter, "recruiter"), (degree, "degree")):
            if col not in data.columns:
                raise DataError(f"{role} column {col!r} not in the data")
        if len(data) == 0:
            raise DataError("the RDS data have no rows")
        if missing_degree not in ("max", "error"):
            raise ValueError(f"missing_degree must be 'max' or 'error', got {missing_degree!r}")
        raw_ids = data[id]
        if raw_ids.isna().any():
            row = int(np.flatnonzero(raw_ids.isna().to_numpy())[0])
            raise DataError(f"id column {id!r} row {row} is missing")
        ids = raw_ids.astype(str).to_numpy()
        dup = pd.Series(ids).duplicated().to_numpy()
        if dup.any():
            row = int(np.flatnonzero(dup)[0])
            raise DataError(f"id column {id!r} row {row}: id {ids[row]!r} appears more than once")
        rec_raw = data[recruiter]
        is_seed = rec_raw.isna().to_numpy() | (rec_raw.astype(str).to_numpy() == str(seed_marker))
        rec_ids = rec_raw.astype(str).to_numpy()
        position = {v: i for i, v in enumerate(ids)}
        rec_row = np.full(ids.size, -1, dtype=np.int64)
        for i in np.flatnonzero(~is_seed):
            j = position.get(rec_ids[i])
            if j is None:
                raise DataError(
                    f"recruiter column {recruiter!r} row {i}: recruiter {rec_ids[i]!r} of "
                    f"respondent {ids[i]!r} is not in the data (seeds are marked "
                    f"{seed_marker!r} or missing)"
                )
            if j == i:
                raise DataError(
                    f"recruiter column {recruiter!r} row {i}: respondent {ids[i]!r} is "
                    "recorded as their own recruiter"
                )
            rec_row[i] = j
        if not is_seed.any():
            raise DataError(
                f"no seed in the data: mark seeds with recruiter {seed_marker!r} or a missing value"
            )
        wave = np.full(ids.size, -1, dtype=np.int64)
        root = np.full(ids.size, -1, dtype=np.int64)
        children: dict[int, list[int]] = {}
        for row, j in enumerate(rec_row):
            if j >= 0:
                children.setdefault(int(j), []).append(row)
        frontier = [int(s) for s in np.flatnonzero(is_seed)]
        for s in frontier:
            wave[s], root[s] = 0, s
        while frontier:
            nxt = []
            for p in frontier:
                for c in children.get(int(p), ()):
                    wave[c], root[c] = wave[p] + 1, root[p]
                    nxt.append(c)
            frontier = nxt
        unreached = np.flatnonzero(wave < 0)
        if unreached.size:
            # every recruiter exists, so an unreached row lies on (or below) a cycle
            start = int(unreached[0])
            seen: list[int] = []
            k = start
            while k not in seen:
                seen.append(k)
                k = int(rec_row[k])
            cycle = seen[seen.index(k) :]
            raise DataError(
                "recruitment cycle: "
                + " -> ".join(f"{ids[c]!r} (row {c})" for c in cycle)
                + f" -> {ids[cycle[0]]!r}; every recruitment chain must start at a seed"
            )
        deg = pd.to_numeric(data[degree], errors="coerce").to_numpy(dtype=float)
        bad = np.isnan(deg) & data[degree].notna().to_numpy()
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise DataError(
                f"degree column {degree!r} row {row}: {data[degree].iloc[row]!r} is not a number"
            )
        neg = deg < 0
        if neg.any():
            row = int(np.flatnonzero(neg)[0])
            raise DataError(f"degree column {degree!r} row {row}: {deg[row]:g} is negative")
        if np.isinf(deg).any():
            row = int(np.flatnonzero(np.isinf(deg))[0])
            raise DataError(f"degree column {degree!r} row {row}: the degree is infinite")
        replaced = np.isnan(deg) | (deg == 0)
        if replaced.any():
            if missing_degree == "error" or replaced.all():
                row = int(np.flatnonzero(replaced)[0])
                raise DataError(
                    f"degree column {degree!r} row {row}: the degree is zero or missing"
                    + (" in every row" if replaced.all() else " (missing_degree='error')")
                )
            top = float(np.nanmax(deg))
            warnings.warn(
                f"{int(replaced.sum())} of {deg.size} degrees were zero or missing and are "
                f"taken to be the largest reported degree, {top:g} (as R's RDS does)",
                DataWarning,
                stacklevel=2,
            )
            deg = np.where(replaced, top, deg)
        return cls(ids, rec_row, wave, root, deg, replaced)
