"""Trends over several periods: where a series of quarterly or yearly estimates is heading.

:class:`Trend` fits ``log(theta_t) = a + b (t - t0)`` to a series of estimates from any
estimator by generalised least squares, weighting each estimate by its precision on the log
scale (delta method: ``var(log theta) = var(theta) / theta**2``) and using their covariance
when one survey design spans the periods (a :class:`~prevalence.survey.DomainTable`, for
example ``design.proportion("victim", by="quarter", vcov=True)``). ``exp(b) - 1`` is the
relative change per time unit.

Estimates carry sampling error, but a series also wanders around any straight line. With
``overdispersion=True`` (the default) the covariance of ``(a, b)`` is multiplied by the
residual chi-square over its degrees of freedom when that exceeds one (as a quasi-likelihood
dispersion), so a series that zigzags more than its standard errors allow gets a wider trend
interval. With two periods there is no residual and the trend is the change itself.

When every estimate carries draws (posterior draws or bootstrap replicates) and the estimates
are independent, the trend is also fitted draw by draw (the same GLS weights), and
projections and probabilities come from those draws.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..core.compare import combined_draws_kind, same_scale
from ..core.errors import DataError
from ..core.intervals import check_level, normal_quantile, percentile_interval
from ..core.probability import log_normal_sd
from ..core.results import Estimate
from ..survey.table import DomainTable
from .results import TrendResult

__all__ = ["Trend"]


class Trend:
    """A log-linear trend with its interval, projection and the probability of being on track.

    Parameters
    ----------
    overdispersion : bool
        Widen the trend's covariance when the estimates scatter around the line more than
        their standard errors allow (see the module text).
    level : float
        Interval level.
    unit : str
        Name of the time unit, for the method text (``"year"``, ``"quarter"``).

    Examples
    --------
    >>> from prevalence import Estimate
    >>> from prevalence.impact import Trend
    >>> series = [Estimate(v, v * 0.9, v * 1.1) for v in (0.10, 0.094, 0.087, 0.082)]
    >>> trend = Trend().fit(series, times=[2022, 2023, 2024, 2025])
    >>> round(trend.change_per_unit.value, 3)
    -0.065
    >>> round(trend.probability_on_track(by=0.5, at=2030).value, 2)
    0.2
    """

    def __init__(
        self, *, overdispersion: bool = True, level: float = 0.95, unit: str = "time unit"
    ) -> None:
        self.overdispersion = bool(overdispersion)
        self.level = check_level(level)
        self.unit = str(unit)

    def __repr__(self) -> str:
        return f"Trend(overdispersion={self.overdispersion!r}, level={self.level!r}, unit={self.unit!r})"

    def fit(
        self, estimates: Sequence[Estimate] | DomainTable, times: Sequence[float]
    ) -> TrendResult:
        """Fit the trend to ``estimates`` observed at ``times`` (numbers, in the time unit).

        ``estimates`` is a sequence of :class:`~prevalence.Estimate` (treated as independent)
        or a :class:`~prevalence.survey.DomainTable` whose entries are the periods in order
        (their covariance is used).
        """
        level = check_level(self.level)
        t = np.asarray(times, dtype=float)
        if t.ndim != 1 or not np.all(np.isfinite(t)):
            raise DataError("times must be a list of finite numbers, one per estimate")
        if isinstance(estimates, DomainTable):
            theta = estimates.values.to_numpy(dtype=float)
            V = estimates.vcov.to_numpy(dtype=float)
            names = estimates.names
            draws = None
            kind = None
            how = "one design, covariance between periods"
        else:
            ests = list(estimates)
            if not all(isinstance(e, Estimate) for e in ests):
                raise DataError("estimates must be Estimate objects or one DomainTable")
            same_scale(ests, "a trend")
            theta = np.array([e.value for e in ests])
            names = [f"t={x:g}" for x in t]
            _check_positive(theta, names)
            sd_log = np.array([log_normal_sd(e) for e in ests])
            V = np.diag((sd_log * theta) ** 2)
            own = [e.draws is not None and e.draws.size > 0 for e in ests]
            draws, kind = None, None
            if all(own):
                draws = _aligned_log_draws(ests)
                kind = combined_draws_kind(ests, own)
            how = "independent estimates"
        if t.size != theta.size:
            raise DataError(f"{theta.size} estimates but {t.size} times")
        if theta.size < 2:
            raise DataError("a trend needs estimates at two times at least")
        if np.unique(t).size != t.size:
            raise DataError("two estimates have the same time")
        _check_positive(theta, names)
        order = np.argsort(t)
        t, theta, V = t[order], theta[order], V[np.ix_(order, order)]
        names = [names[i] for i in order]
        if draws is not None:
            draws = draws[:, order]
        t0 = float(t[0])
        y = np.log(theta)
        S = V / np.outer(theta, theta)  # covariance of the logs (delta method)
        no_variance = ~(np.diag(S) > 0)  # zero, or undefined for a zero-width interval
        if no_variance.any():
            raise DataError(
                "every estimate needs a positive standard error or interval: the estimate at "
                f"{names[int(np.flatnonzero(no_variance)[0])]} has none (a zero-width interval, "
                "as published figures often have); the trend weights each estimate by its "
                "variance, so give the figures their intervals"
            )
        X = np.column_stack([np.ones_like(t), t - t0])
        S_inv = np.linalg.inv(S)
        cov = np.linalg.inv(X.T @ S_inv @ X)
        A = cov @ X.T @ S_inv  # GLS weights: coef = A y
        coef = A @ y
        resid = y - X @ coef
        df = t.size - 2
        chi2 = float(resid @ S_inv @ resid)
        dispersion = max(1.0, chi2 / df) if (self.overdispersion and df > 0) else 1.0
        cov = cov * dispersion
        coef_draws = None
        if draws is not None:
            centred = draws @ A.T  # (draws x 2)
            # spread the draw-based coefficients by the same dispersion about the estimate
            coef_draws = coef + (centred - centred.mean(axis=0)) * math.sqrt(dispersion)
        z = normal_quantile(level)
        se = np.sqrt(np.diag(cov))
        b, se_b = float(coef[1]), float(se[1])
        method = f"log-linear trend by GLS ({how}" + (
            f", over-dispersion {dispersion:.3g})" if dispersion > 1 else ")"
        )
        if coef_draws is not None:
            lo_b, hi_b = percentile_interval(coef_draws[:, 1], level)
        else:
            lo_b, hi_b = b - z * se_b, b + z * se_b
        slope = Estimate(
            b,
            lo_b,
            hi_b,
            level,
            f"slope of log value per {self.unit} ({method})",
            None if coef_draws is None else coef_draws[:, 1],
            {"std_error": se_b},
            draws_kind=kind,
            interval_method="wald" if coef_draws is None else "percentile",
        )
        change = Estimate(
            math.expm1(b),
            math.expm1(lo_b),
            math.expm1(hi_b),
            level,
            f"relative change per {self.unit} ({method})",
            None if coef_draws is None else np.expm1(coef_draws[:, 1]),
            {"std_error_log": se_b},
            draws_kind=kind,
            interval_method="log-normal" if coef_draws is None else "percentile",
        )
        fit_se = np.sqrt(np.einsum("ij,jk,ik->i", X, cov, X))
        fitted = pd.DataFrame(
            {
                "time": t,
                "estimate": theta,
                "fitted": np.exp(X @ coef),
                "fitted_lower": np.exp(X @ coef - z * fit_se),
                "fitted_upper": np.exp(X @ coef + z * fit_se),
            }
        )
        coefficients = pd.DataFrame(
            {"estimate": coef, "std_error": se}, index=pd.Index(["intercept", "slope"])
        )
        return TrendResult(
            slope,
            change,
            coefficients,
            fitted,
            cov,
            t0,
            dispersion,
            level,
            method,
            coef_draws,
            kind,
        )


def _check_positive(theta: np.ndarray, names: list[str]) -> None:
    bad = np.flatnonzero(~(theta > 0) | ~np.isfinite(theta))
    if bad.size:
        raise DataError(
            f"a log-linear trend needs positive estimates; {names[int(bad[0])]} is {float(theta[bad[0]]):g}"
        )


def _aligned_log_draws(ests: list[Estimate]) -> np.ndarray | None:
    """Log draws (draws x periods) when every estimate has the same number of positive draws."""
    sizes = {int(e.draws.size) for e in ests if e.draws is not None}
    if len(sizes) != 1:
        return None
    D = np.column_stack([np.asarray(e.draws, dtype=float) for e in ests])
    ok = np.all(np.isfinite(D) & (D > 0), axis=1)
    if ok.mean() < 0.99:
        return None
    return np.log(D[ok])
