"""Checks of estimator settings that name the offending argument."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["whole_number", "positive_number"]


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
