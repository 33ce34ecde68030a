"""Aggregated relational data: "how many X do you know?" answers, checked, top-coded, turned into degrees.

The known-population method (Killworth et al. 1998) estimates respondent ``i``'s personal
network size as ``d_i = N * sum_k y_ik / sum_k N_k`` over the populations of known size
``N_k``. It is an estimate of each respondent's own degree, so survey weights play no part in
it (as ``networkreporting``'s ``kp.individual.estimator_``); the weighted average degree is
``sum_i w_i d_i / sum_i w_i`` (``kp.estimator_``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..core.errors import DataError

__all__ = [
    "MISSING_RULES",
    "answer_matrix",
    "check_known_sizes",
    "topcode_answers",
    "known_population_degrees",
]

#: How rows with a missing known-population answer are treated:
#: ``"drop"`` (networkreporting's ``dropmiss=TRUE`` and ``missing="complete.obs"``: the row
#: has no degree and leaves the estimate), ``"available"`` (the degree from the answered
#: questions, divided by the sizes of the populations asked about, as the original
#: ``kp.degree.estimator(missing="complete.obs")``), ``"zero"`` (a missing answer counts as
#: knowing nobody: networkreporting's default ``dropmiss=FALSE``, which its
#: ``nsum.internal.consistency`` uses), ``"error"`` (refuse).
MISSING_RULES = ("drop", "available", "zero", "error")


def answer_matrix(data: pd.DataFrame, columns: Sequence[str], role: str) -> np.ndarray:
    """The answers in ``columns`` as a float matrix (``nan`` where missing).

    Raises :class:`DataError` naming the column and row when a column is absent, or an answer
    is not a number, negative or not a whole number.

    Examples
    --------
    >>> import pandas as pd
    >>> answer_matrix(pd.DataFrame({"a": [1, 2], "b": [0, None]}), ["a", "b"], "known").tolist()
    [[1.0, 0.0], [2.0, nan]]
    """
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise DataError(f"{role} column(s) {missing} not in the data")
    out = np.empty((len(data), len(columns)))
    for k, col in enumerate(columns):
        raw = data[col]
        values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
        bad = np.isnan(values) & raw.notna().to_numpy()
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise DataError(
                f"{role} column {col!r} row {row}: {raw.iloc[row]!r} is not a number of people"
            )
        if np.isinf(values).any():
            row = int(np.flatnonzero(np.isinf(values))[0])
            raise DataError(f"{role} column {col!r} row {row}: the answer is infinite")
        neg = values < 0
        if neg.any():
            row = int(np.flatnonzero(neg)[0])
            raise DataError(
                f"{role} column {col!r} row {row}: {values[row]:g} is negative; "
                "answers count people known"
            )
        frac = np.isfinite(values) & (values != np.round(values))
        if frac.any():
            row = int(np.flatnonzero(frac)[0])
            raise DataError(
                f"{role} column {col!r} row {row}: {values[row]:g} is not a whole number of people"
            )
        out[:, k] = values
    return out


def check_known_sizes(known: Mapping[str, float], total: float) -> tuple[list[str], np.ndarray]:
    """Names and sizes of the known populations, checked against the total population.

    Examples
    --------
    >>> check_known_sizes({"nurses": 100, "teachers": 250}, 10_000)
    (['nurses', 'teachers'], array([100., 250.]))
    """
    if not isinstance(known, Mapping) or not known:
        raise DataError("known must map each known-population column to its size")
    names = [str(k) for k in known]
    sizes = np.empty(len(names))
    for i, (name, size) in enumerate(known.items()):
        try:
            value = float(size)
        except (TypeError, ValueError):
            raise DataError(f"known population {name!r}: size {size!r} is not a number") from None
        if not math.isfinite(value) or value <= 0:
            raise DataError(f"known population {name!r}: size {size!r} is missing or not positive")
        if value > total:
            raise DataError(
                f"known population {name!r}: size {value:g} is larger than the total "
                f"population {total:g}"
            )
        sizes[i] = value
    return names, sizes


def topcode_answers(answers: np.ndarray, maximum: float | None) -> np.ndarray:
    """Answers above ``maximum`` set to ``maximum`` (networkreporting's ``topcode.data``).

    Examples
    --------
    >>> topcode_answers(np.array([[3.0, 45.0]]), 30).tolist()
    [[3.0, 30.0]]
    """
    if maximum is None:
        return answers
    return np.where(answers > maximum, maximum, answers)


def known_population_degrees(
    answers: np.ndarray, sizes: np.ndarray, total: float, missing: str = "drop"
) -> np.ndarray:
    """Each respondent's degree by the known-population method (``nan``: no degree).

    Parameters
    ----------
    answers : (respondents, known populations) array
        Top-coded answers, ``nan`` where missing.
    sizes : array
        The known populations' sizes.
    total : float
        The size of the population respondents report about (the frame population).
    missing : {"drop", "available", "zero", "error"}
        See :data:`MISSING_RULES`.

    Examples
    --------
    >>> known_population_degrees(np.array([[1.0, 3.0]]), np.array([100.0, 300.0]), 10_000).tolist()
    [100.0]
    """
    if missing not in MISSING_RULES:
        raise ValueError(f"missing must be one of {MISSING_RULES}, got {missing!r}")
    observed = ~np.isnan(answers)
    if missing == "error" and not observed.all():
        row, col = np.argwhere(~observed)[0]
        raise DataError(
            f"row {int(row)} has no answer for known population {int(col)} "
            "(missing='error'; use 'drop' or 'available')"
        )
    if missing == "available":
        asked = observed @ sizes
        with np.errstate(invalid="ignore", divide="ignore"):
            degrees = np.nansum(answers, axis=1) / asked * total
        degrees[asked == 0] = np.nan
        return degrees
    if missing == "zero":
        return np.nansum(answers, axis=1) / sizes.sum() * total
    return answers.sum(axis=1) / sizes.sum() * total
