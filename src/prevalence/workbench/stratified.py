"""Stratified estimation: fit any estimator per stratum and combine into totals with intervals."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..core.compare import (
    approximate_draws,
    combined_draws_kind,
    compare_estimates,
    same_scale,
)
from ..core.errors import DataError
from ..core.estimator import Estimator
from ..core.intervals import check_level, percentile_interval
from ..core.random import SeedLike, as_generator
from ..core.results import Comparison, Estimate

__all__ = ["Stratified"]


class Stratified(Estimator):
    """Fit ``estimator`` within each stratum of a records table and add the strata up.

    Parameters
    ----------
    estimator : Estimator
        Any estimator of the common interface.
    by : str or list of str
        Stratum columns of the records table.
    prepare : callable, optional
        Turns a stratum's rows into the estimator's input, for example
        ``lambda df: CaptureHistories.from_records(df, lists=[...])``; default: the rows as they are.
    n_draws : int
        Draws used to combine strata without draws of their own (log-normal approximation
        matched to each stratum's interval, as :func:`~prevalence.core.compare.compare_estimates`).
    seed : int or Generator
        Seed of those draws.

    Notes
    -----
    The total's interval is the percentile interval of the summed stratum draws (strata are
    independent samples); ``details["strata"]`` lists every stratum's estimate.

    Examples
    --------
    >>> from prevalence import CaptureHistories, LogLinearMSE
    >>> from prevalence.simulate import CaptureScenario
    >>> scenario = CaptureScenario(4000, {"A": 0.3, "B": 0.25, "C": 0.2},
    ...                            strata={"north": (0.5, 0.0), "south": (0.5, -0.3)})
    >>> records = scenario.records(1)
    >>> total = Stratified(LogLinearMSE(), "stratum",
    ...                    prepare=lambda df: CaptureHistories.from_records(df, lists=["A", "B", "C"]),
    ...                    seed=1).fit(records)
    >>> sorted(total.details["strata"]["stratum"])
    ['north', 'south']
    """

    def __init__(
        self,
        estimator: Any,
        by: str | Sequence[str],
        *,
        prepare: Callable[[pd.DataFrame], Any] | None = None,
        n_draws: int = 10_000,
        level: float | None = None,
        seed: SeedLike = None,
    ) -> None:
        if not hasattr(estimator, "fit"):
            raise DataError("Stratified needs an estimator with a fit method")
        self.estimator = estimator
        self.by = [by] if isinstance(by, str) else list(by)
        self.prepare = prepare
        self.n_draws = int(n_draws)
        self.level = check_level(level if level is not None else getattr(estimator, "level", 0.95))
        self.seed = seed

    def fit_strata(self, data: pd.DataFrame) -> dict[Any, Estimate]:
        """The estimate of every stratum, keyed by its label (a tuple for several columns)."""
        if not isinstance(data, pd.DataFrame):
            raise DataError(f"Stratified expects a records DataFrame, got {type(data).__name__}")
        missing = [c for c in self.by if c not in data.columns]
        if missing:
            raise DataError(f"unknown stratum column(s) {missing}")
        out = {}
        for key, rows in data.groupby(self.by, sort=True, observed=True):
            key = key[0] if len(self.by) == 1 else key
            part = self.prepare(rows) if self.prepare else rows
            out[key] = self.estimator.fit(part)
        if not out:
            raise DataError("no strata in the data")
        return out

    def _combine(self, strata: dict[Any, Estimate], rng: np.random.Generator) -> Estimate:
        draws = np.zeros(self.n_draws)
        own = [est.draws is not None and est.draws.size > 0 for est in strata.values()]
        for est in strata.values():
            if est.draws is not None and est.draws.size:
                draws += rng.choice(np.asarray(est.draws), size=self.n_draws, replace=True)
            else:
                draws += approximate_draws(est, self.n_draws, rng)
        value = float(sum(e.value for e in strata.values()))
        lo, hi = percentile_interval(draws, self.level)
        table = pd.DataFrame(
            [
                {
                    **dict(zip(self.by, k if isinstance(k, tuple) else (k,), strict=True)),
                    "value": e.value,
                    "lower": e.lower,
                    "upper": e.upper,
                    "method": e.method,
                }
                for k, e in strata.items()
            ]
        )
        warnings = tuple(f"stratum {k}: {w}" for k, e in strata.items() for w in e.warnings)
        return Estimate(
            value,
            lo,
            hi,
            self.level,
            f"sum over {len(strata)} strata of: {next(iter(strata.values())).method}",
            draws,
            {"strata": table, "n_strata": len(strata)},
            warnings,
            draws_kind=combined_draws_kind(list(strata.values()), own),
            scale=same_scale(list(strata.values()), "a sum over strata"),
        )

    def fit(self, data: pd.DataFrame) -> Estimate:
        """Fit every stratum and return the total."""
        return self._combine(self.fit_strata(data), as_generator(self.seed))

    def compare(
        self,
        baseline: pd.DataFrame,
        endline: pd.DataFrame,
        *,
        seed: SeedLike = None,
        n_draws: int | None = None,
    ) -> Comparison:
        """Change in the total, with every stratum's own comparison in ``difference.details["strata"]``."""
        rng = as_generator(self.seed if seed is None else seed)
        sb, se = self.fit_strata(baseline), self.fit_strata(endline)
        common = [k for k in sb if k in se]
        if len(common) < len(sb) or len(common) < len(se):
            raise DataError("baseline and endline must have the same strata")
        total = compare_estimates(
            self._combine(sb, rng), self._combine(se, rng), seed=rng, n_draws=n_draws
        )
        per = []
        for k in common:
            c = compare_estimates(sb[k], se[k], seed=rng)
            per.append(
                {
                    **dict(zip(self.by, k if isinstance(k, tuple) else (k,), strict=True)),
                    "baseline": c.baseline.value,
                    "endline": c.endline.value,
                    "difference": c.difference.value,
                    "difference_lower": c.difference.lower,
                    "difference_upper": c.difference.upper,
                    "ratio": c.ratio.value,
                    "ratio_lower": c.ratio.lower,
                    "ratio_upper": c.ratio.upper,
                }
            )
        details = dict(total.difference.details)
        details["strata"] = pd.DataFrame(per)
        diff = Estimate(
            total.difference.value,
            total.difference.lower,
            total.difference.upper,
            total.difference.level,
            total.difference.method,
            total.difference.draws,
            details,
            total.difference.warnings,
            draws_kind=total.difference.draws_kind,
            scale=total.difference.scale,
        )
        return Comparison(total.baseline, total.endline, diff, total.ratio)
