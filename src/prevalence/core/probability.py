"""Probabilities of reaching a target: "how likely is it that prevalence fell by at least 20%?".

The answer depends on what the uncertainty is, and a :class:`Probability` says which:

* ``"posterior"``: the share of posterior draws meeting the target, a Bayesian probability
  that the target was met given the data and the prior;
* ``"bootstrap"``: the share of bootstrap replicates meeting it, a frequentist quantity (the
  mass of the estimated sampling distribution, a confidence distribution), not a probability
  that the target was met; for BCa estimates the BCa confidence distribution (the level at
  which the BCa limit reaches the target), so that it agrees with the interval;
* ``"approximation"``: the same from draws of a parametric approximation (log-normal matched
  to an interval) where an estimate had no draws of its own;
* ``"normal"``: from a normal approximation in closed form, ``Phi((threshold - value) / se)``
  (on the log scale for ratios), again a confidence-distribution quantity.

This module sits below :mod:`prevalence.core.results` and knows estimates only through the
attributes it reads (``value``, ``draws``, ``draws_kind``, ``details``, interval).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from .bootstrap import bca_confidence
from .intervals import normal_quantile

__all__ = [
    "Probability",
    "probability_at_most",
    "probability_of_reduction",
    "log_normal_sd",
    "normal_sd",
    "PROBABILITY_KINDS",
]

PROBABILITY_KINDS = ("posterior", "bootstrap", "approximation", "mixed", "normal")

_EXPLAIN = {
    "posterior": "posterior probability",
    "bootstrap": "bootstrap confidence distribution: the share of replicates, BCa-corrected for "
    "BCa estimates (frequentist, not a posterior probability)",
    "approximation": "share of draws from a parametric approximation (frequentist)",
    "mixed": "share of combined bootstrap and posterior draws",
    "normal": "normal approximation to the sampling distribution (frequentist)",
}


@dataclass(frozen=True)
class Probability:
    """A probability with what it is about and what kind of probability it is.

    Attributes
    ----------
    value : float
        The probability.
    event : str
        The event, for example ``"ratio endline / baseline <= 0.8"``.
    kind : {"posterior", "bootstrap", "approximation", "mixed", "normal"}
        Where it comes from (see the module text): only ``"posterior"`` is a Bayesian
        probability that the event happened.
    n_draws : int or None
        Number of draws it was computed from (``None`` for the closed form).
    """

    value: float
    event: str
    kind: str
    n_draws: int | None = None

    @property
    def explanation(self) -> str:
        """What kind of probability this is, in words."""
        return _EXPLAIN[self.kind]

    def __float__(self) -> float:
        return self.value

    def __repr__(self) -> str:
        return f"Probability({self.value:.4f}, {self.event!r}, {self.explanation})"


def log_normal_sd(estimate: Any) -> float:
    """Standard deviation of the log of a positive estimate.

    ``details["std_error_log"]`` when the estimate has it; else from a positive interval,
    ``(log upper - log lower) / (2 z)``; else the delta method, ``std_error / value``.

    Examples
    --------
    >>> from prevalence import Estimate
    >>> round(log_normal_sd(Estimate(100.0, 80.0, 125.0)), 4)
    0.1139
    """
    v = float(estimate.value)
    if not v > 0:
        raise ValueError(f"an estimate of {v} has no log-scale approximation")
    se_log = estimate.details.get("std_error_log")
    if se_log is not None:
        return float(se_log)
    lo, hi = float(estimate.lower), float(estimate.upper)
    if lo > 0 and hi > lo and math.isfinite(hi):
        return (math.log(hi) - math.log(lo)) / (2 * normal_quantile(estimate.level))
    return float(estimate.details.get("std_error", math.nan)) / v


def normal_sd(estimate: Any) -> float:
    """Standard deviation of a normal approximation: ``details["std_error"]``, else the
    interval's width over ``2 z``; ``nan`` when the estimate has neither."""
    se = float(estimate.details.get("std_error", math.nan))
    if math.isfinite(se) and se >= 0:
        return se
    lo, hi = float(estimate.lower), float(estimate.upper)
    if math.isfinite(lo) and math.isfinite(hi) and hi >= lo:
        return (hi - lo) / (2 * normal_quantile(estimate.level))
    return math.nan


def _normal_parts(estimate: Any, log: bool) -> tuple[float, float]:
    """Centre and standard deviation of a normal approximation (log scale if ``log``)."""
    v = float(estimate.value)
    if log:
        return math.log(v) if v > 0 else math.nan, log_normal_sd(estimate)
    se = normal_sd(estimate)
    if math.isnan(se):
        raise ValueError(
            "the estimate has no draws, standard error or finite interval to compute a "
            "probability from"
        )
    return v, se


def probability_at_most(
    estimate: Any, threshold: float, *, log: bool = False, event: str | None = None
) -> Probability:
    """Probability that the quantity ``estimate`` estimates is at most ``threshold``.

    From the estimate's draws when it has them (non-finite draws ignored), otherwise from a
    normal approximation (``log=True``: on the log scale, for ratios and other positive
    quantities).

    Examples
    --------
    >>> from prevalence import Estimate
    >>> est = Estimate(-0.05, -0.09, -0.01, details={"std_error": 0.02})
    >>> p = probability_at_most(est, 0.0)
    >>> round(p.value, 4), p.kind
    (0.9938, 'normal')
    """
    threshold = float(threshold)
    event = event or f"value <= {threshold:g}"
    draws = estimate.draws
    if draws is not None and draws.size > 0:
        d = np.asarray(draws, dtype=float)
        d = d[np.isfinite(d)]
        if d.size == 0:
            raise ValueError("the estimate's draws are all non-finite")
        kind = estimate.draws_kind or "approximation"
        bca = estimate.details.get("bca") if estimate.interval_method == "bca" else None
        if isinstance(bca, Mapping) and kind == "bootstrap":
            # The BCa interval's confidence distribution, so that the probability agrees
            # with the interval: P(value <= threshold) < 2.5% exactly when the threshold
            # lies below the 95% interval.
            z0, a = float(bca["bias_correction"]), float(bca["acceleration"])
            if math.isfinite(z0) and math.isfinite(a):
                return Probability(bca_confidence(d, z0, a, threshold), event, kind, int(d.size))
        return Probability(float(np.mean(d <= threshold)), event, kind, int(d.size))
    centre, sd = _normal_parts(estimate, log)
    x = math.log(threshold) if log else threshold
    if log and not threshold > 0:
        return Probability(0.0, event, "normal")
    if sd == 0:
        return Probability(float(centre <= x), event, "normal")
    return Probability(float(stats.norm.cdf((x - centre) / sd)), event, "normal")


def probability_of_reduction(
    difference: Any, ratio: Any, by: float | None, absolute: float | None
) -> Probability:
    """Probability of a relative (``by``) or absolute (``absolute``) reduction; see
    :meth:`prevalence.Comparison.probability_reduced`."""
    if (by is None) == (absolute is None):
        raise ValueError("give exactly one of by= (a relative reduction) or absolute=")
    if by is not None:
        by = float(by)
        if not 0.0 <= by < 1.0:
            raise ValueError(f"by must be a fraction in [0, 1), got {by!r}")
        return probability_at_most(
            ratio, 1.0 - by, log=True, event=f"fell by at least {100 * by:g}% (ratio <= {1 - by:g})"
        )
    assert absolute is not None
    absolute = float(absolute)
    if not (math.isfinite(absolute) and absolute >= 0):
        raise ValueError(f"absolute must be a non-negative number, got {absolute!r}")
    return probability_at_most(
        difference,
        -absolute,
        event=f"fell by at least {absolute:g} (difference <= {-absolute:g})",
    )
