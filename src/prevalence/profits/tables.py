"""Profit per victim by stratum (region, sector...): :class:`ProfitTable`.

A table comes either from a survey of victims (:mod:`prevalence.profits.per_victim`: values
with their design-based covariance, market-wage uncertainty included) or from assumptions
(:meth:`ProfitTable.from_assumptions`). :class:`~prevalence.profits.IllicitProfits` multiplies
it with victim numbers stratum by stratum.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import DataError
from ..core.intervals import normal_quantile
from ..core.results import Estimate
from .assumptions import ProfitAssumption
from .money import money_scale, price_factor

__all__ = ["ProfitTable", "stratum_key"]


def stratum_key(key: Any) -> Any:
    """A stratum key as used in tables: a scalar for one column, a tuple for several."""
    if isinstance(key, tuple) and len(key) == 1:
        return key[0]
    return key


@dataclass(frozen=True)
class ProfitTable:
    """Annual profit per victim by stratum, with its uncertainty.

    Attributes
    ----------
    keys : tuple
        The strata (a value for one ``by`` column, a tuple for several; ``"all"`` without).
    values : numpy.ndarray
        Profit per victim in each stratum.
    vcov : numpy.ndarray or None
        Covariance of ``values`` (survey estimates); ``None`` for assumptions.
    by : tuple of str
        The stratum columns.
    currency, year : str, int
        Currency and price year.
    method : str
        How the figures were obtained.
    n : tuple of int or None
        Respondents per stratum (surveys).
    assumptions : mapping or None
        The :class:`ProfitAssumption` of every stratum (assumption tables).
    warnings : tuple of str
        Caveats (negative profits found in the data, for example).

    Examples
    --------
    >>> t = ProfitTable.from_assumptions(
    ...     {"sexual": ProfitAssumption(27_252, 20_000, 36_000),
    ...      "other": ProfitAssumption(3_687, 2_500, 5_000)}, by="type")
    >>> t.to_frame()[["type", "value"]].values.tolist()
    [['sexual', 27252.0], ['other', 3687.0]]
    """

    keys: tuple[Any, ...]
    values: np.ndarray
    vcov: np.ndarray | None
    by: tuple[str, ...]
    currency: str
    year: int
    method: str
    level: float = 0.95
    n: tuple[int, ...] | None = None
    assumptions: Mapping[Any, ProfitAssumption] | None = None
    warnings: tuple[str, ...] = ()
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def scale(self) -> str:
        return money_scale(self.currency, self.year)

    @property
    def std_errors(self) -> np.ndarray:
        """Standard error per stratum (``nan`` for assumptions)."""
        if self.vcov is None:
            return np.full(len(self.keys), math.nan)
        return np.sqrt(np.clip(np.diag(self.vcov), 0.0, None))

    @classmethod
    def from_assumptions(
        cls,
        assumptions: ProfitAssumption | Mapping[Any, ProfitAssumption],
        by: str | Sequence[str] | None = None,
    ) -> ProfitTable:
        """A table of assumed figures, one per stratum (or one for all strata)."""
        if isinstance(assumptions, ProfitAssumption):
            assumptions = {"all": assumptions}
        if not assumptions:
            raise DataError("no assumptions given")
        by_cols = () if by is None else ((by,) if isinstance(by, str) else tuple(by))
        items = {stratum_key(k): a for k, a in assumptions.items()}
        for k, a in items.items():
            if not isinstance(a, ProfitAssumption):
                raise DataError(
                    f"stratum {k!r}: expected a ProfitAssumption, got {type(a).__name__}"
                )
        scales = {a.scale for a in items.values()}
        if len(scales) > 1:
            raise DataError(
                f"the assumptions mix currencies or price years ({', '.join(sorted(scales))}); "
                "deflate them to one first"
            )
        first = next(iter(items.values()))
        return cls(
            tuple(items),
            np.array([float(a.value) for a in items.values()]),
            None,
            by_cols,
            first.currency,
            first.year,
            "assumed profit per victim",
            assumptions=items,
        )

    @classmethod
    def join(
        cls, parts: Mapping[Any, ProfitTable | ProfitAssumption], by: str = "stratum"
    ) -> ProfitTable:
        """One table from independent parts, one stratum each: assumptions, or single-stratum
        survey tables (a separate survey of victims per stratum)."""
        if all(isinstance(p, ProfitAssumption) for p in parts.values()):
            return cls.from_assumptions(parts, by=by)  # type: ignore[arg-type]
        tables = {
            stratum_key(k): p if isinstance(p, ProfitTable) else cls.from_assumptions(p)
            for k, p in parts.items()
        }
        several = [k for k, t in tables.items() if len(t.keys) != 1]
        if several:
            raise DataError(f"parts {several} have several strata; join takes one per part")
        scales = {t.scale for t in tables.values()}
        if len(scales) > 1:
            raise DataError(f"profit per victim in different currencies or years: {sorted(scales)}")
        first = next(iter(tables.values()))
        return _JoinedTable(
            tuple(tables),
            np.array([float(t.values[0]) for t in tables.values()]),
            None,
            (by,),
            first.currency,
            first.year,
            "; ".join(f"{k}: {t.method}" for k, t in tables.items()),
            first.level,
            details={"parts": tables},
        )

    def source(self, key: Any) -> str:
        """Where a stratum's figure comes from: the assumption's label, or ``"survey"``."""
        key = stratum_key(key)
        if self.assumptions is not None:
            return self.assumptions[key].label
        return "survey"

    def draws(self, size: int, rng: np.random.Generator) -> np.ndarray:
        """``size`` joint draws of the profit per victim, one column per stratum."""
        if self.assumptions is not None:
            return np.column_stack([self.assumptions[k].draws(size, rng) for k in self.keys])
        assert self.vcov is not None
        return rng.multivariate_normal(self.values, self.vcov, size=size, method="eigh")

    def estimate(self, key: Any) -> Estimate:
        """The profit per victim in one stratum as an :class:`~prevalence.Estimate`."""
        key = stratum_key(key)
        if key not in self.keys:
            raise DataError(f"no stratum {key!r} in the profit table (strata: {list(self.keys)})")
        i = self.keys.index(key)
        if self.assumptions is not None:
            a = self.assumptions[key]
            # a fixed assumption has no range; the others always have both ends
            if a.distribution == "fixed" or a.lower is None or a.upper is None:
                lo, hi = a.value, a.value
            else:
                lo, hi = a.lower, a.upper
            return Estimate(a.value, lo, hi, self.level, a.label, scale=self.scale)
        se = float(self.std_errors[i])
        z = normal_quantile(self.level)
        v = float(self.values[i])
        return Estimate(
            v,
            v - z * se,
            v + z * se,
            self.level,
            f"profit per victim, stratum {key!r} ({self.method})",
            details={
                "std_error": se,
                "n_observed": None if self.n is None else self.n[i],
            },
            scale=self.scale,
            interval_method="wald",
        )

    def to_frame(self) -> pd.DataFrame:
        """One row per stratum: stratum columns, value, std_error, lower, upper, n, source."""
        rows = []
        for i, k in enumerate(self.keys):
            e = self.estimate(k)
            parts = k if isinstance(k, tuple) else (k,)
            cols = self.by if self.by else ("stratum",)
            rows.append(
                {
                    **dict(zip(cols, parts, strict=False)),
                    "value": e.value,
                    "std_error": float(self.std_errors[i]),
                    "lower": e.lower,
                    "upper": e.upper,
                    "n": None if self.n is None else self.n[i],
                    "source": "survey" if self.source(k) == "survey" else "assumption",
                    "method": e.method,
                }
            )
        return pd.DataFrame(rows)

    def deflate(self, index: Mapping[int, float], to_year: int) -> ProfitTable:
        """The table at ``to_year`` prices (``index``: price index by year)."""
        f = price_factor(index, self.year, int(to_year))
        assumptions = None
        if self.assumptions is not None:
            assumptions = {
                k: ProfitAssumption(
                    a.value * f,
                    None if a.lower is None else a.lower * f,
                    None if a.upper is None else a.upper * f,
                    a.distribution,
                    a.currency,
                    int(to_year),
                    a.source,
                )
                for k, a in self.assumptions.items()
            }
        return ProfitTable(
            self.keys,
            self.values * f,
            None if self.vcov is None else self.vcov * f**2,
            self.by,
            self.currency,
            int(to_year),
            f"{self.method} (at {int(to_year)} prices: x {f:.6g})",
            self.level,
            self.n,
            assumptions,
            self.warnings,
            self.details,
        )


class _JoinedTable(ProfitTable):
    """Independent single-stratum parts (``details["parts"]``), drawn side by side; every
    stratum answers for itself (its standard error, its estimate, its source)."""

    def _part(self, key: Any) -> ProfitTable:
        key = stratum_key(key)
        if key not in self.keys:
            raise DataError(f"no stratum {key!r} in the profit table (strata: {list(self.keys)})")
        return self.details["parts"][key]

    def draws(self, size: int, rng: np.random.Generator) -> np.ndarray:
        return np.column_stack([self._part(k).draws(size, rng)[:, 0] for k in self.keys])

    @property
    def std_errors(self) -> np.ndarray:
        return np.array([float(self._part(k).std_errors[0]) for k in self.keys])

    def estimate(self, key: Any) -> Estimate:
        part = self._part(key)
        return part.estimate(part.keys[0])

    def source(self, key: Any) -> str:
        part = self._part(key)
        return part.source(part.keys[0])

    def deflate(self, index: Mapping[int, float], to_year: int) -> ProfitTable:
        parts = {k: self._part(k).deflate(index, to_year) for k in self.keys}
        return ProfitTable.join(parts, by=self.by[0])
