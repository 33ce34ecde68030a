"""Capture histories: who was found on which list.

A :class:`CaptureHistories` object holds the number of people seen with each capture pattern
(the set of lists they appear on). Internally the patterns are coded as bit masks: bit ``j``
is set when a person is on list ``j`` (in the order of :attr:`CaptureHistories.lists`), so
pattern ``0`` is the unobserved cell whose size multiple systems estimation infers.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ...core.checks import column_names
from ...core.errors import DataError, DataWarning

__all__ = ["CaptureHistories", "as_captures"]

MAX_LISTS = 20


def _plain(x: Any) -> Any:
    """NumPy scalars as plain Python values, so messages read ``5`` rather than ``np.int64(5)``."""
    return x.item() if isinstance(x, np.generic) else x


def _row_label(index: pd.Index, pos: int) -> str:
    return f"row {_plain(index[pos])!r}"


def _as_binary(df: pd.DataFrame, col: str, what: str) -> np.ndarray:
    """Column ``col`` as a 0/1 int array, or DataError naming the first bad row."""
    s = df[col]
    if s.isna().any():
        pos = int(np.flatnonzero(s.isna().to_numpy())[0])
        raise DataError(f"list column {col!r} has a missing value at {_row_label(df.index, pos)}")
    if s.dtype == bool:
        return s.to_numpy().astype(np.int64)
    try:
        values = pd.to_numeric(s, errors="raise").to_numpy(dtype=float)
    except (TypeError, ValueError):
        bad = pd.to_numeric(s, errors="coerce").isna().to_numpy()
        pos = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"list column {col!r} must hold 0/1 values, found {_plain(s.iloc[pos])!r} at "
            f"{_row_label(df.index, pos)} ({what})"
        ) from None
    bad = (values != 0) & (values != 1)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"list column {col!r} must hold 0/1 values, found {_plain(s.iloc[pos])!r} at "
            f"{_row_label(df.index, pos)} ({what})"
        )
    return values.astype(np.int64)


def _check_columns(df: pd.DataFrame, names: Iterable[Any], role: str) -> None:
    missing = [n for n in names if n not in df.columns]
    if missing:
        raise DataError(
            f"unknown {role} column(s) {missing}; the data have columns {list(df.columns)}"
        )


def _check_list_count(list_cols: list[str]) -> None:
    """Distinct list columns, between 2 and :data:`MAX_LISTS` of them."""
    if len(set(list_cols)) != len(list_cols):
        raise DataError(f"list columns must be distinct, got {list_cols}")
    if len(list_cols) < 2:
        raise DataError(f"at least two list columns are needed, got {list_cols}")
    if len(list_cols) > MAX_LISTS:
        raise DataError(f"at most {MAX_LISTS} lists are supported, got {len(list_cols)}")


class CaptureHistories:
    """Counts of people by capture pattern across ``t`` lists.

    Build one with :meth:`from_counts` (one row per pattern with a count) or
    :meth:`from_records` (one row per person). Lists that caught nobody are dropped with a
    :class:`~prevalence.DataWarning`.

    Attributes
    ----------
    lists : tuple of str
        List names in column order (list ``1`` of the bracket model notation is ``lists[0]``).
    n_lists : int
        Number of lists ``t``.
    n_observed : int
        Number of distinct people observed on at least one list.

    Examples
    --------
    >>> import pandas as pd
    >>> from prevalence import CaptureHistories
    >>> df = pd.DataFrame({"A": [1, 0, 1], "B": [0, 1, 1], "count": [30, 20, 10]})
    >>> ch = CaptureHistories.from_counts(df)
    >>> ch.lists, ch.n_observed
    (('A', 'B'), 60)
    """

    __slots__ = ("_lists", "_y")

    def __init__(self, cell_counts: Sequence[float] | np.ndarray, lists: Sequence[str]) -> None:
        """Low-level constructor from counts indexed by bit-mask pattern (length ``2**t``).

        Prefer :meth:`from_counts` or :meth:`from_records`, which validate their input.
        """
        names = tuple(str(x) for x in column_names("lists", lists))
        y = np.asarray(cell_counts, dtype=float).copy()
        t = len(names)
        if y.shape != (2**t,):
            raise DataError(f"expected {2**t} cell counts for {t} lists, got shape {y.shape}")
        if len(set(names)) != t:
            raise DataError(f"list names must be distinct, got {list(names)}")
        if y[0] != 0:
            raise DataError("the count of people on no list is unknown and must be zero")
        if np.any(~np.isfinite(y)) or np.any(y < 0) or np.any(y != np.round(y)):
            raise DataError("cell counts must be non-negative whole numbers")
        # drop lists that caught nobody
        codes = np.arange(2**t)
        empty = [j for j in range(t) if y[(codes >> j) & 1 == 1].sum() == 0]
        if empty:
            warnings.warn(
                f"list(s) {[names[j] for j in empty]} caught nobody and were dropped",
                DataWarning,
                stacklevel=3,
            )
            keep = [j for j in range(t) if j not in empty]
            y = _project(y, t, keep)
            names = tuple(names[j] for j in keep)
            t = len(names)
        if t < 2:
            raise DataError(
                f"multiple systems estimation needs at least two lists that caught someone, got {t}"
                + (f" ({list(names)})" if names else "")
            )
        if t > MAX_LISTS:
            raise DataError(f"at most {MAX_LISTS} lists are supported, got {t}")
        if y.sum() == 0:
            raise DataError("no one was observed on any list")
        y.setflags(write=False)
        self._lists = names
        self._y = y

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_counts(
        cls,
        df: pd.DataFrame,
        count: str = "count",
        lists: Sequence[str] | None = None,
    ) -> CaptureHistories:
        """One row per capture pattern: 0/1 list columns and a count column.

        Parameters
        ----------
        df : pandas.DataFrame
            Capture-pattern table. Patterns not listed have count zero; repeated patterns are
            summed. A row with no list ticked must have count zero (those people are unseen).
        count : str
            Name of the count column (default ``"count"``).
        lists : sequence of str, optional
            List columns, in the order that numbers them 1..t; default every column but the
            count.

        Raises
        ------
        DataError
            Missing columns; negative, fractional or missing counts; list values other than
            0/1; a positive count on the all-zero pattern; fewer than two lists.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"A": [1, 0, 1], "B": [0, 1, 1], "n": [30, 20, 10]})
        >>> CaptureHistories.from_counts(df, count="n").n_observed
        60
        """
        if not isinstance(df, pd.DataFrame):
            raise DataError(f"from_counts expects a pandas DataFrame, got {type(df).__name__}")
        _check_columns(df, [count], "count")
        list_cols = (
            [c for c in df.columns if c != count]
            if lists is None
            else list(column_names("lists", lists))
        )
        _check_columns(df, list_cols, "list")
        if count in list_cols:
            raise DataError(f"column {count!r} cannot be both the count and a list")
        _check_list_count(list_cols)
        c = df[count]
        if c.isna().any():
            pos = int(np.flatnonzero(c.isna().to_numpy())[0])
            raise DataError(
                f"count column {count!r} has a missing value at {_row_label(df.index, pos)}"
            )
        cnum = pd.to_numeric(c, errors="coerce")
        if cnum.isna().any():
            pos = int(np.flatnonzero(cnum.isna().to_numpy())[0])
            raise DataError(
                f"count column {count!r} must be numeric, found {_plain(c.iloc[pos])!r} at {_row_label(df.index, pos)}"
            )
        cv = cnum.to_numpy(dtype=float)
        for test, msg in (
            (~np.isfinite(cv), "must be finite"),
            (cv < 0, "must not be negative"),
            (cv != np.round(cv), "must be whole numbers"),
        ):
            if test.any():
                pos = int(np.flatnonzero(test)[0])
                raise DataError(
                    f"counts in column {count!r} {msg}: found {_plain(c.iloc[pos])!r} at {_row_label(df.index, pos)}"
                )
        bits = np.zeros(len(df), dtype=np.int64)
        for j, col in enumerate(list_cols):
            bits |= _as_binary(df, col, "capture indicator") << j
        zero_pos = np.flatnonzero((bits == 0) & (cv > 0))
        if zero_pos.size:
            pos = int(zero_pos[0])
            raise DataError(
                f"{_row_label(df.index, pos)} has a positive count ({_plain(c.iloc[pos])!r}) on the pattern "
                f"with no list: people on no list cannot have been counted"
            )
        y = np.bincount(bits, weights=cv, minlength=2 ** len(list_cols))
        return cls(y, [str(x) for x in list_cols])

    @classmethod
    def from_records(cls, df: pd.DataFrame, lists: Sequence[str]) -> CaptureHistories:
        """One row per person with a 0/1 (or boolean) column per list.

        Parameters
        ----------
        df : pandas.DataFrame
            Person-level records.
        lists : sequence of str
            The list columns, in the order that numbers them 1..t.

        Raises
        ------
        DataError
            Unknown or missing columns, values other than 0/1, missing values, a person on no
            list, fewer than two lists.

        Examples
        --------
        >>> import pandas as pd
        >>> people = pd.DataFrame({"police": [1, 1, 0], "ngo": [0, 1, 1]})
        >>> CaptureHistories.from_records(people, lists=["police", "ngo"]).n_observed
        3
        """
        if not isinstance(df, pd.DataFrame):
            raise DataError(f"from_records expects a pandas DataFrame, got {type(df).__name__}")
        list_cols = list(column_names("lists", lists))
        _check_columns(df, list_cols, "list")
        _check_list_count(list_cols)
        bits = np.zeros(len(df), dtype=np.int64)
        for j, col in enumerate(list_cols):
            bits |= _as_binary(df, col, "record") << j
        zero_pos = np.flatnonzero(bits == 0)
        if zero_pos.size:
            raise DataError(
                f"{_row_label(df.index, int(zero_pos[0]))} is on none of the lists {list_cols}; "
                f"every record must be on at least one list"
            )
        y = np.bincount(bits, minlength=2 ** len(list_cols)).astype(float)
        return cls(y, [str(x) for x in list_cols])

    # ------------------------------------------------------------------ properties
    @property
    def lists(self) -> tuple[str, ...]:
        return self._lists

    @property
    def n_lists(self) -> int:
        return len(self._lists)

    @property
    def n_observed(self) -> int:
        return int(self._y.sum())

    @property
    def cell_counts(self) -> np.ndarray:
        """Read-only counts indexed by bit-mask pattern (index 0, the unobserved cell, is 0)."""
        return self._y

    @property
    def patterns(self) -> np.ndarray:
        """0/1 matrix (``2**t - 1`` rows, ``t`` columns) of the observable patterns, in the order of :attr:`counts`."""
        codes = np.arange(1, 2**self.n_lists)
        return ((codes[:, None] >> np.arange(self.n_lists)) & 1).astype(np.int64)

    @property
    def counts(self) -> pd.DataFrame:
        """Every observable pattern (zeros included) with its count, one row per pattern.

        Rows are in bit-mask order of the patterns (list 1 varies fastest).
        """
        df = pd.DataFrame(self.patterns, columns=list(self._lists))
        df["count"] = self._y[1:].astype(np.int64)
        return df

    def list_totals(self) -> pd.Series:
        """Number of people on each list."""
        codes = np.arange(2**self.n_lists)
        return pd.Series(
            [int(self._y[(codes >> j) & 1 == 1].sum()) for j in range(self.n_lists)],
            index=list(self._lists),
            name="count",
        )

    # ------------------------------------------------------------------ transformations
    def _index_of(self, name: str) -> int:
        try:
            return self._lists.index(str(name))
        except ValueError:
            raise DataError(f"unknown list {name!r}; the lists are {list(self._lists)}") from None

    def omit(self, *lists: str) -> CaptureHistories:
        """The capture histories without the given lists (people only on them become unseen).

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"A": [1, 0, 0], "B": [0, 1, 0], "C": [0, 0, 1], "count": [5, 6, 7]})
        >>> CaptureHistories.from_counts(df).omit("C").n_observed
        11
        """
        drop = {self._index_of(x) for x in lists}
        keep = [j for j in range(self.n_lists) if j not in drop]
        return CaptureHistories(
            _project(self._y, self.n_lists, keep), [self._lists[j] for j in keep]
        )

    def merge(self, lists: Sequence[str], into: str | None = None) -> CaptureHistories:
        """Merge several lists into one: a person is on the merged list if on any of them.

        The merged list takes the position of the first merged list; ``into`` names it
        (default: the names joined by ``+``).
        """
        if isinstance(lists, str):
            raise DataError("merge needs a sequence of at least two list names")
        idx = [self._index_of(x) for x in lists]
        if len(set(idx)) < 2:
            raise DataError(f"merge needs at least two distinct lists, got {list(lists)}")
        name = "+".join(self._lists[j] for j in idx) if into is None else str(into)
        others = [self._lists[j] for j in range(self.n_lists) if j not in idx]
        if name in others:
            raise DataError(f"cannot name the merged list {name!r}: another list has that name")
        first = min(idx)
        t = self.n_lists
        codes = np.arange(2**t)
        merged_mask = sum(1 << j for j in idx)
        # new ordering of lists: the merged list at position of `first`, others keep order
        new_lists: list[str] = []
        src: list[int | None] = []
        for j in range(t):
            if j == first:
                new_lists.append(name)
                src.append(None)
            elif j not in idx:
                new_lists.append(self._lists[j])
                src.append(j)
        new_codes = np.zeros_like(codes)
        for k, s in enumerate(src):
            bit = ((codes & merged_mask) != 0) if s is None else ((codes >> s) & 1 == 1)
            new_codes |= bit.astype(np.int64) << k
        y = np.bincount(new_codes, weights=self._y, minlength=2 ** len(new_lists))
        return CaptureHistories(y, new_lists)

    def reorder(self, lists: Sequence[str]) -> CaptureHistories:
        """The same data with the lists in another order (a permutation of :attr:`lists`)."""
        lists = column_names("lists", lists)
        idx = [self._index_of(x) for x in lists]
        if sorted(idx) != list(range(self.n_lists)):
            raise DataError(
                f"reorder needs a permutation of {list(self._lists)}, got {list(lists)}"
            )
        return CaptureHistories(_project(self._y, self.n_lists, idx), [self._lists[j] for j in idx])

    # ------------------------------------------------------------------ dunder
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CaptureHistories):
            return NotImplemented
        return self._lists == other._lists and np.array_equal(self._y, other._y)

    def __hash__(self) -> int:
        return hash((self._lists, self._y.tobytes()))

    def __repr__(self) -> str:
        return (
            f"CaptureHistories({self.n_lists} lists {list(self._lists)}, "
            f"{self.n_observed} observed, {int(np.count_nonzero(self._y))} non-empty patterns)"
        )

    def _repr_html_(self) -> str:
        df = self.counts
        df = df[df["count"] > 0]
        return f"<p>{self.n_lists} lists, {self.n_observed} people observed</p>" + df.to_html(
            index=False
        )


def _project(y: np.ndarray, t: int, keep: Sequence[int]) -> np.ndarray:
    """Collapse counts indexed by ``t``-bit patterns onto the lists ``keep`` (in that order)."""
    codes = np.arange(2**t)
    new_codes = np.zeros_like(codes)
    for k, j in enumerate(keep):
        new_codes |= ((codes >> j) & 1) << k
    out = np.bincount(new_codes, weights=y, minlength=2 ** len(keep))
    out[0] = 0.0  # people only on dropped lists are now unseen
    return out


def as_captures(data: Any) -> CaptureHistories:
    """Accept :class:`CaptureHistories`, or a counts DataFrame with a ``count`` column."""
    if isinstance(data, CaptureHistories):
        return data
    if isinstance(data, pd.DataFrame):
        if "count" in data.columns:
            return CaptureHistories.from_counts(data, count="count")
        raise DataError(
            "a DataFrame passed to an MSE estimator needs a 'count' column; for other layouts "
            "build CaptureHistories.from_counts(df, count=...) or CaptureHistories.from_records(df, lists=...)"
        )
    raise DataError(
        f"expected CaptureHistories or a DataFrame of counts, got {type(data).__name__}"
    )
