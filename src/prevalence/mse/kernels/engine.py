"""Batched maximum likelihood for many hierarchical log-linear models and many count vectors.

Every hierarchical log-linear model on ``t`` lists has a 0/1 design in which cell ``c``
depends on term ``s`` when ``s ⊆ c``. Two identities make Newton's method cheap:

* the linear predictor ``eta = X beta`` is the *subset-sum* (zeta) transform of the
  coefficients placed at their terms: ``eta[c] = sum_{s ⊆ c} beta[s]``;
* the Fisher information ``X' W X`` has entries ``sum_{c ⊇ s_i ∪ s_j} mu[c]``: the
  *superset-sum* transform of the fitted values, read at ``s_i | s_j``; the score is the
  same transform of ``y - mu`` read at the terms.

Both transforms cost ``t * 2**(t-1)`` additions, so a Newton step costs that plus a
``p x p`` Cholesky solve, whatever the model. :func:`fit_models` runs the iteration for every
(model, count vector) pair in parallel threads (numba ``prange``): results do not depend on
the number of threads.

Terms whose margin is zero in a count vector are fixed at minus infinity and the cells that
contain them are dropped, per pair, as in MultipleSystemsEstimation's ``fit_hier_model``.
The kernel reports, for each pair, whether it converged, whether the information matrix was
singular, and the smallest fitted value among the kept empty cells: a maximum likelihood
estimate that does not exist (Fienberg-Rinaldo) shows as fitted values running to zero, so
callers confirm those cases with the exact linear-programming check.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba as nb
import numpy as np

from .constants import (
    CREEP_LIMIT,
    DEVIANCE_OFFSET,
    DEVIANCE_SLACK,
    ENGINE_MAX_ITER,
    ENGINE_TOL,
    MAX_STEP_HALVINGS,
    START_OFFSET,
    STEP_TOL,
    FitStatus,
)

__all__ = [
    "FitStatus",
    "ModelFit",
    "best_fit",
    "cell_margins",
    "fit_model",
    "fit_models",
    "pack_models",
]


# the kernels' settings, one float array in this order (_settings builds it from the
# constants): numba would freeze constants read as globals of another module into its cache
_TOL, _MAX_ITER, _STEP_TOL, _CREEP_LIMIT, _HALVINGS, _SLACK, _START, _DEV_OFFSET = range(8)


def _settings(tol: float, max_iter: int) -> np.ndarray:
    """The settings array every kernel takes (tolerance and iteration limit as asked)."""
    out = np.empty(8)
    out[_TOL] = tol
    out[_MAX_ITER] = max_iter
    out[_STEP_TOL] = STEP_TOL
    out[_CREEP_LIMIT] = CREEP_LIMIT
    out[_HALVINGS] = MAX_STEP_HALVINGS
    out[_SLACK] = DEVIANCE_SLACK
    out[_START] = START_OFFSET
    out[_DEV_OFFSET] = DEVIANCE_OFFSET
    return out


@nb.njit(cache=True, inline="always")
def _subset_sum(v: np.ndarray, t: int) -> None:
    n = 1 << t
    for j in range(t):
        bit = 1 << j
        for c in range(n):
            if c & bit:
                v[c] += v[c ^ bit]


@nb.njit(cache=True, inline="always")
def _superset_sum(v: np.ndarray, t: int) -> None:
    n = 1 << t
    for j in range(t):
        bit = 1 << j
        for c in range(n):
            if not (c & bit):
                v[c] += v[c | bit]


@nb.njit(cache=True)
def _cholesky_solve(H: np.ndarray, g: np.ndarray, p: int, out: np.ndarray) -> bool:
    """Solve H x = g for symmetric positive definite H (overwritten). False if singular."""
    for j in range(p):
        d = H[j, j]
        for k in range(j):
            d -= H[j, k] * H[j, k]
        scale = 0.0
        for k in range(p):
            a = abs(H[k, k])
            if a > scale:
                scale = a
        if not (d > 1e-13 * scale):
            return False
        d = math.sqrt(d)
        H[j, j] = d
        for i in range(j + 1, p):
            s = H[i, j]
            for k in range(j):
                s -= H[i, k] * H[j, k]
            H[i, j] = s / d
    for i in range(p):
        s = g[i]
        for k in range(i):
            s -= H[i, k] * out[k]
        out[i] = s / H[i, i]
    for i in range(p - 1, -1, -1):
        s = out[i]
        for k in range(i + 1, p):
            s -= H[k, i] * out[k]
        out[i] = s / H[i, i]
    return True


@nb.njit(cache=True)
def _vector_constants(y: np.ndarray, first_cell: int) -> tuple[float, float]:
    """Per count vector: sum of y log y - y (deviance constant) and of log y! over the cells
    from ``first_cell`` (1: the unobserved cell 0 left out; 0: its count given)."""
    c_dev = 0.0
    c_lgam = 0.0
    for c in range(first_cell, y.size):
        yc = y[c]
        if yc > 0:
            c_dev += yc * math.log(yc) - yc
            c_lgam += math.lgamma(yc + 1.0)
    return c_dev, c_lgam


@nb.njit(cache=True)
def _fit_pair(
    terms: np.ndarray,
    p_all: int,
    y: np.ndarray,
    ymarg: np.ndarray,
    t: int,
    start: np.ndarray,
    use_start: bool,
    settings: np.ndarray,
    beta_out: np.ndarray,
    c_dev: float,
    c_lgam: float,
    zero_cell: bool,
) -> tuple[float, float, float, int, int, int, float, int]:
    """Fit one model (``terms[:p_all]``) to one count vector ``y`` (length ``2**t``).

    With ``zero_cell`` the unobserved cell counts as observed with count ``y[0]`` (the profile
    likelihood fixes it); otherwise it is left out.

    Returns (N, deviance, loglik, n_estimated, status, iterations, min_zero_fitted, n_kept_cells).
    ``beta_out`` receives the coefficients of all terms (``-inf`` for empty margins).
    ``settings`` is :func:`_settings`' array. Status bits are FitStatus's (1 not converged,
    2 singular, 4 diverging), written as literals: see constants.py.
    """
    tol = settings[_TOL]
    max_iter = int(settings[_MAX_ITER])
    step_tol = settings[_STEP_TOL]
    creep_limit = int(settings[_CREEP_LIMIT])
    max_halvings = int(settings[_HALVINGS])
    slack = settings[_SLACK]
    start_offset = settings[_START]
    dev_offset = settings[_DEV_OFFSET]
    n_cells = 1 << t
    # estimated terms and kept cells
    est = np.empty(p_all, dtype=np.int64)
    p = 0
    keep = np.ones(n_cells, dtype=np.bool_)
    keep[0] = zero_cell
    for i in range(p_all):
        s = terms[i]
        if s == 0 or ymarg[s] > 0:
            est[p] = i
            p += 1
        else:
            beta_out[i] = -np.inf
            for c in range(n_cells):
                if (c & s) == s:
                    keep[c] = False
    eterms = np.empty(p, dtype=np.int64)
    for i in range(p):
        eterms[i] = terms[est[i]]
    H = np.empty((p, p))
    g = np.empty(p)
    delta = np.empty(p)
    beta = np.zeros(p)
    vec = np.zeros(n_cells)
    eta = np.zeros(n_cells)
    mu = np.zeros(n_cells)
    status = 0
    # starting values
    have_start = False
    if use_start:
        have_start = True
        for i in range(p):
            b = start[est[i]]
            if not np.isfinite(b):
                have_start = False
                break
            beta[i] = b
    if not have_start:
        # R's glm.fit start: one weighted least squares step from mu = y + start_offset
        wz = np.zeros(n_cells)
        for c in range(n_cells):
            if keep[c]:
                w = y[c] + start_offset
                vec[c] = w
                wz[c] = w * math.log(w)
            else:
                vec[c] = 0.0
        _superset_sum(vec, t)
        _superset_sum(wz, t)
        for i in range(p):
            g[i] = wz[eterms[i]]
            for j in range(p):
                H[i, j] = vec[eterms[i] | eterms[j]]
        if not _cholesky_solve(H, g, p, beta):
            status |= 2
            return np.nan, np.nan, np.nan, p, status, 0, np.nan, 0
    # deviance at the start
    dev = 0.0
    for c in range(n_cells):
        eta[c] = 0.0
    for i in range(p):
        eta[eterms[i]] = beta[i]
    _subset_sum(eta, t)
    dev = c_dev
    for c in range(n_cells):
        if keep[c]:
            m = math.exp(eta[c])
            mu[c] = m
            dev += m - y[c] * eta[c]
        else:
            mu[c] = 0.0
    dev *= 2.0
    it = 0
    converged = False
    creeping = 0
    new_beta = np.empty(p)
    while it < max_iter:
        it += 1
        for c in range(n_cells):
            vec[c] = mu[c]
        _superset_sum(vec, t)
        for i in range(p):
            g[i] = ymarg[eterms[i]] - vec[eterms[i]]
            for j in range(i + 1):
                h = vec[eterms[i] | eterms[j]]
                H[i, j] = h
                H[j, i] = h
        if not _cholesky_solve(H, g, p, delta):
            status |= 2
            break
        step = 1.0
        new_dev = np.inf
        for _ in range(max_halvings):
            for i in range(p):
                new_beta[i] = beta[i] + step * delta[i]
            for c in range(n_cells):
                eta[c] = 0.0
            for i in range(p):
                eta[eterms[i]] = new_beta[i]
            _subset_sum(eta, t)
            nd = c_dev
            for c in range(n_cells):
                if keep[c]:
                    nd += math.exp(eta[c]) - y[c] * eta[c]
            nd *= 2.0
            if np.isfinite(nd) and nd <= dev * (1.0 + slack) + slack:
                new_dev = nd
                break
            step *= 0.5
        if not np.isfinite(new_dev):
            # no step improves the deviance: we are at the optimum to rounding
            converged = True
            break
        step_max = 0.0
        for i in range(p):
            d = abs(new_beta[i] - beta[i])
            if d > step_max:
                step_max = d
            beta[i] = new_beta[i]
        for c in range(n_cells):
            mu[c] = math.exp(eta[c]) if keep[c] else 0.0
        change = abs(new_dev - dev) / (abs(new_dev) + dev_offset)
        dev = new_dev
        if change < tol:
            if step_max < step_tol:
                converged = True
                break
            creeping += 1
            if creeping >= creep_limit:
                status |= 4
                break
        else:
            creeping = 0
    if not converged and not (status & 4) and not (status & 2):
        status |= 1
    # final quantities
    for c in range(n_cells):
        eta[c] = 0.0
    for i in range(p):
        eta[eterms[i]] = beta[i]
    _subset_sum(eta, t)
    loglik = -c_lgam
    min_zero = np.inf
    n_obs = 0.0
    n_kept = 0
    for c in range(n_cells):
        if keep[c]:
            n_kept += 1
            m = math.exp(eta[c])
            yc = y[c]
            loglik += yc * eta[c] - m
            n_obs += yc
            if yc == 0 and m < min_zero:
                min_zero = m
    for i in range(p):
        beta_out[est[i]] = beta[i]
    N = n_obs + math.exp(beta[0])
    if status & 6:  # no finite maximum: nothing to report
        N = np.nan
        loglik = np.nan
    return N, dev, loglik, p, status, it, min_zero, n_kept


@nb.njit(cache=True, parallel=True)
def _fit_all(
    term_table: np.ndarray,
    n_terms: np.ndarray,
    Y: np.ndarray,
    Ymarg: np.ndarray,
    t: int,
    starts: np.ndarray,
    use_start: bool,
    settings: np.ndarray,
    betas: np.ndarray,
    want_betas: bool,
    zero_cell: bool,
) -> tuple[
    np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray
]:
    K = term_table.shape[0]
    B = Y.shape[0]
    N = np.empty((K, B))
    dev = np.empty((K, B))
    loglik = np.empty((K, B))
    n_est = np.empty((K, B), dtype=np.int64)
    status = np.empty((K, B), dtype=np.int64)
    iters = np.empty((K, B), dtype=np.int64)
    min_zero = np.empty((K, B))
    n_kept = np.empty((K, B), dtype=np.int64)
    pmax = term_table.shape[1]
    c_dev = np.empty(B)
    c_lgam = np.empty(B)
    for b in range(B):
        c_dev[b], c_lgam[b] = _vector_constants(Y[b], 0 if zero_cell else 1)
    for idx in nb.prange(K * B):
        k = idx // B
        b = idx - k * B
        beta_out = np.empty(pmax)
        r = _fit_pair(
            term_table[k],
            n_terms[k],
            Y[b],
            Ymarg[b],
            t,
            starts[k],
            use_start,
            settings,
            beta_out,
            c_dev[b],
            c_lgam[b],
            zero_cell,
        )
        N[k, b] = r[0]
        dev[k, b] = r[1]
        loglik[k, b] = r[2]
        n_est[k, b] = r[3]
        status[k, b] = r[4]
        iters[k, b] = r[5]
        min_zero[k, b] = r[6]
        n_kept[k, b] = r[7]
        if want_betas:
            for i in range(n_terms[k]):
                betas[k, b, i] = beta_out[i]
    return N, dev, loglik, n_est, status, iters, min_zero, n_kept


@nb.njit(cache=True, parallel=True)
def _best_fit(
    term_table: np.ndarray,
    n_terms: np.ndarray,
    Y: np.ndarray,
    Ymarg: np.ndarray,
    t: int,
    starts: np.ndarray,
    use_start: bool,
    settings: np.ndarray,
    penalty: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For each count vector, the model with the smallest ``penalty * k - 2 loglik``.

    Pairs without a finite maximum are skipped. A model is not fitted at all when even a
    perfect fit (deviance 0) could not beat the best criterion found so far: its criterion is
    at least ``penalty * k - 2 loglik_saturated``. Candidates are best given in order of
    expected quality (the original data's ranking), so that this bound bites early.
    Returns per vector the selected N, the criterion, the model index (-1 if none) and the
    number of pairs that hit the iteration limit without a verdict.
    """
    K = term_table.shape[0]
    B = Y.shape[0]
    pmax = term_table.shape[1]
    best_N = np.full(B, np.nan)
    best_crit = np.full(B, np.inf)
    best_k = np.full(B, -1, dtype=np.int64)
    undecided = np.zeros(B, dtype=np.int64)
    for b in nb.prange(B):
        beta_out = np.empty(pmax)
        c_dev, c_lgam = _vector_constants(Y[b], 1)
        # saturated Poisson log-likelihood: sum of y log y - y - log y!
        loglik_sat = c_dev - c_lgam
        for k in range(K):
            if penalty[b] * n_terms[k] - 2.0 * loglik_sat >= best_crit[b]:
                continue
            r = _fit_pair(
                term_table[k],
                n_terms[k],
                Y[b],
                Ymarg[b],
                t,
                starts[k],
                use_start,
                settings,
                beta_out,
                c_dev,
                c_lgam,
                False,
            )
            st = r[4]
            if st != 0:
                if st == 1:
                    undecided[b] += 1
                continue
            crit = penalty[b] * n_terms[k] - 2.0 * r[2]
            if crit < best_crit[b]:
                best_crit[b] = crit
                best_N[b] = r[0]
                best_k[b] = k
    return best_N, best_crit, best_k, undecided


def best_fit(
    term_table: np.ndarray,
    n_terms: np.ndarray,
    Y: np.ndarray,
    t: int,
    penalty: np.ndarray,
    *,
    starts: np.ndarray | None = None,
    tol: float = ENGINE_TOL,
    max_iter: int = ENGINE_MAX_ITER,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Select, for every count vector, the model minimising ``penalty * k - 2 loglik``.

    ``penalty`` has one entry per count vector (``log n`` for BIC, 2 for AIC); ``k`` counts
    every term of the model, including those fixed at minus infinity (MultipleSystemsEstimation's
    convention). Returns ``(N, criterion, model_index, undecided)`` arrays of length B;
    ``model_index`` is -1 where no model has a finite maximum.
    """
    term_table = np.ascontiguousarray(term_table, dtype=np.int64)
    n_terms = np.ascontiguousarray(n_terms, dtype=np.int64)
    Y = np.ascontiguousarray(np.atleast_2d(Y), dtype=float)
    K, pmax = term_table.shape
    Ymarg = cell_margins(Y, t)
    use_start = starts is not None
    st = np.zeros((K, pmax)) if starts is None else np.ascontiguousarray(starts, dtype=float)
    return _best_fit(
        term_table,
        n_terms,
        Y,
        Ymarg,
        int(t),
        st,
        use_start,
        _settings(float(tol), int(max_iter)),
        np.ascontiguousarray(penalty, dtype=float),
    )


def cell_margins(Y: np.ndarray, t: int, *, zero_cell: bool = False) -> np.ndarray:
    """Superset sums of count vectors: ``out[b, s] = sum of Y[b, c] over cells c ⊇ s`` (the
    unobserved cell 0 counted only with ``zero_cell``)."""
    out = np.array(Y, dtype=float, copy=True)
    if not zero_cell:
        out[:, 0] = 0.0
    n = 1 << t
    cells = np.arange(n)
    for j in range(t):
        bit = 1 << j
        low = cells[(cells & bit) == 0]
        out[:, low] += out[:, low | bit]
    return out


def pack_models(models_terms: list[tuple[int, ...]]) -> tuple[np.ndarray, np.ndarray]:
    """Pack term tuples (intercept first) into a padded table and a length vector."""
    K = len(models_terms)
    pmax = max(len(m) for m in models_terms)
    table = np.zeros((K, pmax), dtype=np.int64)
    lengths = np.empty(K, dtype=np.int64)
    for k, m in enumerate(models_terms):
        table[k, : len(m)] = m
        lengths[k] = len(m)
    return table, lengths


def fit_models(
    term_table: np.ndarray,
    n_terms: np.ndarray,
    Y: np.ndarray,
    t: int,
    *,
    starts: np.ndarray | None = None,
    tol: float = ENGINE_TOL,
    max_iter: int = ENGINE_MAX_ITER,
    return_betas: bool = False,
    zero_cell: bool = False,
) -> dict[str, np.ndarray]:
    """Fit every model (rows of ``term_table``) to every count vector (rows of ``Y``).

    Parameters
    ----------
    term_table : (K, pmax) int array
        Terms of each model as bit masks, intercept (0) first, padded.
    n_terms : (K,) int array
        Number of terms of each model.
    Y : (B, 2**t) array
        Count vectors indexed by capture pattern (entry 0, the unobserved cell, is ignored).
    starts : (K, pmax) array, optional
        Starting coefficients for each model (warm start); a pair whose estimated terms
        include one with a non-finite start falls back to R's starting values.
    zero_cell : bool
        Count ``Y[:, 0]`` as the observed count of the unobserved cell (a profile likelihood
        fixes it); by default that entry is ignored.

    Returns
    -------
    dict with (K, B) arrays ``N``, ``deviance``, ``loglik``, ``n_estimated``, ``status``
    (:class:`FitStatus` flags), ``iterations``, ``min_zero_fitted``, and with
    ``return_betas`` a (K, B, pmax) array ``beta``.
    """
    term_table = np.ascontiguousarray(term_table, dtype=np.int64)
    n_terms = np.ascontiguousarray(n_terms, dtype=np.int64)
    Y = np.ascontiguousarray(np.atleast_2d(Y), dtype=float)
    K, pmax = term_table.shape
    B = Y.shape[0]
    if Y.shape[1] != 1 << t:
        raise ValueError(f"count vectors must have {1 << t} entries, got {Y.shape[1]}")
    Ymarg = cell_margins(Y, t, zero_cell=zero_cell)
    use_start = starts is not None
    st = np.zeros((K, pmax)) if starts is None else np.ascontiguousarray(starts, dtype=float)
    betas = np.full((K, B, pmax) if return_betas else (1, 1, 1), np.nan)
    N, dev, loglik, n_est, status, iters, min_zero, n_kept = _fit_all(
        term_table,
        n_terms,
        Y,
        Ymarg,
        int(t),
        st,
        use_start,
        _settings(float(tol), int(max_iter)),
        betas,
        return_betas,
        bool(zero_cell),
    )
    out = {
        "N": N,
        "deviance": dev,
        "loglik": loglik,
        "n_estimated": n_est,
        "status": status,
        "iterations": iters,
        "min_zero_fitted": min_zero,
        "n_cells": n_kept,
    }
    if return_betas:
        out["beta"] = betas
    return out


@dataclass(frozen=True)
class ModelFit:
    """One model fitted to one count vector by the engine, with what inference needs.

    ``terms`` are the estimated terms (intercept first) and ``coef`` their coefficients;
    ``infinite_terms`` are fixed at minus infinity (empty margins) and the cells containing
    them are not in ``cells``. ``information`` is the Fisher information ``X' W X`` at the final
    iterate and ``cov`` its inverse. ``fitted`` holds the fitted value of every cell (0 for
    dropped cells; cell 0 is the unobserved cell, ``exp(intercept)``).
    """

    N: float
    terms: np.ndarray
    coef: np.ndarray
    infinite_terms: np.ndarray
    cells: np.ndarray
    fitted: np.ndarray
    information: np.ndarray
    cov: np.ndarray
    deviance: float
    loglik: float
    status: int
    iterations: int

    @property
    def ok(self) -> bool:
        """Converged to a finite maximum with a non-singular information matrix."""
        return self.status == FitStatus.OK

    @property
    def df_residual(self) -> int:
        """Kept cells minus estimated terms."""
        return int(self.cells.size - self.terms.size)


def fit_model(
    terms: tuple[int, ...] | np.ndarray,
    y: np.ndarray,
    t: int,
    *,
    tol: float = ENGINE_TOL,
    max_iter: int = ENGINE_MAX_ITER,
) -> ModelFit:
    """Fit one hierarchical model to one count vector with the engine's Newton iteration.

    Returns the estimate, the coefficients and the information matrix at the final iterate:
    the same iteration that ranked the model in a selection, so a selected model is not fitted
    again by another method.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([0.0, 60, 40, 20])  # cells 01, 10, 11 of two lists
    >>> fit = fit_model((0, 1, 2), y, 2)
    >>> round(fit.N, 6)  # Lincoln-Petersen: n1 n2 / m = 80 * 60 / 20
    240.0
    >>> fit.cov.shape
    (3, 3)
    """
    terms_arr = np.asarray(terms, dtype=np.int64)
    y = np.asarray(y, dtype=float)
    res = fit_models(
        terms_arr[None, :],
        np.array([terms_arr.size]),
        y[None, :],
        t,
        tol=tol,
        max_iter=max_iter,
        return_betas=True,
    )
    beta = res["beta"][0, 0, : terms_arr.size]
    finite = np.isfinite(beta)
    est_terms, coef = terms_arr[finite], beta[finite]
    infinite = terms_arr[~finite]
    cells = np.arange(1, 1 << t, dtype=np.int64)
    if infinite.size:
        hit = ((cells[:, None] & infinite[None, :]) == infinite[None, :]).any(axis=1)
        cells = cells[~hit]
    X = ((cells[:, None] & est_terms[None, :]) == est_terms[None, :]).astype(float)
    mu_cells = np.exp(X @ coef)
    fitted = np.zeros(1 << t)
    fitted[cells] = mu_cells
    fitted[0] = math.exp(coef[0]) if coef.size else math.nan
    information = (X * mu_cells[:, None]).T @ X
    try:
        cov = np.linalg.inv(information)
    except np.linalg.LinAlgError:
        cov = np.full_like(information, np.nan)
    return ModelFit(
        N=float(res["N"][0, 0]),
        terms=est_terms,
        coef=coef,
        infinite_terms=infinite,
        cells=cells,
        fitted=fitted,
        information=information,
        cov=cov,
        deviance=float(res["deviance"][0, 0]),
        loglik=float(res["loglik"][0, 0]),
        status=int(res["status"][0, 0]),
        iterations=int(res["iterations"][0, 0]),
    )
