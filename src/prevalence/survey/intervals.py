"""Confidence intervals for proportions from complex surveys (R's ``svyciprop`` and relatives)."""

from __future__ import annotations

import math

from scipy import stats

from ..core.intervals import critical_value

__all__ = ["PROPORTION_METHODS", "proportion_interval", "critical_value"]

PROPORTION_METHODS = ("logit", "xlogit", "likelihood", "beta", "wilson", "wald", "asin")


def _expit(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def proportion_interval(
    p: float, se: float, level: float, method: str, *, df: float | None, n: int
) -> tuple[float, float]:
    """Interval for a proportion ``p`` with design-based standard error ``se``.

    Methods, following R's ``svyciprop`` (survey 4.1) where it has them:

    * ``logit`` / ``xlogit``: Wald interval on the logit scale, ``se_logit = se / (p (1 - p))``,
      t quantile with ``df`` design degrees of freedom, back-transformed;
    * ``beta``: Korn and Graubard (1998): Clopper-Pearson with the effective sample size
      ``p (1 - p) / se**2``, adjusted by ``(t_{n-1} / t_df)**2``; for a proportion of 0 or 1
      (no design-based variance) the sample size ``n`` is the effective sample size, so the
      interval exists where R's ``svyciprop`` gives NaN;
    * ``wald`` (R's ``mean``): ``p -/+ t se``;
    * ``asin``: Wald on the arcsine-square-root scale;
    * ``wilson``: Wilson's score interval with the effective sample size and the t quantile
      (not in R's ``svyciprop``; Kott and Carr 1997).

    ``likelihood`` is computed in :func:`prevalence.survey.estimation` because it needs the data.
    """
    if not (0.0 <= p <= 1.0) or not math.isfinite(se):
        return (math.nan, math.nan)
    q = critical_value(level, df)
    alpha = 1.0 - level
    if method in ("logit", "xlogit"):
        if p <= 0.0 or p >= 1.0 or se == 0:
            return (p, p)
        lg = math.log(p / (1.0 - p))
        s = se / (p * (1.0 - p))
        return (_expit(lg - q * s), _expit(lg + q * s))
    if method == "wald":
        return (p - q * se, p + q * se)
    if method == "asin":
        if p <= 0.0 or p >= 1.0 or se == 0:
            return (p, p)
        a = math.asin(math.sqrt(p))
        s = se / (2.0 * math.sqrt(p * (1.0 - p)))
        lo, hi = max(a - q * s, 0.0), min(a + q * s, math.pi / 2)
        return (math.sin(lo) ** 2, math.sin(hi) ** 2)
    if method == "beta":
        if 0.0 < p < 1.0 and se > 0:
            n_eff = p * (1.0 - p) / se**2
        elif p in (0.0, 1.0) and n >= 1:
            # no one (or everyone) has the condition: the design effect is undefined and
            # Korn and Graubard (1998) take the sample size as the effective sample size
            # (R's svyciprop returns NaN here)
            n_eff = float(n)
        else:
            return (p, p)
        if df is not None and math.isfinite(df) and df > 0 and n > 1:
            n_eff *= (stats.t.ppf(alpha / 2, n - 1) / stats.t.ppf(alpha / 2, df)) ** 2
        lo = stats.beta.ppf(alpha / 2, n_eff * p, n_eff * (1.0 - p) + 1.0) if p > 0 else 0.0
        hi = stats.beta.ppf(1 - alpha / 2, n_eff * p + 1.0, n_eff * (1.0 - p)) if p < 1 else 1.0
        return (float(lo), float(hi))
    if method == "wilson":
        if se == 0:
            return (p, p)
        n_eff = p * (1.0 - p) / se**2 if 0 < p < 1 else math.inf
        if not math.isfinite(n_eff):
            return (p, p)
        z2 = q * q
        denom = 1.0 + z2 / n_eff
        centre = (p + z2 / (2 * n_eff)) / denom
        half = q / denom * math.sqrt(p * (1 - p) / n_eff + z2 / (4 * n_eff**2))
        return (centre - half, centre + half)
    raise ValueError(
        f"unknown proportion interval method {method!r}; choose from {PROPORTION_METHODS}"
    )
