"""Profit per victim from published or assumed figures, labelled as assumptions.

Where no survey of victims exists, a profit per victim comes from a publication (the ILO's
US$27,252 per victim of forced commercial sexual exploitation, 2024) or an expert judgement.
:class:`ProfitAssumption` holds such a figure with the uncertainty the user assigns to it and
says in every output that it is an assumption.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..core.errors import DataError
from ..core.intervals import normal_quantile
from .money import money_scale

__all__ = ["ProfitAssumption", "DISTRIBUTIONS"]

DISTRIBUTIONS = ("lognormal", "normal", "triangular", "fixed")


def _number(what: str, value: object) -> float:
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise DataError(f"{what} must be a number, got {value!r}") from None
    if isinstance(value, bool) or not math.isfinite(out):
        raise DataError(f"{what} must be a finite number, got {value!r}")
    return out


@dataclass(frozen=True)
class ProfitAssumption:
    """An assumed profit per victim (per year) with the uncertainty assigned to it.

    Parameters
    ----------
    value : float
        The figure (median of the log-normal and normal, mode of the triangular).
    lower, upper : float, optional
        The range: 2.5% and 97.5% points of the log-normal (split at the value when the range
        is not symmetric on the log scale) and normal; the ends of the triangular. Required
        except for ``"fixed"``.
    distribution : {"lognormal", "normal", "triangular", "fixed"}
        ``"fixed"`` carries no uncertainty (and says so).
    currency, year : str, int
        Currency (ISO code) and price year.
    source : str
        Where the figure comes from, shown in every output ("ILO 2024, Table 3").

    Examples
    --------
    >>> a = ProfitAssumption(27_252, 20_000, 36_000, currency="USD", year=2021,
    ...                      source="ILO 2024, forced commercial sexual exploitation")
    >>> d = a.draws(100_000, np.random.default_rng(1))
    >>> bool(abs(np.median(d) / 27_252 - 1) < 0.01)      # the value is the median
    True
    >>> a.label
    'assumption: 27,252 [20,000, 36,000] USD 2021, lognormal (ILO 2024, forced commercial sexual exploitation)'
    """

    value: float
    lower: float | None = None
    upper: float | None = None
    distribution: str = "lognormal"
    currency: str = "USD"
    year: int = 2021
    source: str = "assumption"

    def __post_init__(self) -> None:
        if self.distribution not in DISTRIBUTIONS:
            raise DataError(
                f"distribution must be one of {DISTRIBUTIONS}, got {self.distribution!r}"
            )
        money_scale(self.currency, self.year)
        v = _number("the assumed profit per victim (value)", self.value)
        if v < 0:
            raise DataError(f"the assumed profit per victim (value) must be >= 0, got {v:g}")
        if self.distribution == "fixed":
            return
        if self.lower is None or self.upper is None:
            raise DataError(
                f"a {self.distribution} assumption needs lower and upper (or distribution='fixed')"
            )
        lo = _number("the lower end of the assumed range (lower)", self.lower)
        hi = _number("the upper end of the assumed range (upper)", self.upper)
        if not (lo <= v <= hi) or not lo < hi:
            raise DataError(
                f"the assumed range [{lo:g}, {hi:g}] (lower, upper) must contain the value "
                f"{v:g} and be non-empty"
            )
        if self.distribution == "lognormal" and not lo > 0:
            raise DataError("a log-normal assumption needs a positive lower limit")

    @property
    def scale(self) -> str:
        return money_scale(self.currency, self.year)

    @property
    def label(self) -> str:
        """How outputs describe the figure."""
        rng = "" if self.distribution == "fixed" else f" [{self.lower:,.0f}, {self.upper:,.0f}]"
        return (
            f"assumption: {self.value:,.0f}{rng} {self.scale}, {self.distribution} ({self.source})"
        )

    def draws(self, size: int, rng: np.random.Generator) -> np.ndarray:
        """``size`` draws of the profit per victim."""
        v = float(self.value)
        if self.distribution == "fixed":
            return np.full(size, v)
        lo, hi = float(self.lower), float(self.upper)  # type: ignore[arg-type]
        if self.distribution == "triangular":
            return rng.triangular(lo, v, hi, size)
        z = normal_quantile(0.95)
        u = rng.normal(0.0, 1.0, size)
        if self.distribution == "normal":
            return v + u * np.where(u < 0, (v - lo) / z, (hi - v) / z)
        lv = math.log(v)
        return np.exp(lv + u * np.where(u < 0, (lv - math.log(lo)) / z, (math.log(hi) - lv) / z))
