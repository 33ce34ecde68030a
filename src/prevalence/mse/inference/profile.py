"""Profile likelihood intervals for the population size (Cormack 1992; Rcapture's ``closedpCI``).

For a log-linear model in which the unobserved cell is ``exp(intercept)``, the multinomial
profile log-likelihood of ``N`` is obtained by adding the unobserved cell with count
``n0 = N - n`` to the table (its design row holds only the intercept), fitting the Poisson
model, and correcting the deviance by Cormack's term:

``loglik(N) = -(deviance(N) - 2 c(N)) / 2``,
``c(N) = log(n0**n0 * N! / (N**N * n0!))``

with Stirling's approximation for ``N > 100`` exactly as Rcapture computes it. The maximum
of ``loglik`` is the multinomial estimate of ``N``; the interval is the set of ``N`` whose
log-likelihood is within ``chi2_1(level) / 2`` of the maximum.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from scipy import optimize, stats
from scipy.special import gammaln

__all__ = ["ProfileResult", "profile_interval", "cormack_correction"]


@dataclass(frozen=True)
class ProfileResult:
    """Multinomial estimate of N and its profile-likelihood limits."""

    estimate: float
    lower: float
    upper: float
    warnings: tuple[str, ...]


def cormack_correction(N: float, n: float) -> float:
    """Cormack's (1992) correction term turning the Poisson deviance into a multinomial one.

    Computed as Rcapture does: exactly for ``N <= 100`` and with Stirling's formula above.
    """
    n0 = N - n
    if N > 100:
        if n0 == 0 or n0 == 1:
            return -N + 0.5 * math.log(2 * math.pi * N)
        return n0 - N - 0.5 * math.log(n0 / N)
    a = n0 * math.log(n0) if n0 > 0 else 0.0
    return a + float(gammaln(N + 1.0)) - N * math.log(N) - float(gammaln(n0 + 1.0))


def profile_interval(
    deviance_at: Callable[[float], float],
    n: float,
    poisson_estimate: float,
    level: float = 0.95,
    upper_factor: float = 3.0,
) -> ProfileResult:
    """Profile-likelihood estimate and interval of N.

    Parameters
    ----------
    deviance_at : callable
        ``deviance_at(n0)`` returns the Poisson deviance of the model fitted to the table
        augmented with the unobserved cell set to ``n0``.
    n : float
        Number of people observed.
    poisson_estimate : float
        The Poisson estimate of N, which brackets the search as in Rcapture: the maximum is
        sought in ``(n, 1.5 N)`` and the upper limit in ``(N_max, upper_factor * N)``,
        extended tenfold when it lies beyond.
    level : float
        Confidence level.
    """
    warnings: list[str] = []

    def loglik(N: float) -> float:
        dev = deviance_at(N - n)
        return -(dev - 2.0 * cormack_correction(N, n)) / 2.0

    hi_search = max(1.5 * poisson_estimate, n + 1.0)
    opt = optimize.minimize_scalar(
        lambda N: -loglik(N), bounds=(n, hi_search), method="bounded", options={"xatol": 1e-7}
    )
    n_max = float(opt.x)
    l_max = -float(opt.fun)
    # the bounded search never evaluates the end point itself
    l_n = loglik(n)
    if l_n > l_max:
        n_max, l_max = float(n), l_n
    cut = l_max - stats.chi2.ppf(level, 1) / 2.0

    def f(N: float) -> float:
        return loglik(N) - cut

    if n_max > n and f(n) < 0:
        lower = optimize.brentq(f, n, n_max, xtol=1e-9, rtol=1e-12)
    else:
        lower = float(n)
        warnings.append(
            "the profile likelihood interval's lower limit is set to the number observed"
        )
    upper = math.nan
    lo_b = n_max
    for factor in (upper_factor, 10 * upper_factor, 100 * upper_factor):
        hi_b = factor * poisson_estimate
        if hi_b <= lo_b:
            continue
        if f(hi_b) < 0:
            upper = optimize.brentq(f, lo_b, hi_b, xtol=1e-9, rtol=1e-12)
            break
        lo_b = hi_b
    if math.isnan(upper):
        upper = math.inf
        warnings.append(
            f"the profile likelihood interval's upper limit lies beyond {100 * upper_factor:g} times the estimate"
        )
    return ProfileResult(
        estimate=n_max, lower=float(lower), upper=float(upper), warnings=tuple(warnings)
    )
