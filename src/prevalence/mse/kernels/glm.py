"""One Poisson log-linear model on an arbitrary design: Newton's method (IRLS), as R's glm.

The log link is canonical for the Poisson family, so iteratively reweighted least squares is
exactly Newton's method on the log-likelihood. The iteration is R's ``glm.fit`` (start from
``mu = y + 0.1``, halve the step while the deviance is not finite), stopped where R stops or
run to a tighter tolerance. The hierarchical models of ``LogLinearMSE`` are fitted by the
batched engine (``engine.py``); this module serves designs the engine does not cover: the
Rcapture family's heterogeneity and time-effect designs, and R's iteration where an R package
reads its output before the maximum (SparseMSE's log-normal interval).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import gammaln

from ...core.errors import EstimationError
from .constants import (
    DEVIANCE_OFFSET,
    GLM_MAX_HALVINGS,
    GLM_MAX_ITER,
    GLM_TOL,
    R_EPSILON,
    R_MAX_ITER,
    R_MU_FLOOR,
    START_OFFSET,
)

__all__ = ["PoissonFit", "fit_poisson", "poisson_deviance", "poisson_loglik"]


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


def _newton(
    X: np.ndarray,
    y: np.ndarray,
    offset: np.ndarray | None,
    epsilon: float,
    max_iter: int,
    start: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, float, bool, int, np.ndarray]:
    """Newton's method (IRLS) with R's ``glm.fit`` rule for the poisson family: start from
    ``mu = y + 0.1`` (or ``start``), halve the step while the deviance is not finite, stop when
    the relative change of the deviance is below ``epsilon``.

    Returns coef, fitted, deviance, converged, iterations and the working weights of the
    last least-squares solve (R's ``summary.glm`` covariance is computed with these).
    """
    off = np.zeros_like(y) if offset is None else np.asarray(offset, dtype=float)
    if start is None:
        mu = y + START_OFFSET
        eta = np.log(mu)
        coef = np.zeros(X.shape[1])
    else:
        coef = np.asarray(start, dtype=float)
        eta = X @ coef + off
        mu = _inv_link(eta, R_MU_FLOOR)
    devold = float(poisson_deviance(y, mu))
    w = mu
    converged = False
    iterations = 0
    while iterations < max_iter:
        iterations += 1
        z = (eta - off) + (y - mu) / mu
        w = mu
        sw = np.sqrt(w)
        step = np.linalg.lstsq(X * sw[:, None], z * sw, rcond=None)[0]
        new_eta = X @ step + off
        new_mu = _inv_link(new_eta, R_MU_FLOOR)
        dev = float(poisson_deviance(y, new_mu))
        halvings = 0
        while not np.isfinite(dev) and halvings < GLM_MAX_HALVINGS:
            step = 0.5 * (step + coef)
            new_eta = X @ step + off
            new_mu = _inv_link(new_eta, R_MU_FLOOR)
            dev = float(poisson_deviance(y, new_mu))
            halvings += 1
        coef, eta, mu = step, new_eta, new_mu
        if abs(dev - devold) / (abs(dev) + DEVIANCE_OFFSET) < epsilon:
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
    tol: float = GLM_TOL,
    max_iter: int = GLM_MAX_ITER,
    check_rank: bool = True,
    like_r: bool = False,
) -> PoissonFit:
    """Fit one Poisson log-linear model ``log E[y] = offset + X @ beta``.

    One Newton iteration (R's ``glm.fit`` rule) serves both settings. With ``like_r=True`` it
    stops where R stops (``epsilon = 1e-8``, at most 25 iterations) and the covariance comes
    from the working weights of the last solve, as ``summary.glm``: R's output digit for digit,
    including where R stops before the maximum (estimates on the boundary). Otherwise it runs
    to ``tol`` and the covariance is the inverse information at the final iterate.

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
        b, mu1, dev, conv, iters, w = _newton(X, y, offset, R_EPSILON, R_MAX_ITER)
    else:
        b, mu1, dev, conv, iters, _ = _newton(X, y, offset, tol, max_iter, start)
        w = mu1  # the information at the final iterate
    info = (X * w[:, None]).T @ X
    try:
        cov = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        cov = np.linalg.pinv(info)
    return PoissonFit(
        coef=b,
        fitted=mu1,
        deviance=float(dev),
        loglik=float(poisson_loglik(y, mu1)),
        cov=cov,
        converged=bool(conv),
        iterations=int(iters),
        df_residual=m - p,
    )
