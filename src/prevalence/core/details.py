"""``Estimate.details``: a read-only mapping that still answers to the keys it used to have.

Every estimator documents its keys in a typed schema (a ``TypedDict`` next to the estimator,
named in its ``details_schema``; ``docs/results.md`` lists them). A few keys were renamed so
that one name means one thing across families (``n_observed`` everywhere, the MCMC
diagnostics in one ``diagnostics`` mapping); the old names still read, with a
``FutureWarning`` naming the new one, until the next minor release.
"""

# no `from __future__ import annotations`: TypedDict reads NotRequired from real annotations
import numbers
import types
import typing
import warnings
from collections.abc import Iterator, Mapping
from typing import Any, NotRequired, TypedDict

import numpy as np

__all__ = [
    "Details",
    "RENAMED_KEYS",
    "RENAMED_DIAGNOSTICS",
    "CombinationDetails",
    "check_details",
]

#: Keys of ``Estimate.details`` that were renamed: old name -> path of the new one.
RENAMED_KEYS: dict[str, tuple[str, ...]] = {
    "n": ("n_observed",),
    "rhat": ("diagnostics", "max_rhat"),
    "ess_bulk": ("diagnostics", "min_ess_bulk"),
    "ess_tail": ("diagnostics", "min_ess_tail"),
}

#: Keys of ``details["diagnostics"]`` that were renamed.
RENAMED_DIAGNOSTICS: dict[str, tuple[str, ...]] = {
    "rhat": ("max_rhat",),
    "ess_bulk": ("min_ess_bulk",),
    "ess_tail": ("min_ess_tail",),
}


class Details(Mapping[str, Any]):
    """A read-only mapping of an estimate's details.

    Iteration, ``len`` and ``dict(details)`` see only the current keys; a renamed key still
    reads its value under the old name with a ``FutureWarning``.

    Parameters
    ----------
    values : mapping
        The details (copied).
    renamed : mapping of old key to the path of the new one
        Defaults to :data:`RENAMED_KEYS`.

    Examples
    --------
    >>> import warnings
    >>> d = Details({"n_observed": 120})
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     d["n"], str(caught[0].message)
    (120, 'details["n"] is renamed details["n_observed"]; the old name goes in the next minor release')
    >>> list(d)
    ['n_observed']
    """

    __slots__ = ("_values", "_renamed")

    def __init__(
        self,
        values: Mapping[str, Any] | None = None,
        renamed: Mapping[str, tuple[str, ...]] | None = None,
    ) -> None:
        self._values = dict(values or {})
        self._renamed = dict(RENAMED_KEYS if renamed is None else renamed)

    def __getitem__(self, key: str) -> Any:
        try:
            return self._values[key]
        except KeyError:
            path = self._renamed.get(key)
            if path is None:
                raise
        value: Any = self._values
        for part in path:
            if not isinstance(value, Mapping) or part not in value:
                raise KeyError(key)
            value = value[part]
        new = "".join(f"[{p!r}]" for p in path).replace("'", '"')
        warnings.warn(
            f'details["{key}"] is renamed details{new}; the old name goes in the next minor '
            "release",
            FutureWarning,
            stacklevel=2,
        )
        return value

    def __contains__(self, key: object) -> bool:  # the current keys only, and no warning
        return key in self._values

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"Details({self._values!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Details, (self._values, self._renamed))


class CombinationDetails(TypedDict):
    """``details`` of an estimate that combines independent estimates by their draws
    (:func:`prevalence.core.compare.combine_independent`: a sum over strata, an adjusted
    scale-up estimate).

    Attributes
    ----------
    n_draws : int
        Draws combined.
    independent : bool
        Whether the estimates were combined as independent (False: one joint posterior).
    source : str
        Where the draws came from ("from draws", "parametric bootstrap", ...).
    jackknife : optional
        With a BCa combination: the jackknife behind its acceleration.
    bca : dict, optional
        With a BCa combination: its bias correction and acceleration.
    """

    n_draws: int
    independent: bool
    source: str
    jackknife: NotRequired[Any]
    bca: NotRequired[dict[str, float]]


def _matches(value: Any, hint: Any) -> bool:
    """Whether ``value`` is of the annotated type (outer types only: ``dict[str, float]``
    checks for a mapping)."""
    if hint is Any:
        return True
    if hint is type(None) or hint is None:
        return value is None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_matches(value, h) for h in typing.get_args(hint))
    if origin is not None:
        hint = {dict: Mapping}.get(origin, origin)
    if hint is bool:
        return isinstance(value, bool | np.bool_)
    if hint is int:
        return isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, numbers.Real) and not isinstance(value, bool)
    return isinstance(value, hint)


def check_details(details: Mapping[str, Any], schema: type) -> list[str]:
    """What in ``details`` does not follow ``schema`` (a ``TypedDict``): required keys that
    are missing, keys the schema does not name, values of another type.

    Examples
    --------
    >>> from prevalence.network.details import RDSDetails
    >>> check_details({"estimator": "SS", "std_error": "0.1"}, RDSDetails)[:2]
    ["std_error is <class 'str'>, the schema says <class 'float'>", 'design_effect is missing']
    """
    hints = typing.get_type_hints(schema)
    problems = []
    for key, value in details.items():
        if key not in hints:
            problems.append(f"{key} is not in {schema.__name__}")
        elif not _matches(value, hints[key]):
            problems.append(f"{key} is {type(value)}, the schema says {hints[key]}")
    required: frozenset[str] = getattr(schema, "__required_keys__", frozenset())
    problems += [f"{key} is missing" for key in hints if key in required and key not in details]
    return problems
