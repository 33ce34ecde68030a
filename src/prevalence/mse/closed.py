"""Rcapture's closed-population models (``closedp.t``): M0, Mt, Mh, Mth and Mb families.

Lists are treated as capture occasions in column order. Every model is a Poisson
log-linear model on the ``2**t - 1`` observable capture patterns (Rivest and Baillargeon
2007; Baillargeon and Rivest 2007, *Journal of Statistical Software* 19(5)):

* ``M0``: one capture probability; ``Mt``: one per occasion;
* ``Mh``/``Mth`` heterogeneity through a function of the number of captures ``k``:
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
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.errors import EstimationError, EstimationWarning
from ..core.estimator import Estimator
from ..core.intervals import check_level, log_transformed_interval
from ..core.random import SeedLike
from ..core.results import Estimate
from .captures import CaptureHistories
from .glm import PoissonFit, fit_poisson
from .loglinear import as_captures
from .profile import profile_interval

__all__ = ["ClosedPopulationMSE", "closed_population_table", "CLOSED_MODELS"]

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


def _design(name: str, lay: _Layout) -> tuple[np.ndarray, int | None]:
    """Design matrix with intercept first, and for Chao models the index of the first eta."""
    one = np.ones((lay.codes.size, 1))
    k = lay.k
    if name == "M0":
        return np.hstack([one, k[:, None]]), None
    if name == "Mt":
        return np.hstack([one, lay.x]), None
    if name == "Mb":
        return np.column_stack([one, lay.first, k - 1]), None
    if name == "Mbh":
        return np.column_stack([one, 1 - lay.x[:, 0], lay.first, k - 1]), None
    family, h = name.split(" ", 1)
    base = np.hstack([one, k[:, None]]) if family == "Mh" else np.hstack([one, lay.x])
    if h.startswith("Chao"):
        etas = np.column_stack([np.maximum(k - j + 1, 0) for j in range(3, lay.t + 1)])
        return np.hstack([base, etas]), base.shape[1]
    if h == "Poisson2":
        col = 2.0**k - 1
    elif h == "Darroch":
        col = k**2 / 2
    else:  # Gamma3.5
        col = -np.log(3.5 + k) + np.log(3.5)
    return np.column_stack([base, col]), None


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

    @property
    def aic(self) -> float:
        return -2.0 * self.fit.loglik + 2.0 * self.columns.size

    @property
    def bic(self) -> float:
        return self.aic + (math.log(self.n) - 2.0) * self.columns.size


def _fit_closed(name: str, captures: CaptureHistories) -> _ClosedFit:
    t = captures.n_lists
    if t == 2 and name not in _TWO_OCCASION_MODELS:
        raise EstimationError(
            f"model {name} needs at least three lists; with two only M0, Mt and Mb can be fitted"
        )
    lay = _layout(t)
    y = captures.cell_counts[lay.codes]
    n = float(y.sum())
    X, first_eta = _design(name, lay)
    if np.linalg.matrix_rank(X) < X.shape[1]:
        raise EstimationError(f"model {name}: design matrix not of full rank")
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
    return _ClosedFit(name, N, se, fit, X, first_eta, cols, n, y, tuple(notes))


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
        rows.append(
            {
                "model": name,
                "abundance": f.abundance,
                "stderr": f.stderr,
                "deviance": f.fit.deviance,
                "df": f.fit.df_residual,
                "AIC": f.aic,
                "BIC": f.bic,
                "converged": f.fit.converged,
                "warnings": "; ".join(f.warnings),
            }
        )
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

    input_kinds = ("captures", "records")

    def __init__(
        self,
        model: str = "Mt",
        *,
        interval: str | None = None,
        level: float = 0.95,
        seed: SeedLike = None,
    ) -> None:
        self.model = _normalise_name(model)
        if interval not in (None, "profile", "wald", "none"):
            raise ValueError(
                f"interval must be 'profile', 'wald', 'none' or None, got {interval!r}"
            )
        if interval == "profile" and self.model in ("Mb", "Mbh"):
            raise ValueError(
                f"a profile likelihood interval is not available for {self.model}; use 'wald'"
            )
        self.interval = interval
        self.level = check_level(level)
        self.seed = seed

    def fit(self, data: CaptureHistories | pd.DataFrame) -> Estimate:
        """Fit the model and estimate the population size."""
        captures = as_captures(data)
        f = _fit_closed(self.model, captures)
        notes = list(f.warnings)
        interval = self.interval or ("wald" if self.model in ("Mb", "Mbh") else "profile")
        details = {
            "model": self.model,
            "lists": captures.lists,
            "n_observed": int(f.n),
            "std_error": f.stderr,
            "deviance": f.fit.deviance,
            "df": f.fit.df_residual,
            "AIC": f.aic,
            "BIC": f.bic,
            "coefficients": f.fit.coef.copy(),
            "converged": f.fit.converged,
            "interval": interval,
        }
        lower = upper = math.nan
        method = f"closed population {self.model}"
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
