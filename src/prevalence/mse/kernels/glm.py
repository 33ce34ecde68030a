"""Poisson log-linear fitting engine: Newton's method (IRLS) for one or many count vectors.

The log link is canonical for the Poisson family, so iteratively reweighted least squares is
exactly Newton's method on the log-likelihood. The iteration follows R's ``glm.fit``
(start from ``mu = y + 0.1``, halve the step when the deviance does not decrease) but
converges to a tighter tolerance, so estimates agree with R to the digits R prints.
Several count vectors sharing one design matrix are fitted together (one batched linear
solve per iteration), which is what the bootstrap and the profile likelihood need.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import gammaln

from ..core.errors import EstimationError

__all__ = ["PoissonFit", "fit_poisson", "fit_poisson_batch", "poisson_deviance", "poisson_loglik"]

DEFAULT_TOL = 1e-11
DEFAULT_MAX_ITER = 100
# R's poisson()$linkinv is pmax(exp(eta), .Machine$double.eps): fitted values never reach
# zero, so working responses stay finite when a parameter runs to minus infinity.
R_MU_FLOOR = float(np.finfo(float).eps)
MU_FLOOR = 1e-300


def _inv_link(eta: np.ndarray, floor: float) -> np.ndarray:
    with np.errstate(over="ignore"):
        return np.maximum(np.exp(eta), floor)


@dataclass(frozen=True)
class PoissonFit:
    """Result of a Poisson log-linear fit (one count vector)."""

    coef: np.ndarray
    fitted: np.ndarray
    deviance: float
    loglik: float
    cov: np.ndarray
    converged: bool
    iterations: int
    df_residual: int

    @property
    def aic(self) -> float:
        """R's AIC: ``-2 loglik + 2 * number of coefficients``."""
        return -2.0 * self.loglik + 2.0 * self.coef.size

    @property
    def std_errors(self) -> np.ndarray:
        return np.sqrt(np.diag(self.cov))


def poisson_deviance(y: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """Poisson deviance ``2 * sum(y log(y / mu) - (y - mu))`` over the last axis."""
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(y > 0, y * np.log(y / mu), 0.0) - (y - mu)
    return 2.0 * term.sum(axis=-1)


def poisson_loglik(y: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """Poisson log-likelihood ``sum(y log mu - mu - log y!)`` over the last axis."""
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(y > 0, y * np.log(mu), 0.0) - mu - gammaln(y + 1.0)
    return term.sum(axis=-1)


def _weighted_solve(X: np.ndarray, w: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Weighted least squares for each row of ``w`` and ``z``: ``(X'WX)^{-1} X'Wz``."""
    Xw = X[None, :, :] * w[:, :, None]  # (B, m, p)
    A = np.einsum("bmp,mq->bpq", Xw, X)
    rhs = np.einsum("bmp,bm->bp", Xw, z)
    try:
        return np.linalg.solve(A, rhs[..., None])[..., 0]
    except np.linalg.LinAlgError:
        out = np.empty_like(rhs)
        for b in range(A.shape[0]):
            out[b] = np.linalg.lstsq(A[b], rhs[b], rcond=None)[0]
        return out


def fit_poisson_batch(
    X: np.ndarray,
    Y: np.ndarray,
    offset: np.ndarray | None = None,
    *,
    start: np.ndarray | None = None,
    tol: float = DEFAULT_TOL,
    max_iter: int = DEFAULT_MAX_ITER,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Fit ``log E[Y[b]] = offset + X @ beta[b]`` by maximum likelihood for every row ``b``.

    Parameters
    ----------
    X : (m, p) array
        Design matrix (full column rank).
    Y : (B, m) array
        Counts, one vector per row.
    offset : (m,) array, optional
    start : (B, p) array, optional
        Starting coefficients (warm start); default starts from ``mu = y + 0.1`` as R does.

    Returns
    -------
    coef (B, p), fitted (B, m), deviance (B,), converged (B,) bool, iterations (B,) int.
    """
    X = np.asarray(X, dtype=float)
    Y = np.atleast_2d(np.asarray(Y, dtype=float))
    B, m = Y.shape
    if X.shape[0] != m:
        raise ValueError(f"design has {X.shape[0]} rows but counts have {m} cells")
    off = np.zeros(m) if offset is None else np.asarray(offset, dtype=float)
    if start is None:
        mu0 = Y + 0.1
        eta0 = np.log(mu0)
        beta = _weighted_solve(X, mu0, eta0 - off + (Y - mu0) / mu0)
    else:
        beta = np.array(np.broadcast_to(start, (B, X.shape[1])), dtype=float)
    eta = beta @ X.T + off
    mu = _inv_link(eta, MU_FLOOR)
    dev = poisson_deviance(Y, mu)
    converged = np.zeros(B, dtype=bool)
    iterations = np.zeros(B, dtype=np.int64)
    active = np.arange(B)
    for it in range(1, max_iter + 1):
        if active.size == 0:
            break
        ya, ba, mua = Y[active], beta[active], mu[active]
        etaa = ba @ X.T + off
        z = etaa - off + (ya - mua) / mua
        new = _weighted_solve(X, mua, z)
        new_mu = _inv_link(new @ X.T + off, MU_FLOOR)
        new_dev = poisson_deviance(ya, new_mu)
        old_dev = dev[active]
        # step halving where the deviance is not finite or went up
        bad = ~np.isfinite(new_dev) | (new_dev > old_dev * (1 + 1e-12) + 1e-12)
        halvings = 0
        while bad.any() and halvings < 40:
            new[bad] = 0.5 * (new[bad] + ba[bad])
            new_mu[bad] = _inv_link(new[bad] @ X.T + off, MU_FLOOR)
            new_dev[bad] = poisson_deviance(ya[bad], new_mu[bad])
            bad = ~np.isfinite(new_dev) | (new_dev > old_dev * (1 + 1e-12) + 1e-12)
            halvings += 1
        if bad.any():  # could not improve: stay where we were
            new[bad] = ba[bad]
            new_mu[bad] = mua[bad]
            new_dev[bad] = old_dev[bad]
        beta[active] = new
        mu[active] = new_mu
        dev[active] = new_dev
        iterations[active] = it
        # converged when the deviance stops changing; a step that cannot improve the deviance
        # at all (``bad``) leaves it unchanged, so it also counts as converged
        done = np.abs(new_dev - old_dev) / (np.abs(new_dev) + 0.1) < tol
        converged[active[done]] = True
        active = active[~done]
    return beta, mu, dev, converged, iterations


def _fit_like_r(
    X: np.ndarray, y: np.ndarray, offset: np.ndarray | None, epsilon: float, max_iter: int
) -> tuple[np.ndarray, np.ndarray, float, bool, int, np.ndarray]:
    """IRLS exactly as R's ``glm.fit`` (poisson family): same start, step and stopping rule.

    Returns coef, fitted, deviance, converged, iterations and the working weights of the
    last least-squares solve (R's ``summary.glm`` covariance is computed with these).
    """
    off = np.zeros_like(y) if offset is None else np.asarray(offset, dtype=float)
    mu = y + 0.1
    eta = np.log(mu)
    devold = float(poisson_deviance(y, mu))
    coef = np.zeros(X.shape[1])
    w = mu
    converged = False
    iterations = 0
    while iterations < max_iter:
        iterations += 1
        z = (eta - off) + (y - mu) / mu
        w = mu
        sw = np.sqrt(w)
        start = np.linalg.lstsq(X * sw[:, None], z * sw, rcond=None)[0]
        new_eta = X @ start + off
        new_mu = _inv_link(new_eta, R_MU_FLOOR)
        dev = float(poisson_deviance(y, new_mu))
        halvings = 0
        while not np.isfinite(dev) and halvings < 100:
            start = 0.5 * (start + coef)
            new_eta = X @ start + off
            new_mu = _inv_link(new_eta, R_MU_FLOOR)
            dev = float(poisson_deviance(y, new_mu))
            halvings += 1
        coef, eta, mu = start, new_eta, new_mu
        if abs(dev - devold) / (abs(dev) + 0.1) < epsilon:
            converged = True
            break
        devold = dev
    return coef, mu, dev, converged, iterations, w


def fit_poisson(
    X: np.ndarray,
    y: np.ndarray,
    offset: np.ndarray | None = None,
    *,
    start: np.ndarray | None = None,
    tol: float = DEFAULT_TOL,
    max_iter: int = DEFAULT_MAX_ITER,
    check_rank: bool = True,
    like_r: bool = False,
) -> PoissonFit:
    """Fit one Poisson log-linear model; see :func:`fit_poisson_batch`.

    With ``like_r=True`` the iteration is R's ``glm.fit`` to the letter (``epsilon = 1e-8``,
    at most 25 iterations, covariance from the working weights of the last solve, as
    ``summary.glm``), which reproduces R's output digit for digit, including where R stops
    before the maximum (estimates on the boundary); otherwise Newton runs to ``tol``.

    Raises
    ------
    EstimationError
        When the design matrix is not of full column rank (parameters not identifiable).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 0.0], [1.0, 1.0]])
    >>> fit = fit_poisson(X, np.array([10.0, 20.0]))
    >>> np.round(np.exp(fit.coef), 6).tolist()
    [10.0, 2.0]
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    m, p = X.shape
    if check_rank:
        rank = np.linalg.matrix_rank(X)
        if rank < p:
            raise EstimationError(
                f"design matrix not of full rank ({rank} < {p} parameters): "
                "the model parameters are not identifiable"
            )
    if like_r:
        b, mu1, dev0, conv0, it0, w = _fit_like_r(X, y, offset, 1e-8, 25)
        dev, conv, iters = np.array([dev0]), np.array([conv0]), np.array([it0])
    else:
        beta, mu, dev, conv, iters = fit_poisson_batch(
            X,
            y[None, :],
            offset,
            start=None if start is None else start[None, :],
            tol=tol,
            max_iter=max_iter,
        )
        b, mu1 = beta[0], mu[0]
        w = mu1
    info = (X * w[:, None]).T @ X
    try:
        cov = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        cov = np.linalg.pinv(info)
    return PoissonFit(
        coef=b,
        fitted=mu1,
        deviance=float(dev[0]),
        loglik=float(poisson_loglik(y, mu1)),
        cov=cov,
        converged=bool(conv[0]),
        iterations=int(iters[0]),
        df_residual=m - p,
    )
