"""Survey-weighted prevalence as an estimator of the common interface, with baseline-endline change."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..core.errors import DataError
from ..core.estimator import Estimator
from ..core.intervals import check_level, normal_quantile
from ..core.random import SeedLike
from ..core.results import Comparison, Estimate
from .design import SurveyDesign
from .estimation import check_ci, indicator
from .linearization import taylor_variance
from .replicate import ReplicateDesign

__all__ = ["SurveyPrevalence"]


class SurveyPrevalence(Estimator):
    """Prevalence of a condition in a population from a complex survey.

    Parameters
    ----------
    indicator : str
        Column holding 0/1 (or booleans) for having the condition; or any column together with
        ``value``, the prevalence being the share equal to ``value``.
    value : optional
        See ``indicator``.
    population : float, optional
        Population size: the estimate then also reports the number of people
        (``details["count"]`` with its interval).
    ci : str
        Interval method for the proportion (see :meth:`SurveyDesign.proportion`), default
        ``"logit"``.
    level : float
        Interval level.

    Examples
    --------
    >>> import pandas as pd
    >>> from prevalence.survey import SurveyDesign, SurveyPrevalence
    >>> df = pd.DataFrame({"victim": [0, 1, 0, 0, 1, 0, 0, 0], "psu": [1, 1, 2, 2, 3, 3, 4, 4],
    ...                    "w": [100.0] * 8})
    >>> est = SurveyPrevalence("victim", population=800).fit(SurveyDesign(df, weights="w", clusters="psu"))
    >>> est.value, est.details["count"]
    (0.25, 200.0)
    """

    def __init__(
        self,
        indicator: str,
        value: Any = None,
        *,
        population: float | None = None,
        ci: str = "logit",
        level: float = 0.95,
        seed: SeedLike = None,
    ) -> None:
        if population is not None and not (
            math.isfinite(float(population)) and float(population) > 0
        ):
            raise ValueError(f"population must be a positive number, got {population!r}")
        self.indicator = indicator
        self.value = value
        self.population = None if population is None else float(population)
        self.ci = check_ci(ci)
        self.level = check_level(level)
        self.seed = seed

    def fit(self, data: SurveyDesign | ReplicateDesign) -> Estimate:
        """Estimate the prevalence (and the number of people when ``population`` is given)."""
        design = _check_design(data)
        est = design.proportion(self.indicator, self.value, ci=self.ci, level=self.level)
        if self.population is None:
            return est
        details = dict(est.details)
        details.update(
            population=self.population,
            count=self.population * est.value,
            count_lower=self.population * est.lower,
            count_upper=self.population * est.upper,
            count_std_error=self.population * est.std_error,
        )
        return Estimate(
            est.value, est.lower, est.upper, est.level, est.method, None, details, est.warnings
        )

    def compare(
        self, baseline: Any, endline: Any, *, seed: SeedLike = None, n_draws: int | None = None
    ) -> Comparison:
        """Change in prevalence between two independent surveys.

        The difference has standard error ``sqrt(se_b**2 + se_e**2)`` and a normal interval;
        the ratio a normal interval on the log scale (delta method). For surveys that share
        PSUs (a panel), use :meth:`compare_panel`, which accounts for their covariance.
        """
        b, e = self.fit(baseline), self.fit(endline)
        return _combine(
            b, e, b.std_error**2, e.std_error**2, 0.0, self.level, "independent surveys"
        )

    def compare_panel(
        self, design: SurveyDesign | ReplicateDesign, period: str, baseline: Any, endline: Any
    ) -> Comparison:
        """Change in prevalence when both periods are in one design (shared PSUs, a panel).

        ``design`` holds the rows of both surveys, ``period`` names the column telling them
        apart. Both prevalences are linearised within the one design, so the covariance
        between the periods (the same PSUs visited twice) enters the variance of the change.
        """
        design = _check_design(design)
        if period not in design.data.columns:
            raise DataError(f"unknown period column {period!r}")
        col = design.data[period]
        mb, me = (col == baseline).to_numpy(), (col == endline).to_numpy()
        if not mb.any() or not me.any():
            raise DataError(f"column {period!r} has no rows equal to {baseline!r} or {endline!r}")
        y, ok, label = indicator(design, self.indicator, self.value, False)
        ests, infl = [], []
        for m in (mb, me):
            w = design.weights * m
            W = float(w.sum())
            p = float(np.sum(w * y) / W)
            infl.append(w * (y - p) / W)
            ests.append(p)
        if isinstance(design, ReplicateDesign):
            V = _replicate_cov(design, y, [mb, me])
        else:
            V = taylor_variance(design, np.column_stack(infl))
        b_est = design.proportion(
            self.indicator, self.value, ci=self.ci, level=self.level, by=period, output="estimates"
        )
        b, e = b_est[baseline], b_est[endline]
        return _combine(
            b,
            e,
            V[0, 0],
            V[1, 1],
            V[0, 1],
            self.level,
            f"panel design, covariance through shared PSUs ({label})",
        )


def _check_design(data: Any) -> SurveyDesign | ReplicateDesign:
    if not isinstance(data, SurveyDesign | ReplicateDesign):
        raise DataError(
            f"SurveyPrevalence.fit expects a SurveyDesign or ReplicateDesign, got {type(data).__name__}"
        )
    return data


def _replicate_cov(design: ReplicateDesign, y: np.ndarray, masks: list[np.ndarray]) -> np.ndarray:
    """Replicate covariance of the proportions in several row subsets."""
    thetas = []
    full = []
    for m in masks:
        base = (np.ones_like(design.weights) if design.combined else design.weights) * m
        K = design.factors.shape[0]
        A = design.factors.T @ np.bincount(design.index, weights=base * y, minlength=K)
        B = design.factors.T @ np.bincount(design.index, weights=base, minlength=K)
        thetas.append(A / B)
        w = design.weights * m
        full.append(float(np.sum(w * y) / w.sum()))
    T = np.column_stack(thetas)
    centre = np.array(full) if design.mse else T[design.rscales > 0].mean(axis=0)
    D = (T - centre) * np.sqrt(design.rscales)[:, None]
    return design.scale * D.T @ D


def _combine(
    b: Estimate, e: Estimate, vb: float, ve: float, cov: float, level: float, how: str
) -> Comparison:
    z = normal_quantile(level)
    diff = e.value - b.value
    se_d = math.sqrt(max(vb + ve - 2 * cov, 0.0))
    details = {"std_error": se_d, "covariance": cov, "source": how}
    difference = Estimate(
        diff,
        diff - z * se_d,
        diff + z * se_d,
        level,
        f"difference of prevalences endline - baseline ({how}, normal interval)",
        None,
        details,
    )
    if b.value > 0 and e.value > 0:
        r = e.value / b.value
        se_log = math.sqrt(
            max(ve / e.value**2 + vb / b.value**2 - 2 * cov / (b.value * e.value), 0.0)
        )
        ratio = Estimate(
            r,
            r * math.exp(-z * se_log),
            r * math.exp(z * se_log),
            level,
            f"ratio of prevalences endline / baseline ({how}, log-scale interval)",
            None,
            {"std_error_log": se_log, "source": how},
        )
    else:
        ratio = Estimate(
            math.nan, math.nan, math.nan, level, "ratio undefined (a prevalence is zero)", None, {}
        )
    return Comparison(b, e, difference, ratio)
