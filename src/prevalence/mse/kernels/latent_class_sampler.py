"""The compiled Gibbs sampler of the non-parametric latent class model (Manrique-Vallier 2016).

Model: person ``i`` belongs to latent class ``z_i`` with stick-breaking weights
``nu_k = V_k Π_{h<k} (1 - V_h)``, ``V_k ~ Beta(1, alpha)`` (truncated at ``K``, ``V_K = 1``),
``alpha ~ Gamma(a_alpha, b_alpha)``; given the class, list ``j`` records the person with
probability ``lambda_jk ~ Beta(1, 1)``, independently across lists. The unobserved people
(``n0``) are imputed with the prior ``p(N) ∝ 1/N`` on the total, which makes ``n0`` negative
binomial given the other parameters.

One Gibbs sweep, in the order of R ``LCMCR``: class counts of every observed capture pattern
(multinomial over the classes, one draw per distinct pattern), ``lambda``, the stick-breaking
weights, ``n0``, the classes of the unobserved people, then ``alpha``. Before the burn-in the
chain is warmed up for 500 sweeps with ``alpha`` held fixed and the classes are then sorted by
weight, again as ``LCMCR`` does. Everything runs inside one numba function per chain, with the
chain's own :class:`numpy.random.Generator`, so a seed gives the same draws whatever the number
of threads.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

__all__ = ["run_chain", "WARMUP"]

WARMUP = 500


@nb.njit(cache=True, inline="always")
def _log_gamma_draw(gen: np.random.Generator, shape: float) -> float:  # pragma: no cover
    """log of a Gamma(shape, 1) draw, stable for small shapes."""
    if shape < 1.0:
        u = gen.random()
        while u <= 0.0:
            u = gen.random()
        return math.log(gen.standard_gamma(shape + 1.0)) + math.log(u) / shape
    return math.log(gen.standard_gamma(shape))


@nb.njit(cache=True)
def _binomial(gen: np.random.Generator, n: int, p: float) -> int:  # pragma: no cover
    """Binomial(n, p): inversion when the mean is small (the usual case here), else numpy's BTPE.

    Inversion walks the probability function from 0 (Kachitvichyanukul and Schmeiser's BINV),
    so its cost grows with the mean; numpy's general routine has a large fixed cost per call.
    """
    if n == 0 or p <= 0.0:
        return 0
    if p >= 1.0:
        return n
    flip = p > 0.5
    pp = 1.0 - p if flip else p
    if n * pp >= 10.0:
        x = gen.binomial(n, pp)
    else:
        q = 1.0 - pp
        s = pp / q
        a = (n + 1) * s
        r = q**n
        u = gen.random()
        x = 0
        while u > r and x < n:
            u -= r
            x += 1
            r *= a / x - s
    return n - x if flip else x


@nb.njit(cache=True, inline="always")
def _multinomial(
    gen: np.random.Generator, n: int, probs: np.ndarray, out: np.ndarray, suffix: np.ndarray
) -> None:  # pragma: no cover
    """Multinomial counts of ``n`` over unnormalised ``probs`` (sequential binomials).

    The conditional probability of class ``k`` is ``probs[k]`` over the sum of the classes not
    yet drawn, taken from suffix sums (no cancellation when the weights span many magnitudes).
    """
    K = probs.shape[0]
    acc = 0.0
    for k in range(K - 1, -1, -1):
        acc += probs[k]
        suffix[k] = acc
        out[k] = 0
    left = n
    for k in range(K - 1):
        if left == 0:
            return
        p = probs[k] / suffix[k] if suffix[k] > 0.0 else 0.0
        if p >= 1.0:
            out[k] = left
            return
        if p > 0.0:
            c = _binomial(gen, left, p)
            out[k] = c
            left -= c
    out[K - 1] = left


@nb.njit(cache=True, inline="always")
def _categorical(gen: np.random.Generator, probs: np.ndarray) -> int:  # pragma: no cover
    total = 0.0
    for k in range(probs.shape[0]):
        total += probs[k]
    u = gen.random() * total
    acc = 0.0
    for k in range(probs.shape[0]):
        acc += probs[k]
        if u < acc:
            return k
    return probs.shape[0] - 1


@nb.njit(cache=True)
def _sweep(
    gen: np.random.Generator,
    cells: np.ndarray,
    freq: np.ndarray,
    n: int,
    lam: np.ndarray,
    nu: np.ndarray,
    log_nu: np.ndarray,
    count_mk: np.ndarray,
    count0: np.ndarray,
    alpha: float,
    update_alpha: bool,
    a_alpha: float,
    b_alpha: float,
    probs: np.ndarray,
    n1: np.ndarray,
    n0k: np.ndarray,
    suffix: np.ndarray,
) -> tuple[float, int]:  # pragma: no cover
    M, J = cells.shape
    K = nu.shape[0]
    # 1. class counts of every observed pattern
    for m in range(M):
        for k in range(K):
            p = nu[k]
            for j in range(J):
                p *= lam[j, k] if cells[m, j] == 1 else 1.0 - lam[j, k]
            probs[k] = p
        if freq[m] > 1:
            _multinomial(gen, freq[m], probs, count_mk[m], suffix)
        else:
            z = _categorical(gen, probs)
            for k in range(K):
                count_mk[m, k] = 0
            count_mk[m, z] = 1
    # 2. lambda | counts (prior Beta(1, 1)); unobserved people are zeros on every list
    for k in range(K):
        total_k = count0[k]
        for m in range(M):
            total_k += count_mk[m, k]
        for j in range(J):
            ones = 0
            for m in range(M):
                if cells[m, j] == 1:
                    ones += count_mk[m, k]
            n1[j, k] = ones
            lam[j, k] = gen.beta(1.0 + ones, 1.0 + total_k - ones)
    # 3. stick-breaking weights
    n0 = 0
    for k in range(K):
        n0 += count0[k]
    for k in range(K):
        c = count0[k]
        for m in range(M):
            c += count_mk[m, k]
        n0k[k] = c
    acc = 0
    l_acc = 0.0
    for k in range(K - 1):
        acc += n0k[k]
        lg1 = _log_gamma_draw(gen, 1.0 + n0k[k])
        lg2 = _log_gamma_draw(gen, alpha + (n0 + n - acc))
        hi = max(lg1, lg2)
        lsum = hi + math.log(math.exp(lg1 - hi) + math.exp(lg2 - hi))
        log_nu[k] = lg1 - lsum + l_acc
        l_acc += lg2 - lsum
        nu[k] = math.exp(log_nu[k])
    log_nu[K - 1] = l_acc
    nu[K - 1] = math.exp(l_acc)
    # 4. probability of the all-zero pattern, and the number of unobserved people
    prob_zero = 0.0
    for k in range(K):
        p = nu[k]
        for j in range(J):
            p *= 1.0 - lam[j, k]
        probs[k] = p
        prob_zero += p
    success = max(1.0 - prob_zero, 1e-12)
    n0_new = gen.negative_binomial(n, success)
    # 5. classes of the unobserved people
    _multinomial(gen, n0_new, probs, count0, suffix)
    # 6. concentration
    if update_alpha:
        alpha = gen.gamma(a_alpha + K - 1.0, 1.0 / (b_alpha - log_nu[K - 1]))
    return alpha, n0_new


@nb.njit(cache=True, nogil=True)
def run_chain(
    gen: np.random.Generator,
    cells: np.ndarray,
    freq: np.ndarray,
    K: int,
    a_alpha: float,
    b_alpha: float,
    burnin: int,
    samples: int,
    thinning: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover
    """Run one chain; return the traces of N, alpha and the number of occupied classes."""
    M, J = cells.shape
    n = 0
    for m in range(M):
        n += freq[m]
    lam = np.empty((J, K))
    for j in range(J):
        ones = 0
        for m in range(M):
            if cells[m, j] == 1:
                ones += freq[m]
        for k in range(K):
            lam[j, k] = ones / n
    nu = np.empty(K)
    log_nu = np.empty(K)
    # LCMCR's start: four big classes and the rest small
    big = min(K, 4)
    for k in range(K):
        if k < big:
            nu[k] = (0.9 if K > 4 else 1.0) / big
        else:
            nu[k] = 0.1 / (K - 4)
        log_nu[k] = math.log(nu[k])
    alpha = 0.3 / K
    count_mk = np.zeros((M, K), dtype=np.int64)
    count0 = np.zeros(K, dtype=np.int64)
    probs = np.empty(K)
    n1 = np.zeros((J, K), dtype=np.int64)
    n0k = np.zeros(K, dtype=np.int64)
    suffix = np.empty(K)
    N = np.empty(samples, dtype=np.int64)
    alphas = np.empty(samples)
    occupied = np.empty(samples, dtype=np.int64)
    start = WARMUP + burnin  # first sweep of the sampling phase
    for it in range(start + samples * thinning):
        if it == WARMUP:
            # after the warm-up (alpha held fixed), sort the classes by weight, largest first
            order = np.argsort(-nu, kind="mergesort")
            lam[:, :] = lam[:, order]
            nu[:] = nu[order]
            log_nu[:] = log_nu[order]
            count_mk[:, :] = count_mk[:, order]
            count0[:] = count0[order]
        alpha, n0 = _sweep(
            gen,
            cells,
            freq,
            n,
            lam,
            nu,
            log_nu,
            count_mk,
            count0,
            alpha,
            it >= WARMUP,
            a_alpha,
            b_alpha,
            probs,
            n1,
            n0k,
            suffix,
        )
        done = it + 1 - start
        if done > 0 and done % thinning == 0:
            s = done // thinning - 1
            N[s] = n + n0
            alphas[s] = alpha
            k_star = 0
            for k in range(K):
                if n0k[k] > 0:
                    k_star += 1
            occupied[s] = k_star
    return N, alphas, occupied
