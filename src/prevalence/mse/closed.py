"""Rcapture's closed-population models (``closedp.t``): M0, Mt, Mh, Mth and Mb families.

Lists are treated as capture occasions in column order. Every model is a Poisson
log-linear model on the ``2**t - 1`` observable capture patterns (Rivest and Baillargeon
2007; Baillargeon and Rivest 2007, *Journal of Statistical Software* 19(5)):

* ``M0``: one capture probability; ``Mt``: one per occasion;
* ``Mh``/``Mth`` heterogeneity through a function of the number of captures ``k`` (or a
  normal random effect, ``h="Normal"``, fitted by numerical integration):
  Chao's lower bound (``eta_j = max(k - j + 1, 0)`` for ``j = 3..t``, negative ``eta`` removed
  one at a time), Poisson2 (``2**k - 1``), Darroch (``k**2 / 2``), Gamma3.5
  (``-log(3.5 + k) + log(3.5)``);
* ``Mb`` and ``Mbh``: behavioural response after the first capture (these depend on the
  order of the lists).

For all but ``Mb``/``Mbh`` the number unobserved is ``exp(intercept)``. Standard errors,
deviances, degrees of freedom, AIC and BIC follow Rcapture 1.4-4.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import DataError, EstimationError, EstimationWarning
from ..core.estimator import Estimator
from ..core.intervals import check_level, log_transformed_interval
from ..core.random import SeedLike
from ..core.results import Estimate, coefficient_table
from .algebra.existence import mle_exists
from .algebra.hierarchical import HierarchicalModel, hierarchical_models, term_label
from .data.captures import CaptureHistories, as_captures
from .details import ClosedPopulationDetails
from .inference.profile import profile_interval
from .kernels.glm import PoissonFit, fit_poisson

__all__ = [
    "ClosedPopulationMSE",
    "closed_population_models",
    "closed_population_table",
    "capture_patterns",
    "CLOSED_MODELS",
]

CLOSED_MODELS: tuple[str, ...] = (
    "M0",
    "Mt",
    "Mh Chao (LB)",
    "Mh Poisson2",
    "Mh Darroch",
    "Mh Gamma3.5",
    "Mth Chao (LB)",
    "Mth Poisson2",
    "Mth Darroch",
    "Mth Gamma3.5",
    "Mb",
    "Mbh",
)
_TWO_OCCASION_MODELS = ("M0", "Mt", "Mb")


def _normalise_name(name: str) -> str:
    key = re.sub(r"[\s_()\-]", "", str(name)).lower()
    aliases = {
        "m0": "M0",
        "mt": "Mt",
        "mb": "Mb",
        "mbh": "Mbh",
    }
    if key in aliases:
        return aliases[key]
    for family in ("mth", "mh"):
        if key.startswith(family):
            rest = key[len(family) :]
            base = "Mth" if family == "mth" else "Mh"
            for h, label in (
                (("chaolb", "chao", "lb", "c"), "Chao (LB)"),
                (("poisson2", "poisson", "p"), "Poisson2"),
                (("darroch", "d"), "Darroch"),
                (("gamma3.5", "gamma", "g"), "Gamma3.5"),
            ):
                if rest in h:
                    return f"{base} {label}"
    raise ValueError(f"unknown closed-population model {name!r}; choose from {list(CLOSED_MODELS)}")


@dataclass(frozen=True)
class _Layout:
    t: int
    codes: np.ndarray  # observable patterns 1..2^t-1
    x: np.ndarray  # (cells, t) capture indicators
    k: np.ndarray  # number of captures
    first: np.ndarray  # occasions before the first capture


def _layout(t: int) -> _Layout:
    codes = np.arange(1, 2**t, dtype=np.int64)
    x = ((codes[:, None] >> np.arange(t)) & 1).astype(float)
    k = x.sum(axis=1)
    first = np.array([(int(c) & -int(c)).bit_length() - 1 for c in codes], dtype=float)
    return _Layout(t, codes, x, k, first)


def _design(
    name: str, lay: _Layout, lists: Sequence[str]
) -> tuple[np.ndarray, int | None, list[str]]:
    """Design matrix with intercept first, for Chao models the index of the first eta, and the
    columns' names (the terms of ``details["coefficients"]``): ``captures`` is the number of
    lists a person is on, ``first_capture`` the list of the first capture, ``recaptures`` the
    captures after it, ``eta<j>`` Chao's terms."""
    one = np.ones((lay.codes.size, 1))
    k = lay.k
    if name in ("M0", "Mt"):
        cols, names = _base_columns(name, lay, lists)
        return np.hstack([one, cols]), None, ["(intercept)", *names]
    if name == "Mb":
        names = ["(intercept)", "first_capture", "recaptures"]
        return np.column_stack([one, lay.first, k - 1]), None, names
    if name == "Mbh":
        names = ["(intercept)", f"not_{lists[0]}", "first_capture", "recaptures"]
        return np.column_stack([one, 1 - lay.x[:, 0], lay.first, k - 1]), None, names
    family, h = name.split(" ", 1)  # "Mth Gamma3.5": the heterogeneity term at its default
    cols, names = _base_columns(family, lay, lists)
    base = np.hstack([one, cols])
    h_cols, is_chao, _, h_names = _heterogeneity_columns(
        h.split()[0].rstrip("0123456789."), None, lay
    )
    return (
        np.hstack([base, h_cols]),
        base.shape[1] if is_chao else None,
        ["(intercept)", *names, *h_names],
    )


def _base_columns(family: str, lay: _Layout, lists: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """The columns (without intercept) and names of M0 and Mh (the number of captures) or of
    Mt and Mth (one per list)."""
    if family in ("M0", "Mh"):
        return lay.k[:, None], ["captures"]
    return lay.x, list(lists)


HETEROGENEITY = ("Chao", "LB", "Poisson", "Darroch", "Gamma", "Normal")
_DEFAULT_THETA = {"Poisson": 2.0, "Gamma": 3.5}


def capture_patterns(n_lists: int) -> pd.DataFrame:
    """The observable capture patterns in Rcapture's ``histpos.t`` order (rows of a user design).

    Row ``i`` is the binary number ``2**t - 1 - i`` with the first list as its highest digit:
    ``(1, 1, ..., 1)`` first, ``(0, ..., 0, 1)`` last. Build user design columns for
    :class:`ClosedPopulationMSE` (``design=``) on these rows, as with Rcapture's ``mX``.

    Examples
    --------
    >>> capture_patterns(2).values.tolist()
    [[1, 1], [1, 0], [0, 1]]
    """
    t = int(n_lists)
    values = 2**t - 1 - np.arange(2**t - 1)
    bits = (values[:, None] >> np.arange(t - 1, -1, -1)[None, :]) & 1
    return pd.DataFrame(bits, columns=[f"c{j + 1}" for j in range(t)])


def _histpos_to_codes(t: int) -> np.ndarray:
    """Our cell code (bit j = list j) of each row of :func:`capture_patterns`."""
    bits = capture_patterns(t).to_numpy()
    return (bits << np.arange(t)[None, :]).sum(axis=1)


def _heterogeneity_columns(
    h: str | Callable[[np.ndarray], np.ndarray], theta: float | None, lay: _Layout
) -> tuple[np.ndarray, bool, str, list[str]]:
    """Columns of a heterogeneity term as Rcapture: (columns, is_chao, label, column names)."""
    k = lay.k
    if callable(h):
        col = np.asarray(h(k.copy()), dtype=float).reshape(-1)
        if col.shape != k.shape or not np.all(np.isfinite(col)):
            raise ValueError(
                "h as a function must map the numbers of captures to finite values, one per "
                f"capture pattern ({k.size})"
            )
        label = getattr(h, "__name__", "h")
        return col[:, None], False, label, [label]
    if h in ("Chao", "LB"):
        etas = np.column_stack([np.maximum(k - j + 1, 0) for j in range(3, lay.t + 1)])
        return etas, True, "Chao (LB)", [f"eta{j}" for j in range(3, lay.t + 1)]
    if h == "Poisson":
        th = _DEFAULT_THETA["Poisson"] if theta is None else float(theta)
        return (th**k - 1)[:, None], False, f"Poisson{th:g}", [f"Poisson{th:g}"]
    if h == "Darroch":
        return (k**2 / 2)[:, None], False, "Darroch", ["Darroch"]
    th = _DEFAULT_THETA["Gamma"] if theta is None else float(theta)
    return (-np.log(th + k) + np.log(th))[:, None], False, f"Gamma{th:g}", [f"Gamma{th:g}"]


def _user_design(
    design: Any, lay: _Layout, lists: tuple[str, ...]
) -> tuple[np.ndarray, str, list[str]]:
    """Columns (without intercept) of a user design, a hierarchical model or a matrix, with
    the model's label and the columns' names."""
    t = lay.t
    if isinstance(design, str) or isinstance(design, HierarchicalModel):
        model = HierarchicalModel.parse(design, lists=lists)
        terms = np.array([u for u in model.terms if u != 0], dtype=np.int64)
        cols = ((lay.codes[:, None] & terms[None, :]) == terms[None, :]).astype(float)
        return cols, str(model), [term_label(int(u), lists) for u in terms]
    names = [str(c) for c in design.columns] if isinstance(design, pd.DataFrame) else None
    mat = np.asarray(design.to_numpy() if isinstance(design, pd.DataFrame) else design)
    if mat.ndim == 1:
        mat = mat[:, None]
    if mat.ndim != 2 or mat.shape[0] != lay.codes.size:
        raise ValueError(
            f"design must have one row per observable capture pattern ({lay.codes.size} for "
            f"{t} lists, in the order of capture_patterns({t})), got shape {mat.shape}"
        )
    try:
        mat = mat.astype(float)
    except (TypeError, ValueError):
        raise ValueError("design must be numeric") from None
    if not np.all(np.isfinite(mat)):
        raise ValueError("design has missing or infinite values")
    out = np.empty_like(mat)
    out[_histpos_to_codes(t) - 1] = mat  # rows into our cell order (code c at row c - 1)
    return out, "user design", names or [f"x{j + 1}" for j in range(mat.shape[1])]


def _pattern_code(pattern: Any, lists: tuple[str, ...]) -> int:
    """Cell code of a pattern given as a 0/1 string in list order or as list names."""
    t = len(lists)
    if isinstance(pattern, str) and set(pattern) <= {"0", "1"} and len(pattern) == t:
        code = sum(1 << j for j, ch in enumerate(pattern) if ch == "1")
    else:
        names = [pattern] if isinstance(pattern, str) else list(pattern)
        unknown = [nm for nm in names if nm not in lists]
        if unknown:
            raise DataError(
                f"excluded pattern {pattern!r}: give a 0/1 string of length {t} in list order "
                f"or names of lists among {list(lists)} (unknown: {unknown})"
            )
        code = sum(1 << lists.index(nm) for nm in names)
    if code == 0:
        raise DataError("an excluded pattern must be on at least one list")
    return code


def _excluded_columns(
    patterns: Sequence[Any], captures: CaptureHistories, lay: _Layout
) -> np.ndarray:
    """Indicator columns of excluded patterns (Rcapture users' way to remove a cell)."""
    codes = [_pattern_code(pattern, captures.lists) for pattern in patterns]
    if len(set(codes)) < len(codes):
        raise DataError(f"exclude_patterns names a pattern twice: {list(patterns)}")
    return np.column_stack([(lay.codes == code).astype(float) for code in codes])


def _keep_estimable(X: np.ndarray) -> np.ndarray:
    """Columns kept by R's pivoted QR: each kept column adds to the rank of those before."""
    keep: list[int] = []
    for j in range(X.shape[1]):
        trial = keep + [j]
        if np.linalg.matrix_rank(X[:, trial]) == len(trial):
            keep = trial
    return np.array(keep, dtype=np.int64)


def _fit_with_chao(
    X: np.ndarray, y: np.ndarray, first_eta: int | None
) -> tuple[PoissonFit, np.ndarray]:
    """Fit; for Chao models drop the first negative eta and refit until none is negative."""
    cols = np.arange(X.shape[1])
    fit = fit_poisson(X, y, check_rank=False, like_r=True)
    if first_eta is None:
        return fit, cols
    while True:
        etas = fit.coef[first_eta:]
        neg = np.flatnonzero(etas < 0)
        if neg.size == 0:
            return fit, cols
        cols = np.delete(cols, first_eta + neg[0])
        fit = fit_poisson(X[:, cols], y, check_rank=False, like_r=True)


def _abundance_stderr(intercept: float, intercept_variance: float) -> float:
    """Standard error of ``N = n + exp(intercept)`` (Rcapture's: the unobserved count's
    Poisson variance plus the delta-method variance of the intercept); NaN when not positive."""
    u = math.exp(intercept)
    var = u + u**2 * intercept_variance
    return math.sqrt(var) if var >= 0 and math.isfinite(var) else math.nan


def _dropped_columns_note(name: str, dropped: int) -> str:
    return (
        f"model {name}: {dropped} design column(s) are linear combinations of the others and "
        "were dropped (as R's glm)"
    )


#: Gauss-Hermite quadrature of the normal mixing distribution: 20 points, as Rcapture (which
#: types Abramowitz and Stegun's 12-digit table; these are the same points to full precision).
_HERMITE_NODES, _HERMITE_WEIGHTS = np.polynomial.hermite.hermgauss(20)


@dataclass(frozen=True)
class _NormalFit:
    """The normal heterogeneity model's extra parameter and what the fit gives beyond a
    Poisson fit."""

    sigma: float
    sigma_std_error: float
    stderr_rcapture: float  # the standard error of N as Rcapture 1.4-4 prints it


def _normal_log_means(params: np.ndarray, X: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Log expected counts of the observable patterns under normal heterogeneity (Rivest 2011,
    eq. 3 and p. 7): ``X b + phi(k)``, ``phi(k) = log(E[exp(k s Z) C(s Z)] / E[C(s Z)])`` with
    ``C`` the probability of being missed by every list given the random effect, ``s`` the
    standard deviation of the random effect and ``E`` over a standard normal ``Z`` by 20-point
    Gauss-Hermite quadrature. ``params``: the coefficients of ``X`` (intercept first) then
    sigma."""
    from scipy.special import logsumexp

    b, sigma = params[:-1], params[-1]
    eta = X @ b
    s = math.sqrt(2.0) * sigma * _HERMITE_NODES  # the random effect at each node
    log_seen = logsumexp(eta[None, :] + k[None, :] * s[:, None], axis=1)
    log_missed = b[0] - np.logaddexp(b[0], log_seen)  # log C at each node
    log_wc = np.log(_HERMITE_WEIGHTS) + log_missed
    captures = np.arange(1, int(k.max()) + 1, dtype=float)
    phi = logsumexp(log_wc[None, :] + captures[:, None] * s[None, :], axis=1) - logsumexp(log_wc)
    return eta + phi[k.astype(np.int64) - 1]


def _numerical_derivatives(
    f: Callable[[np.ndarray], float], x: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Gradient and Hessian of ``f`` at ``x`` by central differences."""
    p = x.size
    h = 1e-4 * np.maximum(1.0, np.abs(x))
    f0 = f(x)
    grad = np.empty(p)
    hess = np.empty((p, p))
    for i in range(p):
        e_i = np.zeros(p)
        e_i[i] = h[i]
        f_plus, f_minus = f(x + e_i), f(x - e_i)
        grad[i] = (f_plus - f_minus) / (2 * h[i])
        hess[i, i] = (f_plus - 2 * f0 + f_minus) / h[i] ** 2
        for j in range(i):
            e_j = np.zeros(p)
            e_j[j] = h[j]
            hess[i, j] = hess[j, i] = (
                f(x + e_i + e_j) - f(x + e_i - e_j) - f(x - e_i + e_j) + f(x - e_i - e_j)
            ) / (4 * h[i] * h[j])
    return grad, hess


def _fit_normal(
    X: np.ndarray, y: np.ndarray, k: np.ndarray, name: str, notes: list[str]
) -> tuple[PoissonFit, _NormalFit]:
    """Rcapture's normal heterogeneity model (``closedpCI.t(h = "Normal")``): the Poisson
    deviance of :func:`_normal_log_means` minimised from Darroch's model's coefficients and
    sigma 0.2, as Rcapture starts it.

    Hand-written: the mean is not a generalised linear model (Rcapture uses ``optim`` on the
    deviance, not ``glm``). BFGS, then Newton steps on a central-difference Hessian to the
    maximum (Rcapture's ``optim`` stops at a relative change of 1e-8 with finite-difference
    gradients of step 1e-3, so its figures agree with the maximum to about 1e-6). The
    covariance is the inverse of the observed information, twice the inverse of the
    deviance's Hessian: Rcapture 1.4-4 takes the inverse of the deviance's Hessian itself,
    half the variance (kept as ``stderr_rcapture`` to compare with its output).
    """
    from scipy.optimize import minimize

    from .kernels.glm import poisson_deviance, poisson_loglik

    darroch = fit_poisson(np.column_stack([X, k**2 / 2]), y, check_rank=False, like_r=True)
    start = np.append(darroch.coef[: X.shape[1]], 0.2)

    def deviance(params: np.ndarray) -> float:
        value = float(poisson_deviance(y, np.exp(_normal_log_means(params, X, k))))
        return value if math.isfinite(value) else 1e300

    result = minimize(deviance, start, method="BFGS", options={"gtol": 1e-7, "maxiter": 2000})
    params, current = result.x, float(result.fun)
    for _ in range(20):  # Newton to the maximum from where BFGS stopped
        grad, hess = _numerical_derivatives(deviance, params)
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            break
        trial = params - step
        trial_deviance = deviance(trial)
        if trial_deviance > current:
            break
        params, current = trial, trial_deviance
        if np.max(np.abs(step)) < 1e-10:
            break
    grad, hess = _numerical_derivatives(deviance, params)
    converged = bool(np.max(np.abs(grad)) < 1e-4 * max(1.0, current))
    if not converged:
        notes.append(f"model {name}: the fit of the normal heterogeneity model did not converge")
    if params[-1] < 0:
        params[-1] = -params[-1]  # the likelihood is even in sigma: report it positive
    try:
        dev_inverse = np.linalg.inv(hess)
    except np.linalg.LinAlgError:
        dev_inverse = np.full_like(hess, np.nan)
    cov = 2.0 * dev_inverse
    if abs(params[-1]) < 1e-6:
        notes.append(
            f"model {name}: sigma is estimated at zero: no heterogeneous catchability in the data"
        )
    mu = np.exp(_normal_log_means(params, X, k))
    p = X.shape[1]
    fit = PoissonFit(
        params[:p],
        mu,
        float(poisson_deviance(y, mu)),
        float(poisson_loglik(y, mu)),
        cov[:p, :p],
        converged,
        int(result.nit),
        int(y.size - p - 1),
    )
    normal = _NormalFit(
        float(params[-1]),
        float(math.sqrt(cov[-1, -1])) if cov[-1, -1] >= 0 else math.nan,
        _abundance_stderr(float(params[0]), float(dev_inverse[0, 0])),
    )
    return fit, normal


@dataclass(frozen=True)
class _ClosedFit:
    name: str
    abundance: float
    stderr: float
    fit: PoissonFit
    X: np.ndarray
    first_eta: int | None
    columns: np.ndarray
    n: float
    y: np.ndarray
    warnings: tuple[str, ...]
    terms: tuple[str, ...]  # the names of the fitted coefficients, in their order
    normal: _NormalFit | None = None  # a normal heterogeneity model's sigma and its errors

    @property
    def n_parameters(self) -> int:
        return int(self.columns.size) + (self.normal is not None)

    @property
    def aic(self) -> float:
        return -2.0 * self.fit.loglik + 2.0 * self.n_parameters

    @property
    def bic(self) -> float:
        return self.aic + (math.log(self.n) - 2.0) * self.n_parameters

    def row(self) -> dict[str, Any]:
        """The fit as a row of Rcapture's results table."""
        return {
            "model": self.name,
            "abundance": self.abundance,
            "stderr": self.stderr,
            "deviance": self.fit.deviance,
            "df": self.fit.df_residual,
            "AIC": self.aic,
            "BIC": self.bic,
            "converged": self.fit.converged,
            "warnings": "; ".join(self.warnings),
        }


def _fit_closed(name: str, captures: CaptureHistories) -> _ClosedFit:
    t = captures.n_lists
    if t == 2 and name not in _TWO_OCCASION_MODELS:
        raise EstimationError(
            f"model {name} needs at least three lists; with two only M0, Mt and Mb can be fitted"
        )
    lay = _layout(t)
    y = captures.cell_counts[lay.codes]
    n = float(y.sum())
    X, first_eta, names = _design(name, lay, captures.lists)
    if np.linalg.matrix_rank(X) < X.shape[1]:
        raise EstimationError(f"model {name}: design matrix not of full rank")
    if name not in ("Mb", "Mbh"):
        # M0's or Mt's design is inside every other non-behavioural model's: without an
        # estimate there (no one on two lists), N runs off to infinity in all of them.
        # Behavioural models estimate N from the fall in first captures and need no overlap.
        base = X[:, :2] if name == "M0" or name.startswith("Mh") else X[:, : t + 1]
        if not mle_exists(base, y):
            raise EstimationError(
                f"model {name} cannot be fitted to these data: the maximum likelihood estimate "
                "does not exist (no overlap between the lists to estimate N from: its "
                "estimate runs off to infinity)"
            )
    fit, cols = _fit_with_chao(X, y, first_eta)
    notes = []
    if not fit.converged:
        notes.append(
            f"model {name}: the Poisson fit did not converge in {fit.iterations} iterations"
        )
    b, V = fit.coef, fit.cov
    if name == "Mb":
        e1, e2 = math.exp(b[1]), math.exp(b[2])
        den = 1 + e2 - e1
        N = math.exp(b[0]) * (1 + e2) ** t / den
        v = N * np.array([1.0, e1 / den, t * e2 / (1 + e2) - e2 / den])
        var = float(v @ V @ v) - N
    elif name == "Mbh":
        e1, e2, e3 = math.exp(b[1]), math.exp(b[2]), math.exp(b[3])
        den = 1 + e3 - e2
        scale = math.exp(b[0]) * (1 + e3) ** (t - 1)
        N = scale * (1 + e1 * e2 / den)
        v = scale * np.array(
            [
                1 + e1 * e2 / den,
                e1 * e2 / den,
                e1 * e2 / den + e1 * e2**2 / den**2,
                (t - 1) * e3 / (1 + e3) - e1 * e2 * e3 / den**2,
            ]
        )
        var = float(v @ V @ v) - N
    else:
        u = math.exp(b[0])
        N = n + u
        var = u + u**2 * V[0, 0]
    if var < 0 or not math.isfinite(var):
        notes.append(f"model {name}: the variance of the estimate is not positive")
        se = math.nan
    else:
        se = math.sqrt(var)
    if N < n:
        notes.append(f"model {name}: the estimate {N:.4g} is below the {n:.0f} people observed")
    terms = tuple(names[int(i)] for i in cols)
    return _ClosedFit(name, N, se, fit, X, first_eta, cols, n, y, tuple(notes), terms)


def _fit_custom(
    captures: CaptureHistories,
    design: Any,
    h: str | Callable[[np.ndarray], np.ndarray] | None,
    theta: float | None,
    label: str | None = None,
    base_model: str = "Mt",
    exclude_patterns: Sequence[Any] = (),
) -> _ClosedFit:
    """A closed-population model from user design columns and a heterogeneity term, as
    Rcapture's ``closedpCI.t(mX = ..., h = ...)``; aliased columns are dropped as R's glm."""
    t = captures.n_lists
    lay = _layout(t)
    y = captures.cell_counts[lay.codes]
    n = float(y.sum())
    if design is not None:
        base, base_label, names = _user_design(design, lay, captures.lists)
    else:  # M0 plus heterogeneity is Rcapture's Mh, Mt plus heterogeneity Mth
        mh = base_model == "M0"
        base, names = _base_columns("M0" if mh else "Mt", lay, captures.lists)
        base_label = ("Mh" if mh else "Mth") if h is not None else ("M0" if mh else "Mt")
    X = np.hstack([np.ones((lay.codes.size, 1)), base])
    names = ["(intercept)", *names]
    name = base_label
    if len(exclude_patterns):
        X = np.hstack([X, _excluded_columns(exclude_patterns, captures, lay)])
        names += [f"pattern {p}" for p in exclude_patterns]
        name += f" without {len(exclude_patterns)} pattern(s)"
    first_eta = None
    if isinstance(h, str) and h == "Normal":
        return _fit_custom_normal(captures, X, y, n, names, label or f"{name} Normal", lay)
    if h is not None:
        cols, is_chao, h_label, h_names = _heterogeneity_columns(h, theta, lay)
        if is_chao:
            first_eta = X.shape[1]
        names += h_names
        X = np.hstack([X, cols])
        name = f"{base_label} {h_label}"
    notes: list[str] = []
    # As Rcapture with R's glm: aliased columns are dropped (pivoted QR keeps the earlier
    # column), and for Chao's etas the first negative estimate is removed and the whole
    # model refitted, aliasing decided afresh, until none is negative.
    columns = np.arange(X.shape[1])
    while True:
        used = columns[_keep_estimable(X[:, columns])]
        fit = fit_poisson(X[:, used], y, check_rank=False, like_r=True)
        if first_eta is None:
            break
        eta_pos = np.flatnonzero(used >= first_eta)
        negative = eta_pos[fit.coef[eta_pos] < 0]
        if negative.size == 0:
            break
        columns = columns[columns != used[negative[0]]]
    if used.size < columns.size:
        notes.append(_dropped_columns_note(label or name, columns.size - used.size))
    X = X[:, used]
    first_eta = int((used < first_eta).sum()) if first_eta is not None else None
    if first_eta is not None and first_eta >= X.shape[1]:
        first_eta = None
    cols_kept = np.arange(X.shape[1])
    if not fit.converged:
        notes.append(f"model {label or name}: the Poisson fit did not converge")
    u = math.exp(float(fit.coef[0]))
    se = _abundance_stderr(float(fit.coef[0]), float(fit.cov[0, 0]))
    terms = tuple(names[int(i)] for i in used)
    return _ClosedFit(
        label or name, n + u, se, fit, X, first_eta, cols_kept, n, y, tuple(notes), terms
    )


def _fit_custom_normal(
    captures: CaptureHistories,
    X: np.ndarray,
    y: np.ndarray,
    n: float,
    names: list[str],
    name: str,
    lay: _Layout,
) -> _ClosedFit:
    """A design with normal heterogeneity: aliased columns dropped as for the others, then
    :func:`_fit_normal`."""
    notes: list[str] = []
    used = _keep_estimable(X)
    if used.size < X.shape[1]:
        notes.append(_dropped_columns_note(name, X.shape[1] - used.size))
    X = X[:, used]
    if y.size < X.shape[1] + 1:
        raise EstimationError(
            f"model {name}: {X.shape[1] + 1} parameters but {y.size} capture patterns to fit "
            "them; the model is not estimable"
        )
    fit, normal = _fit_normal(X, y, lay.k, name, notes)
    terms = tuple(names[int(i)] for i in used)
    return _ClosedFit(
        name, n + math.exp(float(fit.coef[0])),
        _abundance_stderr(float(fit.coef[0]), float(fit.cov[0, 0])), fit, X, None,
        np.arange(X.shape[1]), n, y, tuple(notes), terms, normal,
    )  # fmt: skip


def closed_population_models(
    data: CaptureHistories | pd.DataFrame,
    *,
    h: str | Callable[[np.ndarray], np.ndarray] | None = None,
    theta: float | None = None,
    max_order: int | None = None,
) -> pd.DataFrame:
    """Every hierarchical log-linear model with an optional heterogeneity term, as Rcapture's
    ``closedpMS.t``.

    Parameters
    ----------
    data : CaptureHistories or DataFrame
    h : {"Chao", "LB", "Poisson", "Darroch", "Gamma", "Normal"}, callable or None
        Heterogeneity term added to every model (a function maps the number of captures to
        a column).
    theta : float, optional
        Parameter of the Poisson (default 2) and Gamma (default 3.5) forms.
    max_order : int, optional
        Highest interaction order (default: number of lists - 1).

    Returns
    -------
    DataFrame with one row per model: ``model, abundance, stderr, deviance, df, AIC, BIC,
    warnings``, sorted by BIC as Rcapture prints it.

    Examples
    --------
    >>> import pandas as pd
    >>> from prevalence import CaptureHistories
    >>> df = pd.DataFrame({"A": [1, 0, 1, 0, 1, 0, 1], "B": [0, 1, 1, 0, 0, 1, 1],
    ...                    "C": [0, 0, 0, 1, 1, 1, 1], "count": [30, 40, 20, 50, 10, 12, 4]})
    >>> len(closed_population_models(CaptureHistories.from_counts(df)))
    8
    """
    captures = as_captures(data)
    _check_h(h)
    t = captures.n_lists
    rows = []
    for model in hierarchical_models(t, max_order):
        try:
            f = _fit_custom(captures, model, h, theta)
        except EstimationError as exc:
            rows.append({"model": str(model), "abundance": math.nan, "warnings": str(exc)})
            continue
        row = f.row()
        del row["converged"]
        rows.append({**row, "model": str(model)})
    table = pd.DataFrame(rows)
    return table.sort_values("BIC", kind="stable", na_position="last").reset_index(drop=True)


def _check_h(h: Any) -> None:
    if h is not None and not callable(h) and h not in HETEROGENEITY:
        raise ValueError(f"h must be one of {HETEROGENEITY}, a function or None, got {h!r}")


def closed_population_table(data: CaptureHistories | pd.DataFrame) -> pd.DataFrame:
    """Every closed-population model at once, as Rcapture's ``closedp.t``.

    Returns a DataFrame with one row per model (M0, Mt, Mh Chao (LB), Mh Poisson2,
    Mh Darroch, Mh Gamma3.5, Mth Chao (LB), Mth Poisson2, Mth Darroch, Mth Gamma3.5, Mb, Mbh;
    only M0, Mt and Mb with two lists) and columns ``model, abundance, stderr, deviance, df,
    AIC, BIC, converged, warnings``.

    Examples
    --------
    >>> import pandas as pd
    >>> from prevalence import CaptureHistories
    >>> df = pd.DataFrame({"A": [1, 0, 1], "B": [0, 1, 1], "count": [60, 40, 20]})
    >>> closed_population_table(CaptureHistories.from_counts(df))["model"].tolist()
    ['M0', 'Mt', 'Mb']
    """
    captures = as_captures(data)
    names = _TWO_OCCASION_MODELS if captures.n_lists == 2 else CLOSED_MODELS
    rows = []
    for name in names:
        try:
            f = _fit_closed(name, captures)
        except EstimationError as exc:
            rows.append(
                {
                    "model": name,
                    "abundance": math.nan,
                    "stderr": math.nan,
                    "deviance": math.nan,
                    "df": math.nan,
                    "AIC": math.nan,
                    "BIC": math.nan,
                    "converged": False,
                    "warnings": str(exc),
                }
            )
            continue
        rows.append(f.row())
    return pd.DataFrame(rows)


class ClosedPopulationMSE(Estimator):
    """One of Rcapture's closed-population models as an estimator of the common interface.

    Parameters
    ----------
    model : str
        ``"M0"``, ``"Mt"``, ``"Mh Chao (LB)"``, ``"Mh Poisson2"``, ``"Mh Darroch"``,
        ``"Mh Gamma3.5"``, ``"Mth Chao (LB)"``, ``"Mth Poisson2"``, ``"Mth Darroch"``,
        ``"Mth Gamma3.5"``, ``"Mb"`` or ``"Mbh"`` (spacing and case are free; ``"MhC"``,
        ``"Mh Chao"`` and the like are accepted).
    interval : {"profile", "wald", "none"} or None
        ``"profile"``: multinomial profile likelihood as ``closedpCI.t`` (not available for
        Mb and Mbh); ``"wald"``: Chao's log-transformed interval from the standard error.
        ``None`` (default) chooses profile where available, else wald.
    design : str, array or DataFrame, optional
        A model of one's own, as Rcapture's ``closedpCI.t(mX = ...)``: a hierarchical
        log-linear model (``"[12,13,14]"``, as ``closedpMS.t`` names them) or design columns
        with one row per observable capture pattern in the order of
        :func:`capture_patterns` (Rcapture's ``histpos.t``); an intercept is added. An
        indicator column of one pattern fits that cell exactly (a structural zero for the
        rest of the model), as Rcapture's "Mt without 111111" on the hare data. ``model``
        must keep its default when ``design`` is given.
    h : {"Chao", "LB", "Poisson", "Darroch", "Gamma", "Normal"} or callable, optional
        A heterogeneity term added to ``design``, or to ``model`` "M0" (giving Mh) or "Mt"
        (giving Mth), as Rcapture's ``h=``; a function maps the number of captures to a
        column (Rcapture's user ``h``). ``"Normal"``: catchability varies between people
        with a normal random effect on the log-odds scale (Rivest 2011), fitted by
        numerical integration as Rcapture does; its interval is Chao's log-transformed one
        (``details["sigma"]`` the random effect's standard deviation; the standard error is
        the inverse information's, ``details["std_error_rcapture"]`` the smaller one
        Rcapture 1.4-4 prints, from half that variance).
    theta : float, optional
        Parameter of the Poisson (default 2) and Gamma (default 3.5) heterogeneity forms.
    exclude_patterns : sequence, optional
        Capture patterns the model should not describe, as 0/1 strings in list order
        (``"1101"``) or tuples of list names: structural zeros (patterns that cannot occur,
        for example a list that only records people already on another; they are empty) or
        outlying cells (the hare data's two animals caught six times). Each gets an indicator
        column, which fits its cell exactly: the way Rcapture users do it (``mX`` with such
        columns), so estimates, deviance, df and AIC are Rcapture's.
    name : str, optional
        A label for a ``design`` model in the results.
    level : float
        Interval level.
    seed : int or Generator, optional
        Used by :meth:`compare`.

    Examples
    --------
    >>> import pandas as pd
    >>> from prevalence import CaptureHistories, ClosedPopulationMSE
    >>> df = pd.DataFrame({"A": [1, 0, 1], "B": [0, 1, 1], "count": [60, 40, 20]})
    >>> round(ClosedPopulationMSE("Mt").fit(CaptureHistories.from_counts(df)).value, 6)
    240.0
    """

    input_kinds = ("captures", "records", "case_lists")
    details_schema = ClosedPopulationDetails
    #: What the method assumes, in words (the run report's methods section).
    assumptions = (
        "A closed-population capture-recapture model of Rcapture (Otis et al. 1978; Rivest "
        "and Baillargeon): M0 (equal catchability), Mt (lists differ), Mh (people differ, by "
        "Chao's lower bound, Poisson, Darroch or gamma models), Mb (behavioural response) and "
        "their combinations. Assumes a closed population, correct recording and matching, and "
        "that the lists and people differ only as the model allows."
    )

    def __init__(
        self,
        model: str = "Mt",
        *,
        design: Any = None,
        h: str | Callable[[np.ndarray], np.ndarray] | None = None,
        theta: float | None = None,
        exclude_patterns: Sequence[Any] = (),
        name: str | None = None,
        interval: str | None = None,
        level: float = 0.95,
        seed: SeedLike = None,
    ) -> None:
        self.model = model  # as given (get_params returns it); its canonical name, private
        self._model = _normalise_name(model)
        if design is not None and self._model != "Mt":
            raise ValueError(
                "give either a named model or design=, not both (model must keep its "
                f"default 'Mt'; got {model!r})"
            )
        if h is not None and self._model not in ("M0", "Mt"):
            raise ValueError(
                f"h= adds heterogeneity to M0 (giving Mh), Mt (giving Mth) or a design; got "
                f"model={model!r}"
            )
        _check_h(h)
        if theta is not None and h not in ("Poisson", "Gamma"):
            raise ValueError("theta applies to h='Poisson' or h='Gamma'")
        if theta is not None and not (math.isfinite(float(theta)) and float(theta) > 0):
            raise ValueError(f"theta must be a positive number, got {theta!r}")
        if isinstance(exclude_patterns, str):
            raise ValueError(
                "exclude_patterns must be a list of patterns (for example ['1101']), not a "
                "single string"
            )
        if len(exclude_patterns) and self._model not in ("M0", "Mt"):
            raise ValueError(
                f"exclude_patterns apply to M0, Mt, a design or h=, not to {self._model}"
            )
        self.design = design
        self.h = h
        self.theta = theta
        self.exclude_patterns = exclude_patterns
        self.name = name
        if interval not in (None, "profile", "wald", "none"):
            raise ValueError(
                f"interval must be 'profile', 'wald', 'none' or None, got {interval!r}"
            )
        if interval == "profile" and self._model in ("Mb", "Mbh"):
            raise ValueError(
                f"a profile likelihood interval is not available for {self._model}; use 'wald'"
            )
        if interval == "profile" and h == "Normal":
            raise ValueError(
                "a profile likelihood interval is not available for h='Normal' (Rcapture gives "
                "Chao's log-transformed interval for it); use 'wald' or leave interval unset"
            )
        self.interval = interval
        self.level = check_level(level)
        self.seed = seed

    def check_input(self, data: CaptureHistories | pd.DataFrame) -> list[str]:
        """Whether the model can be fitted (a closed-population fit is cheap: it is done)."""
        try:
            captures = as_captures(data)
            if self.design is None and self.h is None and not len(self.exclude_patterns):
                _fit_closed(self._model, captures)
        except (DataError, EstimationError) as exc:
            return [str(exc)]
        return []

    def fit(self, data: CaptureHistories | pd.DataFrame) -> Estimate:
        """Fit the model and estimate the population size."""
        captures = as_captures(data)
        if self.design is not None or self.h is not None or len(self.exclude_patterns):
            f = _fit_custom(
                captures,
                self.design,
                self.h,
                self.theta,
                self.name,
                self._model,
                tuple(self.exclude_patterns),
            )
        else:
            f = _fit_closed(self._model, captures)
        notes = list(f.warnings)
        wald_only = self._model in ("Mb", "Mbh") or f.normal is not None
        interval = self.interval or ("wald" if wald_only else "profile")
        terms, coef, errors = f.terms, f.fit.coef, np.sqrt(np.diag(f.fit.cov))
        if f.normal is not None:
            terms = (*terms, "sigma")
            coef = np.append(coef, f.normal.sigma)
            errors = np.append(errors, f.normal.sigma_std_error)
        details = {
            "model": f.name,
            "lists": captures.lists,
            "n_observed": int(f.n),
            "std_error": f.stderr,
            "deviance": f.fit.deviance,
            "df": f.fit.df_residual,
            "AIC": f.aic,
            "BIC": f.bic,
            "coefficients": coefficient_table(terms, coef, errors, level=self.level),
            "converged": f.fit.converged,
            "interval": interval,
        }
        if f.normal is not None:
            details["sigma"] = f.normal.sigma
            details["std_error_rcapture"] = f.normal.stderr_rcapture
        lower = upper = math.nan
        method = f"closed population {f.name}"
        if interval == "profile":
            prof = profile_interval(self._deviance_function(f), f.n, f.abundance, self.level)
            lower, upper = prof.lower, prof.upper
            details["multinomial_estimate"] = prof.estimate
            notes.extend(prof.warnings)
            method += ", profile likelihood interval"
        elif interval == "wald":
            lower, upper = log_transformed_interval(f.abundance, f.stderr, f.n, self.level)
            method += ", log-scale Wald interval"
        for w in notes:
            warnings.warn(w, EstimationWarning, stacklevel=2)
        return Estimate(
            f.abundance,
            lower,
            upper,
            self.level,
            method,
            None,
            details,
            tuple(notes),
            scale="count",
            interval_method={"profile": "profile", "wald": "log-wald"}.get(interval),
        )

    @staticmethod
    def _deviance_function(f: _ClosedFit) -> Callable[[float], float]:
        X_aug = np.vstack([f.X, np.eye(1, f.X.shape[1])])
        y_obs = f.y

        def deviance_at(n0: float) -> float:
            fit, _ = _fit_with_chao(X_aug, np.append(y_obs, n0), f.first_eta)
            return fit.deviance

        return deviance_at
