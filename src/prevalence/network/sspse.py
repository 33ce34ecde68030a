"""Population size from a respondent-driven sample alone: successive-sampling population size
estimation (SS-PSE; Handcock, Gile and Mar 2014, the model of R's ``sspse``, with its
measurement-error model of the reported degrees as an option).

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
from .recruitment import Recruitment

__all__ = ["SSPSE", "reported_degree_probabilities", "size_prior_weights"]


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
def _log_scale_prior(variance: float, df: float, scale0: float) -> float:  # pragma: no cover
    """Scaled inverse chi-square(df, scale0^2) log density of a variance (the degree
    distribution's, the measurement scale's square)."""
    half = df / 2.0
    return (
        half * math.log(half * scale0 * scale0)
        - math.lgamma(half)
        - (half + 1.0) * math.log(variance)
        - half * scale0 * scale0 / variance
    )


@nb.njit(cache=True)
def _tuned_step(step: float, accepted: float, proposed: float, high: float) -> float:
    """A random-walk step after an adaptation window of warm-up: smaller by 0.7 where
    fewer than 20% of the proposals were accepted, larger by 1.3 where more than ``high``."""
    rate = accepted / proposed
    if rate < 0.2:
        return step * 0.7
    if rate > high:
        return step * 1.3
    return step


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
    lp = _log_scale_prior(var, df_sigma, sigma0)
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
def _log_recruits(
    count: int, log_rate: float, rate: float, coupons: int
) -> float:  # pragma: no cover
    """log P(``count`` recruits) when the number of recruits is Poisson(``rate``) (``log_rate``
    its log): a respondent who handed out all ``coupons`` recruited at least that many
    (right-censored)."""
    if count < coupons:
        return count * log_rate - rate - math.lgamma(count + 1.0)
    if rate < coupons + 1.0:  # the upper tail summed directly: its terms fall fast
        first = coupons * log_rate - rate - math.lgamma(coupons + 1.0)
        total = 1.0
        ratio = 1.0
        x = coupons
        while ratio > 1e-17 * total:
            x += 1
            ratio *= rate / x
            total += ratio
        return first + math.log(total)
    below = 0.0
    term = math.exp(-rate)
    for x in range(coupons):
        below += term
        term *= rate / (x + 1.0)
    return math.log1p(-min(below, 1.0 - 1e-300))


@nb.njit(cache=True)
def _recruits_log_likelihood(
    beta: np.ndarray,
    log_time: np.ndarray,
    log_u: np.ndarray,
    d: np.ndarray,
    recruits: np.ndarray,
    coupons: int,
) -> float:  # pragma: no cover - compiled
    """log P(every respondent's recruits | their visibilities ``d``, the betas)."""
    ll = 0.0
    for j in range(d.size):
        lr = beta[0] + beta[1] * log_time[j] + beta[2] * log_u[d[j] - 1]
        ll += _log_recruits(recruits[j], lr, math.exp(lr), coupons)
    return ll


@nb.njit(cache=True)
def _suffix_sums(d: np.ndarray, after: np.ndarray) -> None:  # pragma: no cover - compiled
    """``after[k]``: the sizes of the sampled units from k on (``T - S_(k-1) = tU + after[k]``)."""
    acc = 0.0
    for i in range(d.size - 1, -1, -1):
        acc += d[i]
        after[i] = acc


@nb.njit(cache=True)
def _measurement_table(
    nb_prob: np.ndarray,
    log_nb_reported: np.ndarray,
    reported: np.ndarray,
    scale: float,
    table: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """``table[j, k]``: log P(reported degree ``reported[j]`` | visibility ``k + 1``) under the
    measurement model, a negative binomial with mean the visibility (``nb_prob[k, d - 1]``,
    ``d = 1..D``) localised by ``exp(-|d - visibility| / scale)``, normalised over ``1..D``.
    The localisation is a power of ``exp(-1 / scale)``, so no exponential is taken per cell;
    ``log_nb_reported[j, k]`` is ``log nb_prob[k, reported[j] - 1]``."""
    K, D = nb_prob.shape
    q = math.exp(-1.0 / scale)
    log_z = np.empty(K)
    for k in range(K):
        total = nb_prob[k, k] if k < D else 0.0
        w = 1.0
        for i in range(k - 1, -1, -1):  # below the visibility
            w *= q
            if i < D:
                total += nb_prob[k, i] * w
        w = 1.0
        for i in range(k + 1, D):  # above it
            w *= q
            total += nb_prob[k, i] * w
        log_z[k] = math.log(total)
    for j in range(reported.size):
        i = reported[j] - 1
        for k in range(K):
            table[j, k] = log_nb_reported[j, k] - abs(i - k) / scale - log_z[k]


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
    visibility: bool,
    reported: np.ndarray,
    recruits: np.ndarray,
    log_time: np.ndarray,
    coupons: int,
    nb_prob: np.ndarray,
    beta_mean: np.ndarray,
    beta_sd: np.ndarray,
    scale0: float,
    df_scale: float,
) -> tuple[
    np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray
]:  # pragma: no cover - compiled
    """One chain: draws of N, the degree distribution's mean and sd, and the acceptance rate
    of its Metropolis steps. ``d``: the sample's sizes (1..K) in sampling order; ``log_prior_m``:
    the log prior of ``m = N - n`` for ``m = 0, 1, ...``; ``theta_steps`` 0 holds the degree
    distribution at ``(log_lam, nu)``; ``prior_mode``: the index of the prior's largest weight
    beyond which it never rises again (-1: no such index, every ``m`` is evaluated).

    ``visibility``: the sizes are latent visibilities (``d`` their starting values), measured
    by the ``reported`` degrees (``_measurement_table``) and driving the number of
    ``recruits`` (Poisson, log rate ``beta_0 + beta_t log_time + beta_u log visibility``,
    censored at ``coupons``), with normal priors on the betas (``beta_mean``, ``beta_sd``; an sd
    of 0 holds one at its mean) and a scaled inverse chi-square prior on the square of the
    measurement scale (``df_scale``, ``scale0``; ``df_scale`` 0 holds it at ``scale0``).
    Each sweep then draws the augmentation variables phi (exponentials, one per sampled
    unit), every sampled unit's visibility given them (independent given phi:
    ``pi(u) u exp(-u Phi_j)`` times the two likelihoods, ``Phi_j`` the sum of phi up to unit
    j), and the betas and the scale by Metropolis steps.
    The further outputs are the draws of the betas and of the scale and, per sampled unit,
    how often each visibility was drawn (empty without ``visibility``)."""
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
    d = d.copy()  # the sampled units' sizes (drawn anew with visibility)
    nk = np.zeros(K, dtype=np.int64)  # sizes of the sampled units
    for i in range(n):
        nk[d[i] - 1] += 1
    # the measurement and recruitment model (visibility only)
    n_vis = n if visibility else 0
    out_beta = np.zeros((draws if visibility else 0, 3))
    out_scale = np.zeros(draws if visibility else 0)
    vis_counts = np.zeros((n_vis, K), dtype=np.int64)
    beta = beta_mean.copy()
    variance = scale0 * scale0  # of the measurement scale
    table = np.zeros((n_vis, K))
    table_star = np.zeros((n_vis, K))
    log_nb_reported = np.zeros((n_vis, K))
    for j in range(n_vis):
        for k in range(K):
            log_nb_reported[j, k] = math.log(nb_prob[k, reported[j] - 1])
    if visibility:
        _measurement_table(nb_prob, log_nb_reported, reported, math.sqrt(variance), table)
    log_u = np.empty(K)
    for k in range(K):
        log_u[k] = math.log(k + 1.0)
    weights = np.empty(K)
    log_p = np.empty(K)
    u_power = np.empty(K)
    beta_step = np.array([0.2, 0.05, 0.05])
    centre = np.zeros(3)  # the covariates' centres: log time and the log starting visibility
    for j in range(n):
        centre[1] += log_time[j] / n
        centre[2] += math.log(d[j]) / n
    beta_window = np.zeros((3, 2))  # accepted, proposed in the adaptation window
    scale_step = 0.15
    scale_window = np.zeros(2)
    after = np.empty(n)  # sizes of the sampled units from k on: T - S_(k-1) = tU + after[k]
    _suffix_sums(d, after)
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
            scale = _tuned_step(scale, window_accepted, window_proposed, 0.4)
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
            jump_share = min(_tuned_step(jump_share, jump_accepted, jump_proposed, 0.4), 0.9)
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
        if visibility:
            # 3b. phi given every size, then each sampled unit's visibility given phi
            for k in range(K):
                log_p[k] = math.log(p[k]) if p[k] > 0.0 else -math.inf
                u_power[k] = math.exp(beta[2] * log_u[k])
            phi_sum = 0.0
            for j in range(n):
                phi_sum += np.random.exponential(1.0) / (t_unseen + after[j])
                base = beta[0] + beta[1] * log_time[j]
                rate_j = math.exp(base)
                top = -math.inf
                for k in range(K):
                    weights[k] = (
                        log_p[k] + log_u[k] - (k + 1.0) * phi_sum + table[j, k]
                        + _log_recruits(recruits[j], base + beta[2] * log_u[k],
                                        rate_j * u_power[k], coupons)
                    )  # fmt: skip
                    if weights[k] > top:
                        top = weights[k]
                total = 0.0
                for k in range(K):
                    weights[k] = math.exp(weights[k] - top)
                    total += weights[k]
                u = np.random.random() * total
                new = K
                acc = 0.0
                for k in range(K):
                    acc += weights[k]
                    if u <= acc:
                        new = k + 1
                        break
                nk[d[j] - 1] -= 1
                nk[new - 1] += 1
                d[j] = new
            _suffix_sums(d, after)
            # 3c. the recruitment coefficients, one at a time (random-walk Metropolis). A
            # slope moves with the intercept so that the rate at the covariates' centres
            # stays put: the intercept and the slopes are strongly correlated otherwise (on
            # fauxmadrona the effective sample size of the betas rose tenfold)
            ll = _recruits_log_likelihood(beta, log_time, log_u, d, recruits, coupons)
            for c in range(3):
                if beta_sd[c] <= 0.0:
                    continue
                for _ in range(2):
                    old_0, old_c = beta[0], beta[c]
                    delta = beta_step[c] * np.random.standard_normal()
                    beta[c] = old_c + delta
                    if c > 0 and beta_sd[0] > 0.0:
                        beta[0] = old_0 - delta * centre[c]
                    ll_star = _recruits_log_likelihood(beta, log_time, log_u, d, recruits, coupons)
                    ratio = ll_star - ll
                    for b in range(3):
                        if beta_sd[b] > 0.0:
                            z_new = (beta[b] - beta_mean[b]) / beta_sd[b]
                            z_old = ((old_0 if b == 0 else (old_c if b == c else beta[b]))
                                     - beta_mean[b]) / beta_sd[b]  # fmt: skip
                            ratio -= 0.5 * (z_new * z_new - z_old * z_old)
                    beta_window[c, 1] += 1
                    if ratio >= 0.0 or math.log(np.random.random()) < ratio:
                        ll = ll_star
                        beta_window[c, 0] += 1
                    else:
                        beta[0], beta[c] = old_0, old_c
            # 3d. the measurement scale (log-normal random walk on its square; df_scale 0
            # holds it at scale0)
            ll = 0.0
            for j in range(n):
                ll += table[j, d[j] - 1]
            for _ in range(2 if df_scale > 0.0 else 0):
                v_star = variance * math.exp(scale_step * np.random.standard_normal())
                _measurement_table(
                    nb_prob, log_nb_reported, reported, math.sqrt(v_star), table_star
                )
                ll_star = 0.0
                for j in range(n):
                    ll_star += table_star[j, d[j] - 1]
                ratio = (
                    ll_star - ll + math.log(v_star / variance)
                    + _log_scale_prior(v_star, df_scale, scale0)
                    - _log_scale_prior(variance, df_scale, scale0)
                )  # fmt: skip
                scale_window[1] += 1
                if ratio >= 0.0 or math.log(np.random.random()) < ratio:
                    variance = v_star
                    ll = ll_star
                    table, table_star = table_star, table
                    scale_window[0] += 1
            if step < warmup and scale_window[1] >= 50:
                for c in range(3):
                    if beta_window[c, 1] > 0:
                        beta_step[c] = _tuned_step(
                            beta_step[c], beta_window[c, 0], beta_window[c, 1], 0.5
                        )
                    beta_window[c, 0] = 0
                    beta_window[c, 1] = 0
                scale_step = _tuned_step(scale_step, scale_window[0], scale_window[1], 0.5)
                scale_window[0] = 0
                scale_window[1] = 0
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
            if visibility:
                for c in range(3):
                    out_beta[j, c] = beta[c]
                out_scale[j] = math.sqrt(variance)
                for i in range(n):
                    vis_counts[i, d[i] - 1] += 1
    rate = np.empty(1)
    rate[0] = accepted / proposed if proposed > 0 else math.nan
    return out_n, out_mu, out_sd, rate, out_beta, out_scale, vis_counts


def reported_degree_probabilities(
    K: int, D: int, overdispersion: float, scale: float | None = None
) -> np.ndarray:
    """The measurement model of ``SSPSE(visibility=True)``: probabilities of reported degrees
    ``1..D`` (columns) given visibilities ``1..K`` (rows), a negative binomial with mean the
    visibility and variance ``overdispersion`` times it, at least 1e-300 (a degree far above
    a visibility is then merely very unlikely). With ``scale``, localised by
    ``exp(-|degree - visibility| / scale)`` and normalised over ``1..D``; without, the negative
    binomial alone (the sampler localises it at each scale it tries).

    Examples
    --------
    >>> p = reported_degree_probabilities(35, 350, 15.0, scale=2.0)
    >>> p.shape, bool(np.allclose(p.sum(axis=1), 1.0))
    ((35, 350), True)
    """
    from scipy.stats import nbinom

    u = np.arange(1, K + 1, dtype=float)[:, None]
    degrees = np.arange(1, D + 1, dtype=float)[None, :]
    alpha = float(overdispersion)
    p = np.maximum(nbinom.pmf(degrees, u / (alpha - 1.0), 1.0 / alpha), 1e-300)
    if scale is None:
        return p
    p = p * np.exp(-np.abs(degrees - u) / scale)
    return p / p.sum(axis=1, keepdims=True)


def size_prior_weights(
    n: int,
    *,
    median: float | None = None,
    mode: float | None = None,
    quartiles: tuple[float, float] | None = None,
    beta_parameters: tuple[float, float] | None = None,
    maximum: int | None = None,
    kind: str = "beta",
    mean: float | None = None,
    sd: float | None = None,
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
    equally likely. ``kind="nbinom"``: ``N`` negative binomial with ``mean`` and ``sd``
    (default ``sd = mean``, as ``sspse``'s ``mean.prior.size``, ``sd.prior.size``), given
    ``N >= n``, up to its 99.5% quantile or ``maximum`` (``sspse`` 1.1.0-6 documents this
    prior, but its ``dsizeprior`` stops with "'prob' and 'mu' both specified").

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
    if kind == "nbinom":
        return _nbinom_size_prior(int(n), mean, sd, maximum)
    return np.array(_size_prior_weights(int(n), median, mode, q, ab, maximum, kind))


def _nbinom_size_prior(
    n: int, mean: float | None, sd: float | None, maximum: int | None
) -> np.ndarray:
    """A negative binomial prior on N with the given mean and sd, given ``N >= n``."""
    from scipy.stats import nbinom

    if mean is None or not (math.isfinite(mean) and mean > n):
        raise DataError(
            f"a negative binomial prior on the population size needs mean > the sample size "
            f"{n}, got {mean!r}"
        )
    sd = float(mean) if sd is None else float(sd)
    if not (math.isfinite(sd) and sd * sd > mean):
        raise DataError(
            f"a negative binomial prior needs sd^2 > mean (more spread than a Poisson): "
            f"mean {mean:g}, sd {sd!r}"
        )
    shape, p = mean * mean / (sd * sd - mean), mean / (sd * sd)
    top = int(nbinom.ppf(0.995, shape, p)) if maximum is None else int(maximum)
    if top <= n:
        raise DataError(f"the largest population size {top} must exceed the sample size {n}")
    w = nbinom.logpmf(np.arange(n, top + 1), shape, p)
    w = w - w.max()
    return np.asarray(w - math.log(np.exp(w).sum()))


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
        raise DataError(f"kind must be 'beta', 'flat' or 'nbinom', got {kind!r}")
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


def _whole_numbers(frame: pd.DataFrame, column: str, rule: str) -> np.ndarray:
    """A column of whole numbers >= 0 as integers, or an error naming its first bad row."""
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(values) | (values < 0) | (values != np.round(values)))
    if bad.size:
        raise DataError(
            f"column {column!r} row {frame.index[bad[0]]!r}: {rule}, got "
            f"{frame[column].iloc[bad[0]]!r}"
        )
    return values.astype(np.int64)


class SSPSE(Estimator):
    """Population size from a respondent-driven sample by successive-sampling population size
    estimation (Handcock, Gile and Mar 2014), as R's ``sspse::posteriorsize(...,
    visibility = FALSE)``, or with ``visibility=True`` its measurement-error model of the
    reported degrees (``visibility = TRUE``).

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
    size_prior : {"beta", "flat", "nbinom"}
        The prior family of the population size (``"nbinom"``: negative binomial with
        ``mean_size`` and ``sd_size``, see :func:`size_prior_weights`).
    mean_size, sd_size : float, optional
        Prior mean and sd of the population size, for ``size_prior="nbinom"`` (``sspse``'s
        ``mean.prior.size``, ``sd.prior.size``; the sd defaults to the mean).
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
    visibility : bool
        Model the reported degrees as measured with error (``sspse``'s measurement-error
        model, ``posteriorsize(visibility = TRUE)``, its default): each respondent has a
        latent *visibility* on ``1..K``, drawn from the Conway-Maxwell-Poisson distribution,
        by which the sample is drawn; the reported degree (divided by ``optimism``) is a
        negative binomial around the visibility (variance ``overdispersion`` times the mean)
        localised by ``exp(-|degree - visibility| / scale)``; the number of recruits is
        Poisson with log rate ``beta_0 + beta_t log(time) + beta_u log(visibility)``,
        right-censored at ``max_coupons``. Needs the recruitment tree (``id``,
        ``recruiter``). Default False: the degrees as reported (``visibility = FALSE``).
    id, recruiter : str
        Columns of the respondent's id and their recruiter's id (with ``visibility``).
    seed_marker : object
        The recruiter value of a seed (a missing recruiter also marks one).
    recruits : str, optional
        Column of each respondent's number of recruits, where the data have no recruitment
        tree (with ``include_tree`` the degree is then raised to the recruits alone: who was
        recruited by whom is not known); default counted from ``recruiter``.
    recruit_time : str, optional
        Column of the time of recruitment (numbers, or dates counted in days), taken as
        ``time - earliest + 1``; default the sampling order ``1..n``.
    max_coupons : int, optional
        Coupons per respondent; default the largest number of recruits.
    include_tree : bool
        Raise each reported degree to the respondent's ties in the tree (recruits, and the
        recruiter for a non-seed), as ``sspse``'s ``include.tree``.
    optimism : float, optional
        Divisor of the reported degrees before they are compared with visibilities; default
        their mean over 8 (``sspse``'s choice when ``mem.optimism.prior`` is not given).
    overdispersion : float
        Variance of the reported degree over its mean, given the visibility
        (``mem.overdispersion``, default 15).
    scale_prior, df_scale_prior : float
        Scaled inverse chi-square prior of the square of the measurement scale: scale and
        degrees of freedom (``mem.scale.prior``, ``df.mem.scale.prior``: 2 and 10).
    recruitment_prior_mean, recruitment_prior_sd : tuple of 3 float
        Normal priors of ``beta_0``, ``beta_t``, ``beta_u`` (``sspse``'s defaults -3, 0, 0 and
        sd 10 each); an sd of 0 holds a coefficient at its mean (``(10, 0, 10)`` leaves time
        out).

    Notes
    -----
    With ``visibility`` the sampler draws every respondent's visibility from its full
    conditional, the successive-sampling term ``exp(-visibility x Phi)`` included (``Phi``
    the augmentation variables of the respondents sampled up to them). ``sspse`` 1.1.0-6
    leaves that term out, scores a respondent who handed out every coupon by the chance of
    fewer recruits than coupons, and uses an overdispersion of 25 in its step for the
    measurement scale but 15 in its step for the visibilities; ``docs/network.md`` compares
    the two and shows the differences come from these.

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
        mean_size: float | None = None,
        sd_size: float | None = None,
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
        visibility: bool = False,
        id: str = "id",
        recruiter: str = "recruiter.id",
        seed_marker: object = "seed",
        recruits: str | None = None,
        recruit_time: str | None = None,
        max_coupons: int | None = None,
        include_tree: bool = True,
        optimism: float | None = None,
        overdispersion: float = 15.0,
        scale_prior: float = 2.0,
        df_scale_prior: float = 10.0,
        recruitment_prior_mean: tuple[float, float, float] = (-3.0, 0.0, 0.0),
        recruitment_prior_sd: tuple[float, float, float] = (10.0, 10.0, 10.0),
    ) -> None:
        for name, value in (("draws", draws), ("warmup", warmup), ("thin", thin),
                            ("chains", chains)):  # fmt: skip
            whole_number(name, value, 0 if name == "warmup" else 1)
        if not isinstance(visibility, bool | np.bool_):
            raise DataError(f"visibility must be True or False, got {visibility!r}")
        if max_coupons is not None:
            whole_number("max_coupons", max_coupons, 1)
        for setting, number, low in (("overdispersion", overdispersion, 1.0),
                                     ("scale_prior", scale_prior, 0.0),
                                     ("df_scale_prior", df_scale_prior, 0.0),
                                     ("optimism", optimism, 0.0)):  # fmt: skip
            if number is not None and not (math.isfinite(number) and number > low):
                raise DataError(f"{setting} must be a number above {low:g}, got {number!r}")
        prior_mean = np.asarray(recruitment_prior_mean, dtype=float)
        prior_sd = np.asarray(recruitment_prior_sd, dtype=float)
        if (
            prior_mean.shape != (3,)
            or prior_sd.shape != (3,)
            or not np.all(np.isfinite(prior_mean))
            or not np.all(np.isfinite(prior_sd) & (prior_sd >= 0))
        ):
            raise DataError(
                "recruitment_prior_mean and recruitment_prior_sd must be three numbers each "
                "(beta_0, beta_t, beta_u; sds >= 0), got "
                f"{recruitment_prior_mean!r} and {recruitment_prior_sd!r}"
            )
        if size_prior not in ("beta", "flat", "nbinom"):
            raise DataError(f"size_prior must be 'beta', 'flat' or 'nbinom', got {size_prior!r}")
        if size_prior == "nbinom" and prior_weights is None and mean_size is None:
            raise DataError("size_prior='nbinom' needs mean_size= (and sd_size=, default the mean)")
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
        self.mean_size = mean_size
        self.sd_size = sd_size
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
        self.visibility = bool(visibility)
        self.id = id
        self.recruiter = recruiter
        self.seed_marker = seed_marker
        self.recruits = recruits
        self.recruit_time = recruit_time
        self.max_coupons = None if max_coupons is None else int(max_coupons)
        self.include_tree = bool(include_tree)
        self.optimism = None if optimism is None else float(optimism)
        self.overdispersion = float(overdispersion)
        self.scale_prior = float(scale_prior)
        self.df_scale_prior = float(df_scale_prior)
        self.recruitment_prior_mean = tuple(float(v) for v in prior_mean)
        self.recruitment_prior_sd = tuple(float(v) for v in prior_sd)

    def _frame(self, data: Any) -> tuple[pd.DataFrame, np.ndarray]:
        """The respondents in sampling order, and the data's row of each."""
        frame = data.data if hasattr(data, "data") and not isinstance(data, pd.DataFrame) else data
        if not isinstance(frame, pd.DataFrame):
            raise DataError(f"SSPSE.fit expects a DataFrame, got {type(data).__name__}")
        columns: tuple[str | None, ...] = (self.degree, self.order)
        if self.visibility:
            tree = (self.recruits,) if self.recruits is not None else (self.id, self.recruiter)
            columns += (*tree, self.recruit_time)
        for column in columns:
            if column is not None and column not in frame.columns:
                raise DataError(f"column {column!r} not found; the data have {list(frame.columns)}")
        rows = np.arange(len(frame))
        if self.order is not None:
            rows = (
                frame[[self.order]]
                .reset_index(drop=True)
                .sort_values(self.order, kind="stable")
                .index.to_numpy()
            )
            frame = frame.iloc[rows]
        return frame, rows

    def _degrees(self, frame: pd.DataFrame) -> np.ndarray:
        values = _whole_numbers(frame, self.degree, "degrees must be whole numbers >= 0")
        if values.size < 10:
            raise DataError(f"SSPSE needs at least 10 respondents, got {values.size}")
        return np.maximum(values, 1)  # a degree of 0 counts as 1 (sspse)

    def _measurement(self, frame: pd.DataFrame, raw: np.ndarray) -> dict[str, Any]:
        """The inputs of the measurement and recruitment model: the reported degrees on the
        visibility scale, the recruits, the log times, the coupons."""
        if self.recruits is not None:
            recruits = _whole_numbers(
                frame, self.recruits, "the number of recruits must be a whole number >= 0"
            )
            ties = recruits
            source = f"column {self.recruits!r}"
        else:
            # the tree checked (ids, recruiters, cycles) on a column of ones: the degrees
            # are read by _degrees, which treats a zero as 1 as sspse does
            tree = Recruitment.from_frame(
                frame.assign(__ones__=1), self.id, self.recruiter, "__ones__", self.seed_marker
            )
            recruits = tree.n_recruits.astype(np.int64)
            ties = recruits + (~tree.is_seed)  # the recruits and the recruiter
            source = f"column {self.recruiter!r}"
        coupons = self.max_coupons if self.max_coupons is not None else int(recruits.max())
        if coupons < 1:
            raise DataError(
                "visibility=True needs the numbers of recruits: no respondent recruited "
                f"anyone ({source})"
            )
        over = np.flatnonzero(recruits > coupons)
        if over.size:
            raise DataError(
                f"max_coupons={coupons}: the respondent in row {frame.index[over[0]]!r} "
                f"recruited {recruits[over[0]]}"
            )
        size = np.maximum(raw, ties) if self.include_tree else raw
        size = np.maximum(size, 1)
        optimism = self.optimism if self.optimism is not None else float(raw.mean()) / 8.0
        reported = np.maximum(np.round(size / optimism), 1).astype(np.int64)
        if self.recruit_time is None:
            time = np.arange(1.0, raw.size + 1.0)
        else:
            column = frame[self.recruit_time]
            if pd.api.types.is_datetime64_any_dtype(column):
                time = (column - column.min()).dt.total_seconds().to_numpy() / 86400.0
            else:
                time = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
            bad = np.flatnonzero(~np.isfinite(time))
            if bad.size:
                raise DataError(
                    f"column {self.recruit_time!r} row {frame.index[bad[0]]!r}: the time of "
                    f"recruitment must be a number or a date, got {column.iloc[bad[0]]!r}"
                )
            time = time - time.min() + 1.0
        return {
            "reported": reported,
            "recruits": recruits,
            "log_time": np.log(time),
            "coupons": int(coupons),
            "optimism": optimism,
        }

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
        frame, rows = self._frame(data)
        raw = self._degrees(frame)
        n = raw.size
        # with visibility, the reported degrees on the visibility scale start the visibilities
        model = self._measurement(frame, raw) if self.visibility else None
        sizes = raw if model is None else model["reported"]
        K = int(self.K) if self.K is not None else max(35, int(round(np.quantile(sizes, 0.95))))
        d = np.minimum(sizes, K)
        if model is None:
            reported, recruits = d, np.zeros(n, dtype=np.int64)
            log_time, nb_prob, coupons = np.zeros(n), np.ones((K, 1)), 1
        else:
            reported, recruits = sizes, model["recruits"]
            log_time, coupons = model["log_time"], model["coupons"]
            nb_prob = reported_degree_probabilities(
                K, max(10 * K, int(reported.max())), self.overdispersion
            )
        beta_mean = np.array(self.recruitment_prior_mean)
        beta_sd = np.array(self.recruitment_prior_sd)
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
        elif self.size_prior == "nbinom":
            log_prior_m = size_prior_weights(
                n, mean=self.mean_size, sd=self.sd_size, maximum=self.max_size, kind="nbinom"
            )
            prior_text = (
                f"negative binomial, mean {self.mean_size:g}, sd "
                f"{self.sd_size if self.sd_size is not None else self.mean_size:g}, "
                f"N up to {n + log_prior_m.size - 1}"
            )
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
        beta_draws = np.empty((self.chains, self.draws, 3))
        scale_draws = np.empty((self.chains, self.draws))
        vis_counts = np.zeros((n if self.visibility else 0, K), dtype=np.int64)
        for c in range(self.chains):
            out = _sspse_chain(
                d, K, log_prior_m, mu0, self.df_mean_prior, sigma0, self.df_sd_prior,
                log_lam0, nu0, 0.1, 0.15, 5, self.warmup, self.draws, self.thin, int(seeds[c]),
                prior_mode, self.visibility, reported, recruits, log_time, coupons, nb_prob,
                beta_mean, beta_sd, self.scale_prior, self.df_scale_prior,
            )  # fmt: skip
            n_draws[c], mu_draws[c], sd_draws[c], rates[c] = out[0], out[1], out[2], out[3][0]
            if self.visibility:
                beta_draws[c], scale_draws[c] = out[4], out[5]
                vis_counts += out[6]
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
        posterior = {"N": n_draws, "mean_degree": mu_draws, "sd_degree": sd_draws}
        if self.visibility:
            for k, name in enumerate(("beta_0", "beta_t", "beta_u")):
                posterior[name] = beta_draws[:, :, k]
            posterior["measurement_scale"] = scale_draws
        idata = az.from_dict(posterior=posterior, attrs={"sampler": "sspse Gibbs (numba)"})
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
        if model is not None:
            # each respondent's posterior median visibility, back in the data's row order
            cdf = np.cumsum(vis_counts, axis=1)
            median = 1 + (cdf < 0.5 * cdf[:, -1:]).sum(axis=1)
            in_data_order = np.empty(n, dtype=np.int64)
            in_data_order[rows] = median
            details["visibilities"] = in_data_order
            details["visibility"] = {
                "optimism": float(model["optimism"]),
                "overdispersion": self.overdispersion,
                "coupons": coupons,
                "recruit_time": self.recruit_time or "sampling order",
                "measurement_scale": float(np.median(scale_draws)),
                **{
                    name: float(np.median(beta_draws[:, :, k]))
                    for k, name in enumerate(("beta_0", "beta_t", "beta_u"))
                },
                "priors": {
                    "scale": (self.scale_prior, self.df_scale_prior),
                    "recruitment_mean": self.recruitment_prior_mean,
                    "recruitment_sd": self.recruitment_prior_sd,
                },
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
