"""Survey data larger than memory: a Dask frame reduced to its design cells in one pass.

A Taylor-linearised mean, total, ratio or proportion depends on the rows only through the
weighted sums of its variables within each final-stage cluster (and domain): its influence
values enter the variance as cluster totals. So the rows of a Dask frame can be summed,
partition by partition, into one row per cell (the design's strata, clusters and fpc, the
domains of ``by=``, the subset and which variables are missing), and the in-memory design
on those cells gives the same estimates and variances as on the rows themselves, to rounding.
This module does the reduction (with :mod:`dask`, out of core); :class:`~prevalence.survey.
design.DaskSurveyDesign` builds the design on the cells.

Rows are never brought into memory. Memory is bounded by one partition per worker plus the
cells (clusters x domains), which for a national survey are thousands, not millions.
"""

from __future__ import annotations

import functools
import io
import tokenize
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from ..core.checks import plain
from ..core.errors import DataError

__all__ = ["CellSums", "Condition", "Replicates", "Variable", "is_dask_frame", "sum_cells"]

#: A subset condition: an expression over the columns, or a function of a pandas frame (each
#: partition in turn) returning one true/false value per row.
Condition = str | Callable[[pd.DataFrame], Any]
#: A variable: its column, and the value it is compared with (None: the column itself).
Variable = tuple[str, Any]

#: Rows of a partition whose replicate weights are handled at once.
_BLOCK = 65_536

ROWS = "__rows"
WEIGHT = "__weight"
INSIDE = "__inside"


def is_dask_frame(data: object) -> bool:
    """Whether ``data`` is a Dask DataFrame (checked without importing Dask).

    Examples
    --------
    >>> import pandas as pd
    >>> is_dask_frame(pd.DataFrame({"y": [1]}))
    False
    """
    return type(data).__module__.startswith("dask.") and hasattr(data, "npartitions")


@dataclass(frozen=True)
class CellSums:
    """One row per design cell: its key columns, ``__weight`` (the sum of the weights),
    ``__rows`` (the number of rows), ``__inside`` (the subset) and, for each variable, its
    weighted mean in the cell (NaN where the cell's rows miss it; a cell's rows either all
    have a variable or all miss it, because missingness is part of the key)."""

    frame: pd.DataFrame
    variables: tuple[str, ...]
    #: with replicate weights: variable (and ``WEIGHT``) -> (cells x replicates) sums
    replicate_sums: dict[str, np.ndarray] | None = None
    #: with replicate weights: (cells x replicates x replicates) Gram matrices
    gram: np.ndarray | None = None


def _columns_of(expression: str, columns: Sequence[str]) -> list[str]:
    """The columns an expression names (plain names and `backticked` ones)."""
    names = set()
    for token in tokenize.generate_tokens(io.StringIO(expression).readline):
        if token.type == tokenize.NAME:
            names.add(token.string)
    names |= {part for k, part in enumerate(expression.split("`")) if k % 2}
    return [c for c in columns if c in names]


def _inside(part: pd.DataFrame, conditions: Sequence[Condition]) -> np.ndarray:
    """Rows of a partition inside every condition."""
    inside = np.ones(len(part), dtype=bool)
    for condition in conditions:
        mask = part.eval(condition) if isinstance(condition, str) else condition(part)
        mask = pd.Series(mask, index=part.index) if not isinstance(mask, pd.Series) else mask
        if len(part) and mask.isna().any():
            raise DataError(
                f"the subset condition is missing at row {plain(part.index[mask.isna()][0])!r}"
            )
        if len(part) and mask.dtype != bool:
            raise DataError(f"the subset condition must be true/false, got values of {mask.dtype}")
        inside &= mask.to_numpy(dtype=bool)
    return inside


def _values(part: pd.DataFrame, variable: Variable) -> tuple[np.ndarray, np.ndarray]:
    """A variable's values in a partition (float) and where it is missing."""
    column, value = variable
    series = part[column]
    missing = series.isna().to_numpy()
    if value is None:
        values = series.to_numpy(dtype=float, na_value=np.nan)
    else:
        values = (series == value).to_numpy(dtype=float, na_value=0.0)
    return np.where(missing, 0.0, values), missing


@dataclass(frozen=True)
class Replicates:
    """Replicate weight columns shipped with the data: full weights (``combined``) or
    multipliers of the full-sample weight."""

    columns: tuple[str, ...]
    combined: bool = True


def _floats(series: pd.Series) -> np.ndarray:
    """A column as float64, without a copy when it already is one (NaN where missing)."""
    if series.dtype == np.float64:
        return series.to_numpy()
    return series.to_numpy(dtype=float, na_value=np.nan)


def _gram_columns(n_replicates: int) -> list[str]:
    return [f"__gram{i}_{j}" for i in range(n_replicates) for j in range(i, n_replicates)]


def _partition_sums(
    part: pd.DataFrame,
    weights: str,
    keys: list[str],
    variables: dict[str, Variable],
    conditions: Sequence[Condition],
    binary: Sequence[str],
    replicates: Replicates | None = None,
) -> pd.DataFrame:
    """One partition summed to its cells (the map step of :func:`sum_cells`)."""
    w = part[weights].to_numpy(dtype=float, na_value=np.nan)
    bad_weight = np.isnan(w) | (w <= 0)
    w = np.where(bad_weight, 0.0, w)
    out = part[keys].copy()
    out[INSIDE] = _inside(part, conditions)
    out[WEIGHT] = w
    out[ROWS] = np.int64(1)
    out["__bad_weight"] = bad_weight.astype(np.int64)
    flags = []
    values_of = []
    for k, (name, variable) in enumerate(variables.items()):
        values, missing = _values(part, variable)
        values_of.append(values)
        flags.append(f"__missing{k}")
        out[f"__missing{k}"] = missing
        out[f"__sum{k}"] = values * w
        if name in binary:
            out[f"__nonbinary{k}"] = (~missing & (values != 0) & (values != 1)).astype(np.int64)
    group = keys + [INSIDE] + flags
    if replicates is None:
        return out.groupby(group, dropna=False, observed=True, sort=False).sum().reset_index()
    # replicate weights: per cell, the replicate sums of every variable and of the weights,
    # and the Gram matrix of the replicate columns (its rank gives the degrees of freedom),
    # a block of rows at a time so that a partition's replicate matrix is never copied whole
    codes = out.groupby(group, dropna=False, observed=True, sort=False).ngroup().to_numpy()
    n_cells = int(codes.max()) + 1 if codes.size else 0
    columns = [_floats(part[c]) for c in replicates.columns]
    R = len(columns)
    weight_sums = np.zeros((n_cells, R))
    variable_sums = [np.zeros((n_cells, R)) for _ in values_of]
    gram = np.zeros((n_cells, R, R))
    bad_replicate = np.zeros(codes.size, dtype=bool)
    for start in range(0, codes.size, _BLOCK):
        rows = slice(start, min(start + _BLOCK, codes.size))
        block = np.column_stack([c[rows] for c in columns])
        bad = np.isnan(block) | (block < 0)
        bad_replicate[rows] = bad.any(axis=1)
        block[bad] = 0.0
        cell = codes[rows]
        onehot = sparse.csr_matrix(
            (np.ones(cell.size), (cell, np.arange(cell.size))), shape=(n_cells, cell.size)
        )
        scaled = block if replicates.combined else block * w[rows, None]
        weight_sums += onehot @ scaled
        for k, values in enumerate(values_of):
            variable_sums[k] += onehot @ (scaled * values[rows, None])
        for c in np.unique(cell):
            inside_cell = block[cell == c]
            gram[c] += inside_cell.T @ inside_cell
    out["__bad_replicate"] = bad_replicate.astype(np.int64)
    scalars = [c for c in out.columns if c not in group]
    cells = pd.concat(
        [out[group].groupby(codes).first(), out[scalars].groupby(codes).sum()], axis=1
    )
    extra = {f"__repweight{r}": weight_sums[:, r] for r in range(R)}
    for k, sums in enumerate(variable_sums):
        extra.update({f"__rep{k}_{r}": sums[:, r] for r in range(R)})
    upper = np.triu_indices(R)
    extra.update(dict(zip(_gram_columns(R), gram[:, upper[0], upper[1]].T, strict=True)))
    return pd.concat([cells.reset_index(drop=True), pd.DataFrame(extra)], axis=1)


def _missing_in(part: pd.DataFrame, column: str) -> np.ndarray:
    return part[column].isna().to_numpy()


def _missing_inside(
    part: pd.DataFrame, variable: Variable, conditions: Sequence[Condition]
) -> np.ndarray:
    return _values(part, variable)[1] & _inside(part, conditions)


def _first_row(data: Any, columns: list[str], where: Callable[[pd.DataFrame], np.ndarray]) -> str:
    """The index label of the first row where ``where`` holds (a second pass over the data, on
    the error path only)."""

    def first(part: pd.DataFrame) -> pd.Series:
        return part.index.to_series()[where(part)].iloc[:1]

    hits = data[columns].map_partitions(first, meta=pd.Series([], dtype=data.index.dtype)).compute()
    return repr(plain(hits.iloc[0])) if len(hits) else "?"


def sum_cells(
    data: Any,
    *,
    weights: str,
    keys: Sequence[str],
    variables: dict[str, Variable],
    conditions: Sequence[Condition] = (),
    check_missing: Sequence[str] = (),
    binary: Sequence[str] = (),
    replicates: Replicates | None = None,
) -> CellSums:
    """Reduce a Dask frame to its design cells (one pass over the data).

    Each partition is summed to its cells by pandas, then the partial sums are added up by a
    Dask tree reduction: only the columns named here are read (the columns of an expression
    condition; every column for a function), and no step holds more than a partition and the
    cells.

    Parameters
    ----------
    data : dask.dataframe.DataFrame
        The rows.
    weights : str
        Column of sampling weights (positive; a missing or non-positive weight is an error
        naming its row).
    keys : sequence of str
        Columns whose combinations are the cells (strata, clusters, fpc, domains); a missing
        value in any of them is an error naming the column and row.
    variables : dict
        Name -> (column, value): the variables whose weighted cell means are wanted, a
        numeric column (value None) or the indicator of the column equal to the value.
    conditions : sequence
        The subset (every condition must hold); rows outside are kept, as cells of their own,
        so that variances are those of domain estimation.
    check_missing : sequence of str
        Variables that may not be missing inside the subset (``na_rm=False``): an error
        naming the variable and the first row.
    binary : sequence of str
        Variables that must hold 0/1 (or booleans) inside the subset (proportions).
    replicates : Replicates, optional
        Replicate weight columns: each cell then also holds the replicate sums of every
        variable and of the weights, and the Gram matrix of its replicate weights.

    Returns
    -------
    CellSums
    """
    keys = list(keys)
    used = list(keys) + [weights] + [column for column, _ in variables.values()]
    used += list(replicates.columns) if replicates is not None else []
    for condition in conditions:
        used += (
            _columns_of(condition, data.columns)
            if isinstance(condition, str)
            else list(data.columns)
        )
    used = list(dict.fromkeys(used))
    frame = data[used]
    binary = list(binary)
    meta = _partition_sums(
        frame._meta, weights, keys, dict(variables), conditions, binary, replicates
    )
    partial = frame.map_partitions(
        _partition_sums,
        weights,
        keys,
        dict(variables),
        list(conditions),
        binary,
        replicates,
        meta=meta,
    )
    group = keys + [INSIDE] + [f"__missing{k}" for k in range(len(variables))]
    cells = partial.groupby(group, dropna=False, observed=True, sort=False).sum().compute()
    cells = cells.reset_index()

    def inside(part: pd.DataFrame) -> np.ndarray:
        return _inside(part, conditions)

    if cells["__bad_weight"].sum() > 0:

        def bad(part: pd.DataFrame) -> np.ndarray:
            w = part[weights].to_numpy(dtype=float, na_value=np.nan)
            return np.isnan(w) | (w <= 0)

        raise DataError(
            f"weights column {weights!r} has {int(cells['__bad_weight'].sum())} missing or "
            f"non-positive values (first at row {_first_row(frame, used, bad)}); drop those rows "
            "before building the design"
        )
    for column in keys:
        if cells[column].isna().any():
            row = _first_row(frame, used, functools.partial(_missing_in, column=column))
            raise DataError(
                f"column {column!r} has missing values (first at row {row}); a design or domain "
                "column must be complete"
            )
    for k, (name, variable) in enumerate(variables.items()):
        within = cells[INSIDE].astype(bool)
        if name in check_missing:
            hit = cells[f"__missing{k}"].astype(bool) & within
            if hit.any():
                row = _first_row(
                    frame,
                    used,
                    functools.partial(_missing_inside, variable=variable, conditions=conditions),
                )
                raise DataError(
                    f"column {name!r} has {int(cells.loc[hit, ROWS].sum())} missing values (first "
                    f"at row {row}); pass na_rm=True to leave those rows out"
                )
        if name in binary:
            hit = (cells[f"__nonbinary{k}"] > 0) & within
            if hit.any():

                def nonbinary(part: pd.DataFrame, v: Variable = variable) -> np.ndarray:
                    values, missing = _values(part, v)
                    return ~missing & (values != 0) & (values != 1) & inside(part)

                raise DataError(
                    f"column {name!r} must hold 0/1 (or booleans) for a proportion, found other "
                    f"values (first at row {_first_row(frame, used, nonbinary)}); pass value=... "
                    "to estimate the share equal to a value"
                )
    if replicates is not None and cells["__bad_replicate"].sum() > 0:
        columns = list(replicates.columns)

        def bad_replicate(part: pd.DataFrame) -> np.ndarray:
            rep = part[columns].to_numpy(dtype=float, na_value=np.nan)
            return (np.isnan(rep) | (rep < 0)).any(axis=1)

        raise DataError(
            f"replicate weight columns have {int(cells['__bad_replicate'].sum())} rows with a "
            f"missing or negative value (first at row {_first_row(frame, used, bad_replicate)})"
        )
    total = cells[WEIGHT].to_numpy(dtype=float)
    out = cells[keys + [INSIDE]].copy()
    out[INSIDE] = out[INSIDE].astype(bool)
    out[WEIGHT] = total
    out[ROWS] = cells[ROWS].to_numpy(dtype=np.int64)
    for k, name in enumerate(variables):
        mean = cells[f"__sum{k}"].to_numpy(dtype=float) / total
        out[name] = np.where(cells[f"__missing{k}"].astype(bool), np.nan, mean)
    if replicates is None:
        return CellSums(out, tuple(variables))
    R = len(replicates.columns)
    sums = {WEIGHT: cells[[f"__repweight{r}" for r in range(R)]].to_numpy(dtype=float)}
    for k, name in enumerate(variables):
        sums[name] = cells[[f"__rep{k}_{r}" for r in range(R)]].to_numpy(dtype=float)
    upper = np.triu_indices(R)
    gram = np.zeros((len(cells), R, R))
    gram[:, upper[0], upper[1]] = cells[_gram_columns(R)].to_numpy(dtype=float)
    gram = gram + np.triu(gram, 1).transpose(0, 2, 1)
    return CellSums(out, tuple(variables), sums, gram)
