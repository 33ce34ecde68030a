"""Population size from a respondent-driven sample alone: successive-sampling population size
estimation (SS-PSE; Handcock, Gile and Mar 2014, the model of R's ``sspse`` without a
measurement-error model for the degrees).

An RDS sample is taken as a successive sample: units are drawn without replacement with
probability proportional to their size (their network degree). Degrees that fall as the
sample goes on say how much of the population is left: a population barely larger than the
sample runs out of high-degree units quickly. The model:

* the population has ``N`` units whose sizes are drawn from a degree distribution ``pi`` on
  ``1..K`` (a Conway-Maxwell-Poisson distribution with parameters ``(lambda, nu)``, the
  mass above ``K`` gathered at ``K``, as the reported degrees are capped at ``K``);
* the ``n`` sampled units appear in the order observed with probability
  ``prod_k d_k / (T - S_(k-1))``, ``T`` the population's total size and ``S`` the sizes
  sampled before;
* priors on ``N`` (the sample share ``n / N`` beta, set by a prior median, as ``sspse``; or
  flat up to a maximum; or any weights) and on the degree distribution's mean and standard
  deviation (normal and scaled inverse chi-square with their prior degrees of freedom, as
  ``sspse``'s ``mean.prior.visibility``, ``sd.prior.visibility``, ``df.*``).

The posterior is sampled by the data augmentation of Handcock, Gile and Mar (2014):
``1 / (T - S) = integral of exp(-phi (T - S))``, so that given ``r = sum(phi)`` the unseen
units' sizes are independent (``pi(u) exp(-r u)``) and ``N`` has a closed-form conditional.
One sweep draws, in turn, the degree distribution given every unit's size (random-walk
Metropolis on ``(log lambda, nu)``), then ``N`` given ``r`` with the unseen sizes summed out
and the unseen sizes given ``N`` (one block), then ``r`` given the sizes: each a full
conditional of the augmented posterior. Hand-written and compiled with numba: a discrete
``N`` and thousands of latent sizes are not a PyMC model, and ``sspse``'s own sampler is of
this kind.
"""

from __future__ import annotations

import functools
import math
import warnings
from typing import Any

import numba as nb
import numpy as np
import pandas as pd

from ..core.checks import whole_number
from ..core.errors import DataError, EstimationWarning
from ..core.estimator import Estimator
from ..core.imports import import_arviz
from ..core.intervals import check_level
from ..core.mcmc import chain_diagnostics, convergence_diagnostics, convergence_warnings
from ..core.random import SeedLike, as_generator
from ..core.results import Estimate
from .details import SSPSEDetails

__all__ = ["SSPSE", "size_prior_weights"]


@nb.njit(cache=True)
def _degree_distribution(
    log_lam: float, nu: float, K: int, log_factorial: np.ndarray
) -> np.ndarray:  # pragma: no cover - compiled
    """CMP(lambda, nu) probabilities of sizes 1..K, the mass above K gathered at K (summed over
    the sizes of ``log_factorial``: ``log(j!)`` for ``j = 1..max(2K, K + 200)``)."""
    top = log_factorial.size
    logs = np.empty(top)
    for j in range(top):
        logs[j] = (j + 1) * log_lam - nu * log_factorial[j]
    peak = logs.max()
    total = 0.0
    for j in range(top):
        logs[j] = math.exp(logs[j] - peak)
        total += logs[j]
    p = np.empty(K)
    tail = 0.0
    for j in range(top):
        if j < K - 1:
            p[j] = logs[j] / total
        else:
            tail += logs[j]
    p[K - 1] = tail / total
    return p


@nb.njit(cache=True)
def _log_prior_theta(
    p: np.ndarray, mu0: float, df_mu: float, sigma0: float, df_sigma: float
) -> float:  # pragma: no cover
    """sspse's prior of the degree distribution, at the distribution's mean and variance:
    scaled inverse chi-square(df_sigma, sigma0^2) for the variance, normal(mu0, sd / sqrt(df_mu))
    for the mean (df_mu 0: no prior on the mean)."""
    mean = 0.0
    second = 0.0
    for k in range(p.size):
        mean += p[k] * (k + 1)
        second += p[k] * (k + 1) * (k + 1)
    var = second - mean * mean
    if not var > 0.0:
        return -math.inf
    # log density of the scaled inverse chi-square: chi-square density of df s^2 / x times
    # the Jacobian df s^2 / x^2
    x = df_sigma * sigma0 * sigma0 / var
    half = df_sigma / 2.0
    lp = (half - 1.0) * math.log(x) - x / 2.0 - half * math.log(2.0) - math.lgamma(half)
    lp += math.log(df_sigma * sigma0 * sigma0 / (var * var))
    if df_mu > 0.0:
        sd = math.sqrt(var / df_mu)
        z = (mean - mu0) / sd
        lp += -0.5 * z * z - math.log(sd) - 0.5 * math.log(2.0 * math.pi)
    return lp


@nb.njit(cache=True)
def _total_size(unseen: np.ndarray) -> float:  # pragma: no cover - compiled
    """The summed size of the unseen units (``unseen[k]`` of them have size ``k + 1``)."""
    total = 0.0
    for k in range(unseen.size):
        total += (k + 1) * unseen[k]
    return total


@nb.njit(cache=True)
def _draw_r(t_unseen: float, after: np.ndarray) -> float:  # pragma: no cover - compiled
    """The augmentation variable r given every size: a sum over the sampled units of an
    exponential draw over the size left unsampled when each was drawn."""
    r = 0.0
    for i in range(after.size):
        r += np.random.exponential(1.0) / (t_unseen + after[i])
    return r


@nb.njit(cache=True)
def _sspse_chain(
    d: np.ndarray,
    K: int,
    log_prior_m: np.ndarray,
    mu0: float,
    df_mu: float,
    sigma0: float,
    df_sigma: float,
    log_lam: float,
    nu: float,
    lam_step: float,
    nu_step: float,
    theta_steps: int,
    warmup: int,
    draws: int,
    thin: int,
    seed: int,
    prior_mode: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """One chain: draws of N, the degree distribution's mean and sd, and the acceptance rate
    of its Metropolis steps. ``d``: the sample's sizes (1..K) in sampling order; ``log_prior_m``:
    the log prior of ``m = N - n`` for ``m = 0, 1, ...``; ``theta_steps`` 0 holds the degree
    distribution at ``(log_lam, nu)``; ``prior_mode``: the index of the prior's largest weight
    beyond which it never rises again (-1: no such index, every ``m`` is evaluated)."""
    np.random.seed(seed)
    n = d.size
    n_m = log_prior_m.size
    log_factorial = np.empty(max(2 * K, K + 200))
    for j in range(log_factorial.size):
        log_factorial[j] = math.lgamma(j + 2.0)
    # the parts of log P(m | r, theta) that do not change: log (n+m)!/m! + log prior(m)
    fixed = np.empty(n_m)
    for j in range(n_m):
        fixed[j] = math.lgamma(n + j + 1.0) - math.lgamma(j + 1.0) + log_prior_m[j]
    nk = np.zeros(K, dtype=np.int64)  # sizes of the sampled units
    for i in range(n):
        nk[d[i] - 1] += 1
    after = np.empty(n)  # sizes of the sampled units from k on: T - S_(k-1) = tU + after[k]
    acc = 0.0
    for i in range(n - 1, -1, -1):
        acc += d[i]
        after[i] = acc
    p = _degree_distribution(log_lam, nu, K, log_factorial)
    lp_theta = _log_prior_theta(p, mu0, df_mu, sigma0, df_sigma)
    # start: as many unseen units as seen, sizes from the degree distribution
    m = min(n, n_m - 1)
    unseen = np.zeros(K, dtype=np.int64)
    cum = np.cumsum(p)
    for _ in range(m):
        u = np.random.random() * cum[-1]
        k = 0
        while k < K - 1 and cum[k] < u:
            k += 1
        unseen[k] += 1
    t_unseen = _total_size(unseen)
    r = _draw_r(t_unseen, after)
    out_n = np.empty(draws)
    out_mu = np.empty(draws)
    out_sd = np.empty(draws)
    accepted = 0
    proposed = 0
    lpm = np.empty(n_m)
    tilted = np.empty(K)
    total_steps = warmup + draws * thin
    scale = 1.0  # of the degree distribution's proposal, adapted during the warm-up
    window_accepted = 0
    window_proposed = 0
    jump_share = 0.1  # the largest birth or death as a share of N, adapted likewise
    jump_accepted = 0
    jump_proposed = 0
    for step in range(total_steps):
        # 1. the degree distribution given every unit's size
        for _ in range(theta_steps):
            lam_star = log_lam + scale * lam_step * np.random.standard_normal()
            nu_star = nu * math.exp(scale * nu_step * np.random.standard_normal())
            p_star = _degree_distribution(lam_star, nu_star, K, log_factorial)
            lp_star = _log_prior_theta(p_star, mu0, df_mu, sigma0, df_sigma)
            ratio = lp_star - lp_theta + math.log(nu_star / nu)  # log-normal proposal of nu
            for k in range(K):
                c = nk[k] + unseen[k]
                if c > 0:
                    ratio += c * (math.log(p_star[k]) - math.log(p[k]))
            proposed += 1
            window_proposed += 1
            if ratio >= 0.0 or math.log(np.random.random()) < ratio:
                log_lam, nu, p, lp_theta = lam_star, nu_star, p_star, lp_star
                accepted += 1
                window_accepted += 1
        if step < warmup and window_proposed >= 100:
            rate_now = window_accepted / window_proposed
            if rate_now < 0.2:
                scale *= 0.7
            elif rate_now > 0.4:
                scale *= 1.3
            window_accepted = 0
            window_proposed = 0
        # 1b. N by births and deaths of unseen units with r summed out: the target of
        # (m, sizes) is prior(m) (n+m)!/m! prod pi(u) prod_k 1 / (T + after_k); a birth
        # appends j units with sizes from pi, a death removes j of them (the sizes are
        # redrawn every sweep, so which j does not matter), so the pi terms cancel
        for _ in range(5):
            # a jump of up to a share of the current size (so the moves scale with N, whose
            # posterior is skewed); the reverse move's range enters the acceptance
            reach = max(1, int(jump_share * (n + m)))
            j = 1 + int(np.random.random() * reach)
            jump_proposed += 1
            if np.random.random() < 0.5:  # birth
                if m + j > n_m - 1:
                    continue
                added = np.zeros(K, dtype=np.int64)
                grow = 0.0
                left_j = j
                rest = 1.0
                for k in range(K):  # j sizes from pi, as counts (a multinomial draw)
                    if left_j == 0:
                        break
                    if k == K - 1 or rest <= 0.0:
                        added[k] = left_j
                    else:
                        added[k] = np.random.binomial(left_j, min(max(p[k] / rest, 0.0), 1.0))
                    left_j -= added[k]
                    rest -= p[k]
                    grow += (k + 1) * added[k]
                back = max(1, int(jump_share * (n + m + j)))
                if j > back:
                    continue
                log_a = fixed[m + j] - fixed[m] + math.log(reach / back)
                for i in range(n):
                    log_a += math.log((t_unseen + after[i]) / (t_unseen + grow + after[i]))
                if log_a >= 0.0 or math.log(np.random.random()) < log_a:
                    jump_accepted += 1
                    m += j
                    t_unseen += grow
                    for k in range(K):
                        unseen[k] += added[k]
            else:  # death of j units drawn at random from the unseen
                if m - j < 0:
                    continue
                removed = np.zeros(K, dtype=np.int64)
                shrink = 0.0
                left_j = j
                left = m
                for k in range(K):  # j of the unseen at random, as counts (hypergeometric)
                    if left_j == 0:
                        break
                    if unseen[k] > 0:
                        removed[k] = np.random.hypergeometric(unseen[k], left - unseen[k], left_j)
                    left_j -= removed[k]
                    left -= unseen[k]
                    shrink += (k + 1) * removed[k]
                back = max(1, int(jump_share * (n + m - j)))
                if j > back:
                    continue
                log_a = fixed[m - j] - fixed[m] + math.log(reach / back)
                for i in range(n):
                    log_a += math.log((t_unseen + after[i]) / (t_unseen - shrink + after[i]))
                if log_a >= 0.0 or math.log(np.random.random()) < log_a:
                    jump_accepted += 1
                    m -= j
                    t_unseen -= shrink
                    for k in range(K):
                        unseen[k] -= removed[k]
        if step < warmup and jump_proposed >= 100:
            rate_now = jump_accepted / jump_proposed
            if rate_now < 0.2:
                jump_share *= 0.7
            elif rate_now > 0.4:
                jump_share = min(jump_share * 1.3, 0.9)
            jump_accepted = 0
            jump_proposed = 0
        # r given every size (the births and deaths changed them)
        r = _draw_r(t_unseen, after)
        # 2. N given r, the unseen sizes summed out: P(m) ∝ prior(m) (n+m)!/m! gamma(r)^m
        gamma = 0.0
        for k in range(K):
            tilted[k] = p[k] * math.exp(-r * (k + 1))
            gamma += tilted[k]
        log_gamma = math.log(gamma)
        # log (n+m)!/m! + m log gamma is concave in m with its peak near
        # (gamma (n+1) - 1) / (1 - gamma), and the prior never rises beyond prior_mode: past
        # both, P(m) only falls, so the scan stops once it is 1e-17 of the largest term
        peak_m = (gamma * (n + 1.0) - 1.0) / (1.0 - gamma) if gamma < 1.0 else n_m
        beyond = max(peak_m, prior_mode) if prior_mode >= 0 else n_m
        top = -math.inf
        last = n_m - 1
        for j in range(n_m):
            lpm[j] = j * log_gamma + fixed[j]
            if lpm[j] > top:
                top = lpm[j]
            elif j > beyond and lpm[j] < top - 40.0:
                last = j
                break
        # given r, N is concentrated (a spread of about sqrt(N)): only the terms within
        # e^-40 of the largest are exponentiated (the rest add less than 1e-17 of the total),
        # which saves most of the time of a sweep when the posterior of N is wide
        first = 0
        while lpm[first] < top - 40.0:
            first += 1
        end = last
        while lpm[end] < top - 40.0:
            end -= 1
        total = 0.0
        for j in range(first, end + 1):
            lpm[j] = math.exp(lpm[j] - top)
            total += lpm[j]
        u = np.random.random() * total
        acc = 0.0
        m = end
        for j in range(first, end + 1):
            acc += lpm[j]
            if u <= acc:
                m = j
                break
        # 3. the unseen sizes given N and r: m draws from pi(u) exp(-r u), as counts
        left = m
        mass = gamma
        for k in range(K):
            if left == 0 or k == K - 1:
                unseen[k] = left
                left = 0
                continue
            share = tilted[k] / mass if mass > 0.0 else 1.0
            share = min(max(share, 0.0), 1.0)
            unseen[k] = np.random.binomial(left, share)
            left -= unseen[k]
            mass -= tilted[k]
        t_unseen = _total_size(unseen)
        # 4. r given every size
        r = _draw_r(t_unseen, after)
        if step >= warmup and (step - warmup) % thin == 0:
            j = (step - warmup) // thin
            mean = 0.0
            second = 0.0
            for k in range(K):
                mean += p[k] * (k + 1)
                second += p[k] * (k + 1) * (k + 1)
            out_n[j] = n + m
            out_mu[j] = mean
            out_sd[j] = math.sqrt(max(second - mean * mean, 0.0))
    rate = np.empty(1)
    rate[0] = accepted / proposed if proposed > 0 else math.nan
    return out_n, out_mu, out_sd, rate


def size_prior_weights(
    n: int,
    *,
    median: float | None = None,
    mode: float | None = None,
    quartiles: tuple[float, float] | None = None,
    beta_parameters: tuple[float, float] | None = None,
    maximum: int | None = None,
    kind: str = "beta",
) -> np.ndarray:
    """Prior weights of the population size ``N = n, n + 1, ...``: the log prior of
    ``m = N - n`` for ``m = 0, 1, ...`` (normalised).

    ``kind="beta"`` (Handcock, Gile and Mar 2014; ``sspse``'s default): the sample share
    ``n / N`` is Beta(alpha, beta), the density of ``N`` taken at the middle of each whole
    number as ``sspse`` does, set by one of

    * ``median``: ``alpha = median / (median - n)`` and ``beta`` such that the prior median is
      ``median`` (``sspse``'s ``median.prior.size``; it finds beta by ``optimize`` to 0.01,
      here it is solved exactly);
    * ``mode``: the same ``alpha`` with ``mode``, and ``beta = mode (alpha + 1) / n - alpha``,
      where the density of ``N`` peaks (``mode.prior.size``; closed form here);
    * ``quartiles``: ``alpha`` and ``beta`` such that the prior's quartiles are the two
      numbers (``quartiles.prior.size``; ``sspse`` fits them by ``optim`` to about 10, here
      they are solved to 1e-8);
    * ``beta_parameters``: ``(alpha, beta)`` themselves (``dsizeprior``'s ``alpha``, ``beta``).

    The support ends where the prior density falls below 1e-3 of its mode (or at ``maximum``;
    ``sspse`` ends it at about 1e-2). ``kind="flat"``: every ``N`` from ``n`` to ``maximum``
    equally likely.

    Examples
    --------
    >>> w = size_prior_weights(100, median=400)  # N = 399 stands for [399, 400]
    >>> round(float(np.cumsum(np.exp(w))[399 - 100]), 6)
    0.5
    >>> int(100 + np.argmax(size_prior_weights(100, mode=300)))
    300
    >>> np.exp(size_prior_weights(10, maximum=19, kind="flat")).round(2).tolist()[:3]
    [0.1, 0.1, 0.1]
    """
    q = None if quartiles is None else tuple(float(v) for v in quartiles)
    ab = None if beta_parameters is None else tuple(float(v) for v in beta_parameters)
    return np.array(_size_prior_weights(int(n), median, mode, q, ab, maximum, kind))


def _beta_parameters(
    n: int,
    median: float | None,
    mode: float | None,
    quartiles: tuple[float, ...] | None,
    parameters: tuple[float, ...] | None,
) -> tuple[float, float, float]:
    """(alpha, beta, a typical size) of the beta prior on the sample share set by one of
    ``median``, ``mode`` or ``quartiles``; ``beta`` is nan when the median sets it (solved
    on the discretised weights by the caller)."""
    from scipy.optimize import least_squares
    from scipy.stats import beta as beta_dist

    given = [name for name, v in (("median", median), ("mode", mode), ("quartiles", quartiles),
                                  ("beta_parameters", parameters)) if v is not None]  # fmt: skip
    if len(given) != 1:
        raise DataError(
            "a beta prior on the population size is set by one of median=, mode=, "
            f"quartiles= or beta_parameters=, got {given or 'none'}"
        )
    if parameters is not None:
        if len(parameters) != 2 or not all(math.isfinite(v) and v > 0 for v in parameters):
            raise DataError(f"beta_parameters must be two positive numbers, got {parameters!r}")
        a, b = parameters
        # a typical size for the search of the support: the prior median, roughly
        return float(a), float(b), n * (1 + b / a)
    if quartiles is not None:
        if len(quartiles) != 2 or not all(math.isfinite(v) for v in quartiles):
            raise DataError(f"quartiles must be two numbers, got {quartiles!r}")
        q1, q3 = sorted(quartiles)
        if not n < q1 < q3:
            raise DataError(
                f"the prior quartiles of the population size must exceed the sample size {n} "
                f"and differ, got {quartiles!r}"
            )

        def gap(log_ab: np.ndarray) -> np.ndarray:
            a, b = np.exp(log_ab)
            # N = n / share: N's quartiles are n over the share's 75% and 25% quantiles
            return np.log(n / beta_dist.ppf([0.75, 0.25], a, b)) - np.log([q1, q3])

        fit = least_squares(gap, np.log([2.0, 2.0]), xtol=1e-12, ftol=1e-12, gtol=1e-12)
        if np.max(np.abs(fit.fun)) > 1e-8:
            raise DataError(f"no beta prior has the quartiles {quartiles!r}")
        a, b = np.exp(fit.x)
        return float(a), float(b), (q1 + q3) / 2
    centre = float(median if median is not None else mode)  # type: ignore[arg-type]
    what = "median" if median is not None else "mode"
    if not math.isfinite(centre) or centre <= n:
        raise DataError(
            f"the prior {what} of the population size must exceed the sample size {n}, got "
            f"{centre!r}"
        )
    alpha = centre / (centre - n)
    if mode is not None:
        return alpha, centre * (alpha + 1) / n - alpha, centre
    return alpha, math.nan, centre


@functools.lru_cache(maxsize=64)
def _size_prior_weights(
    n: int,
    median: float | None,
    mode: float | None,
    quartiles: tuple[float, ...] | None,
    parameters: tuple[float, ...] | None,
    maximum: int | None,
    kind: str,
) -> np.ndarray:
    """:func:`size_prior_weights`, kept for repeated calls (a study fits the same prior many
    times, and solving for beta takes a good part of a second)."""
    if kind == "flat":
        if maximum is None or int(maximum) <= n:
            raise DataError(
                f"a flat prior on the population size needs maximum > the sample size {n}, "
                f"got {maximum!r}"
            )
        m = int(maximum) - n + 1
        return np.full(m, -math.log(m))
    if kind != "beta":
        raise DataError(f"kind must be 'beta' or 'flat', got {kind!r}")
    from scipy.optimize import brentq
    from scipy.special import betaln

    alpha, beta, centre = _beta_parameters(n, median, mode, quartiles, parameters)

    def log_weights(beta: float, top: int) -> np.ndarray:
        x = np.arange(n, top + 1) + 0.5  # as sspse: the density at the middle of each N
        return (beta - 1) * np.log(x - n) - (alpha + beta) * np.log(x) - betaln(alpha, beta)

    def support(beta: float) -> int:
        top = max(int(4 * centre), n + 10)
        while True:
            w = log_weights(beta, top)
            if w[-1] - w.max() < math.log(1e-3) or top > 10**8:
                return top
            top *= 2

    if median is not None:

        def median_gap(beta: float) -> float:
            w = log_weights(beta, support(beta))
            c = np.cumsum(np.exp(w - w.max()))
            return float(n + np.searchsorted(c, 0.5 * c[-1]) + 0.5 - median)

        beta = brentq(median_gap, 1e-3, 1e3, xtol=1e-10)
    top = support(beta) if maximum is None else int(maximum)
    if top <= n:
        raise DataError(f"the largest population size {top} must exceed the sample size {n}")
    w = log_weights(beta, top)
    w -= w.max()
    return w - math.log(np.exp(w).sum())


class SSPSE(Estimator):
    """Population size from a respondent-driven sample by successive-sampling population size
    estimation (Handcock, Gile and Mar 2014), as R's ``sspse::posteriorsize(...,
    visibility = FALSE)``.

    Parameters
    ----------
    degree : str
        Column of the respondents' reported degrees (personal network sizes).
    order : str, optional
        Column giving the order in which respondents were sampled; default the rows' order
        (RDS data are kept in recruitment order).
    median_size : float, optional
        Prior median of the population size (the beta prior on the sample share, as
        ``sspse``'s ``median.prior.size``). One of ``median_size``, ``mode_size`` or
        ``quartiles_size`` is required unless ``max_size`` with ``size_prior="flat"`` or
        ``prior_weights`` is given.
    mode_size : float, optional
        Prior mode of the population size (``sspse``'s ``mode.prior.size``).
    quartiles_size : tuple of float, optional
        Prior quartiles of the population size (``sspse``'s ``quartiles.prior.size``).
    size_prior : {"beta", "flat"}
        The prior family of the population size.
    max_size : int, optional
        Largest population size considered (the flat prior's upper end; for the beta prior,
        default where the prior density falls below 1e-3 of its mode).
    prior_weights : array, optional
        Log prior weights of ``N = n, n + 1, ...`` (any prior; overrides the others).
    K : int, optional
        Cap of the degrees: larger reported degrees count as ``K`` (their influence capped, as
        ``sspse``; the degree distribution's mass above ``K`` sits at ``K``). Default the
        larger of 35 and the 95th percentile of the reported degrees: ``sspse`` 1.1.0-6's
        ``posteriorsize`` uses 35 unless ``mem.optimism.prior`` is given, which caps almost
        every degree of a study whose degrees run into the hundreds.
    mean_prior_degree, sd_prior_degree : float, optional
        Prior mean and standard deviation of the degree distribution's mean and standard
        deviation (``sspse``'s ``mean.prior.visibility``, ``sd.prior.visibility``); default
        the sample's degree-weighted (RDS-II) mean and standard deviation of the capped
        degrees.
    df_mean_prior, df_sd_prior : float
        Their prior degrees of freedom (``sspse``'s defaults 1 and 3).
    draws, warmup, thin, chains : int
        Kept draws per chain, warm-up sweeps, sweeps between kept draws, chains (default
        4 x 1,000 draws, every 20th sweep: an effective sample size of N above 400 on
        ``sspse``'s example; about 4 s for 500 respondents).
    level : float
        Credible level (equal-tailed).
    seed : int, Generator or None
        The same seed gives the same draws.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(3)
    >>> population = rng.poisson(8, 600) + 1  # degrees of 600 people, 250 drawn by degree
    >>> order = rng.choice(600, size=250, replace=False, p=population / population.sum())
    >>> sample = pd.DataFrame({"degree": population[order]})
    >>> est = SSPSE("degree", median_size=800, draws=500, chains=2, seed=1).fit(sample)
    >>> bool(est.lower < 600 < est.upper), est.details["n"]
    (True, 250)
    """

    input_kinds = ("rds",)
    details_schema = SSPSEDetails
    #: What the method assumes, in words (the run report's methods section).
    assumptions = (
        "Successive-sampling population size estimation (Handcock, Gile and Mar 2014): the "
        "RDS sample is taken as drawn without replacement with probability proportional to "
        "degree, degrees are reported correctly, and the population's degrees follow a "
        "Conway-Maxwell-Poisson distribution; the estimate rests on the prior on the size "
        "where the decline of degrees over the sample is weak."
    )

    def __init__(
        self,
        degree: str = "degree",
        *,
        order: str | None = None,
        median_size: float | None = None,
        mode_size: float | None = None,
        quartiles_size: tuple[float, float] | None = None,
        size_prior: str = "beta",
        max_size: int | None = None,
        prior_weights: Any = None,
        K: int | None = None,
        mean_prior_degree: float | None = None,
        sd_prior_degree: float | None = None,
        df_mean_prior: float = 1.0,
        df_sd_prior: float = 3.0,
        draws: int = 1000,
        warmup: int = 1000,
        thin: int = 20,
        chains: int = 4,
        level: float = 0.95,
        seed: SeedLike = None,
    ) -> None:
        for name, value in (("draws", draws), ("warmup", warmup), ("thin", thin),
                            ("chains", chains)):  # fmt: skip
            whole_number(name, value, 0 if name == "warmup" else 1)
        if size_prior not in ("beta", "flat"):
            raise DataError(f"size_prior must be 'beta' or 'flat', got {size_prior!r}")
        given = [v for v in (median_size, mode_size, quartiles_size) if v is not None]
        if prior_weights is None and size_prior == "beta" and len(given) != 1:
            raise DataError(
                "SSPSE needs prior information on the population size: one of median_size=, "
                "mode_size= or quartiles_size= (the beta prior on the sample share), or "
                f"size_prior='flat' with max_size=, or prior_weights= (got {len(given)} of "
                "the first three)"
            )
        if size_prior == "flat" and prior_weights is None and max_size is None:
            raise DataError("size_prior='flat' needs max_size=")
        if K is not None and (int(K) != K or K < 2):
            raise DataError(f"K must be a whole number of at least 2, got {K!r}")
        for prior_name, prior_df in (
            ("df_mean_prior", df_mean_prior),
            ("df_sd_prior", df_sd_prior),
        ):
            if not (
                math.isfinite(prior_df)
                and prior_df >= (0.0 if prior_name == "df_mean_prior" else 1e-9)
            ):
                raise DataError(f"{prior_name} must be a positive number, got {prior_df!r}")
        self.degree = degree
        self.order = order
        self.median_size = median_size
        self.mode_size = mode_size
        self.quartiles_size = quartiles_size
        self.size_prior = size_prior
        self.max_size = max_size
        self.prior_weights = prior_weights
        self.K = K
        self.mean_prior_degree = mean_prior_degree
        self.sd_prior_degree = sd_prior_degree
        self.df_mean_prior = float(df_mean_prior)
        self.df_sd_prior = float(df_sd_prior)
        self.draws = int(draws)
        self.warmup = int(warmup)
        self.thin = int(thin)
        self.chains = int(chains)
        self.level = check_level(level)
        self.seed = seed

    def _degrees(self, data: Any) -> np.ndarray:
        frame = data.data if hasattr(data, "data") and not isinstance(data, pd.DataFrame) else data
        if not isinstance(frame, pd.DataFrame):
            raise DataError(f"SSPSE.fit expects a DataFrame, got {type(data).__name__}")
        for column in (self.degree, self.order):
            if column is not None and column not in frame.columns:
                raise DataError(f"column {column!r} not found; the data have {list(frame.columns)}")
        if self.order is not None:
            frame = frame.sort_values(self.order, kind="stable")
        values = pd.to_numeric(frame[self.degree], errors="coerce").to_numpy(dtype=float)
        bad = np.flatnonzero(~np.isfinite(values) | (values < 0) | (values != np.round(values)))
        if bad.size:
            raise DataError(
                f"column {self.degree!r} row {frame.index[bad[0]]!r}: degrees must be whole "
                f"numbers >= 0, got {frame[self.degree].iloc[bad[0]]!r}"
            )
        if values.size < 10:
            raise DataError(f"SSPSE needs at least 10 respondents, got {values.size}")
        return np.maximum(values, 1.0).astype(np.int64)  # a degree of 0 counts as 1 (sspse)

    def _prior_degree(self, d: np.ndarray) -> tuple[float, float]:
        """The degree distribution's prior mean and sd: given, or the RDS-II (1/degree
        weighted) mean and sd of the capped degrees (the population's, not the sample's,
        which over-represents high degrees)."""
        w = 1.0 / d
        mean = float((d * w).sum() / w.sum())
        sd = float(np.sqrt(max((d * d * w).sum() / w.sum() - mean**2, 1e-6)))
        return (
            float(self.mean_prior_degree) if self.mean_prior_degree is not None else mean,
            float(self.sd_prior_degree) if self.sd_prior_degree is not None else sd,
        )

    def fit(self, data: Any) -> Estimate:
        """Sample the posterior of the population size."""
        az = import_arviz()
        raw = self._degrees(data)
        n = raw.size
        K = int(self.K) if self.K is not None else max(35, int(round(np.quantile(raw, 0.95))))
        d = np.minimum(raw, K)
        if self.prior_weights is not None:
            log_prior_m = np.asarray(self.prior_weights, dtype=float).ravel()
            if (
                log_prior_m.size < 2
                or np.isfinite(log_prior_m).sum() < 1
                or not np.all(np.isfinite(log_prior_m) | (log_prior_m == -np.inf))
            ):
                raise DataError(
                    "prior_weights must be log weights of N = n, n + 1, ... (at least two, "
                    "finite or -inf, some finite)"
                )
            prior_text = f"supplied weights on N = {n}..{n + log_prior_m.size - 1}"
        elif self.size_prior == "flat":
            log_prior_m = size_prior_weights(n, maximum=self.max_size, kind="flat")
            prior_text = f"flat on N = {n}..{self.max_size}"
        else:
            log_prior_m = size_prior_weights(
                n,
                median=self.median_size,
                mode=self.mode_size,
                quartiles=self.quartiles_size,
                maximum=self.max_size,
            )
            if self.median_size is not None:
                what = f"median {self.median_size:g}"
            elif self.mode_size is not None:
                what = f"mode {self.mode_size:g}"
            else:
                what = "quartiles " + ", ".join(f"{q:g}" for q in self.quartiles_size or ())
            prior_text = (
                f"beta on the sample share n/N, prior {what} of N, "
                f"N up to {n + log_prior_m.size - 1}"
            )
        mu0, sigma0 = self._prior_degree(d)
        # the index past which the prior never rises (beta and flat priors; supplied weights
        # are scanned whole)
        prior_mode = -1 if self.prior_weights is not None else int(np.argmax(log_prior_m))
        if self.size_prior == "flat" and self.prior_weights is None:
            prior_mode = 0
        # start the degree distribution at the prior's mean and spread (CMP with nu = 1 is
        # Poisson: log lambda at the log mean)
        log_lam0, nu0 = math.log(max(mu0, 1.01)), 1.0
        rng = as_generator(self.seed)
        seeds = rng.integers(0, 2**31 - 1, size=self.chains)
        n_draws = np.empty((self.chains, self.draws))
        mu_draws = np.empty_like(n_draws)
        sd_draws = np.empty_like(n_draws)
        rates = np.empty(self.chains)
        for c in range(self.chains):
            out = _sspse_chain(
                d, K, log_prior_m, mu0, self.df_mean_prior, sigma0, self.df_sd_prior,
                log_lam0, nu0, 0.1, 0.15, 5, self.warmup, self.draws, self.thin, int(seeds[c]),
                prior_mode,
            )  # fmt: skip
            n_draws[c], mu_draws[c], sd_draws[c], rates[c] = out[0], out[1], out[2], out[3][0]
        diag = chain_diagnostics(n_draws)
        notes = convergence_warnings(
            diag, "the population size", "run more warm-up sweeps, draws or a larger thin"
        )
        top = n + log_prior_m.size - 1
        if np.mean(n_draws >= top - 0.5) > 0.01 or np.quantile(n_draws, 0.975) > 0.9 * top:
            notes.append(
                f"the posterior reaches the largest size the prior allows ({top:,}): the "
                "sample says little about N, and the estimate is the prior's (widen the prior "
                "or give a larger max_size)"
            )
        for note in notes:
            warnings.warn(note, EstimationWarning, stacklevel=2)
        flat = n_draws.ravel()
        a = (1 - self.level) / 2
        lo, med, hi = np.quantile(flat, [a, 0.5, 1 - a])
        idata = az.from_dict(
            posterior={"N": n_draws, "mean_degree": mu_draws, "sd_degree": sd_draws},
            attrs={"sampler": "sspse Gibbs (numba)"},
        )
        prior_share = np.exp(log_prior_m - log_prior_m.max())
        prior_cdf = np.cumsum(prior_share) / prior_share.sum()
        details = {
            "std_error": float(flat.std(ddof=1)),
            "posterior_mean": float(flat.mean()),
            "n_observed": int(n),
            "K": K,
            "capped": int((raw > K).sum()),
            "size_prior": prior_text,
            "prior_median": float(n + np.searchsorted(prior_cdf, 0.5)),
            "degree_prior": {
                "mean": mu0,
                "sd": sigma0,
                "df_mean": self.df_mean_prior,
                "df_sd": self.df_sd_prior,
            },  # fmt: skip
            "mean_degree": float(np.median(mu_draws)),
            "acceptance_rate": float(rates.mean()),
            "diagnostics": convergence_diagnostics(**diag),
            "idata": idata,
        }
        return Estimate(
            float(med),
            float(lo),
            float(hi),
            self.level,
            "successive-sampling population size (SS-PSE, Handcock, Gile and Mar 2014)",
            flat,
            details,
            tuple(notes),
            draws_kind="posterior",
            scale="count",
            interval_method="credible",
        )
