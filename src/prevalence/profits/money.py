"""Currency and price year of monetary estimates, and deflation to a base year.

A monetary :class:`~prevalence.Estimate` carries its currency and price year in its
``scale``, ``"USD 2021"``: comparisons, differences in differences and sums over strata refuse
to combine estimates on different scales, so two currencies or two price years are never
mixed by accident. :func:`deflate` moves an estimate (or a profit table or result) to another
price year with a price index the user gives.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from ..core.errors import DataError
from ..core.results import Estimate

__all__ = ["money_scale", "parse_money_scale", "price_factor", "deflate_estimate"]

_SCALE = re.compile(r"^([A-Z]{3}) (\d{4})$")


def money_scale(currency: str, year: int) -> str:
    """The ``scale`` of an amount in ``currency`` at ``year`` prices, e.g. ``"USD 2021"``.

    Examples
    --------
    >>> money_scale("usd", 2021)
    'USD 2021'
    """
    cur = str(currency).strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", cur):
        raise DataError(
            f"currency must be a three-letter ISO 4217 code such as 'USD', got {currency!r}"
        )
    try:
        yr = int(year)
    except (TypeError, ValueError):
        raise DataError(f"year must be a whole year such as 2021, got {year!r}") from None
    if yr != year or not 1800 <= yr <= 2200:
        raise DataError(f"year must be a whole year such as 2021, got {year!r}")
    return f"{cur} {yr}"


def parse_money_scale(scale: str | None) -> tuple[str, int]:
    """``(currency, year)`` of a monetary scale; DataError for any other scale."""
    m = _SCALE.match(scale or "")
    if not m:
        raise DataError(f"not a monetary estimate (scale {scale!r}; expected e.g. 'USD 2021')")
    return m.group(1), int(m.group(2))


def price_factor(index: Mapping[int, float], from_year: int, to_year: int) -> float:
    """``index[to_year] / index[from_year]``, checked.

    Examples
    --------
    >>> price_factor({2014: 100.0, 2021: 112.0}, 2014, 2021)
    1.12
    """
    for y in (from_year, to_year):
        if y not in index:
            raise DataError(f"the price index has no value for {y} (it covers {sorted(index)})")
        v = float(index[y])
        if not (math.isfinite(v) and v > 0):
            raise DataError(f"the price index for {y} must be a positive number, got {index[y]!r}")
    return float(index[to_year]) / float(index[from_year])


def deflate_estimate(estimate: Estimate, index: Mapping[int, float], to_year: int) -> Estimate:
    """``estimate`` at ``to_year`` prices (value, interval, draws and standard error scaled).

    Examples
    --------
    >>> est = Estimate(100.0, 90.0, 110.0, scale="USD 2014")
    >>> deflate_estimate(est, {2014: 100.0, 2021: 112.0}, 2021).interval
    (100.80000000000001, 123.20000000000002)
    """
    currency, year = parse_money_scale(estimate.scale)
    f = price_factor(index, year, int(to_year))
    details: dict[str, Any] = dict(estimate.details)
    for key in ("std_error",):
        if key in details:
            details[key] = float(details[key]) * f
    details["deflated"] = {"from_year": year, "to_year": int(to_year), "factor": f}
    return replace(
        estimate,
        value=estimate.value * f,
        lower=estimate.lower * f,
        upper=estimate.upper * f,
        draws=None if estimate.draws is None else np.asarray(estimate.draws) * f,
        details=details,
        scale=money_scale(currency, int(to_year)),
        method=f"{estimate.method} (at {int(to_year)} prices: x {f:.6g})",
    )
