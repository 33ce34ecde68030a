"""Interval helpers shared by the estimators."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

__all__ = [
    "REPORTED_PROBS",
    "normal_quantile",
    "critical_value",
    "check_level",
    "percentile_interval",
    "log_transformed_interval",
]


#: The quantiles every estimator reports besides its interval (posterior summaries, the
#: bootstrap's BCa quantiles, the graph-averaging posterior): 2.5, 10, 50, 90 and 97.5%.
REPORTED_PROBS = (0.025, 0.1, 0.5, 0.9, 0.975)


def check_level(level: float) -> float:
    """Validate an interval level and return it as a float in (0, 1)."""
    if isinstance(level, bool | str):  # "0.95" and True are not levels, even if float() takes them
        raise ValueError(f"level must be a number between 0 and 1, got {level!r}")
    try:
        value = float(level)
    except (TypeError, ValueError):
        raise ValueError(f"level must be a number between 0 and 1, got {level!r}") from None
    if not 0.0 < value < 1.0:
        raise ValueError(f"level must lie strictly between 0 and 1, got {level!r}")
    return value


def normal_quantile(level: float) -> float:
    """The two-sided standard normal quantile for ``level`` (1.959964 for 0.95)."""
    return float(stats.norm.ppf(0.5 + check_level(level) / 2.0))


def critical_value(level: float, df: float | None) -> float:
    """Two-sided quantile: Student t with ``df`` design degrees of freedom, normal if ``None`` or infinite."""
    a = (1.0 - level) / 2.0
    if df is None or not math.isfinite(df):
        return float(stats.norm.ppf(1.0 - a))
    if df <= 0:
        return math.nan
    return float(stats.t.ppf(1.0 - a, df))


def percentile_interval(draws: np.ndarray, level: float) -> tuple[float, float]:
    """Equal-tailed percentile interval of ``draws`` (non-finite draws ignored)."""
    d = np.asarray(draws, dtype=float)
    d = d[np.isfinite(d)]
    if d.size == 0:
        return (math.nan, math.nan)
    a = (1.0 - check_level(level)) / 2.0
    lo, hi = np.quantile(d, [a, 1.0 - a])
    return (float(lo), float(hi))


def log_transformed_interval(
    estimate: float, std_error: float, observed: float, level: float
) -> tuple[float, float]:
    """Chao's (1987) log-transformed interval for a population size.

    The unobserved part ``f0 = estimate - observed`` is treated as log-normal with the
    variance implied by ``std_error`` (delta method on the log scale), so the interval is
    ``observed + f0 / C`` to ``observed + f0 * C`` with
    ``C = exp(z * sqrt(log(1 + se**2 / f0**2)))``. This is the interval Rcapture reports for
    its normal-heterogeneity models and CARE-2 for all of them; it never goes below the
    number observed.
    """
    f0 = estimate - observed
    if not (math.isfinite(f0) and math.isfinite(std_error)) or f0 <= 0 or std_error < 0:
        return (math.nan, math.nan)
    z = normal_quantile(level)
    c = math.exp(z * math.sqrt(math.log1p(std_error**2 / f0**2)))
    return (observed + f0 / c, observed + f0 * c)
