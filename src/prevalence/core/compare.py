"""Baseline-to-endline comparison of two independent estimates.

:func:`compare_estimates` is what every estimator's ``compare`` uses. It works from draws:

* when an estimate carries draws (bootstrap replicates or posterior draws) they are used as
  they are;
* otherwise its sampling distribution is approximated parametrically and sampled with the
  given seed: log-normal, centred on the point estimate, with the spread implied by its
  interval, when estimate and interval are positive (population sizes, prevalences);
  normal with its standard error (or the spread implied by its interval) otherwise.

The two estimates are treated as independent (separate samples or separate lists at two
times). The difference (endline - baseline) and ratio (endline / baseline) then get
equal-tailed percentile intervals at the baseline's level.
"""

from __future__ import annotations

import math

import numpy as np

from .errors import DataError, EstimationError
from .intervals import critical_value, percentile_interval
from .probability import normal_sd
from .random import SeedLike, as_generator
from .results import Comparison, Estimate

__all__ = [
    "compare_estimates",
    "compare_correlated",
    "approximate_draws",
    "draws_for",
    "combined_draws_kind",
    "same_scale",
]

DEFAULT_COMPARISON_DRAWS = 10_000


def approximate_draws(estimate: Estimate, size: int, rng: np.random.Generator) -> np.ndarray:
    """Draws from a parametric approximation to ``estimate``'s sampling distribution.

    Log-normal when the value and both interval limits are positive and finite; normal
    otherwise (standard error from ``details['std_error']`` or from the interval width).
    """
    z = critical_value(estimate.level, None)
    v, lo, hi = estimate.value, estimate.lower, estimate.upper
    if not math.isfinite(v):
        raise EstimationError(f"cannot compare: the estimate is not finite ({v})")
    if all(math.isfinite(x) and x > 0 for x in (v, lo, hi)) and hi > lo:
        sd_log = (math.log(hi) - math.log(lo)) / (2.0 * z)
        return np.exp(rng.normal(math.log(v), sd_log, size))
    se = normal_sd(estimate)
    if math.isnan(se):
        raise EstimationError(
            f"cannot compare an estimate without draws, standard error or finite interval "
            f"(method {estimate.method!r})"
        )
    return rng.normal(v, se, size)


def combined_draws_kind(estimates: list[Estimate], own: list[bool]) -> str:
    """What draws combined from several estimates are (see ``Estimate.draws_kind``).

    ``own[i]`` says whether estimate ``i`` contributed its own draws (otherwise draws of a
    parametric approximation).
    """
    kinds = {
        (e.draws_kind or "approximation") if mine else "approximation"
        for e, mine in zip(estimates, own, strict=True)
    }
    return kinds.pop() if len(kinds) == 1 else "mixed"


def same_scale(estimates: list[Estimate], what: str) -> str | None:
    """The common ``scale`` of ``estimates``; DataError when two of them differ."""
    scales = {e.scale for e in estimates if e.scale is not None}
    if len(scales) > 1:
        raise DataError(
            f"{what} combines estimates on different scales ({', '.join(sorted(scales))}): "
            "a prevalence and a count, say, cannot be subtracted or divided"
        )
    return scales.pop() if scales else None


def draws_for(estimate: Estimate, size: int, rng: np.random.Generator) -> tuple[np.ndarray, bool]:
    """``size`` draws of ``estimate``: its own (resampled when their number differs) or, when it
    has none, of :func:`approximate_draws`; the flag says whether they are its own."""
    if estimate.draws is not None and estimate.draws.size > 0:
        d = np.asarray(estimate.draws, dtype=float)
        if d.size == size:
            return d, True
        return rng.choice(d, size=size, replace=True), True
    return approximate_draws(estimate, size, rng), False


def compare_estimates(
    baseline: Estimate,
    endline: Estimate,
    *,
    seed: SeedLike = None,
    n_draws: int | None = None,
) -> Comparison:
    """Compare two independent estimates: difference and ratio with intervals.

    Parameters
    ----------
    baseline, endline : Estimate
        The two estimates (treated as independent).
    seed : int, Generator or None
        Seed for resampling draws of unequal length and for the parametric approximation.
    n_draws : int, optional
        Number of draws of the difference and ratio. Default: the common number of draws when
        both estimates carry the same number, else 10,000.

    Examples
    --------
    >>> from prevalence import Estimate
    >>> b = Estimate(1000.0, 900.0, 1110.0, method="x")
    >>> e = Estimate(800.0, 700.0, 915.0, method="x")
    >>> c = compare_estimates(b, e, seed=1)
    >>> round(c.ratio.value, 3)
    0.8
    """
    level = baseline.level
    scale = same_scale([baseline, endline], "a comparison")
    rng = as_generator(seed)
    if n_draws is None:
        if (
            baseline.draws is not None
            and endline.draws is not None
            and baseline.draws.size == endline.draws.size
            and baseline.draws.size > 0
        ):
            n_draws = int(baseline.draws.size)
        else:
            n_draws = DEFAULT_COMPARISON_DRAWS
    if n_draws < 2:
        raise ValueError(f"n_draws must be at least 2, got {n_draws}")
    b, b_own = draws_for(baseline, n_draws, rng)
    e, e_own = draws_for(endline, n_draws, rng)
    how = (
        "from draws"
        if (b_own and e_own)
        else ("parametric bootstrap" if not (b_own or e_own) else "draws and parametric bootstrap")
    )
    kind = combined_draws_kind([baseline, endline], [b_own, e_own])
    warnings: list[str] = []
    diff = e - b
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(b > 0, e / b, np.nan)
    n_bad = int(np.count_nonzero(~np.isfinite(ratio)))
    if n_bad:
        warnings.append(
            f"{n_bad} of {n_draws} baseline draws were not positive; the ratio ignores them"
        )
    details = {"n_draws": n_draws, "source": how, "independent": True}
    difference = Estimate(
        value=endline.value - baseline.value,
        lower=percentile_interval(diff, level)[0],
        upper=percentile_interval(diff, level)[1],
        level=level,
        method=f"difference endline - baseline ({how}, percentile interval)",
        draws=diff,
        details=details,
        warnings=(),
        draws_kind=kind,
        scale=scale,
    )
    r_lo, r_hi = percentile_interval(ratio, level)
    ratio_est = Estimate(
        value=endline.value / baseline.value if baseline.value != 0 else math.nan,
        lower=r_lo,
        upper=r_hi,
        level=level,
        method=f"ratio endline / baseline ({how}, percentile interval)",
        draws=ratio,
        details=details,
        warnings=tuple(warnings),
        draws_kind=kind,
        scale="ratio",
    )
    return Comparison(baseline=baseline, endline=endline, difference=difference, ratio=ratio_est)


def compare_correlated(
    baseline: Estimate,
    endline: Estimate,
    var_baseline: float,
    var_endline: float,
    covariance: float,
    *,
    level: float,
    how: str,
    df: float | None = None,
    what: str = "",
) -> Comparison:
    """Difference and ratio of two estimates with a known (co)variance, by the delta method.

    For estimates of one design (a panel's two waves, two domains): the difference has
    variance ``var_b + var_e - 2 cov`` and an interval from t with ``df`` degrees of freedom
    (normal when ``None``); the ratio an interval on the log scale, with variance
    ``var_e / e**2 + var_b / b**2 - 2 cov / (b e)``. ``how`` says where the covariance comes
    from; ``what`` names the quantity (``"prevalences"``) in the method texts.

    Examples
    --------
    >>> from prevalence import Estimate
    >>> b, e = Estimate(0.20, scale="proportion"), Estimate(0.15, scale="proportion")
    >>> c = compare_correlated(b, e, 1e-4, 1e-4, 5e-5, level=0.95, how="one design")
    >>> round(c.difference.std_error, 5)
    0.01
    """
    z = critical_value(level, df)
    interval = "normal interval" if df is None else f"t interval, {df:g} df"
    of = f" of {what}" if what else ""
    scale = same_scale([baseline, endline], "a comparison")
    diff = endline.value - baseline.value
    se_d = math.sqrt(max(var_baseline + var_endline - 2 * covariance, 0.0))
    difference = Estimate(
        diff,
        diff - z * se_d,
        diff + z * se_d,
        level,
        f"difference{of} endline - baseline ({how}, {interval})",
        None,
        {"std_error": se_d, "covariance": covariance, "source": how},
        scale=scale,
    )
    b, e = baseline.value, endline.value
    if b > 0 and e > 0:
        r = e / b
        se_log = math.sqrt(
            max(var_endline / e**2 + var_baseline / b**2 - 2 * covariance / (b * e), 0.0)
        )
        ratio = Estimate(
            r,
            r * math.exp(-z * se_log),
            r * math.exp(z * se_log),
            level,
            f"ratio{of} endline / baseline ({how}, log-scale {interval})",
            None,
            {"std_error_log": se_log, "source": how},
            scale="ratio",
        )
    else:
        nan = math.nan
        ratio = Estimate(nan, nan, nan, level, f"ratio undefined (an estimate{of} is not positive)")
    return Comparison(baseline, endline, difference, ratio)
