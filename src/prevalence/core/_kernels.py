"""Compiled loops of the core that cannot be vectorised (numba)."""

from __future__ import annotations

import math

import numba as nb
import numpy as np


@nb.njit(cache=True, error_model="numpy")  # a constant quantity divides by zero: NaN, not raise
def geyer_ess(
    mean_acov: np.ndarray, mean_var: np.ndarray, var_plus: np.ndarray, size: float
) -> np.ndarray:
    """Effective sample sizes from autocovariances averaged over chains, one row per quantity.

    Geyer's initial positive then initial monotone sequence, step for step as ArviZ's
    ``_ess`` (which follows Stan): the sequence stops at a different lag for every quantity,
    hence a loop. ``mean_acov`` is (quantities, draws).
    """
    n, n_draws = mean_acov.shape
    out = np.empty(n)
    rho = np.zeros(n_draws)
    for i in range(n):
        rho[:] = 0.0
        vp = var_plus[i]
        mv = mean_var[i]
        rho_even = 1.0
        rho[0] = rho_even
        rho_odd = 1.0 - (mv - mean_acov[i, 1]) / vp
        rho[1] = rho_odd
        t = 1
        while t < n_draws - 3 and rho_even + rho_odd > 0.0:
            rho_even = 1.0 - (mv - mean_acov[i, t + 1]) / vp
            rho_odd = 1.0 - (mv - mean_acov[i, t + 2]) / vp
            if rho_even + rho_odd >= 0:
                rho[t + 1] = rho_even
                rho[t + 2] = rho_odd
            t += 2
        max_t = t - 2
        if rho_even > 0:
            rho[max_t + 1] = rho_even
        t = 1
        while t <= max_t - 2:
            if rho[t + 1] + rho[t + 2] > rho[t - 1] + rho[t]:
                rho[t + 1] = (rho[t - 1] + rho[t]) / 2.0
                rho[t + 2] = rho[t + 1]
            t += 2
        tau = -1.0 + 2.0 * rho[: max_t + 1].sum() + rho[max_t + 1 : max_t + 2].sum()
        tau = max(tau, 1.0 / math.log10(size))
        nan = False
        for j in range(n_draws):
            if math.isnan(rho[j]):
                nan = True
        out[i] = math.nan if nan else size / tau
    return out


@nb.njit(cache=True)
def average_ranks_sorted(values: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Ranks (1-based, ties averaged) of each row of ``values`` given its ``argsort``.

    Equal to ``scipy.stats.rankdata(values, method="average", axis=1)``; the sort itself is
    left to NumPy (its SIMD sort is several times faster than numba's), the pass over ties
    and the scatter back are this loop.
    """
    n, m = values.shape
    out = np.empty((n, m))
    for i in range(n):
        j = 0
        while j < m:
            k = j
            v = values[i, order[i, j]]
            while k + 1 < m and values[i, order[i, k + 1]] == v:
                k += 1
            rank = (j + k) / 2.0 + 1.0
            for t in range(j, k + 1):
                out[i, order[i, t]] = rank
            j = k + 1
    return out
