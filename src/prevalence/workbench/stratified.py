"""Stratified estimation: fit any estimator per stratum and combine into totals with intervals."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from ..core.checks import labels_present
from ..core.compare import combine_independent, compare_estimates, same_scale
from ..core.details import CombinationDetails
from ..core.errors import DataError
from ..core.estimator import Estimator
from ..core.intervals import check_level
from ..core.random import SeedLike, as_generator, independent_seed
from ..core.results import Comparison, Estimate

__all__ = ["Stratified", "StratifiedDetails"]


class StratifiedDetails(CombinationDetails):
    """``details`` of :class:`Stratified`: how the strata were combined
    (:class:`~prevalence.core.details.CombinationDetails`) and the strata.

    Attributes
    ----------
    strata : DataFrame
        One row per stratum: its label columns, value, lower, upper, method.
    n_strata : int
        Strata.
    """

    strata: pd.DataFrame
    n_strata: int


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
        Draws used to combine strata without draws of their own, or with draws of unequal
        number (see :func:`~prevalence.core.compare.combine_independent`).
    seed : int or Generator
        Seed of those draws.

    Notes
    -----
    Strata are independent samples. The total's interval follows the strata's own method
    (:func:`~prevalence.core.compare.combine_independent`): BCa for the total when every
    stratum is a BCa bootstrap, otherwise percentiles of summed draws matched to each
    stratum's interval. ``details["strata"]`` lists every stratum's estimate.

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

    details_schema = StratifiedDetails

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
        # the arguments as given (get_params returns them); their normalised forms, private
        self.by = by
        self._by = [by] if isinstance(by, str) else list(by)
        self.prepare = prepare
        self.n_draws = int(n_draws)
        self.level = level
        self._level = check_level(level if level is not None else getattr(estimator, "level", 0.95))
        self.seed = seed

    def fit_strata(self, data: pd.DataFrame, *, period: int = 0) -> dict[Any, Estimate]:
        """The estimate of every stratum, keyed by its label (a tuple for several columns).

        Every stratum is fitted with its own random stream derived from the estimator's seed
        (:func:`~prevalence.core.random.independent_seed`), so that the strata's bootstraps
        or chains are independent, as the total assumes; ``period`` selects another family
        of streams (the endline of :meth:`compare`).
        """
        if not isinstance(data, pd.DataFrame):
            raise DataError(f"Stratified expects a records DataFrame, got {type(data).__name__}")
        missing = [c for c in self._by if c not in data.columns]
        if missing:
            raise DataError(f"unknown stratum column(s) {missing}")
        labels_present(data, self._by)  # grouping would drop those records without a word
        out = {}
        inner_seed = getattr(self.estimator, "seed", None)
        period_seed = independent_seed(inner_seed, period) if period else inner_seed
        for k, (key, rows) in enumerate(data.groupby(self._by, sort=True, observed=True)):
            key = key[0] if len(self._by) == 1 else key
            part = self.prepare(rows) if self.prepare else rows
            estimator = self.estimator
            if inner_seed is not None and hasattr(estimator, "seed"):
                estimator = copy.copy(self.estimator)
                estimator.seed = independent_seed(period_seed, k + 1)
            out[key] = estimator.fit(part)
        if not out:
            raise DataError("no strata in the data")
        return out

    def _combine(self, strata: dict[Any, Estimate], rng: np.random.Generator) -> Estimate:
        ests = list(strata.values())
        sizes = {e.draws.size if e.draws is not None else 0 for e in ests}
        common = len(sizes) == 1 and 0 not in sizes
        total = combine_independent(
            ests,
            {"total": lambda *parts: sum(parts)},
            level=self._level,
            rng=rng,
            n_draws=None if common else self.n_draws,
        )["total"]
        table = pd.DataFrame(
            [
                {
                    **dict(zip(self._by, k if isinstance(k, tuple) else (k,), strict=True)),
                    "value": e.value,
                    "lower": e.lower,
                    "upper": e.upper,
                    "method": e.method,
                }
                for k, e in strata.items()
            ]
        )
        warnings = tuple(f"stratum {k}: {w}" for k, e in strata.items() for w in e.warnings)
        est = total.estimate(
            self._level,
            f"sum over {len(strata)} strata of: {ests[0].method} ({total.interval_text})",
            same_scale(ests, "a sum over strata"),
            strata=table,
            n_strata=len(strata),
        )
        return replace(est, warnings=warnings + est.warnings)

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
        sb, se = self.fit_strata(baseline), self.fit_strata(endline, period=1)
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
                    **dict(zip(self._by, k if isinstance(k, tuple) else (k,), strict=True)),
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
        diff = replace(total.difference, details=details)
        return Comparison(total.baseline, total.endline, diff, total.ratio)
