"""Checks of estimator settings that name the offending argument."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .errors import DataError

__all__ = ["plain", "whole_number", "positive_number", "column_names", "labels_present"]


def plain(value: object) -> object:
    """A value as a message should show it: ``413``, not ``np.int64(413)``.

    Examples
    --------
    >>> repr(plain(np.int64(413))), repr(plain("north"))
    ('413', "'north'")
    """
    return value.item() if isinstance(value, np.generic) else value


def whole_number(name: str, value: object, minimum: int = 1) -> int:
    """``value`` as an int, or a ValueError naming ``name`` unless it is a whole number >= ``minimum``.

    Examples
    --------
    >>> whole_number("samples", 10)
    10
    """
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ValueError(f"{name} must be a whole number of at least {minimum}, got {value!r}")
    return int(value)


def positive_number(name: str, value: object) -> float:
    """``value`` as a float, or a ValueError naming ``name`` unless it is finite and positive.

    Examples
    --------
    >>> positive_number("prior_variance", 2)
    2.0
    """
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a positive number, got {value!r}") from None
    if not (math.isfinite(out) and out > 0):
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return out


def column_names(
    name: str, value: Any, *, single: bool = False, allow_empty: bool = True
) -> tuple[Any, ...]:
    """A sequence of column (or list) names as a tuple, refused by ``name`` when it is not one.

    A single string is not split into its characters: ``covariates="xy"`` is refused (or,
    with ``single=True``, taken as the one name ``"xy"``). Repeated names are refused.

    Examples
    --------
    >>> column_names("covariates", ["x", "y"])
    ('x', 'y')
    >>> column_names("by", "region", single=True)
    ('region',)
    """
    if isinstance(value, str | bytes):
        if single:
            return (value,)
        raise DataError(
            f"{name} must be a list of names, got the single string {value!r} "
            f"(write [{value!r}] for one name)"
        )
    try:
        names = tuple(value)
    except TypeError:
        raise DataError(f"{name} must be a list of names, got {value!r}") from None
    if not names and not allow_empty:
        raise DataError(f"{name} needs at least one name")
    seen = [n for i, n in enumerate(names) if n in names[:i]]
    if seen:
        raise DataError(f"{name} names {seen[0]!r} more than once: {list(names)}")
    return names


def labels_present(data: Any, columns: Any, role: str = "stratum") -> None:
    """Refuse missing values in label columns (strata, groups), naming the column and rows.

    Grouping drops rows whose label is missing without a word; an estimate by stratum
    would then silently leave those people out.

    Examples
    --------
    >>> import pandas as pd
    >>> labels_present(pd.DataFrame({"region": ["n", None]}), ["region"])
    Traceback (most recent call last):
    ...
    prevalence.core.errors.DataError: stratum column 'region' has 1 missing value(s) (row 1): give those records a stratum or drop them
    """
    for col in columns:
        na = data[col].isna().to_numpy()
        if na.any():
            where = np.flatnonzero(na)
            labels = [data.index[p] for p in where[:5]]
            rows = ", ".join(
                f"row {v.item() if isinstance(v, np.generic) else v!r}" for v in labels
            )
            raise DataError(
                f"{role} column {col!r} has {int(na.sum())} missing value(s) ({rows}"
                f"{', ...' if na.sum() > 5 else ''}): give those records a {role} or drop them"
            )
